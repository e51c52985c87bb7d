import { describe, expect, it } from 'vitest';
import { detectionC2ST } from '../src/evaluate/detection.js';
import { aucTwoSample, aucFromLabels, quantileSorted } from '../src/evaluate/stats.js';
import { trainForestClassifier, trainForestRegressor, forestPredict, type FeatureMatrix } from '../src/evaluate/forest.js';
import { createRng } from '../src/rng.js';
import type { Column, Table } from '../src/table/table.js';
import { CREDIT, readFixtureCsv } from './helpers/evaluate-csv.js';
import { shuffleColumns } from './helpers/evaluate-tables.js';

describe('AUC (Mann–Whitney with mid-ranks)', () => {
  it('counts ties as ½', () => {
    // pos {1,2,2} vs neg {2,0}: pairs won 0,1,½,1,½,1 → 4/6.
    expect(aucTwoSample([1, 2, 2], [2, 0])).toBeCloseTo(4 / 6, 15);
    expect(aucTwoSample([1, 1], [1, 1])).toBe(0.5);
    expect(aucTwoSample([3, 4], [1, 2])).toBe(1);
    expect(aucFromLabels([0.1, 0.9, 0.5, 0.5], [0, 1, 1, 0])).toBeCloseTo((1 + 1 + 0.5 + 1) / 4, 15);
    expect(Number.isNaN(aucTwoSample([], [1]))).toBe(true);
  });
  it('type-7 quantiles', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([4, 5, 6, 7], 0.05)).toBeCloseTo(4.15, 12);
  });
});

describe('random forest', () => {
  it('learns an axis-aligned rule and a regression step, deterministically', () => {
    const n = 400;
    const rng = createRng(5);
    const data = new Float64Array(n * 2);
    const y = new Int32Array(n);
    const yr = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = rng.next();
      data[n + i] = rng.next();
      y[i] = data[i]! > 0.5 ? 1 : 0;
      yr[i] = data[n + i]! > 0.3 ? 10 : -10;
    }
    const X: FeatureMatrix = { nRows: n, nCols: 2, data, names: ['a', 'b'] };
    const f = trainForestClassifier(X, y, 2, { seed: 1, nTrees: 20 });
    const p = forestPredict(f, X);
    let correct = 0;
    for (let i = 0; i < n; i++) if ((p[i * 2 + 1]! > 0.5 ? 1 : 0) === y[i]) correct++;
    expect(correct / n).toBeGreaterThan(0.97);
    expect(forestPredict(trainForestClassifier(X, y, 2, { seed: 1, nTrees: 20 }), X)).toEqual(p);
    const g = trainForestRegressor(X, yr, { seed: 2, nTrees: 20, maxFeatures: 'all' });
    const q = forestPredict(g, X);
    let err = 0;
    for (let i = 0; i < n; i++) err += Math.abs(q[i]! - yr[i]!);
    expect(err / n).toBeLessThan(1);
  });
});

function wideTable(n: number, seed: number, shift: number): Table {
  const r = createRng(seed);
  const cols: Column[] = [];
  const base = Float64Array.from({ length: n }, () => r.normal());
  for (let j = 0; j < 12; j++) {
    cols.push({ name: `x${j}`, kind: 'numeric', values: Float64Array.from(base, (b) => (j < 6 ? 0.7 * b : 0) + r.normal() + (j === 0 ? shift : 0)) });
  }
  for (let j = 0; j < 3; j++) {
    cols.push({ name: `c${j}`, kind: 'categorical', categories: ['a', 'b', 'c', 'd'], codes: Int32Array.from({ length: n }, () => r.int(4)) });
  }
  return { nRows: n, columns: cols };
}

describe('C2ST detection', () => {
  const real = readFixtureCsv(CREDIT);

  it('cannot tell a copy of the real table from itself (AUC ≈ 0.5, score ≈ 1)', () => {
    const r = detectionC2ST(real, real, { seed: 1 });
    expect(r.rowsPerClass).toBe(real.nRows);
    // Identical rows share a fold, so each test fold holds twin pairs with identical predictions.
    expect(r.auc).toBeCloseTo(0.5, 12);
    expect(r.score).toBeCloseTo(1, 12);
  });

  it('detects independently shuffled columns (lower score) and is seeded', () => {
    const syn = shuffleColumns(real, 4);
    const r = detectionC2ST(real, syn, { seed: 1 });
    expect(r.auc).toBeGreaterThan(0.8); // 0.94 at the time of writing
    expect(r.score).toBeLessThan(0.4);
    expect(r.foldAucs).toHaveLength(3);
    expect(detectionC2ST(real, syn, { seed: 1 })).toEqual(r);
  });

  it('runs 5000 + 5000 rows × 15 columns well under 20 s', () => {
    const t0 = performance.now();
    const r = detectionC2ST(wideTable(6000, 1, 0), wideTable(6000, 2, 0.3), { seed: 3 });
    const seconds = (performance.now() - t0) / 1000;
    expect(r.rowsPerClass).toBe(5000);
    expect(r.settings.features).toBe(15);
    expect(r.auc).toBeGreaterThan(0.53); // a 0.3 sd shift in one column is visible
    expect(seconds).toBeLessThan(20);
  });
});
