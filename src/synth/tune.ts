/**
 * The CART engine's leaf size, chosen on a validation split of the training table: fit on one half, draw
 * as many rows, and grade them against both halves — DCR share (Platzer & Reutterer 2021: ≈ ½ when the
 * rows are no closer to the half they came from than to the unseen half) and a C2ST detection score
 * against the fitted half; then the same with the halves swapped, and the means kept. Small leaves copy (DCR
 * share high), large ones blur (detection low): the most faithful leaf that stays private wins.
 */
import { detectionC2ST } from '../evaluate/detection.js';
import { dcr, gowerDistance, gowerScale } from '../evaluate/privacy.js';
import { createRng, deriveSeed, permutation } from '../rng.js';
import { findDependencies } from '../table/dependencies.js';
import { cellValue, takeRows, type Table } from '../table/table.js';
import { cartSynthesize } from './cart.js';
import { panelSynthesize, type Panel } from './panel.js';

/** Candidate minimum leaf sizes (training rows per donor pool). */
export const CART_LEAVES = [10, 20, 50, 100, 150, 200, 250, 300, 400] as const;
/**
 * A DCR share above this is too close to the training rows (the bar a release is graded by). The validation
 * holds a leaf to it less one standard error of the share (√(¼ / rows drawn)): the validation's half-size fit
 * reads the share with noise and either side of the full fit (forcats__gss_cat leaf 100: 0.526 on the half,
 * 0.515 on all; ggplot2__diamonds leaf 100 under shifted donors, synth-shared seed 3: 0.5172 on the half, 0.5266 on all).
 */
export const DCR_SHARE_LIMIT = 0.52;

/** The validation's bar for a DCR share read on `rows` synthetic rows: the limit less one standard error. */
export function validationDcrBar(limit: number, rows: number): number {
  return limit - Math.sqrt(0.25 / Math.max(1, rows));
}
/**
 * `auto` runs trees only when the chosen leaf's validation detection score reaches this; below it the rows
 * are too easy to tell from real ones (gapminder's country × year panel: 0.14 at the only private leaf).
 */
export const AUTO_DETECTION_FLOOR = 0.8;

export interface LeafTrial {
  readonly minLeaf: number;
  /** Means over the folds (row-weighted). */
  readonly dcrShare: number;
  readonly detection: number;
  readonly exactCopies: number;
  readonly private: boolean;
  /** Each fold's own figures: half A fitted and graded against half B, then B against A. */
  readonly folds: readonly { readonly dcrShare: number; readonly detection: number }[];
}

export interface LeafChoice {
  /** The chosen leaf, or undefined when no candidate kept the validation DCR share under the limit. */
  readonly minLeaf: number | undefined;
  readonly trials: readonly LeafTrial[];
  readonly validationRows: { readonly fit: number; readonly unseen: number };
  /** Folds the figures are averaged over (each half fitted once). */
  readonly folds: number;
  readonly dcrShareLimit: number;
  readonly why: string;
}

