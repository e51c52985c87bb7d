import { ModelError } from '../errors.js';
import { messages } from '../messages.js';
import type { Rng } from '../rng.js';
import { normalPpf } from './normal.js';
import { decimalsOfValue } from './sketch.js';
import { TableEncoder, type ColumnSummary } from './encode.js';
import { isCategorical, type Column, type Table } from './table.js';

/**
 * Encoders fitted from noisy counts, for a model trained with differential privacy: nothing the encoder
 * keeps (quantiles, ranges, category sets, missingness flags, decimals) is read off the private rows
 * except through histograms released with Gaussian noise. Each row adds 1 to one bin of each histogram
 * (add/remove-one-row neighbours), so H histograms have L2 sensitivity √H and noise std s = z·√H
 * makes their release a Gaussian mechanism with multiplier z: RDP α/(2z²), which the caller composes
 * with DP-SGD's. Per column:
 * - categorical without a public label set (`categories`): noisy count per label seen plus a missing
 *   bin; a label is kept when its noisy count reaches τ = 1 + s·Φ⁻¹(1 − δ_c) (stability-based histogram,
 *   Korolova et al. 2009; Gaussian form as in Google's partition selection): a label only a neighbouring
 *   data set has is released with probability ≤ δ_c, which adds δ_c per such column to the guarantee's δ.
 *   Kept labels are sorted (their order would otherwise reflect the data's). Rows with a dropped label
 *   are read as missing by the model.
 * - categorical with public labels: one histogram, missing vs observed.
 * - numeric / integer / datetime: the range from public bounds (`min` and `max` both given) or from a
 *   noisy histogram on a fixed signed log grid (8 bins a decade from 1e−6 to 1e15, a zero bin, a missing
 *   bin; the outermost bins whose noisy count reaches 4s); then a noisy histogram of the values clipped to
 *   that range (64 equal bins, or one per integer when an integer range has ≤ 64 values), whose
 *   piecewise-linear CDF gives 101 quantiles; numeric columns also a noisy histogram of decimal places.
 * The missingness flag is kept where the missing bin's noisy count reaches 3s. Everything after the noisy
 * counts is post-processing.
 */
export interface PrivateEncoderOptions {
  /** Gaussian noise std per released count (z·√H). */
  noiseStd: number;
  /** Probability bound for releasing a label a neighbour lacks, per thresholded column (δ_c). */
  labelDelta: number;
  rng: Rng;
  /** Public ranges from the spec (`columns.<name>.min` and `.max`). */
  bounds?: Record<string, { min?: number; max?: number }>;
  /** Public label sets from the spec (`columns.<name>.categories`). */
  categories?: Record<string, readonly string[]>;
  maxOneHot?: number;
}

/** What was released for each column, for the report. */
export interface PrivateEncoderSummary {
  histograms: number;
  /** Columns whose label sets were chosen by noisy thresholding (each adds δ_c). */
  thresholdedColumns: string[];
  /** Labels seen in the training rows that did not pass the threshold, per column (count only). */
  droppedLabels: Record<string, number>;
  /** Columns whose range came from the spec. */
  publicRanges: string[];
}

const FINE_BINS = 64;
const N_QUANTILES = 101;
const GRID_PER_DECADE = 8;
const GRID_LO = -6 * GRID_PER_DECADE; // 1e-6
const GRID_HI = 15 * GRID_PER_DECADE; // 1e15
const MAX_DECIMALS = 15;

function publicRange(c: Column, o: Pick<PrivateEncoderOptions, 'bounds'>): { min: number; max: number } | undefined {
  const b = o.bounds?.[c.name];
  return b && b.min !== undefined && b.max !== undefined && b.max >= b.min ? { min: b.min, max: b.max } : undefined;
}

/** How many histograms `fitPrivateEncoder` releases for this table and public information (H). */
export function privateHistogramCount(table: Table, o: Pick<PrivateEncoderOptions, 'bounds' | 'categories'>): number {
  return table.columns.reduce((h, c) => {
    if (isCategorical(c)) return h + 1;
    return h + (publicRange(c, o) ? 1 : 2) + (c.kind === 'numeric' ? 1 : 0);
  }, 0);
}

