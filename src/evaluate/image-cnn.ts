/**
 * Image fidelity from small convolutional networks trained in-process (tfjs on the run's backend; wasm on
 * CPU), the "CNN C2ST" and "KID on features of a network trained on the real slices", beside the
 * random forest on hand-made features (`image-detection.ts`, `image-kid.ts`).
 *
 * The network (`SliceCnn`): the slice, folded to at most 32² (`inputLayout`), plus two coordinate channels
 * (row, column ∈ [−1, 1]: scans are roughly registered, so where a pattern sits matters; the U-Net is fed
 * them too) → three 3×3 convolutions with ReLU (8, 16, 32 channels), a 2×2 average pool before the second
 * and third → global average pool (32 features) → a dense head. About 6,300 weights: tens of slices per
 * class cannot fit more. Weights start He-uniform from the seed and train full-batch (150 steps, Adam at
 * 0.01, the project's `diffusion/adam.ts`), so the same seed gives the same numbers on one backend. A step
 * on ~20 slices takes ~30 ms on one busy wasm core.
 *  - `cnnDetectionC2ST`: a classifier two-sample test (Lopez-Paz & Oquab 2017) scored as the forest one
 *    is (SDMetrics' DetectionMetric): the same balanced, stratified folds (`balancedFolds`), a fresh network
 *    trained per fold on the others, ROC AUC on the held-out fold, score = 1 − mean(max(AUC, 0.5)·2 − 1).
 *  - `trainSliceFeatures` + `cnnKid`: KID (Bińkowski et al. 2018) on the 32 pooled features of a network
 *    trained on the real training slices only, to predict which of four rotations (0°, 90°, 180°, 270°)
 *    a slice was turned by (RotNet, Gidaris et al. 2018). That pretext task needs no labels, so it works
 *    for any source (a DICOM series without geometry, a NIfTI volume), and solving it takes what an
 *    Inception network is used for in FID/KID: features of upright anatomy — where the skull, ventricles
 *    and sulci sit and which way edges run — not just intensity. Slice level would be a label too, but
 *    only where the slices share a geometry; an autoencoder's bottleneck mostly keeps coarse layout, which
 *    the hand-made 8×8 features already have. The features are scaled by one number (their root mean
 *    square over the reference slices) so the kernel (xᵀy/d + 1)³ sees them at unit scale whatever the
 *    trained weights' scale; no per-feature standardizing (a feature constant on real slices would blow up).
 * Both are reported for synthetic slices and, as the baseline, for held-out real slices, each against the
 * training slices. The held-out slices are as unseen by the feature network as the synthetic ones, so the
 * baseline carries the same "not trained on" offset.
 */
import { tf } from '../backend/index.js';
import { Adam } from '../diffusion/adam.js';
import { createRng, deriveSeed } from '../rng.js';
import { balancedFolds } from './image-detection.js';
import { kidOfFeatures, type KidResult } from './image-kid.js';
import { aucTwoSample } from './stats.js';

/** Channels of the three convolutions. */
const CHANNELS = [8, 16, 32] as const;
const LEARNING_RATE = 0.01;

export interface CnnDetectionResult {
  definition: string;
  /** Mean per-fold ROC AUC (synthetic = positive): 0.5 = indistinguishable, 1 = always told apart. */
  auc: number;
  foldAucs: number[];
  /** 1 − mean over folds of (max(AUC, 0.5)·2 − 1): 1 = indistinguishable, 0 = perfectly separable. */
  score: number;
  slicesPerClass: number;
  /** Weights of each fold's network. */
  parameters: number;
  /** Full-batch Adam steps per fold. */
  steps: number;
}

export interface CnnKidResult extends KidResult {
  /** The feature network's accuracy on its own pretext task (the 4 rotations of every training slice). */
  pretextAccuracy: number;
}

// tfjs variable names are global per process; a serial keeps two networks' names apart (as in unet.ts).
let variableSerial = 0;

/** The network of the module comment, `outputs` logits wide. Its tensors are the caller's to dispose. */
class SliceCnn {
  readonly params: tf.Variable[];

  constructor(readonly input: InputLayout, readonly outputs: number, seed: number) {
    const rng = createRng(seed);
    const shapes: number[][] = [];
    let cin = input.channels;
    for (const c of CHANNELS) {
      shapes.push([3, 3, cin, c], [c]);
      cin = c;
    }
    shapes.push([cin, outputs], [outputs]);
    const serial = ++variableSerial;
    this.params = shapes.map((shape, i) => {
      const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (shape.length > 1) {
        // He-uniform for ReLU (fan-in = kh·kw·cin); biases start at 0.
        const limit = Math.sqrt(6 / shape.slice(0, -1).reduce((a, b) => a * b, 1));
        for (let j = 0; j < v.length; j++) v[j] = (2 * rng.next() - 1) * limit;
      }
      // In a tidy: the variable keeps its own reference to the values; the tensor it was made from goes.
      return tf.tidy(() => tf.variable(tf.tensor(v, shape, 'float32'), true, `slice-cnn.${i}#${serial}`));
    });
  }

