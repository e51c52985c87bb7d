import { tf } from '../backend/index.js';

/**
 * The image denoiser F(x, c_noise): a small U-Net (Ronneberger et al. 2015; the DDPM/EDM layout, cut down
 * to run on one CPU core through wasm).
 *
 *   stem 3×3 conv ([image, y, x] → c₀)
 *   down: ResBlock(c_{l−1} → c_l) per level, 2×2 average pool between levels   (skips kept)
 *   middle: ResBlock(c_L → c_L) at the lowest resolution (receptive field where it is cheap)
 *   up: 1×1 conv c_{l+1} → c_l, nearest ×2 upsample, add the skip, ResBlock(c_l → c_l)
 *   out: SiLU, 3×3 conv c₀ → 1, zero-initialised so F starts at 0 (D = c_skip·x at first).
 *
 * Choices that keep the op count and FLOPs small (every conv at 64² costs as much as a whole level below):
 *  - skips are added, not concatenated, so up-path convolutions stay c_l → c_l; the 1×1 projection runs
 *    before the upsample, where it is 4× cheaper (nearest upsampling commutes with a 1×1 conv);
 *  - no normalisation layers: each residual branch's last conv is zero-initialised, so every block starts
 *    as the identity and activations stay at the input's scale without GroupNorm's extra ops;
 *  - the noise level modulates each block after its first conv, h·(1 + γ(σ)) + β(σ) per channel (FiLM, the
 *    "adaptive scale" of EDM's U-Nets): a shift alone lets the network change little between σ = 80 (predict
 *    the mean image) and σ = 0.01 (remove faint noise). γ and β for all blocks come from one shared
 *    embedding MLP whose last layer is a single matmul;
 *  - two coordinate channels (y, x ∈ [−1, 1]) are fed with the image: scans are roughly registered
 *    (a brain sits in the middle of the field of view), and zero padding alone tells a small network
 *    little about where it is;
 *  - optionally (`levelDim`), the slice's level in its volume (0 = first slice along the normal, 1 = last)
 *    conditions every block through the same FiLM: its Fourier features sin/cos(2^k·π·level) are
 *    concatenated to the noise embedding, so the cost is levelDim more rows in one matmul;
 *  - optionally (`labelDim`), a label per image (the series it came from: T1, T2, FLAIR…) conditions every
 *    block the same way: its one-hot vector is concatenated after the level's features (labelDim more
 *    rows of time.w1, one learned embedding column per label).
 * Convolutions are fused conv+bias kernels; their gradients on wasm come from `wasm-conv-bridge.ts`.
 */
export interface UNetConfig {
  /** Square input side, divisible by 2^(levels − 1). */
  imageSize: number;
  /** Channels per resolution level, e.g. [32, 64, 128]: levels − 1 downsamplings. */
  channels: number[];
  /** Sinusoidal noise-embedding size (even). */
  timeDim: number;
  /** Image channels (1 for grayscale scans). */
  inChannels: number;
  /** Fourier features of the slice level (even; absent or 0: unconditional). */
  levelDim?: number;
  /** Number of labels, one-hot (absent or 0: no label input). */
  labelDim?: number;
}

export interface Param {
  name: string;
  shape: number[];
  /** 'zero' for biases and the last conv of each residual branch and of the output. */
  init: 'he' | 'zero';
}

interface Block {
  name: string;
  cin: number;
  cout: number;
}

/** The residual blocks in forward order (down, middle, up); names key the parameters. */
function blocks(cfg: UNetConfig): Block[] {
  const c = cfg.channels;
  const out: Block[] = [];
  c.forEach((ch, l) => out.push({ name: `down${l}`, cin: l === 0 ? ch : c[l - 1]!, cout: ch }));
  out.push({ name: 'mid', cin: c[c.length - 1]!, cout: c[c.length - 1]! });
  for (let l = c.length - 2; l >= 0; l--) out.push({ name: `up${l}`, cin: c[l]!, cout: c[l]! });
  return out;
}

/** Embedding width after the noise MLP. */
function embedDim(cfg: UNetConfig): number {
  return 2 * cfg.channels[0]!;
}

export function validateUNetConfig(cfg: UNetConfig): void {
  const levels = cfg.channels.length;
  if (levels < 1 || cfg.channels.some((c) => !Number.isInteger(c) || c < 1)) throw new RangeError(`U-Net channels must be positive integers, got [${cfg.channels.join(', ')}]`);
  if (cfg.imageSize % 2 ** (levels - 1) !== 0) throw new RangeError(`image size ${cfg.imageSize} must be divisible by 2^${levels - 1} for ${levels} U-Net levels`);
  if (cfg.timeDim % 2 !== 0) throw new RangeError(`timeDim must be even, got ${cfg.timeDim}`);
  if ((cfg.levelDim ?? 0) % 2 !== 0) throw new RangeError(`levelDim must be even, got ${cfg.levelDim}`);
  if (!Number.isInteger(cfg.labelDim ?? 0) || (cfg.labelDim ?? 0) < 0) throw new RangeError(`labelDim must be a non-negative integer, got ${cfg.labelDim}`);
}

