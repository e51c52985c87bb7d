/**
 * Chained random-forest imputation (missForest, Stekhoven & Bühlmann 2012): start from mean/mode, then
 * repeatedly regress (classify) each incomplete column on all the others with a random forest and
 * re-predict its holes, columns in order of increasing missingness. The second engine beside the
 * diffusion model: trees capture sharp, nearly deterministic relations from a few hundred rows, where a
 * small network trained for a minute on a CPU is still smooth. Returns per-cell predictions and, for
 * categorical cells, class probabilities, so a blend can weigh them against the diffusion draws.
 */
import { forestPredict, trainForestClassifier, trainForestRegressor, type FeatureMatrix, type TreeSharing } from '../evaluate/forest.js';
import { observedSd } from '../evaluate/imputation.js';
import { createRng, deriveSeed } from '../rng.js';
import { LARGE_IMPUTE_ROWS } from '../diffusion/sampler-name.js';
import { isCategorical, isMissing, type Table } from '../table/table.js';
import { choleskySolve } from '../linalg.js';

export interface ChainedOptions {
  seed: number;
  /** 'forest': random forests (missForest); 'ridge': ridge regression / linear probabilities (as IterativeImputer with BayesianRidge). */
  learner?: 'forest' | 'ridge';
  /** Rounds over the columns (missForest's stop rule usually ends after 4–6). */
  iterations?: number;
  nTrees?: number;
  /**
   * Trees per forest in the rounds before the last (default 25 from LARGE_IMPUTE_ROWS rows, else nTrees): those
   * rounds only refresh the fills the other columns' forests read, and a quarter of the trees does that about
   * as well (gapminder, forests alone: RMSE 0.3254 → 0.3244, accuracy 0.812 → 0.809, 40 → 20 s). Below
   * LARGE_IMPUTE_ROWS rows the forests take less time than the model beside them, so they keep every tree.
   */
  warmupTrees?: number;
  /**
   * Trees per forest in the last round of the fill with `heldCells` hidden (default 50 from LARGE_IMPUTE_ROWS rows,
   * else nTrees). Its estimates only weigh the engines: on the 10,545 × 30 gapminder table, half the trees
   * changed one column's weights by ¼ and RMSE by 1e-6, for ~11% of the forest time.
   */
  heldTrees?: number;
  /** Training rows per forest at most (a seeded subsample; bounds the cost on big tables; default 20,000). */
  maxRows?: number;
  /** Regression forests see label features ordered by their mean target (default true). */
  orderLabels?: boolean;
  /** Features tried per split (default missForest's sqrt). */
  maxFeatures?: 'sqrt' | 'third' | 'all' | number;
  /**
   * Numeric columns by extremely randomized trees (Geurts et al. 2006; scikit-learn's ExtraTreesRegressor, the
   * IterativeImputer peer): each candidate feature split at a random point, no bootstrap, a third of the
   * features per split. Labels keep the random forests. impute/blend.ts picks per column between this fill
   * and the random forests' on the validation cells.
   */
  extraTrees?: boolean;
  /**
   * Per column, observed rows to estimate as if missing (impute/blend.ts weighs its engines on them): a
   * first fill with these cells hidden gives `ChainedResult.held`, then the table is filled whole. Neither
   * shortcut measured as good: one more round on the whole table after the hidden fill cost gapminder RMSE
   * 0.325 → 0.340, and out-of-bag estimates leak (a row's other holes are filled from the cell's true value:
   * SLID's blend then trusted forests alone, RMSE 0.915 → 0.957).
   */
  heldCells?: readonly (readonly number[])[];
  /**
   * Cells hidden in the fill with `heldCells` besides them, and not scored there: a cell an exact relation
   * derived from one of the held cells (impute/blend.ts `relationsForEngines`), which would give it away.
   */
  heldAlso?: readonly (readonly number[])[];
  /**
   * With `heldCells`, below LARGE_IMPUTE_ROWS rows and ADAPTIVE_ROUNDS_MAX_CELLS cells: the held fill runs up to
   * this many rounds and the rounds whose hidden cells come out best are the ones kept (`ChainedResult.rounds`),
   * in the held fill and the whole one. Unset: `iterations` rounds.
   */
  maxRounds?: number;
  /**
   * Index, in a job's runs (chained-pool.ts), of an earlier fill with the same `heldCells` whose held fill this
   * one competes with per numeric column (`closerOnHeld`): when it is closer on none, the whole fill is skipped
   * (`ChainedResult.skipped`), as the blend would use none of it. The extra trees set it.
   */
  rivalRun?: number;
  /** The rival's held fill (chained-pool.ts sets it from `rivalRun`). */
  rivalHeld?: Pick<ChainedResult, 'values' | 'probs'>;
  /** Threads that grow some of each forest's trees (chained-pool.ts's worker sets it); same fills either way. */
  sharing?: TreeSharing;
  onProgress?: (done: number, total: number) => void;
}

