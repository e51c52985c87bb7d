import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-reuse-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (steps: number) => ({
  version: 1,
  name: 'reuse',
  seed: 5,
  source: { path: resolve('fixtures/tables/mice__nhanes.csv') },
  columns: { hyp: { kind: 'categorical' } },
  model: { steps, width: 16, depth: 1, checkpoint: 'out/model' },
  tasks: [
    { type: 'impute', draws: 2, output: { path: 'out/imputed.csv' } },
    { type: 'generate', rows: 20, output: { path: 'out/synthetic.csv' } },
  ],
});

/** A rerun of the same spec loads its finished model.checkpoint instead of training again; --force retrains. */
describe('rerun with model.checkpoint', () => {
  it('reuses a finished checkpoint of the same spec, retrains with --force or another spec', async () => {
    const path = join(dir, 'spec.json');
    await writeFile(path, JSON.stringify(spec(30)));
    const first = await runCli('run', path);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/^training: /m);
    const synthetic = await readFile(join(dir, 'out/synthetic.csv'), 'utf8');
    const imputed = await readFile(join(dir, 'out/imputed.csv'), 'utf8');

    const again = await runCli('run', path);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/^training: /m);
    expect(again.stderr).toMatch(new RegExp(`^model\\.checkpoint ${join(dir, 'out/model').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} holds the model trained from this spec \\([0-9a-f]{12}, 30 steps\\); reusing it, not retraining \\(--force retrains\\)$`, 'm'));
    // The reused model gives what the trained one gave.
    expect(await readFile(join(dir, 'out/synthetic.csv'), 'utf8')).toBe(synthetic);
    expect(await readFile(join(dir, 'out/imputed.csv'), 'utf8')).toBe(imputed);

    const forced = await runCli('run', path, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^training: .* 30 steps/m);
    expect(forced.stderr).not.toMatch(/reusing it/);

    // Another spec (other model settings: another hash) trains afresh, as before.
    await writeFile(path, JSON.stringify(spec(40)));
    const other = await runCli('run', path);
    expect(other.code).toBe(0);
    expect(other.stderr).toMatch(/^training: .* 40 steps/m);
    expect(other.stderr).not.toMatch(/reusing it/);
  });
});
