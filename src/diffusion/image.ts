import { tf, currentBackend } from '../backend/index.js';
import { ModelError } from '../errors.js';
import { messages } from '../messages.js';
import { createRng, deriveSeed, permutation, resumeRng, type RngState } from '../rng.js';
import type { ImagePreprocessing } from '../io/dicom/preprocess.js';
import type { SamplerName } from './sampler-name.js';
import { Adam } from './adam.js';
import { readCheckpoint, trainingTensors, writeCheckpoint } from './checkpoint.js';
import { edmCoefficients } from './denoiser.js';
import { EDM_DEFAULTS, preconditioning, type EdmConfig } from './edm.js';
import { sampleEdm } from './samplers.js';
import { learningRateAt } from './train.js';
import { initParameters, parameterShapes, UNet, type UNetConfig } from './unet.js';

/**
 * The image score model: EDM-preconditioned U-Net, D(x; σ) = c_skip·x + c_out·F(c_in·x, ln σ / 4), the
 * same noise process, preconditioning, Adam, learning-rate schedule, EMA and samplers as the table model
 * (edm.ts, denoiser.ts, adam.ts, train.ts, samplers.ts); only the network and the batches differ.
 *
 * Images are single-channel [imageSize, imageSize] in [−1, 1] (see image-preprocess.ts for the mapping
 * from modality units). σ_data = 0.5, EDM's value for images scaled to [−1, 1].
 */

export interface ImageTrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  warmupSteps: number;
  finalLrFraction: number;
  emaDecay: number;
  seed: number;
  edm: EdmConfig;
}

export interface ImageModelOptions {
  /** U-Net channels per level; default from `defaultChannels`. */
  channels?: number[];
  /** Condition on each slice's level in its volume (0–1 along the slice normal); see unet.ts. */
  slicePosition?: boolean;
  /** Condition on a label per image (the series it came from); see unet.ts. Labels in one-hot order. */
  seriesLabels?: { attribute: string; labels: readonly string[] };
  seed?: number;
  train?: Partial<ImageTrainOptions>;
}

export interface ImageTrainProgress {
  step: number;
  steps: number;
  /** Mean training loss since the last report. */
  loss: number;
  stepsPerSec: number;
  lr: number;
}

export interface ImageTrainState {
  step: number;
  rngState: number;
  /** [step, mean loss over the steps since the previous entry], about 50 entries per run. */
  lossCurve: [number, number][];
  /**
   * [step, the EMA model's loss on held-out images (`evaluateLoss`)] every `heldOut.every` steps and at the
   * last step, where `fit` was given held-out images: where it is lowest says how many steps the data can use.
   */
  heldOutCurve?: [number, number][];
  /**
   * A periodic save's exact place (as TrainState's in train.ts): the random stream's state, its state when
   * the epoch's order was drawn, the cursor in that order, and the loss sum since the last curve entry.
   */
  rng?: RngState;
  orderRng?: RngState;
  cursor?: number;
  lossSum?: number;
  lossCount?: number;
}

