/**
 * The fast training step: the MLP's hand-written backward pass, the wasm SIMD Adam/EMA kernels and the
 * three update paths (SIMD on wasm, a loop on cpu, tensor ops elsewhere) against plain references.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu'; // the pure-JS backend these tests compare wasm against
import { initBackend, tf } from '../src/backend/index.js';
import { forceDeviceUpdates } from '../src/backend/host-memory.js';
import { heapOffset, reluBackward, sumRows, transposedAChunk, wasmSimdKernels } from '../src/backend/wasm-simd-kernels.js';
import { Adam } from '../src/diffusion/adam.js';
import { Mlp, initParameters, type MlpConfig } from '../src/diffusion/network.js';
import { updateEma } from '../src/diffusion/train.js';
import { edmGradients, edmLoss } from '../src/diffusion/denoiser.js';
import { EDM_DEFAULTS } from '../src/diffusion/edm.js';
import { createRng } from '../src/rng.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

afterEach(async () => {
  forceDeviceUpdates(false);
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
});

/** Parameters with every bias and weight non-trivial, so each gradient path is exercised. */
function makeNet(cfg: MlpConfig, seed: number, trainable = true): Mlp {
  const init = initParameters(cfg, createRng(seed));
  const rng = createRng(seed + 100);
  for (const v of init) for (let i = 0; i < v.length; i++) v[i] = v[i]! + 0.3 * rng.normal();
  return Mlp.create(cfg, init, trainable, 'fast.');
}

/** The MLP as tfjs's autograd sees it without the custom op (unfused matMul/add/relu). */
function reference(net: Mlp, input: tf.Tensor2D, cNoise: tf.Tensor2D): tf.Tensor2D {
  const p = net.params as unknown as tf.Tensor2D[];
  const depth = net.cfg.depth;
  const angles = tf.mul(cNoise, net.freqs);
  const emb = tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
  let t = tf.relu(tf.add(tf.matMul(emb, p[0]!), p[1]!)) as tf.Tensor2D;
  t = tf.add(tf.matMul(t, p[2]!), p[3]!) as tf.Tensor2D;
  let h = tf.relu(tf.add(tf.add(tf.matMul(input, p[4]!), p[5]!), t)) as tf.Tensor2D;
  for (let k = 1; k < depth; k++) h = tf.relu(tf.add(tf.matMul(h, p[4 + 2 * k]!), p[5 + 2 * k]!)) as tf.Tensor2D;
  return tf.add(tf.matMul(h, p[4 + 2 * depth]!), p[5 + 2 * depth]!) as tf.Tensor2D;
}

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return d / (s || 1);
};

