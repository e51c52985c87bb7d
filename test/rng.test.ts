import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, permutation } from '../src/rng.js';

describe('createRng', () => {
  it('repeats for the same seed and differs across seeds', () => {
    const a = createRng(7), b = createRng(7), c = createRng(8);
    const xa = [a.next(), a.next(), a.normal()];
    expect([b.next(), b.next(), b.normal()]).toEqual(xa);
    expect(c.next()).not.toBe(xa[0]);
  });
  it('draws normals with mean ~0 and sd ~1', () => {
    const r = createRng(1);
    let s = 0, s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(0.03);
  });
  it('permutes every index once and derives distinct seeds', () => {
    const p = Array.from(permutation(100, createRng(3))).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
    expect(deriveSeed(1, 'a')).toBe(deriveSeed(1, 'a'));
  });
});