export function parameterShapes(cfg: UNetConfig): Param[] {
  validateUNetConfig(cfg);
  const c = cfg.channels;
  const E = embedDim(cfg);
  const bl = blocks(cfg);
  const p: Param[] = [
    { name: 'time.w1', shape: [cfg.timeDim + (cfg.levelDim ?? 0) + (cfg.labelDim ?? 0), E], init: 'he' },
    { name: 'time.b1', shape: [E], init: 'zero' },
    // One matmul gives every block's per-channel scale and shift (columns: [γ, β] per block, in block order).
    { name: 'time.w2', shape: [E, bl.reduce((s, b) => s + 2 * b.cout, 0)], init: 'he' },
    { name: 'time.b2', shape: [bl.reduce((s, b) => s + 2 * b.cout, 0)], init: 'zero' },
    { name: 'stem.w', shape: [3, 3, cfg.inChannels + 2, c[0]!], init: 'he' },
    { name: 'stem.b', shape: [c[0]!], init: 'zero' },
  ];
  for (const b of bl) {
    p.push(
      { name: `${b.name}.conv1.w`, shape: [3, 3, b.cin, b.cout], init: 'he' },
      { name: `${b.name}.conv1.b`, shape: [b.cout], init: 'zero' },
      { name: `${b.name}.conv2.w`, shape: [3, 3, b.cout, b.cout], init: 'zero' },
      { name: `${b.name}.conv2.b`, shape: [b.cout], init: 'zero' },
    );
    if (b.cin !== b.cout) p.push({ name: `${b.name}.skip.w`, shape: [1, 1, b.cin, b.cout], init: 'he' });
    if (b.name.startsWith('up')) {
      const l = Number(b.name.slice(2));
      p.push({ name: `${b.name}.proj.w`, shape: [1, 1, c[l + 1]!, c[l]!], init: 'he' });
    }
  }
  p.push({ name: 'out.w', shape: [3, 3, c[0]!, cfg.inChannels], init: 'zero' }, { name: 'out.b', shape: [cfg.inChannels], init: 'zero' });
  return p;
}

/** He-uniform for SiLU/linear layers (fan-in = kh·kw·cin), zeros where `init` says so. */
export function initParameters(cfg: UNetConfig, rng: { next(): number }): Float32Array[] {
  return parameterShapes(cfg).map(({ shape, init }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    if (init === 'he') {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const limit = Math.sqrt(6 / fanIn);
      for (let i = 0; i < size; i++) v[i] = (2 * rng.next() - 1) * limit;
    }
    return v;
  });
}

// tfjs variable names are global per process; a serial keeps two models' names apart.
let variableSerial = 0;

export class UNet {
  private readonly byName: Map<string, tf.Variable>;
  private readonly freqs: tf.Tensor1D;
  /** 2^k·π for the level's Fourier features; undefined without conditioning. */
  private readonly levelFreqs?: tf.Tensor1D;
  /** [1, H, W, 2] coordinate channels (row, column), fixed. */
  private readonly coords: tf.Tensor4D;
  private readonly blockList: Block[];

