import { tf } from '../backend/index.js';
import { createRng } from '../rng.js';
import { denoise } from './denoiser.js';
import { sigmaSchedule, type EdmConfig } from './edm.js';
import type { Mlp } from './network.js';
import type { SamplerName } from './sampler-name.js';

export interface SamplerOptions {
  sampler: SamplerName;
  steps: number;
  seed: number;
  /** EDM Algorithm 2's S_churn (edm-stochastic only). */
  churn?: number;
  /**
   * Supplies the walk's k-th standard-normal draw (k = 0, 1, … in the order the sampler asks) instead of
   * `tf.randomNormal` seeded from `seed`. Lets a caller key noise to something steadier than the batch —
   * a table row's global index — so a row samples the same in any batch (sharded or streamed imputation).
   */
  noise?: (shape: readonly number[], k: number) => tf.Tensor;
}

/** D(x; σ): the denoiser a sampler walks with; tables and images plug their own in. */
export type DenoiseFn<T extends tf.Tensor> = (x: T, sigma: number) => T;

/**
 * Draw target entries given conditioning entries. `x0` holds the conditioning values (other entries are
 * ignored), `cond` is 1 on conditioning entries. Returns a [B, D] tensor whose conditioning entries equal x0.
 */
export function sampleBatch(net: Mlp, edm: EdmConfig, x0: tf.Tensor2D, cond: tf.Tensor2D, opts: SamplerOptions): tf.Tensor2D {
  const x = sampleEdm<tf.Tensor2D>((v, s) => denoise(net, edm, v, x0, cond, s), x0.shape, edm, opts);
  const out = tf.tidy(() => tf.add(tf.mul(x, tf.sub(1, cond)), tf.mul(x0, cond)) as tf.Tensor2D);
  x.dispose();
  return out;
}

/**
 * Walk the EDM σ schedule from x = σ_max·ε down to 0 with the chosen sampler; any tensor shape.
 */
export function sampleEdm<T extends tf.Tensor>(D: DenoiseFn<T>, shape: number[], edm: EdmConfig, opts: SamplerOptions): T {
  const sigmas = sigmaSchedule(opts.steps, edm);
  const rng = createRng(opts.seed);
  let draws = 0;
  const noise = (): T => (opts.noise ? opts.noise(shape, draws++) : tf.randomNormal(shape, 0, 1, 'float32', rng.int(2 ** 31))) as T;
  // Heun step from σ_a to σ_b given x at σ_a (EDM Algorithm 1, lines 4–8).
  const heun = (x: T, a: number, b: number): T => {
    const d = tf.div(tf.sub(x, D(x, a)), a);
    const xEuler = tf.add(x, tf.mul(d, b - a)) as T;
    if (b === 0) return xEuler;
    const d2 = tf.div(tf.sub(xEuler, D(xEuler, b)), b);
    return tf.add(x, tf.mul(tf.add(d, d2), (b - a) / 2)) as T;
  };
  let step: (x: T, i: number) => T;
  // DPM-Solver++(2M)'s previous denoised value (kept across the per-step tidy scopes).
  let previous: T | undefined;
  switch (opts.sampler) {
    case 'heun':
      step = (x, i) => heun(x, sigmas[i]!, sigmas[i + 1]!);
      break;
    case 'edm-stochastic': {
      // EDM Algorithm 2: raise σ by γ (add fresh noise), then a Heun step down.
      const gamma = Math.min((opts.churn ?? 10) / opts.steps, Math.SQRT2 - 1);
      step = (x, i) => {
        const s = sigmas[i]!;
        const sHat = s * (1 + gamma);
        const xHat = tf.add(x, tf.mul(noise(), Math.sqrt(sHat * sHat - s * s))) as T;
        return heun(xHat, sHat, sigmas[i + 1]!);
      };
      break;
    }
    case 'euler-maruyama':
      // Reverse-time VE SDE dx = −d[σ²]·∇log p dt + √(d[σ²]) dw̄ (Song et al. 2021, eq. 6), with the
      // score ∇log p = (D(x;σ) − x)/σ²; the last step to σ = 0 is the denoiser's mean (no added noise).
      step = (x, i) => {
        const a = sigmas[i]!, b = sigmas[i + 1]!;
        const den = D(x, a);
        if (b === 0) return den;
        const dv = a * a - b * b;
        const score = tf.div(tf.sub(den, x), a * a);
        return tf.add(tf.add(x, tf.mul(score, dv)), tf.mul(noise(), Math.sqrt(dv))) as T;
      };
      break;
    case 'dpmpp-2m':
      // DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2) in EDM's parameterisation (α = 1,
      // λ = −ln σ): x ← (σ'/σ)·x + (1 − σ'/σ)·D̂, with D̂ the denoised value extrapolated from the last two
      // steps, D̂ = (1 + 1/2r)·D_i − (1/2r)·D_{i−1}, r = h_{i−1}/h_i; first and last steps use D_i itself.
      // One network evaluation per step, second order.
      step = (x, i) => {
        const s = sigmas[i]!, next = sigmas[i + 1]!;
        const den = D(x, s);
        let dHat: T = den;
        if (previous && next > 0) {
          const r = Math.log(sigmas[i - 1]! / s) / Math.log(s / next);
          dHat = tf.sub(tf.mul(den, 1 + 1 / (2 * r)), tf.mul(previous, 1 / (2 * r))) as T;
        }
        previous?.dispose();
        previous = next > 0 ? tf.keep(den) : undefined;
        if (next === 0) return dHat;
        return tf.add(tf.mul(x, next / s), tf.mul(dHat, 1 - next / s)) as T;
      };
      break;
    default:
      throw new Error(`unknown sampler ${String(opts.sampler)}`);
  }
  let x = tf.tidy(() => tf.mul(noise(), sigmas[0]!) as T);
  for (let i = 0; i < opts.steps; i++) {
    const next = tf.tidy(() => step(x, i));
    x.dispose();
    x = next;
  }
  (previous as T | undefined)?.dispose();
  return x;
}
