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
import type { ColumnDistribution, FidelityReport, MergedFidelity } from '../report/model.js';
import { pairHistogram, type ContinuousStats, type CategoricalStats, type LayoutColumn, type PairStats, type TableStats } from './shard-stats.js';

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
  const kindOf = (j: number) => {
    const lc = real.layout.columns[j]!;
    return lc.kind === 'continuous' ? (lc.integer ? 'integer' : 'numeric') : 'categorical';
  };
  const columns = real.columns.map((rc, j): MergedFidelity['shapes']['columns'][number] => {
    const sc = synthetic.columns[j]!;
    if (rc.kind === 'categorical') return { column: rc.name, kind: kindOf(j), metric: 'TVComplement', score: tvComplement(rc, sc as CategoricalStats) };
    const k = ksFromHistograms(rc.hist, (sc as ContinuousStats).hist);
    return { column: rc.name, kind: kindOf(j), metric: 'KSComplement', score: 1 - k.ks, range: [1 - k.upper, 1 - k.ks] };
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
      definition: 'SDMetrics ColumnShapes from merged statistics: KSComplement at the histogram edges (exact interval per column), TVComplement exact',
      score: round(shapes),
      range: [round(finiteMean(columns.map((c) => c.range?.[0] ?? c.score))), round(finiteMean(columns.map((c) => c.range?.[1] ?? c.score)))],
      columns: columns.map((c) => ({ ...c, score: round(c.score), ...(c.range ? { range: [round(c.range[0]), round(c.range[1])] as [number, number] } : {}) })),
    },
    trends: {
      definition: 'SDMetrics ColumnPairTrends over all pairs from merged statistics: CorrelationSimilarity (Pearson, from co-moments) for two continuous columns, ContingencySimilarity otherwise with continuous columns in 10 equal-width bins on the training range for both tables',
      score: round(trends),
      binning: 'real',
      pairs: pairs.map((p) => ({ ...p, score: round(p.score), ...(p.real !== undefined ? { real: round(p.real, 3), synthetic: round(p.synthetic!, 3) } : {}) })),
      skipped: (d * (d - 1)) / 2 - pairs.length,
    },
    quality: round(finiteMean([shapes, trends])),
    correlation: associations(real, synthetic),
    distributions: real.columns.map((rc, j) => distribution(rc, synthetic.columns[j]!, real.layout.columns[j]!)),
    ...(base ? { holdoutBaseline: { shapes: base.shapes.score, trends: base.trends.score } } : {}),
  };
}

/** Per column, real vs synthetic counts: the 10 pair bins for continuous columns, labels for categorical ones. */
function distribution(rc: TableStats['columns'][number], sc: TableStats['columns'][number], lc: LayoutColumn): ColumnDistribution {
  if (rc.kind === 'continuous' && lc.kind === 'continuous') {
    const r = pairHistogram(lc.pairEdges, rc.pairHist, rc.n), s = pairHistogram(lc.pairEdges, (sc as ContinuousStats).pairHist, sc.n);
    return { column: rc.name, kind: lc.integer ? 'integer' : 'numeric', edges: r.edges, real: r.counts, synthetic: s.counts };
  }
  const labels = lc.kind === 'categorical' ? lc.labels : [];
  const count = (c: CategoricalStats) => labels.map((l) => c.counts[l] ?? 0);
  return { column: rc.name, kind: 'categorical', categories: [...labels], real: count(rc as CategoricalStats), synthetic: count(sc as CategoricalStats) };
}

/** Pearson r for two continuous columns, bias-uncorrected Cramér's V otherwise, as fidelity.ts's matrices. */
function associations(real: TableStats, synthetic: TableStats): NonNullable<FidelityReport['correlation']> {
  const names = real.columns.map((c) => c.name);
  const at = new Map(names.map((n, i) => [n, i]));
  const matrix = (t: TableStats) => {
    const m = names.map((_, i) => names.map((__, j): number | null => (i === j ? 1 : null)));
    for (const p of t.pairs) {
      const v = p.moments ? pearson(p) : cramersV(p);
      const i = at.get(p.a)!, j = at.get(p.b)!;
      m[i]![j] = m[j]![i] = Number.isFinite(v) ? round(v, 3) : null;
    }
    return m;
  };
  return { columns: names, real: matrix(real), synthetic: matrix(synthetic) };
}

function cramersV(p: PairStats): number {
  const ra = new Map<number, number>(), rb = new Map<number, number>();
  for (const [a, b, c] of p.counts) (ra.set(a, (ra.get(a) ?? 0) + c), rb.set(b, (rb.get(b) ?? 0) + c));
  const k = Math.min(ra.size, rb.size);
  if (p.n === 0 || k < 2) return NaN;
  // χ² = Σ o²/e − n over the non-empty margins (cells with o = 0 contribute e, which the −n accounts for).
  let sum = 0;
  for (const [a, b, o] of p.counts) sum += (o * o) / ((ra.get(a)! * rb.get(b)!) / p.n);
  return Math.sqrt(Math.max(0, sum - p.n) / (p.n * (k - 1)));
}
