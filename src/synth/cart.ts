/**
 * Sequential CART synthesis (Reiter 2005; synthpop, Nowok, Raab & Dibben 2016): the first column is drawn
 * from its marginal; each later column is drawn, row by row, from the training values in the leaf that a
 * CART tree, fitted on the earlier columns, puts the synthetic row in (a Bayesian-bootstrap-free donor
 * draw, as synthpop's `cart` method with `smoothing = "none"`).
 *
 * Why this engine beside the diffusion model: donor values are real values (the data's decimals and grid,
 * which a detector spots at once when they are missed), missing cells are values like any other (the
 * missingness pattern is kept jointly with the data), and sharp relations between columns come for free.
 * The price is privacy: small leaves copy training rows, so the leaf size is chosen on a validation split
 * (synth/tune.ts) and exact copies beyond the data's own duplicate rate are redrawn.
 */
import { ModelError } from '../errors.js';
import { messages } from '../messages.js';
import { forestLeaves, trainForestClassifier, trainForestRegressor, type FeatureMatrix, type RandomForest } from '../evaluate/forest.js';
import { createRng, deriveSeed, type Rng } from '../rng.js';
import { enforceDependencies, findDependencies, type FunctionalDependency } from '../table/dependencies.js';
import { isCategorical, takeRows, type Column, type Table } from '../table/table.js';
import { observedRange } from '../table/sketch.js';
import { choleskySolve } from '../linalg.js';

/**
 * Multiple R a leaf's linear fit needs before its donors are shifted (below it the slope is mostly noise, and
 * shifts move coarse columns between their few levels: diamonds' `table` at R ≥ 0.1 lost detection 0.83 → 0.51
 * with a global grid). bench/RESULTS.md, "Shifted donors".
 */
export const SHIFT_MIN_R = 0.3;

