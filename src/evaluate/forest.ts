/**
 * A compact seeded random forest (Breiman 2001: bootstrap samples, a fresh random feature subset at every
 * split) with histogram split search (features pre-binned to ≤ maxBins quantile bins, as LightGBM /
 * sklearn's HistGradientBoosting do), for classification (Gini) and regression (squared error).
 *
 * Why not ml-random-forest: its CART re-partitions the node for every candidate threshold (quadratic in the
 * node size), samples features once per tree instead of per split, and took 17 s for 4,000 rows × 10 trees
 * here, where detection needs ~3×100 trees on 6,667 rows in seconds.
 *
 * Features must be finite: the encoders impute and add missing indicators first. (A NaN would go right.)
 */
import { createRng, deriveSeed, type Rng } from '../rng.js';

/** Column-major feature matrix: value of row i, feature j at data[j * nRows + i]. */
export interface FeatureMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: Float64Array;
  readonly names: readonly string[];
}

export interface ForestOptions {
  readonly seed: number;
  /** Trees in the ensemble (default 100). */
  readonly nTrees?: number;
  /** Depth limit; the root has depth 0 (default 12). */
  readonly maxDepth?: number;
  /** Smallest number of (bootstrap) samples in a leaf (default 1). */
  readonly minSamplesLeaf?: number;
  /** Features tried per split: a count, or 'sqrt' (classification default), 'third' (regression default), 'all'. */
  readonly maxFeatures?: number | 'sqrt' | 'third' | 'all';
  /** Quantile bins per feature, 2..256 (default 64). */
  readonly maxBins?: number;
  /** Bootstrap rows per tree (default true). */
  readonly bootstrap?: boolean;
  /**
   * Regression: each candidate feature is split at one random bin boundary within the node's range instead of
   * its best one (extremely randomized trees, Geurts et al. 2006), and the best of those splits is kept.
   */
  readonly randomSplits?: boolean;
  /** Other threads that grow some of the trees (impute/tree-share.ts); the forest is the same either way. */
  readonly sharing?: TreeSharing;
}

/**
 * Grows a planned forest's trees, some in other threads, and returns all `plan.nTrees` in index order. Each
 * tree has its own seed (`growPlannedTree`), so which thread grows it does not change it.
 */
export interface TreeSharing {
  grow(plan: ForestPlan): Tree[];
}

export interface Tree {
  /** Split feature per node, −1 at a leaf. */
  readonly feature: Int32Array;
  /** Go left when x ≤ threshold. */
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /**
   * Leaf payloads, sparse: leaf `node`'s entries are [leafStart[node], leafStart[node] + leafLen[node]) of
   * leafOut (class, or 0 for the mean target) and leafValue (its probability, or the mean). Only the classes
   * present: a fully grown tree's leaves hold one or two of a label's ~200 levels. Dense payloads per node
   * took ~12k nodes × 185 classes × 8 bytes ≈ 18 MB per tree of gapminder's country forest, and half its
   * time (1.27 → 0.61 s per 20 trees: bench/prototypes/forest-ab.sh 16b9454 DIR country).
   */
  readonly leafStart: Int32Array;
  readonly leafLen: Int32Array;
  readonly leafOut: Int32Array;
  readonly leafValue: Float64Array;
}

export interface RandomForest {
  readonly task: 'classification' | 'regression';
  /** Classes for classification (labels 0..nClasses−1), 1 for regression. */
  readonly nOut: number;
  readonly nFeatures: number;
  readonly trees: readonly Tree[];
}

interface Binned {
  /** Column-major bin codes. */
  readonly bins: Uint8Array;
  /** Per feature: ascending thresholds; bin b holds values ≤ thresholds[b] and > thresholds[b−1]. */
  readonly thresholds: Float64Array[];
}

