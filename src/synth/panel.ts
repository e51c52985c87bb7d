/**
 * Panel synthesis: a table of entities observed over time (country × year), where every row is one
 * entity at one time. Trees and the diffusion model both fail such tables: a row's values are set by its
 * entity's trajectory, which a leaf of hundreds of rows mixes across entities (gapminder: detection
 * 0.14–0.35). Here a synthetic row takes an entity and a time on the entity's own grid and span, and each
 * value from the entity's other rows: interpolated in time between the nearest observed ones on either
 * side, never read off a row at that very time (so a row is what the entity's neighbours in time imply,
 * like an unseen year, not a copy of a seen one). Missing cells follow the neighbours too: a value missing
 * at both neighbours stays missing (gdp before a country reports it).
 */
import { createRng, deriveSeed, type Rng } from '../rng.js';
import { copyAllowance, duplicateRate, rowCounts, rowKey } from './cart.js';
import { observedRange, typicalDecimals } from '../table/sketch.js';
import { isCategorical, type CategoricalColumn, type Column, type Table } from '../table/table.js';

export interface Panel {
  /** The entity column (categorical). */
  readonly key: string;
  /** The time column (numeric, on a regular grid within each entity). */
  readonly time: string;
  /** Grid step of the time column (the commonest gap between an entity's consecutive times). */
  readonly step: number;
}

/** Observed values a line beyond an entity's first or last time is fitted through. */
const EXTRAPOLATION_POINTS = 4;
/**
 * A gap beyond an entity's end that sampling explains with at least this chance, over all the entities' ends
 * together (Bonferroni: each end is held to it over their number), reaches the table's end.
 */
const REACH_CHANCE = 0.01;
/** Entities need at least this many rows on average to have a trajectory. */
const MIN_ROWS_PER_ENTITY = 4;
/** And there must be at least this many entities (fewer: a handful of series, not a panel). */
const MIN_ENTITIES = 10;

/**
 * The panel structure of a table, if it has one: a categorical column and a numeric one, fully observed,
 * whose pairs are unique across rows, with several rows per entity on a shared time grid. The key with
 * the most entities wins.
 */
export function findPanel(t: Table): Panel | undefined {
  const times = t.columns.filter((c): c is Exclude<Column, CategoricalColumn> => !isCategorical(c) && c.kind !== 'datetime' && timeLike(c.values));
  // Levels present, not the category list: a subset of rows keeps its parent's list.
  const levels = (c: CategoricalColumn): number => new Set(c.codes).size;
  const keys = t.columns
    .filter((c): c is CategoricalColumn => isCategorical(c) && !c.codes.includes(-1))
    .map((c) => ({ c, n: levels(c) }))
    .filter(({ n }) => n >= MIN_ENTITIES && t.nRows / n >= MIN_ROWS_PER_ENTITY)
    .sort((a, b) => b.n - a.n)
    .map(({ c }) => c);
  for (const key of keys) {
    for (const time of times) {
      const seen = new Set<string>();
      let unique = true;
      for (let i = 0; i < t.nRows && unique; i++) {
        const id = `${key.codes[i]}\u0001${time.values[i]}`;
        if (seen.has(id)) unique = false;
        seen.add(id);
      }
      if (!unique) continue;
      const step = commonGap(key.codes, time.values);
      if (step > 0) return { key: key.name, time: time.name, step };
    }
  }
  return undefined;
}

/** Integers (or a coarse grid), fully observed, with few distinct values: a time index. */
function timeLike(v: Float64Array): boolean {
  const distinct = new Set<number>();
  for (const x of v) {
    if (Number.isNaN(x) || !Number.isInteger(x)) return false;
    distinct.add(x);
  }
  return distinct.size >= 3 && distinct.size <= Math.max(3, v.length / MIN_ROWS_PER_ENTITY);
}

/** Commonest positive gap between an entity's consecutive times (0 when there is none). */
function commonGap(codes: Int32Array, times: Float64Array): number {
  const byKey = groupTimes(codes, times);
  const count = new Map<number, number>();
  for (const rows of byKey.values()) {
    for (let i = 1; i < rows.length; i++) {
      const gap = rows[i]!.t - rows[i - 1]!.t;
      count.set(gap, (count.get(gap) ?? 0) + 1);
    }
  }
  let best = 0;
  let bestN = 0;
  for (const [g, n] of count) if (g > 0 && (n > bestN || (n === bestN && g < best))) [best, bestN] = [g, n];
  return best;
}

interface Timed {
  readonly t: number;
  readonly row: number;
}

function groupTimes(codes: Int32Array, times: Float64Array): Map<number, Timed[]> {
  const by = new Map<number, Timed[]>();
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i]!;
    if (!by.has(k)) by.set(k, []);
    by.get(k)!.push({ t: times[i]!, row: i });
  }
  for (const rows of by.values()) rows.sort((a, b) => a.t - b.t || a.row - b.row);
  return by;
}