export interface TuneOptions {
  readonly seed: number;
  readonly leaves?: readonly number[];
  readonly dcrShareLimit?: number;
  /** Trees of the validation detector (default 30: a ranking, not a report figure). */
  readonly detectionTrees?: number;
  /**
   * Rows the validation uses at most (default 20,000, a seeded sample): the DCR search is quadratic in them,
   * and leaf sizes in the tens to hundreds are told apart long before that.
   */
  readonly maxRows?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export function tuneCartLeaf(train: Table, o: TuneOptions): LeafChoice {
  const limit = o.dcrShareLimit ?? DCR_SHARE_LIMIT;
  const { fit, unseen } = validationSplit(train, o);
  const half = fit.nRows;
  // Two folds: each half is fitted once and graded against the other, and a leaf's figures are the means.
  // One fold read a leaf's share with the noise of one split and one draw (ggplot2__diamonds, synth-shared's
  // seed-2 split, leaf 150: 0.5135 on one fold and 0.5265 on the other, report.json's `folds`) while the margin
  // a leaf buys is a few thousandths. Averaging the two folds halves the variance; the bar is held to the mean's standard error.
  // The first fold's seed tag is empty, so it draws the rows the one-fold validation drew.
  const folds = [
    { fit, unseen, tag: '' },
    { fit: unseen, unseen: fit, tag: ':fold2' },
  ].map((f) => ({ ...f, dependencies: findDependencies(f.fit) }));
  // A leaf of more than a quarter of the fitted half cannot split anything worth having.
  const leaves = (o.leaves ?? CART_LEAVES).filter((l, i) => i === 0 || l <= half / 4);
  const drawn = folds.reduce((n, f) => n + f.fit.nRows, 0);
  const bar = round4(validationDcrBar(limit, drawn));
  const trials: LeafTrial[] = [];
  leaves.forEach((minLeaf, i) => {
    const per = folds.map((f) => {
      const syn = cartSynthesize(f.fit, f.fit.nRows, { seed: deriveSeed(o.seed, `cart-tune:${minLeaf}${f.tag}`), minLeaf, dependencies: f.dependencies }).table;
      const d = dcr(syn, f.fit, f.unseen, { seed: o.seed });
      const det = detectionC2ST(f.fit, syn, { seed: o.seed, nTrees: o.detectionTrees ?? 30 });
      return { rows: f.fit.nRows, dcrShare: d.dcrShare, detection: det.score, exactCopies: d.exactCopyRate };
    });
    // Row-weighted means (the halves differ by at most a row).
    const mean = (k: 'dcrShare' | 'detection' | 'exactCopies'): number => per.reduce((s, f) => s + f[k] * f.rows, 0) / drawn;
    const dcrShare = mean('dcrShare');
    trials.push({
      minLeaf,
      dcrShare: round4(dcrShare),
      detection: round4(mean('detection')),
      exactCopies: round4(mean('exactCopies')),
      private: dcrShare <= bar,
      folds: per.map((f) => ({ dcrShare: round4(f.dcrShare), detection: round4(f.detection) })),
    });
    o.onProgress?.(i + 1, leaves.length);
  });
  const ok = trials.filter((t) => t.private);
  const best = ok.reduce<LeafTrial | undefined>((b, t) => (!b || t.detection > b.detection ? t : b), undefined);
  const why = best
    ? `leaf ${best.minLeaf}: the highest validation detection score (${best.detection}) among leaves whose DCR share stays ≤ ${bar} (${limit} less a standard error; ${best.dcrShare}; means of ${folds.length} folds)`
    : `no leaf kept the validation DCR share ≤ ${bar} (${limit} less a standard error; lowest ${Math.min(...trials.map((t) => t.dcrShare))}; means of ${folds.length} folds)`;
  return { minLeaf: best?.minLeaf, trials, validationRows: { fit: fit.nRows, unseen: unseen.nRows }, folds: folds.length, dcrShareLimit: bar, why };
}

/** Rows the panel validation draws per fitted row (for the matched-time statistic). */
const PANEL_DRAWS = 8;
/** Fewer seen × unseen pairs than this say nothing either way, and the panel is not taken as private. */
const MIN_MATCHED_PAIRS = 100;

export interface PanelTrial {
  /** Nearest-row DCR share of the rows at entity-times the table holds (reported, not the gate; see below). */
  readonly dcrShare: number;
  /**
   * The gate: within an entity, the chance that a row drawn at a time the fitted half holds is closer to that
   * real row than a row drawn at a time of the unseen half is to its real row (interior times; a stratified
   * Mann–Whitney, ties half). ½ or under when seen rows leave no trace in the rows drawn at their times.
   */
  readonly matchedShare: number;
  /** The bar matchedShare is held to: the DCR limit less one standard error of the statistic (and 100 pairs). */
  readonly bar: number;
  readonly detection: number;
  readonly exactCopies: number;
  readonly private: boolean;
}

/**
 * The panel engine graded on the CART split: fit on one half of the training rows, draw as many, detection
 * (C2ST) against the fitted half, and privacy by matched times. Why not the nearest-row DCR share as for a
 * leaf: the half keeps a quarter of a balanced panel's grid, so values interpolated over gaps twice as long
 * as the full fit's lie farther from the unseen rows than the full fit's do from a real holdout (gapminder:
 * 0.527 on the held entity-times against 0.50 for the full fit against the real holdout), a bias of the
 * split, not of the engine. Matched times ask the question DCR asks, whether seen rows pull the rows drawn
 * near them, at equal footing: a row at a seen time is built without that row, like a row at an unseen time.
 */
export function validatePanel(train: Table, panel: Panel, o: Pick<TuneOptions, 'seed' | 'dcrShareLimit' | 'detectionTrees' | 'maxRows'>): PanelTrial {
  const { fit, unseen } = validationSplit(train, o);
  // Draws are cheap and matched distances linear: PANEL_DRAWS × the half's rows keep the statistic's standard
  // error near 0.005; the nearest-row DCR and the detector read the first half-size batch.
  const syn = panelSynthesize(fit, PANEL_DRAWS * fit.nRows, { seed: deriveSeed(o.seed, 'panel-tune'), panel }).table;
  const synAt = entityTimes(syn, panel);
  const firstRows = Int32Array.from({ length: fit.nRows }, (_, i) => i);
  const first = takeRows(syn, firstRows);
  const held = new Set(entityTimes(train, panel).map((e) => e.key));
  const d = dcr(takeRows(first, Array.from(firstRows).filter((i) => held.has(synAt[i]!.key))), fit, unseen, { seed: o.seed });
  const scale = gowerScale(fit);
  const fitTimes = entityTimes(fit, panel);
  const fitAt = new Map(fitTimes.map((e, i) => [e.key, i]));
  const unseenAt = new Map(entityTimes(unseen, panel).map((e, i) => [e.key, i]));
  // Pairs within an entity, over interior times. A time beyond an entity's fitted ends is extrapolated and
  // seen times never lie there; and an entity with more fitted rows has both more seen times and shorter
  // gaps: pooled over entities and ends, gapminder read 0.504-0.515 for no trace of the seen rows. Within
  // entities the share reads under ½ (0.46-0.48): a seen time's row is built across the two gaps around
  // it, its own row skipped, where an unseen time's spans one. That is the engine's privacy at work, not a
  // bias to remove: matched on the gaps too, the share is ½ give or take 0.03 (0.457 and 0.524 on two splits).
  const span = fittedSpans(fitTimes);
  const cells = new Map<string, { seen: number[]; fresh: number[] }>();
  synAt.forEach(({ entity, time, key }, i) => {
    const s = span.get(entity);
    if (!s || !(s[0] < time && time < s[1])) return;
    const e = cells.get(entity) ?? { seen: [], fresh: [] };
    cells.set(entity, e);
    const a = fitAt.get(key);
    if (a !== undefined) e.seen.push(gowerDistance(syn, i, fit, a, scale));
    const b = unseenAt.get(key);
    if (b !== undefined) e.fresh.push(gowerDistance(syn, i, unseen, b, scale));
  });
  let u = 0;
  let pairs = 0;
  let variance = 0;
  for (const e of cells.values()) {
    const [m, n] = [e.seen.length, e.fresh.length];
    if (!m || !n) continue;
    u += closerShare(e.seen, e.fresh) * m * n;
    pairs += m * n;
    variance += (m * n * (m + n + 1)) / 12;
  }
  const matched = pairs ? u / pairs : 0.5;
  const se = pairs ? Math.sqrt(variance) / pairs : 1;
  const bar = round4((o.dcrShareLimit ?? DCR_SHARE_LIMIT) - se);
  const det = detectionC2ST(fit, first, { seed: o.seed, nTrees: o.detectionTrees ?? 30 });
  return { dcrShare: round4(d.dcrShare), matchedShare: round4(matched), bar, detection: round4(det.score), exactCopies: round4(d.exactCopyRate), private: pairs >= MIN_MATCHED_PAIRS && matched <= bar };
}

/** P(a < b) for a drawn from `a` and b from `b`, ties counting half (Mann–Whitney U over |a|·|b|). */
export function closerShare(a: readonly number[], b: readonly number[]): number {
  if (!a.length || !b.length) return 0.5;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  let u = 0;
  let bBelow = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    let na = 0;
    let nb = 0;
    while (j < all.length && all[j]!.v === all[i]!.v) {
      if (all[j]!.g === 0) na++;
      else nb++;
      j++;
    }
    // Each a here is greater than the b's below and tied with the nb here: it is below the rest of b.
    u += na * (b.length - bBelow - nb) + 0.5 * na * nb;
    bBelow += nb;
    i = j;
  }
  return u / (a.length * b.length);
}

