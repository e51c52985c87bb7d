/**
 * Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs") on per-slice features:
 * the unbiased estimate of the squared maximum mean discrepancy between real and synthetic feature
 * vectors under the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets
 * (as the paper and torch-fidelity do). 0 = same distribution (the estimate is unbiased, so it can go
 * slightly below 0); larger = further apart. Unlike FID it needs no Gaussian assumption and is unbiased
 * at small sample sizes, which is what a CPU run's few dozen slices give.
 *
 * Features: offline there is no Inception network, so the vector is the image C2ST's per-slice features
 * (`sliceFeatures`: 8×8 layout, intensity quantiles, gradient and Laplacian statistics), used as they are:
 * all are in the model's intensity units ([−1, 1] slices), and standardizing by the real slices' spread
 * would blow up features that are constant there (the corners of a head slice). Report
 * it beside the same distance from the training slices to held-out real slices: that is what "as close
 * as real data" measures at this sample size.
 */
import { createRng, deriveSeed, permutation } from '../rng.js';
import { sliceFeatures } from './image-detection.js';

export interface KidResult {
  definition: string;
  /** Mean over subsets of the unbiased MMD² estimate. */
  kid: number;
  /** Standard deviation over subsets. */
  std: number;
  subsets: number;
  subsetSize: number;
  features: number;
}

/** Unbiased MMD² between row sets X and Y (each ≥ 2 rows of length d) under k(x, y) = (xᵀy / d + 1)³. */
export function mmdPolynomial(X: readonly Float64Array[], Y: readonly Float64Array[]): number {
  const d = X[0]!.length;
  const k = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < d; i++) s += a[i]! * b[i]!;
    return (s / d + 1) ** 3;
  };
  const within = (S: readonly Float64Array[]): number => {
    let s = 0;
    for (let i = 0; i < S.length; i++) for (let j = i + 1; j < S.length; j++) s += k(S[i]!, S[j]!);
    return (2 * s) / (S.length * (S.length - 1));
  };
  let cross = 0;
  for (const a of X) for (const b of Y) cross += k(a, b);
  return within(X) + within(Y) - (2 * cross) / (X.length * Y.length);
}

/** KID of `synthetic` against `real` slices (model space, side `size`). */
export function imageKid(real: readonly Float32Array[], synthetic: readonly Float32Array[], options: { size: number; seed: number; subsets?: number; subsetSize?: number }): KidResult {
  const n = Math.min(real.length, synthetic.length);
  if (n < 2) throw new RangeError(`image KID: needs at least 2 slices per set, got ${real.length} real and ${synthetic.length} synthetic`);
  const R = real.map((im) => Float64Array.from(sliceFeatures(im, options.size)));
  const S = synthetic.map((im) => Float64Array.from(sliceFeatures(im, options.size)));
  const k = kidOfFeatures(R, S, options);
  return {
    definition: `KID (Bińkowski et al. 2018): unbiased MMD² with kernel (xᵀy/d + 1)³ on per-slice features (those of the image C2ST), mean of ${k.subsets} subsets of ${k.subsetSize}`,
    ...k,
    features: R[0]!.length,
  };
}

/**
 * KID of two sets of feature vectors (each ≥ 2 rows of one length): the mean and standard deviation of
 * `mmdPolynomial` over `subsets` seeded draws of `subsetSize` rows from each set (at most the smaller set).
 */
export function kidOfFeatures(real: readonly Float64Array[], synthetic: readonly Float64Array[], options: { seed: number; subsets?: number; subsetSize?: number }): { kid: number; std: number; subsets: number; subsetSize: number } {
  const n = Math.min(real.length, synthetic.length);
  if (n < 2) throw new RangeError(`KID: needs at least 2 feature vectors per set, got ${real.length} real and ${synthetic.length} synthetic`);
  const subsetSize = Math.min(options.subsetSize ?? 100, n);
  const subsets = options.subsets ?? 20;
  const rng = createRng(deriveSeed(options.seed, 'kid'));
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    const pick = (set: readonly Float64Array[]) => Array.from(permutation(set.length, rng).subarray(0, subsetSize), (i) => set[i]!);
    values.push(mmdPolynomial(pick(real), pick(synthetic)));
  }
  const kid = values.reduce((a, v) => a + v, 0) / subsets;
  return { kid, std: Math.sqrt(values.reduce((a, v) => a + (v - kid) ** 2, 0) / subsets), subsets, subsetSize };
}
