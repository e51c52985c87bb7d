/**
 * Measuring imputation: mask known cells (MCAR / MAR in Rubin's 1976 taxonomy), score point imputations
 * (standardized RMSE / MAE, accuracy), score multiple imputations by interval coverage, and two baselines
 * (mean/mode; k-nearest-neighbour hot-deck with Gower distance, as in VIM::kNN — Kowarik & Templ 2016).
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { createRng } from '../rng.js';
import { isCategorical, type CategoricalColumn, type Column, type ContinuousColumn, type Table } from '../table/table.js';
import { assertSameSchema } from './schema.js';
import { quantileSorted } from './stats.js';

/** Hidden cells as two parallel arrays (row, column index), in row-major order. */
export interface HiddenCells {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
}

export interface HideResult {
  readonly masked: Table;
  readonly hidden: HiddenCells;
  /** The always-observed column that drove MAR masking (null for MCAR). */
  readonly driver: string | null;
}

export interface HideOptions {
  /** MAR only: the driver column (default: the first column with no missing cell). */
  readonly driver?: string;
}

/**
 * Hides observed cells of `table`.
 *
 * - 'mcar': each observed cell independently with probability `fraction`; if that would hide every observed
 *   cell of a row, one of them (chosen at random) stays, so a row with a single observed cell keeps it and
 *   the realised rate can fall slightly below `fraction`.
 * - 'mar': a fully observed driver column is never hidden; every other observed cell in row i is hidden
 *   with probability p_i that rises linearly with the row's mid-rank r_i ∈ (0, 1) in the driver
 *   (p_i = 2f·r_i for f ≤ ½, else (2f − 1) + 2(1 − f)·r_i), so the mean rate is f and missingness depends
 *   only on an observed value. Rows can never end up empty because the driver stays.
 */
export function hideCells(
  table: Table,
  fraction: number,
  seed: number,
  mechanism: 'mcar' | 'mar' = 'mcar',
  options: HideOptions = {},
): HideResult {
  if (!(fraction >= 0 && fraction < 1)) throw new DataError(messages.maskFraction(fraction));
  const rng = createRng(seed);
  const n = table.nRows;
  const d = table.columns.length;
  const hideRows: number[] = [];
  const hideCols: number[] = [];
  let driverName: string | null = null;

  if (mechanism === 'mcar') {
    const obs = new Int32Array(d);
    const pick = new Uint8Array(d);
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let j = 0; j < d; j++) if (!cellMissing(table.columns[j]!, i)) obs[m++] = j;
      let picked = 0;
      for (let t = 0; t < m; t++) {
        pick[t] = rng.next() < fraction ? 1 : 0;
        picked += pick[t]!;
      }
      if (m > 0 && picked === m) pick[rng.int(m)] = 0;
      for (let t = 0; t < m; t++) {
        if (pick[t]) {
          hideRows.push(i);
          hideCols.push(obs[t]!);
        }
      }
    }
  } else {
    const driverIdx =
      options.driver !== undefined
        ? table.columns.findIndex((c) => c.name === options.driver)
        : table.columns.findIndex((c) => !anyMissing(c));
    if (driverIdx < 0) {
      throw new DataError(options.driver !== undefined ? messages.marDriverMissing(options.driver) : messages.marNoDriver());
    }
    const driver = table.columns[driverIdx]!;
    if (anyMissing(driver)) throw new DataError(messages.marDriverHasMissing(driver.name));
    if (d < 2) throw new DataError(messages.marTooFewColumns());
    driverName = driver.name;
    const rank = midRanks(driver);
    for (let i = 0; i < n; i++) {
      const r = (rank[i]! + 0.5) / n;
      const p = fraction <= 0.5 ? 2 * fraction * r : 2 * fraction - 1 + 2 * (1 - fraction) * r;
      for (let j = 0; j < d; j++) {
        if (j === driverIdx || cellMissing(table.columns[j]!, i)) continue;
        if (rng.next() < p) {
          hideRows.push(i);
          hideCols.push(j);
        }
      }
    }
  }

  const hidden: HiddenCells = { rows: Int32Array.from(hideRows), cols: Int32Array.from(hideCols) };
  return { masked: applyMask(table, hidden), hidden, driver: driverName };
}