export interface PanelOptions {
  readonly seed: number;
  readonly panel: Panel;
}

export interface PanelResult {
  readonly table: Table;
  /** Rows drawn again because they equalled a training row. */
  readonly redrawn: number;
}

/** `rows` synthetic rows of a panel table (see the module comment). */
export function panelSynthesize(train: Table, rows: number, o: PanelOptions): PanelResult {
  const rng = createRng(deriveSeed(o.seed, 'panel:sample'));
  const key = train.columns.find((c) => c.name === o.panel.key) as CategoricalColumn;
  const time = train.columns.find((c) => c.name === o.panel.time) as Exclude<Column, CategoricalColumn>;
  const byKey = groupTimes(key.codes, time.values);
  const scale = train.columns.map((c) => (isCategorical(c) ? 1 : 10 ** typicalDecimals(c.values)));
  const ranges = train.columns.map((c): [number, number] => (isCategorical(c) ? [0, 0] : observedRange(c.values)));
  const tRange = ranges[train.columns.indexOf(time)]!;
  // Per column, the share of the training rows at each time that miss it: beyond an entity's ends there is
  // one neighbour to go by, and missingness that starts or stops at a date for every entity (a series not
  // yet published for the last year) is the better guide.
  const missingAt = train.columns.map((c) => {
    const seen = new Map<number, [number, number]>();
    for (let r = 0; r < train.nRows; r++) {
      const e = seen.get(time.values[r]!) ?? [0, 0];
      e[0] += (isCategorical(c) ? c.codes[r]! < 0 : Number.isNaN(c.values[r]!)) ? 1 : 0;
      e[1]++;
      seen.set(time.values[r]!, e);
    }
    return new Map([...seen].map(([t, [m, n]]) => [t, m / n]));
  });
  // Entities and their spans: a sample of an entity's rows stops short of its true ends, so an end that
  // sampling explains reaches the table's (reach). An entity is drawn in proportion to the times in its
  // span, not to its rows: the rows an entity happens to have in a sample are noise a fresh sample does not
  // repeat (a balanced panel split in two gives one country 31 of its 57 years and the other half 26).
  const entities = [...byKey].map(([code, series]) => {
    const lo = reach(series[0]!.t, tRange[0], series, o.panel.step, REACH_CHANCE / (2 * byKey.size));
    const hi = reach(series[series.length - 1]!.t, tRange[1], series, o.panel.step, REACH_CHANCE / (2 * byKey.size));
    return { code, series, lo, hi, times: Math.floor((hi - lo) / o.panel.step) + 1 };
  });
  // An entity seen once has no other row to build a row from (its own would be a copy): it is not drawn.
  const cum = new Float64Array(entities.length);
  entities.forEach((e, i) => (cum[i] = (i > 0 ? cum[i - 1]! : 0) + (e.series.length > 1 ? e.times : 0)));
  const keyOut = new Int32Array(rows);
  const timeOut = new Float64Array(rows);
  const out = train.columns.map((c) => (isCategorical(c) ? new Int32Array(rows).fill(-1) : new Float64Array(rows).fill(NaN)));
  const draw = (i: number): void => {
    const e = entities[pickWeighted(cum, rng)]!;
    const t = e.lo + o.panel.step * rng.int(e.times);
    keyOut[i] = e.code;
    timeOut[i] = t;
    train.columns.forEach((c, j) => {
      if (c === key || c === time) return;
      fillCell(c, e.series, t, rng, out[j]!, i, scale[j]!, ranges[j]!, missingAt[j]!.get(t));
    });
  };
  for (let i = 0; i < rows; i++) draw(i);
  const assemble = (): Table => ({
    nRows: rows,
    columns: train.columns.map((c, j) => {
      if (c === key) return { ...key, codes: keyOut };
      if (c === time) return { name: c.name, kind: c.kind, values: timeOut } as Column;
      if (isCategorical(c)) return { ...c, codes: out[j] as Int32Array };
      return { name: c.name, kind: c.kind, values: out[j] as Float64Array, ...(c.kind === 'datetime' ? { resolution: c.resolution } : {}) } as Column;
    }),
  });
  // A row can come out equal to a training row (a constant series, a line): past the data's own duplicate
  // allowance such rows are drawn again, as the trees engine does.
  const trainKeys = rowCounts(train);
  const allowed = Math.floor(copyAllowance(duplicateRate(train)) * rows);
  // Only redrawn rows can change: each round checks those, the copies kept so far staying kept.
  let redrawn = 0;
  let kept = 0;
  let check = Array.from({ length: rows }, (_, i) => i);
  for (let round = 0; round < 20; round++) {
    const table = assemble();
    const copies = check.filter((i) => trainKeys.has(rowKey(table, i)));
    const room = allowed - kept;
    if (copies.length <= room) break;
    kept += room;
    check = copies.slice(room);
    for (const i of check) {
      draw(i);
      redrawn++;
    }
  }
  return { table: assemble(), redrawn };
}