export interface ChainedResult {
  /** Per column: the prediction for every row (numeric value, or class code); observed rows hold the input. */
  values: Float64Array[];
  /** Per categorical column: row-major nRows × K class probabilities (rows with holes only are meaningful). */
  probs: (Float64Array | undefined)[];
  /** With `heldCells`: the fill with them hidden, laid out as `values` and `probs`. */
  held?: { values: Float64Array[]; probs: (Float64Array | undefined)[] };
  /** With `maxRounds`, where the numbers keep another round: the held fill after `iterations` rounds (what the labels' blend is chosen on). */
  heldFixed?: { values: Float64Array[]; probs: (Float64Array | undefined)[] };
  /** With `maxRounds`: the rounds kept for numeric columns and for labels, and each round's held-cell error. */
  rounds?: RoundChoice;
  /** With `rivalHeld`: closer on no numeric column, so the whole fill was not run (`values` and `probs` are the held fill's). */
  skipped?: true;
  /** Seconds it took (chained-pool.ts). */
  seconds?: number;
  /** The worker thread that computed it (chained-pool.ts); absent in-process. */
  thread?: number;
}

export interface RoundChoice {
  numeric: number;
  labels: number;
  /**
   * Per round (1 first), on the held cells: over numeric columns the median of each one's error relative to
   * its error after the default rounds (what `pickRound` chooses by) and the mean squared error over the
   * column's variance; over labels the mean share wrong.
   */
  errors: { numericMedianRatio: number; numeric: number; labels: number }[];
}

/**
 * Cells (rows × columns) up to which the forests' rounds are chosen (`maxRounds`): there the extra rounds run
 * beside the model's training. Past it the forests bound the run's time: a 4,999 × 30 gapminder lag table
 * took 145 s with the choice against 83 s without (RMSE 0.1115 → 0.1105), where 10,545 × 30 takes under 90 s.
 * credit_data (4,454 × 14) and the 2,000 × 30 gapminder_wide2k, which gain, are under it.
 */
export const ADAPTIVE_ROUNDS_MAX_CELLS = 100_000;

/**
 * Whether a table is small enough for the forests' extra work chosen on the held cells (rounds up to
 * `maxRounds`; impute/blend.ts's extra trees): below LARGE_IMPUTE_ROWS rows and ADAPTIVE_ROUNDS_MAX_CELLS cells.
 */
export function smallForHeldChoices(table: Table): boolean {
  return table.nRows < LARGE_IMPUTE_ROWS && table.nRows * table.columns.length <= ADAPTIVE_ROUNDS_MAX_CELLS;
}

/** The rounds `o` may run: `maxRounds` where it applies, else `iterations` (default 4). */
function roundsFor(table: Table, o: Pick<ChainedOptions, 'iterations' | 'maxRounds' | 'heldCells'>): { rounds: number; adaptive: boolean } {
  const fixed = o.iterations ?? 4;
  const adaptive = o.maxRounds !== undefined && o.maxRounds > fixed && o.heldCells !== undefined && smallForHeldChoices(table);
  return { rounds: adaptive ? o.maxRounds! : fixed, adaptive };
}

