/**
 * Statistical fidelity, following the SDMetrics single-table QualityReport (sdv-dev/SDMetrics:
 * sdmetrics/reports/single_table/_properties/{column_shapes,column_pair_trends}.py and the metrics they call)
 * so scores can be set beside published ones.
 *
 * Missing cells: ignored per column for shapes (as KSComplement/TVComplement do with dropna) and
 * pairwise-complete rows for pairs. SDMetrics' ContingencySimilarity instead counts a missing value as its
 * own category (groupby dropna=False); on tables without missing cells the two agree exactly.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import {
  isCategorical,
  type CategoricalColumn,
  type Column,
  type ContinuousColumn,
  type Table,
} from '../table/table.js';
import { assertSameSchema } from './schema.js';
import { finiteMean, pearson, sortedFinite } from './stats.js';

// ---------------------------------------------------------------------------------------------------------
// Column shapes

/** Two-sample Kolmogorov–Smirnov statistic sup_x |F_a(x) − F_b(x)| over the non-NaN values (as scipy.stats.ks_2samp). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sortedFinite(a);
  const y = sortedFinite(b);
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) return NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    // Step both ECDFs past every copy of the next value so ties are compared after the jump, not mid-jump.
    const v = x[i]! <= y[j]! ? x[i]! : y[j]!;
    while (i < n && x[i]! <= v) i++;
    while (j < m && y[j]! <= v) j++;
    const diff = Math.abs(i / n - j / m);
    if (diff > d) d = diff;
  }
  return d;
}

/** SDMetrics KSComplement: 1 − KS statistic, for numeric/integer/datetime columns. NaN when a side has no values. */
export function ksComplement(real: ContinuousColumn, synthetic: ContinuousColumn): number {
  return 1 - ksStatistic(real.values, synthetic.values);
}

/** Category counts among non-missing codes (length = categories.length). */
function categoryCounts(c: CategoricalColumn): Float64Array {
  const f = new Float64Array(c.categories.length);
  for (const k of c.codes) if (k >= 0) f[k]!++;
  return f;
}

/** SDMetrics TVComplement: 1 − ½ Σ_k |p_real(k) − p_syn(k)| over categories, for categorical/boolean columns. */
export function tvComplement(real: CategoricalColumn, synthetic: CategoricalColumn): number {
  return tvComplementOfCounts(categoryCounts(real), categoryCounts(synthetic));
}

/** TVComplement of two count vectors over the same categories; NaN when either has no counts. */
export function tvComplementOfCounts(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let na = 0, nb = 0;
  for (let k = 0; k < a.length; k++) (na += a[k]!), (nb += b[k]!);
  if (!na || !nb) return NaN;
  let tv = 0;
  for (let k = 0; k < a.length; k++) tv += Math.abs(a[k]! / na - b[k]! / nb);
  return 1 - 0.5 * tv;
}

export interface ColumnShapeScore {
  readonly column: string;
  readonly metric: 'KSComplement' | 'TVComplement';
  /** NaN when incomputable (a side has no observed values); left out of the mean as SDMetrics does. */
  readonly score: number;
}

export interface ColumnShapesResult {
  readonly columns: readonly ColumnShapeScore[];
  /** Mean of the finite per-column scores. */
  readonly score: number;
}

/** SDMetrics "Column Shapes" property: KSComplement for continuous columns, TVComplement for categorical ones, averaged. */
export function columnShapes(real: Table, synthetic: Table): ColumnShapesResult {
  assertSameSchema(real, synthetic);
  const columns = real.columns.map((rc, j): ColumnShapeScore => {
    const sc = synthetic.columns[j]!;
    if (isCategorical(rc)) {
      return { column: rc.name, metric: 'TVComplement', score: tvComplement(rc, sc as CategoricalColumn) };
    }
    return { column: rc.name, metric: 'KSComplement', score: ksComplement(rc, sc as ContinuousColumn) };
  });
  return { columns, score: finiteMean(columns.map((c) => c.score)) };
}

// ---------------------------------------------------------------------------------------------------------
// Column pair trends

/** SDMetrics CorrelationSimilarity (Pearson): 1 − |ρ_real − ρ_syn| / 2 on pairwise-complete rows; NaN if either ρ is undefined. */
export function correlationSimilarity(
  realX: ArrayLike<number>,
  realY: ArrayLike<number>,
  synX: ArrayLike<number>,
  synY: ArrayLike<number>,
): { score: number; real: number; synthetic: number } {
  const r = pearson(realX, realY);
  const s = pearson(synX, synY);
  const score = Number.isNaN(r) || Number.isNaN(s) ? NaN : 1 - Math.abs(r - s) / 2;
  return { score, real: r, synthetic: s };
}

/**
 * SDMetrics ContingencySimilarity: 1 − ½ Σ_{a,b} |p_real(a,b) − p_syn(a,b)| over the joint distribution of two
 * code columns (codes ≥ 0; a row with a negative code on either side is skipped). `kA`, `kB` bound the codes.
 */
