/**
 * Machine-learning efficacy, "train on synthetic, test on real" (TSTR; Esteban, Hyland & Rätsch 2017;
 * SDMetrics' ML-efficacy metrics): fit the same model on the synthetic table and on the real train table,
 * score both on a real holdout, and report the ratio synthetic / real.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { deriveSeed } from '../rng.js';
import { isCategorical, takeRows, type Table } from '../table/table.js';
import { applyTreeEncoder, fitTreeEncoder } from './encode.js';
import { forestPredict, trainForestClassifier, trainForestRegressor } from './forest.js';
import { assertSameSchema } from './schema.js';

export interface EfficacyOptions {
  readonly seed: number;
  /** Forest settings (defaults: 100 trees, depth ≤ 16, min leaf 1; √d features per split for classification, d/3 for regression). */
  readonly nTrees?: number;
  readonly maxDepth?: number;
  readonly minSamplesLeaf?: number;
}

export interface ClassificationScores {
  readonly accuracy: number;
  /** Unweighted mean of per-class F1 over classes present in the truth or the predictions (sklearn's average='macro'). */
  readonly macroF1: number;
}

export interface RegressionScores {
  /** 1 − SS_res / SS_tot on the holdout (can be negative). */
  readonly r2: number;
  readonly rmse: number;
}

export type EfficacyResult =
  | {
      readonly task: 'classification';
      readonly target: string;
      readonly nTest: number;
      readonly real: ClassificationScores;
      readonly synthetic: ClassificationScores;
      /** synthetic / real per score. */
      readonly ratio: ClassificationScores;
    }
  | {
      readonly task: 'regression';
      readonly target: string;
      readonly nTest: number;
      readonly real: RegressionScores;
      readonly synthetic: RegressionScores;
      /** synthetic / real for r2 (NaN when the real R² ≤ 0: the ratio means nothing there); real / synthetic for rmse. */
      readonly ratio: RegressionScores;
    };

/** TSTR vs TRTR for `target` (categorical/boolean → classification, otherwise regression) with seeded random forests. */
export function mlEfficacy(
  realTrain: Table,
  synthetic: Table,
  realHoldout: Table,
  target: string,
  options: EfficacyOptions,
): EfficacyResult {
  assertSameSchema(realTrain, synthetic, 'real train', 'synthetic');
  assertSameSchema(realTrain, realHoldout, 'real train', 'holdout');
  const tj = realTrain.columns.findIndex((c) => c.name === target);
  if (tj < 0) throw new DataError(messages.specColumnMissing('evaluate.efficacy.target', 'the training table', realTrain.columns.map((c) => c.name)));
  const test = observedTarget(realHoldout, tj);
  if (test.nRows === 0) throw new DataError(messages.efficacyHoldoutNoTarget(target));
  const forestOpts = { nTrees: options.nTrees ?? 100, maxDepth: options.maxDepth ?? 16, minSamplesLeaf: options.minSamplesLeaf ?? 1 };

  const fitPredict = (trainTable: Table, label: string): Float64Array => {
    const tr = observedTarget(trainTable, tj);
    if (tr.nRows < 2) throw new DataError(messages.efficacyTrainingNoTarget(label, target));
    const enc = fitTreeEncoder(tr, { exclude: [target], indicatorsFrom: [tr, test] });
    const X = applyTreeEncoder(enc, tr);
    const Xt = applyTreeEncoder(enc, test);
    const col = tr.columns[tj]!;
    const seed = deriveSeed(options.seed, label);
    if (isCategorical(col)) {
      const K = col.categories.length;
      const forest = trainForestClassifier(X, col.codes, K, { seed, ...forestOpts });
      const proba = forestPredict(forest, Xt);
      const pred = new Float64Array(test.nRows);
      for (let i = 0; i < test.nRows; i++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (proba[i * K + k]! > proba[i * K + best]!) best = k;
        pred[i] = best;
      }
      return pred;
    }
    const forest = trainForestRegressor(X, col.values, { seed, ...forestOpts });
    return forestPredict(forest, Xt);
  };

  const realPred = fitPredict(realTrain, 'real');
  const synPred = fitPredict(synthetic, 'synthetic');
  const tcol = test.columns[tj]!;
  if (isCategorical(tcol)) {
    const real = classificationScores(tcol.codes, realPred, tcol.categories.length);
    const syn = classificationScores(tcol.codes, synPred, tcol.categories.length);
    return {
      task: 'classification',
      target,
      nTest: test.nRows,
      real,
      synthetic: syn,
      ratio: { accuracy: syn.accuracy / real.accuracy, macroF1: syn.macroF1 / real.macroF1 },
    };
  }
  const real = regressionScores(tcol.values, realPred);
  const syn = regressionScores(tcol.values, synPred);
  return {
    task: 'regression',
    target,
    nTest: test.nRows,
    real,
    synthetic: syn,
    ratio: { r2: real.r2 > 0 ? syn.r2 / real.r2 : NaN, rmse: real.rmse / syn.rmse },
  };
}

function observedTarget(t: Table, j: number): Table {
  const c = t.columns[j]!;
  const keep: number[] = [];
  for (let i = 0; i < t.nRows; i++) {
    const missing = isCategorical(c) ? c.codes[i]! < 0 : Number.isNaN(c.values[i]!);
    if (!missing) keep.push(i);
  }
  return keep.length === t.nRows ? t : takeRows(t, keep);
}

/** Accuracy and macro-F1 of predicted codes against true codes 0..K−1. */
export function classificationScores(truth: ArrayLike<number>, pred: ArrayLike<number>, K: number): ClassificationScores {
  const tp = new Float64Array(K);
  const nTrue = new Float64Array(K);
  const nPred = new Float64Array(K);
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = pred[i]!;
    nTrue[t]!++;
    nPred[p]!++;
    if (t === p) {
      tp[t]!++;
      correct++;
    }
  }
  let f1 = 0;
  let labels = 0;
  for (let k = 0; k < K; k++) {
    if (nTrue[k] === 0 && nPred[k] === 0) continue;
    labels++;
    const denom = nTrue[k]! + nPred[k]!;
    f1 += denom > 0 ? (2 * tp[k]!) / denom : 0;
  }
  return { accuracy: truth.length ? correct / truth.length : NaN, macroF1: labels ? f1 / labels : NaN };
}

/** R² and RMSE of predictions against the truth. */
export function regressionScores(truth: ArrayLike<number>, pred: ArrayLike<number>): RegressionScores {
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i]!;
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const e = truth[i]! - pred[i]!;
    const c = truth[i]! - mean;
    ssRes += e * e;
    ssTot += c * c;
  }
  return { r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN, rmse: Math.sqrt(ssRes / n) };
}