/** How many column fits `chainedForestImpute(table, o)` makes: what its onProgress counts to. */
export function chainedSteps(table: Table, o: Omit<ChainedOptions, 'onProgress'>): number {
  const fits = (hidden?: readonly (readonly number[])[]): number => fillOrder(missingMarks(table, hidden)).length;
  // Adaptive: the whole fill's rounds are not known before the held fill ends; counted at their most.
  return roundsFor(table, o).rounds * (fits() + (o.heldCells ? fits(heldHidden(o)) : 0));
}

/** The cells the held fill hides: `heldCells` and `heldAlso`. */
function heldHidden(o: Pick<ChainedOptions, 'heldCells' | 'heldAlso'>): readonly (readonly number[])[] | undefined {
  if (!o.heldAlso || !o.heldCells) return o.heldCells;
  return o.heldCells.map((rows, j) => (o.heldAlso![j]?.length ? [...rows, ...o.heldAlso![j]!] : rows));
}

/** Per column, 1 where a fill treats the cell as missing: a hole, or one of the `hidden` cells. */
function missingMarks(table: Table, hidden?: readonly (readonly number[])[]): Uint8Array[] {
  return table.columns.map((c, j) => {
    const m = new Uint8Array(table.nRows);
    for (let i = 0; i < table.nRows; i++) if (isMissing(c, i)) m[i] = 1;
    for (const i of hidden?.[j] ?? []) m[i] = 1;
    return m;
  });
}

/** The columns a fill regresses, each round: those with a missing and an observed cell, fewest missing first. */
function fillOrder(missing: readonly Uint8Array[]): number[] {
  const count = missing.map((m) => m.reduce((s, v) => s + v, 0));
  return missing
    .map((_, j) => j)
    .filter((j) => count[j]! > 0 && count[j]! < missing[j]!.length)
    .sort((a, b) => count[a]! - count[b]!);
}

export function chainedForestImpute(table: Table, o: ChainedOptions): ChainedResult {
  if (!o.heldCells) return chainedFill(table, o).result;
  // Two fills, one after the other (one worker: a second beside a training model would slow it).
  const { rounds, adaptive } = roundsFor(table, o);
  const total = chainedSteps(table, o);
  const hidden = heldHidden(o)!;
  const heldSteps = rounds * fillOrder(missingMarks(table, hidden)).length;
  if (!adaptive) {
    const held = chainedFill(table, { ...o, onProgress: (d) => o.onProgress?.(d, total) }, hidden).result;
    if (o.rivalHeld && !closerOnHeld(table, o.heldCells, o.rivalHeld, held).some(Boolean)) {
      o.onProgress?.(total, total);
      return { values: held.values, probs: held.probs, held: { values: held.values, probs: held.probs }, skipped: true };
    }
    return { ...chainedFill(table, { ...o, onProgress: (d) => o.onProgress?.(heldSteps + d, total) }).result, held: { values: held.values, probs: held.probs } };
  }
  // A round's fill does not depend on how many rounds follow (seeds per round and column; below
  // LARGE_IMPUTE_ROWS every round grows all its trees), so one held fill of `rounds` rounds gives every
  // shorter one, and the whole fill stops at the later of the two rounds kept.
  const all = Array.from({ length: rounds }, (_, r) => r + 1);
  const fixed = o.iterations ?? 4;
  const held = chainedFill(table, { ...o, iterations: rounds, onProgress: (d) => o.onProgress?.(d, total) }, hidden, all, fixed);
  const choice = chooseRounds(table, o.heldCells, held.snapshots, fixed);
  const last = Math.max(choice.numeric, choice.labels);
  const full = chainedFill(table, { ...o, iterations: last, onProgress: (d) => o.onProgress?.(heldSteps + d, total) }, undefined, [choice.numeric, choice.labels], choice.labels);
  o.onProgress?.(total, total);
  const pick = (snaps: Map<number, ChainedResult>): { values: Float64Array[]; probs: (Float64Array | undefined)[] } => {
    const num = snaps.get(choice.numeric)!, lab = snaps.get(choice.labels)!;
    return { values: table.columns.map((c, j) => (isCategorical(c) ? lab : num).values[j]!), probs: table.columns.map((c, j) => (isCategorical(c) ? lab.probs[j] : undefined)) };
  };
  // Where the numbers keep the default round too, the held fill is the default one: no second blend to pick.
  const f = held.snapshots.get(fixed)!;
  return { ...pick(full.snapshots), held: pick(held.snapshots), ...(choice.numeric !== fixed ? { heldFixed: { values: f.values, probs: f.probs } } : {}), rounds: choice };
}

