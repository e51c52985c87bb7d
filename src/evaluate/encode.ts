/**
 * Table → numeric feature matrices for the model-based evaluators (forests, isolation forest, α-precision).
 * Encoders are fitted on one table and applied to others so every matrix shares one column layout.
 */
import { isCategorical, type Table } from '../table/table.js';
import type { FeatureMatrix } from './forest.js';
import { quantileSorted, sortedFinite } from './stats.js';

export interface TreeEncoderOptions {
  /** Columns to leave out (e.g. the target). */
  readonly exclude?: readonly string[];
  /** Add a 0/1 "was missing" feature for continuous columns with any missing cell in these tables. */
  readonly indicatorsFrom?: readonly Table[];
}

interface TreeEncoder {
  readonly columns: readonly number[];
  readonly fill: readonly number[];
  readonly indicator: readonly boolean[];
  readonly names: readonly string[];
}

/**
 * Fits a tree-friendly encoder: continuous columns as they are with missing → the fit table's median plus a
 * missing indicator (so "missing" stays learnable); categorical columns as ordinal codes with missing = −1
 * (a tree isolates any code with two splits, so one-hot buys nothing and would dilute per-split feature sampling).
 */
export function fitTreeEncoder(fit: Table, options: TreeEncoderOptions = {}): TreeEncoder {
  const exclude = new Set(options.exclude ?? []);
  const tables = [fit, ...(options.indicatorsFrom ?? [])];
  const columns: number[] = [];
  const fill: number[] = [];
  const indicator: boolean[] = [];
  const names: string[] = [];
  fit.columns.forEach((c, j) => {
    if (exclude.has(c.name)) return;
    columns.push(j);
    names.push(c.name);
    if (isCategorical(c)) {
      fill.push(-1);
      indicator.push(false);
      return;
    }
    const med = quantileSorted(sortedFinite(c.values), 0.5);
    fill.push(Number.isNaN(med) ? 0 : med);
    let anyMissing = false;
    for (const t of tables) {
      const tc = t.columns[j]!;
      if (isCategorical(tc)) continue;
      for (const v of tc.values) {
        if (Number.isNaN(v)) {
          anyMissing = true;
          break;
        }
      }
      if (anyMissing) break;
    }
    indicator.push(anyMissing);
    if (anyMissing) names.push(`${c.name}__missing`);
  });
  return { columns, fill, indicator, names };
}

/** Applies a fitted tree encoder. */
export function applyTreeEncoder(enc: TreeEncoder, t: Table): FeatureMatrix {
  const n = t.nRows;
  const nCols = enc.names.length;
  const data = new Float64Array(n * nCols);
  let out = 0;
  enc.columns.forEach((j, p) => {
    const c = t.columns[j]!;
    const base = out * n;
    if (isCategorical(c)) {
      for (let i = 0; i < n; i++) data[base + i] = c.codes[i]!;
      out++;
      return;
    }
    const fillV = enc.fill[p]!;
    for (let i = 0; i < n; i++) {
      const v = c.values[i]!;
      data[base + i] = Number.isNaN(v) ? fillV : v;
    }
    out++;
    if (enc.indicator[p]) {
      const ib = out * n;
      for (let i = 0; i < n; i++) data[ib + i] = Number.isNaN(c.values[i]!) ? 1 : 0;
      out++;
    }
  });
  return { nRows: n, nCols, data, names: enc.names };
}

/**
 * Min-max scaled features with categorical columns one-hot (an extra "missing" slot when a side has missing
 * codes) and continuous missing → the fit mean plus an indicator. Scaling is fitted on `fit` only, as
 * sklearn's MinMaxScaler().fit(real) in synthcity; a zero range scales by 1 as sklearn does.
 * Row-major nRows × nCols (distance code walks rows).
 */
export function minMaxOneHot(fit: Table, tables: readonly Table[]): { nCols: number; names: string[]; rows: Float64Array[] } {
  const all = [fit, ...tables];
  interface Slot {
    readonly j: number;
    readonly kind: 'value' | 'indicator' | 'onehot' | 'onehot-missing';
    readonly code: number;
    readonly lo: number;
    readonly scale: number;
    readonly fill: number;
  }
  const slots: Slot[] = [];
  const names: string[] = [];
  fit.columns.forEach((c, j) => {
    const anyMissing = all.some((t) => {
      const tc = t.columns[j]!;
      if (isCategorical(tc)) return tc.codes.some((k) => k < 0);
      return tc.values.some((v) => Number.isNaN(v));
    });
    if (isCategorical(c)) {
      c.categories.forEach((label, k) => {
        slots.push({ j, kind: 'onehot', code: k, lo: 0, scale: 1, fill: 0 });
        names.push(`${c.name}=${label}`);
      });
      if (anyMissing) {
        slots.push({ j, kind: 'onehot-missing', code: -1, lo: 0, scale: 1, fill: 0 });
        names.push(`${c.name}=<missing>`);
      }
      return;
    }
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let m = 0;
    for (const v of c.values) {
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
      m++;
    }
    if (m === 0) {
      lo = 0;
      hi = 1;
    }
    const range = hi - lo;
    slots.push({ j, kind: 'value', code: 0, lo, scale: range > 0 ? 1 / range : 1, fill: m ? sum / m : 0 });
    names.push(c.name);
    if (anyMissing) {
      slots.push({ j, kind: 'indicator', code: 0, lo: 0, scale: 1, fill: 0 });
      names.push(`${c.name}__missing`);
    }
  });
  const d = slots.length;
  const rows = tables.map((t) => {
    const n = t.nRows;
    const out = new Float64Array(n * d);
    slots.forEach((s, p) => {
      const c = t.columns[s.j]!;
      if (isCategorical(c)) {
        const target = s.kind === 'onehot-missing' ? -1 : s.code;
        for (let i = 0; i < n; i++) {
          const k = c.codes[i]!;
          out[i * d + p] = (k < 0 ? -1 : k) === target ? 1 : 0;
        }
        return;
      }
      for (let i = 0; i < n; i++) {
        const v = c.values[i]!;
        if (s.kind === 'indicator') out[i * d + p] = Number.isNaN(v) ? 1 : 0;
        else out[i * d + p] = ((Number.isNaN(v) ? s.fill : v) - s.lo) * s.scale;
      }
    });
    return out;
  });
  return { nCols: d, names, rows };
}