  private constructor(
    readonly cfg: UNetConfig,
    readonly params: tf.Variable[],
  ) {
    const names = parameterShapes(cfg).map((p) => p.name);
    this.byName = new Map(names.map((n, i) => [n, params[i]!]));
    this.blockList = blocks(cfg);
    // Log-spaced frequencies (Transformer/DDPM embedding) scaled for c_noise = ln(σ)/4 ∈ ~[−1.6, 1.1],
    // as in the table model's MLP.
    const half = cfg.timeDim / 2;
    this.freqs = tf.tensor1d(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(1000) * i) / half) * 16));
    if (cfg.levelDim) this.levelFreqs = tf.tensor1d(Array.from({ length: cfg.levelDim / 2 }, (_, k) => 2 ** k * Math.PI));
    const n = cfg.imageSize;
    const grid = new Float32Array(n * n * 2);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        grid[(y * n + x) * 2] = ((y + 0.5) / n) * 2 - 1;
        grid[(y * n + x) * 2 + 1] = ((x + 0.5) / n) * 2 - 1;
      }
    }
    this.coords = tf.tensor4d(grid, [1, n, n, 2]);
  }

  static create(cfg: UNetConfig, values: Float32Array[], trainable: boolean, prefix = ''): UNet {
    const shapes = parameterShapes(cfg);
    if (values.length !== shapes.length) throw new RangeError(`U-Net expects ${shapes.length} parameter tensors, got ${values.length}`);
    const serial = ++variableSerial;
    return new UNet(
      cfg,
      // In a tidy, so each initial tensor is freed once its variable holds a copy (variables outlive tidy).
      tf.tidy(() => shapes.map((s, i) => tf.variable(tf.tensor(values[i]!, s.shape, 'float32'), trainable, `${prefix}${s.name}#${serial}`))),
    );
  }

  private p<R extends tf.Rank>(name: string): tf.Tensor<R> {
    const v = this.byName.get(name);
    if (!v) throw new Error(`internal: U-Net parameter ${name} missing`);
    return v as unknown as tf.Tensor<R>;
  }

  private conv(x: tf.Tensor4D, name: string, bias = true): tf.Tensor4D {
    return tf.fused.conv2d({ x, filter: this.p<tf.Rank.R4>(`${name}.w`), strides: 1, pad: 'same', bias: bias ? this.p<tf.Rank.R1>(`${name}.b`) : undefined });
  }

  private block(x: tf.Tensor4D, b: Block, film: { scale: tf.Tensor4D; shift: tf.Tensor4D }): tf.Tensor4D {
    let h = tf.add(tf.mul(this.conv(silu(x), `${b.name}.conv1`), film.scale), film.shift) as tf.Tensor4D;
    h = this.conv(silu(h), `${b.name}.conv2`);
    const skip = b.cin === b.cout ? x : this.conv(x, `${b.name}.skip`, false);
    return tf.add(skip, h) as tf.Tensor4D;
  }

  /**
   * F(x, c_noise[, level, label]): x [B, H, W, C] (already scaled by c_in), cNoise [B], level [B] in [0, 1]
   * (a model with `levelDim` needs it), label [B, labelDim] one-hot (a model with `labelDim` needs it)
   * → [B, H, W, C]. Call inside tf.tidy.
   */
  apply(x: tf.Tensor4D, cNoise: tf.Tensor1D, level?: tf.Tensor1D, label?: tf.Tensor2D): tf.Tensor4D {
    const B = x.shape[0];
    const angles = tf.mul(tf.reshape(cNoise, [B, 1]), this.freqs);
    const parts0: tf.Tensor[] = [tf.sin(angles), tf.cos(angles)];
    if (this.levelFreqs) {
      if (!level) throw new Error('internal: a slice-level U-Net needs the level of each image');
      const a = tf.mul(tf.reshape(level, [B, 1]), this.levelFreqs);
      parts0.push(tf.sin(a), tf.cos(a));
    }
    if (this.cfg.labelDim) {
      if (!label || label.shape[1] !== this.cfg.labelDim) throw new Error(`internal: a labelled U-Net needs a [B, ${this.cfg.labelDim}] one-hot label per image`);
      parts0.push(label);
    }
    const emb = tf.concat(parts0, 1) as tf.Tensor2D;
    const t = silu(tf.fused.matMul({ a: emb, b: this.p<tf.Rank.R2>('time.w1'), bias: this.p('time.b1') }));
    const all = tf.fused.matMul({ a: t, b: this.p<tf.Rank.R2>('time.w2'), bias: this.p('time.b2') });
    const parts = tf.split(all, this.blockList.flatMap((b) => [b.cout, b.cout]), 1);
    const film = this.blockList.map((b, i) => ({
      scale: tf.reshape(tf.add(parts[2 * i]!, 1), [B, 1, 1, b.cout]) as tf.Tensor4D,
      shift: tf.reshape(parts[2 * i + 1]!, [B, 1, 1, b.cout]) as tf.Tensor4D,
    }));
    let k = 0;
    const levels = this.cfg.channels.length;
    let h = this.conv(tf.concat([x, tf.tile(this.coords, [B, 1, 1, 1])], 3) as tf.Tensor4D, 'stem');
    const skips: tf.Tensor4D[] = [];
    for (let l = 0; l < levels; l++) {
      h = this.block(h, this.blockList[k]!, film[k]!);
      k++;
      skips.push(h);
      if (l < levels - 1) h = tf.avgPool(h, 2, 2, 'valid');
    }
    h = this.block(h, this.blockList[k]!, film[k]!);
    k++;
    for (let l = levels - 2; l >= 0; l--) {
      const proj = this.conv(h, `up${l}.proj`, false);
      h = tf.add(tf.image.resizeNearestNeighbor(proj, [proj.shape[1] * 2, proj.shape[2] * 2]), skips[l]!) as tf.Tensor4D;
      h = this.block(h, this.blockList[k]!, film[k]!);
      k++;
    }
    return this.conv(silu(h), 'out');
  }

  async read(): Promise<Float32Array[]> {
    return Promise.all(this.params.map(async (v) => (await v.data()) as Float32Array));
  }

  assign(values: Float32Array[]): void {
    tf.tidy(() => this.params.forEach((v, i) => v.assign(tf.tensor(values[i]!, v.shape, 'float32'))));
  }

  get parameterCount(): number {
    return this.params.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    this.params.forEach((v) => v.dispose());
    this.freqs.dispose();
    this.levelFreqs?.dispose();
    this.coords.dispose();
  }
}

/** SiLU (swish): x·σ(x), the activation of DDPM/EDM U-Nets; smooth, so the score field is too. */
function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x)) as T;
}
