import { describe, expect, it } from 'vitest';
import {
  hideCells,
  imputationErrors,
  intervalCoverage,
  knnImpute,
  meanModeImpute,
  type HiddenCells,
} from '../src/evaluate/imputation.js';
import { isMissing, type CategoricalColumn, type NumericColumn, type Table } from '../src/table/table.js';
import { CREDIT, readFixtureCsv } from './helpers/evaluate-csv.js';
import { cat, num, table } from './helpers/evaluate-tables.js';

const credit = readFixtureCsv(CREDIT);
const observedCells = (t: Table) => t.columns.reduce((a, c) => a + t.nRows - Array.from({ length: t.nRows }, (_, i) => isMissing(c, i)).filter(Boolean).length, 0);
const cells = (rows: number[], cols: number[]): HiddenCells => ({ rows: Int32Array.from(rows), cols: Int32Array.from(cols) });

describe('hideCells', () => {
  it('MCAR hides ≈ fraction of observed cells, never an already-missing one, never a whole row', () => {
    const { masked, hidden } = hideCells(credit, 0.3, 7, 'mcar');
    const rate = hidden.rows.length / observedCells(credit);
    expect(Math.abs(rate - 0.3)).toBeLessThan(0.01);
    for (let t = 0; t < hidden.rows.length; t++) {
      const i = hidden.rows[t]!, j = hidden.cols[t]!;
      expect(isMissing(credit.columns[j]!, i)).toBe(false);
      expect(isMissing(masked.columns[j]!, i)).toBe(true);
    }
    for (let i = 0; i < masked.nRows; i++) expect(masked.columns.some((c) => !isMissing(c, i))).toBe(true);
    expect(observedCells(masked)).toBe(observedCells(credit) - hidden.rows.length);
    expect(hideCells(credit, 0.3, 7, 'mcar').hidden).toEqual(hidden);
  });

  it('MCAR keeps one cell of a row it would otherwise empty', () => {
    const t = table(num('a', [1, 2]), num('b', [3, NaN]));
    const { masked } = hideCells(t, 0.999, 1, 'mcar');
    expect(masked.columns.some((c) => !isMissing(c, 0))).toBe(true);
    expect(isMissing(masked.columns[0]!, 1)).toBe(false); // row 1 has a single observed cell
  });

  it('MAR never hides the driver and hides more where the driver ranks high', () => {
    const { hidden, driver } = hideCells(credit, 0.2, 3, 'mar', { driver: 'Age' });
    expect(driver).toBe('Age');
    const ageIdx = credit.columns.findIndex((c) => c.name === 'Age');
    expect(Array.from(hidden.cols).includes(ageIdx)).toBe(false);
    const age = (credit.columns[ageIdx] as NumericColumn).values;
    const median = Float64Array.from(age).sort()[Math.floor(age.length / 2)]!;
    let hi = 0, lo = 0;
    for (const i of hidden.rows) (age[i]! > median ? hi++ : lo++);
    expect(hi).toBeGreaterThan(2 * lo);
    const rate = hidden.rows.length / (observedCells(credit) - credit.nRows);
    expect(Math.abs(rate - 0.2)).toBeLessThan(0.01);
    // Default driver: first fully observed column (Status).
    expect(hideCells(credit, 0.2, 3, 'mar').driver).toBe('Status');
    expect(() => hideCells(table(num('a', [1, NaN])), 0.2, 1, 'mar')).toThrow(/no missing cells/);
  });
});