  get parameterCount(): number {
    return this.params.reduce((s, v) => s + v.size, 0);
  }

  /** x (`stack`ed) → pooled features [B, 32] and logits [B, outputs]. Call inside tf.tidy. */
  apply(x: tf.Tensor4D): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    let h = x;
    for (let l = 0; l < CHANNELS.length; l++) {
      if (l > 0) h = tf.avgPool(h, 2, 2, 'same');
      h = tf.fused.conv2d({ x: h, filter: this.params[2 * l] as tf.Tensor4D, strides: 1, pad: 'same', bias: this.params[2 * l + 1], activation: 'relu' });
    }
    const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const head = 2 * CHANNELS.length;
    return { features, logits: tf.fused.matMul({ a: features, b: this.params[head] as tf.Tensor2D, bias: this.params[head + 1] }) as tf.Tensor2D };
  }

  /** `steps` full-batch Adam steps on `loss(logits)`; the inputs stay the caller's. */
  train(x: tf.Tensor4D, steps: number, loss: (logits: tf.Tensor2D) => tf.Scalar): void {
    const adam = new Adam(this.params);
    try {
      for (let s = 0; s < steps; s++) adam.minimize(() => loss(this.apply(x).logits), LEARNING_RATE).dispose();
    } finally {
      adam.dispose();
    }
  }

  /** Features and logits of `images`, read back (batches of 64). */
  async run(images: readonly Float32Array[]): Promise<{ features: Float32Array[]; logits: Float32Array[] }> {
    const features: Float32Array[] = [];
    const logits: Float32Array[] = [];
    for (let i = 0; i < images.length; i += 64) {
      const batch = images.slice(i, i + 64);
      const [f, z] = tf.tidy(() => {
        const out = this.apply(stack(batch, this.input));
        return [out.features, out.logits];
      });
      const [fv, zv] = [(await f.data()) as Float32Array, (await z.data()) as Float32Array];
      tf.dispose([f, z]);
      const d = CHANNELS[CHANNELS.length - 1]!;
      batch.forEach((_, b) => {
        features.push(fv.slice(b * d, (b + 1) * d));
        logits.push(zv.slice(b * this.outputs, (b + 1) * this.outputs));
      });
    }
    return { features, logits };
  }

  dispose(): void {
    tf.dispose(this.params);
  }
}

/**
 * How slices enter the network: side `size` folded f×f into channels (space-to-depth, f = size/32 above
 * 32²) so the first convolution runs at 32² at most — it still sees every pixel, as a 3f×3f filter with
 * stride f would, but tfjs-wasm's stride-1 convolution gradients are the fast ones (wasm-conv-bridge.ts;
 * a stride-2 layer measured 5× slower) — plus the two coordinate channels.
 */
interface InputLayout {
  size: number;
  fold: number;
  side: number;
  channels: number;
}

function inputLayout(size: number): InputLayout {
  const fold = size > 32 && size % 32 === 0 ? size / 32 : 1;
  return { size, fold, side: size / fold, channels: fold * fold + 2 };
}

/** Slices (side `size`) as one [B, side, side, f² + 2] tensor: the folded pixels, then row and column ∈ [−1, 1]. */
function stack(images: readonly Float32Array[], l: InputLayout): tf.Tensor4D {
  const { size, fold, side, channels: c } = l;
  const buf = new Float32Array(images.length * side * side * c);
  images.forEach((im, b) => {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const Y = Math.floor(y / fold), X = Math.floor(x / fold);
        buf[((b * side + Y) * side + X) * c + (y % fold) * fold + (x % fold)] = im[y * size + x]!;
      }
    }
    for (let Y = 0; Y < side; Y++) {
      for (let X = 0; X < side; X++) {
        const at = ((b * side + Y) * side + X) * c + fold * fold;
        buf[at] = ((Y + 0.5) / side) * 2 - 1;
        buf[at + 1] = ((X + 0.5) / side) * 2 - 1;
      }
    }
  });
  return tf.tensor4d(buf, [images.length, side, side, c]);
}

/** Mean binary cross-entropy of logits z [B, 1] against labels y [B, 1], in the overflow-safe form max(z, 0) − z·y + log(1 + e^−|z|). */
function sigmoidCrossEntropy(z: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
}

