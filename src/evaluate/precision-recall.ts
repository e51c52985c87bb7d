/**
 * α-precision and β-recall (Alaa et al. 2022, "How Faithful is your Synthetic Data?", ICML), in the "naive"
 * embedding of synthcity's AlphaPrecision (vanderschaarlab/synthcity, src/synthcity/metrics/eval_statistical.py:
 * `metrics()` applied after `_normalize_covariates`, reported as delta_precision_alpha_naive /
 * delta_coverage_beta_naive). What is computed, on equal-size real and synthetic samples:
 *
 * - embedding: min-max scaling fitted on the real table (sklearn MinMaxScaler), categorical columns one-hot;
 *   Euclidean distance.
 * - α grid: 30 points linspace(0, 1). Real centre c = mean of the embedded real rows; R_α = type-7 quantile α
 *   of ‖x_real − c‖.
 * - α-precision curve P(α) = share of synthetic rows with ‖y − c‖ ≤ R_α.
 * - β-recall curve: for each real x, y*(x) = its nearest synthetic row; ĉ = mean of the synthetic rows;
 *   r_β = quantile β of ‖y*(x) − ĉ‖; R(β) = share of real x with ‖x − y*(x)‖ ≤ (distance from x to its nearest
 *   other real row) and ‖y*(x) − ĉ‖ ≤ r_β.
 * - scores: Δ = 1 − Σ_α |α − curve(α)| / Σ_α α (synthcity's discretisation of 1 − 2∫|curve − α|dα). 1 is ideal.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { createRng, deriveSeed, permutation } from '../rng.js';
import { takeRows, type Table } from '../table/table.js';
import { minMaxOneHot } from './encode.js';
import { assertRows, assertSameSchema } from './schema.js';
import { quantileSorted } from './stats.js';

export interface AlphaPrecisionOptions {
  readonly seed: number;
  /** Rows per side (both sides are subsampled to min(nReal, nSynthetic, maxRows); default 5000). The cost is O(n²·features). */
  readonly maxRows?: number;
  /** Points in the α grid (synthcity: 30). */
  readonly nSteps?: number;
}

export interface AlphaPrecisionResult {
  readonly alphas: readonly number[];
  readonly alphaPrecisionCurve: readonly number[];
  readonly betaRecallCurve: readonly number[];
  /** synthcity delta_precision_alpha_naive. */
  readonly alphaPrecision: number;
  /** synthcity delta_coverage_beta_naive. */
  readonly betaRecall: number;
  readonly nRows: number;
}

/** α-precision / β-recall of `synthetic` against `real`, synthcity "naive" variant. */
export function alphaPrecisionBetaRecall(real: Table, synthetic: Table, options: AlphaPrecisionOptions): AlphaPrecisionResult {
  assertSameSchema(real, synthetic);
  assertRows(real, 2, 'real');
  assertRows(synthetic, 1, 'synthetic');
  const nSteps = options.nSteps ?? 30;
  if (!Number.isInteger(nSteps) || nSteps < 2) throw new DataError(messages.precisionRecallSteps(nSteps));
  const n = Math.min(real.nRows, synthetic.nRows, options.maxRows ?? 5000);
  const realS = n < real.nRows ? takeRows(real, permutation(real.nRows, createRng(deriveSeed(options.seed, 'real'))).subarray(0, n)) : real;
  const synS =
    n < synthetic.nRows ? takeRows(synthetic, permutation(synthetic.nRows, createRng(deriveSeed(options.seed, 'synthetic'))).subarray(0, n)) : synthetic;
  const { nCols: d, rows } = minMaxOneHot(real, [realS, synS]);
  const X = rows[0]!;
  const Y = rows[1]!;

  const cReal = columnMeans(X, n, d);
  const cSyn = columnMeans(Y, n, d);
  const realToCenter = distancesTo(X, n, d, cReal);
  // Synthetic rows are measured from the real centre: precision asks whether they fall in the real α-ball.
  const synToCenter = distancesTo(Y, n, d, cReal);

  // Nearest other real row, and nearest synthetic row (with its index), per real row.
  const realToReal = new Float64Array(n).fill(Infinity);
  const realToSyn = new Float64Array(n).fill(Infinity);
  const realToSynArg = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    let best = Infinity;
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const s = sqDist(X, oi, X, r * d, d, best);
      if (s < best) best = s;
    }
    realToReal[i] = Math.sqrt(best);
    let bestS = Infinity;
    let arg = 0;
    for (let r = 0; r < n; r++) {
      const s = sqDist(X, oi, Y, r * d, d, bestS);
      if (s < bestS) {
        bestS = s;
        arg = r;
      }
    }
    realToSyn[i] = Math.sqrt(bestS);
    realToSynArg[i] = arg;
  }
  const closestSynToSynCenter = new Float64Array(n);
  for (let i = 0; i < n; i++) closestSynToSynCenter[i] = Math.sqrt(sqDistToPoint(Y, realToSynArg[i]! * d, d, cSyn));

  const sortedRealRadii = realToCenter.slice().sort();
  const sortedClosest = closestSynToSynCenter.slice().sort();
  const alphas: number[] = [];
  const precision: number[] = [];
  const recall: number[] = [];
  for (let s = 0; s < nSteps; s++) {
    const a = s / (nSteps - 1);
    alphas.push(a);
    const radius = quantileSorted(sortedRealRadii, a);
    let inBall = 0;
    for (let i = 0; i < n; i++) if (synToCenter[i]! <= radius) inBall++;
    precision.push(inBall / n);
    const rBeta = quantileSorted(sortedClosest, a);
    let covered = 0;
    for (let i = 0; i < n; i++) if (realToSyn[i]! <= realToReal[i]! && closestSynToSynCenter[i]! <= rBeta) covered++;
    recall.push(covered / n);
  }
  const sumAlpha = alphas.reduce((x, y) => x + y, 0);
  const delta = (curve: number[]) => 1 - curve.reduce((acc, v, s) => acc + Math.abs(alphas[s]! - v), 0) / sumAlpha;
  return {
    alphas,
    alphaPrecisionCurve: precision,
    betaRecallCurve: recall,
    alphaPrecision: delta(precision),
    betaRecall: delta(recall),
    nRows: n,
  };
}

function columnMeans(M: Float64Array, n: number, d: number): Float64Array {
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) c[k]! += M[i * d + k]!;
  for (let k = 0; k < d; k++) c[k]! /= n;
  return c;
}

function distancesTo(M: Float64Array, n: number, d: number, c: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(sqDistToPoint(M, i * d, d, c));
  return out;
}

function sqDistToPoint(M: Float64Array, o: number, d: number, c: Float64Array): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = M[o + k]! - c[k]!;
    s += t * t;
  }
  return s;
}

/** Squared Euclidean distance, abandoning early once it reaches `bound` (the caller only needs the minimum). */
function sqDist(A: Float64Array, oa: number, B: Float64Array, ob: number, d: number, bound: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = A[oa + k]! - B[ob + k]!;
    s += t * t;
    if (s >= bound) return s;
  }
  return s;
}
