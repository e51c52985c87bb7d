/**
 * A table too small for its holdout (issue 17): a one-row table with `split.holdout: 0.5` names the
 * empty training split, in memory and streamed, instead of "every value is missing".
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/report/log.js';
import { runTablePipeline } from '../src/run/table/run.js';
import { normalizeSpec } from '../src/spec/normalize.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-empty-split-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an empty training split', () => {
  // The streamed split is a per-row coin, so its one row is held out only with a high holdout.
  it.each([
    ['in memory', {}, 0.5],
    ['streamed (model.trainRows)', { trainRows: 100 }, 0.99],
  ] as const)('%s: the message names the split', async (_what, model, holdout) => {
    const path = join(dir, 'one-row.csv');
    await writeFile(path, 'x,g\n1.5,a\n');
    const ns = normalizeSpec({ version: 1, name: 'one', source: { path }, split: { holdout }, model: { steps: 10, ...model }, tasks: [{ type: 'generate', rows: 2, output: { path: join(dir, 'out.csv') } }] });
    await expect(runTablePipeline(ns, { log: createLogger({ quiet: true }) })).rejects.toThrow(
      `${path}: no row left for training after the holdout split (1 row, split.holdout ${holdout}); lower split.holdout or add rows`,
    );
  });
});