export interface CartOptions {
  readonly seed: number;
  /** Smallest number of training rows in a leaf: the donor pool of every synthetic value. */
  readonly minLeaf: number;
  /** Tree depth limit (default 30). */
  readonly maxDepth?: number;
  /** Columns held at one value in every row; they come first, so later columns are drawn given them. */
  readonly fixed?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Share of synthetic rows that may equal a training row exactly. Default: `copyAllowance` of the training
   * table's own rate (rows with a duplicate elsewhere in it), so copies stay below what a fresh sample of the
   * population shows while tables of naturally repeated rows keep their repeats.
   */
  readonly maxCopyRate?: number;
  /** Functional dependencies to enforce (default: found in the training table). */
  readonly dependencies?: readonly FunctionalDependency[];
  /**
   * Shifted donors for continuous columns: within a leaf whose donors fit a linear model on the earlier
   * continuous columns with R ≥ this (default `SHIFT_MIN_R`), a donor's value moves by the model's slope times
   * the synthetic row's difference from the donor, then snaps to the nearest value among the leaf's donors.
   * `false`: plain donors.
   */
  readonly shift?: number | false;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CartResult {
  readonly table: Table;
  /** Synthesis order (column names): fixed columns, then by how many columns determine each one. */
  readonly order: readonly string[];
  /** Exact copies of training rows kept / redrawn. */
  readonly copies: { readonly kept: number; readonly redrawn: number; readonly allowedRate: number; readonly trainDuplicateRate: number };
  readonly dependencyFixes: number;
}

/** One column's step: where its values come from. */
interface Step {
  readonly column: number;
  /** Fixed value code/number, or undefined. */
  readonly fixed?: number;
  /** No tree: donors are all training rows (the first column, or a column with nothing to split on). */
  readonly tree?: RandomForest;
  /** Training rows grouped by leaf: rows of leaf v are donors[start[v] .. start[v + 1]). */
  readonly start?: Int32Array;
  readonly donors?: Int32Array;
  /**
   * Shifted donors (continuous columns): per leaf v, whether it shifts (use[v]) and its slopes coef[v·P + c]
   * on the earlier continuous steps cands[c]; the leaf's donor values sorted (leafVals/leafRows, laid out
   * like donors) to snap to, and its observed range [lo, hi].
   */
  readonly shift?: { readonly cands: Int32Array; readonly coef: Float64Array; readonly use: Uint8Array; readonly lo: Float64Array; readonly hi: Float64Array; readonly leafVals: Float64Array; readonly leafRows: Int32Array };
}

/** Tree feature of a column: the number, or the category code; missing gets a value below all others. */
function featureColumn(c: Column, sentinel: number): Float64Array {
  if (isCategorical(c)) return Float64Array.from(c.codes, (k) => (k < 0 ? -1 : k));
  return Float64Array.from(c.values, (v) => (Number.isNaN(v) ? sentinel : v));
}

/** Per continuous column: a value below every observed one (so a split can isolate the missing cells). */
function missingSentinel(c: Column): number {
  if (isCategorical(c)) return -1;
  const [lo, hi] = observedRange(c.values);
  return lo > hi ? -1 : lo - (hi - lo) - 1;
}

/** Fixed value of a column as a code (categorical) or number. */
function fixedValue(c: Column, v: string | number | boolean): number {
  if (isCategorical(c)) {
    const k = c.categories.indexOf(String(v));
    if (k < 0) throw new ModelError(messages.fixedValueUnknown(`fixed.${c.name}`, String(v), c.categories));
    return k;
  }
  if (typeof v !== 'number') throw new ModelError(messages.fixedValueNotNumber(`fixed.${c.name}`, c.kind, JSON.stringify(v)));
  return v;
}

/** Synthesis order: fixed columns first, then stable by the number of columns that determine each one. */
function synthesisOrder(train: Table, fixed: readonly string[], deps: readonly FunctionalDependency[]): number[] {
  const determinants = train.columns.map((c) => deps.filter((d) => d.to === c.name).length);
  const idx = train.columns.map((_, j) => j);
  const isFixed = (j: number): number => (fixed.includes(train.columns[j]!.name) ? 0 : 1);
  return idx.sort((a, b) => isFixed(a) - isFixed(b) || determinants[a]! - determinants[b]! || a - b);
}

/** The trees, the training features they split (column-major, synthesis order) which donors are read from, and each step's missing sentinel. */
function fitSteps(train: Table, order: readonly number[], o: CartOptions): { steps: Step[]; X: Float64Array; sent: Float64Array } {
  const n = train.nRows;
  const p = order.length;
  // Column-major features in synthesis order; the first j columns are a prefix of the buffer.
  const X = new Float64Array(n * p);
  // Each step's missing sentinel, which its feature column holds for a missing cell.
  const sent = Float64Array.from(order, (j) => missingSentinel(train.columns[j]!));
  order.forEach((j, k) => X.set(featureColumn(train.columns[j]!, sent[k]!), k * n));
  const steps: Step[] = [];
  order.forEach((j, k) => {
    const c = train.columns[j]!;
    const fixed = o.fixed?.[c.name];
    if (fixed !== undefined) {
      steps.push({ column: j, fixed: fixedValue(c, fixed) });
      return;
    }
    if (k === 0 || n < 2 * o.minLeaf) {
      steps.push({ column: j });
      return;
    }
    const features: FeatureMatrix = { nRows: n, nCols: k, data: X.subarray(0, k * n), names: order.slice(0, k).map((i) => train.columns[i]!.name) };
    const forest = { seed: deriveSeed(o.seed, `cart:${c.name}`), nTrees: 1, bootstrap: false, maxFeatures: 'all' as const, minSamplesLeaf: o.minLeaf, maxDepth: o.maxDepth ?? 30, maxBins: 256 };
    const tree = isCategorical(c)
      ? trainForestClassifier(features, Int32Array.from(c.codes, (v) => v + 1), c.categories.length + 1, forest)
      : trainForestRegressor(features, X.slice(k * n, (k + 1) * n), forest);
    const leaves = forestLeaves(tree, features);
    const nNodes = tree.trees[0]!.feature.length;
    const start = new Int32Array(nNodes + 1);
    for (const v of leaves) start[v + 1]!++;
    for (let v = 0; v < nNodes; v++) start[v + 1]! += start[v]!;
    const fill = start.slice(0, nNodes);
    const donors = new Int32Array(n);
    leaves.forEach((v, i) => (donors[fill[v]!++] = i));
    const minR = o.shift ?? SHIFT_MIN_R;
    const shift = !isCategorical(c) && minR !== false ? leafShifts(train, order, X, n, k, start, donors, sent, minR) : undefined;
    steps.push({ column: j, tree, start, donors, ...(shift ? { shift } : {}) });
    o.onProgress?.(k + 1, p);
  });
  return { steps, X, sent };
}

/**
 * Per leaf of step k: a ridge fit of the target on the earlier continuous steps, over the leaf's donors with
 * all of them observed, kept when its R reaches minR. Why: a donor is a real row, near the synthetic one in the
 * tree's splits but not on the line the two share (a gem's x, y and z, its price given its carat); moving it
 * along the fit keeps sharp relations that a leaf of hundreds of rows blurs.
 */
function leafShifts(train: Table, order: readonly number[], X: Float64Array, n: number, k: number, start: Int32Array, donors: Int32Array, sent: Float64Array, minR: number): NonNullable<Step['shift']> {
  const nNodes = start.length - 1;
  const ySent = sent[k]!;
  const y = X.subarray(k * n, (k + 1) * n);
  const candList: number[] = [];
  for (let q = 0; q < k; q++) if (!isCategorical(train.columns[order[q]!]!)) candList.push(q);
  const cands = Int32Array.from(candList);
  const P = cands.length;
  const coef = new Float64Array(nNodes * P);
  const use = new Uint8Array(nNodes);
  const lo = new Float64Array(nNodes).fill(Infinity);
  const hi = new Float64Array(nNodes).fill(-Infinity);
  for (let v = 0; v < nNodes; v++) {
    const a = start[v]!, b = start[v + 1]!;
    if (b - a < 5 || P === 0) continue;
    const rows: number[] = [];
    for (let t = a; t < b; t++) {
      const r = donors[t]!;
      const yv = y[r]!;
      if (yv === ySent) continue;
      lo[v] = Math.min(lo[v]!, yv);
      hi[v] = Math.max(hi[v]!, yv);
      let ok = true;
      for (const q of cands) if (X[q * n + r] === sent[q]) ok = false;
      if (ok) rows.push(r);
    }
    const m = rows.length;
    if (m < 5 + 3 * P) continue;
    // Standardized predictors, centred target.
    const mean = new Float64Array(P), sd = new Float64Array(P);
    let my = 0;
    for (const r of rows) my += y[r]!;
    my /= m;
    let syy = 0;
    for (const r of rows) syy += (y[r]! - my) ** 2;
    if (syy <= 0) continue;
    cands.forEach((q, c) => {
      let s1 = 0;
      for (const r of rows) s1 += X[q * n + r]!;
      mean[c] = s1 / m;
      let s2 = 0;
      for (const r of rows) s2 += (X[q * n + r]! - mean[c]!) ** 2;
      sd[c] = Math.sqrt(s2 / m);
    });
    const G = new Float64Array(P * P), g = new Float64Array(P);
    for (const r of rows) {
      const yc = y[r]! - my;
      for (let c = 0; c < P; c++) {
        if (!(sd[c]! > 0)) continue;
        const zc = (X[cands[c]! * n + r]! - mean[c]!) / sd[c]!;
        g[c]! += zc * yc;
        for (let e = 0; e <= c; e++) if (sd[e]! > 0) G[c * P + e]! += zc * ((X[cands[e]! * n + r]! - mean[e]!) / sd[e]!);
      }
    }
    // A light ridge (1% of a standardized column's sum of squares): collinear columns (x, y, z) share a slope.
    for (let c = 0; c < P; c++) G[c * P + c]! += sd[c]! > 0 ? 0.01 * m : 1;
    // G holds its lower triangle only, which is all choleskySolve reads.
    const beta = choleskySolve(G, g, P);
    // R² of the fit.
    let sse = 0;
    for (const r of rows) {
      let f = my;
      for (let c = 0; c < P; c++) if (sd[c]! > 0) f += beta[c]! * ((X[cands[c]! * n + r]! - mean[c]!) / sd[c]!);
      sse += (y[r]! - f) ** 2;
    }
    if (1 - sse / syy < minR * minR) continue;
    use[v] = 1;
    for (let c = 0; c < P; c++) coef[v * P + c] = sd[c]! > 0 ? beta[c]! / sd[c]! : 0;
  }
  // Each leaf's donor values, sorted (same layout as donors).
  const leafRows = donors.slice();
  const leafVals = new Float64Array(n);
  for (let v = 0; v < nNodes; v++) {
    const a = start[v]!, b = start[v + 1]!;
    if (b <= a) continue;
    const part = Array.from(leafRows.subarray(a, b)).sort((r1, r2) => y[r1]! - y[r2]! || r1 - r2);
    part.forEach((r, t) => {
      leafRows[a + t] = r;
      leafVals[a + t] = y[r]!;
    });
  }
  return { cands, coef, use, lo, hi, leafVals, leafRows };
}

/** Index of the value nearest x in an ascending array. */
function nearest(grid: Float64Array, x: number): number {
  let lo = 0, hi = grid.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (grid[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && x - grid[lo - 1]! < grid[lo]! - x ? lo - 1 : lo;
}

/** Donor training row per synthetic row and column (column-major by synthesis step), fixed cells as -1. */
function sampleDonors(train: Table, steps: readonly Step[], X: Float64Array, sent: Float64Array, rows: number, rng: Rng): Int32Array[] {
  const n = train.nRows;
  const p = steps.length;
  const S = new Float64Array(rows * p);
  const out: Int32Array[] = [];
  steps.forEach((s, k) => {
    const donor = new Int32Array(rows);
    if (s.fixed !== undefined) {
      donor.fill(-1);
      S.fill(s.fixed, k * rows, (k + 1) * rows);
    } else {
      if (!s.tree) for (let i = 0; i < rows; i++) donor[i] = rng.int(n);
      else {
        const leaves = forestLeaves(s.tree, { nRows: rows, nCols: k, data: S.subarray(0, k * rows), names: [] });
        const feat = X.subarray(k * n, (k + 1) * n);
        for (let i = 0; i < rows; i++) {
          const a = s.start![leaves[i]!]!;
          const b = s.start![leaves[i]! + 1]!;
          donor[i] = s.donors![a + rng.int(b - a)]!;
          const sh = s.shift;
          const v = leaves[i]!;
          if (!sh || !sh.use[v]) continue;
          const d = donor[i]!;
          const y = feat[d]!;
          if (y === sent[k]) continue;
          const P = sh.cands.length;
          let delta = 0;
          let ok = true;
          for (let c = 0; c < P && ok; c++) {
            const w = sh.coef[v * P + c]!;
            if (w === 0) continue;
            const q = sh.cands[c]!;
            const sx = S[q * rows + i]!;
            if (sx === sent[q] || X[q * n + d] === sent[q]) ok = false;
            else delta += w * (sx - X[q * n + d]!);
          }
          if (!ok) continue;
          const target = Math.min(sh.hi[v]!, Math.max(sh.lo[v]!, y + delta));
          donor[i] = sh.leafRows[a + nearest(sh.leafVals.subarray(a, b), target)]!;
        }
      }
      const feat = X.subarray(k * n, (k + 1) * n);
      for (let i = 0; i < rows; i++) S[k * rows + i] = feat[donor[i]!]!;
    }
    out.push(donor);
  });
  return out;
}

/**
 * Copies allowed for a training table whose own duplicate rate is `rate` (a leave-one-out estimate of how
 * often a fresh real row equals a training row): a margin of a fifth of the rarer side below it. Under ½
 * that is 0.8 × rate; near 1 the margin shrinks with the share of non-copies, because every copy over the
 * allowance is redrawn and the redraws bend the distribution: AER__Fertility (96.5% repeats) at 0.8 × rate
 * redrew a fifth of its rows and its pair trends fell to 0.958 (0.997 without a cap; the holdout 0.996).
 */
export function copyAllowance(rate: number): number {
  return rate - 0.2 * Math.min(rate, 1 - rate);
}

/** Exact row identity (numbers by value, labels by code, missing as missing). */
export function rowKey(t: Table, i: number): string {
  return t.columns.map((c) => (isCategorical(c) ? c.codes[i]! : c.values[i]!)).join('\u0001');
}

/** How often each distinct row occurs in a table. */
export function rowCounts(t: Table): Map<string, number> {
  const count = new Map<string, number>();
  for (let i = 0; i < t.nRows; i++) {
    const k = rowKey(t, i);
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  return count;
}

/** Share of rows that equal another row, from rowCounts. */
function duplicateShare(count: ReadonlyMap<string, number>, nRows: number): number {
  if (nRows < 2) return 0;
  let dup = 0;
  for (const v of count.values()) if (v > 1) dup += v;
  return dup / nRows;
}

/** Share of a table's rows that equal another row of it. */
export function duplicateRate(t: Table): number {
  return duplicateShare(rowCounts(t), t.nRows);
}

/** Build the synthetic table from donor rows (one takeRows per column keeps each column's printed text). */
function assemble(train: Table, steps: readonly Step[], donors: readonly Int32Array[], keep: readonly number[]): Table {
  const columns: Column[] = new Array(train.columns.length);
  steps.forEach((s, k) => {
    const c = train.columns[s.column]!;
    if (s.fixed !== undefined) {
      columns[s.column] = isCategorical(c)
        ? { ...c, codes: new Int32Array(keep.length).fill(s.fixed) }
        : { name: c.name, kind: c.kind, values: new Float64Array(keep.length).fill(s.fixed), ...(c.kind === 'datetime' ? { resolution: c.resolution } : {}) } as Column;
      return;
    }
    const d = donors[k]!;
    columns[s.column] = takeRows({ nRows: train.nRows, columns: [c] }, keep.map((i) => d[i]!)).columns[0]!;
  });
  return { nRows: keep.length, columns };
}

/** `rows` synthetic rows drawn by sequential CART from `train` (see the module comment). */
export function cartSynthesize(train: Table, rows: number, o: CartOptions): CartResult {
  if (train.nRows < 1) throw new Error('cart synthesis: no training rows');
  const deps = o.dependencies ?? findDependencies(train);
  const fixedNames = Object.keys(o.fixed ?? {});
  for (const name of fixedNames) if (!train.columns.some((c) => c.name === name)) throw new ModelError(`fixed.${name}: no such column (columns: ${train.columns.map((c) => c.name).join(', ')})`);
  const order = synthesisOrder(train, fixedNames, deps);
  const { steps, X, sent } = fitSteps(train, order, o);

  // One pass over the training rows: their duplicate rate, and the keys a copy is looked up by.
  const trainKeys = rowCounts(train);
  const trainDuplicateRate = duplicateShare(trainKeys, train.nRows);
  const allowedRate = o.maxCopyRate ?? copyAllowance(trainDuplicateRate);
  const rng = createRng(deriveSeed(o.seed, 'cart:sample'));
  let kept = 0;
  let redrawn = 0;
  // Draw in rounds: copies past the allowance are dropped and redrawn (a few rounds suffice unless the
  // table is nearly all duplicates; then the allowance gives way rather than loop). Within a round the copies
  // kept are those of the most repeated training rows: a row shared by many records identifies none of them,
  // and keeping the common ones leaves less to redraw from the rare corners.
  const picked: number[][] = steps.map(() => []);
  {
    const allowed = Math.floor(allowedRate * rows);
    // Share of a round's draws that were taken: later rounds draw enough for what is still wanted.
    let acceptShare = 1;
    for (let round = 0; picked[0]!.length < rows; round++) {
      const want = rows - picked[0]!.length;
      const batch = round === 0 ? want : Math.ceil((want * 1.2) / Math.max(acceptShare, 0.05)) + 16;
      const donors = sampleDonors(train, steps, X, sent, batch, rng);
      const draft = assemble(train, steps, donors, Array.from({ length: batch }, (_, i) => i));
      const times = Array.from({ length: batch }, (_, i) => trainKeys.get(rowKey(draft, i)) ?? 0);
      const room = round < 20 ? Math.max(0, allowed - kept) : batch;
      const copies = times.flatMap((c, i) => (c > 0 ? [i] : [])).sort((a, b) => times[b]! - times[a]! || a - b);
      const accept = new Uint8Array(batch).fill(1);
      for (const i of copies.slice(room)) accept[i] = 0;
      let taken = 0;
      for (let i = 0; i < batch && taken < want; i++) {
        if (!accept[i]) {
          redrawn++;
          continue;
        }
        if (times[i]! > 0) kept++;
        donors.forEach((d, k) => picked[k]!.push(d[i]!));
        taken++;
      }
      acceptShare = accept.reduce((a, b) => a + b, 0) / batch;
    }
  }
  let table = assemble(train, steps, picked.map((d) => Int32Array.from(d)), Array.from({ length: rows }, (_, i) => i));

  // Leaves that mix a dependency's levels could pair them wrongly: dependants take the level their source implies.
  let dependencyFixes = 0;
  if (deps.length) {
    const input = blankLike(table, fixedNames);
    table = { nRows: table.nRows, columns: table.columns.map((c) => (isCategorical(c) ? { ...c, codes: c.codes.slice() } : { ...c, values: c.values.slice() })) };
    dependencyFixes = enforceDependencies(input, table, deps, () => 0);
  }
  return { table, order: order.map((j) => train.columns[j]!.name), copies: { kept, redrawn, allowedRate, trainDuplicateRate }, dependencyFixes };
}

/** All-missing table shaped like `t`, except the fixed columns (what a dependency may not change). */
function blankLike(t: Table, fixed: readonly string[]): Table {
  return {
    nRows: t.nRows,
    columns: t.columns.map((c) => {
      if (fixed.includes(c.name)) return c;
      return isCategorical(c) ? { ...c, codes: new Int32Array(t.nRows).fill(-1) } : { ...c, values: new Float64Array(t.nRows).fill(NaN) };
    }),
  };
}