function binFeatures(X: FeatureMatrix, maxBins: number): Binned {
  const n = X.nRows;
  const bins = new Uint8Array(n * X.nCols);
  const thresholds: Float64Array[] = [];
  const sorted = new Float64Array(n);
  for (let j = 0; j < X.nCols; j++) {
    const col = X.data.subarray(j * n, (j + 1) * n);
    sorted.set(col);
    sorted.sort();
    // Distinct values; with few of them every gap between neighbours is a candidate split.
    const uniq: number[] = [];
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) uniq.push(sorted[i]!);
    let thr: number[];
    if (uniq.length <= maxBins) {
      thr = [];
      for (let k = 0; k + 1 < uniq.length; k++) thr.push((uniq[k]! + uniq[k + 1]!) / 2);
    } else {
      // Quantile cut points (upper ends of maxBins roughly equal-count groups), deduplicated.
      const set: number[] = [];
      for (let b = 1; b < maxBins; b++) {
        const v = sorted[Math.min(n - 1, Math.floor((b * n) / maxBins) - 1)]!;
        if (set.length === 0 || v > set[set.length - 1]!) set.push(v);
      }
      if (set.length && set[set.length - 1]! >= sorted[n - 1]!) set.pop();
      thr = set;
    }
    const t = Float64Array.from(thr);
    thresholds.push(t);
    const out = bins.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < n; i++) out[i] = binOf(t, col[i]!);
  }
  return { bins, thresholds };
}

/** Number of thresholds strictly below v = index of the bin holding v. */
function binOf(t: Float64Array, v: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function resolveMaxFeatures(opt: ForestOptions['maxFeatures'], d: number, task: 'classification' | 'regression'): number {
  const o = opt ?? (task === 'classification' ? 'sqrt' : 'third');
  let m: number;
  if (o === 'sqrt') m = Math.floor(Math.sqrt(d));
  else if (o === 'third') m = Math.floor(d / 3);
  else if (o === 'all') m = d;
  else m = Math.floor(o);
  return Math.max(1, Math.min(d, m));
}

/** A typed array twice as long with `a`'s contents first. */
function grow<A extends Int32Array | Float64Array>(a: A): A {
  const b = new (a.constructor as new (n: number) => A)(a.length * 2);
  b.set(a);
  return b;
}

/** Growable node and leaf-payload storage in typed arrays, doubled when full. */
class TreeBuilder {
  size = 0;
  feature = new Int32Array(64);
  threshold = new Float64Array(64);
  left = new Int32Array(64);
  right = new Int32Array(64);
  leafStart = new Int32Array(64);
  leafLen = new Int32Array(64);
  entries = 0;
  leafOut = new Int32Array(64);
  leafValue = new Float64Array(64);
  add(): number {
    if (this.size === this.feature.length) {
      this.feature = grow(this.feature);
      this.threshold = grow(this.threshold);
      this.left = grow(this.left);
      this.right = grow(this.right);
      this.leafStart = grow(this.leafStart);
      this.leafLen = grow(this.leafLen);
    }
    const id = this.size++;
    this.feature[id] = -1;
    this.left[id] = -1;
    this.right[id] = -1;
    return id;
  }
  /** Appends one payload entry to leaf `node` (its entries must be appended together). */
  addLeafEntry(node: number, out: number, value: number): void {
    if (this.entries === this.leafOut.length) {
      this.leafOut = grow(this.leafOut);
      this.leafValue = grow(this.leafValue);
    }
    if (this.leafLen[node] === 0) this.leafStart[node] = this.entries;
    this.leafOut[this.entries] = out;
    this.leafValue[this.entries++] = value;
    this.leafLen[node]!++;
  }
  build(): Tree {
    const n = this.size;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      leafStart: this.leafStart.slice(0, n),
      leafLen: this.leafLen.slice(0, n),
      leafOut: this.leafOut.slice(0, this.entries),
      leafValue: this.leafValue.slice(0, this.entries),
    };
  }
}

/** Everything growing tree t of a forest needs, as plain data (it crosses threads by structured clone). */
export interface ForestPlan {
  readonly ctx: GrowContext;
  readonly seed: number;
  readonly nTrees: number;
  readonly bootstrap: boolean;
}

interface GrowContext {
  readonly task: 'classification' | 'regression';
  readonly n: number;
  readonly d: number;
  readonly nOut: number;
  readonly binned: Binned;
  readonly yClass: Int32Array | null;
  readonly yReg: Float64Array | null;
  readonly maxDepth: number;
  readonly minLeaf: number;
  readonly mtry: number;
  readonly maxBins: number;
  readonly randomSplits: boolean;
}

/** Nodes up to this many rows search splits by sorting their rows by bin (growTree). */
const SMALL_NODE = 16;

