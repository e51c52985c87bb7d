import * as tf from '@tensorflow/tfjs-core';
import { fastPathCalls, matMulTransposedAChunked, transposeMatrix } from './wasm-simd-kernels.js';

/**
 * tfjs-backend-wasm 4.22's BatchMatMul runs ~15–30× slower when an operand is transposed (XNNPACK's
 * packed path is only used for the plain layout), and every backward pass of a dense layer asks for
 * exactly that (dW = xᵀ·dy, dx = dy·Wᵀ). We re-register the kernel so a transposed operand is first
 * materialised by a transpose, then multiplied the plain way. Matrices are transposed by the SIMD kernel
 * of wasm-simd-kernels.ts (~4× faster than tfjs's scalar Transpose kernel, which remains the fallback).
 * Must run before the wasm backend initialises, because kernel setup functions run at initialisation.
 */
let patched = false;

export function patchWasmTransposedMatMul(): void {
  if (patched) return;
  patched = true;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error('wasm Transpose kernel is not registered; import the wasm backend first');
  wrapWasmKernels(['BatchMatMul', '_FusedMatMul'], (original, kernelName) => (args) => {
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    if (kernelName === 'BatchMatMul' && attrs.transposeA && !attrs.transposeB) {
      const plain = (a: tf.TensorInfo, b: tf.TensorInfo) =>
        original.kernelFunc({ inputs: { a, b }, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
      const chunked = matMulTransposedAChunked(inputs.a!, inputs.b!, args.backend, plain);
      if (chunked) return chunked;
    }
    const temps: tf.TensorInfo[] = [];
    const swapLastTwo = (x: tf.TensorInfo): tf.TensorInfo => {
      const fast = transposeMatrix(x, args.backend);
      if (fast) {
        temps.push(fast);
        return fast;
      }
      fastPathCalls.slowTranspose++;
      const r = x.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      const out = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
      temps.push(out);
      return out;
    };
    const a = attrs.transposeA ? swapLastTwo(inputs.a!) : inputs.a!;
    const b = attrs.transposeB ? swapLastTwo(inputs.b!) : inputs.b!;
    const out = original.kernelFunc({
      inputs: { ...inputs, a, b },
      backend: args.backend,
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
    for (const t of temps) (args.backend as tf.KernelBackend).disposeData(t.dataId);
    return out;
  });
}

/**
 * Re-register each of `kernelNames` on the wasm backend with the kernel function `make` builds around the
 * one registered now (which it may call for the cases it leaves alone). Before the backend initialises.
 */
export function wrapWasmKernels(kernelNames: readonly string[], make: (original: tf.KernelConfig, kernelName: string) => tf.KernelFunc): void {
  for (const kernelName of kernelNames) {
    const original = tf.getKernel(kernelName, 'wasm');
    if (!original) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: make(original, kernelName) });
  }
}
