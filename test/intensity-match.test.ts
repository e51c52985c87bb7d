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

describe('matchIntensities with the slice size: the floor in one piece', () => {
  // 32×32 slices: a head (disk of radius 11) of tissue with dark spots, air outside it. Real air is exactly
  // the floor; the sampler's air is noise around it, a hundredth above on average, and darker than the dark
  // spots in places, so ranking raw values alone puts speckle of both on the floor.
  const size = 32;
  const rng = createRng(11);
  const inHead = (i: number) => Math.hypot((i % size) - 15.5, Math.floor(i / size) - 15.5) < 11;
  const airFar = (i: number) => Math.hypot((i % size) - 15.5, Math.floor(i / size) - 15.5) > 13;
  const darkSpot = (i: number) => inHead(i) && i % 7 === 0 && Math.hypot((i % size) - 15.5, Math.floor(i / size) - 15.5) < 9;
  const slice = (air: () => number) =>
    Float32Array.from({ length: size * size }, (_, i) => (!inHead(i) ? air() : darkSpot(i) ? Math.max(-1, -0.99 + 0.005 * rng.normal()) : Math.tanh(rng.normal()) * 0.7));
  const train = [slice(() => -1), slice(() => -1), slice(() => -1)];
  const q = intensityQuantiles(train);
  const floorShare = (a: Float32Array[]) => a.reduce((s, im) => s + im.filter((v) => v === -1).length, 0) / a.reduce((s, im) => s + im.length, 0);
  const synthetic = [slice(() => -0.99 + 0.01 * rng.normal()), slice(() => -0.99 + 0.01 * rng.normal())];

  it('puts all the air on the floor, no dark tissue, at the training floor share', () => {
    const before = synthetic.map((s) => s.slice());
    const out = matchIntensities(synthetic, q, size);
    expect(synthetic).toEqual(before);
    for (const im of out) {
      for (let i = 0; i < im.length; i++) {
        if (airFar(i)) expect(im[i]).toBe(-1);
        if (darkSpot(i)) expect(im[i]).toBeGreaterThan(-1);
      }
    }
    expect(Math.abs(floorShare(out) - floorShare(train))).toBeLessThan(1 / (INTENSITY_QUANTILES - 1) + 1 / 2048);
    // Without the size (the pooled rank map), air pixels stay above the floor and dark spots go on it.
    const ranked = matchIntensities(synthetic, q);
    expect(ranked.some((im) => im.some((v, i) => airFar(i) && v > -1))).toBe(true);
    expect(ranked.some((im) => im.some((v, i) => darkSpot(i) && v === -1))).toBe(true);
  });

  it('keeps the raw order above the floor and the training quantiles', () => {
    const out = matchIntensities(synthetic, q, size);
    const x = synthetic.flatMap((s) => Array.from(s)), y = out.flatMap((s) => Array.from(s));
    const above = x.map((_, i) => i).filter((i) => y[i]! > -1).sort((a, b) => x[a]! - x[b]!);
    for (let k = 1; k < above.length; k++) expect(y[above[k]!]!).toBeGreaterThanOrEqual(y[above[k - 1]!]!);
    const qo = intensityQuantiles(out);
    for (const k of [0, 250, 500, 750, 1000]) expect(Math.abs(qo[k]! - q[k]!)).toBeLessThan(0.02);
  });

  it('rejects a slice that is not size × size', () => {
    expect(() => matchIntensities([new Float32Array(100)], q, size)).toThrow(RangeError);
  });
});
