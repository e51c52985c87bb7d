import { describe, expect, it } from 'vitest';
import { imageKid, mmdPolynomial } from '../src/evaluate/image-kid.js';
import { brainSlices as brainSlicesAt } from './helpers/brain-slices.js';
import { createRng } from '../src/rng.js';

/** Issue 16: an image fidelity metric beside the C2ST — KID (unbiased polynomial-kernel MMD²) on slice features. */
const SIZE = 32;
const brainSlices = () => brainSlicesAt(SIZE);

describe('KID', () => {
  it('is the unbiased MMD² under (xᵀy/d + 1)³ (worked by hand)', () => {
    // d = 1, X = {0, 1}, Y = {2, 3}: within X k(0,1) = 1; within Y k(2,3) = 7³ = 343;
    // across: k(0,2) = k(0,3) = 1, k(1,2) = 27, k(1,3) = 64, mean 93/4. MMD² = 1 + 343 − 2·23.25 = 297.5.
    const f = (v: number) => Float64Array.of(v);
    expect(mmdPolynomial([f(0), f(1)], [f(2), f(3)])).toBeCloseTo(297.5, 10);
    expect(mmdPolynomial([f(2), f(3)], [f(0), f(1)])).toBeCloseTo(297.5, 10);
  });

  it('is unbiased: near 0 for two samples of one distribution, clearly above 0 for shifted ones', () => {
    const rng = createRng(5);
    const sample = (n: number, shift: number) => Array.from({ length: n }, () => Float64Array.from({ length: 4 }, () => rng.normal() + shift));
    let same = 0;
    for (let r = 0; r < 50; r++) same += mmdPolynomial(sample(30, 0), sample(30, 0)) / 50;
    const shifted = mmdPolynomial(sample(30, 0), sample(30, 1));
    expect(Math.abs(same)).toBeLessThan(0.05);
    expect(shifted).toBeGreaterThan(0.5);
  });

  it('puts noise far from brain slices and brain slices near brain slices, deterministically', async () => {
    const real = await brainSlices();
    const rng = createRng(3);
    const noise = real.map((r) => r.map((v) => (v > -0.8 ? rng.normal() * 0.3 : v)));
    const even = real.filter((_, i) => i % 2 === 0);
    const odd = real.filter((_, i) => i % 2 === 1);
    const bad = imageKid(even, noise, { size: SIZE, seed: 1 });
    const same = imageKid(even, odd, { size: SIZE, seed: 1 });
    console.info(`image KID: noise vs real ${bad.kid.toFixed(3)} ± ${bad.std.toFixed(3)}; odd vs even real slices ${same.kid.toFixed(3)} ± ${same.std.toFixed(3)}`);
    expect(bad.features).toBe(74);
    expect(bad.subsetSize).toBe(10);
    expect(bad.kid).toBeGreaterThan(0.05);
    expect(bad.kid - same.kid).toBeGreaterThan(0.1);
    expect(Math.abs(same.kid)).toBeLessThan(bad.kid);
    expect(imageKid(even, noise, { size: SIZE, seed: 1 })).toEqual(bad);
    expect(() => imageKid(even.slice(0, 1), noise, { size: SIZE, seed: 1 })).toThrow('image KID: needs at least 2 slices per set, got 1 real and 20 synthetic');
  });
});
