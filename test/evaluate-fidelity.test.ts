import { describe, expect, it } from 'vitest';
import {
  columnPairTrends,
  columnShapes,
  contingencySimilarity,
  correlationSimilarity,
  digitize,
  histogramBinEdges,
  ksComplement,
  ksStatistic,
  qualityScore,
  tvComplement,
} from '../src/evaluate/fidelity.js';
import { CREDIT, PENGUINS, readFixtureCsv } from './helpers/evaluate-csv.js';
import { cat, num, shuffleColumns, table } from './helpers/evaluate-tables.js';

describe('column shapes', () => {
  it('KS statistic matches the hand-computed sup of the ECDF difference', () => {
    // a = {1,2,3}, b = {2,4}: after 1: 1/3 vs 0; after 2: 2/3 vs 1/2; after 3: 1 vs 1/2 → sup 1/2.
    expect(ksStatistic([1, 2, 3], [2, 4])).toBeCloseTo(0.5, 15);
    // Ties jump together: after 1: 2/3 vs 1/3; after 2: 1 vs 1 → 1/3.
    expect(ksStatistic([1, 1, 2], [1, 2, 2])).toBeCloseTo(1 / 3, 15);
    // NaN (missing) is ignored.
    expect(ksStatistic([1, NaN, 2, 3], [2, 4, NaN])).toBeCloseTo(0.5, 15);
    expect(ksComplement(num('x', [1, 2, 3]), num('x', [2, 4]))).toBeCloseTo(0.5, 15);
    expect(Number.isNaN(ksStatistic([NaN], [1]))).toBe(true);
  });

  it('TVComplement matches 1 − ½Σ|p_r − p_s| by hand', () => {
    const cats = ['a', 'b', 'c'];
    // real p = (1/2, 1/4, 1/4); synthetic (missing ignored) p = (1/3, 2/3, 0): TV = ½(1/6 + 5/12 + 1/4) = 5/12.
    const r = cat('c', cats, ['a', 'a', 'b', 'c']);
    const s = cat('c', cats, ['a', 'b', 'b', null]);
    expect(tvComplement(r, s)).toBeCloseTo(7 / 12, 15);
  });

  it('averages per-column scores and refuses mismatched schemas', () => {
    const cats = ['a', 'b'];
    const real = table(num('x', [1, 2, 3]), cat('c', cats, ['a', 'b', 'b']));
    const syn = table(num('x', [2, 4]), cat('c', cats, ['a', 'a']));
    const r = columnShapes(real, syn);
    expect(r.columns.map((c) => c.metric)).toEqual(['KSComplement', 'TVComplement']);
    // KS 1/2 → 0.5; TV: |1/3 − 1| = 2/3 twice → ½·4/3 = 2/3 → 1/3.
    expect(r.score).toBeCloseTo((0.5 + 1 / 3) / 2, 15);
    expect(() => columnShapes(real, table(num('x', [1]), num('c', [1])))).toThrow(/categorical in real but numeric/);
    expect(() => columnShapes(real, table(num('y', [1]), cat('c', cats, ['a'])))).toThrow(/"x" vs "y"/);
    expect(() => columnShapes(real, table(num('x', [1]), cat('c', ['a', 'z'], ['a'])))).toThrow(/different category lists/);
  });
});

