/**
 * Issue 11: what the diffusion model alone got wrong on real tables — rules between columns, the
 * missingness pattern — and the validated blend that imputes better than any one engine.
 * Real data: dslabs::gapminder (country → continent, region), survival::pbc (structural holes),
 * datasets::airquality and palmerpenguins (holes to impute).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSpec } from './helpers/cli.js';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { imputeSizing, TabularDiffusion } from '../src/diffusion/tabular.js';
import { generateSampling, imputeSampling } from '../src/diffusion/sampler-name.js';
import { readTable } from '../src/io/table-io.js';
import { BLEND_GRID, blendImpute, hideCells, pairedNoWorse, pickBlend, pickColumnBlends, tableBlend, validationCells } from '../src/impute/blend.js';
import { planTable } from '../src/run/plan.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import { ADAPTIVE_ROUNDS_MAX_CELLS, chainedForestImpute, chainedSteps, pickRound } from '../src/impute/chained.js';
import { chainedInWorker, spareHelpers } from '../src/impute/chained-pool.js';
import { dependencyViolations, findDependencies } from '../src/table/dependencies.js';
import { isCategorical, missingCount, takeRows, type Table } from '../src/table/table.js';
import { TableEncoder } from '../src/table/encode.js';

const fixture = (name: string): string => `fixtures/tables/${name}.csv`;

beforeAll(async () => {
  await initBackend({});
});

function levels(t: Table, name: string): (string | undefined)[] {
  const c = t.columns.find((x) => x.name === name)!;
  if (!isCategorical(c)) throw new Error(`${name} is not categorical`);
  return Array.from(c.codes, (k) => (k < 0 ? undefined : c.categories[k]));
}

/** Observed (a, b) pairs of the training table. */
function pairSet(t: Table, a: string, b: string): Set<string> {
  const la = levels(t, a), lb = levels(t, b);
  const s = new Set<string>();
  la.forEach((x, i) => x !== undefined && lb[i] !== undefined && s.add(`${x}\u0000${lb[i]}`));
  return s;
}

describe('functional dependencies (gapminder: country → continent, region)', () => {
  let gap: Table;
  beforeAll(async () => {
    gap = (await readTable(fixture('dslabs__gapminder'))).table;
  });

  it('finds country → continent and country → region, and no dependency on a measured value', () => {
    const deps = findDependencies(gap);
    const names = deps.map((d) => `${d.from}→${d.to}`);
    expect(names).toContain('country→continent');
    expect(names).toContain('country→region');
    expect(names).toContain('region→continent');
    expect(names.some((n) => /life_expectancy|gdp|population|fertility/.test(n))).toBe(false);
  });

  it('generated rows never put a country on a continent or region it never has', async () => {
    const model = TabularDiffusion.create(gap, { seed: 3, width: 64, depth: 2, train: { steps: 150, batchSize: 256 } });
    await model.fit(gap);
    const synth = await model.generate(600, { seed: 5, sampler: 'dpmpp-2m', steps: 10 });
    const seen = pairSet(gap, 'country', 'continent');
    const seenRegion = pairSet(gap, 'country', 'region');
    const c = levels(synth, 'country'), k = levels(synth, 'continent'), r = levels(synth, 'region');
    let checked = 0;
    for (let i = 0; i < synth.nRows; i++) {
      if (c[i] === undefined) continue;
      if (k[i] !== undefined) (checked++, expect(seen.has(`${c[i]}\u0000${k[i]}`), `${c[i]} on ${k[i]}`).toBe(true));
      if (r[i] !== undefined) expect(seenRegion.has(`${c[i]}\u0000${r[i]}`), `${c[i]} in ${r[i]}`).toBe(true);
    }
    expect(checked).toBeGreaterThan(500);
    expect(dependencyViolations(synth, model.dependencies)).toBe(0);
    // Without enforcement the same short-trained model does break them: the test above is not vacuous.
    const free = TabularDiffusion.create(gap, { seed: 3, width: 64, depth: 2, dependencies: false, train: { steps: 150, batchSize: 256 } });
    await free.fit(gap);
    const loose = await free.generate(600, { seed: 5, sampler: 'dpmpp-2m', steps: 10 });
    expect(dependencyViolations(loose, model.dependencies)).toBeGreaterThan(10);
    model.dispose();
    free.dispose();
  }, 120_000);

  it('imputes a hidden continent from its country (≥ 99% right) and leaves every observed cell as it was', async () => {
    const j = gap.columns.findIndex((c) => c.name === 'continent');
    // 30% of the continent cells hidden, seeded.
    const rows = validationCells(gap, 11, 0.3).map((r, jj) => (jj === j ? r : []));
    const cont = gap.columns[j]!;
    const allObs = Array.from({ length: gap.nRows }, (_, i) => i).filter((i) => !isCategorical(cont) || cont.codes[i]! >= 0);
    const hiddenRows = allObs.filter((_, a) => a % 3 === 0);
    rows[j] = hiddenRows;
    const masked = hideCells(gap, rows);
    const r = await blendImpute(masked, { seed: 1, draws: 2, model: { width: 64, depth: 2, train: { steps: 100, batchSize: 256 } }, samplerSteps: 10, sampler: 'dpmpp-2m' });
    const truth = levels(gap, 'continent'), got = levels(r.point, 'continent');
    const right = hiddenRows.filter((i) => truth[i] === got[i]).length;
    expect(right / hiddenRows.length).toBeGreaterThanOrEqual(0.99);
    expectObservedKept(masked, r.point);
    for (const c of r.point.columns) expect(missingCount(c), c.name).toBe(0);
  }, 180_000);
});