function cellMissing(c: Column, i: number): boolean {
  return isCategorical(c) ? c.codes[i]! < 0 : Number.isNaN(c.values[i]!);
}

function anyMissing(c: Column): boolean {
  if (isCategorical(c)) return c.codes.some((k) => k < 0);
  return c.values.some((v) => Number.isNaN(v));
}

/** 0-based mid-ranks (ties share the mean of their ranks, so ranks still average (n − 1)/2). */
function midRanks(c: Column): Float64Array {
  const n = isCategorical(c) ? c.codes.length : c.values.length;
  const key = isCategorical(c) ? Float64Array.from(c.codes) : c.values;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => key[a]! - key[b]!);
  const rank = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && key[order[j]!] === key[order[i]!]) j++;
    const r = (i + j - 1) / 2;
    for (let t = i; t < j; t++) rank[order[t]!] = r;
    i = j;
  }
  return rank;
}

/** Copy of `table` with the given cells set to missing. */
export function applyMask(table: Table, hidden: HiddenCells): Table {
  const columns = table.columns.map((c): Column => (isCategorical(c) ? { ...c, codes: c.codes.slice() } : { ...c, values: c.values.slice() }));
  for (let t = 0; t < hidden.rows.length; t++) {
    const c = columns[hidden.cols[t]!]!;
    if (isCategorical(c)) c.codes[hidden.rows[t]!] = -1;
    else c.values[hidden.rows[t]!] = NaN;
  }
  return { nRows: table.nRows, columns };
}

/** Sample standard deviation of the observed values; 1 when undefined or 0 so errors stay in raw units rather than dividing by zero. */
export function observedSd(c: ContinuousColumn): number {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of c.values) {
    if (Number.isNaN(v)) continue;
    n++;
    const delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
  return sd > 0 ? sd : 1;
}

export interface ColumnImputationError {
  readonly column: string;
  readonly kind: Column['kind'];
  /** Hidden cells scored (truth observed, imputed value present). */
  readonly n: number;
  /** Hidden cells the imputer left missing (not scored). */
  readonly nUnimputed: number;
  /** Continuous columns: on (imputed − truth) / sd_truth. NaN for categorical columns. */
  readonly rmse: number;
  readonly mae: number;
  /** Categorical columns: share of exact matches. NaN for continuous columns. */
  readonly accuracy: number;
}

export interface ImputationErrors {
  readonly columns: readonly ColumnImputationError[];
  /** Pooled over every scored continuous cell. */
  readonly rmse: number;
  readonly mae: number;
  /** Pooled over every scored categorical cell. */
  readonly accuracy: number;
  readonly nUnimputed: number;
}

