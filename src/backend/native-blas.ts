import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wrapWasmKernels } from './wasm-matmul.js';

/**
 * The optional native GEMM (native/blas.c → build/synthdiff-blas.node, OpenBLAS's cblas_sgemm) behind the
 * wasm backend's BatchMatMul and _FusedMatMul kernels. WebAssembly SIMD has 128-bit vectors and no fused
 * multiply-add, so XNNPACK there reaches ~15–20 GFLOP/s per core where OpenBLAS reaches ~115–130 with its
 * AVX2 kernels and ~220–245 with AVX-512 (a step's products on the 2-core EPYC:
 * bench/prototypes/native-kernels.mts), and the GEMMs are ~90% of a training step.
 * The addon reads and writes the tensors where they live, in the wasm heap. Tensors, every other kernel and
 * the gradients stay tfjs's; only the multiply moves. Off with SYNTHDIFF_BLAS=off, or where the addon was
 * not built (no C compiler, Node headers or OpenBLAS at install: scripts/build-native.mjs says which).
 */
export interface NativeBlas {
  sgemm(ta: boolean, tb: boolean, M: number, N: number, K: number, a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null, relu: boolean): void;
  /** out[b, k] = sin(c[b]·f[k]), out[b, H + k] = cos(c[b]·f[k]). */
  sincos(c: Float32Array, f: Float32Array, out: Float32Array): void;
  setThreads(n: number): void;
  config(): string;
}

/** Where the addon is built, from src/backend or dist/backend alike. */
export const NATIVE_BLAS_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'synthdiff-blas.node');

let loaded: NativeBlas | null | undefined;

/** Whether SYNTHDIFF_BLAS switches the addon off (0, off, false, no). */
export function nativeBlasSwitchedOff(): boolean {
  return /^(0|off|false|no)$/i.test(process.env.SYNTHDIFF_BLAS ?? '');
}

/** The addon, or null where it is switched off or was not built. */
export function nativeBlas(): NativeBlas | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (!nativeBlasSwitchedOff() && existsSync(NATIVE_BLAS_PATH)) {
    try {
      loaded = createRequire(import.meta.url)(NATIVE_BLAS_PATH) as NativeBlas;
    } catch {
      loaded = null; // built for another Node ABI or missing libopenblas: XNNPACK alone
    }
  }
  return loaded;
}

/** Multiplies that went native and those that fell back to XNNPACK (a test checks the first moves); embeddings made natively. */
export const nativeGemmCalls = { native: 0, fallback: 0, sincos: 0 };

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

/**
 * op(a)·op(b) (+ bias) (relu) natively, for float32 rank-2 operands or rank-3 ones whose batch sizes are
 * equal or 1; undefined for anything else (another activation, a full-matrix bias, broadcast batch
 * shapes), which the caller hands to XNNPACK.
 */
function nativeMatMul(blas: NativeBlas, backend: WasmHeapBackend, inputs: Record<string, tf.TensorInfo | undefined>, attrs: MatMulAttrs): tf.TensorInfo | undefined {
  const { a, b, bias, preluActivationWeights } = inputs;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32' || preluActivationWeights) return undefined;
  const activation = attrs.activation ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu') return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  if (ra !== rb || (ra !== 2 && ra !== 3)) return undefined;
  const batchA = ra === 3 ? a.shape[0]! : 1, batchB = rb === 3 ? b.shape[0]! : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const M = attrs.transposeA ? a1 : a0, K = attrs.transposeA ? a0 : a1;
  const N = attrs.transposeB ? b0 : b1;
  if ((attrs.transposeB ? b1 : b0) !== K) return undefined;
  if (bias && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== N)) return undefined;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput(ra === 3 ? [batch, M, N] : [M, N], 'float32');
  // Views after the allocation: growing the heap detaches older ones.
  const va = backend.typedArrayFromHeap(a), vb = backend.typedArrayFromHeap(b), vc = backend.typedArrayFromHeap(out);
  const vbias = bias ? backend.typedArrayFromHeap(bias) : null;
  const relu = activation === 'relu';
  if (batch === 1) blas.sgemm(attrs.transposeA, attrs.transposeB, M, N, K, va, vb, vc, vbias, relu);
  else {
    for (let i = 0; i < batch; i++) {
      const sa = batchA === 1 ? va : va.subarray(i * M * K, (i + 1) * M * K);
      const sb = batchB === 1 ? vb : vb.subarray(i * K * N, (i + 1) * K * N);
      blas.sgemm(attrs.transposeA, attrs.transposeB, M, N, K, sa, sb, vc.subarray(i * M * N, (i + 1) * M * N), vbias, relu);
    }
  }
  return out;
}

let patched = false;

/**
 * Route the wasm backend's BatchMatMul and _FusedMatMul through the addon where it loaded (true), keeping
 * the kernels registered before (XNNPACK with our transposed-operand handling) for the shapes it does not
 * take. Like the other kernel patches it must run before the wasm backend initialises.
 */
export function patchWasmNativeMatMul(threads: number): boolean {
  const blas = nativeBlas();
  if (!blas) return false;
  blas.setThreads(threads);
  if (patched) return true;
  patched = true;
  wrapWasmKernels(['BatchMatMul', '_FusedMatMul'], (original) => (args) => {
    const out = nativeMatMul(blas, args.backend as unknown as WasmHeapBackend, args.inputs as Record<string, tf.TensorInfo>, args.attrs as unknown as MatMulAttrs);
    if (out) {
      nativeGemmCalls.native++;
      return out;
    }
    nativeGemmCalls.fallback++;
    return original.kernelFunc(args);
  });
  return true;
}

/**
 * [sin(c·f), cos(c·f)] for a [B, 1] column of noise levels and [H] frequencies, as a [B, 2H] tensor made by
 * the addon, or undefined where it does not run (no addon, SYNTHDIFF_BLAS=off, another backend than wasm).
 * tfjs's wasm Sin and Cos are scalar: 1.7 ms each for a 4,096-row batch's 32 frequencies, ~0.5 ms here.
 */
export function nativeSinCos(c: tf.Tensor2D, f: tf.Tensor1D): tf.Tensor2D | undefined {
  if (!patched || tf.getBackend() !== 'wasm' || c.dtype !== 'float32' || f.dtype !== 'float32') return undefined;
  const blas = nativeBlas()!;
  const backend = tf.backend() as unknown as WasmHeapBackend;
  const info = backend.makeOutput([c.shape[0], 2 * f.size], 'float32');
  // Views after the allocation: growing the heap detaches older ones.
  blas.sincos(backend.typedArrayFromHeap(c), backend.typedArrayFromHeap(f), backend.typedArrayFromHeap(info));
  nativeGemmCalls.sincos++;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
}