/** Runs `spec` (a name and seed added, report.json in report/) through the CLI in a fresh folder; its exit, log and report. */
async function runTableSpec(spec: object): Promise<{ dir: string; code: number; stderr: string; report: Record<string, any> }> {
  const dir = await mkdtemp(join(tmpdir(), 'model-structure-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const r = await runSpec(dir, { version: 1, name: 'model-structure', seed: 1, report: { dir: 'report', html: false }, ...spec });
  const report = r.code === 0 ? JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8')) : {};
  return { dir, code: r.code, stderr: r.stderr, report };
}

/**
 * A penguins fill (held cells too) in a worker, this thread helping and `extra` helper workers: asserts it equals
 * the in-process fill, byte for byte, and returns the run (for its tree counts) and the masked table.
 */
async function helpedFillMatchesInProcess(seed: number, extra: number): Promise<{ run: ReturnType<typeof chainedInWorker>; masked: Table }> {
  const { table } = await readTable(fixture('palmerpenguins__penguins'));
  const masked = hideCells(table, table.columns.map((_, j) => Array.from({ length: 40 }, (_, k) => k * 8 + j)));
  const runs = [{ seed, iterations: 2, nTrees: 40, heldCells: validationCells(masked, 3, 0.2) }];
  const here = chainedForestImpute(masked, runs[0]!);
  const run = chainedInWorker({ table: masked, runs }, extra);
  run.help();
  const [there] = await run;
  expect(there!.values).toEqual(here.values);
  expect(there!.probs).toEqual(here.probs);
  expect(there!.held?.values).toEqual(here.held?.values);
  expect(there!.held?.probs).toEqual(here.held?.probs);
  return { run, masked };
}

function expectObservedKept(input: Table, out: Table): void {
  input.columns.forEach((c, j) => {
    const o = out.columns[j]!;
    for (let i = 0; i < input.nRows; i++) {
      if (isCategorical(c)) {
        if (c.codes[i]! >= 0) expect((o as typeof c).categories[(o as typeof c).codes[i]!]).toBe(c.categories[c.codes[i]!]);
      } else if (!Number.isNaN(c.values[i]!)) expect((o as typeof c).values[i]).toBe(c.values[i]);
    }
  });
}

describe('the missingness pattern', () => {
  it('encodes one flag per incomplete column and generates holes at about the real rates (pbc)', async () => {
    const { table: pbc } = await readTable(fixture('survival__pbc'), { columns: { id: { kind: 'numeric' } } });
    const t: Table = { nRows: pbc.nRows, columns: pbc.columns.filter((c) => c.name !== 'id') };
    const enc = TableEncoder.fit(t);
    const incomplete = t.columns.filter((c) => missingCount(c) > 0).length;
    expect(enc.columns.filter((c) => c.missingDim !== undefined)).toHaveLength(incomplete);
    expect(TableEncoder.fit(t, { missingFlags: false }).dim).toBe(enc.dim - incomplete);

    const model = TabularDiffusion.create(t, { seed: 2, width: 128, depth: 2, train: { steps: 800, batchSize: 128 } });
    await model.fit(t);
    const synth = await model.generate(2000, { seed: 9, sampler: 'dpmpp-2m', steps: 20 });
    // trig is missing in 136 of 418 rows (the 106 extra patients of the cohort were not measured);
    // a model blind to missingness would output no holes at all.
    for (const name of ['trig', 'chol', 'copper']) {
      const real = missingCount(t.columns.find((c) => c.name === name)!) / t.nRows;
      const gen = missingCount(synth.columns.find((c) => c.name === name)!) / synth.nRows;
      expect(Math.abs(gen - real), `${name}: real ${real.toFixed(3)} generated ${gen.toFixed(3)}`).toBeLessThan(0.08);
    }
    // Holes come together as in the data: rows missing trig are mostly missing chol too.
    const both = (tb: Table): number => {
      const a = tb.columns.find((c) => c.name === 'trig')!, b = tb.columns.find((c) => c.name === 'chol')!;
      let n = 0, k = 0;
      for (let i = 0; i < tb.nRows; i++) if (Number.isNaN((a as { values: Float64Array }).values[i]!)) (n++, Number.isNaN((b as { values: Float64Array }).values[i]!) && k++);
      return k / Math.max(1, n);
    };
    expect(both(synth)).toBeGreaterThan(0.6);
    // Imputation fills every hole: flags of missing cells are conditioned on, not generated.
    const [filled] = await model.complete(t, { draws: 1, seed: 1 });
    for (const c of filled!.columns) expect(missingCount(c), c.name).toBe(0);
    model.dispose();
  }, 180_000);
});

describe('blended imputation', () => {
  it('blends a column within 5% of its best single engine, or takes the table\'s blend, on held-out airquality cells, and never changes an observed cell', async () => {
    const { table } = await readTable(fixture('datasets__airquality'));
    const r = await blendImpute(table, { seed: 4, draws: 5, model: { train: { steps: 600 } }, sampler: 'dpmpp-2m', samplerSteps: 20 });
    expectObservedKept(table, r.point);
    for (const c of r.point.columns) expect(missingCount(c), c.name).toBe(0);
    expect(r.choices.map((c) => c.column).sort()).toEqual(['Ozone', 'Solar.R']);
    for (const c of r.choices) {
      expect(c.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      // A column's own blend is as good as its best single engine on its validation cells, within the 5%
      // by which it prefers an even blend (smaller differences are noise on a few dozen cells). A column
      // that takes the table's blend may be worse on its own cells by less than their noise.
      if (c.chosenBy === 'column') expect(c.errors.blend).toBeLessThanOrEqual(1.05 * Math.min(c.errors.diffusion, c.errors.forest, c.errors.ridge) + 1e-9);
    }
    const byTable = r.choices.filter((c) => c.chosenBy === 'table');
    for (const c of byTable) expect(c.weights).toEqual(byTable[0]!.weights);
    expect(r.draws).toHaveLength(5);
    r.draws.forEach((d) => expectObservedKept(table, d));
  }, 120_000);

  it('chained forests learn from every observed row up to 20,000, not a 3,000-row subsample', async () => {
    // Subsampling cost gapminder's forest RMSE 0.475 → 0.403 with every row (bench/RESULTS.md, impute-shared).
    const { table } = await readTable(fixture('dslabs__gapminder'));
    const t = takeRows(table, Array.from({ length: 4000 }, (_, i) => i));
    const j = t.columns.findIndex((c) => c.name === 'fertility');
    const masked = hideCells(t, t.columns.map((_, jj) => (jj === j ? Array.from({ length: 800 }, (_, k) => k * 5) : [])));
    const fill = (maxRows?: number): Float64Array => chainedForestImpute(masked, { seed: 2, iterations: 1, nTrees: 10, ...(maxRows ? { maxRows } : {}) }).values[j]!;
    const byDefault = fill();
    expect(byDefault).toEqual(fill(4000));
    expect(byDefault).not.toEqual(fill(3000));
  }, 60_000);

  it('regression forests see label features ordered by their mean target (gapminder: population from country)', async () => {
    // With codes in alphabetical order a split groups arbitrary countries; ordered by mean population it
    // separates small from large ones (on the shared gapminder mask: forest RMSE 0.403 → 0.322).
    const { table } = await readTable(fixture('dslabs__gapminder'));
    const t = takeRows(table, Array.from({ length: 4000 }, (_, i) => i));
    const j = t.columns.findIndex((c) => c.name === 'population');
    const c = t.columns[j]!;
    if (isCategorical(c)) throw new Error('population is numeric');
    const rows = Array.from({ length: t.nRows }, (_, i) => i).filter((i) => !Number.isNaN(c.values[i]!) && i % 7 === 2);
    const masked = hideCells(t, t.columns.map((_, jj) => (jj === j ? rows : [])));
    const rmse = (orderLabels: boolean): number => {
      const v = chainedForestImpute(masked, { seed: 2, iterations: 1, nTrees: 20, orderLabels }).values[j]!;
      return Math.sqrt(rows.reduce((s, i) => s + (v[i]! - c.values[i]!) ** 2, 0) / rows.length);
    };
    expect(rmse(true)).toBeLessThan(0.5 * rmse(false));
  }, 60_000);

  it("a worker's chained fills are the in-process fills, in order, class probabilities and held cells included", async () => {
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const masked = hideCells(table, table.columns.map((_, j) => Array.from({ length: 40 }, (_, k) => k * 8 + j)));
    const forest = { seed: 5, iterations: 2, nTrees: 20, heldCells: validationCells(masked, 3, 0.2) };
    const ridge = { seed: 5, learner: 'ridge' as const };
    const here = [chainedForestImpute(masked, forest), chainedForestImpute(masked, ridge)];
    const there = await chainedInWorker({ table: masked, runs: [forest, ridge] });
    expect(there).toHaveLength(2);
    there.forEach((r, k) => {
      expect(r.values).toEqual(here[k]!.values);
      expect(r.probs).toEqual(here[k]!.probs);
      expect(r.held?.values).toEqual(here[k]!.held?.values);
      expect(r.seconds).toBeGreaterThan(0);
    });
    expect(there[0]!.held).toBeDefined();
    expect(here[0]!.thread).toBeUndefined();
    expect(here[0]!.probs.some((p) => p !== undefined)).toBe(true);
    // It did run in a worker, not the in-process fallback (which one core gets).
    if (availableParallelism() >= 2) expect(there[0]!.thread).toBeGreaterThan(0);
    else expect(there[0]!.thread).toBeUndefined();
  }, 60_000);

  it.skipIf(availableParallelism() < 2)("a waiting main thread grows some of the worker's trees, and the fills stay the in-process ones, byte for byte", async () => {
    // The blend lends its thread once the draws are done (impute/tree-share.ts); trees are seeded by index.
    const { run, masked } = await helpedFillMatchesInProcess(5, 0);
    // Some trees were grown here, not all: both threads took from one counter.
    const forests = 2 * 2 * masked.columns.length;
    expect(run.helped()).toHaveLength(1);
    expect(run.helped()[0]).toBeGreaterThan(0);
    expect(run.helped()[0]).toBeLessThan(forests * 40);
  }, 60_000);

  it.skipIf(availableParallelism() < 2)('helper workers on spare cores grow trees from the start, and the fills stay the in-process ones, byte for byte', async () => {
    // A two-core machine has no spare core (spareHelpers() = 0 beside a one-thread model); two are forced here.
    const { run } = await helpedFillMatchesInProcess(7, 2);
    expect(run.helpers).toBe(2);
    // Both extra workers grew some of the trees.
    const [, ...extra] = run.helped();
    expect(extra).toHaveLength(2);
    for (const k of extra) expect(k).toBeGreaterThan(0);
    if (availableParallelism() <= 2) expect(spareHelpers()).toBe(0);
  }, 60_000);

  it.skipIf(availableParallelism() < 2)("a worker's fills show their progress in column fits while the main thread is busy, up to chainedSteps' total", async () => {
    // The blend reads it while it waits on the fills (after the model's draws), so a long wait has an ETA.
    const { table } = await readTable(fixture('dslabs__gapminder'));
    const masked = hideCells(table, table.columns.map((_, j) => Array.from({ length: 500 }, (_, k) => k * 20 + j)));
    const runs = [{ seed: 1, iterations: 1, nTrees: 10, heldCells: validationCells(masked, 3) }, { seed: 1, learner: 'ridge' as const, iterations: 2 }];
    const total = runs.reduce((s, o) => s + chainedSteps(masked, o), 0);
    expect(total).toBe((2 * 1 + 2) * masked.columns.length);
    const run = chainedInWorker({ table: masked, runs });
    expect(run.progress()).toEqual([0, 0]);
    // Busy for a while, as a training model keeps the main thread: shared memory still shows the progress.
    const until = performance.now() + 400;
    while (performance.now() < until);
    const seen = new Set<number>();
    const timer = setInterval(() => {
      const [done, of] = run.progress();
      if (of) expect(of).toBe(total);
      seen.add(done);
    }, 5);
    await run;
    clearInterval(timer);
    expect(run.progress()).toEqual([total, total]);
    expect([...seen].some((d) => d > 0 && d < total)).toBe(true);
  }, 60_000);

  it('forests grow 25 trees in the rounds before the last from 5,000 rows, and every tree below', async () => {
    // The warm-up rounds only refresh what the other columns' forests read (impute/chained.ts warmupTrees).
    const { table } = await readTable(fixture('dslabs__gapminder'));
    const fill = (rows: number, o: { warmupTrees?: number }): Float64Array[] => {
      const t = takeRows(table, Array.from({ length: rows }, (_, i) => i));
      const holes = t.columns.map((c, j) => (c.name === 'fertility' || c.name === 'life_expectancy' ? Array.from({ length: 200 }, (_, k) => k * 23 + j) : []));
      return chainedForestImpute(hideCells(t, holes), { seed: 3, iterations: 2, nTrees: 30, ...o }).values;
    };
    expect(fill(5000, {})).toEqual(fill(5000, { warmupTrees: 25 }));
    expect(fill(5000, {})).not.toEqual(fill(5000, { warmupTrees: 30 }));
    expect(fill(4999, {})).toEqual(fill(4999, { warmupTrees: 30 }));
  }, 120_000);

  it('the fill with held cells hidden grows 50 trees in its last round from 5,000 rows, and every tree below', async () => {
    // Its estimates only weigh the engines (impute/chained.ts heldTrees); the plain fill keeps every tree.
    const { table } = await readTable(fixture('dslabs__gapminder'));
    const fill = (rows: number, o: { heldTrees?: number }) => {
      const t = takeRows(table, Array.from({ length: rows }, (_, i) => i));
      const holes = t.columns.map((c, j) => (c.name === 'fertility' ? Array.from({ length: 200 }, (_, k) => k * 23 + j) : []));
      const masked = hideCells(t, holes);
      const heldCells = masked.columns.map((c, j) => (c.name === 'fertility' ? Array.from({ length: 50 }, (_, k) => k * 31 + 1) : []));
      return chainedForestImpute(masked, { seed: 3, iterations: 1, nTrees: 60, heldCells, ...o });
    };
    const byDefault = fill(5000, {});
    expect(byDefault.held!.values).toEqual(fill(5000, { heldTrees: 50 }).held!.values);
    expect(byDefault.held!.values).not.toEqual(fill(5000, { heldTrees: 60 }).held!.values);
    expect(byDefault.values).toEqual(fill(5000, { heldTrees: 60 }).values);
    expect(fill(4999, {}).held!.values).toEqual(fill(4999, { heldTrees: 60 }).held!.values);
  }, 120_000);

  it('a fill with held cells estimates them as a fill with them hidden would, and fills the table as a plain fill', async () => {
    // The blend weighs the forests on the held cells' estimates; one worker serves both (impute/blend.ts).
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const masked = hideCells(table, table.columns.map((_, j) => Array.from({ length: 40 }, (_, k) => k * 8 + j)));
    const val = validationCells(masked, 3, 0.2);
    const options = { seed: 5, iterations: 2, nTrees: 30 };
    const r = chainedForestImpute(masked, { ...options, heldCells: val });
    const hidden = chainedForestImpute(hideCells(masked, val), options);
    expect(r.held!.values).toEqual(hidden.values);
    expect(r.held!.probs).toEqual(hidden.probs);
    const plain = chainedForestImpute(masked, options);
    expect(r.values).toEqual(plain.values);
    expect(r.probs).toEqual(plain.probs);
    // The held cells were estimated, not copied: the hidden fill got some of them wrong.
    const j = masked.columns.findIndex((c) => c.name === 'bill_length_mm');
    const c = masked.columns[j]!;
    if (isCategorical(c)) throw new Error('bill_length_mm is numeric');
    expect(val[j]!.filter((i) => r.held!.values[j]![i] !== c.values[i]).length).toBe(val[j]!.length);
  }, 60_000);

  it('below 5,000 rows (and 100,000 cells) a fill with maxRounds keeps the numbers after the round its held cells favour and the labels after the default rounds', async () => {
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const masked = hideCells(table, table.columns.map((_, j) => Array.from({ length: 40 }, (_, k) => k * 8 + j)));
    const heldCells = validationCells(masked, 3, 0.2);
    const options = { seed: 5, iterations: 2, nTrees: 20, heldCells };
    const r = chainedForestImpute(masked, { ...options, maxRounds: 4 });
    const rounds = r.rounds!;
    expect(rounds.labels).toBe(2);
    // Seed 5 keeps the numbers after round 3, so both halves of the fill below are exercised.
    expect(rounds.numeric).not.toBe(rounds.labels);
    expect(rounds.errors).toHaveLength(4);
    expect(rounds.numeric).toBeGreaterThanOrEqual(1);
    expect(rounds.numeric).toBeLessThanOrEqual(4);
    // The kept round is what a fill of that many rounds gives, held cells and whole table alike (a round's
    // fill does not depend on the rounds after it); labels and the labels' held fill are the default fill's.
    const atNumeric = chainedForestImpute(masked, { ...options, iterations: rounds.numeric });
    const atDefault = chainedForestImpute(masked, options);
    masked.columns.forEach((c, j) => {
      const want = isCategorical(c) ? atDefault : atNumeric;
      expect(r.values[j], c.name).toEqual(want.values[j]);
      expect(r.held!.values[j], c.name).toEqual(want.held!.values[j]);
      if (isCategorical(c)) expect(r.probs[j]).toEqual(atDefault.probs[j]);
    });
    expect(r.heldFixed!.values).toEqual(atDefault.held!.values);
    // Seed 6 keeps the default round for numbers too: the held fill is then the default one, given once.
    const same = chainedForestImpute(masked, { ...options, seed: 6, maxRounds: 4 });
    expect(same.rounds!.numeric).toBe(2);
    expect(same.heldFixed).toBeUndefined();
    expect(same.held!.values).toEqual(chainedForestImpute(masked, { ...options, seed: 6 }).held!.values);
    // From 5,000 rows (and without held cells) the default rounds run: counted by chainedSteps.
    const big = takeRows(table, Array.from({ length: 5000 }, (_, i) => i % table.nRows));
    const held = big.columns.map(() => [0, 1, 2]);
    expect(chainedSteps(big, { seed: 1, iterations: 2, maxRounds: 8, heldCells: held })).toBe(chainedSteps(big, { seed: 1, iterations: 2, heldCells: held }));
    const small = takeRows(big, Array.from({ length: 4999 }, (_, i) => i));
    expect(chainedSteps(small, { seed: 1, iterations: 2, maxRounds: 8, heldCells: held })).toBe(4 * chainedSteps(small, { seed: 1, iterations: 2, heldCells: held }));
    // Nor past ADAPTIVE_ROUNDS_MAX_CELLS cells: 4,999 rows of 27 columns (gapminder's 9, three times).
    const wide: Table = { nRows: small.nRows, columns: [0, 1, 2].flatMap((k) => small.columns.map((c) => ({ ...c, name: `${c.name}_${k}` }))) };
    expect(wide.nRows * wide.columns.length).toBeGreaterThan(ADAPTIVE_ROUNDS_MAX_CELLS);
    const wideHeld = wide.columns.map(() => [0, 1, 2]);
    expect(chainedSteps(wide, { seed: 1, iterations: 2, maxRounds: 8, heldCells: wideHeld })).toBe(chainedSteps(wide, { seed: 1, iterations: 2, heldCells: wideHeld }));
  }, 120_000);

  it('picks the round most columns improve at, not the one a heavy-tailed column\'s mean error favours', () => {
    // Per column, error per round (index 0 = round 1); the default round is index 1.
    const steady = [1.0, 0.8, 0.7, 0.6];
    const heavy = [1.0, 1.0, 5.0, 40.0];
    expect(pickRound([steady, steady, [1.0, 0.9, 0.8, 0.7], heavy], 1)).toBe(3);
    // The mean of the errors would pick index 1 (0.875 against 10.4 at index 3).
    expect(pickRound([[1, 1, 1], [1, 1, 1]], 1)).toBe(1);
    expect(pickRound([[0.5, 1, 1], [0.6, 1, 0.9], [2, 1, 3]], 1)).toBe(0);
    expect(pickRound([], 2)).toBe(2);
  });

  it.skipIf(availableParallelism() < 2)('a cancelled fill stops its worker at once (a run that failed while its model trained does not wait for the forests)', async () => {
    const { table } = await readTable(fixture('dslabs__gapminder'));
    const masked = hideCells(table, table.columns.map((_, j) => Array.from({ length: 500 }, (_, k) => k * 20 + j)));
    const run = chainedInWorker({ table: masked, runs: [{ seed: 1 }] });
    const t0 = performance.now();
    setTimeout(() => run.cancel(), 300);
    await expect(run).rejects.toThrow('cancelled');
    // The whole fill takes minutes; stopping takes the worker's start-up and a terminate.
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 60_000);

  it('chained forests recover a label from its duplicate encoding (penguins: species from island + measures)', () => {
    return readTable(fixture('palmerpenguins__penguins')).then(({ table }) => {
      const j = table.columns.findIndex((c) => c.name === 'species');
      const rows = table.columns.map((_, jj) => (jj === j ? Array.from({ length: table.nRows }, (_, i) => i).filter((i) => i % 4 === 0) : []));
      const masked = hideCells(table, rows);
      const r = chainedForestImpute(masked, { seed: 1 });
      const truth = levels(table, 'species');
      const sc = table.columns[j]!;
      const got = r.values[j]!;
      const right = rows[j]!.filter((i) => isCategorical(sc) && sc.categories[got[i]!] === truth[i]).length;
      expect(right / rows[j]!.length).toBeGreaterThan(0.95);
    });
  }, 60_000);
});

describe('a model that only serves blended imputation', () => {
  const plan = (tasks: unknown[], evaluate?: unknown): ReturnType<typeof planTable> =>
    planTable(normalizeSpec({ version: 1, name: 'p', source: { path: 'gap.csv' }, tasks, ...(evaluate ? { evaluate } : {}) } as never));

  it('is planned as such only when nothing is generated and no engine is the diffusion model alone', () => {
    expect(plan([{ type: 'impute', output: { path: 'a.csv' } }]).model?.purpose).toBe('impute');
    expect(plan([{ type: 'impute', output: { path: 'a.csv' }, engine: 'forest' }, { type: 'profile', output: { path: 'p.json' } }]).model?.purpose).toBe('impute');
    expect(plan([{ type: 'impute', output: { path: 'a.csv' } }, { type: 'generate', rows: 10, output: { path: 'g.csv' } }]).model?.purpose).toBeUndefined();
    expect(plan([{ type: 'impute', output: { path: 'a.csv' }, engine: 'diffusion' }]).model?.purpose).toBeUndefined();
    expect(plan([{ type: 'impute', output: { path: 'a.csv' } }], { fidelity: true }).model?.purpose).toBeUndefined();
  });

  it("a blend's draws take 10 sampler steps from 5,000 imputed rows unless the spec names a sampler or steps", async () => {
    expect(imputeSampling(undefined, undefined, 5000)).toEqual({ sampler: 'dpmpp-2m', steps: 10 });
    expect(imputeSampling(undefined, undefined, 4999)).toEqual({ sampler: 'dpmpp-2m', steps: 20 });
    expect(imputeSampling(undefined, 30, 10000)).toEqual({ sampler: 'dpmpp-2m', steps: 30 });
    expect(imputeSampling('heun', undefined, 10000)).toEqual({ sampler: 'heun', steps: 50 });
    // Generation: Heun 30 when nothing is named, 50 for a sampler named without steps, the caller's steps otherwise.
    expect(generateSampling()).toEqual({ sampler: 'heun', steps: 30 });
    expect(generateSampling('heun')).toEqual({ sampler: 'heun', steps: 50 });
    expect(generateSampling('dpmpp-2m', 12)).toEqual({ sampler: 'dpmpp-2m', steps: 12 });
    expect(generateSampling(undefined, 8)).toEqual({ sampler: 'heun', steps: 8 });
    // Through the CLI on SLID's 7,425 rows (engine auto; a 2-step model): the draws the blend makes, which the
    // completed datasets hold, are those of samplerSteps 10 when the spec names no steps, and not those of 20.
    const drawn = async (model: object): Promise<{ sampling: unknown; completed: string }> => {
      const r = await runTableSpec({
        source: { path: resolve(fixture('carData__SLID')) },
        model: { width: 16, depth: 1, steps: 2, ...model },
        tasks: [{ type: 'impute', draws: 1, output: { path: 'imputed.csv' }, completed: { path: 'completed.csv' } }],
      });
      expect(r.code, r.stderr).toBe(0);
      return { sampling: r.report.tasks[0].blend.drawSampling, completed: await readFile(join(r.dir, 'completed.csv'), 'utf8') };
    };
    const byRows = await drawn({});
    const ten = await drawn({ samplerSteps: 10 });
    const twenty = await drawn({ samplerSteps: 20 });
    expect([byRows.sampling, ten.sampling, twenty.sampling]).toEqual([
      { sampler: 'dpmpp-2m', steps: 10 },
      { sampler: 'dpmpp-2m', steps: 10 },
      { sampler: 'dpmpp-2m', steps: 20 },
    ]);
    expect(byRows.completed).toBe(ten.completed);
    expect(byRows.completed).not.toBe(twenty.completed);
  }, 240_000);

  it('imputes with forests alone without training a diffusion model it would not use', async () => {
    const r = await runTableSpec({
      source: { path: resolve(fixture('datasets__airquality')) },
      tasks: [{ type: 'impute', engine: 'forest', output: { path: 'imputed.csv' } }],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/training:/);
    expect(r.report.model).toBeUndefined();
    for (const c of r.report.tasks[0].blend.columns) expect(c.weights).toEqual([0, 1, 0]);
    // Below 5,000 rows the forests' rounds are chosen on the validation cells, and report.json says which and why.
    const rounds = r.report.tasks[0].blend.forestRounds;
    expect(rounds.labels).toBe(4);
    expect(rounds.validation).toHaveLength(8);
    expect(rounds.validation[3].numericMedianRatio).toBe(1);
    const chosen = rounds.validation[rounds.numeric - 1].numericMedianRatio;
    for (const v of rounds.validation) expect(v.numericMedianRatio).toBeGreaterThanOrEqual(chosen);
    const { table: input } = await readTable(fixture('datasets__airquality'));
    const { table: out } = await readTable(join(r.dir, 'imputed.csv'));
    expectObservedKept(input, out);
    for (const c of out.columns) expect(missingCount(c), c.name).toBe(0);
  }, 120_000);

  it('reaches the model a run trains: an impute-only run on 1,858 rows plans 2,000 steps, not 4,000', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'impute-sizing-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const r = await runSpec(dir, {
      version: 1,
      name: 'impute-sizing',
      seed: 1,
      source: { path: resolve(fixture('survival__colon')) },
      split: { holdout: 0 },
      // The budget stops training at once; the log still says how many steps were planned.
      model: { width: 16, depth: 1, timeBudget: 0.01, samplerSteps: 4 },
      tasks: [{ type: 'impute', draws: 2, output: { path: 'imputed.csv' } }],
      report: { dir: 'report', html: false },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stopped by model\.timeBudget at \d+ of 2000\b/);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    expect(report.model.stepsChosenBy).toBe('an impute-only run: 2,000 steps at most, 600 from 5,000 training rows');
  }, 120_000);

  it('is 3×128 and trains 600 steps on a 10,545-row table (3×256 × 2,000 under 5,000 rows), where a general model is 3×512 × 8,000', async () => {
    const { table } = await readTable(fixture('dslabs__gapminder'));
    expect(table.nRows).toBe(10545);
    const forImpute = TabularDiffusion.create(table, { seed: 1, purpose: 'impute' });
    const general = TabularDiffusion.create(table, { seed: 1 });
    expect([forImpute.mlp.depth, forImpute.mlp.width, forImpute.trainOptions.steps]).toEqual([3, 128, 600]);
    expect(imputeSizing(4999)).toEqual({ width: 256, depth: 3, steps: 2000 });
    expect(imputeSizing(999).width).toBe(128);
    expect([general.mlp.depth, general.mlp.width, general.trainOptions.steps]).toEqual([3, 512, 8000]);
    // A size the caller sets still wins.
    const set = TabularDiffusion.create(table, { seed: 1, purpose: 'impute', width: 64, train: { steps: 300 } });
    expect([set.mlp.width, set.trainOptions.steps]).toEqual([64, 300]);
    for (const m of [forImpute, general, set]) m.dispose();
  }, 60_000);

  it('takes no share of an engine worse on most cells because a few huge cells hide it (heavy tails, as gdp)', () => {
    // Forest and ridge on 200 validation cells: ridge is 1 off on the typical cell where the forest is ~0.1 off,
    // and on two huge cells (errors 10 and 9) slightly better. A quarter of ridge is within 5% by RMSE and
    // passes the paired test on squared errors, whose noise the two cells set; on absolute errors it does not.
    const grid = BLEND_GRID.filter((w) => w[0] === 0);
    const forest = Float64Array.from({ length: 200 }, (_, i) => (i < 2 ? 10 : 0.1 * Math.sin(i)));
    const ridge = forest.map((e, i) => (i < 2 ? 9 : e + 1));
    const cells = grid.map((w) => forest.map((e, i) => (w[1]! * e + w[2]! * ridge[i]!) ** 2));
    const weights = (numeric: boolean): readonly number[] => grid[pickBlend(grid, [1, 2], cells, numeric).pick]!;
    expect(weights(true)).toEqual([0, 1, 0]);
    // Squared errors alone (as for labels' Brier scores) took the quarter of ridge.
    expect(weights(false)).toEqual([0, 0.75, 0.25]);
  });

  it('prefers an even blend only when it is no worse within the paired noise of the validation cells', () => {
    const base = Float64Array.from({ length: 400 }, (_, i) => 1 + Math.sin(i));
    expect(pairedNoWorse(base, base)).toBe(true);
    // Worse on every cell by a little: clear on 400 cells.
    expect(pairedNoWorse(base.map((v) => v + 0.01), base)).toBe(false);
    // Differences that average zero (noise): as good.
    expect(pairedNoWorse(base.map((v, i) => v + (i % 2 ? 0.3 : -0.3)), base)).toBe(true);
    // Worse by a mean 0.02 with cell noise 0.3: within one standard error on 40 cells, not on 4,000.
    const noisy = (n: number): [Float64Array, Float64Array] => {
      const b = Float64Array.from({ length: n }, (_, i) => 1 + Math.sin(i));
      return [b.map((v, i) => v + 0.02 + (i % 2 ? 0.3 : -0.3)), b];
    };
    expect(pairedNoWorse(...noisy(40))).toBe(true);
    expect(pairedNoWorse(...noisy(4000))).toBe(false);
  });

  it("takes the table's blend for a column whose own pick is better by less than two standard errors, and keeps one better beyond that", () => {
    // Per validation cell, each engine's signed error (diffusion, forest, ridge); a blend's squared error is that of the weighted sum.
    const column = (n: number, err: (i: number) => [number, number, number]) => {
      const e = Array.from({ length: n }, (_, i) => err(i));
      return { grid: BLEND_GRID, avail: [0, 1, 2], numeric: true, cells: BLEND_GRID.map((w) => Float64Array.from(e, (x) => (w[0]! * x[0] + w[1]! * x[1] + w[2]! * x[2]) ** 2)) };
    };
    const forestAlone = BLEND_GRID.findIndex((w) => w[1] === 1);
    const ridgeAlone = BLEND_GRID.findIndex((w) => w[2] === 1);
    // Four columns of 200 cells where the forest is best by far.
    const typical = [1, 2, 3, 4].map((k) => column(200, (i) => {
      const f = 0.5 * Math.sin(i * 1.3 + k);
      return [f + Math.cos(i * 0.7 + k), f, f + Math.sin(i * 0.9 + k)];
    }));
    // 24 cells on which diffusion alone scores lowest, by less than the cells' noise.
    const chance = column(24, (i) => {
      const f = 0.6 * Math.sin(i * 2.3);
      return [0.8 * f + 0.6 * Math.cos(i * 1.7) * Math.abs(f), f, f + 0.8 * Math.cos(i * 1.1)];
    });
    // 400 cells where ridge is better than the forest beyond the noise (its errors are about half).
    const clear = column(400, (i) => {
      const r = 0.5 * Math.sin(i);
      return [r + 0.8 * Math.sin(i * 0.51), r + 0.5 * Math.cos(i * 0.37), r];
    });
    // 100 cells where ridge alone scores lowest by between one and two standard errors of the paired differences.
    const between = column(100, (i) => {
      const f = 0.6 * Math.sin(i * 2.3);
      return [f, f, 0.85 * f + 0.5 * Math.cos(i * 1.7) * Math.abs(f)];
    });
    const own = (c: ReturnType<typeof column>) => pickBlend(c.grid, c.avail, c.cells, true).pick;
    expect(own(between)).toBe(ridgeAlone);
    expect([pairedNoWorse(between.cells[forestAlone]!, between.cells[ridgeAlone]!), pairedNoWorse(between.cells[forestAlone]!, between.cells[ridgeAlone]!, 2)]).toEqual([false, true]);
    expect(BLEND_GRID[own(chance)]).toEqual([1, 0, 0]);
    expect(pairedNoWorse(chance.cells[forestAlone]!, chance.cells[own(chance)]!)).toBe(true);
    expect(own(clear)).toBe(ridgeAlone);
    // Pooled, the typical columns make the forest alone the table's blend, and the chance column takes it.
    expect(tableBlend([...typical, chance, between])).toEqual([0, 1, 0]);
    const picks = pickColumnBlends([...typical, chance, between, undefined]);
    expect(picks.slice(0, 6).map((p) => [p!.pick, p!.tableBlend])).toEqual(Array(6).fill([forestAlone, true]));
    expect(picks[6]).toBeUndefined();
    // The clear column keeps ridge alone, though it pulls the table's blend to a quarter of ridge.
    const withClear = pickColumnBlends([...typical, chance, clear]);
    expect(tableBlend([...typical, chance, clear])).toEqual([0, 0.75, 0.25]);
    expect([withClear[5]!.pick, withClear[5]!.tableBlend]).toEqual([ridgeAlone, false]);
    // A tolerance given is the whole rule: every column its own pick.
    expect(pickColumnBlends([...typical, chance], 0.05)[4]!.pick).toBe(pickBlend(chance.grid, chance.avail, chance.cells, true, 0.05).pick);
  });
});
