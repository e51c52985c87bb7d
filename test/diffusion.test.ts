import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { TabularDiffusion, denoisingScores } from '../src/diffusion/tabular.js';
import { sigmaSchedule, preconditioning } from '../src/diffusion/edm.js';
import { learningRateAt, defaultTrainOptions } from '../src/diffusion/train.js';
import { createRng } from '../src/rng.js';
import type { CategoricalColumn, NumericColumn, Table } from '../src/table/table.js';

/** Four well-separated Gaussian blobs in 2-D, plus a categorical column that names the blob. */
function mixture(n: number, seed: number): Table {
  const rng = createRng(seed);
  const a = new Float64Array(n), b = new Float64Array(n), q = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4;
    a[i] = (k & 2 ? 4 : -4) + 0.5 * rng.normal();
    b[i] = (k & 1 ? 4 : -4) + 0.5 * rng.normal();
    q[i] = k;
  }
  return { nRows: n, columns: [{ name: 'a', kind: 'numeric', values: a }, { name: 'b', kind: 'numeric', values: b }, { name: 'q', kind: 'categorical', codes: q, categories: ['A', 'B', 'C', 'D'] }] };
}

const blob = (a: number, b: number) => (a > 0 ? 2 : 0) + (b > 0 ? 1 : 0);
let table: Table;
let model: TabularDiffusion;
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  table = mixture(2000, 1);
  model = TabularDiffusion.create(table, { width: 128, depth: 2, seed: 3, train: { steps: 800, batchSize: 256, evalEvery: 100, patience: 0 } });
  await model.fit(table);
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-ckpt-'));
});