/**
 * Per column: whether fill `b` is closer than fill `a` on its held cells, by squared error (numeric columns
 * with held cells only; false elsewhere).
 */
export function closerOnHeld(table: Table, heldCells: readonly (readonly number[])[], a: Pick<ChainedResult, 'values'>, b: Pick<ChainedResult, 'values'>): boolean[] {
  const [ea, eb] = [heldSse(table, heldCells, a.values), heldSse(table, heldCells, b.values)];
  return ea.map((e, j) => eb[j]! < e);
}

/**
 * Per column, a fill's summed squared error on its held cells against the table's values there (numeric
 * columns with held cells; NaN elsewhere). What chooses the rounds (chooseRounds) and the forest learner
 * (closerOnHeld, impute/blend.ts forestLearners).
 */
export function heldSse(table: Table, heldCells: readonly (readonly number[])[], values: readonly Float64Array[]): number[] {
  return table.columns.map((c, j) => {
    const cells = heldCells[j] ?? [];
    if (isCategorical(c) || !cells.length) return NaN;
    let se = 0;
    for (const i of cells) se += (values[j]![i]! - c.values[i]!) ** 2;
    return se;
  });
}

/**
 * The rounds to keep: for labels `fixed`; for numbers `pickRound` on each numeric column's held-cell errors
 * per round (mean squared error over the column's observed variance, as evaluate/imputation.ts standardizes). Labels keep the default rounds: chosen
 * on their own few cells, penguins' accuracy fell under mice's (0.828 → 0.824; bench/RESULTS.md).
 */
function chooseRounds(table: Table, heldCells: readonly (readonly number[])[], snaps: Map<number, ChainedResult>, fixed: number): RoundChoice {
  const rounds = [...snaps.keys()].sort((a, b) => a - b);
  const sse = rounds.map((r) => heldSse(table, heldCells, snaps.get(r)!.values));
  const numeric: number[][] = [];
  const labels: number[][] = [];
  table.columns.forEach((c, j) => {
    const cells = heldCells[j] ?? [];
    if (!cells.length) return;
    if (isCategorical(c)) {
      labels.push(rounds.map((r) => cells.filter((i) => snaps.get(r)!.values[j]![i] !== c.codes[i]).length / cells.length));
      return;
    }
    const v = observedSd(c) ** 2;
    numeric.push(sse.map((e) => e[j]! / cells.length / v));
  });
  const mean = (rows: number[][], k: number): number => (rows.length ? rows.reduce((s, e) => s + e[k]!, 0) / rows.length : 0);
  const ref = rounds.indexOf(fixed);
  return {
    numeric: rounds[pickRound(numeric, ref)]!,
    labels: fixed,
    errors: rounds.map((_, k) => ({ numericMedianRatio: numeric.length ? medianRatio(numeric, k, ref) : 1, numeric: mean(numeric, k), labels: mean(labels, k) })),
  };
}

/**
 * The round (index) whose median over columns of error / error at round `ref` is lowest; `ref` unless
 * one is strictly lower. The median, not the mean of errors: a heavy-tailed column's few huge cells
 * (gapminder's population lags, whose held errors grew 30-fold from round 4 to 8 while most columns'
 * fell, and whose errors on the real holes did not grow) would choose for the whole table. On
 * gapminder_wide2k the mean chose round 2 (RMSE 0.1497), the median round 8 (0.1411; 4 rounds: 0.1459).
 */
