/**
 * Diversity of a set of slices by MS-SSIM (Wang, Simoncelli and Bovik 2003, "Multiscale structural
 * similarity for image quality assessment"): the mean MS-SSIM over pairs within the set. 1 = every pair
 * identical (a collapsed generator); lower = more varied. Reported for synthetic slices beside held-out
 * real slices scored the same way: matching the real figure is the goal (as in Odena et al. 2017, who
 * introduced MS-SSIM as a GAN diversity score).
 *
 * As the authors' MATLAB code (ssim_index / msssim.m): an 11×11 Gaussian window (σ = 1.5) applied over
 * valid positions, C1 = (0.01·L)², C2 = (0.03·L)² with L the dynamic range, 2×2 mean downsampling between
 * scales, mean contrast-structure at each scale but the last and the mean full SSIM at the last, combined
 * with the exponents 0.0448, 0.2856, 0.3001, 0.2363, 0.1333. Two departures for small slices:
 *  - scales: as many of the five as keep the window inside the image (side ≥ 11 at the coarsest: 3 at
 *    64², 4 at 128², 5 at 256²), with the used exponents rescaled to sum to 1 (so identical images
 *    still score 1 and the score stays comparable across sizes);
 *  - negative contrast-structure means (anti-correlated pairs) count as 0, as pytorch-msssim does, since
 *    a fractional power of a negative number is undefined.
 */
import { createRng, deriveSeed } from '../rng.js';

/** Wang et al. 2003, Table 1: the per-scale exponents β₁…β₅ (α₅ = β₅ at the coarsest scale). */
export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] as const;
const WINDOW = 11;
const SIGMA = 1.5;
const K1 = 0.01, K2 = 0.03;

export interface MsSsimOptions {
  /** Dynamic range of the values (default 2: the model's [−1, 1] slices). */
  dataRange?: number;
}

/** The normalized 1-D Gaussian taps of the 11-tap, σ = 1.5 window (the 2-D window is their outer product). */
function gaussianTaps(): Float64Array {
  const g = Float64Array.from({ length: WINDOW }, (_, i) => Math.exp(-((i - (WINDOW - 1) / 2) ** 2) / (2 * SIGMA * SIGMA)));
  const s = g.reduce((a, v) => a + v, 0);
  return g.map((v) => v / s);
}
const TAPS = gaussianTaps();

/** Separable Gaussian filtering over valid positions: (h − 10) × (w − 10) outputs. */
function filterValid(src: Float64Array, h: number, w: number): Float64Array {
  const ow = w - WINDOW + 1, oh = h - WINDOW + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < WINDOW; k++) s += TAPS[k]! * src[y * w + x + k]!;
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < WINDOW; k++) s += TAPS[k]! * tmp[(y + k) * ow + x]!;
      out[y * ow + x] = s;
    }
  }
  return out;
}

/** 2×2 mean then every other pixel, edges mirrored for odd sides (msssim.m: imfilter 'symmetric', (1:2:end)). */
function downsample(src: Float64Array, h: number, w: number): { values: Float64Array; h: number; w: number } {
  const oh = Math.ceil(h / 2), ow = Math.ceil(w / 2);
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const y0 = 2 * y, y1 = Math.min(h - 1, 2 * y + 1);
    for (let x = 0; x < ow; x++) {
      const x0 = 2 * x, x1 = Math.min(w - 1, 2 * x + 1);
      out[y * ow + x] = (src[y0 * w + x0]! + src[y0 * w + x1]! + src[y1 * w + x0]! + src[y1 * w + x1]!) / 4;
    }
  }
  return { values: out, h: oh, w: ow };
}

/** How many of the five scales fit a side of `size` with the 11-pixel window inside the coarsest. */
export function msSsimScales(size: number): number {
  let scales = 0;
  for (let s = size; scales < MS_SSIM_WEIGHTS.length && s >= WINDOW; s = Math.ceil(s / 2)) scales++;
  return scales;
}