/** Whether a column's label set is chosen by noisy thresholding (no public labels). */
export function thresholdedColumns(table: Table, o: Pick<PrivateEncoderOptions, 'categories'>): string[] {
  return table.columns.filter((c) => isCategorical(c) && !o.categories?.[c.name]).map((c) => c.name);
}

/** Index into the signed log grid: 0 = missing, 1 = |v| < 1e−6, then negative bins, then positive bins. */
function gridBin(v: number): number {
  if (Number.isNaN(v)) return 0;
  const a = Math.abs(v);
  if (a < 10 ** (GRID_LO / GRID_PER_DECADE)) return 1;
  const k = Math.min(Math.max(Math.floor(GRID_PER_DECADE * Math.log10(a)), GRID_LO), GRID_HI - 1) - GRID_LO;
  const width = GRID_HI - GRID_LO;
  return v < 0 ? 2 + k : 2 + width + k;
}

/** [low edge, high edge) of a grid bin (≥ 1). */
function gridEdges(bin: number): [number, number] {
  const zero = 10 ** (GRID_LO / GRID_PER_DECADE);
  if (bin === 1) return [-zero, zero];
  const width = GRID_HI - GRID_LO;
  const neg = bin < 2 + width;
  const k = (neg ? bin - 2 : bin - 2 - width) + GRID_LO;
  const lo = k === GRID_LO ? zero : 10 ** (k / GRID_PER_DECADE);
  const hi = k === GRID_HI - 1 ? Infinity : 10 ** ((k + 1) / GRID_PER_DECADE);
  return neg ? [-hi, -lo] : [lo, hi];
}