/** Per entity of the fitted rows (their entityTimes): its first and last fitted time. */
function fittedSpans(fitTimes: readonly { entity: string; time: number }[]): Map<string, [number, number]> {
  const span = new Map<string, [number, number]>();
  for (const { entity, time } of fitTimes) {
    const s = span.get(entity);
    span.set(entity, s ? [Math.min(s[0], time), Math.max(s[1], time)] : [time, time]);
  }
  return span;
}

/** Each row's entity and time, and the two as one key. */
function entityTimes(t: Table, panel: Panel): { entity: string; time: number; key: string }[] {
  const key = t.columns.find((c) => c.name === panel.key)!;
  const time = t.columns.find((c) => c.name === panel.time)!;
  return Array.from({ length: t.nRows }, (_, i) => {
    const entity = String(cellValue(key, i));
    const at = Number(cellValue(time, i));
    return { entity, time: at, key: `${entity}\u0001${at}` };
  });
}

/** The validation's halves: a seeded permutation of at most maxRows training rows, split in two. */
function validationSplit(train: Table, o: Pick<TuneOptions, 'seed' | 'maxRows'>): { fit: Table; unseen: Table } {
  const perm = permutation(train.nRows, createRng(deriveSeed(o.seed, 'cart-tune:split')));
  const used = Math.min(train.nRows, o.maxRows ?? 20_000);
  const half = Math.floor(used / 2);
  return { fit: takeRows(train, perm.subarray(0, half)), unseen: takeRows(train, perm.subarray(half, used)) };
}

/** The trial with the lowest validation DCR share: the leaf to use when none passed the limit. */
export function mostPrivateTrial(choice: LeafChoice): LeafTrial {
  return choice.trials.reduce((b, t) => (t.dcrShare < b.dcrShare ? t : b));
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
