/**
 * Resuming from a checkpoint trained from another spec (issue 17): other columns, encoders or
 * architecture are refused in one line naming the first spec path that differs; steps, sampler and
 * device may change.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstDifference } from '../src/run/model.js';
import { runCli } from './helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-resume-spec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (model: string, columns = '{ id: { drop: true } }') =>
  `version: 1\nname: r\nseed: 3\nsource: { path: ${resolve('fixtures/tables/survival__pbc.csv')} }\ncolumns: ${columns}\n` +
  `model: { device: cpu, batchSize: 32, checkpoint: model, ${model} }\n`;

const tail = 'resume continues only the same model (steps, sampler, samplerSteps, device and backend may change): train into another checkpoint or set resume: false';

describe('resume: true from a checkpoint of another spec (issue 17)', () => {
  it('refuses another architecture or other columns in one line, allows more steps', async () => {
    const file = join(dir, 'spec.yaml');
    await writeFile(file, spec('width: 8, depth: 1, steps: 20'));
    expect((await runCli('run', file, '-q')).code).toBe(0);
    const saved = await readFile(join(dir, 'model', 'model.json'), 'utf8');

    await writeFile(file, spec('width: 16, depth: 1, steps: 20, resume: true'));
    expect(await runCli('run', file, '-q')).toMatchObject({ code: 1, stderr: `error: model.checkpoint: ${join(dir, 'model')} was trained from a different spec (model.width: 8 there, 16 here); ${tail}\n` });

    await writeFile(file, spec('width: 8, depth: 1, steps: 20, resume: true', '{ id: { drop: true }, stage: { kind: numeric } }'));
    expect(await runCli('run', file, '-q')).toMatchObject({ code: 1, stderr: `error: model.checkpoint: ${join(dir, 'model')} was trained from a different spec (columns.stage: unset there, {"kind":"numeric"} here); ${tail}\n` });
    // Refused before anything is written: the checkpoint is untouched.
    expect(await readFile(join(dir, 'model', 'model.json'), 'utf8')).toBe(saved);

    // More steps and another sampler are harmless: training continues from step 20.
    await writeFile(file, spec('width: 8, depth: 1, steps: 30, samplerSteps: 4, resume: true'));
    const more = await runCli('run', file);
    expect(more.code).toBe(0);
    expect(more.stderr).toContain(`resuming from checkpoint ${join(dir, 'model')} (trained 20 steps`);
    expect((JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8')) as { state: { step: number } }).state.step).toBe(30);
  }, 60_000);

  it('names the first differing spec path, sorted', () => {
    expect(firstDifference({ model: { width: 8 }, seed: 1 }, { model: { width: 8 }, seed: 1 })).toBeUndefined();
    expect(firstDifference({ model: { depth: 2, width: 8 }, seed: 1 }, { model: { depth: 3, width: 16 }, seed: 2 })).toEqual({ path: 'model.depth', was: '2', now: '3' });
    expect(firstDifference({ source: { path: '/a.csv' } }, { source: { path: '/a.csv', missing: ['NA'] } })).toEqual({ path: 'source.missing', was: 'unset', now: '["NA"]' });
  });
});
