import { tf } from '../backend/index.js';
import { hostMemoryBackend, hostTensor, hostView } from '../backend/host-memory.js';

/**
 * Adam (Kingma & Ba 2015) with its whole state in plain view: first/second moments and the step count as
 * a number. tfjs's AdamOptimizer rebuilds β^t with pow() on restore while training multiplies it step by
 * step, so a resumed run drifts by rounding; here the bias correction is computed in double precision from
 * the step count, and a resumed run continues bit for bit.
 *
 * Where tensors live in host memory (the wasm and cpu backends) the update runs as one plain loop per
 * parameter over Float32Arrays: reading a gradient there is a memcpy, not a device sync, and one loop
 * replaces the ~12 small kernels per parameter (each with its own dispatch and allocation) that the
 * tensor form costs. On a GPU backend the moments stay on the device and the update is tensor ops.
 * Either way the moments are float32 and the arithmetic is a fixed sequence, so a run is reproducible on
 * its backend; the two forms round differently, so they are not bit-identical to each other.
 */
export class Adam {
  /** Moments in host memory (`host` form), or undefined while they live on the device. */
  private hostM?: Float32Array[];
  private hostV?: Float32Array[];
  /** Moments as device tensors (`device` form), or undefined while they live on the host. */
  private devM?: tf.Variable[];
  private devV?: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    public step = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    moments?: { m: Float32Array[]; v: Float32Array[] },
  ) {
    this.hostM = params.map((p, i) => (moments ? Float32Array.from(moments.m[i]!) : new Float32Array(p.size)));
    this.hostV = params.map((p, i) => (moments ? Float32Array.from(moments.v[i]!) : new Float32Array(p.size)));
    params.forEach((p, i) => {
      if (this.hostM![i]!.length !== p.size || this.hostV![i]!.length !== p.size) throw new Error(`Adam: moment ${i} has the wrong size for ${p.name}`);
    });
  }

  /** One step on `loss()`; returns the loss tensor (caller disposes). */
  minimize(loss: () => tf.Scalar, learningRate: number): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, this.params);
    this.step++;
    // Bias-corrected step size (Adam paper, Algorithm 1's efficient form).
    const lr = (learningRate * Math.sqrt(1 - this.beta2 ** this.step)) / (1 - this.beta1 ** this.step);
    try {
      if (hostMemoryBackend()) this.hostUpdate(grads, lr);
      else this.deviceUpdate(grads, lr);
    } finally {
      tf.dispose(grads);
    }
    return value;
  }

  private hostUpdate(grads: tf.NamedTensorMap, lr: number): void {
    this.toHost();
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const c1 = 1 - b1, c2 = 1 - b2;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const m = this.hostM![i]!, v = this.hostV![i]!;
        const next = hostTensor(p.shape, (out) => {
          const g = hostView(grads[p.name]!), w = hostView(p);
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
    this.toDevice();
    const M = this.devM!, V = this.devV!;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[p.name]!;
        const m = tf.add(tf.mul(M[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(V[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        M[i]!.assign(m);
        V[i]!.assign(v);
        p.assign(tf.sub(p, tf.div(tf.mul(m, lr), tf.add(tf.sqrt(v), this.epsilon))));
      });
    });
  }

  /** Move the moments into host arrays (no-op when they are there already). */
  private toHost(): void {
    if (this.hostM) return;
    this.hostM = this.devM!.map((x) => Float32Array.from(x.dataSync() as Float32Array));
    this.hostV = this.devV!.map((x) => Float32Array.from(x.dataSync() as Float32Array));
    tf.dispose([...this.devM!, ...this.devV!]);
    this.devM = this.devV = undefined;
  }

  /** Move the moments onto the device (no-op when they are there already). */
  private toDevice(): void {
    if (this.devM) return;
    const up = (xs: Float32Array[]) => xs.map((x, i) => tf.tidy(() => tf.variable(tf.tensor(x, this.params[i]!.shape, 'float32'), false)));
    this.devM = up(this.hostM!);
    this.devV = up(this.hostV!);
    this.hostM = this.hostV = undefined;
  }

  async readMoments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    if (this.hostM) return { m: this.hostM.map((x) => x.slice()), v: this.hostV!.map((x) => x.slice()) };
    const read = (xs: tf.Variable[]) => Promise.all(xs.map(async (x) => Float32Array.from((await x.data()) as Float32Array)));
    return { m: await read(this.devM!), v: await read(this.devV!) };
  }

  dispose(): void {
    if (this.devM) tf.dispose([...this.devM, ...this.devV!]);
    this.devM = this.devV = undefined;
    this.hostM = this.hostV = undefined;
  }
}
