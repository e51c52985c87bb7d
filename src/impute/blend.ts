/**
 * Imputation by validated blending of three engines (in the spirit of HyperImpute, Jarrett et al. 2022:
 * choose per column by held-out error): the diffusion model's pooled draws, chained random forests
 * (missForest) and chained ridge regressions. A seeded share of the observed cells is hidden before the
 * engines see the table; each imputes them with the real holes, and per column the weights on a simplex
 * grid (class probabilities for labels) with the lowest error on those cells are chosen. Observed cells,
 * validation cells included, come out as they went in.
 *
 * The diffusion model is either trained here on the held-out table or passed in trained; a run that
 * trains its model for imputation hides the same validation cells from training (run/table/run.ts), so
 * the weights are not chosen on cells the model has seen.
 */
import { createRng, deriveSeed } from '../rng.js';
import { isCategorical, isMissing, missingCount, type Column, type Table } from '../table/table.js';
import { applyMask } from '../evaluate/imputation.js';
import { enforceDependencies, findDependencies } from '../table/dependencies.js';
import { applyNumericRelations, findNumericRelations, type NumericRelation } from '../table/relations.js';
import { TabularDiffusion, type TabularModelOptions } from '../diffusion/tabular.js';
import { imputeSampling, type SamplerName, type Sampling } from '../diffusion/sampler-name.js';
import { closerOnHeld, heldSse, smallForHeldChoices, type ChainedResult, type RoundChoice } from './chained.js';
import { chainedInWorker, type ChainedRun } from './chained-pool.js';

/** Engine weights tried per column: (diffusion, forest, ridge) on a simplex grid of step ¼. */
export const BLEND_GRID: readonly (readonly [number, number, number])[] = (() => {
  const g: [number, number, number][] = [];
  for (let a = 0; a <= 4; a++) for (let b = 0; a + b <= 4; b++) g.push([a / 4, b / 4, (4 - a - b) / 4]);
  return g;
})();
export const ENGINES = ['diffusion', 'forest', 'ridge'] as const;

export interface BlendOptions {
  seed: number;
  draws?: number;
  /** The draws' sampler and steps; unset, imputeSampling's default for the table's rows. */
  sampler?: SamplerName;
  samplerSteps?: number;
  /** Share of each incomplete column's observed cells held out to choose the weights. */
  validationShare?: number;
  /** A fresh model's options (when `trained` is absent). */
  model?: TabularModelOptions;
  /** An already trained model (not disposed here); else one is trained on the held-out table where `engines` uses it. */
  trained?: TabularDiffusion;
  /** Validation cells per column (row indices); default `validationCells(table, seed, share)`. */
  validation?: number[][];
  /**
   * How much worse than the best (relative) a more even blend may score and still be preferred; a
   * number, or 'auto' (the default): within 5% and no worse within one standard error of the paired
   * per-cell differences (`pairedNoWorse`). On the shared masks of airquality, penguins, birthwt and pbc
   * (a few dozen to 200 cells per column) a fixed 1% / 5% / 10% gave summed RMSE 3.648 / 3.591 / 3.594;
   * the paired test binds where there are many cells.
   */
  tolerance?: number | 'auto';
  /** Only rows from this index on may be validation cells (rows above it may be ones the model trained on). */
  validationFrom?: number;
  /** 'auto' blends all three; one engine's name uses it alone. */
  engines?: 'auto' | (typeof ENGINES)[number];
  /** Progress of a stage: diffusion draws (unit 'rows×draws'), then the wait on the chained fills' remaining column fits. */
  onProgress?: (stage: string, done: number, total: number, unit: string) => void;
  /** The chained fills, already started by `startChainedFills` with this table, validation cells, seed and engines. */
  fills?: ChainedFills;
}

export interface ColumnChoice {
  column: string;
  /** Weights of diffusion, forest, ridge. */
  weights: [number, number, number];
  /** 'table': the blend the table's pooled validation cells favour; 'column': its own, better beyond the noise (pickColumnBlends). */
  chosenBy: 'table' | 'column';
  validationCells: number;
  /** Validation error of each engine alone and of the chosen blend: RMSE (data units), or for labels the root Brier score. */
  errors: { diffusion: number; forest: number; ridge: number; blend: number };
  /** A number of a table where the extra trees run (`usesExtraTrees`): the forest engine's learner for it and each learner's validation RMSE. */
  forestLearner?: { chosen: 'random-forest' | 'extra-trees'; randomForest: number; extraTrees: number };
}