export interface ImageSampleOptions {
  seed: number;
  sampler?: SamplerName;
  steps?: number;
  /** Images per sampler call; bounds memory. */
  batch?: number;
  /** One level in [0, 1] per image: required by a slice-position model, refused by others. */
  levels?: readonly number[];
  /** One label per image: required by a labelled model (one of its `seriesLabels.labels`), refused by others. */
  labels?: readonly string[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * What a labelled model conditions on (`model.seriesLabel`): the DICOM attribute read per series, the
 * labels in one-hot order, and how many training slices each had. Saved with the checkpoint.
 */
export interface SeriesLabels {
  attribute: string;
  labels: string[];
  trainSlices?: number[];
}

const FORMAT = 'synthdiff-image/1';
/** Fourier features of the slice level (4 frequencies: π … 8π, enough to tell a few dozen levels apart). */
const LEVEL_DIM = 8;
export const IMAGE_EDM: EdmConfig = { ...EDM_DEFAULTS, sigmaData: 0.5 };

/**
 * Default U-Net: channels b, 2b, 4b, then 4b again for a fourth level where the image halves that often
 * (64² → 32², 16², 8²; the lowest levels cost little and give the network the whole slice in view, which
 * made samples more coherent than three levels at equal time). b = 16 on CPU: one wasm core trains it at
 * 64² and batch 8 at ~2 steps/s, so a usable model takes a few minutes; b = 32 (~3× the cost) on a GPU.
 */
export function defaultChannels(device: 'cpu' | 'gpu', imageSize: number, base?: number): number[] {
  const b = base ?? (device === 'gpu' ? 32 : 16);
  const widths = [b, 2 * b, 4 * b, 4 * b];
  let levels = 1;
  while (levels < widths.length && imageSize % 2 ** levels === 0 && imageSize / 2 ** levels >= 4) levels++;
  return widths.slice(0, levels);
}

export function defaultImageTrainOptions(overrides: Partial<ImageTrainOptions> = {}): ImageTrainOptions {
  const steps = overrides.steps ?? 600;
  return {
    steps,
    batchSize: 8,
    // Higher than the table model's: few images, no normalisation layers, a short run (1e-3 left samples
    // noticeably noisier after 300–1000 steps on the brain series than 2e-3 or 3e-3).
    learningRate: 2e-3,
    warmupSteps: Math.min(100, Math.round(steps * 0.05)),
    // Constant after the warm-up; the EMA does the averaging. A decay to 5% stopped these short runs learning
    // early: on brain-mr (800 steps, seeds 7 and 8) the held-out loss went 0.2254 → 0.2142 and 0.2269 → 0.2099,
    // and the training loss 0.163 → 0.144 and 0.161 → 0.146 (bench/RESULTS.md, tenth session).
    finalLrFraction: 1,
    emaDecay: 0.999,
    seed: 0,
    edm: IMAGE_EDM,
    ...overrides,
  };
}

export class ImageDiffusion {
  /** What the model was trained from (the run's spec parts, see run/model.ts); saved with the checkpoint. */
  learnedFrom?: Record<string, unknown>;
  /** The labels a labelled model conditions on (absent: none; checkpoints from before labels load so). */
  seriesLabels?: SeriesLabels;

  private constructor(
    readonly unet: UNetConfig,
    readonly net: UNet,
    readonly ema: UNet,
    readonly optimizer: Adam,
    public trainOptions: ImageTrainOptions,
    public state: ImageTrainState,
    readonly preprocessing: ImagePreprocessing,
    public specHash = '',
  ) {}

  static create(preprocessing: ImagePreprocessing, opts: ImageModelOptions = {}): ImageDiffusion {
    const unet: UNetConfig = {
      imageSize: preprocessing.imageSize,
      channels: opts.channels ?? defaultChannels(currentBackend()?.device ?? 'cpu', preprocessing.imageSize),
      timeDim: 32,
      inChannels: 1,
      ...(opts.slicePosition ? { levelDim: LEVEL_DIM } : {}),
      ...(opts.seriesLabels ? { labelDim: opts.seriesLabels.labels.length } : {}),
    };
    const labels = opts.seriesLabels?.labels;
    if (labels && (labels.length === 0 || new Set(labels).size !== labels.length)) throw new RangeError(`series labels must be distinct and at least one, got [${labels.join(', ')}]`);
    const seed = opts.seed ?? 0;
    const init = initParameters(unet, createRng(deriveSeed(seed, 'init')));
    const net = UNet.create(unet, init, true, 'net.');
    const model = new ImageDiffusion(
      unet,
      net,
      UNet.create(unet, init, false, 'ema.'),
      new Adam(net.params),
      defaultImageTrainOptions({ seed, ...opts.train }),
      { step: 0, rngState: deriveSeed(seed, 'train'), lossCurve: [] },
      preprocessing,
    );
    if (opts.seriesLabels) model.seriesLabels = { attribute: opts.seriesLabels.attribute, labels: [...opts.seriesLabels.labels] };
    return model;
  }

  get size(): number {
    return this.unet.imageSize;
  }

  /** Whether the model conditions on the slice level (then every image it trains on or draws has one). */
  get slicePosition(): boolean {
    return (this.unet.levelDim ?? 0) > 0;
  }

  /** The levels for `count` images, checked against the model: [0, 1] each, given iff the model conditions. */
  private checkLevels(levels: readonly number[] | undefined, count: number, what: string): readonly number[] | undefined {
    if (!this.slicePosition) {
      if (levels) throw new ModelError(`${what}: this image model does not condition on slice position; it takes no levels`);
      return undefined;
    }
    if (!levels || levels.length !== count) throw new ModelError(`${what}: this image model conditions on slice position; give one level in [0, 1] per image (${count}), got ${levels?.length ?? 'none'}`);
    for (const v of levels) if (!(v >= 0 && v <= 1)) throw new ModelError(`${what}: slice level ${v} is outside [0, 1]`);
    return levels;
  }

  /** Whether the model conditions on a label per image (`seriesLabels`). */
  get labelled(): boolean {
    return (this.unet.labelDim ?? 0) > 0;
  }

  /** Each label's one-hot index, checked against the model: one known label per image, given iff the model is labelled. */
  private checkLabels(labels: readonly string[] | undefined, count: number, what: string): Int32Array | undefined {
    const known = this.seriesLabels?.labels;
    if (!this.labelled || !known) {
      if (labels) throw new ModelError(messages.imageLabelsRefused(what));
      return undefined;
    }
    if (!labels || labels.length !== count) throw new ModelError(messages.imageLabelsRequired(what, count, labels?.length));
    return Int32Array.from(labels, (l) => {
      const k = known.indexOf(l);
      if (k < 0) throw new ModelError(messages.imageLabelUnknown(what, l, known));
      return k;
    });
  }

  /** One-hot rows [n, labelDim] for label indices [start, start + n). */
  private oneHot(index: ArrayLike<number>, start: number, n: number): tf.Tensor2D {
    const L = this.unet.labelDim!;
    const v = new Float32Array(n * L);
    for (let i = 0; i < n; i++) v[i * L + index[start + i]!] = 1;
    return tf.tensor2d(v, [n, L]);
  }

  /**
   * D(x; σ) for one σ shared by the batch, from the EMA weights (sampling); `level` [B] for a slice-position
   * model, `label` [B, labelDim] one-hot for a labelled one. Call inside tf.tidy.
   */
  denoise(x: tf.Tensor4D, sigma: number, level?: tf.Tensor1D, label?: tf.Tensor2D): tf.Tensor4D {
    const { cSkip, cOut, cIn, cNoise } = preconditioning(sigma, this.trainOptions.edm.sigmaData);
    const f = this.ema.apply(tf.mul(x, cIn), tf.fill([x.shape[0]], cNoise) as tf.Tensor1D, level, label);
    return tf.add(tf.mul(x, cSkip), tf.mul(f, cOut)) as tf.Tensor4D;
  }

  /**
   * EDM training loss for clean images x0 [B,S,S,1] with per-image σ [B] and noise: the mean over pixels of
   * (F(c_in·x_σ, c_noise) − (x0 − c_skip·x_σ)/c_out)², which is EDM's λ(σ)-weighted denoising loss.
   */
  private loss(net: UNet, x0: tf.Tensor4D, sigma: tf.Tensor1D, noise: tf.Tensor4D, level?: tf.Tensor1D, label?: tf.Tensor2D): tf.Scalar {
    const B = x0.shape[0];
    const s4 = tf.reshape(sigma, [B, 1, 1, 1]);
    const { cIn, cSkip, cOut, cNoise } = edmCoefficients(s4, this.trainOptions.edm.sigmaData);
    const xNoisy = tf.add(x0, tf.mul(s4, noise));
    const f = net.apply(tf.mul(xNoisy, cIn) as tf.Tensor4D, tf.reshape(cNoise, [B]) as tf.Tensor1D, level, label);
    const target = tf.div(tf.sub(x0, tf.mul(cSkip, xNoisy)), cOut);
    return tf.mean(tf.square(tf.sub(f, target))) as tf.Scalar;
  }

  /**
   * Train (or continue up to `trainOptions.steps`) on `images` (each imageSize² in [−1, 1]). Batches are
   * drawn by epoch-wise shuffles from the seeded generator; with `preprocessing.flip` each drawn image is
   * mirrored left-right with probability ½ (its level and label are unchanged). A labelled model takes one
   * label per image (`labels`) and records how many images each label had. With `heldOut`, the EMA model's
   * loss on those images is recorded every `every` steps and at the last (state.heldOutCurve); it draws
   * nothing from the training stream, so the weights are the same with or without it.
   */
  async fit(
    images: readonly Float32Array[],
    opts: {
      levels?: readonly number[];
      labels?: readonly string[];
      onProgress?: (p: ImageTrainProgress) => void;
      checkpoint?: { dir: string; everyMs: number; everySteps?: number; onSaved?: (state: ImageTrainState) => void };
      heldOut?: { images: readonly Float32Array[]; levels?: readonly number[]; labels?: readonly string[]; seed: number; every: number; onLoss?: (step: number, loss: number) => void };
    } = {},
  ): Promise<ImageTrainState> {
    const o = this.trainOptions;
    const S = this.size, P = S * S;
    if (images.length === 0) throw new ModelError('no training images');
    const levels = this.checkLevels(opts.levels, images.length, 'training');
    const lev = new Float32Array(o.batchSize);
    const labelIndex = this.checkLabels(opts.labels, images.length, 'training');
    const lab = new Int32Array(o.batchSize);
    if (labelIndex) this.seriesLabels!.trainSlices = this.seriesLabels!.labels.map((_, k) => labelIndex.filter((i) => i === k).length);
    for (const im of images) if (im.length !== P) throw new ModelError(`training image has ${im.length} pixels, expected ${S}×${S}`);
    const at = this.state.rng && this.state.orderRng ? this.state : undefined;
    const rng = at ? resumeRng(at.rng!) : createRng(this.state.rngState);
    const B = o.batchSize;
    const buf = new Float32Array(B * P);
    const sig = new Float32Array(B);
    let orderRng = at ? at.orderRng! : rng.state();
    let order = permutation(images.length, at ? resumeRng(orderRng) : rng);
    let cursor = at?.cursor ?? 0;
    const started = performance.now();
    const startStep = this.state.step;
    const reportEvery = Math.max(1, Math.min(25, Math.round(o.steps / 50)));
    let lossSum = at?.lossSum ?? 0, lossCount = at?.lossCount ?? 0;
    const curve = [...this.state.lossCurve];
    const ho = opts.heldOut && opts.heldOut.images.length > 0 ? opts.heldOut : undefined;
    const heldCurve: [number, number][] = [...(this.state.heldOutCurve ?? [])];
    const withHeld = () => (ho ? { heldOutCurve: [...heldCurve] } : {});
    let step = this.state.step;
    let lastSave = performance.now();
    const ck = opts.checkpoint;
    for (; step < o.steps; step++) {
      for (let b = 0; b < B; b++) {
        if (cursor === images.length) {
          orderRng = rng.state();
          order = permutation(images.length, rng);
          cursor = 0;
        }
        const index = order[cursor++]!;
        const im = images[index]!;
        if (levels) lev[b] = levels[index]!;
        if (labelIndex) lab[b] = labelIndex[index]!;
        if (this.preprocessing.flip && rng.next() < 0.5) {
          for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) buf[b * P + y * S + x] = im[y * S + S - 1 - x]!;
        } else buf.set(im, b * P);
        sig[b] = Math.exp(o.edm.pMean + o.edm.pStd * rng.normal());
      }
      const noiseSeed = rng.int(2 ** 31);
      const lr = learningRateAt(step, o);
      const x0 = tf.tensor4d(buf, [B, S, S, 1]);
      const sigma = tf.tensor1d(sig);
      const noise = tf.randomNormal([B, S, S, 1], 0, 1, 'float32', noiseSeed) as tf.Tensor4D;
      const level = levels ? tf.tensor1d(lev) : undefined;
      const label = labelIndex ? this.oneHot(lab, 0, B) : undefined;
      const loss = this.optimizer.minimize(() => this.loss(this.net, x0, sigma, noise, level, label), lr);
      tf.dispose([x0, sigma, noise, ...(level ? [level] : []), ...(label ? [label] : [])]);
      // EMA with the usual warm-up (decay grows with the step) so short runs are not dominated by init.
      const decay = Math.min(o.emaDecay, (1 + step) / (10 + step));
      tf.tidy(() => this.ema.params.forEach((e, i) => e.assign(tf.add(tf.mul(e, decay), tf.mul(this.net.params[i]!, 1 - decay)))));
      lossSum += (await loss.data())[0]!;
      lossCount++;
      loss.dispose();
      const done = step + 1;
      if (ho && (done % Math.max(1, ho.every) === 0 || done === o.steps)) {
        const l = await this.evaluateLoss(ho.images, ho.seed, ho.levels, ho.labels);
        heldCurve.push([done, l]);
        ho.onLoss?.(done, l);
      }
      if (done % reportEvery === 0 || done === o.steps) {
        const mean = lossSum / lossCount;
        curve.push([done, mean]);
        const elapsed = (performance.now() - started) / 1000;
        opts.onProgress?.({ step: done, steps: o.steps, loss: mean, stepsPerSec: (done - startStep) / Math.max(elapsed, 1e-9), lr });
        lossSum = 0;
        lossCount = 0;
      }
      if (ck && done < o.steps && (performance.now() - lastSave >= ck.everyMs || (ck.everySteps !== undefined && done % ck.everySteps === 0))) {
        // A periodic save (see PeriodicCheckpoint in train.ts): the random stream is read, not drawn from.
        const finished = this.state;
        this.state = { step: done, rngState: finished.rngState, lossCurve: [...curve], ...withHeld(), rng: rng.state(), orderRng, cursor, lossSum, lossCount };
        try {
          await this.save(ck.dir, { inProgress: true });
        } finally {
          this.state = finished;
        }
        ck.onSaved?.({ step: done, rngState: 0, lossCurve: curve });
        lastSave = performance.now();
      }
    }
    this.state = { step, rngState: rng.int(2 ** 31), lossCurve: curve, ...withHeld() };
    return this.state;
  }

  /**
   * The EMA model's loss on `images` at a fixed set of noise levels (the EDM training σ's deciles) and a
   * fixed noise draw: comparable between training and held-out images, and between runs.
   */
  async evaluateLoss(images: readonly Float32Array[], seed: number, levels?: readonly number[], labels?: readonly string[]): Promise<number> {
    if (images.length === 0) return NaN;
    const lv = this.checkLevels(levels, images.length, 'loss');
    const lb = this.checkLabels(labels, images.length, 'loss');
    const S = this.size, P = S * S, edm = this.trainOptions.edm;
    // Deciles of LogNormal(pMean, pStd): z-scores of the 5th, 15th, …, 95th percentiles.
    const z = [-1.645, -1.036, -0.674, -0.385, -0.126, 0.126, 0.385, 0.674, 1.036, 1.645];
    let total = 0, count = 0;
    for (let start = 0; start < images.length; start += 8) {
      const chunk = images.slice(start, start + 8);
      const B = chunk.length;
      const buf = new Float32Array(B * P);
      chunk.forEach((im, i) => buf.set(im, i * P));
      const x0 = tf.tensor4d(buf, [B, S, S, 1]);
      for (const [k, zk] of z.entries()) {
        const l = tf.tidy(() => {
          const sigma = tf.fill([B], Math.exp(edm.pMean + edm.pStd * zk)) as tf.Tensor1D;
          const noise = tf.randomNormal([B, S, S, 1], 0, 1, 'float32', deriveSeed(seed, `${start}/${k}`)) as tf.Tensor4D;
          return this.loss(this.ema, x0, sigma, noise, lv ? tf.tensor1d(lv.slice(start, start + B)) : undefined, lb ? this.oneHot(lb, start, B) : undefined);
        });
        total += (await l.data())[0]! * B;
        count += B;
        l.dispose();
      }
      x0.dispose();
    }
    return total / count;
  }

  /** Draw `count` images (imageSize², model scale, not clipped) from the EMA weights. */
  async sample(count: number, opts: ImageSampleOptions): Promise<Float32Array[]> {
    const S = this.size, P = S * S;
    const chunk = opts.batch ?? 16;
    const levels = this.checkLevels(opts.levels, count, 'sampling');
    const labels = this.checkLabels(opts.labels, count, 'sampling');
    const out: Float32Array[] = [];
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const level = levels ? tf.tensor1d(levels.slice(start, start + n)) : undefined;
      const label = labels ? this.oneHot(labels, start, n) : undefined;
      const x = sampleEdm<tf.Tensor4D>((v, s) => this.denoise(v, s, level, label), [n, S, S, 1], this.trainOptions.edm, {
        sampler: opts.sampler ?? 'heun',
        steps: opts.steps ?? 24,
        seed: deriveSeed(opts.seed, `images${start}`),
      });
      level?.dispose();
      label?.dispose();
      const values = (await x.data()) as Float32Array;
      x.dispose();
      for (let i = 0; i < n; i++) out.push(values.slice(i * P, (i + 1) * P));
      opts.onProgress?.(start + n, count);
    }
    return out;
  }

