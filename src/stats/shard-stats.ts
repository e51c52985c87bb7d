/**
 * Mergeable table statistics: what each shard of a sharded run records about its part of an output, so
 * `synthdiff merge` can give global summaries and the fidelity report without reading the parts again.
 *
 * Every statistic is a sum over rows (or a min/max), so merging shards is adding them up:
 * - continuous columns (numeric, integer, datetime ms): observed count, missing count, Σx, Σx², the
 *   centred sum of squares M2 = Σ(x − x̄)² (merged with Chan et al.'s pairwise update, which keeps the
 *   variance accurate where Σx² − n·x̄² would cancel), min, max, and a fine histogram on fixed edges;
 * - categorical columns: count per label;
 * - every pair of columns: co-occurrence counts of (bin or label, bin or label) over rows where both are
 *   observed — the contingency tables SDMetrics' column-pair trends compare — and, for two continuous
 *   columns, Chan-mergeable co-moments for Pearson's r.
 *
 * The bins come from the model and the training data, never from the part, so every shard bins alike:
 * - `edges`: every distinct training value where there are at most 2,000, else the encoder's training
 *   quantiles (up to 1,000), for the column-shape KS statistic;
 * - `pairEdges`: 10 equal-width bins over the reference (training) table's range, np.histogram_bin_edges
 *   as SDMetrics computes them, for the pair contingency tables — so merged pair trends equal
 *   fidelity.ts's real-edge-binned trends exactly.
 */
import { DataError, SynthdiffError } from '../errors.js';
import { messages } from '../messages.js';
import { histogramBinEdges } from '../evaluate/fidelity.js';
import type { ColumnEncoding } from '../table/encode.js';
import { isCategorical, type Column, type Table } from '../table/table.js';
import type { StatsSummary, ColumnSummary } from '../report/model.js';

export const STATS_FORMAT = 'synthdiff-stats/2';
/** Equal-width bins of a continuous column in pair counts (SDMetrics' ColumnPairTrends uses 10). */
export const PAIR_BINS = 10;
/** A continuous reference column with at most this many distinct values gets an edge at each. */
export const MAX_ATOMS = 2000;
/** Categorical columns with more labels than this are left out of pair counts (the tables grow as K²). */
export const MAX_PAIR_LEVELS = 200;

/** How a column is counted: fixed bin edges, or a fixed label list (index K holds labels outside it). */
export type LayoutColumn =
  | { name: string; kind: 'continuous'; integer: boolean; edges: number[]; pairEdges: number[] }
  | { name: string; kind: 'categorical'; labels: string[] };

export interface StatsLayout {
  columns: LayoutColumn[];
}

export interface ContinuousStats {
  name: string;
  kind: 'continuous';
  n: number;
  missing: number;
  sum: number;
  sumSq: number;
  m2: number;
  /** null when no cell is observed (JSON has no ±Infinity). */
  min: number | null;
  max: number | null;
  /**
   * Counts per cell, each edge a cell of its own: (−∞, e₁), {e₁}, (e₁, e₂), {e₂}, …, {e_k}, (e_k, ∞) —
   * 2·edges.length + 1 cells. Counting the edges apart is what lets KS be exact where one table has
   * nothing strictly between two edges (integer columns with an edge at every training value).
   */
  hist: number[];
  /** Counts per np.digitize code on the pair edges (pairEdges.length + 1 codes). */
  pairHist: number[];
}

export interface CategoricalStats {
  name: string;
  kind: 'categorical';
  n: number;
  missing: number;
  counts: Record<string, number>;
}

export type ColumnStats = ContinuousStats | CategoricalStats;

export interface PairStats {
  a: string;
  b: string;
  /** Rows where both cells are observed. */
  n: number;
  /** Sparse contingency table: [index on a's axis, index on b's axis, count], sorted. */
  counts: [number, number, number][];
  /** Two continuous columns: means and centred (co-)moments over the same rows, for Pearson's r. */
  moments?: { meanA: number; meanB: number; m2a: number; m2b: number; cab: number };
}

export interface TableStats {
  format: typeof STATS_FORMAT;
  rows: number;
  layout: StatsLayout;
  columns: ColumnStats[];
  pairs: PairStats[];
}

/**
 * Bin edges and label lists from a model's encoder, with pair bins on `reference`'s range (the table
 * the fidelity report compares with; by default the encoder's training range, which is the same table
 * when the encoder was fitted in memory). Identical in every shard that loads the same layout.
 */