export interface BlendResult {
  point: Table;
  /** The diffusion draws (multiple imputation), observed cells as input. */
  draws: Table[];
  choices: ColumnChoice[];
  /** The forests' rounds, where the fill chose them on the validation cells (chained.ts maxRounds). */
  forestRounds?: RoundChoice;
  /** Exact numeric relations found in the observed rows, each with the missing cells it filled (table/relations.ts). */
  relations: (NumericRelation & { cells: number })[];
  /**
   * Seconds: `chainedSeconds` the wall time of the chained fills from the blend's start, `forestSeconds` and
   * `ridgeSeconds` their own times in the worker; `helperTrees` the forest trees this thread grew while it waited,
   * then those each extra thread on a spare core grew from the start.
   * `sampling`: the draws' sampler and steps.
   */
  model: { width: number; depth: number; steps: number; sampling: Sampling; trainSeconds: number; imputeSeconds: number; chainedSeconds: number; forestSeconds: number; ridgeSeconds: number; helperTrees: number[] };
}

/** Per engine, per column: an estimate for every row (value, or K class probabilities row-major). */
type Estimates = (Float64Array | undefined)[];

/**
 * Validation cells: per column with holes, a seeded ~`share` of its observed cells (at least 10, and at
 * least 10 observed cells left), from rows `from` on. Row indices, ascending.
 */
export function validationCells(table: Table, seed: number, share = 0.1, from = 0): number[][] {
  const n = table.nRows;
  const rng = createRng(deriveSeed(seed, 'blend-validation'));
  return table.columns.map((c) => {
    const obs: number[] = [];
    let holes = 0;
    for (let i = 0; i < n; i++) {
      if (isMissing(c, i)) holes++;
      else if (i >= from) obs.push(i);
    }
    if (!holes || obs.length < 20) return [];
    const k = Math.min(obs.length - 10, Math.max(10, Math.round(obs.length * share)));
    for (let a = 0; a < k; a++) {
      const r = a + rng.int(obs.length - a);
      [obs[a], obs[r]] = [obs[r]!, obs[a]!];
    }
    return obs.slice(0, k).sort((x, y) => x - y);
  });
}

/**
 * Whether blend `a` scores no worse than blend `b` within the noise, judged on the same validation cells:
 * the mean of the per-cell differences of squared errors is at most `z` standard errors above zero. Paired,
 * so it tightens as the cells grow and as the engines agree. The relative tolerance it joined (1/√(2n),
 * 1%–5%) gave a weak diffusion model 0.25 on three gapminder columns (~700 cells each): RMSE 0.438, vs 0.420
 * when always picking the lowest error (bench/RESULTS.md, "Imputation at 4–10k rows").
 */
export function pairedNoWorse(a: Float64Array, b: Float64Array, z = 1): boolean {
  const n = a.length;
  if (n < 2) return false;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    s += d;
    s2 += d * d;
  }
  const mean = s / n;
  const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean) * (n / (n - 1)));
  return mean <= (z * sd) / Math.sqrt(n) + 1e-12;
}

/**
 * The grid blend a column takes, from each blend's errors on the validation cells (`cells[g]`: per cell, the
 * squared error, or a label's Brier score): the lowest RMSE, preferring the most even blend among those as
 * good within the noise — averaging engines rarely hurts, and small differences on a few dozen cells are
 * chance. A `tolerance` given is the whole rule (within that share of the lowest); by default within 5% and no
 * worse by the paired test (`pairedNoWorse`) on squared errors and, for numbers, on absolute ones: a
 * heavy-tailed column's squared errors (gapminder's gdp) vary so much that a blend with an engine worse on
 * most cells passes the first test, while the typical cell shows it.
 */