function growTree(ctx: GrowContext, rng: Rng, bootstrap: boolean): Tree {
  const { n, d, nOut, binned, yClass, yReg, maxDepth, minLeaf, mtry, task } = ctx;
  // The bootstrap sample as each drawn row once with its multiplicity as a weight: about 63% of the entries
  // (and of the work per node) of a list with repeats, with the same candidate splits and scores (regression
  // sums round differently, so ties between equally good splits may go another way).
  const weight = new Int32Array(n);
  if (bootstrap) for (let i = 0; i < n; i++) weight[rng.int(n)]!++;
  else weight.fill(1);
  let rows = 0;
  for (let i = 0; i < n; i++) if (weight[i]! > 0) rows++;
  const idx = new Int32Array(rows);
  for (let i = 0, t = 0; i < n; i++) if (weight[i]! > 0) idx[t++] = i;

  const tb = new TreeBuilder();
  const B = ctx.maxBins;
  // Scratch buffers reused by every node.
  const binWeight = new Int32Array(B);
  const binSum = new Float64Array(B);
  // Class counts of the node in hand (zero between nodes), and the classes present, in order of appearance.
  const total = new Float64Array(nOut);
  const present = new Int32Array(nOut);
  let nPresent = 0;
  const leftAcc = new Float64Array(nOut);
  // Per bin: regression's weight and weighted target sum; classification's rows, where they start, and the
  // rows themselves in bin order.
  const binCount = new Int32Array(B);
  const binPos = new Int32Array(B);
  const byBin = new Int32Array(rows);
  const keys = new Int32Array(SMALL_NODE);
  // Bin codes by offset (subarray views per feature and node were a measurable share of the allocations).
  const bins = binned.bins;
  const feats = new Int32Array(d);
  for (let j = 0; j < d; j++) feats[j] = j;

  // Explicit stack of (node, start, end, depth) keeps deep trees off the JS call stack. A node holds the rows
  // idx[start, end); its size is their total weight (bootstrap draws), which the leaf size rules count.
  const stack: number[] = [tb.add(), 0, rows, 0];
  while (stack.length) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const node = stack.pop()!;

    // Node summary: weight, class counts (only the classes present are visited), or sum for the mean.
    for (let q = 0; q < nPresent; q++) total[present[q]!] = 0;
    nPresent = 0;
    let sumY = 0;
    let size = 0;
    if (task === 'classification') {
      for (let t = start; t < end; t++) {
        const i = idx[t]!;
        const k = yClass![i]!;
        const w = weight[i]!;
        if (total[k] === 0) present[nPresent++] = k;
        total[k]! += w;
        size += w;
      }
    } else {
      for (let t = start; t < end; t++) {
        const i = idx[t]!;
        const w = weight[i]!;
        sumY += w * yReg![i]!;
        size += w;
      }
    }
    const entries = end - start;
    const pure = task === 'classification' && nPresent <= 1;
    if (pure || depth >= maxDepth || size < 2 * minLeaf) {
      writeLeaf(tb, node, task, sumY / size, total, present, nPresent, size);
      continue;
    }

    // Parent term of the impurity decrease; children maximise Σ_k c_k²/n (Gini) or s²/n (SSE). The counts are
    // integers, so the sum is exact in any order.
    let parentScore: number;
    let sumSquares = 0;
    if (task === 'classification') {
      for (let q = 0; q < nPresent; q++) sumSquares += total[present[q]!]! * total[present[q]!]!;
      parentScore = sumSquares / size;
    } else parentScore = (sumY * sumY) / size;

    let bestScore = parentScore + 1e-12 * Math.max(1, Math.abs(parentScore));
    let bestFeat = -1;
    let bestBin = -1;
    // Partial Fisher–Yates: the first mtry entries of feats become this node's random subset.
    for (let m = 0; m < mtry; m++) {
      const r = m + rng.int(d - m);
      const tmp = feats[m]!;
      feats[m] = feats[r]!;
      feats[r] = tmp;
      const f = feats[m]!;
      const nb = binned.thresholds[f]!.length + 1;
      if (nb < 2) continue;
      const off = f * n;
      // Only the bins the node's rows fall in are scanned (and cleared after: the per-bin arrays are all zeros
      // between features): most nodes are small, and clearing and scanning all 256 bins for each cost more than
      // the counting. Same splits: below the lowest bin the left side is empty, from the highest the right.
      // Classification scores move one row at a time: Σ_k l_k² and Σ_k r_k² change by 2lw + w² and w² − 2rw
      // for a row of weight w, so a bin costs its rows, not the number of classes (a 185-level label scanned
      // 185 classes per bin: three quarters of gapminder's chained forest). Counts are integers, so the sums
      // are exact in any order.
      let lowBin = nb, highBin = 0;
      if (entries <= SMALL_NODE) {
        // A small node sorts its rows by bin (bin × 65536 + position keys, insertion sort) instead of filling
        // and scanning the bin range, most of which is empty this deep. The scan stops before the highest bin,
        // as the histograms' does: the same splits.
        for (let r = 0; r < entries; r++) {
          const key = bins[off + idx[start + r]!]! * 65536 + r;
          let q = r;
          for (; q > 0 && keys[q - 1]! > key; q--) keys[q] = keys[q - 1]!;
          keys[q] = key;
        }
        const highest = keys[entries - 1]! >>> 16;
        const lowest = keys[0]! >>> 16;
        // Random splits: one boundary drawn in the node's bin range; rows up to it go left.
        const cut = ctx.randomSplits && highest > lowest ? lowest + rng.int(highest - lowest) : -1;
        let sLeft = 0, sl = 0, sr = sumSquares, nLeft = 0;
        for (let q = 0; q < entries; ) {
          const b = keys[q]! >>> 16;
          if (b === highest) break;
          if (cut >= 0 && b > cut) break;
          let sum = 0;
          for (; q < entries && keys[q]! >>> 16 === b; q++) {
            const i = idx[start + (keys[q]! & 0xffff)]!;
            const w = weight[i]!;
            if (task === 'classification') {
              const k = yClass![i]!;
              const l = leftAcc[k]!;
              sl += (2 * l + w) * w;
              sr += (w - 2 * (total[k]! - l)) * w;
              leftAcc[k] = l + w;
            } else sum += w * yReg![i]!;
            nLeft += w;
          }
          sLeft += sum;
          if (cut >= 0 && q < entries && keys[q]! >>> 16 <= cut) continue;
          const nRight = size - nLeft;
          if (nLeft < minLeaf) continue;
          if (nRight < minLeaf) break;
          const sRight = sumY - sLeft;
          const score = task === 'classification' ? sl / nLeft + sr / nRight : (sLeft * sLeft) / nLeft + (sRight * sRight) / nRight;
          if (score > bestScore) {
            bestScore = score;
            bestFeat = f;
            bestBin = b;
          }
        }
        if (task === 'classification') for (let q = 0; q < entries; q++) leftAcc[yClass![idx[start + (keys[q]! & 0xffff)]!]!] = 0;
      } else if (task === 'classification') {
        // Rows bucketed by bin (a counting sort), then moved left one at a time.
        for (let t = start; t < end; t++) {
          const b = bins[off + idx[t]!]!;
          if (b < lowBin) lowBin = b;
          if (b > highBin) highBin = b;
          binCount[b]!++;
        }
        let at = 0;
        for (let b = lowBin; b <= highBin; b++) {
          binPos[b] = at;
          at += binCount[b]!;
        }
        for (let t = start; t < end; t++) {
          const i = idx[t]!;
          byBin[binPos[bins[off + i]!]!++] = i;
        }
        let sl = 0, sr = sumSquares, moved = 0, nLeft = 0;
        for (let b = lowBin; b < highBin; b++) {
          // An empty bin scores as the one before it, which a strict comparison never prefers; most of a deep
          // node's range is empty.
          if (binCount[b] === 0) continue;
          const stop = moved + binCount[b]!;
          for (; moved < stop; moved++) {
            const i = byBin[moved]!;
            const k = yClass![i]!;
            const w = weight[i]!;
            const l = leftAcc[k]!;
            sl += (2 * l + w) * w;
            sr += (w - 2 * (total[k]! - l)) * w;
            leftAcc[k] = l + w;
            nLeft += w;
          }
          const nRight = size - nLeft;
          if (nLeft < minLeaf) continue;
          if (nRight < minLeaf) break;
          const score = sl / nLeft + sr / nRight;
          if (score > bestScore) {
            bestScore = score;
            bestFeat = f;
            bestBin = b;
          }
        }
        for (let q = 0; q < moved; q++) leftAcc[yClass![byBin[q]!]!] = 0;
        binCount.fill(0, lowBin, highBin + 1);
      } else {
        for (let t = start; t < end; t++) {
          const i = idx[t]!;
          const b = bins[off + i]!;
          const w = weight[i]!;
          if (b < lowBin) lowBin = b;
          if (b > highBin) highBin = b;
          binSum[b]! += w * yReg![i]!;
          binWeight[b]! += w;
        }
        let sLeft = 0;
        let nLeft = 0;
        // Random splits: one boundary drawn in the node's bin range, scored alone instead of the scan.
        if (ctx.randomSplits && highBin > lowBin) {
          const cut = lowBin + rng.int(highBin - lowBin);
          for (let b = lowBin; b <= cut; b++) (sLeft += binSum[b]!), (nLeft += binWeight[b]!);
          const nRight = size - nLeft;
          if (nLeft >= minLeaf && nRight >= minLeaf) {
            const sRight = sumY - sLeft;
            const score = (sLeft * sLeft) / nLeft + (sRight * sRight) / nRight;
            if (score > bestScore) (bestScore = score), (bestFeat = f), (bestBin = cut);
          }
        }
        for (let b = lowBin; !ctx.randomSplits && b < highBin; b++) {
          // Empty bins are skipped, as above.
          if (binWeight[b] === 0) continue;
          sLeft += binSum[b]!;
          nLeft += binWeight[b]!;
          const nRight = size - nLeft;
          if (nLeft < minLeaf) continue;
          if (nRight < minLeaf) break;
          const sRight = sumY - sLeft;
          const score = (sLeft * sLeft) / nLeft + (sRight * sRight) / nRight;
          if (score > bestScore) {
            bestScore = score;
            bestFeat = f;
            bestBin = b;
          }
        }
        binSum.fill(0, lowBin, highBin + 1);
        binWeight.fill(0, lowBin, highBin + 1);
      }
    }
    if (bestFeat < 0) {
      writeLeaf(tb, node, task, sumY / size, total, present, nPresent, size);
      continue;
    }

    // In-place partition of idx[start, end) on bin ≤ bestBin.
    const off = bestFeat * n;
    let lo = start;
    let hi = end - 1;
    while (lo <= hi) {
      if (bins[off + idx[lo]!]! <= bestBin) lo++;
      else {
        const tmp = idx[lo]!;
        idx[lo] = idx[hi]!;
        idx[hi] = tmp;
        hi--;
      }
    }
    const leftNode = tb.add();
    const rightNode = tb.add();
    tb.feature[node] = bestFeat;
    tb.threshold[node] = binned.thresholds[bestFeat]![bestBin]!;
    tb.left[node] = leftNode;
    tb.right[node] = rightNode;
    stack.push(leftNode, start, lo, depth + 1, rightNode, lo, end, depth + 1);
  }
  return tb.build();
}

