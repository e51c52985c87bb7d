/**
 * Privacy of a sharded generation from per-shard sums: each generate shard measures its own rows
 * against the training and holdout tables (src/evaluate/privacy.ts `dcr`, same Gower scale and the same
 * seeded holdout subsample in every shard), and keeps only what merges:
 * - DCR share: Σ over rows of [closer to train] (+½ on ties) — a sum, so the merged share is exact;
 * - exact copies: a count (exact); the holdout's own copy rate is a property of train/holdout (exact);
 * - DCR to train / holdout and NNDR distributions: KLL sketches (src/table/sketch.ts), so merged medians
 *   are exact below 4,096 synthetic rows and within ~0.05% of the rows' rank above;
 * - the membership attack's score for every train and holdout row — its distance to the nearest
 *   synthetic row — merges by element-wise minimum, so the merged membership AUC is exact.
 * The same figures as a single-process evaluation of the concatenated parts (tested).
 */
import { dcr } from '../evaluate/privacy.js';
import { aucTwoSample } from '../evaluate/stats.js';
import type { PrivacyReport } from '../report/model.js';
import { QuantileSketch, type QuantileSketchJSON } from '../table/sketch.js';
import type { Table } from '../table/table.js';

export const PRIVACY_FORMAT = 'synthdiff-privacy/1';
/** Fixed bins on [0, 1] (Gower distances and NNDR never leave it) for the DCR plot. */
const PLOT_BINS = 30;

export interface PrivacyStats {
  format: typeof PRIVACY_FORMAT;
  nSynthetic: number;
  nTrain: number;
  nHoldout: number;
  shareSum: number;
  copies: number;
  holdoutExactCopyRate: number;
  dcrTrain: QuantileSketchJSON;
  dcrHoldout: QuantileSketchJSON;
  nndr: QuantileSketchJSON;
  /** Float64 little-endian, base64: per train row then holdout row, distance to the nearest synthetic row. */
  nearestSynthetic: string;
}

function sketchOf(values: Float64Array): QuantileSketchJSON {
  const s = new QuantileSketch();
  for (const v of values) s.add(v);
  return s.toJSON();
}

const toBase64 = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function fromBase64(s: string): Float64Array {
  const b = Buffer.from(s, 'base64');
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** One part's privacy statistics against the training and holdout tables. */
export function privacyStats(part: Table, train: Table, holdout: Table, seed: number): PrivacyStats {
  const p = dcr(part, train, holdout, { seed });
  return {
    format: PRIVACY_FORMAT,
    nSynthetic: p.nSynthetic,
    nTrain: p.nTrain,
    nHoldout: p.nHoldout,
    shareSum: p.dcrShare * p.nSynthetic,
    copies: Math.round(p.exactCopyRate * p.nSynthetic),
    holdoutExactCopyRate: p.holdoutExactCopyRate,
    dcrTrain: sketchOf(p.dcrTrain),
    dcrHoldout: sketchOf(p.dcrHoldout),
    nndr: sketchOf(p.nndr),
    nearestSynthetic: toBase64(p.nearestSynthetic),
  };
}

/** Statistics of all parts together; undefined if any part lacks them or they compared other tables. */
export function mergePrivacyStats(parts: readonly (PrivacyStats | undefined)[]): PrivacyStats | undefined {
  const ps = parts.filter((p): p is PrivacyStats => p?.format === PRIVACY_FORMAT && p.nSynthetic > 0);
  if (ps.length === 0 || parts.some((p) => p && p.format !== PRIVACY_FORMAT)) return undefined;
  if (parts.some((p) => !p)) return undefined;
  const first = ps[0]!;
  if (ps.some((p) => p.nTrain !== first.nTrain || p.nHoldout !== first.nHoldout)) return undefined;
  const merge = (k: 'dcrTrain' | 'dcrHoldout' | 'nndr') => ps.map((p) => QuantileSketch.fromJSON(p[k])).reduce((a, b) => a.merge(b)).toJSON();
  const nearest = fromBase64(first.nearestSynthetic);
  for (const p of ps.slice(1)) {
    const d = fromBase64(p.nearestSynthetic);
    for (let i = 0; i < nearest.length; i++) if (d[i]! < nearest[i]!) nearest[i] = d[i]!;
  }
  return {
    format: PRIVACY_FORMAT,
    nSynthetic: ps.reduce((s, p) => s + p.nSynthetic, 0),
    nTrain: first.nTrain,
    nHoldout: first.nHoldout,
    shareSum: ps.reduce((s, p) => s + p.shareSum, 0),
    copies: ps.reduce((s, p) => s + p.copies, 0),
    holdoutExactCopyRate: first.holdoutExactCopyRate,
    dcrTrain: merge('dcrTrain'),
    dcrHoldout: merge('dcrHoldout'),
    nndr: merge('nndr'),
    nearestSynthetic: toBase64(nearest),
  };
}

const round = (x: number, d = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const median = (j: QuantileSketchJSON) => (j.n ? QuantileSketch.fromJSON(j).quantiles(3)[1]! : NaN);

/** The report a single-process evaluation gives, from merged statistics. */
export function privacyReport(s: PrivacyStats): PrivacyReport {
  const nearest = fromBase64(s.nearestSynthetic);
  const member = Float64Array.from(nearest.subarray(0, s.nTrain), (v) => -v);
  const nonMember = Float64Array.from(nearest.subarray(s.nTrain), (v) => -v);
  const tr = QuantileSketch.fromJSON(s.dcrTrain), ho = QuantileSketch.fromJSON(s.dcrHoldout);
  const hi = Math.max(tr.quantiles(2)[1] ?? 0, ho.quantiles(2)[1] ?? 0) || 1;
  const edges = Array.from({ length: PLOT_BINS + 1 }, (_, i) => (i / PLOT_BINS) * hi);
  // Counts per bin from the sketches' CDFs (exact while they hold every row).
  const counts = (q: QuantileSketch) => edges.slice(1).map((e, i) => Math.round(((i === PLOT_BINS - 1 ? 1 : q.cdf(e - 1e-15)) - (i === 0 ? 0 : q.cdf(edges[i]! - 1e-15))) * q.n));
  return {
    definition: 'Gower distance (numeric |Δ|/range capped at 1, categorical 0/1); DCR share = share of synthetic rows closer to train than to an equal-size holdout (ties ½); merged from per-shard sums, sketches and element-wise minima',
    dcrShare: round(s.shareSum / s.nSynthetic),
    exactCopyRate: round(s.copies / s.nSynthetic),
    holdoutExactCopyRate: round(s.holdoutExactCopyRate),
    medianDcrTrain: round(median(s.dcrTrain), 5),
    medianDcrHoldout: round(median(s.dcrHoldout), 5),
    nndrMedian: round(median(s.nndr)),
    membershipAuc: round(aucTwoSample(member, nonMember)),
    dcrHistogram: { edges, train: counts(tr), holdout: counts(ho) },
  };
}