export function fitPrivateEncoder(table: Table, o: PrivateEncoderOptions): { encoder: TableEncoder; summary: PrivateEncoderSummary } {
  const s = o.noiseStd;
  const noisy = (counts: Float64Array): Float64Array => counts.map((c) => c + s * o.rng.normal());
  const flagThreshold = 3 * s;
  const summary: PrivateEncoderSummary = { histograms: 0, thresholdedColumns: [], droppedLabels: {}, publicRanges: [] };
  const labelThreshold = 1 + s * normalPpf(1 - o.labelDelta);
  const bounds: Record<string, { min?: number; max?: number }> = {};
  const summaries = table.columns.map((c): ColumnSummary => {
    if (isCategorical(c)) {
      summary.histograms++;
      const given = o.categories?.[c.name];
      if (given) {
        const counts = new Float64Array(2);
        for (const k of c.codes) counts[k < 0 ? 0 : 1]!++;
        const [missing] = noisy(counts);
        return { name: c.name, kind: c.kind, categories: [...given], missing: missing! >= flagThreshold ? 1 : 0 };
      }
      summary.thresholdedColumns.push(c.name);
      const counts = new Float64Array(c.categories.length + 1);
      for (const k of c.codes) counts[k + 1]!++;
      const n = noisy(counts);
      // Only labels present in the rows get a count at all; a label with zero rows is not released.
      const kept = c.categories.filter((_, k) => counts[k + 1]! > 0 && n[k + 1]! >= labelThreshold).sort();
      const seen = c.categories.filter((_, k) => counts[k + 1]! > 0).length;
      if (seen > kept.length) summary.droppedLabels[c.name] = seen - kept.length;
      if (!kept.length) throw new ModelError(messages.privateNoCategory(c.name, Math.ceil(labelThreshold)));
      return { name: c.name, kind: c.kind, categories: kept, missing: n[0]! >= flagThreshold ? 1 : 0 };
    }
    const values = c.values;
    let range = publicRange(c, o);
    const isPublic = range !== undefined;
    let missingNoisy = 0;
    if (range) {
      summary.publicRanges.push(c.name);
    } else {
      summary.histograms++;
      const width = GRID_HI - GRID_LO;
      const counts = new Float64Array(2 + 2 * width);
      for (const v of values) counts[gridBin(v)]!++;
      const n = noisy(counts);
      missingNoisy = n[0]!;
      let first = -1, last = -1;
      for (let b = 1; b < n.length; b++) {
        if (n[b]! >= 4 * s) {
          if (first < 0) first = b;
          last = b;
        }
      }
      // No bin stands out of the noise: the range cannot be had privately (an argmax over noise would be
      // a random range); the spec must state it.
      if (first < 0) throw new ModelError(messages.privateNoRange(c.name, Math.ceil(4 * s)));
      // Grid order is: zero bin, negatives from small to large magnitude, positives from small to large.
      const edges = [first, last].map(gridEdges);
      const all = edges.flat().filter(Number.isFinite);
      let lo = Math.min(...all), hi = Math.max(...all);
      if (c.kind === 'integer') [lo, hi] = [Math.ceil(lo), Math.max(Math.ceil(lo), Math.ceil(hi) - 1)];
      range = { min: lo, max: hi };
    }
    // Values clipped to the range, in equal bins (one per integer where an integer range is short).
    const unitBins = c.kind === 'integer' && range.max - range.min + 1 <= FINE_BINS;
    const K = unitBins ? range.max - range.min + 1 : FINE_BINS;
    const lo = unitBins ? range.min - 0.5 : range.min;
    const hi = unitBins ? range.max + 0.5 : range.max;
    const w = (hi - lo) / K;
    const counts = new Float64Array(K + 1);
    for (const v of values) {
      if (Number.isNaN(v)) counts[0]!++;
      else counts[1 + (w > 0 ? Math.min(K - 1, Math.max(0, Math.floor((Math.min(Math.max(v, lo), hi) - lo) / w))) : 0)]!++;
    }
    summary.histograms++;
    const n = noisy(counts);
    if (isPublic) missingNoisy = n[0]!;
    const mass = Array.from(n.subarray(1), (x) => (x >= s ? x : 0));
    const quantiles = quantilesOf(mass, lo, hi, range.min, range.max);
    let decimals = 0;
    if (c.kind === 'numeric') {
      summary.histograms++;
      const d = new Float64Array(MAX_DECIMALS + 1);
      for (const v of values) if (!Number.isNaN(v)) d[decimalsOfValue(v)]!++;
      const nd = noisy(d);
      let best = 0;
      for (let k = 0; k <= MAX_DECIMALS; k++) {
        if (nd[k]! > nd[best]!) best = k;
        if (nd[k]! >= 3 * s) decimals = k;
      }
      decimals = Math.max(decimals, best);
    }
    bounds[c.name] = range;
    return {
      name: c.name,
      kind: c.kind,
      missing: missingNoisy >= flagThreshold ? 1 : 0,
      observed: 1,
      quantiles,
      decimals,
      min: range.min,
      max: range.max,
      ...(c.kind === 'datetime' ? { resolution: c.resolution } : {}),
    };
  });
  return { encoder: TableEncoder.fromSummaries(summaries, { bounds, ...(o.maxOneHot ? { maxOneHot: o.maxOneHot } : {}) }), summary };
}

/**
 * 101 quantiles of the piecewise-uniform density with `mass` in equal bins over [lo, hi] (uniform when
 * no mass survived), clamped to [min, max] and nondecreasing.
 */
function quantilesOf(mass: number[], lo: number, hi: number, min: number, max: number): number[] {
  const K = mass.length;
  const total = mass.reduce((a, b) => a + b, 0);
  const m = total > 0 ? mass : mass.map(() => 1);
  const sum = total > 0 ? total : K;
  const w = (hi - lo) / K;
  const q: number[] = [];
  let k = 0, below = 0;
  for (let i = 0; i < N_QUANTILES; i++) {
    const target = (i / (N_QUANTILES - 1)) * sum;
    while (k < K - 1 && below + m[k]! < target) below += m[k++]!;
    const frac = m[k]! > 0 ? Math.min(1, Math.max(0, (target - below) / m[k]!)) : 0;
    q.push(Math.min(max, Math.max(min, lo + (k + frac) * w)));
  }
  q[0] = min;
  q[N_QUANTILES - 1] = max;
  for (let i = 1; i < q.length; i++) q[i] = Math.max(q[i]!, q[i - 1]!);
  return q;
}