export function pickBlend(
  grid: readonly (readonly number[])[],
  avail: readonly number[],
  cells: readonly Float64Array[],
  numeric: boolean,
  tolerance?: number,
): { pick: number; errs: number[] } {
  const errs = cells.map((e) => (e.length ? Math.sqrt(e.reduce((a, b) => a + b, 0) / e.length) : NaN));
  const min = Math.min(...errs.filter(Number.isFinite));
  if (!Number.isFinite(min)) {
    // No validation cells: the most even blend.
    const even = grid.findIndex((w) => avail.every((e) => Math.abs(w[e]! - 1 / avail.length) < 0.2));
    return { pick: even < 0 ? grid.length - 1 : even, errs };
  }
  const minAt = errs.indexOf(min);
  const absolute = numeric ? cells.map((e) => e.map(Math.sqrt)) : undefined;
  const asGood = (g: number): boolean =>
    errs[g]! <= min * (1 + (tolerance ?? 0.05)) + 1e-12 &&
    (tolerance !== undefined || (pairedNoWorse(cells[g]!, cells[minAt]!) && (!absolute || pairedNoWorse(absolute[g]!, absolute[minAt]!))));
  let pick = -1;
  let bestSpread = Infinity;
  grid.forEach((w, g) => {
    if (!asGood(g)) return;
    const spread = Math.max(...avail.map((e) => w[e]!)) - Math.min(...avail.map((e) => w[e]!));
    if (spread < bestSpread) (bestSpread = spread), (pick = g);
  });
  return { pick, errs };
}

/**
 * Rounds the forests' held fill may run below LARGE_IMPUTE_ROWS rows and ADAPTIVE_ROUNDS_MAX_CELLS cells; numbers keep the round most columns'
 * validation cells favour (chained.ts pickRound), labels the default 4. The shared masks, 9 tables × 3 seeds
 * (bench/RESULTS.md, 2026-12-07 seventh session): RMSE lower on every table below 5,000 rows, e.g. airquality
 * 0.887 → 0.877, pbc 0.859 → 0.854, and the 30-column gapminder_wide2k 0.1459 → 0.1411; label accuracy as before.
 */
export const FOREST_MAX_ROUNDS = 8;

/** The blend's chained fills under way (`startChainedFills`), by learner; `extra`: extremely randomized trees for the numbers. */
export type ChainedFills = Promise<{ ridge?: ChainedResult; forest?: ChainedResult; extra?: ChainedResult }> & Pick<ChainedRun, 'cancel' | 'progress' | 'help' | 'helped' | 'helpers'>;

/**
 * Where the forest engine's numeric columns choose, each on its validation cells, between the random forests
 * (missForest) and extremely randomized trees (`ChainedOptions.extraTrees`), the two fills run one after the
 * other: tables small enough for the choices made on the held cells (chained.ts smallForHeldChoices; past that
 * the forests bound the run's time, and a 10k × 30 table must take ≤ 2 minutes), with a number to fill. Neither
 * learner wins everywhere (forests alone, bench/RESULTS.md eighth session), and on the 30-column gapminder lag
 * table the year (a trend the random split points follow more smoothly) was most of ExtraTrees' lead over us.
 * The extra trees run the default 4 rounds (there 8 chosen rounds read no better, 0.1296 against 0.1289 in the
 * blend, for 40% more time).
 */
export function usesExtraTrees(table: Table): boolean {
  return smallForHeldChoices(table) && table.columns.some((c) => !isCategorical(c) && missingCount(c) > 0);
}

/**
 * The blend's chained fills, started in one worker thread: ridge regressions and forests, each filling the
 * table once with the validation cells (`valRows`) hidden, to weigh them, and once whole (impute/chained.ts
 * `heldCells`). A run starts them before its model trains so they overlap; `engines` leaves out the fills
 * it does not use.
 */
export function startChainedFills(table: Table, valRows: readonly (readonly number[])[], seed: number, engines: BlendOptions['engines'] = 'auto'): ChainedFills {
  const extra = usesExtraTrees(table);
  const learners = (['ridge', 'forest', 'extra'] as const).filter((e) => (e === 'extra' ? extra && (engines === 'auto' || engines === 'forest') : engines === 'auto' || engines === e));
  const { full, heldAlso } = relationsForEngines(table, valRows);
  const run = chainedInWorker({
    table: full,
    runs: learners.map((learner) =>
      learner === 'ridge'
        ? { seed, learner, heldCells: valRows, heldAlso }
        : learner === 'forest'
          ? { seed: deriveSeed(seed, 'forest'), heldCells: valRows, heldAlso, maxRounds: FOREST_MAX_ROUNDS }
          : { seed: deriveSeed(seed, 'extra-trees'), extraTrees: true, heldCells: valRows, heldAlso, rivalRun: learners.indexOf('forest') },
    ),
  });
  const fills = run.then((rs) => Object.fromEntries(learners.map((l, k) => [l, rs[k]!])));
  // Awaited later; a rejection meanwhile is not unhandled.
  fills.catch(() => undefined);
  return Object.assign(fills, { cancel: run.cancel, progress: run.progress, help: run.help, helped: run.helped, helpers: run.helpers });
}

