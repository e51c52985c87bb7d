import { standardize } from './memorization.js';

/**
 * Fidelity and diversity of synthetic images, in the units users know:
 *  - intensity histograms of real and synthetic pixels in modality units (HU, MR signal), on shared bins,
 *    with their overlap 1 − TV distance (1: identical distributions; SDMetrics' TVComplement);
 *  - diversity: mean pairwise 1 − NCC within the synthetic set, next to the same figure for the real
 *    training images (a collapsed generator scores near 0; matching the real figure is the goal).
 */

export interface IntensityHistogram {
  definition: string;
  /** bins + 1 edges in modality units. */
  edges: number[];
  /** Fraction of pixels per bin (sums to 1). */
  real: number[];
  synthetic: number[];
  /** 1 − total variation distance between the two histograms. */
  overlap: number;
  realMean: number;
  syntheticMean: number;
  realStd: number;
  syntheticStd: number;
}

function moments(images: readonly Float32Array[]): { mean: number; std: number; min: number; max: number } {
  let n = 0, s = 0, ss = 0, min = Infinity, max = -Infinity;
  for (const im of images) {
    for (const v of im) {
      n++;
      s += v;
      ss += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, ss / n - mean * mean)), min, max };
}

function histogram(images: readonly Float32Array[], lo: number, width: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  for (const im of images) {
    for (const v of im) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
      counts[b]!++;
      n++;
    }
  }
  return counts.map((c) => c / Math.max(n, 1));
}

/** Histograms of real and synthetic pixel values (modality units) over their common range. */
export function intensityHistograms(real: readonly Float32Array[], synthetic: readonly Float32Array[], bins = 40): IntensityHistogram {
  const r = moments(real), s = moments(synthetic);
  const lo = Math.min(r.min, s.min), hi = Math.max(r.max, s.max);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const hr = histogram(real, lo, width, bins), hs = histogram(synthetic, lo, width, bins);
  const tv = 0.5 * hr.reduce((acc, v, i) => acc + Math.abs(v - hs[i]!), 0);
  return {
    definition: 'pixel intensities in modality units on shared bins; overlap = 1 − total variation distance',
    edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width),
    real: hr,
    synthetic: hs,
    overlap: 1 - tv,
    realMean: r.mean,
    syntheticMean: s.mean,
    realStd: r.std,
    syntheticStd: s.std,
  };
}

/** Mean pairwise dissimilarity 1 − NCC within a set (0: all identical); NaN for fewer than two images. */
export function meanPairwiseDissimilarity(images: readonly Float32Array[]): number {
  const z = images.map(standardize);
  let s = 0, n = 0;
  for (let i = 0; i < z.length; i++) {
    for (let j = i + 1; j < z.length; j++) {
      let d = 0;
      const a = z[i]!, b = z[j]!;
      for (let k = 0; k < a.length; k++) d += a[k]! * b[k]!;
      s += 1 - d;
      n++;
    }
  }
  return n ? s / n : NaN;
}