export function statsLayout(encodings: readonly ColumnEncoding[], reference?: Table): StatsLayout {
  return {
    columns: encodings.map((e): LayoutColumn => {
      if (e.type !== 'quantile') return { name: e.name, kind: 'categorical', labels: [...e.categories] };
      const ref = reference?.columns.find((c) => c.name === e.name);
      if (reference && (!ref || isCategorical(ref))) throw new DataError(messages.statsReferenceNotContinuous(e.name));
      // Every distinct reference value where there are few (integer codes, counts, dates), else the quantiles.
      const distinct = ref ? distinctValues((ref as Extract<Column, { values: Float64Array }>).values, MAX_ATOMS) : undefined;
      const edges: number[] = [];
      for (const v of distinct ?? e.quantiles) if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
      const range = ref ? (ref as Extract<Column, { values: Float64Array }>).values : [e.quantiles[0]!, e.quantiles[e.quantiles.length - 1]!];
      const pairEdges = histogramBinEdges(range, PAIR_BINS);
      return { name: e.name, kind: 'continuous', integer: e.kind === 'integer', edges, pairEdges: pairEdges ? [...pairEdges] : [] };
    }),
  };
}

/** Sorted distinct non-missing values, or undefined if there are more than `limit`. */
function distinctValues(values: Float64Array, limit: number): number[] | undefined {
  const seen = new Set<number>();
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    seen.add(v);
    if (seen.size > limit) return undefined;
  }
  return [...seen].sort((a, b) => a - b);
}

/** Index of v's cell in the edge-split histogram (see ContinuousStats.hist). */
function cellOf(edges: readonly number[], v: number): number {
  const b = binOf(edges, v);
  return b > 0 && edges[b - 1] === v ? 2 * b - 1 : 2 * b;
}

/** Number of edges ≤ v: the bin index of v in (−∞, e₁), [e₁, e₂), …, [e_k, ∞). */
function binOf(edges: readonly number[], v: number): number {
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Per row, each column's value as written to disk (integers rounded, as the CSV writer does) and its
 * axis index for pair counts (bin, or label index with K = "a label outside the layout"), −1 if missing.
 */
interface Prepared {
  values?: Float64Array;
  axis: Int32Array;
  axisSize: number;
  pairable: boolean;
}

function prepare(col: Column, lc: LayoutColumn, nRows: number): Prepared {
  const axis = new Int32Array(nRows);
  if (lc.kind === 'continuous') {
    if (isCategorical(col)) throw new SynthdiffError(messages.statsColumnKind(col.name, col.kind, 'continuous'));
    const values = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      let v = col.values[r]!;
      if (lc.integer && !Number.isNaN(v)) v = Math.round(v) + 0;
      values[r] = v;
      // np.digitize on the pair edges: 0 below the first, edges.length at or above the last.
      axis[r] = Number.isNaN(v) ? -1 : binOf(lc.pairEdges, v);
    }
    return { values, axis, axisSize: lc.pairEdges.length + 1, pairable: true };
  }
  if (!isCategorical(col)) throw new SynthdiffError(messages.statsColumnKind(col.name, col.kind, 'categorical'));
  const index = new Map(lc.labels.map((l, i) => [l, i]));
  const K = lc.labels.length;
  const map = col.categories.map((l) => index.get(l) ?? K);
  for (let r = 0; r < nRows; r++) {
    const k = col.codes[r]!;
    axis[r] = k < 0 ? -1 : map[k]!;
  }
  return { axis, axisSize: K + 1, pairable: K <= MAX_PAIR_LEVELS };
}

