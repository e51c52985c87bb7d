/**
 * Differential privacy end to end: `synthdiff run` with model.privacy on a real table (penguins, small
 * budget and few steps), what report.json / report.html state, determinism, the fallback of the blended
 * imputation, and the private encoders' refusals (exact messages).
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, SpecError } from '../src/errors.js';
import { messages } from '../src/messages.js';
import { planTable } from '../src/run/plan.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import { fitPrivateEncoder } from '../src/table/private-encode.js';
import { createRng } from '../src/rng.js';
import type { Table } from '../src/table/table.js';
import { runCli } from './helpers/cli.js';
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { readTable } from '../src/io/table-io.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-dp-'));
  await copyFile(resolve('fixtures/tables/palmerpenguins__penguins.csv'), join(dir, 'penguins.csv'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spec(out: string, epsilon: number): string {
  return `version: 1
name: dp
seed: 5
source: { path: penguins.csv }
columns:
  species: { categories: [Adelie, Chinstrap, Gentoo] }
  island: { categories: [Biscoe, Dream, Torgersen] }
  sex: { categories: [female, male] }
  bill_length_mm: { min: 30, max: 60 }
  bill_depth_mm: { min: 13, max: 22 }
  flipper_length_mm: { min: 170, max: 235 }
  body_mass_g: { min: 2500, max: 6500 }
  year: { min: 2007, max: 2009 }
split: { holdout: 0.5 }
model: { width: 32, depth: 2, steps: 60, samplerSteps: 8, privacy: { epsilon: ${epsilon} } }
tasks:
  - { type: generate, rows: 50, output: { path: ${out}/synthetic.csv } }
  - { type: impute, draws: 1, output: { path: ${out}/imputed.csv } }
evaluate: { privacy: true }
report: { dir: ${out}/report }
`;
}

describe('model.privacy from the CLI', () => {
  it('trains with DP-SGD, spends the budget it was given and says so in report.json and report.html', async () => {
    await writeFile(join(dir, 'a.yaml'), spec('a', 2));
    const r = await runCli('run', join(dir, 'a.yaml'));
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'a/report/report.json'), 'utf8'));
    const p = report.model.privacy;
    expect(p.epsilon).toBe(2);
    expect(p.epsilonSpent).toBeLessThanOrEqual(2);
    expect(p.epsilonSpent).toBeGreaterThan(1.98);
    // δ = 1/n^1.1 for n = 172 training rows; q = half the rows at most.
    expect(p.delta).toBeCloseTo(1 / 172 ** 1.1, 12);
    expect(p.sampleRate).toBe(0.5);
    expect(p.steps).toBe(60);
    expect(p.noiseMultiplier).toBeGreaterThan(1);
    expect(p.accountant).toMatch(/Mironov.*Balle/);
    expect(p.encoder.publicRanges).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'year']);
    expect(report.evaluation.privacy.membershipAuc).toBeGreaterThan(0);
    const html = await readFile(join(dir, 'a/report/report.html'), 'utf8');
    expect(html).toContain('Differential privacy');
    expect(html).toContain('ε = 2');
    // The blended imputation would fit forests on the rows outside DP: the run imputes with the model alone.
    expect(r.stderr).toContain('tasks[1] impute: engine auto → diffusion (model.privacy: the forest and ridge engines would learn from the rows outside differential privacy)');
    expect(report.tasks[1].engine).toBe('diffusion');
    expect((await readFile(join(dir, 'a/synthetic.csv'), 'utf8')).trim().split('\n')).toHaveLength(51);
  });

  it('same spec and seed → the same synthetic bytes', async () => {
    await writeFile(join(dir, 'b.yaml'), spec('b', 2));
    expect((await runCli('run', join(dir, 'b.yaml'), '-q')).code).toBe(0);
    expect(await readFile(join(dir, 'b/synthetic.csv'), 'utf8')).toBe(await readFile(join(dir, 'a/synthetic.csv'), 'utf8'));
  });
});

describe('private encoders and plans refuse what they cannot do privately', () => {
  const table: Table = {
    nRows: 6,
    columns: [
      { name: 'x', kind: 'numeric', values: Float64Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'c', kind: 'categorical', codes: Int32Array.from([0, 0, 1, 1, 0, 1]), categories: ['a', 'b'] },
    ],
  };
  it('a range no noisy bin reveals', () => {
    expect(() => fitPrivateEncoder(table, { noiseStd: 100, labelDelta: 1e-6, rng: createRng(1), categories: { c: ['a', 'b'] } })).toThrow(
      new ModelError('columns.x: no range of values reaches the 400 rows model.privacy needs to release it privately; give columns.x.min and max (public bounds)'),
    );
  });
  it('a column none of whose labels passes the threshold', () => {
    expect(() => fitPrivateEncoder(table, { noiseStd: 100, labelDelta: 1e-6, rng: createRng(1), bounds: { x: { min: 0, max: 10 } } })).toThrow(
      new ModelError(
        "columns.c: no label reaches the 477 rows model.privacy needs to release it privately; list the column's labels in columns.c.categories (public knowledge) or drop the column",
      ),
    );
    expect(messages.privateNoCategory('c', 477)).toContain('columns.c.categories');
  });
  it('model.trainRows with privacy', () => {
    const ns = normalizeSpec({ version: 1, name: 't', source: { path: '/d/t.csv' }, model: { trainRows: 100, privacy: { epsilon: 1 } }, tasks: [{ type: 'generate', rows: 2, output: { path: '/d/o.csv' } }] });
    expect(() => planTable(ns)).toThrow(new SpecError('model.privacy: model.trainRows fits the encoders on sketches of every training row; a differentially private run cannot use it'));
  });
});

describe('the privacy ledger', () => {
  it('stops training when the budget is spent: a resumed run asking for more steps trains none', async () => {
    await initBackend({ backend: 'wasm' });
    const { table } = await readTable(resolve('fixtures/tables/carData__SLID.csv'));
    const model = TabularDiffusion.create(table, { seed: 3, width: 16, depth: 2, train: { steps: 20 }, privacy: { epsilon: 2 } });
    const p = model.trainOptions.privacy!;
    expect(p.plannedSteps).toBe(20);
    expect(p.sampleRate).toBeCloseTo(512 / table.nRows, 12);
    await model.fit(table);
    expect(model.state.step).toBe(20);
    expect(model.epsilonSpent!).toBeLessThanOrEqual(2);
    expect(model.epsilonSpent!).toBeGreaterThan(1.99);
    model.trainOptions = { ...model.trainOptions, steps: 40 };
    await model.fit(table);
    expect(model.state.step).toBe(20);
    // No functional dependencies and no validation slice were read off the rows.
    expect(model.dependencies).toEqual([]);
    model.dispose();
  });
});