export function contingencySimilarity(
  realA: ArrayLike<number>,
  realB: ArrayLike<number>,
  synA: ArrayLike<number>,
  synB: ArrayLike<number>,
  kA: number,
  kB: number,
): number {
  const pr = jointFrequencies(realA, realB, kA, kB);
  const ps = jointFrequencies(synA, synB, kA, kB);
  if (!pr || !ps) return NaN;
  let tv = 0;
  for (let i = 0; i < pr.length; i++) tv += Math.abs(pr[i]! - ps[i]!);
  return 1 - 0.5 * tv;
}

function jointFrequencies(a: ArrayLike<number>, b: ArrayLike<number>, kA: number, kB: number): Float64Array | null {
  const f = new Float64Array(kA * kB);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < 0 || y < 0) continue;
    f[x * kB + y]!++;
    n++;
  }
  if (n === 0) return null;
  for (let i = 0; i < f.length; i++) f[i]! /= n;
  return f;
}

/** Number of discrete codes `discretize` can produce with `nBins` bins (np.digitize returns 0..nBins+1). */
export function discretizedCodeCount(nBins: number): number {
  return nBins + 2;
}

/**
 * Equal-width bin edges exactly as np.histogram_bin_edges(values, bins=nBins): linspace(min, max, nBins+1),
 * widened to (v−0.5, v+0.5) for a constant sample. Null when there is no finite value.
 */
export function histogramBinEdges(values: ArrayLike<number>, nBins: number): Float64Array | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const edges = new Float64Array(nBins + 1);
  const step = (hi - lo) / nBins;
  for (let i = 0; i < nBins; i++) edges[i] = i * step + lo; // numpy linspace: arange * step + start
  edges[nBins] = hi; // …with the endpoint set exactly
  return edges;
}

/**
 * np.digitize(values, edges) (right=False): code = number of edges ≤ v, so 0 below the first edge and
 * edges.length at/above the last (SDMetrics' report passes all nBins+1 edges, so a column's maximum gets its
 * own code). NaN → −1 (missing).
 */
export function digitize(values: ArrayLike<number>, edges: Float64Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      out[i] = -1;
      continue;
    }
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}

export interface ColumnPairScore {
  readonly column1: string;
  readonly column2: string;
  readonly metric: 'CorrelationSimilarity' | 'ContingencySimilarity';
  /** NaN when incomputable (e.g. a constant column makes Pearson undefined); left out of the mean. */
  readonly score: number;
  /** Pearson ρ for CorrelationSimilarity pairs, NaN otherwise (as in SDMetrics' details table). */
  readonly realCorrelation: number;
  readonly syntheticCorrelation: number;
}

export interface AssociationMatrices {
  readonly columns: readonly string[];
  /** Per cell: Pearson ρ (signed) for two continuous columns, else bias-uncorrected Cramér's V in [0, 1]. */
  readonly measure: readonly (readonly ('pearson' | 'cramersV')[])[];
  /** Row-major n×n with 1 on the diagonal; NaN where undefined. */
  readonly real: Float64Array;
  readonly synthetic: Float64Array;
}

export interface ColumnPairTrendsResult {
  readonly pairs: readonly ColumnPairScore[];
  readonly score: number;
  readonly association: AssociationMatrices;
}

export interface ColumnPairTrendsOptions {
  /**
   * How a continuous column is discretized when paired with a categorical one. 'per-table' (default) is what
   * the QualityReport does: each table is binned on its own range, np.histogram_bin_edges(·, 10) then np.digitize.
   * 'real' bins both tables on the real table's edges, so a shifted synthetic range shows up in the score.
   */
  readonly binning?: 'per-table' | 'real';
  /** Equal-width bins for that discretization (SDMetrics: 10). */
  readonly nBins?: number;
}

/**
 * SDMetrics "Column Pair Trends" property over all column pairs: CorrelationSimilarity (Pearson) for two
 * continuous columns, ContingencySimilarity otherwise, with continuous columns discretized for mixed pairs.
 */
