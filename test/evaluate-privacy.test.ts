import { describe, expect, it } from 'vitest';
import { dcr, encodeGower, exactMatchMask, gowerDistance, gowerNearest, gowerScale } from '../src/evaluate/privacy.js';
import { createRng } from '../src/rng.js';
import type { Column, Table } from '../src/table/table.js';
import { CREDIT, readFixtureCsv } from './helpers/evaluate-csv.js';
import { cat, num, shuffleRows, sliceRows, table } from './helpers/evaluate-tables.js';

const C = ['a', 'b'];
// Ranges from train: x 0..10 (10), y 1..3 (2).
const train = table(num('x', [0, 10, 5]), cat('c', C, ['a', 'b', 'a']), num('y', [NaN, 1, 3]));
const holdout = table(num('x', [2, 8, 20]), cat('c', C, ['b', 'b', 'a']), num('y', [1, NaN, 3]));
const synthetic = table(num('x', [1, 9, 2, 5, 12.5]), cat('c', C, ['a', 'b', 'b', 'a', 'a']), num('y', [NaN, 2, 1, 3, 3]));

describe('Gower distance', () => {
  it('matches hand computation: |Δ|/range capped at 1, 0/1 categories, missing rules', () => {
    const s = gowerScale(train);
    // syn0 (1,a,–) vs train0 (0,a,–): 0.1 + 0 + 0 (both missing) → 0.1/3.
    expect(gowerDistance(synthetic, 0, train, 0, s)).toBeCloseTo(0.1 / 3, 15);
    // syn0 vs train1 (10,b,1): 0.9 + 1 + 1 (missing vs present) → 2.9/3.
    expect(gowerDistance(synthetic, 0, train, 1, s)).toBeCloseTo(2.9 / 3, 15);
    // syn0 vs holdout2 (20,a,3): |1−20|/10 capped to 1, + 0 + 1 → 2/3.
    expect(gowerDistance(synthetic, 0, holdout, 2, s)).toBeCloseTo(2 / 3, 15);
  });
});

describe('DCR on 3-row tables', () => {
  const r = dcr(synthetic, train, holdout, { seed: 1 });
  it('gives the hand-computed distances, share (ties ½), copies and NNDR', () => {
    const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 12));
    close(r.dcrTrain, [0.1 / 3, 0.2, 0.8 / 3, 0, 0.25]);
    close(r.dcrHoldout, [1.7 / 3, 1.1 / 3, 0, 1 / 3, 0.25]);
    expect(Array.from(r.nearestTrainRow)).toEqual([0, 1, 1, 2, 2]);
    // closer to train: rows 0, 1, 3; holdout: row 2; tie: row 4 → (3 + ½)/5.
    expect(r.dcrShare).toBeCloseTo(0.7, 15);
    expect(r.dcrShareBaseline).toBe(0.5);
    expect(r.exactCopyRate).toBeCloseTo(0.2, 15);
    expect(r.holdoutExactCopyRate).toBe(0);
    close(r.nndr, [0.1 / 1.4, 0.6 / 1.9, 0.8 / 2.2, 0, 0.375]);
    // Members' distance to the synthetic set {0.1/3, 0.2, 0} vs non-members {0, 1.1/3, 0.25}: 6.5 of 9 pairs.
    expect(r.membershipAuc).toBeCloseTo(6.5 / 9, 12);
    expect(r.histogram.train.reduce((a, b) => a + b, 0)).toBe(5);
    expect(r.histogram.holdout.reduce((a, b) => a + b, 0)).toBe(5);
    expect(r.histogram.edges).toHaveLength(31);
  });
});

function randomTable(n: number, seed: number): Table {
  const rng = createRng(seed);
  const cols: Column[] = [];
  for (let j = 0; j < 4; j++) cols.push({ name: `x${j}`, kind: 'numeric', values: Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.normal() * (j + 1))) });
  for (let j = 0; j < 3; j++) cols.push({ name: `c${j}`, kind: 'categorical', categories: ['p', 'q', 'r'], codes: Int32Array.from({ length: n }, () => (rng.next() < 0.1 ? -1 : rng.int(3))) });
  return { nRows: n, columns: cols };
}

describe('blocked nearest-neighbour search', () => {
  it('agrees with the definition on random tables with missing cells (incl. a ragged last block)', () => {
    const a = randomTable(23, 1);
    const b = randomTable(41, 2);
    const s = gowerScale(b);
    const d = a.columns.length;
    const nn = gowerNearest(encodeGower(a, s), a.nRows, encodeGower(b, s), b.nRows, 30, d);
    for (let i = 0; i < a.nRows; i++) {
      const dists = Array.from({ length: 30 }, (_, k) => gowerDistance(a, i, b, k, s)).sort((x, y) => x - y);
      const rest = Array.from({ length: 11 }, (_, k) => gowerDistance(a, i, b, 30 + k, s));
      expect(nn.first1[i]).toBeCloseTo(dists[0]!, 12);
      expect(nn.first2[i]).toBeCloseTo(dists[1]!, 12);
      expect(nn.second1[i]).toBeCloseTo(Math.min(...rest), 12);
      expect(gowerDistance(a, i, b, nn.first1Index[i]!, s)).toBeCloseTo(dists[0]!, 12);
    }
    for (let k = 0; k < b.nRows; k++) {
      const m = Math.min(...Array.from({ length: a.nRows }, (_, i) => gowerDistance(a, i, b, k, s)));
      expect(nn.bToQuery[k]).toBeCloseTo(m, 12);
    }
  });
  it('exact-match mask finds identical encoded rows only', () => {
    const ref = new Float64Array([0, 1, 2, 3, -0, 5]);
    const q = new Float64Array([2, 3, 0, 5, 9, 9]);
    expect(Array.from(exactMatchMask(q, 3, ref, 3, 2))).toEqual([1, 1, 0]);
  });
});

describe('planted faults on real data', () => {
  const credit = shuffleRows(readFixtureCsv(CREDIT), 5);
  const tr = sliceRows(credit, 0, 1500);
  const ho = sliceRows(credit, 1500, 3000);
  const fresh = sliceRows(credit, 3000, 4454);

  it('synthetic = copy of train → DCR share ≈ 1, exact-copy rate 1, membership AUC ≈ 1', () => {
    const r = dcr(tr, tr, ho, { seed: 2 });
    expect(r.exactCopyRate).toBe(1);
    expect(r.dcrShare).toBeGreaterThan(0.99);
    expect(r.membershipAuc).toBeGreaterThan(0.95);
    expect(r.holdoutExactCopyRate).toBeLessThan(0.02);
  });

  it('synthetic = unseen real rows → DCR share ≈ 0.5 and membership AUC ≈ 0.5', () => {
    const r = dcr(fresh, tr, ho, { seed: 2 });
    expect(Math.abs(r.dcrShare - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(r.membershipAuc - 0.5)).toBeLessThan(0.05);
    expect(r.exactCopyRate).toBeLessThan(0.02);
  });

  it('subsamples a larger holdout to the train size', () => {
    const r = dcr(fresh, sliceRows(credit, 0, 500), ho, { seed: 3 });
    expect(r.nHoldout).toBe(500);
    expect(r.dcrShareBaseline).toBe(0.5);
  });
});
