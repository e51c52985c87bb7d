/**
 * A resumed run is the uninterrupted run (issue 17): train N steps saving a checkpoint at N/2, load that
 * checkpoint in a fresh model and train it to N; weights, EMA, Adam moments and generated rows equal
 * those of the uninterrupted run (and of a run that saved no checkpoint) bit for bit. Saved with the
 * checkpoint: Adam's moments and step, the EMA and best-validated EMA, the random stream's state and the
 * epoch's row order and cursor.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { tableToCsvString } from '../src/io/csv.js';
import { readTable } from '../src/io/table-io.js';
import type { Table } from '../src/table/table.js';

let root: string;
let table: Table;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthdiff-resume-exact-'));
  table = (await readTable('fixtures/tables/mice__boys.csv')).table;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// mice::boys: 673 training rows, batches of 64: the save at N/2 falls mid-epoch, after several epochs.
const N = 240;
const options = (learningRate: number) => ({ width: 32, depth: 2, seed: 11, train: { steps: N, batchSize: 64, evalEvery: 20, patience: 0, learningRate } });

async function weightsOf(dir: string): Promise<{ sha: string; state: Record<string, unknown> }> {
  const meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { weights: { sha256: string }; state: Record<string, unknown> };
  return { sha: meta.weights.sha256, state: meta.state };
}

// At learning rate 1e-8 the validation loss stops improving after the first evaluation, so the run ends
// on the EMA that validated best before N/2 (which the checkpoint must carry).
describe.each([
  ['wasm', 1e-3],
  ['cpu', 1e-3],
  ['wasm', 1e-8],
] as const)('resume from a checkpoint at N/2 on %s, learning rate %s (issue 17)', (backend, learningRate) => {
  it('gives the uninterrupted run bit for bit: weights, EMA, Adam state and generated rows', async () => {
    const dir = join(root, `${backend}-${learningRate}`);
    await initBackend({ backend });
    const rows = table;

    const plain = TabularDiffusion.create(rows, options(learningRate));
    await plain.fit(rows);
    await plain.save(join(dir, 'plain'));

    const saved: number[] = [];
    const whole = TabularDiffusion.create(rows, options(learningRate));
    await whole.fit(rows, { checkpoint: { dir: join(dir, 'half'), everyMs: Infinity, everySteps: N / 2, onSaved: (s) => saved.push(s.step) } });
    await whole.save(join(dir, 'whole'));
    expect(saved).toEqual([N / 2]);

    if (learningRate < 1e-6) expect(whole.state.evalsWithoutImprovement).toBeGreaterThan(N / 2 / 20);
    const half = await weightsOf(join(dir, 'half'));
    expect(half.state).toMatchObject({ step: N / 2 });
    const resumed = await TabularDiffusion.load(join(dir, 'half'));
    expect(resumed.state.step).toBe(N / 2);
    await resumed.fit(rows);
    await resumed.save(join(dir, 'resumed'));

    const [a, b, c] = await Promise.all(['plain', 'whole', 'resumed'].map((k) => weightsOf(join(dir, k))));
    // The sha256 covers net, EMA and both Adam moments, float for float.
    expect(b!.sha).toBe(a!.sha);
    expect(c!.sha).toBe(a!.sha);
    expect(c!.state).toEqual(a!.state);
    expect(resumed.optimizer.step).toBe(whole.optimizer.step);

    const gen = async (m: TabularDiffusion) => tableToCsvString(await m.generate(64, { seed: 5, steps: 8 }));
    const reference = await gen(plain);
    expect(await gen(resumed)).toBe(reference);
    for (const m of [plain, whole, resumed]) m.dispose();
  }, 120_000);
});

// DP-SGD (issue 18) resumes through the same saved random stream: Poisson batches and noise continue as
// the uninterrupted run draws them.
describe('resume a differentially private run from a checkpoint at N/2', () => {
  it('gives the uninterrupted private run bit for bit', async () => {
    const dir = join(root, 'private');
    await initBackend({ backend: 'wasm' });
    const opts = { width: 32, depth: 2, seed: 11, train: { steps: 60 }, privacy: { epsilon: 50 } };
    const plain = TabularDiffusion.create(table, opts);
    await plain.fit(table);
    await plain.save(join(dir, 'plain'));
    const whole = TabularDiffusion.create(table, opts);
    await whole.fit(table, { checkpoint: { dir: join(dir, 'half'), everyMs: Infinity, everySteps: 30 } });
    const resumed = await TabularDiffusion.load(join(dir, 'half'));
    expect(resumed.state.step).toBe(30);
    await resumed.fit(table);
    await resumed.save(join(dir, 'resumed'));
    const [a, c] = await Promise.all(['plain', 'resumed'].map((k) => weightsOf(join(dir, k))));
    expect(c!.sha).toBe(a!.sha);
    for (const m of [plain, whole, resumed]) m.dispose();
  }, 120_000);
});