afterAll(async () => {
  model?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('EDM pieces', () => {
  it('schedules σ from σmax down to 0 and preconditions to unit scale', () => {
    const s = sigmaSchedule(10);
    expect(s[0]).toBeCloseTo(80, 6);
    expect(s[9]).toBeCloseTo(0.002, 6);
    expect(s[10]).toBe(0);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThan(s[i - 1]!);
    const p = preconditioning(1, 1);
    expect(p.cSkip).toBeCloseTo(0.5);
    expect(p.cOut).toBeCloseTo(Math.SQRT1_2);
  });
  it('warms the learning rate up then decays it', () => {
    const o = defaultTrainOptions(1000, { steps: 1000, learningRate: 1e-3, warmupSteps: 100, finalLrFraction: 0.1 });
    expect(learningRateAt(0, o)).toBeCloseTo(1e-5);
    expect(learningRateAt(99, o)).toBeCloseTo(1e-3);
    expect(learningRateAt(999, o)).toBeCloseTo(1e-4, 5);
  });
});

describe('TabularDiffusion on a 2-D mixture', () => {
  it('recovers all four modes and ties the category to its blob', async () => {
    const g = await model.generate(1000, { seed: 5, steps: 30 });
    const a = (g.columns[0] as NumericColumn).values, b = (g.columns[1] as NumericColumn).values, q = (g.columns[2] as CategoricalColumn).codes;
    const counts = [0, 0, 0, 0];
    let near = 0, agree = 0;
    for (let i = 0; i < 1000; i++) {
      const k = blob(a[i]!, b[i]!);
      counts[k]!++;
      if (Math.hypot(a[i]! - (k & 2 ? 4 : -4), b[i]! - (k & 1 ? 4 : -4)) < 1.5) near++;
      if (q[i] === k) agree++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(180);
    expect(near).toBeGreaterThan(950);
    expect(agree).toBeGreaterThan(700); // chance: 250
  });

  it('honours fixed values in conditional generation', async () => {
    const g = await model.generate(300, { seed: 6, steps: 30, fixed: { q: 'D' } });
    const a = (g.columns[0] as NumericColumn).values, b = (g.columns[1] as NumericColumn).values;
    expect([...(g.columns[2] as CategoricalColumn).codes].every((c) => c === 3)).toBe(true);
    let inBlob = 0;
    for (let i = 0; i < 300; i++) if (blob(a[i]!, b[i]!) === 3) inBlob++;
    expect(inBlob).toBeGreaterThan(190); // chance: 75
    const g2 = await model.generate(200, { seed: 7, steps: 30, fixed: { a: 4 } });
    expect([...(g2.columns[0] as NumericColumn).values].every((v) => v === 4)).toBe(true);
    let upper = 0;
    for (let i = 0; i < 200; i++) if ((g2.columns[2] as CategoricalColumn).codes[i]! >= 2) upper++;
    expect(upper).toBeGreaterThan(130); // chance: 100
  });

  it('imputes missing cells from the observed ones and never changes an observed cell', async () => {
    const n = 400;
    const t = mixture(n, 9);
    const a = (t.columns[0] as NumericColumn).values, q = (t.columns[2] as CategoricalColumn).codes;
    const truth = Float64Array.from(a);
    for (let i = 0; i < n; i += 2) a[i] = NaN; // hide a on even rows: b and q tell which side it is on
    for (let i = 1; i < n; i += 4) q[i] = -1;
    const before = structuredClone(t);
    const [filled, second] = await model.complete(t, { draws: 2, seed: 11, steps: 30 });
    expect(t).toEqual(before); // the input is not mutated
    const fa = (filled!.columns[0] as NumericColumn).values;
    let sideRight = 0;
    for (let i = 0; i < n; i++) {
      if (i % 2) expect(fa[i]).toBe(truth[i]);
      else if (Math.sign(fa[i]!) === Math.sign(truth[i]!)) sideRight++;
    }
    expect(sideRight / (n / 2)).toBeGreaterThan(0.9);
    const fb = (filled!.columns[1] as NumericColumn).values;
    expect(Array.from(fb)).toEqual(Array.from((t.columns[1] as NumericColumn).values));
    const fq = (filled!.columns[2] as CategoricalColumn).codes;
    for (let i = 0; i < n; i++) if (q[i]! >= 0) expect(fq[i]).toBe(q[i]);
    expect(Array.from((second!.columns[0] as NumericColumn).values)).not.toEqual(Array.from(fa));
  });

  it('scores planted outliers (impossible category/blob pairs, far-out values) as the most unusual', async () => {
    const t = mixture(200, 12);
    const a = (t.columns[0] as NumericColumn).values, q = (t.columns[2] as CategoricalColumn).codes;
    const planted = [3, 50, 101, 150, 177];
    for (const i of planted.slice(0, 3)) q[i] = 3 - q[i]!; // the opposite blob's label
    for (const i of planted.slice(3)) a[i] = 40;
    const [scores] = await denoisingScores(model, [t], { reference: table, seed: 1 });
    const top = Array.from(scores!.keys()).sort((x, y) => scores![y]! - scores![x]!).slice(0, 10);
    for (const i of planted) expect(top).toContain(i);
  });

  it('is reproducible, and a reloaded checkpoint samples identically', async () => {
    const g1 = await model.generate(64, { seed: 21, steps: 10, sampler: 'edm-stochastic' });
    const g2 = await model.generate(64, { seed: 21, steps: 10, sampler: 'edm-stochastic' });
    expect(g2).toEqual(g1);
    await model.save(dir);
    const loaded = await TabularDiffusion.load(dir);
    try {
      expect(await loaded.generate(64, { seed: 21, steps: 10, sampler: 'edm-stochastic' })).toEqual(g1);
    } finally {
      loaded.dispose();
    }
  });

  it('keeps the tensor count flat across training steps and resumes from a checkpoint', async () => {
    const t = mixture(300, 2);
    const m = TabularDiffusion.create(t, { width: 32, depth: 2, seed: 1, train: { steps: 20, batchSize: 64, evalEvery: 10, patience: 0 } });
    await m.fit(t);
    const after20 = tf.memory().numTensors;
    m.trainOptions = { ...m.trainOptions, steps: 60 };
    await m.fit(t);
    expect(tf.memory().numTensors).toBe(after20);
    expect(m.state.step).toBe(60);
    // Resume: 30 steps, save, reload, 30 more must equal 60 straight (same data order, noise and Adam state).
    const straight = await m.generate(16, { seed: 2, steps: 5 });
    const r = TabularDiffusion.create(t, { width: 32, depth: 2, seed: 1, train: { steps: 20, batchSize: 64, evalEvery: 10, patience: 0 } });
    await r.fit(t);
    r.trainOptions = { ...r.trainOptions, steps: 60 };
    const d2 = join(dir, 'resume');
    await r.save(d2);
    r.dispose();
    const resumed = await TabularDiffusion.load(d2);
    await resumed.fit(t);
    expect(await resumed.generate(16, { seed: 2, steps: 5 })).toEqual(straight);
    resumed.dispose();
    m.dispose();
  });

  it('periodic checkpoints do not change training, and each one loads (issue 17)', async () => {
    const t = mixture(300, 2);
    const opts = { width: 32, depth: 2, seed: 4, train: { steps: 30, batchSize: 64, evalEvery: 10, patience: 0 } };
    const plain = TabularDiffusion.create(t, opts);
    await plain.fit(t);
    const withSaves = TabularDiffusion.create(t, opts);
    const d = join(dir, 'periodic');
    const saved: number[] = [];
    await withSaves.fit(t, { checkpoint: { dir: d, everyMs: 0, onSaved: (s) => saved.push(s.step) } });
    expect(saved).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    expect(await withSaves.generate(16, { seed: 2, steps: 5 })).toEqual(await plain.generate(16, { seed: 2, steps: 5 }));
    const last = await TabularDiffusion.load(d);
    expect(last.state.step).toBe(29);
    expect(last.state.bestValLoss).toBeLessThan(Infinity);
    for (const m of [plain, withSaves, last]) m.dispose();
  });
});