/** Mean SSIM and mean contrast-structure term of two equally sized images (Wang et al. 2004, eq. 13). */
function ssimTerms(a: Float64Array, b: Float64Array, h: number, w: number, L: number): { ssim: number; cs: number } {
  const C1 = (K1 * L) ** 2, C2 = (K2 * L) ** 2;
  const mu1 = filterValid(a, h, w), mu2 = filterValid(b, h, w);
  const aa = filterValid(a.map((v) => v * v), h, w);
  const bb = filterValid(b.map((v) => v * v), h, w);
  const ab = filterValid(a.map((v, i) => v * b[i]!), h, w);
  let ssim = 0, cs = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i]!, m2 = mu2[i]!;
    const s1 = aa[i]! - m1 * m1, s2 = bb[i]! - m2 * m2, s12 = ab[i]! - m1 * m2;
    const c = (2 * s12 + C2) / (s1 + s2 + C2);
    cs += c;
    ssim += ((2 * m1 * m2 + C1) / (m1 * m1 + m2 * m2 + C1)) * c;
  }
  return { ssim: ssim / mu1.length, cs: cs / mu1.length };
}

/** MS-SSIM of two square images of side `size` (row-major). 1 for identical images. */
export function msSsim(x: ArrayLike<number>, y: ArrayLike<number>, size: number, options: MsSsimOptions = {}): number {
  if (x.length !== size * size || y.length !== size * size) throw new RangeError(`MS-SSIM: expected two images of ${size}×${size} values, got ${x.length} and ${y.length}`);
  const scales = msSsimScales(size);
  if (scales === 0) throw new RangeError(`MS-SSIM: images must be at least ${WINDOW}×${WINDOW}, got ${size}×${size}`);
  const L = options.dataRange ?? 2;
  const weights = MS_SSIM_WEIGHTS.slice(0, scales);
  const total = weights.reduce((s, v) => s + v, 0);
  let a: { values: Float64Array; h: number; w: number } = { values: Float64Array.from(x), h: size, w: size };
  let b: { values: Float64Array; h: number; w: number } = { values: Float64Array.from(y), h: size, w: size };
  let result = 1;
  for (let j = 0; j < scales; j++) {
    const { ssim, cs } = ssimTerms(a.values, b.values, a.h, a.w, L);
    const term = j === scales - 1 ? ssim : cs;
    result *= Math.max(0, term) ** (weights[j]! / total);
    if (j < scales - 1) {
      a = downsample(a.values, a.h, a.w);
      b = downsample(b.values, b.h, b.w);
    }
  }
  return result;
}

export interface MsSsimDiversity {
  definition: string;
  /** Mean MS-SSIM over the pairs scored (lower = more diverse). */
  mean: number;
  /** Standard deviation over those pairs. */
  std: number;
  pairs: number;
  scales: number;
}

/**
 * Mean pairwise MS-SSIM within a set of slices: every pair when there are at most `maxPairs` (default
 * 200), otherwise `maxPairs` distinct pairs drawn with a seeded generator. Undefined for fewer than two.
 */
export function msSsimDiversity(images: readonly ArrayLike<number>[], options: { size: number; seed: number; maxPairs?: number } & MsSsimOptions): MsSsimDiversity | undefined {
  const n = images.length;
  if (n < 2) return undefined;
  const maxPairs = options.maxPairs ?? 200;
  const all = (n * (n - 1)) / 2;
  const pairs: [number, number][] = [];
  if (all <= maxPairs) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  } else {
    const rng = createRng(deriveSeed(options.seed, 'ms-ssim'));
    const seen = new Set<number>();
    while (pairs.length < maxPairs) {
      const i = rng.int(n), j = rng.int(n);
      if (i === j) continue;
      const [p, q] = i < j ? [i, j] : [j, i];
      if (seen.has(p * n + q)) continue;
      seen.add(p * n + q);
      pairs.push([p, q]);
    }
  }
  const values = pairs.map(([i, j]) => msSsim(images[i]!, images[j]!, options.size, options));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const scales = msSsimScales(options.size);
  return {
    definition: `mean pairwise MS-SSIM (Wang et al. 2003) within the set, ${scales} scale${scales === 1 ? '' : 's'} at ${options.size}² (11×11 Gaussian σ 1.5, exponents renormalized); 1 = all alike, lower = more diverse`,
    mean,
    std: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length),
    pairs: values.length,
    scales,
  };
}