/** Statistics of one table (a shard's part) on the given layout; columns are matched by name. */
export function tableStats(table: Table, layout: StatsLayout): TableStats {
  const n = table.nRows;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const prepared = layout.columns.map((lc) => {
    const col = byName.get(lc.name);
    if (!col) throw new SynthdiffError(messages.statsColumnMissing(lc.name, [...byName.keys()]));
    return { col, lc, p: prepare(col, lc, n) };
  });
  const columns = prepared.map(({ col, lc, p }): ColumnStats => {
    if (lc.kind === 'continuous') {
      const v = p.values!;
      let cnt = 0, sum = 0, sumSq = 0, min = Infinity, max = -Infinity;
      const hist = new Array<number>(2 * lc.edges.length + 1).fill(0);
      const pairHist = new Array<number>(lc.pairEdges.length + 1).fill(0);
      for (let r = 0; r < n; r++) {
        const x = v[r]!;
        if (Number.isNaN(x)) continue;
        cnt++;
        sum += x;
        sumSq += x * x;
        if (x < min) min = x;
        if (x > max) max = x;
        hist[cellOf(lc.edges, x)]!++;
        pairHist[p.axis[r]!]!++;
      }
      // Two-pass M2 about this part's own mean: exact enough to merge without cancellation.
      const mean = cnt ? sum / cnt : 0;
      let m2 = 0;
      for (let r = 0; r < n; r++) if (!Number.isNaN(v[r]!)) m2 += (v[r]! - mean) ** 2;
      return { name: lc.name, kind: 'continuous', n: cnt, missing: n - cnt, sum, sumSq, m2, min: cnt ? min : null, max: cnt ? max : null, hist, pairHist };
    }
    const c = col as Extract<Column, { codes: Int32Array }>;
    const perCode = new Array<number>(c.categories.length).fill(0);
    let cnt = 0;
    for (let r = 0; r < n; r++) {
      const k = c.codes[r]!;
      if (k >= 0) (perCode[k]!++, cnt++);
    }
    const counts: Record<string, number> = {};
    c.categories.forEach((label, k) => {
      if (perCode[k]) counts[label] = (counts[label] ?? 0) + perCode[k]!;
    });
    return { name: lc.name, kind: 'categorical', n: cnt, missing: n - cnt, counts: sortedRecord(counts) };
  });
  const pairs: PairStats[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const A = prepared[i]!;
    if (!A.p.pairable) continue;
    for (let j = i + 1; j < prepared.length; j++) {
      const B = prepared[j]!;
      if (!B.p.pairable) continue;
      const dense = new Float64Array(A.p.axisSize * B.p.axisSize);
      let both = 0;
      for (let r = 0; r < n; r++) {
        const a = A.p.axis[r]!, b = B.p.axis[r]!;
        if (a < 0 || b < 0) continue;
        dense[a * B.p.axisSize + b]!++;
        both++;
      }
      const counts: [number, number, number][] = [];
      dense.forEach((cnt, k) => {
        if (cnt) counts.push([Math.floor(k / B.p.axisSize), k % B.p.axisSize, cnt]);
      });
      const pair: PairStats = { a: A.lc.name, b: B.lc.name, n: both, counts };
      if (A.p.values && B.p.values) {
        const x = A.p.values, y = B.p.values;
        let sx = 0, sy = 0;
        for (let r = 0; r < n; r++) if (!Number.isNaN(x[r]!) && !Number.isNaN(y[r]!)) (sx += x[r]!, sy += y[r]!);
        const meanA = both ? sx / both : 0, meanB = both ? sy / both : 0;
        let m2a = 0, m2b = 0, cab = 0;
        for (let r = 0; r < n; r++) {
          if (Number.isNaN(x[r]!) || Number.isNaN(y[r]!)) continue;
          const dx = x[r]! - meanA, dy = y[r]! - meanB;
          m2a += dx * dx;
          m2b += dy * dy;
          cab += dx * dy;
        }
        pair.moments = { meanA, meanB, m2a, m2b, cab };
      }
      pairs.push(pair);
    }
  }
  return { format: STATS_FORMAT, rows: n, layout, columns, pairs };
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Chan et al. (1979) pairwise update of (n, mean, M2) for two disjoint parts. */
function chan(na: number, ma: number, m2a: number, nb: number, mb: number, m2b: number): { n: number; mean: number; m2: number } {
  const n = na + nb;
  if (na === 0) return { n, mean: mb, m2: m2b };
  if (nb === 0) return { n, mean: ma, m2: m2a };
  const delta = mb - ma;
  return { n, mean: ma + (delta * nb) / n, m2: m2a + m2b + (delta * delta * na * nb) / n };
}

function sameLayout(a: StatsLayout, b: StatsLayout): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Statistics of the concatenation of the parts, from the parts' statistics alone. */
export function mergeStats(parts: readonly TableStats[], what = 'statistics'): TableStats {
  if (parts.length === 0) throw new SynthdiffError(messages.statsNothingToMerge(what));
  const first = parts[0]!;
  for (const [i, p] of parts.entries())
    if (p.format !== STATS_FORMAT || !sameLayout(p.layout, first.layout))
      throw new SynthdiffError(messages.statsPartLayout(what, i));
  const columns = first.columns.map((c0, j): ColumnStats => {
    if (c0.kind === 'continuous') {
      let acc = { ...c0, hist: [...c0.hist], pairHist: [...c0.pairHist] };
      for (const p of parts.slice(1)) {
        const c = p.columns[j] as ContinuousStats;
        const m = chan(acc.n, acc.n ? acc.sum / acc.n : 0, acc.m2, c.n, c.n ? c.sum / c.n : 0, c.m2);
        acc = {
          ...acc,
          n: m.n,
          missing: acc.missing + c.missing,
          sum: acc.sum + c.sum,
          sumSq: acc.sumSq + c.sumSq,
          m2: m.m2,
          min: acc.min === null ? c.min : c.min === null ? acc.min : Math.min(acc.min, c.min),
          max: acc.max === null ? c.max : c.max === null ? acc.max : Math.max(acc.max, c.max),
          hist: acc.hist.map((h, k) => h + c.hist[k]!),
          pairHist: acc.pairHist.map((h, k) => h + c.pairHist[k]!),
        };
      }
      return acc;
    }
    const counts: Record<string, number> = {};
    let n = 0, missing = 0;
    for (const p of parts) {
      const c = p.columns[j] as CategoricalStats;
      n += c.n;
      missing += c.missing;
      for (const [label, k] of Object.entries(c.counts)) counts[label] = (counts[label] ?? 0) + k;
    }
    return { name: c0.name, kind: 'categorical', n, missing, counts: sortedRecord(counts) };
  });
  const pairs = first.pairs.map((p0, k): PairStats => {
    const dense = new Map<string, [number, number, number]>();
    let n = 0;
    let mom = p0.moments ? { n: 0, meanA: 0, meanB: 0, m2a: 0, m2b: 0, cab: 0 } : undefined;
    for (const part of parts) {
      const p = part.pairs[k]!;
      for (const [a, b, c] of p.counts) {
        const key = `${a},${b}`;
        const cur = dense.get(key);
        if (cur) cur[2] += c;
        else dense.set(key, [a, b, c]);
      }
      if (mom && p.moments && p.n > 0) {
        // Pairwise co-moment update: C = Ca + Cb + δa·δb·na·nb/n (the bivariate form of Chan's update).
        const N = mom.n + p.n;
        const da = p.moments.meanA - mom.meanA, db = p.moments.meanB - mom.meanB;
        const w = (mom.n * p.n) / N;
        mom = {
          n: N,
          meanA: mom.meanA + (da * p.n) / N,
          meanB: mom.meanB + (db * p.n) / N,
          m2a: mom.m2a + p.moments.m2a + da * da * w,
          m2b: mom.m2b + p.moments.m2b + db * db * w,
          cab: mom.cab + p.moments.cab + da * db * w,
        };
      }
      n += p.n;
    }
    const counts = [...dense.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const out: PairStats = { a: p0.a, b: p0.b, n, counts };
    if (mom) out.moments = { meanA: mom.meanA, meanB: mom.meanB, m2a: mom.m2a, m2b: mom.m2b, cab: mom.cab };
    return out;
  });
  return { format: STATS_FORMAT, rows: parts.reduce((s, p) => s + p.rows, 0), layout: first.layout, columns, pairs };
}

/**
 * The pair codes as a readable histogram: the 10 equal-width bins on the reference range, values below
 * the first edge counted in the first bin and those at or past the last edge in the last.
 */
export function pairHistogram(edges: readonly number[], codes: readonly number[], n: number): { edges: number[]; counts: number[]; frequencies: number[] } {
  if (edges.length < 2) return { edges: [...edges], counts: [], frequencies: [] };
  const counts = codes.slice(1, edges.length);
  counts[0]! += codes[0]!;
  counts[counts.length - 1]! += codes[edges.length]!;
  return { edges: [...edges], counts, frequencies: counts.map((h) => (n ? h / n : 0)) };
}

/** Readable global summaries (means, sds, histograms, category frequencies, correlations). */
export function summarizeStats(s: TableStats): StatsSummary {
  const columns = s.columns.map((c, j): ColumnSummary => {
    if (c.kind === 'continuous') {
      const lc = s.layout.columns[j] as Extract<LayoutColumn, { kind: 'continuous' }>;
      return {
        name: c.name,
        kind: 'continuous',
        n: c.n,
        missing: c.missing,
        mean: c.n ? c.sum / c.n : null,
        sd: c.n > 1 ? Math.sqrt(c.m2 / (c.n - 1)) : null,
        min: c.min,
        max: c.max,
        histogram: pairHistogram(lc.pairEdges, c.pairHist, c.n),
      };
    }
    return { name: c.name, kind: 'categorical', n: c.n, missing: c.missing, frequencies: Object.fromEntries(Object.entries(c.counts).map(([k, v]) => [k, v / c.n])) };
  });
  const correlations = s.pairs
    .filter((p) => p.moments)
    .map((p) => ({ a: p.a, b: p.b, n: p.n, pearson: p.moments!.m2a > 0 && p.moments!.m2b > 0 ? p.moments!.cab / Math.sqrt(p.moments!.m2a * p.moments!.m2b) : null }));
  return { rows: s.rows, columns, correlations };
}
