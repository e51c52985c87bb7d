import { tf } from '../backend/index.js';

/**
 * The denoiser F: an MLP over [values (D), conditioning mask (D)] with a sinusoidal embedding of the
 * noise level added to the first hidden layer (as in TabDDPM's MLP). Layers are fused matmul+bias+ReLU:
 * one kernel each, which matters on the GPU where every op costs a dispatch.
 */
export interface MlpConfig {
  /** Encoded data dimension D; the input is 2·D wide (values and mask). */
  dim: number;
  width: number;
  /** Hidden layers, counting the input projection. */
  depth: number;
  timeDim: number;
}

export interface Param {
  name: string;
  shape: number[];
}

export function parameterShapes(cfg: MlpConfig): Param[] {
  const { dim, width, depth, timeDim } = cfg;
  const p: Param[] = [
    { name: 'time.w1', shape: [timeDim, width] },
    { name: 'time.b1', shape: [width] },
    { name: 'time.w2', shape: [width, width] },
    { name: 'time.b2', shape: [width] },
    { name: 'in.w', shape: [2 * dim, width] },
    { name: 'in.b', shape: [width] },
  ];
  for (let k = 1; k < depth; k++) p.push({ name: `h${k}.w`, shape: [width, width] }, { name: `h${k}.b`, shape: [width] });
  p.push({ name: 'out.w', shape: [width, dim] }, { name: 'out.b', shape: [dim] });
  return p;
}

/** He-uniform weights for ReLU layers, zeros for biases; the output layer starts small so F ≈ 0 at first. */
export function initParameters(cfg: MlpConfig, rng: { next(): number }): Float32Array[] {
  return parameterShapes(cfg).map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / shape[0]!) * (name === 'out.w' ? 0.1 : 1);
      for (let i = 0; i < size; i++) v[i] = (2 * rng.next() - 1) * limit;
    }
    return v;
  });
}

// tfjs variable names are global per process; a serial keeps two models' names apart.
let variableSerial = 0;

export class Mlp {
  readonly freqs: tf.Tensor1D;

  constructor(
    readonly cfg: MlpConfig,
    readonly params: tf.Variable[],
  ) {
    // Log-spaced frequencies 1 … 1/1000 (Transformer/DDPM positional embedding) for c_noise = ln(σ)/4 ∈ ~[−1.6, 1.1].
    const half = cfg.timeDim / 2;
    this.freqs = tf.tensor1d(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(1000) * i) / half) * 16));
  }

  static create(cfg: MlpConfig, values: Float32Array[], trainable: boolean, prefix = ''): Mlp {
    const shapes = parameterShapes(cfg);
    return new Mlp(
      cfg,
      shapes.map((s, i) => tf.variable(tf.tensor(values[i]!, s.shape, 'float32'), trainable, `${prefix}${s.name}#${++variableSerial}`)),
    );
  }

  /** F(input, c_noise): input [B, 2D], cNoise [B, 1] → [B, D]. Call inside tf.tidy. */
  apply(input: tf.Tensor2D, cNoise: tf.Tensor2D): tf.Tensor2D {
    const p = this.params as unknown as tf.Tensor2D[];
    const angles = tf.mul(cNoise, this.freqs);
    const emb = tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
    let t = tf.fused.matMul({ a: emb, b: p[0]!, bias: p[1], activation: 'relu' }) as tf.Tensor2D;
    t = tf.fused.matMul({ a: t, b: p[2]!, bias: p[3] }) as tf.Tensor2D;
    let h = tf.relu(tf.add(tf.fused.matMul({ a: input, b: p[4]!, bias: p[5] }), t)) as tf.Tensor2D;
    const depth = this.cfg.depth;
    for (let k = 1; k < depth; k++) h = tf.fused.matMul({ a: h, b: p[4 + 2 * k]!, bias: p[5 + 2 * k], activation: 'relu' }) as tf.Tensor2D;
    return tf.fused.matMul({ a: h, b: p[4 + 2 * depth]!, bias: p[5 + 2 * depth] }) as tf.Tensor2D;
  }

  async read(): Promise<Float32Array[]> {
    return Promise.all(this.params.map(async (v) => (await v.data()) as Float32Array));
  }

  assign(values: Float32Array[]): void {
    tf.tidy(() => this.params.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape, 'float32'))));
  }

  dispose(): void {
    this.params.forEach((v) => v.dispose());
    this.freqs.dispose();
  }
}
