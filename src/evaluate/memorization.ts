/**
 * Memorization check for synthetic images: is any synthetic image a near-copy of a training image?
 *
 * Similarity is the normalized cross-correlation (Pearson correlation of pixel values, NCC ∈ [−1, 1]) at
 * the model's resolution, taken against every training image and its left-right mirror (a model trained
 * with flips can reproduce either). NCC ignores brightness and contrast shifts, so a copy that went through
 * windowing or quantisation still scores ≈ 1.
 *
 * What counts as "near" is calibrated, not fixed. Held-out real images (never trained on) are compared with
 * the training set the same way; h, the largest of their nearest-training similarities (or a high quantile
 * when there are many), is how close a genuinely new image gets. A synthetic image is a near-copy when its
 * similarity exceeds h + m·(1 − h), m = ½ by default: closer to a training image than any new real image,
 * by at least half the remaining gap to an exact copy. The margin matters because h comes from a handful of
 * images: with only h as the threshold, a generator that copies nothing but is as good as real data would
 * still exceed the max of 4 held-out images about one time in five, and every run would be blocked.
 * For slices of one scan h is high, since neighbouring slices resemble each other; that is the honest
 * reference, as a new slice from the same patient is exactly that similar.
 *
 * A positive control guards the check itself: a training image put through the same output path as the
 * synthetic images (the caller supplies it) must be flagged. If it is not, the threshold is meaningless
 * (held-out images as close as copies) and the result says so.
 */

export interface NearestMatch {
  /** Index into the training images. */
  index: number;
  similarity: number;
  /** The match was the training image's mirror image. */
  mirrored: boolean;
}

export interface MemorizationOptions {
  /** Quantile of held-out nearest similarities taken as h (default 1: their maximum). */
  quantile?: number;
  /** Fraction m of the gap from h to an exact copy (1) added to h to make the threshold (default 0.5). */
  margin?: number;
  /** Share of near-copies above which export is blocked (default 0.01). */
  maxNearCopyRate?: number;
  /** Square side, for mirroring; required. */
  size: number;
}

export interface MemorizationResult {
  definition: string;
  threshold: number;
  calibration: { quantile: number; margin: number; holdoutNearest: number[]; /** h, the held-out reference. */ reference: number; rule: string };
  synthetic: {
    nearest: NearestMatch[];
    max: number;
    median: number;
    /** Indices of synthetic images whose nearest similarity exceeds the threshold. */
    nearCopies: number[];
    nearCopyRate: number;
  };
  positiveControl: { trainingIndex: number; similarity: number; flagged: boolean };
  maxNearCopyRate: number;
  /** True when export must not happen: too many near-copies, or a failed positive control. */
  blocked: boolean;
  /** Why export is blocked, in one sentence; absent when it is not. */
  reason?: string;
}

export const NCC_DEFINITION = 'normalized cross-correlation (Pearson r of pixels at model resolution), max over training images and their mirror images';

/** Zero mean and unit L2 norm, so that NCC is a dot product. A constant image becomes all zeros (NCC 0). */
export function standardize(v: ArrayLike<number>): Float32Array {
  const n = v.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i]! - mean) ** 2;
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (v[i]! - mean) * inv;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** NCC of two equal-length images. */
export function ncc(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`images differ in size: ${a.length} vs ${b.length} pixels`);
  return dot(standardize(a), standardize(b));
}

function mirror(v: Float32Array, size: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = v[y * size + size - 1 - x]!;
  return out;
}

/** A training set prepared for repeated nearest-neighbour queries. */
export class TrainingIndex {
  private readonly plain: Float32Array[];
  private readonly mirrored: Float32Array[];

  constructor(
    training: readonly Float32Array[],
    readonly size: number,
  ) {
    if (training.length === 0) throw new RangeError('memorization check needs at least one training image');
    this.plain = training.map(standardize);
    this.mirrored = this.plain.map((v) => mirror(v, size));
  }

  get length(): number {
    return this.plain.length;
  }

  nearest(image: ArrayLike<number>): NearestMatch {
    const q = standardize(image);
    let best: NearestMatch = { index: -1, similarity: -Infinity, mirrored: false };
    this.plain.forEach((t, index) => {
      const s = dot(q, t);
      if (s > best.similarity) best = { index, similarity: s, mirrored: false };
      const m = dot(q, this.mirrored[index]!);
      if (m > best.similarity) best = { index, similarity: m, mirrored: true };
    });
    return best;
  }
}

/** Linear-interpolation quantile (type 7) of `values`, 0 ≤ q ≤ 1. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const r = q * (s.length - 1);
  const lo = Math.floor(r), hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (r - lo);
}

/**
 * Compare synthetic images with the training set, calibrated on held-out images, with `control` (a
 * training image through the output path; `controlIndex` is which) as the positive control.
 */
export function assessMemorization(
  data: { training: readonly Float32Array[]; holdout: readonly Float32Array[]; synthetic: readonly Float32Array[]; control: Float32Array; controlIndex: number },
  opts: MemorizationOptions,
): MemorizationResult {
  if (data.holdout.length === 0) throw new RangeError('memorization check needs held-out images to calibrate its threshold');
  const q = opts.quantile ?? 1;
  const margin = opts.margin ?? 0.5;
  const maxRate = opts.maxNearCopyRate ?? 0.01;
  const index = new TrainingIndex(data.training, opts.size);
  const holdoutNearest = data.holdout.map((h) => index.nearest(h).similarity);
  const reference = quantile(holdoutNearest, q);
  const threshold = reference + margin * (1 - reference);
  const nearest = data.synthetic.map((s) => index.nearest(s));
  const sims = nearest.map((m) => m.similarity);
  const nearCopies = nearest.flatMap((m, i) => (m.similarity > threshold ? [i] : []));
  const rate = data.synthetic.length ? nearCopies.length / data.synthetic.length : 0;
  const controlMatch = index.nearest(data.control);
  const flagged = controlMatch.similarity > threshold;
  let reason: string | undefined;
  if (!flagged) {
    reason = `the memorization check failed its positive control: a copy of training image ${data.controlIndex + 1} scored ${controlMatch.similarity.toFixed(4)}, not above the threshold ${threshold.toFixed(4)} calibrated on held-out images, so near-copies cannot be told from new images`;
  } else if (rate > maxRate) {
    reason = `${nearCopies.length} of ${data.synthetic.length} synthetic images (${(100 * rate).toFixed(1)}%) are near-copies of training images (NCC above ${threshold.toFixed(4)}, calibrated on held-out images); the limit is ${(100 * maxRate).toFixed(0)}%`;
  }
  return {
    definition: NCC_DEFINITION,
    threshold,
    calibration: {
      quantile: q,
      margin,
      holdoutNearest,
      reference,
      rule: `h = ${q === 1 ? 'max' : `${q} quantile`} of held-out real images' nearest-training NCC; threshold = h + ${margin}·(1 − h); near-copy = synthetic NCC > threshold`,
    },
    synthetic: { nearest, max: sims.length ? Math.max(...sims) : NaN, median: quantile(sims, 0.5), nearCopies, nearCopyRate: rate },
    positiveControl: { trainingIndex: data.controlIndex, similarity: controlMatch.similarity, flagged },
    maxNearCopyRate: maxRate,
    blocked: reason !== undefined,
    ...(reason ? { reason } : {}),
  };
}