describe('MLP custom-gradient op', () => {
  it.each([
    { backend: 'wasm', depth: 1 },
    { backend: 'wasm', depth: 3 },
    { backend: 'cpu', depth: 2 },
  ])('gives the same loss and gradients as tfjs autograd ($backend, depth $depth)', async ({ backend, depth }) => {
    await tf.setBackend(backend);
    const cfg: MlpConfig = { dim: 5, width: 16, depth, timeDim: 8 };
    const net = makeNet(cfg, depth);
    const B = 37;
    const [input, cNoise, target] = [tf.randomNormal([B, 10], 0, 1, 'float32', 1), tf.randomNormal([B, 1], 0, 1, 'float32', 2), tf.randomNormal([B, 5], 0, 1, 'float32', 3)] as tf.Tensor2D[];
    const before = tf.memory().numTensors;
    const lossOf = (f: () => tf.Tensor2D) => () => tf.sum(tf.square(tf.sub(f(), target!))) as tf.Scalar;
    const fast = tf.variableGrads(lossOf(() => net.apply(input!, cNoise!)), net.params);
    const ref = tf.variableGrads(lossOf(() => reference(net, input!, cNoise!)), net.params);
    // Off the tape `apply` runs the very same fused kernels, so the forward value is identical.
    const plain = tf.tidy(() => lossOf(() => net.apply(input!, cNoise!))());
    expect(fast.value.dataSync()[0]).toBe(plain.dataSync()[0]);
    expect(relErr(fast.value.dataSync(), ref.value.dataSync())).toBeLessThan(1e-5);
    for (const p of net.params) {
      expect(fast.grads[p.name]!.shape).toEqual(p.shape);
      expect(relErr(fast.grads[p.name]!.dataSync(), ref.grads[p.name]!.dataSync())).toBeLessThan(1e-5);
    }
    tf.dispose([fast.value, ref.value, plain, ...Object.values(fast.grads), ...Object.values(ref.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([input!, cNoise!, target!]);
    net.dispose();
  });
});

describe('EDM loss gradients off the tape', () => {
  it.each(['wasm', 'cpu'])('equal tfjs autograd of edmLoss through the training op, and leave no tensor behind (%s)', async (backend) => {
    await tf.setBackend(backend);
    const cfg: MlpConfig = { dim: 6, width: 16, depth: 3, timeDim: 8 };
    const net = makeNet(cfg, 5);
    const B = 29, D = cfg.dim;
    const rng = createRng(9);
    const bits = (p: number) => tf.tensor2d(Float32Array.from({ length: B * D }, () => (rng.next() < p ? 1 : 0)), [B, D]);
    const cond = bits(0.4);
    const target = tf.tidy(() => tf.mul(tf.sub(1, cond), bits(0.8))) as tf.Tensor2D;
    const x0 = tf.randomNormal([B, D], 0, 1, 'float32', 4) as tf.Tensor2D;
    const noise = tf.randomNormal([B, D], 0, 1, 'float32', 5) as tf.Tensor2D;
    const sigma = tf.exp(tf.randomNormal([B, 1], -0.5, 1.4, 'float32', 6)) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const ref = tf.variableGrads(() => edmLoss(net, EDM_DEFAULTS, x0, cond, target, sigma, noise), net.params);
    const off = tf.tidy(() => edmGradients(net, EDM_DEFAULTS, x0, cond, target, sigma, noise));
    expect(relErr(off.loss.dataSync(), ref.value.dataSync())).toBeLessThan(1e-6);
    net.params.forEach((p, k) => {
      expect(off.grads[k]!.shape).toEqual(p.shape);
      expect(relErr(off.grads[k]!.dataSync(), ref.grads[p.name]!.dataSync()), p.name).toBeLessThan(1e-5);
    });
    tf.dispose([ref.value, off.loss, ...off.grads, ...Object.values(ref.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([cond, target, x0, noise, sigma]);
    net.dispose();
  });
});

describe('wasm SIMD kernels', () => {
  it('compute Adam and EMA in float32 exactly as the scalar formula, tails included', () => {
    const k = wasmSimdKernels();
    expect(k).toBeDefined();
    const f = Math.fround;
    const [b1, b2, lr, eps, decay] = [0.9, 0.999, 3e-3, 1e-8, 0.99];
    for (const n of [1, 3, 4, 7, 28, 1029]) {
      const [g, w, m, v] = [1, 2, 3, 4].map((s) => tf.randomNormal([n], 0, s === 4 ? 0.1 : 1, 'float32', s));
      tf.tidy(() => {
        const vPos = tf.abs(v!);
        const out = tf.zeros([n]), ema = tf.zeros([n]);
        const [G, W, M0, V0] = [g!, w!, m!, vPos].map((t) => t.dataSync().slice());
        k!.adam(heapOffset(g!), heapOffset(w!), heapOffset(m!), heapOffset(vPos), heapOffset(out), n, b1, 1 - b1, b2, 1 - b2, lr, eps);
        k!.ema(heapOffset(w!), heapOffset(g!), heapOffset(ema), n, decay, 1 - decay);
        const [O, M, V, E] = [out, m!, vPos, ema].map((t) => t.dataSync());
        for (let i = 0; i < n; i++) {
          const mj = f(f(M0[i]! * f(b1)) + f(G[i]! * f(1 - b1)));
          const vj = f(f(V0[i]! * f(b2)) + f(f(G[i]! * G[i]!) * f(1 - b2)));
          expect(M![i]).toBe(mj);
          expect(V![i]).toBe(vj);
          expect(O![i]).toBe(f(W[i]! - f(f(mj * f(lr)) / f(f(Math.sqrt(vj)) + f(eps)))));
          expect(E![i]).toBe(f(f(W[i]! * f(decay)) + f(G[i]! * f(1 - decay))));
        }
      });
      tf.dispose([g!, w!, m!, v!]);
    }
  });
});

describe('backward-pass kernels', () => {
  it.each([
    [256, 256],
    [37, 10],
    [3, 5],
    [1, 64],
    [64, 1],
  ])('transpose inside matMul, sum columns and mask relus like the plain ops (%i × %i)', (R, C) => {
    const x = tf.randomNormal([R, C], 0, 1, 'float32', R + C), y = tf.randomNormal([R, 7], 0, 1, 'float32', 3);
    const z = tf.randomNormal([7, C], 0, 1, 'float32', 4), d = tf.randomNormal([R, C], 0, 1, 'float32', 5);
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => [tf.matMul(x, y, true, false), tf.matMul(y, tf.transpose(z), false, true), tf.transpose(tf.matMul(x, y, true, false)), sumRows(x as tf.Tensor2D), reluBackward(d, x)].map((t) => t.dataSync().slice()));
    // The plain forms: operands transposed up front, tf.sum, mul by step.
    const want = tf.tidy(() => [tf.matMul(tf.transpose(x), y), tf.matMul(y, z), tf.transpose(tf.matMul(tf.transpose(x), y)), tf.sum(x, 0), tf.mul(d, tf.step(x))].map((t) => t.dataSync().slice()));
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((g, i) => expect(relErr(g, want[i]!)).toBeLessThan(1e-6));
    // The mask is exact (a select); the column sums differ from tf.sum only by summation order.
    expect(Array.from(got[4]!)).toEqual(Array.from(want[4]!).map((v) => (v === 0 ? 0 : v)));
    tf.dispose([x, y, z, d]);
  });
});

describe('aᵀ·b over a long contraction', () => {
  it.each([
    { K: 1000, M: 37, N: 5, rank3: false },
    { K: 257, M: 8, N: 8, rank3: true },
  ])('sums partial products over K-chunks like the one-shot product (K $K, M $M, N $N)', ({ K, M, N, rank3 }) => {
    const a = tf.randomNormal(rank3 ? [1, K, M] : [K, M], 0, 1, 'float32', 1) as tf.Tensor as tf.Tensor2D;
    const b = tf.randomNormal(rank3 ? [1, K, N] : [K, N], 0, 1, 'float32', 2) as tf.Tensor as tf.Tensor2D;
    const saved = { ...transposedAChunk };
    try {
      transposedAChunk.above = Infinity;
      const whole = tf.matMul(a, b, true, false);
      Object.assign(transposedAChunk, { above: 10, rows: 7 });
      const backend = tf.backend() as unknown as { numDataIds(): number };
      const [tensors, buffers] = [tf.memory().numTensors, backend.numDataIds()];
      const chunked = tf.matMul(a, b, true, false);
      expect([tf.memory().numTensors, backend.numDataIds()]).toEqual([tensors + 1, buffers + 1]);
      expect(chunked.shape).toEqual(whole.shape);
      expect(relErr(chunked.dataSync(), whole.dataSync())).toBeLessThan(1e-5);
      // Deterministic: the same chunks summed in the same order.
      const again = tf.matMul(a, b, true, false);
      expect(Array.from(again.dataSync())).toEqual(Array.from(chunked.dataSync()));
      tf.dispose([whole, chunked, again]);
    } finally {
      Object.assign(transposedAChunk, saved);
    }
    tf.dispose([a, b]);
  });
});

describe('Adam and EMA update paths', () => {
  const cfg: MlpConfig = { dim: 3, width: 8, depth: 2, timeDim: 4 };
  const B = 16;

  /** `steps` Adam+EMA steps from a fixed start; returns the final weights and EMA. */
  async function run(steps: number, split?: number): Promise<{ net: Float32Array[]; ema: Float32Array[] }> {
    const net = makeNet(cfg, 7), ema = makeNet(cfg, 7, false);
    const [input, cNoise, target] = [tf.randomNormal([B, 6], 0, 1, 'float32', 5), tf.randomNormal([B, 1], 0, 1, 'float32', 6), tf.randomNormal([B, 3], 0, 1, 'float32', 7)] as tf.Tensor2D[];
    const loss = () => tf.mean(tf.square(tf.sub(net.apply(input!, cNoise!), target!))) as tf.Scalar;
    let adam = new Adam(net.params);
    for (let s = 0; s < steps; s++) {
      if (s === split) {
        // Resume: a new optimizer from the step count and the moments, as a checkpoint restores it.
        const moments = await adam.readMoments();
        adam.dispose();
        adam = new Adam(net.params, s, undefined, undefined, undefined, moments);
      }
      tf.dispose(adam.minimize(loss, 1e-2));
      updateEma(ema.params, net.params, Math.min(0.99, (1 + s) / (10 + s)));
    }
    const out = { net: await net.read(), ema: await ema.read() };
    adam.dispose();
    net.dispose();
    ema.dispose();
    tf.dispose([input!, cNoise!, target!]);
    return out;
  }

  it('keep the tensor count flat, and a resumed optimizer continues bit for bit', async () => {
    await run(2);
    const before = tf.memory().numTensors;
    const straight = await run(8);
    expect(tf.memory().numTensors).toBe(before);
    const resumed = await run(8, 3);
    expect(resumed).toEqual(straight);
  });

  it('agree across the SIMD (wasm), loop (cpu) and tensor-op forms to float rounding', async () => {
    const simd = await run(8);
    forceDeviceUpdates(true);
    const device = await run(8);
    const deviceResumed = await run(8, 3);
    forceDeviceUpdates(false);
    expect(deviceResumed).toEqual(device);
    await tf.setBackend('cpu');
    const loop = await run(8);
    const loopResumed = await run(8, 5);
    expect(loopResumed).toEqual(loop);
    for (const other of [device, loop]) {
      simd.net.forEach((w, i) => expect(relErr(other.net[i]!, w)).toBeLessThan(1e-4));
      simd.ema.forEach((w, i) => expect(relErr(other.ema[i]!, w)).toBeLessThan(1e-4));
    }
  });
});