export function pickRound(errors: readonly (readonly number[])[], ref: number): number {
  if (!errors.length) return ref;
  let best = ref;
  for (let k = 0; k < errors[0]!.length; k++) if (medianRatio(errors, k, ref) < medianRatio(errors, best, ref)) best = k;
  return best;
}

/** Median over columns of error at round index k / error at index ref. */
function medianRatio(errors: readonly (readonly number[])[], k: number, ref: number): number {
  const r = errors.map((e) => Math.max(e[k]!, 1e-12) / Math.max(e[ref]!, 1e-12)).sort((a, b) => a - b);
  const m = r.length >> 1;
  return r.length % 2 ? r[m]! : (r[m - 1]! + r[m]!) / 2;
}

/**
 * One chained fill of the table, with the `hidden` cells (row indices per column) treated as missing; the state
 * after each round in `keep` is kept too, class probabilities only after round `probsAt` where given (a label of
 * hundreds of levels has that many per row, and labels keep one round).
 */
function chainedFill(table: Table, o: ChainedOptions, hidden?: readonly (readonly number[])[], keep: readonly number[] = [], probsAt?: number): { result: ChainedResult; snapshots: Map<number, ChainedResult> } {
  const n = table.nRows;
  const cols = table.columns;
  const p = cols.length;
  // Column-major working matrix: numeric values as is, categories as codes (as missForest's peers do).
  const data = new Float64Array(n * p);
  const missing = missingMarks(table, hidden);
  const probs: (Float64Array | undefined)[] = cols.map(() => undefined);
  // Missing cells start at the mean or mode of the cells the fill sees.
  cols.forEach((c, j) => {
    const m = missing[j]!;
    if (isCategorical(c)) {
      const counts = new Float64Array(c.categories.length);
      for (let i = 0; i < n; i++) if (!m[i]) counts[c.codes[i]!]!++;
      let mode = 0;
      counts.forEach((k, l) => k > counts[mode]! && (mode = l));
      for (let i = 0; i < n; i++) data[j * n + i] = m[i] ? mode : c.codes[i]!;
    } else {
      let s = 0, cnt = 0;
      for (let i = 0; i < n; i++) if (!m[i]) (s += c.values[i]!), cnt++;
      const mean = cnt ? s / cnt : 0;
      for (let i = 0; i < n; i++) data[j * n + i] = m[i] ? mean : c.values[i]!;
    }
  });
  const order = fillOrder(missing);
  const iterations = o.iterations ?? 4;
  // 20,000: on gapminder (10,545 rows, a country × year panel) forests on every row instead of a 3,000-row
  // subsample scored RMSE 0.403 instead of 0.475 (credit, 4,454 rows: 0.894 vs 0.890) for ~1.5× the time;
  // the bound keeps 50k-row tables affordable. bench/prototypes/chained-variants.mts measures it.
  const maxRows = o.maxRows ?? 20000;
  const total = iterations * order.length;
  let done = 0;
  const snapshots = new Map<number, ChainedResult>();
  const snapshot = (round: number): ChainedResult => ({
    values: cols.map((_, j) => data.slice(j * n, (j + 1) * n)),
    probs: probsAt === undefined || round === probsAt ? probs.map((a) => a?.slice()) : probs.map(() => undefined),
  });
  for (let it = 0; it < iterations; it++) {
    if (it > 0 && keep.includes(it)) snapshots.set(it, snapshot(it));
    const all = o.nTrees ?? 100;
    const large = n >= LARGE_IMPUTE_ROWS;
    const nTrees = Math.min(all, it < iterations - 1 ? (o.warmupTrees ?? (large ? 25 : all)) : hidden ? (o.heldTrees ?? (large ? 50 : all)) : all);
    for (const j of order) {
      const m = missing[j]!;
      const obsRows: number[] = [], misRows: number[] = [];
      for (let i = 0; i < n; i++) (m[i] ? misRows : obsRows).push(i);
      let trainRows = obsRows;
      if (obsRows.length > maxRows) {
        const rng = createRng(deriveSeed(o.seed, `rows/${it}/${j}`));
        const a = obsRows.slice();
        for (let k = 0; k < maxRows; k++) {
          const r = k + rng.int(a.length - k);
          [a[k], a[r]] = [a[r]!, a[k]!];
        }
        trainRows = a.slice(0, maxRows);
      }
      const c = cols[j]!;
      if (o.learner === 'ridge') {
        const design = ridgeDesign(table, data, n, j);
        const K = isCategorical(c) ? c.categories.length : 1;
        const pr = ridgeFitPredict(design, data, n, j, K, trainRows, misRows);
        if (isCategorical(c)) {
          const all = probs[j] ?? new Float64Array(n * K);
          misRows.forEach((i, r) => {
            let best = 0, sum = 0;
            for (let k = 0; k < K; k++) sum += Math.max(0, pr[r * K + k]!);
            for (let k = 0; k < K; k++) {
              all[i * K + k] = sum > 0 ? Math.max(0, pr[r * K + k]!) / sum : 1 / K;
              if (pr[r * K + k]! > pr[r * K + best]!) best = k;
            }
            data[j * n + i] = best;
          });
          probs[j] = all;
        } else misRows.forEach((i, r) => (data[j * n + i] = pr[r]!));
        o.onProgress?.(++done, total);
        continue;
      }
      // Regression: label features recoded by their mean target on the training rows, so a split on the
      // codes separates high from low levels (CART's ordering for a numeric response) rather than
      // arbitrary runs of the alphabet.
      const recode = o.orderLabels !== false && !isCategorical(cols[j]!) ? labelOrder(cols, data, n, j, trainRows) : undefined;
      const X = features(data, n, p, j, trainRows, recode);
      const Xm = features(data, n, p, j, misRows, recode);
      const opts = { seed: deriveSeed(o.seed, `forest/${it}/${j}`), nTrees, maxDepth: 40, maxBins: 256, maxFeatures: o.maxFeatures ?? ('sqrt' as const), sharing: o.sharing };
      if (isCategorical(c)) {
        const K = c.categories.length;
        const y = Int32Array.from(trainRows, (i) => data[j * n + i]!);
        const pr = forestPredict(trainForestClassifier(X, y, K, opts), Xm);
        const all = probs[j] ?? new Float64Array(n * K);
        misRows.forEach((i, r) => {
          let best = 0;
          for (let k = 0; k < K; k++) {
            all[i * K + k] = pr[r * K + k]!;
            if (pr[r * K + k]! > pr[r * K + best]!) best = k;
          }
          data[j * n + i] = best;
        });
        probs[j] = all;
      } else {
        const y = Float64Array.from(trainRows, (i) => data[j * n + i]!);
        const pr = forestPredict(trainForestRegressor(X, y, o.extraTrees ? { ...opts, randomSplits: true, bootstrap: false, maxFeatures: o.maxFeatures ?? 'third' } : opts), Xm);
        misRows.forEach((i, r) => (data[j * n + i] = pr[r]!));
      }
      o.onProgress?.(++done, total);
    }
  }
  const result = snapshot(iterations);
  if (keep.includes(iterations)) snapshots.set(iterations, result);
  return { result, snapshots };
}

