import * as tf from '@tensorflow/tfjs-core';

/**
 * Direct access to tensor storage on the backends that keep it in host memory (wasm: the module's heap;
 * cpu: a JavaScript typed array), for element-wise updates that are cheaper as one plain loop than as a
 * chain of small kernels (Adam, EMA). Nothing here is a device sync: on these backends a tensor's values
 * are ordinary memory.
 *
 * Rules of use: a view from `hostView` is read-only (on wasm, XNNPACK caches weights packed from a
 * tensor's memory by tensor id, so writing a live tensor in place would leave stale packed copies), and it
 * is valid only until the next tensor allocation (which may grow, and so detach, the wasm heap).
 */

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values?: Float32Array } };
}

let deviceUpdatesForced = false;

/**
 * For tests: make `hostMemoryBackend()` answer false, so the parameter updates take their tensor-op (GPU)
 * path on wasm/cpu too.
 */
export function forceDeviceUpdates(on: boolean): void {
  deviceUpdatesForced = on;
}

/** True when the active backend keeps tensors in host memory (wasm, cpu). */
export function hostMemoryBackend(): boolean {
  if (deviceUpdatesForced) return false;
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}

/** A read-only float32 view of `t`'s storage (see the module note for how long it stays valid). */
export function hostView(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`hostView: float32 only, got ${t.dtype}`);
  const name = tf.getBackend();
  if (name === 'wasm') return (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(t);
  if (name === 'cpu') {
    const values = (tf.backend() as unknown as CpuBackendLike).data.get(t.dataId)?.values;
    if (values instanceof Float32Array) return values;
  }
  return t.dataSync() as Float32Array;
}

/**
 * A new float32 tensor of `shape` whose values `fill` writes into `out` (every element). On wasm the
 * values go straight into freshly allocated heap memory (no staging copy, no zero-fill); `fill` must take
 * its input views (hostView) inside the callback, after the allocation.
 */
export function hostTensor(shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  if (tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const info = backend.makeOutput(shape, 'float32');
    fill(backend.typedArrayFromHeap(info));
    return tf.engine().makeTensorFromTensorInfo(info);
  }
  // cpu (and any other backend): the backend may keep this very array as the tensor's storage.
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(out);
  return tf.tensor(out, shape, 'float32');
}
