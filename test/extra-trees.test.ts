/**
 * Extremely randomized trees beside the random forests (impute/blend.ts usesExtraTrees): the trees split
 * at random points when asked (evaluate/forest.ts `randomSplits`), the chained fill uses them for numbers only,
 * and the forest engine takes, per numeric column, whichever learner is closer on its validation cells.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainForestRegressor, type FeatureMatrix } from '../src/evaluate/forest.js';
import { chainedForestImpute } from '../src/impute/chained.js';
import { chainedInWorker, runChained } from '../src/impute/chained-pool.js';
import { forestLearners, usesExtraTrees, validationCells } from '../src/impute/blend.js';
import { readTable } from '../src/io/table-io.js';
import { isCategorical, type Column, type Table } from '../src/table/table.js';
import { runSpecInTempDir } from './helpers/cli.js';

const fixture = (name: string): string => resolve(`fixtures/tables/${name}.csv`);

/** Penguins' complete rows: body mass from the three other measures. */
async function penguinsMass(): Promise<{ X: FeatureMatrix; y: Float64Array }> {
  const { table } = await readTable(fixture('palmerpenguins__penguins'));
  const num = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'].map((n) => table.columns.find((c) => c.name === n) as Extract<Column, { values: Float64Array }>);
  const rows = Array.from({ length: table.nRows }, (_, i) => i).filter((i) => num.every((c) => !Number.isNaN(c.values[i]!)));
  const n = rows.length;
  const data = new Float64Array(n * 3);
  for (let j = 0; j < 3; j++) rows.forEach((i, r) => (data[j * n + r] = num[j]!.values[i]!));
  return { X: { nRows: n, nCols: 3, data, names: num.slice(0, 3).map((c) => c.name) }, y: Float64Array.from(rows, (i) => num[3]!.values[i]!) };
}

