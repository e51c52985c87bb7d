/**
 * The project's own wasm kernels: the readable source (src/backend/wasm-simd-kernels.wat) assembles to
 * exactly the module the runtime embeds, and a training step and a sampler step on wasm go through the
 * fast kernels (a silent fallback to tfjs's slow paths fails here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { fastPathCalls, moduleBytes, wasmSimdKernels } from '../src/backend/wasm-simd-kernels.js';
import { nativeGemmCalls } from '../src/backend/native-blas.js';
import { TINY_MLP, tinyTrainingAndSamplerStep } from './helpers/tiny-step.js';
import { Mlp, initParameters, type MlpConfig } from '../src/diffusion/network.js';
import { createRng } from '../src/rng.js';

const WAT = readFileSync(join(import.meta.dirname, '../src/backend/wasm-simd-kernels.wat'), 'utf8');

async function assemble(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const m = wabt.parseWat('wasm-simd-kernels.wat', text, { simd: true, threads: true });
  try {
    // wabt.js's validator rejects shared memories whatever the feature flags; the engine validates instead.
    const bytes = new Uint8Array(m.toBinary({ write_debug_names: false }).buffer);
    expect(WebAssembly.validate(bytes)).toBe(true);
    return bytes;
  } finally {
    m.destroy();
  }
}

describe('wasm-simd-kernels.wat', () => {
  it('assembles to the embedded module, byte for byte', async () => {
    expect(Buffer.from(await assemble(WAT)).equals(Buffer.from(moduleBytes(false)))).toBe(true);
  });

  it('assembles to the shared-heap (threaded build) module with the memory import made shared', async () => {
    const shared = WAT.replace('(memory $heap 0)', '(memory $heap 0 65536 shared)');
    expect(shared).not.toBe(WAT);
    expect(Buffer.from(await assemble(shared)).equals(Buffer.from(moduleBytes(true)))).toBe(true);
  });
});

describe('fast paths on wasm', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('a training step and a sampler step use the SIMD kernels, never the slow transpose', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmSimdKernels()).toBeDefined();
    const cfg = TINY_MLP;
    const before = { ...fastPathCalls };
    const gemmBefore = { ...nativeGemmCalls };
    const r = tinyTrainingAndSamplerStep('fastpath');
    const calls = Object.fromEntries(Object.entries(fastPathCalls).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
    expect(calls.adam).toBe(r.nParams);
    expect(calls.ema).toBe(r.nParams);
    expect(calls.colsum).toBeGreaterThanOrEqual(cfg.depth + 2);
    expect(calls.relugrad).toBeGreaterThanOrEqual(cfg.depth + 1);
    // Transposed operands are transposed by the SIMD kernel for XNNPACK; the native GEMM reads them as they are.
    if (nativeGemmCalls.native === gemmBefore.native) expect(calls.transpose4).toBeGreaterThanOrEqual(2 * cfg.depth);
    expect(calls.slowTranspose).toBe(0);
    expect(r.outShape).toEqual([40, 6]);
  });

  it('the sampler path (one noise level per batch) equals the per-row network', () => {
    const cfg: MlpConfig = { dim: 5, width: 16, depth: 2, timeDim: 8 };
    const init = initParameters(cfg, createRng(3));
    const rng = createRng(4);
    for (const v of init) for (let i = 0; i < v.length; i++) v[i] = v[i]! + 0.2 * rng.normal();
    const net = Mlp.create(cfg, init, false, 'shared-level.');
    const input = tf.randomNormal([33, 10], 0, 1, 'float32', 5) as tf.Tensor2D;
    const a = tf.tidy(() => net.applyAtNoiseLevel(input, -0.7));
    const b = tf.tidy(() => net.apply(input, tf.fill([33, 1], -0.7) as tf.Tensor2D));
    const [av, bv] = [a.dataSync(), b.dataSync()];
    let err = 0;
    for (let i = 0; i < av.length; i++) err = Math.max(err, Math.abs(av[i]! - bv[i]!));
    expect(err).toBeLessThan(1e-5);
    tf.dispose([a, b, input]);
    net.dispose();
  });
});