/**
 * `startChainedFills`, once `before` (another run's fills) has settled: one fill worker at a time, so the model
 * training meanwhile keeps its core. Until then it reports no progress, and asking it for help (`waitFor`) is
 * passed on when it starts.
 */
export function startChainedFillsAfter(before: Promise<unknown>, ...args: Parameters<typeof startChainedFills>): ChainedFills {
  let inner: ChainedFills | undefined;
  let cancelled = false;
  let helpWanted = false;
  const fills = before
    .catch(() => undefined)
    .then(() => {
      if (cancelled) throw new Error('chained fills cancelled before they started');
      inner = startChainedFills(...args);
      if (helpWanted) inner.help();
      return inner;
    });
  fills.catch(() => undefined);
  const run = Object.assign(fills, {
    cancel: () => ((cancelled = true), inner?.cancel()),
    progress: (): [number, number] => inner?.progress() ?? [0, 0],
    help: () => (inner ? inner.help() : (helpWanted = true)),
    helped: () => inner?.helped() ?? [],
    helpers: 0,
  });
  return Object.defineProperty(run, 'helpers', { get: () => inner?.helpers ?? 0 });
}

/** Exact relations of a table, found once per table object (the chained fills and the blend both need them). */
const relationsCache = new WeakMap<Table, NumericRelation[]>();
function relationsOf(table: Table): NumericRelation[] {
  let r = relationsCache.get(table);
  if (!r) relationsCache.set(table, (r = findNumericRelations(table)));
  return r;
}

/**
 * The table the engines see: each exact relation's target filled from observed inputs (table/relations.ts)
 * before they start, so a fill that regresses one column on the others reads the derived cell rather than a
 * hole. Filled after the engines, gapminder_wide2k's United States 1996 had its gdp back only at the end: the
 * chained fills read it as a hole and filled the row's four gdp lags at a quarter of their truth (−10 sd;
 * seed 2's RMSE 1.52× ExtraTrees'). `heldAlso`: derived cells whose inputs include a validation cell, hidden
 * with the validation cells where those are hidden (they would give the held cell away).
 */
export function relationsForEngines(table: Table, valRows: readonly (readonly number[])[]): { full: Table; heldAlso: number[][]; relations: NumericRelation[] } {
  const relations = relationsOf(table);
  const none = { full: table, heldAlso: table.columns.map(() => []), relations };
  if (!relations.length) return none;
  const full = applyNumericRelations(table, table, relations).table;
  const held = hideCells(table, valRows);
  const heldDerived = applyNumericRelations(held, held, relations).table;
  const heldAlso = table.columns.map((c, j) => {
    if (isCategorical(c)) return [];
    const f = (full.columns[j] as typeof c).values, h = (heldDerived.columns[j] as typeof c).values;
    const rows: number[] = [];
    for (let i = 0; i < table.nRows; i++) if (Number.isNaN(c.values[i]!) && !Number.isNaN(f[i]!) && Number.isNaN(h[i]!)) rows.push(i);
    return rows;
  });
  return { full, heldAlso, relations };
}