/** Point-imputation errors on the hidden cells; continuous errors standardized by the truth column's observed sd. */
export function imputationErrors(truth: Table, imputed: Table, hidden: HiddenCells): ImputationErrors {
  assertSameSchema(truth, imputed, 'truth', 'imputed');
  if (truth.nRows !== imputed.nRows) throw new DataError(messages.imputedRowCount(truth.nRows, imputed.nRows));
  const d = truth.columns.length;
  const n = new Float64Array(d);
  const unimp = new Float64Array(d);
  const se = new Float64Array(d);
  const ae = new Float64Array(d);
  const hit = new Float64Array(d);
  const sd = truth.columns.map((c) => (isCategorical(c) ? 1 : observedSd(c)));
  for (let t = 0; t < hidden.rows.length; t++) {
    const i = hidden.rows[t]!;
    const j = hidden.cols[t]!;
    const tc = truth.columns[j]!;
    const ic = imputed.columns[j]!;
    if (isCategorical(tc)) {
      const truthCode = tc.codes[i]!;
      const imp = (ic as CategoricalColumn).codes[i]!;
      if (truthCode < 0) continue;
      if (imp < 0) {
        unimp[j]!++;
        continue;
      }
      n[j]!++;
      if (imp === truthCode) hit[j]!++;
    } else {
      const tv = tc.values[i]!;
      const iv = (ic as ContinuousColumn).values[i]!;
      if (Number.isNaN(tv)) continue;
      if (Number.isNaN(iv)) {
        unimp[j]!++;
        continue;
      }
      n[j]!++;
      const z = (iv - tv) / sd[j]!;
      se[j]! += z * z;
      ae[j]! += Math.abs(z);
    }
  }
  let nNum = 0, seAll = 0, aeAll = 0, nCat = 0, hitAll = 0, unimpAll = 0;
  const columns = truth.columns.map((c, j): ColumnImputationError => {
    unimpAll += unimp[j]!;
    if (isCategorical(c)) {
      nCat += n[j]!;
      hitAll += hit[j]!;
      return { column: c.name, kind: c.kind, n: n[j]!, nUnimputed: unimp[j]!, rmse: NaN, mae: NaN, accuracy: n[j]! ? hit[j]! / n[j]! : NaN };
    }
    nNum += n[j]!;
    seAll += se[j]!;
    aeAll += ae[j]!;
    return {
      column: c.name,
      kind: c.kind,
      n: n[j]!,
      nUnimputed: unimp[j]!,
      rmse: n[j]! ? Math.sqrt(se[j]! / n[j]!) : NaN,
      mae: n[j]! ? ae[j]! / n[j]! : NaN,
      accuracy: NaN,
    };
  });
  return {
    columns,
    rmse: nNum ? Math.sqrt(seAll / nNum) : NaN,
    mae: nNum ? aeAll / nNum : NaN,
    accuracy: nCat ? hitAll / nCat : NaN,
    nUnimputed: unimpAll,
  };
}

export interface ColumnCoverage {
  readonly column: string;
  readonly n: number;
  /** Share of hidden cells whose truth lies in the cell's interval (continuous) or prediction set (categorical). */
  readonly coverage: number;
  /** Continuous: mean interval width / sd_truth. Categorical: mean prediction-set size. */
  readonly meanWidth: number;
}

export interface CoverageResult {
  readonly level: number;
  readonly columns: readonly ColumnCoverage[];
  /** Pooled over continuous cells. */
  readonly coverage: number;
  /** Pooled over categorical cells. */
  readonly categoricalCoverage: number;
}

/**
 * Multiple-imputation calibration on the hidden cells. Continuous: the per-cell central interval between
 * the type-7 quantiles (1 − level)/2 and (1 + level)/2 of the draws. Categorical: the smallest set of
 * categories, most frequent first, holding ≥ level of the draws. A calibrated imputer covers ≈ level.
 */