describe('column pair trends', () => {
  it('correlation similarity = 1 − |ρ_r − ρ_s|/2 on pairwise-complete rows', () => {
    const r = correlationSimilarity([1, 2, 3, NaN], [1, 2, 3, 7], [1, 2, 3], [3, 2, 1]);
    expect(r.real).toBeCloseTo(1, 15);
    expect(r.synthetic).toBeCloseTo(-1, 15);
    expect(r.score).toBeCloseTo(0, 15);
    // ρ([1,2,3],[1,3,2]) = 0.5 → score 0.75.
    expect(correlationSimilarity([1, 2, 3], [1, 2, 3], [1, 2, 3], [1, 3, 2]).score).toBeCloseTo(0.75, 15);
    // A constant column makes ρ undefined → NaN, as SDMetrics.
    expect(Number.isNaN(correlationSimilarity([1, 1, 1], [1, 2, 3], [1, 2, 3], [1, 2, 3]).score)).toBe(true);
  });

  it('contingency similarity matches the hand-computed joint TV', () => {
    // real joint: (0,0) ¼, (0,1) ¼, (1,1) ½; synthetic: (0,0) ½, (1,1) ¼, (1,0) ¼ → Σ|Δ| = 1 → 0.5.
    expect(contingencySimilarity([0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 0], 2, 2)).toBeCloseTo(0.5, 15);
    // Rows with a missing side are dropped (pairwise complete).
    expect(contingencySimilarity([0, 1, -1], [0, 1, 1], [0, 1], [0, 1], 2, 2)).toBeCloseTo(1, 15);
  });

  it('bins like np.histogram_bin_edges + np.digitize', () => {
    const edges = histogramBinEdges([0, 1, 2, 3, 4, NaN], 10)!;
    expect(Array.from(edges)).toEqual([0, 0.4, 0.8, 1.2000000000000002, 1.6, 2, 2.4000000000000004, 2.8000000000000003, 3.2, 3.6, 4]);
    // digitize(right=False) = number of edges ≤ v; the maximum lands in its own code (11), NaN → −1.
    expect(Array.from(digitize([0, 1, 2, 3, 4, -1, 9, NaN], edges))).toEqual([1, 3, 6, 8, 11, 0, 11, -1]);
    expect(Array.from(histogramBinEdges([5, 5], 2)!)).toEqual([4.5, 5, 5.5]);
  });

  it('mixed pairs: per-table binning (QualityReport) ignores a range shift that real-edge binning sees', () => {
    const cats = ['a', 'b'];
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const labels = xs.map((x) => (x < 20 ? 'a' : 'b'));
    const real = table(num('x', xs), cat('c', cats, labels));
    const shifted = table(num('x', xs.map((x) => x + 1000)), cat('c', cats, labels));
    expect(columnPairTrends(real, shifted).pairs[0]!.score).toBeCloseTo(1, 15);
    expect(columnPairTrends(real, shifted, { binning: 'real' }).pairs[0]!.score).toBeLessThan(0.1);
  });

  it('all pairs are scored and the association matrices are filled for a heatmap', () => {
    const t = readFixtureCsv(PENGUINS);
    const r = columnPairTrends(t, t);
    const d = t.columns.length;
    expect(r.pairs).toHaveLength((d * (d - 1)) / 2);
    for (const p of r.pairs) expect(p.score).toBeCloseTo(1, 12);
    expect(r.association.real).toHaveLength(d * d);
    const iBill = 2, iFlipper = 4, iSpecies = 0;
    expect(r.association.measure[iBill]![iFlipper]).toBe('pearson');
    expect(r.association.measure[iSpecies]![iBill]).toBe('cramersV');
    expect(r.association.real[iBill * d + iFlipper]).toBeCloseTo(0.6562, 3); // cor(bill_length, flipper_length), complete cases
    expect(r.association.real[iSpecies * d + iSpecies]).toBe(1);
  });
});

describe('planted fault: columns shuffled independently', () => {
  it('keeps column shapes at 1 while pair trends drop', () => {
    const real = readFixtureCsv(CREDIT);
    const syn = shuffleColumns(real, 11);
    const q = qualityScore(real, syn);
    expect(q.columnShapes.score).toBeCloseTo(1, 12); // a permutation keeps every marginal exactly
    const self = qualityScore(real, real);
    expect(self.score).toBeCloseTo(1, 12);
    expect(q.columnPairTrends.score).toBeLessThan(self.columnPairTrends.score - 0.04);
    // The strongest real dependence (Amount ~ Price) is gone.
    const ap = q.columnPairTrends.pairs.find((p) => p.column1 === 'Amount' && p.column2 === 'Price')!;
    expect(ap.realCorrelation).toBeGreaterThan(0.7);
    expect(Math.abs(ap.syntheticCorrelation)).toBeLessThan(0.05);
    expect(ap.score).toBeLessThan(0.65);
    expect(q.score).toBeCloseTo((q.columnShapes.score + q.columnPairTrends.score) / 2, 15);

    // Penguins are strongly structured (species drives every measurement): the drop is large.
    const penguins = readFixtureCsv(PENGUINS);
    const qp = qualityScore(penguins, shuffleColumns(penguins, 3));
    expect(qp.columnShapes.score).toBeCloseTo(1, 12);
    expect(qp.columnPairTrends.score).toBeLessThan(0.85);
  });
});