/** A leaf's payload: its mean, or its class shares (the same numbers as a dense payload, zeros left out). */
function writeLeaf(tb: TreeBuilder, node: number, task: GrowContext['task'], mean: number, total: Float64Array, present: Int32Array, nPresent: number, size: number): void {
  if (task === 'regression') tb.addLeafEntry(node, 0, mean);
  else for (let q = 0; q < nPresent; q++) tb.addLeafEntry(node, present[q]!, total[present[q]!]! / size);
}

function trainForest(
  X: FeatureMatrix,
  task: 'classification' | 'regression',
  yClass: Int32Array | null,
  yReg: Float64Array | null,
  nOut: number,
  options: ForestOptions,
): RandomForest {
  if (X.nRows < 1) throw new Error('random forest: no training rows');
  const maxBins = Math.max(2, Math.min(256, options.maxBins ?? 64));
  const binned = binFeatures(X, maxBins);
  const ctx: GrowContext = {
    task,
    n: X.nRows,
    d: X.nCols,
    nOut,
    binned,
    yClass,
    yReg,
    maxDepth: options.maxDepth ?? 12,
    minLeaf: Math.max(1, options.minSamplesLeaf ?? 1),
    mtry: resolveMaxFeatures(options.maxFeatures, X.nCols, task),
    maxBins,
    randomSplits: options.randomSplits === true && task === 'regression',
  };
  const plan: ForestPlan = { ctx, seed: options.seed, nTrees: options.nTrees ?? 100, bootstrap: options.bootstrap ?? true };
  const trees = options.sharing?.grow(plan) ?? Array.from({ length: plan.nTrees }, (_, t) => growPlannedTree(plan, t));
  return { task, nOut, nFeatures: X.nCols, trees };
}

