/**
 * The native matrix multiply (native/blas.c, OpenBLAS) behind the wasm backend's BatchMatMul and
 * _FusedMatMul: it is built where CI builds it (SYNTHDIFF_REQUIRE_BLAS=1 in .ci/run), its products equal a
 * float64 reference for every transpose, bias, relu and batch layout the kernels take, and a training
 * step's multiplies and its noise embedding all run through it (a silent fallback fails here).
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { NATIVE_BLAS_PATH, nativeBlas, nativeBlasSwitchedOff, nativeGemmCalls, nativeSinCos } from '../src/backend/native-blas.js';
import { TINY_MLP, tinyTrainingAndSamplerStep } from './helpers/tiny-step.js';

const off = nativeBlasSwitchedOff();
const built = existsSync(NATIVE_BLAS_PATH);

describe('native matrix multiply', () => {
  it('is built where CI requires it', () => {
    if (process.env.SYNTHDIFF_REQUIRE_BLAS === '1') {
      expect(built).toBe(true);
      expect(nativeBlas()?.config()).toMatch(/OpenBLAS/);
    }
  });

  describe.skipIf(off || !built)('on the wasm backend', () => {
    let backendDetail = '';
    beforeAll(async () => {
      backendDetail = (await initBackend({ backend: 'wasm' })).detail;
    });

    it('says so in the backend description', () => {
      expect(backendDetail).toMatch(/^wasm \(XNNPACK, SIMD, 1 thread; matrix multiplies by OpenBLAS .*\(\w+ kernels\), \d+ threads?\)$/);
    });

    /** op(a)·op(b) (+ bias) (relu) in float64 from the tensors' float32 values. */
    function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean, bias?: tf.Tensor, relu = false): Float64Array {
      const [av, bv] = [a.dataSync(), b.dataSync()];
      const bsv = bias?.dataSync();
      const batchA = a.rank === 3 ? a.shape[0]! : 1, batchB = b.rank === 3 ? b.shape[0]! : 1;
      const [a0, a1] = a.shape.slice(-2) as [number, number];
      const [b0, b1] = b.shape.slice(-2) as [number, number];
      const M = ta ? a1 : a0, K = ta ? a0 : a1, N = tb ? b0 : b1, batch = Math.max(batchA, batchB);
      const out = new Float64Array(batch * M * N);
      for (let p = 0; p < batch; p++) {
        const oa = batchA === 1 ? 0 : p * M * K, ob = batchB === 1 ? 0 : p * K * N;
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = bsv ? bsv[j]! : 0;
            for (let k = 0; k < K; k++) s += av[oa + (ta ? k * M + i : i * K + k)]! * bv[ob + (tb ? j * K + k : k * N + j)]!;
            out[p * M * N + i * N + j] = relu ? Math.max(0, s) : s;
          }
      }
      return out;
    }

    function expectClose(t: tf.Tensor, ref: Float64Array): void {
      const v = t.dataSync();
      expect(v.length).toBe(ref.length);
      let worst = 0;
      for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i]! - ref[i]!) / (1 + Math.abs(ref[i]!)));
      expect(worst).toBeLessThan(1e-5);
    }

    it('equals a float64 product for every transpose, with bias and relu, and over batches (equal or broadcast)', () => {
      const before = { ...nativeGemmCalls };
      let calls = 0;
      const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const a = r(ta ? [37, 19] : [19, 37], 1), b = r(tb ? [23, 37] : [37, 23], 2), bias = r([23], 3);
        expectClose(tf.matMul(a, b, ta, tb), reference(a, b, ta, tb));
        expectClose(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' }), reference(a, b, ta, tb, bias, true));
        expectClose(tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias }), reference(a, b, ta, tb, bias));
        calls += 3;
      }
      const a3 = r([3, 5, 7], 4), b3 = r([3, 7, 2], 5), b1 = r([1, 7, 2], 6), a1 = r([1, 5, 7], 7);
      expectClose(tf.matMul(a3, b3), reference(a3, b3, false, false));
      expectClose(tf.matMul(a3, b1), reference(a3, b1, false, false));
      expectClose(tf.matMul(a1, b3), reference(a1, b3, false, false));
      calls += 3;
      expect(nativeGemmCalls.native - before.native).toBe(calls);
      expect(nativeGemmCalls.fallback - before.fallback).toBe(0);
    });

    it('takes every multiply of a training step and a sampler step', () => {
      const before = { ...nativeGemmCalls };
      const r = tinyTrainingAndSamplerStep('blas');
      // depth + 3 multiplies in each forward (two in the time MLP, depth + 1 layers), the step's and the
      // sampler's, and at least as many in the backward (a weight gradient per layer, input gradients).
      expect(nativeGemmCalls.native - before.native).toBeGreaterThanOrEqual(3 * (TINY_MLP.depth + 3));
      expect(nativeGemmCalls.fallback - before.fallback).toBe(0);
      // The noise embedding of the step's forward and of the sampler's.
      expect(nativeGemmCalls.sincos - before.sincos).toBe(2);
      expect(Number.isFinite(r.loss)).toBe(true);
    });

    it('makes the noise embedding [sin(c·f), cos(c·f)] as the Sin and Cos kernels do, to float32 rounding', () => {
      const c = tf.randomNormal([300, 1], 0, 1.5, 'float32', 8) as tf.Tensor2D;
      const f = tf.tensor1d(Array.from({ length: 16 }, (_, i) => Math.exp((-Math.log(1000) * i) / 16) * 16));
      const angles = tf.mul(c, f);
      const ref = tf.concat([tf.sin(angles), tf.cos(angles)], 1);
      const got = nativeSinCos(c, f)!;
      expect(got.shape).toEqual([300, 32]);
      const [a, b] = [got.dataSync(), ref.dataSync()];
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      expect(worst).toBeLessThan(2e-6);
      tf.dispose([c, f, angles, ref, got]);
    });

    it('refuses operands smaller than the sizes it is given, in one line', () => {
      const blas = nativeBlas()!;
      expect(() => blas.sgemm(false, false, 4, 4, 4, new Float32Array(15), new Float32Array(16), new Float32Array(16), null, false)).toThrow(
        'synthdiff-blas: sgemm operand sizes do not match M, N, K',
      );
    });
  });
});