  /** Write the checkpoint; `inProgress` marks a periodic save taken mid-training (resume continues from it). */
  async save(dir: string, opts: { inProgress?: boolean } = {}): Promise<void> {
    const meta = {
      format: FORMAT,
      specHash: this.specHash,
      ...(this.learnedFrom ? { learnedFrom: this.learnedFrom } : {}),
      unet: this.unet,
      ...(this.seriesLabels ? { seriesLabels: this.seriesLabels } : {}),
      preprocessing: this.preprocessing,
      trainOptions: this.trainOptions,
      state: this.state,
      adamStep: this.optimizer.step,
      ...(opts.inProgress ? { inProgress: true } : {}),
    };
    await writeCheckpoint(dir, meta, await trainingTensors(parameterShapes(this.unet), this.net, this.ema, this.optimizer));
  }

  static async load(dir: string): Promise<ImageDiffusion> {
    const { meta, get: getNamed } = await readCheckpoint<{
      format: string;
      specHash: string;
      unet: UNetConfig;
      preprocessing: ImagePreprocessing;
      trainOptions: ImageTrainOptions;
      state: ImageTrainState;
      adamStep: number;
      learnedFrom?: Record<string, unknown>;
      seriesLabels?: SeriesLabels;
    }>(dir, FORMAT, 'an image model checkpoint');
    // A checkpoint from before labels has neither labelDim nor seriesLabels: it loads as an unlabelled model.
    if ((meta.unet.labelDim ?? 0) !== (meta.seriesLabels?.labels.length ?? 0)) throw new ModelError(messages.imageCheckpointLabels(dir, meta.unet.labelDim ?? 0, meta.seriesLabels?.labels.length ?? 0));
    const names = parameterShapes(meta.unet).map((s) => s.name);
    const get = (prefix: string) => getNamed(prefix, names);
    const net = UNet.create(meta.unet, get('net/'), true, 'net.');
    const model = new ImageDiffusion(
      meta.unet,
      net,
      UNet.create(meta.unet, get('ema/'), false, 'ema.'),
      new Adam(net.params, meta.adamStep, undefined, undefined, undefined, { m: get('adam.m/'), v: get('adam.v/') }),
      meta.trainOptions,
      meta.state,
      meta.preprocessing,
      meta.specHash,
    );
    if (meta.learnedFrom) model.learnedFrom = meta.learnedFrom;
    if (meta.seriesLabels) model.seriesLabels = meta.seriesLabels;
    return model;
  }

  dispose(): void {
    this.net.dispose();
    this.ema.dispose();
    this.optimizer.dispose();
  }
}