export function intervalCoverage(truth: Table, draws: readonly Table[], hidden: HiddenCells, level = 0.9): CoverageResult {
  if (draws.length < 2) throw new DataError(messages.coverageTooFewDraws(draws.length));
  if (!(level > 0 && level < 1)) throw new DataError(messages.coverageLevel(level));
  for (const t of draws) {
    assertSameSchema(truth, t, 'truth', 'draw');
    if (t.nRows !== truth.nRows) throw new DataError(messages.drawRowCount(t.nRows, truth.nRows));
  }
  const d = truth.columns.length;
  const M = draws.length;
  const scratch = new Float64Array(M);
  const maxCats = Math.max(1, ...truth.columns.map((c) => (isCategorical(c) ? c.categories.length : 0)));
  const counts = new Float64Array(maxCats);
  const catOrder = new Int32Array(maxCats);
  const n = new Float64Array(d);
  const cov = new Float64Array(d);
  const width = new Float64Array(d);
  const sd = truth.columns.map((c) => (isCategorical(c) ? 1 : observedSd(c)));
  const pLo = (1 - level) / 2;
  const pHi = (1 + level) / 2;
  for (let t = 0; t < hidden.rows.length; t++) {
    const i = hidden.rows[t]!;
    const j = hidden.cols[t]!;
    const tc = truth.columns[j]!;
    if (isCategorical(tc)) {
      const truthCode = tc.codes[i]!;
      if (truthCode < 0) continue;
      const K = tc.categories.length;
      counts.fill(0, 0, K);
      let m = 0;
      for (let r = 0; r < M; r++) {
        const k = (draws[r]!.columns[j] as CategoricalColumn).codes[i]!;
        if (k >= 0) {
          counts[k]!++;
          m++;
        }
      }
      if (m === 0) continue;
      for (let k = 0; k < K; k++) catOrder[k] = k;
      const order = catOrder.subarray(0, K).sort((a, b) => counts[b]! - counts[a]! || a - b);
      let mass = 0;
      let size = 0;
      let inSet = false;
      for (let s = 0; s < K && mass < level * m; s++) {
        const k = order[s]!;
        mass += counts[k]!;
        size++;
        if (k === truthCode) inSet = true;
      }
      n[j]!++;
      if (inSet) cov[j]!++;
      width[j]! += size;
    } else {
      const tv = tc.values[i]!;
      if (Number.isNaN(tv)) continue;
      let m = 0;
      for (let r = 0; r < M; r++) {
        const v = (draws[r]!.columns[j] as ContinuousColumn).values[i]!;
        if (!Number.isNaN(v)) scratch[m++] = v;
      }
      if (m === 0) continue;
      const s = scratch.subarray(0, m).sort();
      const lo = quantileSorted(s, pLo);
      const hi = quantileSorted(s, pHi);
      n[j]!++;
      if (tv >= lo && tv <= hi) cov[j]!++;
      width[j]! += (hi - lo) / sd[j]!;
    }
  }
  let nNum = 0, covNum = 0, nCat = 0, covCat = 0;
  const columns = truth.columns.map((c, j): ColumnCoverage => {
    if (isCategorical(c)) {
      nCat += n[j]!;
      covCat += cov[j]!;
    } else {
      nNum += n[j]!;
      covNum += cov[j]!;
    }
    return { column: c.name, n: n[j]!, coverage: n[j]! ? cov[j]! / n[j]! : NaN, meanWidth: n[j]! ? width[j]! / n[j]! : NaN };
  });
  return { level, columns, coverage: nNum ? covNum / nNum : NaN, categoricalCoverage: nCat ? covCat / nCat : NaN };
}

/** Baseline: continuous missing → column mean (rounded for integer and datetime columns), categorical → mode (lowest code on ties). */
export function meanModeImpute(table: Table): Table {
  const columns = table.columns.map((c): Column => {
    if (isCategorical(c)) {
      const counts = new Float64Array(c.categories.length);
      for (const k of c.codes) if (k >= 0) counts[k]!++;
      let mode = -1;
      let best = 0;
      for (let k = 0; k < counts.length; k++) {
        if (counts[k]! > best) {
          best = counts[k]!;
          mode = k;
        }
      }
      const codes = c.codes.slice();
      for (let i = 0; i < codes.length; i++) if (codes[i]! < 0) codes[i] = mode;
      return { ...c, codes };
    }
    let s = 0;
    let m = 0;
    for (const v of c.values) {
      if (!Number.isNaN(v)) {
        s += v;
        m++;
      }
    }
    let fill = m ? s / m : NaN;
    if (c.kind !== 'numeric') fill = Math.round(fill);
    const values = c.values.slice();
    for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) values[i] = fill;
    return { ...c, values };
  });
  return { nRows: table.nRows, columns };
}

/**
 * Baseline kNN hot-deck: for each incomplete row, Gower distance to every other row over the columns both
 * observe (numeric |Δ|/range with the table's observed range, categorical 0/1; mean over shared columns),
 * then each missing cell takes the mean (rounded for integer/datetime) or majority vote (ties → the nearer
 * donor's class) of the k nearest rows observing that column. Ties in distance go to the lower row index.
 * A cell with no donor at all falls back to mean/mode.
 */