/**
 * Per label column (else undefined): code → rank of its mean of column `target` over `rows`. A level with
 * no such row ranks at the overall mean, not at an end, where trees would give it the extreme levels' value.
 */
function labelOrder(cols: Table['columns'], data: Float64Array, n: number, target: number, rows: readonly number[]): (Float64Array | undefined)[] {
  let total = 0;
  for (const i of rows) total += data[target * n + i]!;
  const overall = rows.length ? total / rows.length : 0;
  return cols.map((c, f) => {
    if (f === target || !isCategorical(c)) return undefined;
    const K = c.categories.length;
    const sum = new Float64Array(K), cnt = new Float64Array(K);
    for (const i of rows) {
      const k = data[f * n + i]!;
      sum[k]! += data[target * n + i]!;
      cnt[k]!++;
    }
    const mean = Float64Array.from(sum, (v, k) => (cnt[k] ? v / cnt[k]! : overall));
    const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => mean[a]! - mean[b]! || a - b);
    const rank = new Float64Array(K);
    order.forEach((k, r) => (rank[k] = r));
    return rank;
  });
}

/** Every column but `skip`, for the given rows, column-major; label codes through `recode` where given. */
function features(data: Float64Array, n: number, p: number, skip: number, rows: readonly number[], recode?: (Float64Array | undefined)[]): FeatureMatrix {
  const m = rows.length;
  const out = new Float64Array(m * (p - 1));
  const names: string[] = [];
  let f = 0;
  for (let j = 0; j < p; j++) {
    if (j === skip) continue;
    const src = j * n, dst = f * m;
    const rc = recode?.[j];
    if (rc) for (let r = 0; r < m; r++) out[dst + r] = rc[data[src + rows[r]!]!]!;
    else for (let r = 0; r < m; r++) out[dst + r] = data[src + rows[r]!]!;
    names.push(String(j));
    f++;
  }
  return { nRows: m, nCols: p - 1, data: out, names };
}

