import { tf } from '../backend/index.js';
import { reluBackward, sumRows } from '../backend/wasm-simd-kernels.js';
import { nativeSinCos } from '../backend/native-blas.js';

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

/**
 * x·W + b with an optional relu as the one fused kernel `tf.fused.matMul` uses off the tape (called
 * directly because, on the tape, tf.fused.matMul falls back to separate matMul/add/relu kernels).
 */
function denseKernel(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, activation: 'relu' | 'linear'): tf.Tensor2D {
  const [B, K] = x.shape as [number, number];
  const N = w.shape[1]!;
  const inputs = { a: tf.reshape(x, [1, B, K]), b: tf.reshape(w, [1, K, N]), bias: b } as unknown as tf.NamedTensorMap;
  const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 } as unknown as tf.NamedAttrMap;
  return tf.reshape(tf.engine().runKernel('_FusedMatMul', inputs, attrs) as tf.Tensor, [B, N]);
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
      // tidy disposes the initial tensors (the variables hold their own reference to the data).
      tf.tidy(() => shapes.map((s, i) => tf.variable(tf.tensor(values[i]!, s.shape, 'float32'), trainable, `${prefix}${s.name}#${++variableSerial}`))),
    );
  }

  /** F(input, c_noise): input [B, 2D], cNoise [B, 1] → [B, D]. Call inside tf.tidy. */
  apply(input: tf.Tensor2D, cNoise: tf.Tensor2D): tf.Tensor2D {
    // Under a gradient tape (training) the whole network is one node with a hand-written backward pass.
    if (tf.engine().state.gradientDepth > 0) return this.applyForTraining(input, cNoise);
    const p = this.params as unknown as tf.Tensor2D[];
    const emb = this.embed(cNoise);
    let t = tf.fused.matMul({ a: emb, b: p[0]!, bias: p[1], activation: 'relu' }) as tf.Tensor2D;
    t = tf.fused.matMul({ a: t, b: p[2]!, bias: p[3] }) as tf.Tensor2D;
    let h = tf.relu(tf.add(tf.fused.matMul({ a: input, b: p[4]!, bias: p[5] }), t)) as tf.Tensor2D;
    const depth = this.cfg.depth;
    for (let k = 1; k < depth; k++) h = tf.fused.matMul({ a: h, b: p[4 + 2 * k]!, bias: p[5 + 2 * k], activation: 'relu' }) as tf.Tensor2D;
    return tf.fused.matMul({ a: h, b: p[4 + 2 * depth]!, bias: p[5 + 2 * depth] }) as tf.Tensor2D;
  }

  /**
   * F(input, c_noise) for one c_noise shared by every row (a sampler step). The time MLP then depends on
   * nothing per row: it runs on a single row and folds into the first layer's bias, so a network
   * evaluation is the four data-path matmuls only (the time MLP's [B, 64]·[64, W] and [B, W]·[W, W]
   * products were ~40% of the FLOPs at width 256). Call inside tf.tidy.
   */
  applyAtNoiseLevel(input: tf.Tensor2D, cNoise: number): tf.Tensor2D {
    const p = this.params as unknown as tf.Tensor2D[];
    const emb = this.embed(tf.fill([1, 1], cNoise) as tf.Tensor2D);
    let t = tf.fused.matMul({ a: emb, b: p[0]!, bias: p[1], activation: 'relu' }) as tf.Tensor2D;
    t = tf.fused.matMul({ a: t, b: p[2]!, bias: p[3] }) as tf.Tensor2D;
    const bias = tf.add(tf.reshape(t, [this.cfg.width]), p[5]!);
    let h = tf.fused.matMul({ a: input, b: p[4]!, bias, activation: 'relu' }) as tf.Tensor2D;
    const depth = this.cfg.depth;
    for (let k = 1; k < depth; k++) h = tf.fused.matMul({ a: h, b: p[4 + 2 * k]!, bias: p[5 + 2 * k], activation: 'relu' }) as tf.Tensor2D;
    return tf.fused.matMul({ a: h, b: p[4 + 2 * depth]!, bias: p[5 + 2 * depth] }) as tf.Tensor2D;
  }

  /** The sinusoidal noise-level embedding [B, timeDim] (no trainable parameters). */
  private embed(cNoise: tf.Tensor2D): tf.Tensor2D {
    const native = nativeSinCos(cNoise, this.freqs);
    if (native) return native;
    const angles = tf.mul(cNoise, this.freqs);
    return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
  }

  /**
   * The same function as `apply`, as one custom-gradient op over the parameters. tfjs would otherwise
   * record the relu layers unfused (matMul, add, relu: fused kernels are only used off the tape), take bias
   * gradients with a transposing Sum, and compute input gradients nobody needs (for the data input and the
   * time embedding). Here the forward runs the same fused kernels as `apply` (so the values are identical)
   * and the backward is the minimal set: per layer dz = dy·[y > 0], dW = xᵀ·dz, db = column sums of dz and
   * dx = dz·Wᵀ, the last only where x depends on parameters. On wasm the relu mask and the column sums are
   * SIMD kernels (wasm-simd-kernels.ts): tfjs's Sum over axis 0 transposes first.
   * Gradients flow to the parameters only: `input` and `cNoise` are constants of this op (training never
   * differentiates with respect to them).
   */
  /** The fused forward with the activations a backward needs: noise embedding, time layer, hidden layers, output. */
  private forwardActivations(p: readonly tf.Tensor[], input: tf.Tensor2D, cNoise: tf.Tensor2D): { emb: tf.Tensor2D; t1: tf.Tensor2D; hs: tf.Tensor2D[]; out: tf.Tensor2D } {
    const depth = this.cfg.depth;
    const emb = this.embed(cNoise);
    const t1 = denseKernel(emb, p[0]!, p[1]!, 'relu');
    const t = denseKernel(t1, p[2]!, p[3]!, 'linear');
    const hs = [tf.relu(tf.add(denseKernel(input, p[4]!, p[5]!, 'linear'), t)) as tf.Tensor2D];
    for (let k = 1; k < depth; k++) hs.push(denseKernel(hs[k - 1]!, p[4 + 2 * k]!, p[5 + 2 * k]!, 'relu'));
    return { emb, t1, hs, out: denseKernel(hs[depth - 1]!, p[4 + 2 * depth]!, p[5 + 2 * depth]!, 'linear') };
  }

  private applyForTraining(input: tf.Tensor2D, cNoise: tf.Tensor2D): tf.Tensor2D {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const p = args.slice(0, this.params.length) as tf.Tensor[];
      const save = args[this.params.length] as tf.GradSaveFunc;
      const { emb, t1, hs, out } = this.forwardActivations(p, input, cNoise);
      // The forward runs in its own tidy scope: everything the backward reads must be saved, the input too.
      save([input, emb, t1, ...hs]);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [sIn, sEmb, sT1, ...sH] = saved as tf.Tensor2D[];
        return this.backward(p, dy as tf.Tensor2D, { input: sIn!, emb: sEmb!, t1: sT1!, hs: sH }, true);
      };
      return { value: out, gradFunc };
    });
    return op(...this.params) as tf.Tensor2D;
  }

  /**
   * The parameter gradients (parameter order) of a loss of F(input, c_noise), with the same backward as the
   * training op, off the tape: `lossGrad(f)` gives ∂loss/∂f and the loss. Training calls this instead of
   * differentiating the EDM loss on tfjs's tape, which recorded, cloned and differentiated ~20 element-wise
   * kernels per step (~0.8 ms of a 3.6 ms batch-256 step). Call inside tf.tidy.
   */
  gradients(input: tf.Tensor2D, cNoise: tf.Tensor2D, lossGrad: (f: tf.Tensor2D) => { dy: tf.Tensor2D; loss: tf.Scalar }): { grads: tf.Tensor[]; loss: tf.Scalar } {
    const p = this.params as unknown as tf.Tensor2D[];
    const { emb, t1, hs, out } = this.forwardActivations(p, input, cNoise);
    const { dy, loss } = lossGrad(out);
    return { grads: this.backward(p, dy, { input, emb, t1, hs }, false), loss };
  }

  /**
   * The minimal backward of the MLP for output gradient `dy`: per layer dz = dy·[y > 0], dW = xᵀ·dz,
   * db = column sums of dz and dx = dz·Wᵀ, the last only where x depends on parameters. Activations are
   * freed as soon as they are used up, which bounds the wasm heap at large batches; `input` and `dy` only
   * when `freeInput` (the tape's saved copies are the backward's own).
   */
  private backward(p: readonly tf.Tensor[], dy: tf.Tensor2D, acts: { input: tf.Tensor2D; emb: tf.Tensor2D; t1: tf.Tensor2D; hs: tf.Tensor2D[] }, freeInput: boolean): tf.Tensor[] {
    const depth = this.cfg.depth;
    const { input: sIn, emb: sEmb, t1: sT1, hs: sH } = acts;
    const colSum = sumRows;
    const reluMask = reluBackward<tf.Tensor2D>;
    const g: tf.Tensor[] = new Array(this.params.length);
    const free = (...ts: tf.Tensor[]) => ts.forEach((t) => t !== dy && t.dispose());
    // Output layer.
    let d = dy;
    g[4 + 2 * depth] = tf.matMul(sH[depth - 1]!, d, true, false);
    g[5 + 2 * depth] = colSum(d);
    d = tf.matMul(d, p[4 + 2 * depth]! as tf.Tensor2D, false, true);
    // Hidden layers, top down.
    for (let k = depth - 1; k >= 1; k--) {
      const dz = reluMask(d, sH[k]!);
      free(d, sH[k]!);
      g[4 + 2 * k] = tf.matMul(sH[k - 1]!, dz, true, false);
      g[5 + 2 * k] = colSum(dz);
      d = tf.matMul(dz, p[4 + 2 * k]! as tf.Tensor2D, false, true);
      free(dz);
    }
    // First layer h0 = relu(input·Win + bin + t): Win/bin, and t's layer (W2, b2) gets the same dz.
    const dz0 = reluMask(d, sH[0]!);
    free(d, sH[0]!);
    g[4] = tf.matMul(sIn, dz0, true, false);
    if (freeInput) free(sIn);
    g[5] = colSum(dz0);
    g[2] = tf.matMul(sT1, dz0, true, false);
    g[3] = tf.clone(g[5]!);
    // Time MLP's first layer.
    const dT1 = tf.matMul(dz0, p[2]! as tf.Tensor2D, false, true) as tf.Tensor2D;
    free(dz0);
    const dzT = reluMask(dT1, sT1);
    free(dT1, sT1);
    g[0] = tf.matMul(sEmb, dzT, true, false);
    g[1] = colSum(dzT);
    free(dzT, sEmb);
    return g;
  }

  /**
   * DP-SGD's clipped gradient sum Σᵢ min(1, C/‖gᵢ‖)·gᵢ over the rows of a batch, where gᵢ is the gradient
   * of row i's loss, without materialising any gᵢ (ghost clipping; Goodfellow 2015, Li et al. 2022
   * "Large Language Models Can Be Strong Differentially Private Learners", §4). Every layer is dense on
   * one row, y = a·W + b, so row i's weight gradient is the outer product aᵢᵀ·dzᵢ and its squared norm is
   * ‖aᵢ‖²·‖dzᵢ‖² (bias: ‖dzᵢ‖²); summed over layers that is ‖gᵢ‖². The backward is linear in the output
   * gradient once the forward (relu masks) is fixed, so each layer's clipped sum is aᵀ·(c ⊙ dz) with the
   * row factors c applied to the dz already computed: one forward and one backward, as in training.
   * `lossGrad(f)` gives ∂ℓᵢ/∂fᵢ row by row ([B, D]). Returns the clipped sums (parameter order), the
   * per-row norms ‖gᵢ‖ before clipping, and whatever `lossGrad` computed as the loss. Call inside tf.tidy,
   * off any gradient tape.
   */
  clippedGradients(input: tf.Tensor2D, cNoise: tf.Tensor2D, lossGrad: (f: tf.Tensor2D) => { dy: tf.Tensor2D; loss: tf.Scalar }, clip: number): { grads: tf.Tensor[]; norms: tf.Tensor1D; loss: tf.Scalar } {
    const depth = this.cfg.depth;
    const p = this.params as unknown as tf.Tensor2D[];
    const { emb, t1, hs, out } = this.forwardActivations(p, input, cNoise);
    const { dy, loss } = lossGrad(out);
    // Per layer: its input a and output gradient dz (unclipped), top down; layer index = weight's index.
    const layers: { w: number; a: tf.Tensor2D; dz: tf.Tensor2D }[] = [{ w: 4 + 2 * depth, a: hs[depth - 1]!, dz: dy }];
    let d = tf.matMul(dy, p[4 + 2 * depth]!, false, true) as tf.Tensor2D;
    for (let k = depth - 1; k >= 1; k--) {
      const dz = reluBackward(d, hs[k]!);
      layers.push({ w: 4 + 2 * k, a: hs[k - 1]!, dz });
      d = tf.matMul(dz, p[4 + 2 * k]!, false, true) as tf.Tensor2D;
    }
    const dz0 = reluBackward(d, hs[0]!);
    layers.push({ w: 4, a: input, dz: dz0 }, { w: 2, a: t1, dz: dz0 });
    const dzT = reluBackward(tf.matMul(dz0, p[2]!, false, true) as tf.Tensor2D, t1);
    layers.push({ w: 0, a: emb, dz: dzT });
    const rowSq = (x: tf.Tensor2D) => tf.sum(tf.square(x), 1);
    // ‖gᵢ‖² = Σ_layers (‖aᵢ‖² + 1)·‖dzᵢ‖²: the weight's outer product plus the bias.
    const sq = layers.map((l) => tf.mul(tf.add(rowSq(l.a), 1), rowSq(l.dz))).reduce((s, x) => tf.add(s, x));
    const norms = tf.sqrt(sq) as tf.Tensor1D;
    // Opacus' factor min(1, C / (‖gᵢ‖ + 1e-6)).
    const factor = tf.reshape(tf.minimum(tf.div(clip, tf.add(norms, 1e-6)), 1), [-1, 1]);
    const grads: tf.Tensor[] = new Array(this.params.length);
    for (const l of layers) {
      const dzc = tf.mul(l.dz, factor) as tf.Tensor2D;
      grads[l.w] = tf.matMul(l.a, dzc, true, false);
      grads[l.w + 1] = sumRows(dzc);
    }
    return { grads, norms, loss };
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
