/**
 * The fidelity report of a sharded run, from mergeable statistics alone (shard-stats.ts): the
 * synthetic parts' merged counts against the training table's, counted on the same layout.
 *
 * How each figure relates to fidelity.ts on the concatenated output (tested in test/merged-fidelity.test.ts):
 * - TVComplement (categorical shapes): exact — label counts are all it needs.
 * - KSComplement (continuous shapes): the KS statistic is evaluated at the histogram's edges — every
 *   distinct training value where there are at most 2,000 (then it is exact: the training CDF is flat
 *   between edges), else the encoder's ≤ 1,000 training quantiles, where it can miss a larger gap inside
 *   a bin. The report gives the estimate (a lower bound on KS, so an upper bound on the score) and, per
 *   column, the interval the exact score lies in: within about one bin's share of the rows.
 * - Column-pair trends: exact for the real-edge binning (continuous columns cut into 10 equal-width bins
 *   on the training table's range, for both tables): Pearson from merged co-moments, contingency tables
 *   from merged co-occurrence counts. SDMetrics' default per-table binning needs the synthetic table's own
 *   range before any row is binned, which one pass over independent shards cannot know; it is left to a
 *   single-process `synthdiff evaluate` of the merged file.
 */
import { finiteMean } from '../evaluate/stats.js';
import type { ContinuousStats, CategoricalStats, PairStats, TableStats } from './shard-stats.js';

export interface MergedFidelity {
  definition: string;
  shapes: {
    score: number;
    /** Every column's score lies in its `range`; the mean score lies in this. */
    range: [number, number];
    columns: { column: string; metric: 'KSComplement' | 'TVComplement'; score: number; range?: [number, number] }[];
  };
  trends: {
    score: number;
    binning: 'real';
    pairs: { a: string; b: string; metric: 'CorrelationSimilarity' | 'ContingencySimilarity'; score: number; real?: number; synthetic?: number }[];
    /** Pairs the statistics do not count (a categorical column with too many labels). */
    skipped: number;
  };
  quality: number;
  /** The same figures for the holdout half standing in for synthetic data, where the reference has one. */
  holdoutBaseline?: { shapes: number; trends: number };
}

/**
 * KS between two edge-split histograms on the same edges (cells alternate open interval, edge, …, open
 * interval): the largest gap where both CDFs are known — at every edge and on either side of it — and
 * the largest gap the unknown positions inside the open intervals could allow. Where one table has no
 * mass inside an interval its CDF is flat there and the gap peaks at an end, so the two agree.
 */
export function ksFromHistograms(real: readonly number[], synthetic: readonly number[]): { ks: number; upper: number } {
  const nr = real.reduce((a, b) => a + b, 0), ns = synthetic.reduce((a, b) => a + b, 0);
  if (nr === 0 || ns === 0) return { ks: NaN, upper: NaN };
  let cr = 0, cs = 0, ks = 0, upper = 0;
  for (let i = 0; i < real.length; i++) {
    const r1 = cr + real[i]! / nr, s1 = cs + synthetic[i]! / ns;
    const known = Math.max(Math.abs(cr - cs), Math.abs(r1 - s1));
    ks = Math.max(ks, known);
    const interval = i % 2 === 0;
    // Inside an open interval where both tables have mass, the CDFs could part by up to this much.
    upper = Math.max(upper, interval && real[i]! > 0 && synthetic[i]! > 0 ? Math.max(r1 - cs, s1 - cr) : known);
    cr = r1;
    cs = s1;
  }
  return { ks, upper: Math.min(1, Math.max(upper, ks)) };
}

function tvComplement(real: CategoricalStats, synthetic: CategoricalStats): number {
  if (real.n === 0 || synthetic.n === 0) return NaN;
  let tv = 0;
  for (const label of new Set([...Object.keys(real.counts), ...Object.keys(synthetic.counts)]))
    tv += Math.abs((real.counts[label] ?? 0) / real.n - (synthetic.counts[label] ?? 0) / synthetic.n);
  return 1 - tv / 2;
}

function pearson(p: PairStats): number {
  const m = p.moments;
  return m && m.m2a > 0 && m.m2b > 0 ? m.cab / Math.sqrt(m.m2a * m.m2b) : NaN;
}

function contingency(real: PairStats, synthetic: PairStats): number {
  if (real.n === 0 || synthetic.n === 0) return NaN;
  const cells = new Map<string, number>();
  for (const [a, b, c] of real.counts) cells.set(`${a},${b}`, c / real.n);
  for (const [a, b, c] of synthetic.counts) {
    const k = `${a},${b}`;
    cells.set(k, (cells.get(k) ?? 0) - c / synthetic.n);
  }
  let tv = 0;
  for (const d of cells.values()) tv += Math.abs(d);
  return 1 - tv / 2;
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : NaN);

/** Column shapes and real-edge column-pair trends of `synthetic` against `real`, counted on one layout. */
export function fidelityFromStats(real: TableStats, synthetic: TableStats, holdout?: TableStats): MergedFidelity {
  const columns = real.columns.map((rc, j): MergedFidelity['shapes']['columns'][number] => {
    const sc = synthetic.columns[j]!;
    if (rc.kind === 'categorical') return { column: rc.name, metric: 'TVComplement', score: tvComplement(rc, sc as CategoricalStats) };
    const k = ksFromHistograms(rc.hist, (sc as ContinuousStats).hist);
    return { column: rc.name, metric: 'KSComplement', score: 1 - k.ks, range: [1 - k.upper, 1 - k.ks] };
  });
  const pairs = real.pairs.map((rp, k): MergedFidelity['trends']['pairs'][number] => {
    const sp = synthetic.pairs[k]!;
    if (rp.moments) {
      const r = pearson(rp), s = pearson(sp);
      return { a: rp.a, b: rp.b, metric: 'CorrelationSimilarity', score: 1 - Math.abs(r - s) / 2, real: r, synthetic: s };
    }
    return { a: rp.a, b: rp.b, metric: 'ContingencySimilarity', score: contingency(rp, sp) };
  });
  const d = real.columns.length;
  const shapes = finiteMean(columns.map((c) => c.score));
  const trends = finiteMean(pairs.map((p) => p.score));
  const base = holdout ? fidelityFromStats(real, holdout) : undefined;
  return {
    definition:
      'From merged shard statistics: SDMetrics ColumnShapes (KSComplement at the training quantiles, exact interval given; TVComplement exact) and ColumnPairTrends with continuous columns in 10 equal-width bins on the training range for both tables (exact)',
    shapes: {
      score: round(shapes),
      range: [round(finiteMean(columns.map((c) => c.range?.[0] ?? c.score))), round(finiteMean(columns.map((c) => c.range?.[1] ?? c.score)))],
      columns: columns.map((c) => ({ ...c, score: round(c.score), ...(c.range ? { range: [round(c.range[0]), round(c.range[1])] as [number, number] } : {}) })),
    },
    trends: {
      score: round(trends),
      binning: 'real',
      pairs: pairs.map((p) => ({ ...p, score: round(p.score), ...(p.real !== undefined ? { real: round(p.real, 3), synthetic: round(p.synthetic!, 3) } : {}) })),
      skipped: (d * (d - 1)) / 2 - pairs.length,
    },
    quality: round(finiteMean([shapes, trends])),
    ...(base ? { holdoutBaseline: { shapes: base.shapes.score, trends: base.trends.score } } : {}),
  };
}