/** C2ST of `synthetic` against `real` slices (model space, side `size`) with a CNN per fold (module comment). */
export async function cnnDetectionC2ST(
  real: readonly Float32Array[],
  synthetic: readonly Float32Array[],
  options: { size: number; seed: number; folds?: number; steps?: number },
): Promise<CnnDetectionResult> {
  const folds = options.folds ?? 3;
  const steps = options.steps ?? 150;
  const { size, seed } = options;
  const { sets, nEach, fold } = balancedFolds(real, synthetic, seed, folds, 'image CNN C2ST');
  const label = (i: number) => (i < nEach ? 0 : 1);
  const foldAucs: number[] = [];
  let parameters = 0;
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < sets.length; i++) (fold[i] === f ? test : train).push(i);
    const net = new SliceCnn(inputLayout(size), 1, deriveSeed(seed, `cnn-fold-${f}`));
    parameters = net.parameterCount;
    const x = stack(train.map((i) => sets[i]!), net.input);
    const y = tf.tensor2d(Float32Array.from(train, label), [train.length, 1]);
    try {
      net.train(x, steps, (z) => sigmoidCrossEntropy(z, y));
      const { logits } = await net.run(test.map((i) => sets[i]!));
      const pos: number[] = [];
      const neg: number[] = [];
      test.forEach((i, t) => (label(i) === 1 ? pos : neg).push(logits[t]![0]!));
      foldAucs.push(aucTwoSample(pos, neg));
    } finally {
      tf.dispose([x, y]);
      net.dispose();
    }
  }
  const auc = foldAucs.reduce((a, b) => a + b, 0) / folds;
  return {
    definition: `CNN C2ST: a 3-layer convolutional network (3×3 convolutions, 8/16/32 channels, 2×2 average pools, global average pool, logistic head) trained per fold on the slices and their coordinates, ${steps} full-batch Adam steps, ${folds}-fold CV; score = 1 − mean(max(AUC, 0.5)·2 − 1)`,
    auc,
    foldAucs,
    score: 1 - foldAucs.reduce((a, v) => a + (Math.max(v, 0.5) * 2 - 1), 0) / folds,
    slicesPerClass: nEach,
    parameters,
    steps,
  };
}

/** `img` (side `size`) turned by k·90° (counter-clockwise as displayed, rows downward). */
export function rotate90(img: Float32Array, size: number, k: number): Float32Array {
  let out = img;
  for (let r = 0; r < ((k % 4) + 4) % 4; r++) {
    const src = out;
    out = new Float32Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[(size - 1 - x) * size + y] = src[y * size + x]!;
  }
  return out === img ? Float32Array.from(img) : out;
}

/** A feature network trained on real slices (module comment): `features` maps slices to scaled feature vectors. */
export interface SliceFeatures {
  features(images: readonly Float32Array[]): Promise<Float64Array[]>;
  /** Accuracy on the 4 rotations of every training slice, after training. */
  pretextAccuracy: number;
  steps: number;
  dispose(): void;
}

/**
 * Train the rotation-prediction network on `real` slices (model space, side `size`): every slice in all
 * four rotations, full batch, `steps` Adam steps. Its features are scaled by their RMS over `real`.
 */
export async function trainSliceFeatures(real: readonly Float32Array[], options: { size: number; seed: number; steps?: number }): Promise<SliceFeatures> {
  const { size } = options;
  const steps = options.steps ?? 150;
  if (real.length < 1) throw new RangeError('image CNN features: needs at least 1 training slice');
  const rotated = real.flatMap((im) => [0, 1, 2, 3].map((k) => rotate90(im, size, k)));
  const onehot = new Float32Array(rotated.length * 4);
  rotated.forEach((_, i) => (onehot[i * 4 + (i % 4)] = 1));
  const net = new SliceCnn(inputLayout(size), 4, deriveSeed(options.seed, 'cnn-features'));
  const x = stack(rotated, net.input);
  const y = tf.tensor2d(onehot, [rotated.length, 4]);
  let scale: number;
  let pretextAccuracy: number;
  try {
    net.train(x, steps, (z) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1))));
    const { features, logits } = await net.run(rotated);
    pretextAccuracy = logits.filter((z, i) => z.indexOf(Math.max(...z)) === i % 4).length / logits.length;
    // The RMS over the unrotated slices, the set the features describe.
    let ss = 0, n = 0;
    features.forEach((f, i) => {
      if (i % 4 !== 0) return;
      for (const v of f) ss += v * v;
      n += f.length;
    });
    scale = Math.sqrt(ss / n) || 1;
  } catch (e) {
    net.dispose();
    throw e;
  } finally {
    tf.dispose([x, y]);
  }
  return {
    pretextAccuracy,
    steps,
    features: async (images) => (await net.run(images)).features.map((f) => Float64Array.from(f, (v) => v / scale)),
    dispose: () => net.dispose(),
  };
}

/** KID of `synthetic` against `real` slices on a trained feature network's features. */
export async function cnnKid(
  net: SliceFeatures,
  real: readonly Float32Array[],
  synthetic: readonly Float32Array[],
  options: { seed: number; subsets?: number; subsetSize?: number },
): Promise<CnnKidResult> {
  if (Math.min(real.length, synthetic.length) < 2) throw new RangeError(`image CNN KID: needs at least 2 slices per set, got ${real.length} real and ${synthetic.length} synthetic`);
  const R = await net.features(real);
  const S = await net.features(synthetic);
  const k = kidOfFeatures(R, S, options);
  return {
    definition: `KID (Bińkowski et al. 2018): unbiased MMD² with kernel (xᵀy/d + 1)³ on the ${R[0]!.length} pooled features of a CNN trained on the real training slices to predict their rotation (0/90/180/270°, ${net.steps} Adam steps), scaled by their RMS there; mean of ${k.subsets} subsets of ${k.subsetSize}`,
    ...k,
    features: R[0]!.length,
    pretextAccuracy: net.pretextAccuracy,
  };
}
