import { describe, expect, it } from 'vitest';
import { INTENSITY_QUANTILES, intensityQuantiles, matchIntensities } from '../src/io/dicom/preprocess.js';
import { createRng } from '../src/rng.js';

describe('matchIntensities (histogram matching of synthetic slices onto the training pixels)', () => {
  // Training-like slices: a third air at exactly −1, the rest spread over the window.
  const rng = createRng(4);
  const slice = (offset: number) => Float32Array.from({ length: 256 }, (_, i) => (i % 3 === 0 ? -1 + offset : Math.tanh(rng.normal()) * 0.8 + offset));
  const train = [slice(0), slice(0), slice(0)];
  const q = intensityQuantiles(train);

  it('keeps the training quantiles: first and last are the extremes', () => {
    expect(q).toHaveLength(INTENSITY_QUANTILES);
    expect(q[0]).toBe(-1);
    expect(q.at(-1)).toBe(Math.max(...train.flatMap((t) => Array.from(t))));
  });

  it('puts air back at the floor, keeps each pixel\'s rank, and leaves the input untouched', () => {
    // The sampler's air sits a few hundredths above the floor.
    const synthetic = [slice(0.02), slice(0.03)];
    const before = synthetic.map((s) => s.slice());
    const out = matchIntensities(synthetic, q);
    expect(synthetic).toEqual(before);
    const air = (s: Float32Array) => Array.from(s).filter((v) => v === -1).length / s.length;
    expect(air(synthetic[0]!)).toBe(0);
    // About a third of the pooled pixels land exactly on −1, as in training.
    expect(Math.abs((air(out[0]!) + air(out[1]!)) / 2 - 1 / 3)).toBeLessThan(0.02);
    const flat = (a: Float32Array[]) => a.flatMap((s) => Array.from(s));
    const x = flat(synthetic), y = flat(out);
    for (let i = 1; i < x.length; i++) if (x[i]! > x[i - 1]!) expect(y[i]!).toBeGreaterThanOrEqual(y[i - 1]!);
    // The matched pixels' quantiles are the training ones.
    const qo = intensityQuantiles(out);
    for (const k of [0, 250, 500, 750, 1000]) expect(Math.abs(qo[k]! - q[k]!)).toBeLessThan(0.02);
  });
});