/** Standardized numeric columns and one-hot labels (columns up to 20 levels) of every column but `skip`. */
interface Design {
  /** Per feature: source column, level (−1 for a numeric value), centre and scale. */
  src: Int32Array;
  level: Int32Array;
  centre: Float64Array;
  scale: Float64Array;
}

function ridgeDesign(table: Table, data: Float64Array, n: number, skip: number): Design {
  const src: number[] = [], level: number[] = [], centre: number[] = [], scale: number[] = [];
  table.columns.forEach((c, j) => {
    if (j === skip) return;
    if (isCategorical(c)) {
      if (c.categories.length > 20) return;
      for (let k = 0; k < c.categories.length; k++) src.push(j), level.push(k), centre.push(0), scale.push(1);
      return;
    }
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) (s += data[j * n + i]!), (s2 += data[j * n + i]! ** 2);
    const mu = s / n, sd = Math.sqrt(Math.max(s2 / n - mu * mu, 0)) || 1;
    src.push(j), level.push(-1), centre.push(mu), scale.push(sd);
  });
  return { src: Int32Array.from(src), level: Int32Array.from(level), centre: Float64Array.from(centre), scale: Float64Array.from(scale) };
}

function designRow(d: Design, data: Float64Array, n: number, i: number, out: Float64Array): void {
  out[0] = 1;
  for (let f = 0; f < d.src.length; f++) {
    const v = data[d.src[f]! * n + i]!;
    out[f + 1] = d.level[f]! < 0 ? (v - d.centre[f]!) / d.scale[f]! : v === d.level[f]! ? 1 : 0;
  }
}

/**
 * Ridge regression of column j (K one-hot targets for a label, else its value) on the design, fitted on
 * `train` rows and predicted on `predict` rows: (XᵀX + λI)β = XᵀY by Cholesky, λ = 1 on standardized
 * features (intercept unpenalised) — close to BayesianRidge's evidence-chosen penalty at these sizes.
 */
function ridgeFitPredict(d: Design, data: Float64Array, n: number, j: number, K: number, train: readonly number[], predict: readonly number[]): Float64Array {
  const P = d.src.length + 1;
  const A = new Float64Array(P * P), B = new Float64Array(P * K), x = new Float64Array(P);
  for (const i of train) {
    designRow(d, data, n, i, x);
    const y = data[j * n + i]!;
    for (let a = 0; a < P; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      for (let b = a; b < P; b++) A[a * P + b]! += xa * x[b]!;
      if (K === 1) B[a]! += xa * y;
      else B[a * K + y]! += xa;
    }
  }
  for (let a = 0; a < P; a++) {
    for (let b = 0; b < a; b++) A[a * P + b] = A[b * P + a]!;
    A[a * P + a]! += a === 0 ? 1e-8 : 1;
  }
  const beta = choleskySolve(A, B, P, K);
  const out = new Float64Array(predict.length * K);
  predict.forEach((i, r) => {
    designRow(d, data, n, i, x);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let a = 0; a < P; a++) s += x[a]! * beta[a * K + k]!;
      out[r * K + k] = s;
    }
  });
  return out;
}