export function columnPairTrends(
  real: Table,
  synthetic: Table,
  options: ColumnPairTrendsOptions = {},
): ColumnPairTrendsResult {
  assertSameSchema(real, synthetic);
  const nBins = options.nBins ?? 10;
  if (!Number.isInteger(nBins) || nBins < 1) throw new DataError(messages.fidelityBins(nBins));
  const binning = options.binning ?? 'per-table';
  const d = real.columns.length;
  const nCodes = discretizedCodeCount(nBins);

  // Discrete view of every column: categorical codes as they are, continuous ones binned once up front.
  const realCodes: ArrayLike<number>[] = [];
  const synCodes: ArrayLike<number>[] = [];
  const width: number[] = [];
  for (let j = 0; j < d; j++) {
    const rc = real.columns[j]!;
    const sc = synthetic.columns[j]!;
    if (isCategorical(rc)) {
      realCodes.push(rc.codes);
      synCodes.push((sc as CategoricalColumn).codes);
      width.push(rc.categories.length);
      continue;
    }
    const sv = (sc as ContinuousColumn).values;
    const realEdges = histogramBinEdges(rc.values, nBins);
    const synEdges = binning === 'real' ? realEdges : histogramBinEdges(sv, nBins);
    realCodes.push(realEdges ? digitize(rc.values, realEdges) : new Int32Array(real.nRows).fill(-1));
    synCodes.push(synEdges ? digitize(sv, synEdges) : new Int32Array(synthetic.nRows).fill(-1));
    width.push(nCodes);
  }

  const pairs: ColumnPairScore[] = [];
  const assocReal = new Float64Array(d * d);
  const assocSyn = new Float64Array(d * d);
  const measure = Array.from({ length: d }, () => new Array<'pearson' | 'cramersV'>(d).fill('cramersV'));
  for (let i = 0; i < d; i++) {
    assocReal[i * d + i] = 1;
    assocSyn[i * d + i] = 1;
  }
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      const ca = real.columns[a]!;
      const cb = real.columns[b]!;
      let entry: ColumnPairScore;
      let ar: number;
      let as: number;
      if (!isCategorical(ca) && !isCategorical(cb)) {
        const sa = synthetic.columns[a] as ContinuousColumn;
        const sb = synthetic.columns[b] as ContinuousColumn;
        const r = correlationSimilarity(ca.values, cb.values, sa.values, sb.values);
        entry = {
          column1: ca.name,
          column2: cb.name,
          metric: 'CorrelationSimilarity',
          score: r.score,
          realCorrelation: r.real,
          syntheticCorrelation: r.synthetic,
        };
        ar = r.real;
        as = r.synthetic;
        measure[a]![b] = measure[b]![a] = 'pearson';
      } else {
        const score = contingencySimilarity(
          realCodes[a]!,
          realCodes[b]!,
          synCodes[a]!,
          synCodes[b]!,
          width[a]!,
          width[b]!,
        );
        entry = {
          column1: ca.name,
          column2: cb.name,
          metric: 'ContingencySimilarity',
          score,
          realCorrelation: NaN,
          syntheticCorrelation: NaN,
        };
        ar = cramersV(realCodes[a]!, realCodes[b]!, width[a]!, width[b]!);
        as = cramersV(synCodes[a]!, synCodes[b]!, width[a]!, width[b]!);
      }
      pairs.push(entry);
      assocReal[a * d + b] = assocReal[b * d + a] = ar;
      assocSyn[a * d + b] = assocSyn[b * d + a] = as;
    }
  }
  return {
    pairs,
    score: finiteMean(pairs.map((p) => p.score)),
    association: { columns: real.columns.map((c) => c.name), measure, real: assocReal, synthetic: assocSyn },
  };
}

/** Cramér's V (no bias correction) of two code columns over pairwise-complete rows and non-empty levels. */
export function cramersV(a: ArrayLike<number>, b: ArrayLike<number>, kA: number, kB: number): number {
  const f = new Float64Array(kA * kB);
  const ra = new Float64Array(kA);
  const rb = new Float64Array(kB);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < 0 || y < 0) continue;
    f[x * kB + y]!++;
    ra[x]!++;
    rb[y]!++;
    n++;
  }
  let levelsA = 0;
  let levelsB = 0;
  for (const v of ra) if (v > 0) levelsA++;
  for (const v of rb) if (v > 0) levelsB++;
  const k = Math.min(levelsA, levelsB);
  if (n === 0 || k < 2) return NaN;
  let chi2 = 0;
  for (let x = 0; x < kA; x++) {
    if (ra[x] === 0) continue;
    for (let y = 0; y < kB; y++) {
      if (rb[y] === 0) continue;
      const e = (ra[x]! * rb[y]!) / n;
      const o = f[x * kB + y]!;
      chi2 += ((o - e) * (o - e)) / e;
    }
  }
  return Math.sqrt(chi2 / (n * (k - 1)));
}

// ---------------------------------------------------------------------------------------------------------
// Overall

export interface QualityResult {
  /** Mean of the two property scores, as the QualityReport's overall score. */
  readonly score: number;
  readonly columnShapes: ColumnShapesResult;
  readonly columnPairTrends: ColumnPairTrendsResult;
}

/** SDMetrics QualityReport overall score: mean of Column Shapes and Column Pair Trends. */
export function qualityScore(real: Table, synthetic: Table, options: ColumnPairTrendsOptions = {}): QualityResult {
  const shapes = columnShapes(real, synthetic);
  const trends = columnPairTrends(real, synthetic, options);
  return { score: finiteMean([shapes.score, trends.score]), columnShapes: shapes, columnPairTrends: trends };
}

/** Convenience for callers holding single columns of either family. */
export function columnShape(real: Column, synthetic: Column): number {
  if (isCategorical(real) && isCategorical(synthetic)) return tvComplement(real, synthetic);
  if (!isCategorical(real) && !isCategorical(synthetic)) return ksComplement(real, synthetic);
  throw new DataError(messages.columnShapeKinds(real.name, real.kind, synthetic.kind));
}
