import { describe, expect, it } from 'vitest';
import { gaussianNoiseForEpsilon, gaussianRdpCurve, logErfc, noiseForEpsilon, rdpToEpsilon, sgmEpsilon } from '../src/diffusion/rdp.js';

/**
 * The RDP accountant against published figures. Opacus' own test (pytorch/opacus,
 * opacus/tests/accountants_test.py, `test_rdp_accountant`) states ε = 7.32911117143 for q = 0.04, σ = 1.5,
 * 2,250 steps (90 epochs), δ = 1e-5, and `test_get_noise_multiplier` σ = 1.425307617 for ε = 8 over the
 * same steps (Opacus' bisection stops within 0.01 of ε, so its σ sits a little above the exact one).
 * The other rows come from test/reference/rdp_reference.py (numpy/scipy, the same published formulas).
 */
describe('RDP accountant (sampled Gaussian mechanism, Balle et al. 2020 conversion)', () => {
  it("matches Opacus' published ε for q = 0.04, σ = 1.5, 2,250 steps, δ = 1e-5 within 1%", () => {
    const eps = sgmEpsilon(0.04, 1.5, 2250, 1e-5);
    expect(Math.abs(eps - 7.32911117143) / 7.32911117143).toBeLessThan(0.01);
    // In fact to 1e-9: the optimum is the fractional order 3.9, so the fractional-α series is exercised.
    expect(eps).toBeCloseTo(7.32911117143, 9);
  });

  it('matches the Python reference at integer and fractional optimal orders', () => {
    const cases: [number, number, number, number, number][] = [
      [256 / 60000, 1.1, 14062, 1e-5, 2.5965558689607486], // TF-Privacy's MNIST tutorial setting (60 epochs of 60,000 at batch 256)
      [0.07, 3.0, 1000, 1e-4, 3.084378694983335],
      [0.1, 0.8, 200, 1e-5, 17.181448434560323],
      [0.01, 5.0, 10000, 1e-6, 0.9141312879476748], // optimum at the integer order 24
    ];
    for (const [q, s, steps, delta, ref] of cases) expect(Math.abs(sgmEpsilon(q, s, steps, delta) - ref) / ref).toBeLessThan(1e-6);
  });

  it("chooses the noise multiplier for a target ε (Opacus: 1.4253 for ε = 8), and that σ spends at most ε", () => {
    const sigma = noiseForEpsilon(8, 1e-5, 0.04, 2250);
    expect(Math.abs(sigma - 1.425307617) / 1.425307617).toBeLessThan(0.01);
    expect(sgmEpsilon(0.04, sigma, 2250, 1e-5)).toBeLessThanOrEqual(8);
    expect(sgmEpsilon(0.04, sigma * 0.995, 2250, 1e-5)).toBeGreaterThan(8);
  });

  it('adds a base RDP curve (the encoder statistics) before converting', () => {
    const z = gaussianNoiseForEpsilon(0.3, 1e-5);
    expect(rdpToEpsilon(gaussianRdpCurve(z), 1e-5).epsilon).toBeCloseTo(0.3, 3);
    const base = gaussianRdpCurve(z);
    const withBase = noiseForEpsilon(3, 1e-5, 0.05, 500, base);
    expect(withBase).toBeGreaterThan(noiseForEpsilon(3, 1e-5, 0.05, 500));
    expect(sgmEpsilon(0.05, withBase, 500, 1e-5, base)).toBeLessThanOrEqual(3);
    expect(noiseForEpsilon(0.2, 1e-5, 0.05, 500, base)).toBe(Infinity);
  });

  it('log erfc agrees with scipy (log 2 + log_ndtr(−x√2)) in both tails', () => {
    const ref: [number, number][] = [[-3, 0.6931361352504468], [0.5, -0.7350111298370848], [1.49, -3.3494933196824856], [1.51, -3.419669387366609], [10, -102.87988902484493], [30, -903.9741171106442]];
    for (const [x, v] of ref) expect(Math.abs(logErfc(x) - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v)));
  });
});