export function knnImpute(table: Table, k = 5): Table {
  if (!Number.isInteger(k) || k < 1) throw new DataError(messages.neighboursK(k));
  const n = table.nRows;
  const d = table.columns.length;
  const cat = table.columns.map(isCategorical);
  // Row-major encoding, NaN = missing: numeric scaled by 1/range so |Δ| is already the Gower term.
  const X = new Float64Array(n * d);
  table.columns.forEach((c, j) => {
    if (isCategorical(c)) {
      for (let i = 0; i < n; i++) X[i * d + j] = c.codes[i]! < 0 ? NaN : c.codes[i]!;
      return;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of c.values) {
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const inv = hi > lo ? 1 / (hi - lo) : 1;
    for (let i = 0; i < n; i++) X[i * d + j] = c.values[i]! * inv;
  });
  const fallback = meanModeImpute(table);
  const columns = table.columns.map((c): Column => (isCategorical(c) ? { ...c, codes: c.codes.slice() } : { ...c, values: c.values.slice() }));

  const dist = new Float64Array(n);
  const obsCols = new Int32Array(d);
  const missCols = new Int32Array(d);
  const nbrIdx = new Int32Array(k);
  const nbrDist = new Float64Array(k);
  const maxCats = Math.max(1, ...table.columns.map((c) => (isCategorical(c) ? c.categories.length : 0)));
  const votes = new Float64Array(maxCats);

  for (let i = 0; i < n; i++) {
    let nObs = 0;
    let nMiss = 0;
    const oi = i * d;
    for (let j = 0; j < d; j++) {
      if (Number.isNaN(X[oi + j]!)) missCols[nMiss++] = j;
      else obsCols[nObs++] = j;
    }
    if (nMiss === 0) continue;
    for (let r = 0; r < n; r++) {
      if (r === i) {
        dist[r] = Infinity;
        continue;
      }
      const or = r * d;
      let s = 0;
      let m = 0;
      for (let t = 0; t < nObs; t++) {
        const j = obsCols[t]!;
        const b = X[or + j]!;
        if (b !== b) continue; // NaN: not observed in the donor
        const a = X[oi + j]!;
        if (cat[j]) s += a === b ? 0 : 1;
        else {
          const diff = Math.abs(a - b);
          s += diff < 1 ? diff : 1;
        }
        m++;
      }
      dist[r] = m ? s / m : Infinity;
    }
    for (let t = 0; t < nMiss; t++) {
      const j = missCols[t]!;
      // Top-k by insertion: k is small, so this beats sorting n distances per cell.
      let found = 0;
      for (let r = 0; r < n; r++) {
        if (r === i || Number.isNaN(X[r * d + j]!)) continue;
        const dr = dist[r]!;
        if (found === k && !(dr < nbrDist[k - 1]!)) continue;
        let p = found < k ? found++ : k - 1;
        while (p > 0 && nbrDist[p - 1]! > dr) {
          nbrDist[p] = nbrDist[p - 1]!;
          nbrIdx[p] = nbrIdx[p - 1]!;
          p--;
        }
        nbrDist[p] = dr;
        nbrIdx[p] = r;
      }
      const col = columns[j]!;
      const src = table.columns[j]!;
      if (found === 0) {
        const fb = fallback.columns[j]!;
        if (isCategorical(col)) col.codes[i] = (fb as CategoricalColumn).codes[i]!;
        else col.values[i] = (fb as ContinuousColumn).values[i]!;
        continue;
      }
      if (isCategorical(col)) {
        const codes = (src as CategoricalColumn).codes;
        votes.fill(0);
        for (let q = 0; q < found; q++) votes[codes[nbrIdx[q]!]!]!++;
        // Donors are in distance order, so the first one reaching the top count is the nearest among tied classes.
        let best = -1;
        let bestVotes = 0;
        for (let q = 0; q < found; q++) {
          const code = codes[nbrIdx[q]!]!;
          if (votes[code]! > bestVotes) {
            bestVotes = votes[code]!;
            best = code;
          }
        }
        col.codes[i] = best;
      } else {
        const vals = (src as ContinuousColumn).values;
        let s = 0;
        for (let q = 0; q < found; q++) s += vals[nbrIdx[q]!]!;
        const v = s / found;
        col.values[i] = col.kind === 'numeric' ? v : Math.round(v);
      }
    }
  }
  return { nRows: n, columns };
}