describe('imputation errors', () => {
  it('standardizes by the truth sd and pools RMSE / MAE / accuracy', () => {
    const K = ['u', 'v'];
    // x observed {0, 2, 4}: sd = 2. Hidden x at rows 0, 1 imputed 1, 2 → z errors 0.5, 0.
    const truth = table(num('x', [0, 2, 4, NaN]), cat('k', K, ['u', 'v', 'u', 'v']));
    const imputed = table(num('x', [1, 2, 4, NaN]), cat('k', K, ['u', 'u', 'u', null]));
    const e = imputationErrors(truth, imputed, cells([0, 1, 0, 1, 3], [0, 0, 1, 1, 1]));
    expect(e.columns[0]!.rmse).toBeCloseTo(Math.sqrt(0.125), 15);
    expect(e.columns[0]!.mae).toBeCloseTo(0.25, 15);
    expect(e.columns[1]!.accuracy).toBeCloseTo(0.5, 15);
    expect(e.columns[1]!.nUnimputed).toBe(1);
    expect(e.rmse).toBeCloseTo(Math.sqrt(0.125), 15);
    expect(e.accuracy).toBeCloseTo(0.5, 15);
  });

  it('interval coverage from per-cell draw quantiles and categorical prediction sets', () => {
    const K = ['u', 'v', 'w'];
    const truth = table(num('x', [5, 10]), cat('k', K, ['u', 'w']));
    const draw = (x: [number, number], k: [string, string]) => table(num('x', x), cat('k', K, k));
    const draws = [draw([4, 1], ['u', 'u']), draw([5, 2], ['u', 'u']), draw([6, 3], ['v', 'u']), draw([7, 4], ['u', 'v'])];
    const r = intervalCoverage(truth, draws, cells([0, 1, 0, 1], [0, 0, 1, 1]), 0.9);
    // Row 0: draws 4..7 → [4.15, 6.85] holds 5; row 1: draws 1..4 → [1.15, 3.85] misses 10.
    expect(r.columns[0]!.coverage).toBe(0.5);
    expect(r.columns[0]!.meanWidth).toBeCloseTo(2.7 / Math.sqrt(12.5), 12); // both widths 2.7; sd of {5, 10} = √12.5
    // Row 0: u 3/4, v 1/4 → set {u, v} (needs ≥ 0.9) holds u; row 1: u 3/4, v 1/4 → {u, v} misses w.
    expect(r.columns[1]!.coverage).toBe(0.5);
    expect(r.columns[1]!.meanWidth).toBe(2);
    expect(r.coverage).toBe(0.5);
  });
});

describe('baselines', () => {
  it('mean/mode fills with the column mean (rounded for integers) and mode', () => {
    const K = ['u', 'v'];
    const t: Table = { nRows: 4, columns: [num('x', [1, 2, NaN, 4]), { name: 'i', kind: 'integer', values: Float64Array.from([1, 2, 2, NaN]) }, cat('k', K, ['v', null, 'v', 'u'])] };
    const m = meanModeImpute(t);
    expect((m.columns[0] as NumericColumn).values[2]).toBeCloseTo(7 / 3, 15);
    expect((m.columns[1] as NumericColumn).values[3]).toBe(2);
    expect((m.columns[2] as CategoricalColumn).codes[1]).toBe(1);
  });

  it('kNN takes the mean / majority of the k nearest rows observing the column', () => {
    const K = ['u', 'v'];
    // Row 4 is near rows 0–2 (x ≈ 0) and far from row 3.
    const t = table(num('x', [0, 0.1, 0.2, 10, 0.05]), num('y', [1, 2, 3, 100, NaN]), cat('k', K, ['u', 'u', 'v', 'v', null]));
    const r = knnImpute(t, 3);
    expect((r.columns[1] as NumericColumn).values[4]).toBeCloseTo(2, 15);
    expect((r.columns[2] as CategoricalColumn).codes[4]).toBe(0);
    expect((knnImpute(t, 1).columns[1] as NumericColumn).values[4]).toBe(1); // rows 0 and 1 tie at 0.05/10 → lower index
  });

  it('kNN beats mean/mode on real data and runs in seconds on 4.5k × 14', () => {
    const { masked, hidden } = hideCells(credit, 0.2, 11, 'mcar');
    const t0 = performance.now();
    const knn = knnImpute(masked, 5);
    const seconds = (performance.now() - t0) / 1000;
    const eK = imputationErrors(credit, knn, hidden);
    const eM = imputationErrors(credit, meanModeImpute(masked), hidden);
    expect(eK.nUnimputed).toBe(0);
    expect(eK.rmse).toBeLessThan(eM.rmse);
    expect(eK.accuracy).toBeGreaterThan(eM.accuracy - 0.02);
    expect(seconds).toBeLessThan(10);
  });
});