/**
 * One cell at time t from the entity's rows at other times: the nearest row on each side decides whether it
 * is missing (both missing: missing; one: that side, chosen with weight to the nearer; beyond an end, the
 * share missing at t first), then a number is interpolated between the nearest observed values on each side
 * (beyond an end: a line through the nearest ones on the one side), clamped to the column's range and rounded
 * to its usual decimals; a label is taken from the nearer observed row.
 */
function fillCell(c: Column, series: readonly Timed[], t: number, rng: Rng, out: Float64Array | Int32Array, i: number, scale: number, range: readonly [number, number], missingShareAt: number | undefined): void {
  const missing = (row: number): boolean => (isCategorical(c) ? c.codes[row]! < 0 : Number.isNaN(c.values[row]!));
  // Index of the first row at or after t.
  let a = 0;
  while (a < series.length && series[a]!.t < t) a++;
  const below = a - 1;
  const above = series[a]?.t === t ? a + 1 : a;
  const nb = below >= 0 ? series[below]! : undefined;
  const na = above < series.length ? series[above]! : undefined;
  if (!nb || !na) {
    // Beyond an end: missing with the date's own share, else as the one neighbour is.
    if (missingShareAt !== undefined && rng.next() < missingShareAt) return;
    if (missing((nb ?? na)!.row)) return;
  } else {
    const [mb, ma] = [missing(nb.row), missing(na.row)];
    if (mb && ma) return;
    if (mb !== ma) {
      // One neighbour has it, one does not: the nearer one's state is the likelier.
      const wb = 1 / (t - nb.t);
      const wa = 1 / (na.t - t);
      if (rng.next() * (wb + wa) < (mb ? wb : wa)) return;
    }
  }
  // Nearest observed values on each side.
  let lo = below;
  while (lo >= 0 && missing(series[lo]!.row)) lo--;
  let hi = above;
  while (hi < series.length && missing(series[hi]!.row)) hi++;
  const l = lo >= 0 ? series[lo]! : undefined;
  const h = hi < series.length ? series[hi]! : undefined;
  if (isCategorical(c)) {
    const pick = l && h ? (t - l.t < h.t - t ? l : h.t - t < t - l.t ? h : rng.next() < 0.5 ? l : h) : (l ?? h)!;
    (out as Int32Array)[i] = c.codes[pick.row]!;
    return;
  }
  let v: number;
  if (l && h) v = c.values[l.row]! + ((c.values[h.row]! - c.values[l.row]!) * (t - l.t)) / (h.t - l.t);
  else {
    // Beyond an end: a line through the nearest observed values on the one side (a constant would repeat the
    // end row's value one step away from it, nearly a copy).
    const side: Timed[] = [];
    const dir = l ? -1 : 1;
    for (let m = l ? lo : hi; m >= 0 && m < series.length && side.length < EXTRAPOLATION_POINTS; m += dir) if (!missing(series[m]!.row)) side.push(series[m]!);
    v = lineAt(side.map((x) => x.t), side.map((x) => c.values[x.row]!), t);
  }
  v = Math.min(range[1], Math.max(range[0], v));
  (out as Float64Array)[i] = Math.round(v * scale) / scale;
}

/** Index drawn with weights given as a cumulative sum. */
function pickWeighted(cum: Float64Array, rng: Rng): number {
  const u = rng.next() * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An entity's end `end`, or the table's `bound` when sampling explains the gap: at the entity's density p a
 * run of g unsampled times beyond an end has chance (1 - p)^g, and a gap with at least chance `chance` is read
 * as the sample's, not the entity's. Gapminder's 370 ends at p ≈ ½: up to 15 years. With 1% per end, a
 * split left 189 ends short and gaps of 7 and 8 years unreached (synth-shared seed 3, DCR share 0.522).
 */
function reach(end: number, bound: number, series: readonly Timed[], step: number, chance: number): number {
  const span = (series[series.length - 1]!.t - series[0]!.t) / step + 1;
  const p = Math.min(1, series.length / span);
  const gap = Math.abs(bound - end) / step;
  return gap === 0 || (p < 1 && gap * Math.log(1 - p) >= Math.log(chance)) ? bound : end;
}

/** Least-squares line through (x, y) evaluated at x0 (the mean when there is one point or no spread). */
function lineAt(x: readonly number[], y: readonly number[], x0: number): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (y[i]! - my);
  }
  return sxx > 0 ? my + (sxy / sxx) * (x0 - mx) : my;
}
