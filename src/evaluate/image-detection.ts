/**
 * Image classifier two-sample test (C2ST; Lopez-Paz & Oquab 2017), scored as SDMetrics' DetectionMetric
 * scores tables (stratified k-fold CV, per fold max(AUC, 0.5)·2 − 1, score = 1 − mean): can a classifier
 * tell real slices from synthetic ones? It runs offline and in seconds on CPU, with the seeded random forest
 * of `detection.ts` on per-slice features instead of a CNN:
 *  - the slice at 8×8 (area means of the model-resolution image): layout and coarse anatomy;
 *  - intensity quantiles (5, 25, 50, 75, 95 %) and the fraction above the window's middle: contrast;
 *  - mean and standard deviation of the gradient magnitude and of the Laplacian: edges and texture,
 *    which is what separates noise from sulci and ventricles at this size.
 * Inputs are model-space slices ([−1, 1], one window for real and synthetic). Report it beside the same
 * test on real training vs held-out real slices: that baseline is what "indistinguishable" looks like at
 * this sample size.
 */
import { createRng, deriveSeed, permutation } from '../rng.js';
import { forestPredict, takeFeatureRows, trainForestClassifier, type FeatureMatrix } from './forest.js';
import { aucTwoSample, quantiles } from './stats.js';

export interface ImageDetectionResult {
  definition: string;
  /** Mean per-fold ROC AUC (synthetic = positive): 0.5 = indistinguishable, 1 = always told apart. */
  auc: number;
  foldAucs: number[];
  /** 1 − mean over folds of (max(AUC, 0.5)·2 − 1): 1 = indistinguishable, 0 = perfectly separable. */
  score: number;
  slicesPerClass: number;
  features: number;
}

const GRID = 8;

/** The feature vector of one square slice of side `size` (see the module comment). */
export function sliceFeatures(img: Float32Array, size: number): number[] {
  const out: number[] = [];
  const cell = size / GRID;
  for (let gy = 0; gy < GRID; gy++) {
    for (let gx = 0; gx < GRID; gx++) {
      let s = 0, n = 0;
      for (let y = Math.floor(gy * cell); y < Math.floor((gy + 1) * cell); y++) {
        for (let x = Math.floor(gx * cell); x < Math.floor((gx + 1) * cell); x++) {
          s += img[y * size + x]!;
          n++;
        }
      }
      out.push(n ? s / n : 0);
    }
  }
  out.push(...quantiles(img, [0.05, 0.25, 0.5, 0.75, 0.95]));
  let above = 0;
  for (const v of img) if (v > 0) above++;
  out.push(above / img.length);
  const grad: number[] = [];
  const lap: number[] = [];
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      const gx = (img[i + 1]! - img[i - 1]!) / 2, gy = (img[i + size]! - img[i - size]!) / 2;
      grad.push(Math.hypot(gx, gy));
      lap.push(img[i + 1]! + img[i - 1]! + img[i + size]! + img[i - size]! - 4 * img[i]!);
    }
  }
  const meanStd = (a: number[]): [number, number] => {
    const m = a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
    return [m, Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, a.length))];
  };
  out.push(...meanStd(grad), ...meanStd(lap));
  return out;
}

/**
 * The C2ST's classes and folds: `nEach` slices of each set (a seeded pick of the larger), real first then
 * synthetic, and each slice's fold — stratified, each class dealt round-robin after a seeded shuffle.
 * Shared by the forest and the CNN test so that one seed gives both the same folds.
 */
export function balancedFolds(real: readonly Float32Array[], synthetic: readonly Float32Array[], seed: number, folds: number, what: string): { sets: Float32Array[]; nEach: number; fold: Int32Array } {
  const nEach = Math.min(real.length, synthetic.length);
  if (nEach < folds) throw new RangeError(`${what}: needs at least ${folds} slices per class, got ${real.length} real and ${synthetic.length} synthetic`);
  const pick = (set: readonly Float32Array[], label: string) => Array.from(permutation(set.length, createRng(deriveSeed(seed, label))).subarray(0, nEach), (i) => set[i]!);
  const sets = [...pick(real, 'real'), ...pick(synthetic, 'synthetic')];
  const fold = new Int32Array(2 * nEach);
  const pr = permutation(nEach, createRng(deriveSeed(seed, 'folds-real')));
  const ps = permutation(nEach, createRng(deriveSeed(seed, 'folds-synthetic')));
  for (let t = 0; t < nEach; t++) {
    fold[pr[t]!] = t % folds;
    fold[nEach + ps[t]!] = t % folds;
  }
  return { sets, nEach, fold };
}

/** C2ST of `synthetic` against `real` slices (both model space, side `size`); balanced, stratified k folds. */
export function imageDetectionC2ST(real: readonly Float32Array[], synthetic: readonly Float32Array[], options: { size: number; seed: number; folds?: number; nTrees?: number }): ImageDetectionResult {
  const folds = options.folds ?? 3;
  const { sets, nEach, fold } = balancedFolds(real, synthetic, options.seed, folds, 'image C2ST');
  const rows = sets.map((img) => sliceFeatures(img, options.size));
  const nRows = rows.length;
  const nCols = rows[0]!.length;
  const data = new Float64Array(nRows * nCols);
  rows.forEach((r, i) => r.forEach((v, j) => (data[j * nRows + i] = v)));
  const X: FeatureMatrix = { nRows, nCols, data, names: Array.from({ length: nCols }, (_, j) => `f${j}`) };
  const y = new Int32Array(nRows).fill(1, nEach);
  const foldAucs: number[] = [];
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < nRows; i++) (fold[i] === f ? test : train).push(i);
    const forest = trainForestClassifier(takeFeatureRows(X, train), Int32Array.from(train, (i) => y[i]!), 2, {
      seed: deriveSeed(options.seed, `fold-${f}`),
      nTrees: options.nTrees ?? 100,
    });
    const proba = forestPredict(forest, takeFeatureRows(X, test));
    const pos: number[] = [];
    const neg: number[] = [];
    test.forEach((row, t) => (y[row] === 1 ? pos : neg).push(proba[t * 2 + 1]!));
    foldAucs.push(aucTwoSample(pos, neg));
  }
  const auc = foldAucs.reduce((a, b) => a + b, 0) / folds;
  return {
    definition: `random-forest C2ST on per-slice features (8×8 means, intensity quantiles, gradient and Laplacian statistics), ${folds}-fold CV; score = 1 − mean(max(AUC, 0.5)·2 − 1)`,
    auc,
    foldAucs,
    score: 1 - foldAucs.reduce((a, v) => a + (Math.max(v, 0.5) * 2 - 1), 0) / folds,
    slicesPerClass: nEach,
    features: nCols,
  };
}
