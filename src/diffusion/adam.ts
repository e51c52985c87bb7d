import { tf } from '../backend/index.js';

/**
 * Adam (Kingma & Ba 2015) with its whole state in plain view: first/second moments as variables and the
 * step count as a number. tfjs's AdamOptimizer rebuilds β^t with pow() on restore while training
 * multiplies it step by step, so a resumed run drifts by rounding; here the bias correction is computed in
 * double precision from the step count, and a resumed run continues bit for bit.
 */
export class Adam {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    public step = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
    moments?: { m: Float32Array[]; v: Float32Array[] },
  ) {
    this.m = params.map((p, i) => tf.variable(moments ? tf.tensor(moments.m[i]!, p.shape) : tf.zerosLike(p), false));
    this.v = params.map((p, i) => tf.variable(moments ? tf.tensor(moments.v[i]!, p.shape) : tf.zerosLike(p), false));
  }

  /** One step on `loss()`; returns the loss tensor (caller disposes). */
  minimize(loss: () => tf.Scalar, learningRate: number): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, this.params);
    this.step++;
    // Bias-corrected step size (Adam paper, Algorithm 1's efficient form).
    const lr = (learningRate * Math.sqrt(1 - this.beta2 ** this.step)) / (1 - this.beta1 ** this.step);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[p.name]!;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        p.assign(tf.sub(p, tf.div(tf.mul(m, lr), tf.add(tf.sqrt(v), this.epsilon))));
      });
    });
    tf.dispose(grads);
    return value;
  }

  async readMoments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    const read = (xs: tf.Variable[]) => Promise.all(xs.map(async (x) => (await x.data()) as Float32Array));
    return { m: await read(this.m), v: await read(this.v) };
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
