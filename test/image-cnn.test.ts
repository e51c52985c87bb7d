import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { cnnDetectionC2ST, cnnKid, rotate90, trainSliceFeatures } from '../src/evaluate/image-cnn.js';
import { brainSlices as brainSlicesAt } from './helpers/brain-slices.js';
import { createRng } from '../src/rng.js';

/**
 * Issue 16: the image C2ST and KID with small CNNs trained in-process, on the brain-MR fixture series at 64²
 * (the default pipeline's size, so the slices are folded to 32² as a run folds them). Run on wasm, the CPU
 * backend a run uses, where the numbers are reproducible.
 */
const SIZE = 64;
let real: Float32Array[];
let even: Float32Array[];
let odd: Float32Array[];

beforeAll(async () => {
  expect((await initBackend({ backend: 'wasm' })).name).toBe('wasm');
  real = await brainSlicesAt(SIZE);
  even = real.filter((_, i) => i % 2 === 0);
  odd = real.filter((_, i) => i % 2 === 1);
});

describe('rotate90', () => {
  it('turns a slice counter-clockwise by quarter turns; four turns give it back', () => {
    // 2×2: [a b; c d] → [b d; a c].
    expect(Array.from(rotate90(Float32Array.of(1, 2, 3, 4), 2, 1))).toEqual([2, 4, 1, 3]);
    const img = real[7]!;
    expect(rotate90(rotate90(img, SIZE, 3), SIZE, 1)).toEqual(img);
    expect(rotate90(img, SIZE, 2)).toEqual(rotate90(rotate90(img, SIZE, 1), SIZE, 1));
  });
});

describe('image CNN C2ST', () => {
  it('tells upside-down slices from real ones, cannot tell the two halves of the series apart, and is seeded', async () => {
    const before = tf.memory().numTensors;
    // The same anatomy turned over: intensities, textures and every feature but position and orientation agree.
    const upsideDown = real.map((im) => rotate90(im, SIZE, 2));
    const bad = await cnnDetectionC2ST(real, upsideDown, { size: SIZE, seed: 1 });
    // Real against real: even and odd slices of the same volume.
    const same = await cnnDetectionC2ST(even, odd, { size: SIZE, seed: 1 });
    console.info(`image CNN C2ST: upside-down vs real AUC ${bad.auc.toFixed(3)} score ${bad.score.toFixed(3)}; even vs odd real slices AUC ${same.auc.toFixed(3)} score ${same.score.toFixed(3)}`);
    expect(bad.auc).toBeGreaterThan(0.9);
    expect(bad.score).toBeLessThan(0.2);
    expect(bad.slicesPerClass).toBe(20);
    expect(same.score).toBeGreaterThan(0.8);
    expect(same.slicesPerClass).toBe(10);
    expect(same).toMatchObject({ parameters: 6281, steps: 150 });
    expect(same.foldAucs).toHaveLength(3);
    expect(same.definition).toMatch(/^CNN C2ST: /);
    // Deterministic under the seed, and every network's tensors are freed.
    expect(await cnnDetectionC2ST(even, odd, { size: SIZE, seed: 1 })).toEqual(same);
    expect(tf.memory().numTensors).toBe(before);
    await expect(cnnDetectionC2ST(even.slice(0, 2), odd, { size: SIZE, seed: 1 })).rejects.toThrow('image CNN C2ST: needs at least 3 slices per class, got 2 real and 10 synthetic');
  });
});

describe('image KID on CNN features', () => {
  it('is near 0 for the other half of the series and larger for corrupted slices, on features of a network trained on real slices only', async () => {
    const before = tf.memory().numTensors;
    const features = await trainSliceFeatures(even, { size: SIZE, seed: 1 });
    try {
      // The pretext task (which of 4 rotations) is learned on the training slices.
      expect(features.pretextAccuracy).toBeGreaterThan(0.9);
      const rng = createRng(3);
      // "Synthetic" slices as the forest tests make them: the head's outline with noise inside.
      const noise = odd.map((r) => r.map((v) => (v > -0.8 ? rng.normal() * 0.3 : v)));
      const upsideDown = odd.map((im) => rotate90(im, SIZE, 2));
      const same = await cnnKid(features, even, odd, { seed: 1 });
      const noisy = await cnnKid(features, even, noise, { seed: 1 });
      const turned = await cnnKid(features, even, upsideDown, { seed: 1 });
      console.info(`image KID on CNN features: odd vs even real ${same.kid.toFixed(4)}; noise ${noisy.kid.toFixed(4)}; upside-down ${turned.kid.toFixed(4)}`);
      expect(same).toMatchObject({ features: 32, subsetSize: 10, subsets: 20 });
      expect(same.definition).toMatch(/rotation/);
      expect(Math.abs(same.kid)).toBeLessThan(0.1);
      // Measured: −0.068, 0.122 and 0.490.
      expect(noisy.kid - same.kid).toBeGreaterThan(0.1);
      expect(turned.kid - same.kid).toBeGreaterThan(0.3);
      expect(await cnnKid(features, even, odd, { seed: 1 })).toEqual(same);
    } finally {
      features.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