/** Tree t of a planned forest. One derived stream per tree: a tree's randomness does not depend on how many draws earlier trees took. */
export function growPlannedTree(plan: ForestPlan, t: number): Tree {
  return growTree(plan.ctx, createRng(deriveSeed(plan.seed, t)), plan.bootstrap);
}

/** Random-forest classifier on labels 0..nClasses−1. */
export function trainForestClassifier(
  X: FeatureMatrix,
  y: Int32Array,
  nClasses: number,
  options: ForestOptions,
): RandomForest {
  if (y.length !== X.nRows) throw new Error(`random forest: ${X.nRows} rows but ${y.length} labels`);
  for (const v of y) if (v < 0 || v >= nClasses) throw new Error(`random forest: label ${v} outside 0..${nClasses - 1}`);
  return trainForest(X, 'classification', y, null, nClasses, options);
}

/** Random-forest regressor. */
export function trainForestRegressor(X: FeatureMatrix, y: Float64Array, options: ForestOptions): RandomForest {
  if (y.length !== X.nRows) throw new Error(`random forest: ${X.nRows} rows but ${y.length} targets`);
  for (const v of y) if (!Number.isFinite(v)) throw new Error('random forest: regression targets must be finite');
  return trainForest(X, 'regression', null, y, 1, options);
}