export async function blendImpute(table: Table, o: BlendOptions): Promise<BlendResult> {
  const n = table.nRows;
  const valRows = o.validation ?? validationCells(table, o.seed, o.validationShare ?? 0.1, o.validationFrom ?? 0);
  const derived = relationsForEngines(table, valRows);
  // A model trained here learns the derived cells too; one trained by the run (run/table/run.ts) did not, since it
  // may also generate, where derived cells would thin the missingness pattern it keeps. Both complete this table.
  const held = hideCells(hideCells(derived.full, valRows), derived.heldAlso);
  const engines = o.engines ?? 'auto';
  const use = (e: (typeof ENGINES)[number]): boolean => engines === 'auto' || engines === e;
  const draws = o.draws ?? 10;

  // The chained fills start in a worker thread now and run beside the diffusion model: on a 10,545 × 30
  // table they outlast its training and draws (bench/RESULTS.md, one worker for the chained fills).
  let t0 = performance.now();
  const fillsRun = use('forest') || use('ridge') ? (o.fills ?? startChainedFills(table, valRows, o.seed, engines)) : undefined;
  const fillsStart = t0;
  const model = o.trained ?? (use('diffusion') ? TabularDiffusion.create(held, { seed: o.seed, purpose: 'impute', ...o.model }) : undefined);
  if (model && use('diffusion') && !o.trained) await model.fit(held);
  const trainSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const sampling = imputeSampling(o.sampler, o.samplerSteps, n);
  const filled = model && use('diffusion') ? await model.complete(held, { draws, seed: o.seed, ...sampling, onProgress: (d, k) => o.onProgress?.('diffusion draws', d, k, 'rows×draws') }) : [];
  const imputeSeconds = (performance.now() - t0) / 1000;
  const diffusion = filled.length ? drawEstimates(table, filled) : undefined;
  const fills = fillsRun ? await waitFor(fillsRun, o.onProgress) : {};
  // Wall time from their start: they overlap the diffusion model's.
  const chainedSeconds = (performance.now() - fillsStart) / 1000;
  // The forest engine's numbers: per column the random forests' fill or the extra trees', whichever is closer
  // on the validation cells (usesExtraTrees).
  const learners = fills.forest && fills.extra ? forestLearners(table, valRows, fills.forest, fills.extra) : undefined;
  const forest = learners ? learners.fill : fills.forest;
  const [forestHeld, ridgeHeld] = [forest, fills.ridge].map((r) => r?.held && chainedEstimates(table, r.held));
  const [forestFull, ridgeFull] = [forest, fills.ridge].map((r) => r && chainedEstimates(table, r));

  const held3 = [diffusion, forestHeld, ridgeHeld];
  // The forests' held fill after the default rounds, where the fill chose the numbers' rounds (chained.ts
  // maxRounds): label columns pick their blend on it, numbers included in the table's pool, as they would
  // without the choice. Pooled on the chosen rounds instead, the numbers' change moved the labels' weights
  // (penguins' accuracy 0.828 → 0.824, under mice's), and a pool of label columns apart was worse still
  // (penguins 0.822, breast_cancer 0.963 → 0.952): a table's few label cells need the numbers' to steady it.
  // Where a column's numbers come from the extra trees, the labels still pool the random forests' numbers, so
  // their blend (and accuracy) is what the forests alone give.
  const fixedSource = fills.forest?.heldFixed ?? (learners?.anyExtra ? fills.forest?.held : undefined);
  const forestFixed = fixedSource && chainedEstimates(table, fixedSource);
  const heldFixed3 = forestFixed ? [diffusion, forestFixed, ridgeHeld] : undefined;
  const full3 = [diffusion, forestFull, ridgeFull];
  const choices: ColumnChoice[] = [];
  // Pass 1: per column, its grid and each grid blend's errors on the validation cells.
  const perColumn = table.columns.map((c, j) => {
    const holes: number[] = [];
    for (let i = 0; i < n; i++) if (isMissing(c, i)) holes.push(i);
    if (!holes.length) return undefined;
    const val = valRows[j]!;
    const avail = [0, 1, 2].filter((e) => held3[e]?.[j]);
    const grid = BLEND_GRID.filter((w) => w.every((x, e) => x === 0 || avail.includes(e)));
    const K = isCategorical(c) ? c.categories.length : 1;
    const blendAt = (est: (Estimates | undefined)[], w: readonly number[], i: number, k: number): number => {
      let s = 0;
      for (let e = 0; e < 3; e++) if (w[e]) s += w[e]! * est[e]![j]![i * K + k]!;
      return s;
    };
    const argmaxAt = (est: (Estimates | undefined)[], w: readonly number[], i: number): number => {
      let best = 0, bestP = -Infinity;
      for (let k = 0; k < K; k++) {
        const pk = blendAt(est, w, i, k);
        if (pk > bestP) (best = k), (bestP = pk);
      }
      return best;
    };
    // Per validation cell, the squared error of a blend. Labels: the Brier score of the blended
    // probabilities — smoother than 0/1 accuracy on a few dozen cells, and lowest for the blend whose
    // argmax is right most confidently.
    const cellErrors = (est: (Estimates | undefined)[], w: readonly number[]): Float64Array =>
      Float64Array.from(val, (i) => {
        let s = 0;
        if (isCategorical(c)) for (let k = 0; k < K; k++) s += (blendAt(est, w, i, k) - (k === c.codes[i] ? 1 : 0)) ** 2;
        else s = (blendAt(est, w, i, 0) - c.values[i]!) ** 2;
        return s;
      });
    const cells = grid.map((w) => cellErrors(held3, w));
    const cellsFixed = heldFixed3 && grid.map((w) => cellErrors(heldFixed3, w));
    return { holes, avail, grid, cells, cellsFixed, K, blendAt, argmaxAt };
  });
  const tolerance = typeof o.tolerance === 'number' ? o.tolerance : undefined;
  const picksChosen = pickColumnBlends(
    perColumn.map((pc, j) => pc && { grid: pc.grid, avail: pc.avail, cells: pc.cells, numeric: !isCategorical(table.columns[j]!) }),
    tolerance,
  );
  const picksFixed = heldFixed3 && pickColumnBlends(
    perColumn.map((pc, j) => pc && { grid: pc.grid, avail: pc.avail, cells: pc.cellsFixed!, numeric: !isCategorical(table.columns[j]!) }),
    tolerance,
  );
  const picks = table.columns.map((c, j) => (isCategorical(c) && picksFixed ? picksFixed[j] : picksChosen[j]));
  const columns = table.columns.map((c, j): Column => {
    const pc = perColumn[j];
    if (!pc) return c;
    const { holes, grid, blendAt, argmaxAt } = pc;
    const val = valRows[j]!;
    const { pick, errs, tableBlend } = picks[j]!;
    const w = grid[pick]!;
    // An engine alone is a grid point (weight 1) whenever it is available.
    const alone = (e: number): number => errs[grid.findIndex((w) => w[e] === 1)] ?? NaN;
    const fl = learners?.columns[j];
    choices.push({ column: c.name, weights: [w[0]!, w[1]!, w[2]!], validationCells: val.length, chosenBy: tableBlend ? 'table' : 'column', errors: { diffusion: alone(0), forest: alone(1), ridge: alone(2), blend: errs[pick]! }, ...(fl ? { forestLearner: fl } : {}) });
    if (isCategorical(c)) {
      const codes = Int32Array.from(c.codes);
      for (const i of holes) codes[i] = argmaxAt(full3, w, i);
      return { ...c, codes };
    }
    const values = Float64Array.from(c.values);
    for (const i of holes) values[i] = blendAt(full3, w, i, 0);
    if (c.kind === 'datetime') for (const i of holes) values[i] = Math.round(values[i]!);
    if (c.kind === 'integer' && holes.some((i) => !Number.isInteger(values[i]!))) return { name: c.name, kind: 'numeric', values };
    return { ...c, values };
  });
  const blended: Table = { nRows: n, columns };
  enforceDependencies(table, blended, model?.dependencies ?? findDependencies(table), (col, row, level) => {
    const c = blended.columns[table.columns.findIndex((x) => x.name === col)]!;
    return isCategorical(c) ? (c.codes[row] === c.categories.indexOf(level) ? 1 : 0) : -Math.abs(c.values[row]! - Number(level));
  });
  // Exact numeric relations (a BMI from weight and height) fill their target from observed inputs, in the
  // point estimate and in every draw.
  const relations = derived.relations;
  const point = applyNumericRelations(table, blended, relations);
  const result: BlendResult = {
    point: point.table,
    draws: filled.map((d) => applyNumericRelations(table, restoreObserved(table, d), relations).table),
    choices,
    relations: relations.map((r, k) => ({ ...r, cells: point.cells[k]! })),
    ...(fills.forest?.rounds ? { forestRounds: fills.forest.rounds } : {}),
    model: { width: model?.mlp.width ?? 0, depth: model?.mlp.depth ?? 0, steps: model?.state.step ?? 0, sampling, trainSeconds, imputeSeconds, chainedSeconds, forestSeconds: (fills.forest?.seconds ?? 0) + (fills.extra?.seconds ?? 0), ridgeSeconds: fills.ridge?.seconds ?? 0, helperTrees: fillsRun?.helped() ?? [] },
  };
  if (!o.trained) model?.dispose();
  return result;
}

