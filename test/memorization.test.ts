import { describe, expect, it } from 'vitest';
import { assessMemorization, ncc, quantile, TrainingIndex } from '../src/evaluate/memorization.js';
import { intensityHistograms, meanPairwiseDissimilarity } from '../src/evaluate/image-fidelity.js';
import { flipLeftRight } from '../src/io/dicom/preprocess.js';
import { createRng, type Rng } from '../src/rng.js';

const SIZE = 32;

/**
 * A "scan": a bright ellipse of random size and position (the body) with a few random blobs inside
 * (structures) on a dark background. Independent draws resemble each other the way different patients'
 * slices do: same layout, different details.
 */
function scan(rng: Rng): Float32Array {
  const img = new Float32Array(SIZE * SIZE);
  const cx = SIZE / 2 + (rng.next() - 0.5) * 4, cy = SIZE / 2 + (rng.next() - 0.5) * 4;
  const rx = 10 + rng.next() * 4, ry = 11 + rng.next() * 4;
  const blobs = Array.from({ length: 5 }, () => ({ x: cx + (rng.next() - 0.5) * 12, y: cy + (rng.next() - 0.5) * 12, r: 1.5 + rng.next() * 3, v: (rng.next() - 0.5) * 1.2 }));
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let v = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1 ? 0.3 : -1;
      if (v > -1) for (const b of blobs) v += b.v * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
      img[y * SIZE + x] = v + 0.02 * rng.normal();
    }
  }
  return img;
}

/** A copy as it would come back from export: quantised to 12 bits over [−1, 1], plus a little noise. */
function exportedCopy(img: Float32Array, rng: Rng): Float32Array {
  return img.map((v) => Math.round(((v + 1) / 2) * 4095) / 4095 * 2 - 1 + 0.005 * rng.normal());
}

const rng = createRng(11);
const training = Array.from({ length: 12 }, () => scan(rng));
const holdout = Array.from({ length: 4 }, () => scan(rng));
const fresh = Array.from({ length: 100 }, () => scan(rng));

describe('NCC', () => {
  it('is 1 for an image and any brightness/contrast change of it, and symmetric', () => {
    const a = training[0]!;
    expect(ncc(a, a.map((v) => 3 * v + 7))).toBeCloseTo(1, 6);
    expect(ncc(a, training[1]!)).toBeCloseTo(ncc(training[1]!, a), 6);
    expect(ncc(a, a.map((v) => -v))).toBeCloseTo(-1, 6);
  });

  it('finds mirrored training images', () => {
    const index = new TrainingIndex(training, SIZE);
    const m = index.nearest(flipLeftRight(training[5]!, SIZE));
    expect(m).toMatchObject({ index: 5, mirrored: true });
    expect(m.similarity).toBeCloseTo(1, 6);
  });
});

describe('assessMemorization', () => {
  const control = exportedCopy(training[2]!, createRng(1));

  it('flags a planted copy (the positive control) and not new real images', () => {
    const r = assessMemorization({ training, holdout, synthetic: fresh, control, controlIndex: 2 }, { size: SIZE });
    expect(r.positiveControl).toMatchObject({ trainingIndex: 2, flagged: true });
    expect(r.positiveControl.similarity).toBeGreaterThan(0.99);
    // Threshold: halfway from the most similar held-out image (h) to an exact copy.
    const h = Math.max(...r.calibration.holdoutNearest);
    expect(r.calibration.reference).toBe(h);
    expect(r.threshold).toBeCloseTo(h + 0.5 * (1 - h), 12);
    expect(r.threshold).toBeLessThan(0.99);
    // Fresh real images (not used for calibration) stand in for a generator that did not copy: many are
    // more similar to training than the 4 held-out ones (h is a max of 4), but none by the margin.
    expect(r.synthetic.nearest.filter((m) => m.similarity > h).length).toBeGreaterThan(0);
    expect(r.synthetic.nearCopyRate).toBeLessThanOrEqual(0.01);
    expect(r.blocked).toBe(false);
    expect(r.reason).toBeUndefined();
  });

  it('blocks export when more than 1% of the synthetic images are near-copies, and names them', () => {
    const copyRng = createRng(2);
    const synthetic = [...fresh.slice(0, 98), exportedCopy(training[7]!, copyRng), flipLeftRight(exportedCopy(training[3]!, copyRng), SIZE)];
    const r = assessMemorization({ training, holdout, synthetic, control, controlIndex: 2 }, { size: SIZE });
    expect(r.synthetic.nearCopies).toEqual(expect.arrayContaining([98, 99]));
    expect(r.synthetic.nearest[98]).toMatchObject({ index: 7, mirrored: false });
    expect(r.synthetic.nearest[99]).toMatchObject({ index: 3, mirrored: true });
    expect(r.synthetic.nearCopyRate).toBeGreaterThan(0.01);
    expect(r.blocked).toBe(true);
    expect(r.reason).toMatch(/near-copies of training images .* the limit is 1%/);
  });

  it('allows exactly 1% (the rule is "more than 1%")', () => {
    const synthetic = [...fresh.slice(0, 99), exportedCopy(training[7]!, createRng(3))];
    const r = assessMemorization({ training, holdout, synthetic, control, controlIndex: 2 }, { size: SIZE });
    const others = r.synthetic.nearCopies.filter((i) => i !== 99);
    expect(r.synthetic.nearCopies).toContain(99);
    expect(r.blocked).toBe(others.length > 0);
  });

  it('refuses to vouch for anything when held-out images are as close as copies (control not flagged)', () => {
    // Held-out slices that duplicate training slices: the calibrated threshold reaches a copy's score.
    const dupHoldout = [training[0]!.slice(), training[1]!.slice()];
    const r = assessMemorization({ training, holdout: dupHoldout, synthetic: fresh.slice(0, 10), control, controlIndex: 2 }, { size: SIZE });
    expect(r.positiveControl.flagged).toBe(false);
    expect(r.blocked).toBe(true);
    expect(r.reason).toMatch(/failed its positive control/);
  });

  it('takes a quantile of many held-out similarities as h', () => {
    expect(quantile([0.1, 0.2, 0.3, 0.4, 0.5], 0.5)).toBe(0.3);
    const r = assessMemorization({ training, holdout: fresh.slice(0, 50), synthetic: fresh.slice(50), control, controlIndex: 2 }, { size: SIZE, quantile: 0.9, margin: 0.25 });
    expect(r.calibration.reference).toBeCloseTo(quantile(r.calibration.holdoutNearest, 0.9), 12);
    expect(r.threshold).toBeCloseTo(r.calibration.reference + 0.25 * (1 - r.calibration.reference), 12);
  });

  it('needs held-out images to calibrate', () => {
    expect(() => assessMemorization({ training, holdout: [], synthetic: fresh, control, controlIndex: 0 }, { size: SIZE })).toThrow(/held-out/);
  });
});

describe('image fidelity', () => {
  it('histogram overlap is 1 for the same pixels and low for shifted ones; diversity is 0 for clones', () => {
    const same = intensityHistograms(training, training);
    expect(same.overlap).toBeCloseTo(1, 10);
    expect(same.real.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    const shifted = intensityHistograms(training, training.map((t) => t.map((v) => v + 1.5)));
    expect(shifted.overlap).toBeLessThan(0.5);
    expect(meanPairwiseDissimilarity([training[0]!, training[0]!, training[0]!])).toBeCloseTo(0, 6);
    expect(meanPairwiseDissimilarity(training)).toBeGreaterThan(0.05);
  });
});
