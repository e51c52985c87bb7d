/**
 * Rényi-DP accountant for DP-SGD: the sampled Gaussian mechanism (SGM) of Mironov, Talwar & Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (Section 3.3: log A_α for integer and
 * fractional orders), composed over steps by adding RDP, converted to (ε, δ) with Balle et al. 2020,
 * "Hypothesis Testing Interpretations and Rényi Differential Privacy", Theorem 21 — the same formulas,
 * orders and conversion as Opacus' `RDPAccountant` (opacus/accountants/analysis/rdp.py), so ε here is
 * Opacus' ε for the same (q, σ, steps, δ). Neighbouring data sets differ by adding or removing one row
 * (the relation Poisson sampling's amplification holds for).
 */

/** Opacus' default orders: 1.1 … 10.9 in steps of 0.1, then 12 … 63. */
export const DEFAULT_ORDERS: readonly number[] = [...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10), ...Array.from({ length: 52 }, (_, k) => 12 + k)];

/** log(e^x + e^y) without overflow. */
function logAdd(x: number, y: number): number {
  const a = Math.min(x, y), b = Math.max(x, y);
  if (a === -Infinity) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/** log(e^x − e^y) for x ≥ y. */
function logSub(x: number, y: number): number {
  if (x < y) throw new Error('rdp: log-space subtraction would be negative');
  if (y === -Infinity) return x;
  if (x === y) return -Infinity;
  const d = Math.expm1(x - y);
  return Number.isFinite(d) ? Math.log(d) + y : x;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Binomial coefficient C(α, i) for real α and integer i ≥ 0, as a product (exact sign; α ≤ ~200 here). */
function binom(alpha: number, i: number): number {
  let c = 1;
  for (let k = 0; k < i; k++) c = (c * (alpha - k)) / (k + 1);
  return c;
}

/** log C(n, i) for integers, through log Γ (no overflow at large n). */
function logBinomInt(n: number, i: number): number {
  return logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
}

/**
 * log erfc(x) with relative precision in both tails: the Maclaurin series of erf below |x| = 1.5, the
 * continued fraction erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))) above (Lentz's method).
 */
export function logErfc(x: number): number {
  if (x < -1.5) return Math.log(2 - Math.exp(logErfc(-x)));
  if (x < 1.5) {
    // erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n+1))
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.log(1 - (2 / Math.sqrt(Math.PI)) * sum);
  }
  // Modified Lentz on erfc(x)·√π·e^{x²} = 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
  const tiny = 1e-300;
  let f = x, C = x, D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = Math.abs(D) < tiny ? tiny : D;
    C = x + a / C;
    C = Math.abs(C) < tiny ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
}

/** log A_α for integer α (Mironov et al. 2019, Section 3.3): Σᵢ C(α,i) qⁱ (1−q)^{α−i} exp((i²−i)/(2σ²)). */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    const s = logBinomInt(alpha, i) + i * Math.log(q) + (alpha - i) * Math.log(1 - q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** log A_α for fractional α: the two half-line integrals split at z₀ = σ² ln(1/q − 1) + ½, as series. */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let a0 = -Infinity, a1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  for (let i = 0; ; i++) {
    const coef = binom(alpha, i);
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const t0 = logCoef + i * Math.log(q) + j * Math.log(1 - q);
    const t1 = logCoef + j * Math.log(q) + i * Math.log(1 - q);
    const e0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const e1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const s0 = t0 + (i * i - i) / (2 * sigma * sigma) + e0;
    const s1 = t1 + (j * j - j) / (2 * sigma * sigma) + e1;
    if (coef > 0) {
      a0 = logAdd(a0, s0);
      a1 = logAdd(a1, s1);
    } else {
      a0 = logSub(a0, s0);
      a1 = logSub(a1, s1);
    }
    if (Math.max(s0, s1) < -30) break;
  }
  return logAdd(a0, a1);
}

/** RDP at order α of one step of the SGM with sampling rate q and noise multiplier σ. */
export function sgmRdp(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  return (Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha)) / (alpha - 1);
}

/** RDP curve of `steps` SGM steps at each order. */
export function sgmRdpCurve(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  return Float64Array.from(orders, (a) => steps * sgmRdp(q, sigma, a));
}

/** RDP curve of a Gaussian mechanism with L2 sensitivity 1 and noise std z (α / 2z², no sampling). */
export function gaussianRdpCurve(z: number, orders: readonly number[] = DEFAULT_ORDERS): Float64Array {
  return Float64Array.from(orders, (a) => a / (2 * z * z));
}

/**
 * (ε, δ) from an RDP curve, Balle et al. 2020 Theorem 21 (Opacus' `get_privacy_spent`):
 * ε = min_α RDP(α) − (ln δ + ln α)/(α − 1) + ln((α − 1)/α).
 */
export function rdpToEpsilon(rdp: ArrayLike<number>, delta: number, orders: readonly number[] = DEFAULT_ORDERS): { epsilon: number; order: number } {
  let best = Infinity, order = NaN;
  orders.forEach((a, k) => {
    const e = rdp[k]! - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
    if (e < best) {
      best = e;
      order = a;
    }
  });
  return { epsilon: Math.max(best, 0), order };
}

/** ε after `steps` SGM steps (plus any RDP already spent, e.g. by the encoders' statistics). */
export function sgmEpsilon(q: number, sigma: number, steps: number, delta: number, base?: ArrayLike<number>, orders: readonly number[] = DEFAULT_ORDERS): number {
  const rdp = sgmRdpCurve(q, sigma, steps, orders);
  if (base) rdp.forEach((v, k) => (rdp[k] = v + base[k]!));
  return rdpToEpsilon(rdp, delta, orders).epsilon;
}

/**
 * The smallest noise multiplier (to 0.1%) for which `steps` SGM steps at rate q (plus `base`) stay within
 * ε at δ; Infinity if even pure noise would not (`base` alone spends more). Bisection on σ, as Opacus'
 * `get_noise_multiplier` (ε decreases in σ).
 */
export function noiseForEpsilon(epsilon: number, delta: number, q: number, steps: number, base?: ArrayLike<number>, orders: readonly number[] = DEFAULT_ORDERS): number {
  if (base && rdpToEpsilon(base, delta, orders).epsilon >= epsilon) return Infinity;
  let lo = 0, hi = 10;
  while (sgmEpsilon(q, hi, steps, delta, base, orders) > epsilon) {
    lo = hi;
    hi *= 2;
    if (hi > 1e6) return Infinity;
  }
  while (hi - lo > 1e-3 * hi) {
    const mid = (lo + hi) / 2;
    if (sgmEpsilon(q, mid, steps, delta, base, orders) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The Gaussian noise std (sensitivity 1) whose release alone spends ε at δ under the same conversion. */
export function gaussianNoiseForEpsilon(epsilon: number, delta: number, orders: readonly number[] = DEFAULT_ORDERS): number {
  let lo = 0, hi = 1;
  while (rdpToEpsilon(gaussianRdpCurve(hi, orders), delta, orders).epsilon > epsilon) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1e-4 * hi) {
    const mid = (lo + hi) / 2;
    if (rdpToEpsilon(gaussianRdpCurve(mid, orders), delta, orders).epsilon > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}
