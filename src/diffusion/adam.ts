import { tf } from '../backend/index.js';
import { hostMemoryBackend, hostTensor, hostView } from '../backend/host-memory.js';
import { heapOffset, wasmSimdKernels, type WasmSimdKernels } from '../backend/wasm-simd-kernels.js';

/**
 * Adam (Kingma & Ba 2015) with its whole state in plain view: first/second moments and the step count as
 * a number. tfjs's AdamOptimizer rebuilds β^t with pow() on restore while training multiplies it step by
 * step, so a resumed run drifts by rounding; here the bias correction is computed in double precision from
 * the step count, and a resumed run continues bit for bit.
 *
 * The update per parameter tensor is one pass where tensors live in host memory: on wasm a SIMD kernel
 * (wasm-simd-kernels.ts) reads the gradient and weights in the heap, updates the moments in place and
 * writes the new weights into a fresh tensor; on cpu the same as a JavaScript loop. That replaces ~12
 * tfjs kernels per parameter (each allocating and sweeping memory). On a GPU backend it stays tensor ops
 * on the device. Each form is a fixed float sequence, so a run is reproducible on its backend; the forms
 * round differently from one another.
 */
export class Adam {
  /** First and second moments, one float32 tensor per parameter, owned here (updated in place on wasm/cpu). */
  private m: tf.Tensor[];
  private v: tf.Tensor[];

  constructor(
    readonly params: tf.Variable[],
    public step = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    moments?: { m: Float32Array[]; v: Float32Array[] },
  ) {
    const init = (xs: Float32Array[] | undefined) =>
      params.map((p, i) => {
        const x = xs?.[i];
        if (x && x.length !== p.size) throw new Error(`Adam: a stored moment has ${x.length} values, ${p.name} has ${p.size}`);
        // A private copy: on cpu the array becomes the tensor's storage, which the update writes in place.
        return tf.keep(tf.tensor(x ? Float32Array.from(x) : new Float32Array(p.size), p.shape, 'float32'));
      });
    this.m = init(moments?.m);
    this.v = init(moments?.v);
  }

  /** One step on `loss()`; returns the loss tensor (caller disposes). */
  minimize(loss: () => tf.Scalar, learningRate: number): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, this.params);
    this.update(grads, learningRate);
    return value;
  }

  /**
   * One step on given gradients, keyed by parameter name (DP-SGD: the clipped, noised average), which are
   * disposed here.
   */
  update(grads: tf.NamedTensorMap, learningRate: number): void {
    this.step++;
    // Bias-corrected step size (Adam paper, Algorithm 1's efficient form).
    const lr = (learningRate * Math.sqrt(1 - this.beta2 ** this.step)) / (1 - this.beta1 ** this.step);
    try {
      const simd = hostMemoryBackend() ? wasmSimdKernels() : undefined;
      if (simd) this.simdUpdate(simd, grads, lr);
      else if (hostMemoryBackend()) this.hostUpdate(grads, lr);
      else this.deviceUpdate(grads, lr);
    } finally {
      tf.dispose(grads);
    }
  }

  private simdUpdate(k: WasmSimdKernels, grads: tf.NamedTensorMap, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const next = hostTensor(p.shape, (out) => {
          k.adam(heapOffset(grads[p.name]!), heapOffset(p), heapOffset(this.m[i]!), heapOffset(this.v[i]!), out.byteOffset, p.size, b1, 1 - b1, b2, 1 - b2, lr, eps);
        });
        p.assign(next);
      });
    });
  }

  private hostUpdate(grads: tf.NamedTensorMap, lr: number): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - b1, c2 = 1 - b2;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const next = hostTensor(p.shape, (out) => {
          const g = hostView(grads[p.name]!), w = hostView(p);
          // The moments are this optimizer's own tensors: written in place.
          const m = hostView(this.m[i]!), v = hostView(this.v[i]!);
          for (let j = 0; j < out.length; j++) {
            const gj = g[j]!;
            const mj = m[j]! * b1 + gj * c1;
            const vj = v[j]! * b2 + gj * gj * c2;
            m[j] = mj;
            v[j] = vj;
            out[j] = w[j]! - (mj * lr) / (Math.sqrt(vj) + eps);
          }
        });
        p.assign(next);
      });
    });
  }

  private deviceUpdate(grads: tf.NamedTensorMap, lr: number): void {
    const next = tf.tidy(() =>
      this.params.map((p, i) => {
        const g = grads[p.name]!;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        p.assign(tf.sub(p, tf.div(tf.mul(m, lr), tf.add(tf.sqrt(v), this.epsilon))));
        return [m, v] as const;
      }),
    );
    tf.dispose([...this.m, ...this.v]);
    this.m = next.map(([m]) => m);
    this.v = next.map(([, v]) => v);
  }

  async readMoments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    // Copies: on cpu a read returns the storage itself, which later steps overwrite.
    const read = (xs: tf.Tensor[]) => Promise.all(xs.map(async (x) => Float32Array.from((await x.data()) as Float32Array)));
    return { m: await read(this.m), v: await read(this.v) };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
    this.m = [];
    this.v = [];
  }
}