describe('extra trees', () => {
  it('split a node at a random point of each feature: root splits vary by seed where best splits do not', async () => {
    const { X, y } = await penguinsMass();
    const roots = (randomSplits: boolean) =>
      new Set(
        Array.from({ length: 12 }, (_, s) => {
          const t = trainForestRegressor(X, y, { seed: s, nTrees: 1, maxFeatures: 'all', bootstrap: false, randomSplits }).trees[0]!;
          return `${t.feature[0]}:${t.threshold[0]}`;
        }),
      );
    // Every feature tried on all rows: the best split is one split, whatever the seed.
    expect(roots(false).size).toBe(1);
    expect(roots(true).size).toBeGreaterThanOrEqual(6);
  });

  it('the chained fill with extraTrees fills the numbers otherwise, and the same seed gives the same fill', async () => {
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const rf = chainedForestImpute(table, { seed: 5 });
    const et = chainedForestImpute(table, { seed: 5, extraTrees: true });
    const again = chainedForestImpute(table, { seed: 5, extraTrees: true });
    table.columns.forEach((c, j) => {
      expect(again.values[j]).toEqual(et.values[j]);
      if (!isCategorical(c) && c.values.some((v) => Number.isNaN(v))) expect(et.values[j], c.name).not.toEqual(rf.values[j]);
    });
  });

  it('the forest engine takes each number from the learner closer on its validation cells, and labels from the random forests', async () => {
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const val = validationCells(table, 3);
    const rf = chainedForestImpute(table, { seed: 1, heldCells: val });
    const et = chainedForestImpute(table, { seed: 2, extraTrees: true, heldCells: val });
    const { fill, columns, anyExtra } = forestLearners(table, val, rf, et);
    const rmse = (v: Float64Array, j: number): number => {
      const c = table.columns[j] as Extract<Column, { values: Float64Array }>;
      return Math.sqrt(val[j]!.reduce((s, i) => s + (v[i]! - c.values[i]!) ** 2, 0) / val[j]!.length);
    };
    let chosen = 0;
    table.columns.forEach((c, j) => {
      if (isCategorical(c)) {
        expect(columns[j]).toBeUndefined();
        expect(fill.values[j]).toBe(rf.values[j]);
        expect(fill.probs[j]).toBe(rf.probs[j]);
        return;
      }
      if (!val[j]!.length) return expect(columns[j]).toBeUndefined();
      const [a, b] = [rmse(rf.held!.values[j]!, j), rmse(et.held!.values[j]!, j)];
      expect(columns[j]).toEqual({ chosen: b < a ? 'extra-trees' : 'random-forest', randomForest: a, extraTrees: b });
      const from = b < a ? et : rf;
      expect(fill.values[j]).toBe(from.values[j]);
      expect(fill.held!.values[j]).toBe(from.held!.values[j]);
      chosen += b < a ? 1 : 0;
    });
    expect(anyExtra).toBe(chosen > 0);
    // A skipped fill's values are its held fill's, never a whole fill: nothing is taken from it.
    expect(chosen).toBeGreaterThan(0);
    const fromSkipped = forestLearners(table, val, rf, { ...et, skipped: true });
    expect(fromSkipped.anyExtra).toBe(false);
    table.columns.forEach((_, j) => expect(fromSkipped.fill.values[j]).toBe(rf.values[j]));
  });

  it('skips its whole fill when the rival fill is closer on every number’s held cells, and runs it as without a rival otherwise', async () => {
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const val = validationCells(table, 3);
    const alone = chainedForestImpute(table, { seed: 2, extraTrees: true, heldCells: val });
    // A rival that is exact on the held cells (the observed values themselves): nothing can be closer.
    const exact = { values: table.columns.map((c) => (isCategorical(c) ? Float64Array.from(c.codes) : Float64Array.from(c.values))), probs: table.columns.map(() => undefined) };
    const skipped = chainedForestImpute(table, { seed: 2, extraTrees: true, heldCells: val, rivalHeld: exact });
    expect(skipped.skipped).toBe(true);
    expect(skipped.held!.values).toEqual(alone.held!.values);
    // Through a job, the rival is the earlier run named by index: the random forests, closer on some numbers
    // and not on others here, so the extra trees' whole fill runs and equals the fill without a rival.
    const [rf, et] = runChained({ table, runs: [{ seed: 1, heldCells: val }, { seed: 2, extraTrees: true, heldCells: val, rivalRun: 0 }] });
    const closer = forestLearners(table, val, rf!, et!).anyExtra;
    expect(et!.skipped).toBe(closer ? undefined : true);
    if (closer) expect(et!.values).toEqual(alone.values);
  });

  it('grown in a worker with helpers (this thread and two more), the extra trees are the in-process ones, byte for byte', async () => {
    const { table } = await readTable(fixture('palmerpenguins__penguins'));
    const val = validationCells(table, 3);
    const runs = [{ seed: 1, heldCells: val }, { seed: 2, extraTrees: true, heldCells: val, rivalRun: 0 }];
    const here = runChained({ table, runs });
    const job = chainedInWorker({ table, runs }, 2);
    job.help();
    const there = await job;
    there.forEach((r, k) => {
      expect(r.values).toEqual(here[k]!.values);
      expect(r.held?.values).toEqual(here[k]!.held?.values);
      expect(r.skipped).toBe(here[k]!.skipped);
    });
  }, 60_000);

  it('runs below 5,000 rows and 100,000 cells where a number has holes', async () => {
    const { table: gap } = await readTable(fixture('dslabs__gapminder'));
    const head = (t: Table, n: number): Table => ({ nRows: n, columns: t.columns.map((c) => (isCategorical(c) ? { ...c, codes: c.codes.slice(0, n) } : { ...c, values: c.values.slice(0, n) })) });
    expect(usesExtraTrees(gap)).toBe(false); // 10,545 rows
    expect(usesExtraTrees(head(gap, 4999))).toBe(true);
    const { table: iris } = await readTable(fixture('datasets__iris'));
    expect(usesExtraTrees(iris)).toBe(false); // no holes
  });

  it('report.json names each number’s forest learner and both validation errors (CLI, forests alone)', async () => {
    const r = await runSpecInTempDir('extra-trees-', {
      version: 1,
      name: 'extra-trees',
      seed: 1,
      source: { path: fixture('datasets__airquality') },
      tasks: [{ type: 'impute', engine: 'forest', output: { path: 'imputed.csv' } }],
    });
    expect(r.code, r.stderr).toBe(0);
    const cols = r.report.tasks[0].blend.columns as { column: string; forestLearner?: { chosen: string; randomForest: number; extraTrees: number } }[];
    const incomplete = cols.filter((c) => c.column === 'Ozone' || c.column === 'Solar.R');
    expect(incomplete).toHaveLength(2);
    for (const c of incomplete) {
      const fl = c.forestLearner!;
      expect(fl.chosen).toBe(fl.extraTrees < fl.randomForest ? 'extra-trees' : 'random-forest');
    }
  }, 120_000);
});
