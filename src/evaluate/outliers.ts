/**
 * Isolation Forest (Liu, Ting & Zhou 2008, "Isolation Forest", ICDM): random axis-parallel splits isolate
 * anomalies in few steps; score s(x) = 2^(−E[h(x)] / c(ψ)) ∈ (0, 1], > 0.5 leaning anomalous. Plus generic
 * score helpers (top-k, summary) that any per-row anomaly score can reuse.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { createRng, deriveSeed } from '../rng.js';
import type { Table } from '../table/table.js';
import { applyTreeEncoder, fitTreeEncoder } from './encode.js';
import type { FeatureMatrix } from './forest.js';
import { assertRows, assertSameSchema } from './schema.js';
import { histogram, summarize, type Histogram, type Summary } from './stats.js';

const EULER_GAMMA = 0.5772156649015329;

/**
 * Average path length of an unsuccessful BST search among n points, c(n) = 2H(n−1) − 2(n−1)/n with
 * H(i) ≈ ln i + γ (Liu et al. 2008, eq. 1); c(2) = 1 exactly, as scikit-learn special-cases it.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface IsolationForestOptions {
  readonly seed: number;
  /** Trees (paper default 100). */
  readonly nTrees?: number;
  /** Subsample size ψ per tree (paper default 256; capped at the train size). */
  readonly sampleSize?: number;
}

interface ITree {
  /** −1 at a leaf. */
  readonly feature: Int32Array;
  /** Go left when x < threshold. */
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf: depth + c(size), precomputed so scoring is one walk per tree. */
  readonly leafPath: Float64Array;
}

export interface IsolationForest {
  readonly trees: readonly ITree[];
  readonly sampleSize: number;
  readonly encoder: ReturnType<typeof fitTreeEncoder>;
  readonly reference: Table;
}

/** Grows the forest on `train` (encoded with median-imputed continuous columns plus missing indicators, categorical codes). */
export function fitIsolationForest(train: Table, options: IsolationForestOptions, alsoScoring: readonly Table[] = []): IsolationForest {
  assertRows(train, 2, 'train');
  const encoder = fitTreeEncoder(train, { indicatorsFrom: [train, ...alsoScoring] });
  const X = applyTreeEncoder(encoder, train);
  const n = X.nRows;
  const d = X.nCols;
  const nTrees = options.nTrees ?? 100;
  const psi = Math.min(options.sampleSize ?? 256, n);
  if (psi < 2) throw new DataError(messages.isolationSampleSize());
  const heightLimit = Math.ceil(Math.log2(psi));
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  const idx = new Int32Array(psi);
  const feats = new Int32Array(d);
  const trees: ITree[] = [];
  for (let t = 0; t < nTrees; t++) {
    const rng = createRng(deriveSeed(options.seed, t));
    // Partial Fisher–Yates on a persistent pool: each tree gets ψ rows without replacement in O(ψ).
    for (let s = 0; s < psi; s++) {
      const r = s + rng.int(n - s);
      const tmp = pool[s]!;
      pool[s] = pool[r]!;
      pool[r] = tmp;
      idx[s] = pool[s]!;
    }
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const leafPath: number[] = [];
    const addNode = (): number => {
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      leafPath.push(0);
      return feature.length - 1;
    };
    const stack: number[] = [addNode(), 0, psi, 0];
    while (stack.length) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const size = end - start;
      leafPath[node] = depth + averagePathLength(size);
      if (depth >= heightLimit || size <= 1) continue;
      // Random attribute among those not constant in this node; none left → the node cannot be split.
      for (let j = 0; j < d; j++) feats[j] = j;
      let f = -1;
      let lo = 0;
      let hi = 0;
      for (let m = 0; m < d && f < 0; m++) {
        const r = m + rng.int(d - m);
        const cand = feats[r]!;
        feats[r] = feats[m]!;
        feats[m] = cand;
        const col = cand * n;
        let a = Infinity;
        let b = -Infinity;
        for (let s = start; s < end; s++) {
          const v = X.data[col + idx[s]!]!;
          if (v < a) a = v;
          if (v > b) b = v;
        }
        if (b > a) {
          f = cand;
          lo = a;
          hi = b;
        }
      }
      if (f < 0) continue;
      let p = lo + rng.next() * (hi - lo);
      if (p <= lo) p = hi; // keep both sides non-empty when next() returns 0
      const col = f * n;
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (X.data[col + idx[i]!]! < p) i++;
        else {
          const tmp = idx[i]!;
          idx[i] = idx[j]!;
          idx[j] = tmp;
          j--;
        }
      }
      const l = addNode();
      const r = addNode();
      feature[node] = f;
      threshold[node] = p;
      left[node] = l;
      right[node] = r;
      stack.push(l, start, i, depth + 1, r, i, end, depth + 1);
    }
    trees.push({
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      leafPath: Float64Array.from(leafPath),
    });
  }
  return { trees, sampleSize: psi, encoder, reference: train };
}

/** Anomaly score s(x) = 2^(−E[h(x)]/c(ψ)) for every row of `table`. */
export function scoreIsolationForest(forest: IsolationForest, table: Table): Float64Array {
  assertSameSchema(forest.reference, table, 'train', 'scored');
  const X: FeatureMatrix = applyTreeEncoder(forest.encoder, table);
  const n = X.nRows;
  const sum = new Float64Array(n);
  for (const tree of forest.trees) {
    const { feature, threshold, left, right, leafPath } = tree;
    for (let i = 0; i < n; i++) {
      let node = 0;
      let f = feature[0]!;
      while (f >= 0) {
        node = X.data[f * n + i]! < threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      sum[i]! += leafPath[node]!;
    }
  }
  const cn = averagePathLength(forest.sampleSize);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.pow(2, -sum[i]! / forest.trees.length / cn);
  return out;
}

/** Fits on `train` and scores each of `tables` (pass `train` itself to score the training rows). */
export function isolationForestScores(train: Table, tables: readonly Table[], options: IsolationForestOptions): Float64Array[] {
  const forest = fitIsolationForest(train, options, tables);
  return tables.map((t) => scoreIsolationForest(forest, t));
}

/** Indices of the k highest finite scores, highest first (ties → lower index first). */
export function topK(scores: ArrayLike<number>, k: number): Int32Array {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!)) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(idx.slice(0, Math.max(0, k)));
}

export interface ScoreSummary extends Summary {
  readonly histogram: Histogram;
}

/** Quantiles and an equal-width histogram of any per-row score. */
export function scoreSummary(scores: ArrayLike<number>, bins = 20): ScoreSummary {
  return { ...summarize(scores), histogram: histogram(scores, bins) };
}
