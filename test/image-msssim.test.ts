import { describe, expect, it } from 'vitest';
import { msSsim, msSsimDiversity, msSsimScales } from '../src/evaluate/image-msssim.js';
import { createRng } from '../src/rng.js';
import { brainSlices } from './helpers/brain-slices.js';

/** Issue 16: diversity by MS-SSIM (Wang et al. 2003), mean pairwise within a set of slices. */

/** The test images of the NumPy/SciPy reference below, on a size × size grid. */
function pair(size: number): [Float64Array, Float64Array] {
  const a = new Float64Array(size * size), b = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = Math.sin(0.3 * x) * Math.cos(0.2 * y) + (0.1 * ((x * 7 + y * 13) % 11)) / 11;
      a[y * size + x] = v;
      b[y * size + x] = 0.8 * v + 0.3 * Math.sin(0.5 * (x + y));
    }
  }
  return [a, b];
}

/** 3×3 box blur, edges clamped. */
function blur(im: Float32Array, size: number): Float32Array {
  const out = new Float32Array(im.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) s += im[Math.min(size - 1, Math.max(0, y + dy)) * size + Math.min(size - 1, Math.max(0, x + dx))]!;
      out[y * size + x] = s / 9;
    }
  }
  return out;
}

describe('MS-SSIM', () => {
  it('matches an independent NumPy/SciPy implementation of msssim.m', () => {
    // python3: scipy.signal.convolve2d(·, 11×11 Gaussian σ 1.5, 'valid'); C1 = (0.01·2)², C2 = (0.03·2)²;
    // 2×2 means (np.pad 'symmetric' for odd sides); 3 scales, Wang's first three exponents renormalized.
    // a = sin(0.3x)·cos(0.2y) + 0.1·((7x + 13y) mod 11)/11, b = 0.8a + 0.3·sin(0.5(x + y)).
    expect(msSsim(...pair(48), 48)).toBeCloseTo(0.857615867508521, 10);
    expect(msSsim(...pair(45), 45)).toBeCloseTo(0.8592092426159852, 10); // odd sides: mirrored edge in downsampling
  });

  it('is 1 for identical images, symmetric, and lower for blurred and noisy copies', async () => {
    const size = 32;
    const [slice] = (await brainSlices(size)).slice(10);
    expect(msSsim(slice!, slice!, size)).toBeCloseTo(1, 12);
    const rng = createRng(1);
    const noisy = slice!.map((v) => v + rng.normal() * 0.2);
    const blurred = blur(slice!, size);
    const sNoise = msSsim(slice!, noisy, size), sBlur = msSsim(slice!, blurred, size);
    expect(sNoise).toBeLessThan(0.95);
    expect(sBlur).toBeLessThan(0.99);
    expect(sBlur).toBeGreaterThan(sNoise * 0.5);
    expect(msSsim(noisy, slice!, size)).toBeCloseTo(sNoise, 12);
    // More noise, lower similarity.
    const noisier = slice!.map((v) => v + rng.normal() * 0.5);
    expect(msSsim(slice!, noisier, size)).toBeLessThan(sNoise);
  });

  it('uses the scales that fit the 11-pixel window', () => {
    expect([10, 11, 20, 21, 32, 64, 128, 176, 256].map(msSsimScales)).toEqual([0, 1, 1, 2, 2, 3, 4, 5, 5]);
    expect(() => msSsim(new Float32Array(100), new Float32Array(100), 10)).toThrow('MS-SSIM: images must be at least 11×11, got 10×10');
  });

  it('scores a collapsed set 1 and varied brain slices lower; pairs sampled deterministically', async () => {
    const size = 32;
    const real = await brainSlices(size);
    const collapsed = msSsimDiversity(Array.from({ length: 5 }, () => real[10]!), { size, seed: 1 })!;
    expect(collapsed.mean).toBeCloseTo(1, 12);
    expect(collapsed.pairs).toBe(10);
    const varied = msSsimDiversity(real, { size, seed: 1 })!;
    expect(varied.pairs).toBe(190);
    expect(varied.mean).toBeLessThan(0.9);
    const sampled = msSsimDiversity(real, { size, seed: 1, maxPairs: 50 })!;
    expect(sampled.pairs).toBe(50);
    expect(Math.abs(sampled.mean - varied.mean)).toBeLessThan(0.05);
    expect(msSsimDiversity(real, { size, seed: 1, maxPairs: 50 })).toEqual(sampled);
    expect(msSsimDiversity(real.slice(0, 1), { size, seed: 1 })).toBeUndefined();
    console.info(`MS-SSIM diversity of the 20 brain slices at 32²: ${varied.mean.toFixed(3)} ± ${varied.std.toFixed(3)}`);
  });
});