/** Mean of the trees' leaf payloads: row-major nRows × nOut (class probabilities, or the prediction when nOut = 1). */
export function forestPredict(forest: RandomForest, X: FeatureMatrix): Float64Array {
  if (X.nCols !== forest.nFeatures) {
    throw new Error(`random forest: trained on ${forest.nFeatures} features, got ${X.nCols}`);
  }
  const n = X.nRows;
  const K = forest.nOut;
  const out = new Float64Array(n * K);
  const data = X.data;
  for (const tree of forest.trees) {
    const { feature, threshold, left, right, leafStart, leafLen, leafOut, leafValue } = tree;
    for (let i = 0; i < n; i++) {
      let node = 0;
      let f = feature[0]!;
      while (f >= 0) {
        node = data[f * n + i]! <= threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      // Adding only the nonzero entries gives the dense sums exactly (x + 0 = x).
      const ob = i * K;
      for (let e = leafStart[node]!, stop = e + leafLen[node]!; e < stop; e++) out[ob + leafOut[e]!]! += leafValue[e]!;
    }
  }
  const inv = 1 / forest.trees.length;
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}

/** Rows of a feature matrix, in the given order. */
export function takeFeatureRows(X: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const m = rows.length;
  const n = X.nRows;
  const data = new Float64Array(m * X.nCols);
  for (let j = 0; j < X.nCols; j++) {
    const src = j * n;
    const dst = j * m;
    for (let i = 0; i < m; i++) data[dst + i] = X.data[src + rows[i]!]!;
  }
  return { nRows: m, nCols: X.nCols, data, names: X.names };
}

/** Leaf node index of every row in one tree of the forest (CART donor pools: rows that share a leaf). */
export function forestLeaves(forest: RandomForest, X: FeatureMatrix, tree = 0): Int32Array {
  if (X.nCols !== forest.nFeatures) throw new Error(`random forest: trained on ${forest.nFeatures} features, got ${X.nCols}`);
  const { feature, threshold, left, right } = forest.trees[tree]!;
  const n = X.nRows;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let node = 0;
    let f = feature[0]!;
    while (f >= 0) {
      node = X.data[f * n + i]! <= threshold[node]! ? left[node]! : right[node]!;
      f = feature[node]!;
    }
    out[i] = node;
  }
  return out;
}