/** One column's candidate blends and their errors on its validation cells (pickBlend's inputs). */
export interface ColumnCells {
  grid: readonly (readonly number[])[];
  avail: readonly number[];
  cells: readonly Float64Array[];
  numeric: boolean;
}

/**
 * The blend the whole table's validation cells favour: each column's cell errors divided by the mean error
 * of its best blend (so a column's cells read as ratios to what it can reach), pooled over the columns where
 * every engine ran, and picked by pickBlend's rule on the pooled cells. A column where one engine is far ahead
 * (ratios of 10 and more) weighs more than its share; the geometric mean of the ratios, which would not let
 * it, scored worse on the seven small shared tables (airquality 0.896 -> 0.902, birthwt 0.994 -> 0.999;
 * bench/RESULTS.md). Undefined when no such column has validation cells.
 */
export function tableBlend(columns: readonly (ColumnCells | undefined)[]): readonly number[] | undefined {
  const full = columns.filter((c): c is ColumnCells => c !== undefined && c.grid.length === BLEND_GRID.length && c.cells[0]!.length > 0);
  if (!full.length) return undefined;
  const scales = full.map((c) => Math.max(Math.min(...c.cells.map((e) => e.reduce((a, b) => a + b, 0) / e.length)), 1e-12));
  const pooled = BLEND_GRID.map((_, g) => {
    const out = new Float64Array(full.reduce((a, c) => a + c.cells[g]!.length, 0));
    let o = 0;
    full.forEach((c, k) => {
      for (const e of c.cells[g]!) out[o++] = e / scales[k]!;
    });
    return out;
  });
  return BLEND_GRID[pickBlend(BLEND_GRID, [0, 1, 2], pooled, false).pick];
}

