/**
 * DP-SGD's clipped gradient sum (ghost norms, Mlp.clippedGradients) against per-example gradients
 * computed the slow way: one row at a time through the MLP's training op (its custom backward) with
 * tfjs's tf.variableGrads, each gradient's norm taken over every parameter, clipped, and summed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { edmClippedGradients, edmLoss } from '../src/diffusion/denoiser.js';
import { EDM_DEFAULTS } from '../src/diffusion/edm.js';
import { Mlp, initParameters, type MlpConfig } from '../src/diffusion/network.js';
import { createRng } from '../src/rng.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function batch(B: number, D: number, seed: number) {
  const rng = createRng(seed);
  const arr = (f: () => number) => Float32Array.from({ length: B * D }, f);
  const target = arr(() => (rng.next() < 0.6 ? 1 : 0));
  const cond = Float32Array.from(target, (t) => (t ? 0 : rng.next() < 0.5 ? 1 : 0));
  return {
    x0: tf.tensor2d(arr(() => rng.normal()), [B, D]),
    cond: tf.tensor2d(cond, [B, D]),
    target: tf.tensor2d(target, [B, D]),
    sigma: tf.tensor2d(Float32Array.from({ length: B }, () => Math.exp(-0.5 + 1.4 * rng.normal())), [B, 1]),
    noise: tf.tensor2d(arr(() => rng.normal()), [B, D]),
  };
}

describe('ghost clipping', () => {
  const cfg: MlpConfig = { dim: 7, width: 32, depth: 3, timeDim: 16 };
  const B = 12;

  it('per-row norms and the clipped sum equal per-example gradients computed one row at a time', async () => {
    const init = initParameters(cfg, createRng(3));
    const rng = createRng(4);
    for (const v of init) for (let i = 0; i < v.length; i++) v[i] = v[i]! + 0.2 * rng.normal();
    const net = Mlp.create(cfg, init, true, 'clip.');
    const b = batch(B, cfg.dim, 5);
    const rows = (t: tf.Tensor2D, i: number) => tf.slice(t, [i, 0], [1, t.shape[1]!]) as tf.Tensor2D;
    // The slow way: B separate backward passes.
    const slow: Float32Array[][] = [];
    const slowNorms: number[] = [];
    for (let i = 0; i < B; i++) {
      const { grads } = tf.variableGrads(() => edmLoss(net, EDM_DEFAULTS, rows(b.x0, i), rows(b.cond, i), rows(b.target, i), rows(b.sigma, i), rows(b.noise, i)), net.params);
      const g = await Promise.all(net.params.map(async (p) => Float32Array.from(await grads[p.name]!.data())));
      tf.dispose(grads);
      slow.push(g);
      slowNorms.push(Math.sqrt(g.reduce((s, x) => s + x.reduce((a, v) => a + v * v, 0), 0)));
    }
    const sorted = [...slowNorms].sort((a, c) => a - c);
    // A clip norm at the median: half the rows are clipped, half are not.
    const clip = sorted[B / 2]!;
    const fast = tf.tidy(() => edmClippedGradients(net, EDM_DEFAULTS, b.x0, b.cond, b.target, b.sigma, b.noise, clip));
    const norms = await fast.norms.data();
    for (let i = 0; i < B; i++) expect(Math.abs(norms[i]! - slowNorms[i]!) / slowNorms[i]!).toBeLessThan(1e-4);
    for (let k = 0; k < net.params.length; k++) {
      const got = await fast.grads[k]!.data();
      const want = new Float64Array(got.length);
      slow.forEach((g, i) => {
        const c = Math.min(1, clip / (slowNorms[i]! + 1e-6));
        g[k]!.forEach((v, j) => (want[j]! += c * v));
      });
      const scale = Math.max(...want.map(Math.abs), 1e-6);
      let maxErr = 0;
      got.forEach((v, j) => (maxErr = Math.max(maxErr, Math.abs(v - want[j]!))));
      expect(maxErr / scale, net.params[k]!.name).toBeLessThan(1e-4);
    }
    // Every clipped row's contribution has norm ≤ C, so the sum's norm is ≤ B·C.
    const total = Math.sqrt((await Promise.all(fast.grads.map((g) => tf.sum(tf.square(g)).data()))).reduce((s, x) => s + x[0]!, 0));
    expect(total).toBeLessThanOrEqual(B * clip * (1 + 1e-5));
    tf.dispose([...fast.grads, fast.norms, fast.loss, b.x0, b.cond, b.target, b.sigma, b.noise]);
    net.dispose();
  });
});