/**
 * Standard errors by which a column's own blend must beat the table's on its validation cells. Seven small
 * shared tables × 3 seeds, summed RMSE ratio to the best peer: 6.909 at 1, 6.867 at 2, and 3 loses birthwt
 * (0.999 -> 1.011 of missForest); bench/RESULTS.md.
 */
export const OWN_BLEND_EVIDENCE = 2;

/**
 * Each column's blend: the table's (`tableBlend`) unless the column's own pick (pickBlend) is better by
 * OWN_BLEND_EVIDENCE standard errors of the paired differences on its validation cells. A few dozen cells per
 * column (418-row pbc: ~30) choose among 15 blends by chance as often as by merit; pooled over the table's
 * columns the choice is steady, and a column keeps its own only with evidence. The seven small shared
 * tables, 3 seeds each, against per-column picks alone: pbc RMSE 0.893 -> 0.876, BreastCancer 0.844 -> 0.828
 * and accuracy 0.967 -> 0.972 (bench/RESULTS.md). A `tolerance` given keeps the per-column rule alone.
 */
export function pickColumnBlends(columns: readonly (ColumnCells | undefined)[], tolerance?: number): ({ pick: number; errs: number[]; tableBlend: boolean } | undefined)[] {
  const shared = tolerance === undefined ? tableBlend(columns) : undefined;
  return columns.map((c) => {
    if (!c) return undefined;
    const own = pickBlend(c.grid, c.avail, c.cells, c.numeric, tolerance);
    const g = shared ? c.grid.findIndex((w) => w.every((x, e) => x === shared[e])) : -1;
    const take = g >= 0 && c.cells[g]!.length > 0 && (g === own.pick || pairedNoWorse(c.cells[g]!, c.cells[own.pick]!, OWN_BLEND_EVIDENCE));
    return { pick: take ? g : own.pick, errs: own.errs, tableBlend: take };
  });
}

/**
 * Awaits the chained fills; still running (the forests outlast the model on wide tables), says each second
 * how many of the column fits left when the wait began are done, so the wait has an ETA.
 */
async function waitFor(fills: ChainedFills, onProgress: BlendOptions['onProgress']): Promise<Awaited<ChainedFills>> {
  const [start] = fills.progress();
  const report = (): void => {
    const [done, total] = fills.progress();
    if (total > start && done < total) onProgress?.('forest and ridge fills', done - start, total - start, 'column fits left');
  };
  report();
  const timer = setInterval(report, 1000);
  timer.unref();
  // This thread has nothing left but waiting: it grows some of the forests' trees (same fills).
  fills.help();
  try {
    return await fills;
  } finally {
    clearInterval(timer);
  }
}

/**
 * The forest engine's fill with each numeric column taken from the random forests (`rf`) or the extra trees
 * (`et`), whichever has the lower squared error on its validation cells in the held fills; labels from the
 * random forests. Per numeric column with validation cells: the choice and both RMSEs.
 */
export function forestLearners(table: Table, valRows: readonly (readonly number[])[], rf: ChainedResult, et: ChainedResult): { fill: ChainedResult; columns: ColumnChoice['forestLearner'][]; anyExtra: boolean } {
  const [ea, eb] = rf.held && et.held ? [heldSse(table, valRows, rf.held.values), heldSse(table, valRows, et.held.values)] : [[], []];
  // closerOnHeld's rule, the one by which the worker skipped the extra trees' whole fill, so a skipped fill (whose
  // values are its held fill's) is never taken; and without asking for evidence: requiring the extra trees to win
  // by one standard error of the paired cell differences summed to the same ratios over seven tables (6.738
  // against 6.728) and kept fewer of wide2k's gains (0.932 against 0.913 of ExtraTrees).
  const closer = rf.held && et.held && !et.skipped ? closerOnHeld(table, valRows, rf.held, et.held) : [];
  const columns = table.columns.map((_, j): ColumnChoice['forestLearner'] => {
    const [a, b] = [ea[j], eb[j]];
    if (a === undefined || b === undefined || Number.isNaN(a)) return undefined;
    const rmse = (e: number): number => Math.sqrt(e / valRows[j]!.length);
    return { chosen: closer[j] ? 'extra-trees' : 'random-forest', randomForest: rmse(a), extraTrees: rmse(b) };
  });
  const take = (j: number): boolean => columns[j]?.chosen === 'extra-trees';
  const pick = (x: Pick<ChainedResult, 'values' | 'probs'>, y: Pick<ChainedResult, 'values' | 'probs'>): Pick<ChainedResult, 'values' | 'probs'> => ({
    values: x.values.map((v, j) => (take(j) ? y.values[j]! : v)),
    probs: x.probs,
  });
  const fill: ChainedResult = { ...rf, ...pick(rf, et), ...(rf.held && et.held ? { held: pick(rf.held, et.held) } : {}) };
  return { fill, columns, anyExtra: columns.some((_, j) => take(j)) };
}

/** Diffusion draws as estimates: the mean value, or the share of draws per label. */
function drawEstimates(table: Table, filled: readonly Table[]): Estimates {
  const n = table.nRows, m = filled.length;
  return table.columns.map((c, j) => {
    if (isCategorical(c)) {
      const K = c.categories.length;
      const out = new Float64Array(n * K);
      for (const d of filled) {
        const dc = d.columns[j] as typeof c;
        const remap = Int32Array.from(dc.categories, (l) => c.categories.indexOf(l));
        for (let i = 0; i < n; i++) {
          const k = dc.codes[i]! >= 0 ? remap[dc.codes[i]!]! : -1;
          if (k >= 0) out[i * K + k]! += 1 / m;
        }
      }
      return out;
    }
    const out = new Float64Array(n);
    for (const d of filled) {
      const v = (d.columns[j] as typeof c).values;
      for (let i = 0; i < n; i++) out[i]! += v[i]! / m;
    }
    return out;
  });
}

/** A chained imputer's output as estimates (probabilities for labels; observed rows one-hot). */
function chainedEstimates(table: Table, r: Pick<ChainedResult, 'values' | 'probs'>): Estimates {
  const n = table.nRows;
  return table.columns.map((c, j) => {
    if (!isCategorical(c)) return r.values[j];
    const K = c.categories.length;
    const out = r.probs[j] ? Float64Array.from(r.probs[j]!) : new Float64Array(n * K);
    if (!r.probs[j]) for (let i = 0; i < n; i++) out[i * K + r.values[j]![i]!] = 1;
    return out;
  });
}

/** The table with the given cells (row indices per column) made missing. */
export function hideCells(table: Table, rows: readonly (readonly number[])[]): Table {
  const flat = rows.flatMap((r, j) => r.map((i) => [i, j] as const));
  return applyMask(table, { rows: Int32Array.from(flat, ([i]) => i), cols: Int32Array.from(flat, ([, j]) => j) });
}

/** A draw over the held-out table with the input's observed cells (validation cells included) put back. */
function restoreObserved(input: Table, draw: Table): Table {
  return {
    nRows: input.nRows,
    columns: input.columns.map((c, j) => {
      const d = draw.columns[j]!;
      if (isCategorical(c)) {
        const dc = d as typeof c;
        return { ...dc, codes: Int32Array.from(dc.codes, (k, i) => (c.codes[i]! >= 0 ? dc.categories.indexOf(c.categories[c.codes[i]!]!) : k)) };
      }
      const dv = (d as typeof c).values;
      return { ...(d as typeof c), values: Float64Array.from(c.values, (v, i) => (Number.isNaN(v) ? dv[i]! : v)) };
    }),
  };
}
