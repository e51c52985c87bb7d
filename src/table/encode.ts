import { ModelError } from '../errors.js';
import { normalCdf, normalPpf } from './normal.js';
import { decimalsOf, decimalsOfValue, type ColumnSketch } from './sketch.js';
import { isCategorical, type Column, type ColumnKind, type Table } from './table.js';

/**
 * Column encoders for the diffusion model: every column becomes a block of real-valued dimensions with
 * roughly unit scale, fitted once and saved with the model so decoding returns the input's types and
 * categories exactly.
 * - numeric / integer / datetime → `quantile`: QuantileTransform to a standard normal, as TabDDPM and
 *   TabSyn preprocess (sklearn's QuantileTransformer(output_distribution='normal'), n_quantiles ≤ 1000).
 * - categorical / boolean with ≤ `maxOneHot` levels → `onehot` in {−1, +1}, argmax on decode.
 * - more levels → `bits`: analog bits (Chen et al. 2022, "Analog Bits") in {−1, +1}, ⌈log₂K⌉ dimensions
 *   instead of K, so a 5,000-level column costs 13 dimensions, not 5,000.
 * A column with missing cells in the training data also gets a missingness flag: one more dimension,
 * +1 where the cell is missing and −1 where it is observed, placed after every value dimension. The
 * flag is always observed, so the model learns the missingness pattern jointly with the values (which
 * cells are empty, and together with which values) and generation reproduces it instead of emitting
 * complete rows a detector tells apart at once.
 */
export type ColumnEncoding =
  | {
      type: 'quantile';
      name: string;
      kind: 'numeric' | 'integer' | 'datetime';
      offset: number;
      width: 1;
      /** Values at evenly spaced reference probabilities 0..1 (nondecreasing). */
      quantiles: number[];
      /** Decimal places seen in the data (numeric), so decoded values look like the input's. */
      decimals: number;
      min: number;
      max: number;
      resolution?: 'date' | 'datetime';
      /** Offset of the missingness flag dimension, when the column had missing training cells. */
      missingDim?: number;
    }
  | { type: 'onehot' | 'bits'; name: string; kind: 'categorical' | 'boolean'; offset: number; width: number; categories: string[]; missingDim?: number };

export interface EncodedTable {
  readonly nRows: number;
  /** Row-major n × dim matrix; missing cells hold 0. Float64 so decode(encode(t)) is exact; the model
   * sees float32 copies. */
  readonly x: Float64Array;
  /**
   * Row-major n × nMaskColumns, 1 where the cell is observed: the table's columns, then one always-observed
   * entry per missingness flag.
   */
  readonly observed: Uint8Array;
}

/** What an encoder needs to know of a column, from the data in memory, a sketch or noisy counts (private-encode.ts). */
export type ColumnSummary = { missing: number } & (
  | { name: string; kind: 'categorical' | 'boolean'; categories: readonly string[] }
  | { name: string; kind: 'numeric' | 'integer' | 'datetime'; observed: number; quantiles: number[]; decimals: number; min: number; max: number; resolution?: 'date' | 'datetime' }
);

export interface EncoderOptions {
  nQuantiles?: number;
  maxOneHot?: number;
  /** Per-column bounds from the spec, applied on decode. */
  bounds?: Record<string, { min?: number; max?: number }>;
  /** Give columns with missing training cells a missingness flag dimension (default true). */
  missingFlags?: boolean;
}

// sklearn's QuantileTransformer clips probabilities to [1e-7, 1 − 1e-7] (BOUNDS_THRESHOLD) before ppf.
const P_CLIP = 1e-7;
const DAY_MS = 86_400_000;

/** np.percentile-style linear interpolation of sorted values at n evenly spaced probabilities. */
function fitQuantiles(sorted: Float64Array, n: number): number[] {
  const q: number[] = [];
  const last = sorted.length - 1;
  for (let i = 0; i < n; i++) {
    const pos = n === 1 ? 0 : (i / (n - 1)) * last;
    const lo = Math.floor(pos);
    const frac = pos - lo;
    q.push(frac === 0 ? sorted[lo]! : sorted[lo]! + frac * (sorted[Math.min(lo + 1, last)]! - sorted[lo]!));
  }
  return q;
}

/** Value → probability, averaging over flat stretches as sklearn does (interp forward and reversed). */
export function quantileToProb(q: readonly number[], v: number): number {
  const n = q.length;
  if (n === 1) return 0.5;
  if (v <= q[0]! && v < q[n - 1]!) return v < q[0]! ? 0 : lastIndexLE(q, v) / (2 * (n - 1));
  if (v >= q[n - 1]!) return v > q[n - 1]! ? 1 : (firstIndexGE(q, v) + n - 1) / (2 * (n - 1));
  const lo = firstIndexGE(q, v);
  const hi = lastIndexLE(q, v);
  if (lo <= hi) return (lo + hi) / (2 * (n - 1));
  return (hi + (v - q[hi]!) / (q[lo]! - q[hi]!)) / (n - 1);
}

function firstIndexGE(q: readonly number[], v: number): number {
  let a = 0, b = q.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (q[m]! < v) a = m + 1;
    else b = m;
  }
  return a;
}

function lastIndexLE(q: readonly number[], v: number): number {
  let a = 0, b = q.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (q[m]! <= v) a = m + 1;
    else b = m;
  }
  return a - 1;
}

/** Probability → value by linear interpolation in the quantile table (the inverse of `quantileToProb`). */
export function probToQuantile(q: readonly number[], p: number): number {
  const n = q.length;
  const pos = Math.min(Math.max(p, 0), 1) * (n - 1);
  const lo = Math.min(Math.floor(pos), n - 1);
  const hi = Math.min(lo + 1, n - 1);
  return q[lo]! + (pos - lo) * (q[hi]! - q[lo]!);
}

/** A compacted sketch may have dropped the extremes; the exact min and max are the 0 and 1 quantiles. */
function withExtremes(q: number[], min: number, max: number): number[] {
  q[0] = min;
  q[q.length - 1] = max;
  return q;
}

function bitsFor(k: number): number {
  return Math.max(1, Math.ceil(Math.log2(k)));
}

export class TableEncoder {
  readonly dim: number;
  /**
   * For each encoded dimension, the mask column it belongs to: a table column's index for value
   * dimensions, nColumns + k for the k-th missingness flag.
   */
  readonly dimColumn: Int32Array;
  /** Table columns plus missingness flags: the width of `EncodedTable.observed`. */
  readonly nMaskColumns: number;
  /** Table column of each missingness flag, in flag order. */
  readonly flagColumns: readonly number[];

  constructor(readonly columns: readonly ColumnEncoding[]) {
    const flagColumns = columns.flatMap((c, j) => (c.missingDim === undefined ? [] : [j]));
    this.flagColumns = flagColumns;
    this.nMaskColumns = columns.length + flagColumns.length;
    this.dim = columns.reduce((s, c) => s + c.width, 0) + flagColumns.length;
    this.dimColumn = new Int32Array(this.dim);
    columns.forEach((c, j) => this.dimColumn.fill(j, c.offset, c.offset + c.width));
    flagColumns.forEach((j, k) => (this.dimColumn[columns[j]!.missingDim!] = columns.length + k));
  }

  static fit(table: Table, opts: EncoderOptions = {}): TableEncoder {
    const nQ = opts.nQuantiles ?? 1000;
    return TableEncoder.fromSummaries(
      table.columns.map((c): ColumnSummary => {
        if (isCategorical(c)) return { name: c.name, kind: c.kind, categories: c.categories, missing: c.codes.reduce((s, k) => s + (k < 0 ? 1 : 0), 0) };
        const obs = c.values.filter((v) => !Number.isNaN(v)).sort();
        return {
          missing: table.nRows - obs.length,
          name: c.name,
          kind: c.kind,
          observed: obs.length,
          quantiles: obs.length ? fitQuantiles(obs, Math.min(nQ, obs.length)) : [],
          decimals: c.kind === 'numeric' ? decimalsOf(obs) : 0,
          min: obs[0] ?? NaN,
          max: obs[obs.length - 1] ?? NaN,
          ...(c.kind === 'datetime' ? { resolution: c.resolution } : {}),
        };
      }),
      opts,
    );
  }

  /**
   * Fit from one-pass mergeable sketches (sketch.ts) instead of a table in memory: the same encodings,
   * with quantiles read off the KLL sketch (exact while the column had fewer rows than the sketch's k).
   */
  static fromSketches(sketches: readonly ColumnSketch[], opts: EncoderOptions = {}): TableEncoder {
    const nQ = opts.nQuantiles ?? 1000;
    return TableEncoder.fromSummaries(
      sketches.map((s): ColumnSummary => {
        if (!s.quantile) return { name: s.name, kind: s.kind as 'categorical' | 'boolean', categories: s.categories(), missing: s.missing };
        return {
          missing: s.missing,
          name: s.name,
          kind: s.kind as 'numeric' | 'integer' | 'datetime',
          observed: s.observed,
          quantiles: s.observed ? withExtremes(s.quantile.quantiles(Math.min(nQ, s.observed)), s.min, s.max) : [],
          decimals: s.kind === 'numeric' ? s.decimals : 0,
          min: s.observed ? s.min : NaN,
          max: s.observed ? s.max : NaN,
          ...(s.kind === 'datetime' ? { resolution: s.resolution ?? 'datetime' } : {}),
        };
      }),
      opts,
    );
  }

  static fromSummaries(summaries: readonly ColumnSummary[], opts: EncoderOptions): TableEncoder {
    const maxOneHot = opts.maxOneHot ?? 100;
    let offset = 0;
    const cols = summaries.map((c): ColumnEncoding => {
      if ('categories' in c) {
        const k = c.categories.length;
        const type = k > maxOneHot ? 'bits' : 'onehot';
        const width = type === 'bits' ? bitsFor(k) : Math.max(k, 1);
        const enc: ColumnEncoding = { type, name: c.name, kind: c.kind, offset, width, categories: [...c.categories] };
        offset += width;
        return enc;
      }
      if (c.observed === 0) throw new ModelError(`column "${c.name}": every value is missing, nothing to learn from (drop it in the spec's columns)`);
      const b = opts.bounds?.[c.name];
      const enc: ColumnEncoding = {
        type: 'quantile',
        name: c.name,
        kind: c.kind,
        offset,
        width: 1,
        quantiles: c.quantiles,
        decimals: c.decimals,
        min: b?.min ?? c.min,
        max: b?.max ?? c.max,
        ...(c.kind === 'datetime' ? { resolution: c.resolution } : {}),
      };
      offset += 1;
      return enc;
    });
    // Flag dimensions go after every value dimension, so a table without missing cells encodes as before.
    if (opts.missingFlags ?? true) summaries.forEach((c, j) => c.missing > 0 && (cols[j]!.missingDim = offset++));
    return new TableEncoder(cols);
  }

  get nColumns(): number {
    return this.columns.length;
  }

  /** Encode; throws if the table's columns don't match what the encoder was fitted on. */
  encode(table: Table): EncodedTable {
    this.checkColumns(table);
    const n = table.nRows;
    const D = this.dim;
    const C = this.nMaskColumns;
    const x = new Float64Array(n * D);
    const observed = new Uint8Array(n * C);
    this.columns.forEach((enc, j) => {
      const col = table.columns[j]!;
      if (enc.type === 'quantile') {
        const values = (col as Extract<Column, { values: Float64Array }>).values;
        const zLo = normalPpf(P_CLIP), zHi = normalPpf(1 - P_CLIP);
        for (let i = 0; i < n; i++) {
          const v = values[i]!;
          if (Number.isNaN(v)) continue;
          observed[i * C + j] = 1;
          const p = quantileToProb(enc.quantiles, v);
          x[i * D + enc.offset] = p <= P_CLIP ? zLo : p >= 1 - P_CLIP ? zHi : normalPpf(p);
        }
        return;
      }
      const codes = (col as Extract<Column, { codes: Int32Array }>).codes;
      const remap = categoryRemap(col as Extract<Column, { codes: Int32Array }>, enc);
      for (let i = 0; i < n; i++) {
        const raw = codes[i]!;
        if (raw < 0) continue;
        const k = remap ? remap[raw]! : raw;
        if (k < 0) continue; // a category the model never saw is treated as missing
        observed[i * C + j] = 1;
        const row = i * D + enc.offset;
        if (enc.type === 'onehot') {
          for (let d = 0; d < enc.width; d++) x[row + d] = d === k ? 1 : -1;
        } else {
          for (let d = 0; d < enc.width; d++) x[row + d] = (k >> d) & 1 ? 1 : -1;
        }
      }
    });
    this.flagColumns.forEach((j, k) => {
      const f = this.columns[j]!.missingDim!;
      for (let i = 0; i < n; i++) {
        observed[i * C + this.columns.length + k] = 1;
        x[i * D + f] = observed[i * C + j] ? -1 : 1;
      }
    });
    return { nRows: n, x, observed };
  }

  /**
   * Decode a row-major n × dim matrix into a Table with the fitted kinds and categories. With
   * `flagsToMissing`, a cell whose missingness flag is positive decodes as missing (generation).
   */
  decode(x: Float32Array | Float64Array, n: number, opts: { flagsToMissing?: boolean } = {}): Table {
    const table = this.decodeValues(x, n);
    if (!opts.flagsToMissing) return table;
    const D = this.dim;
    for (const j of this.flagColumns) {
      const f = this.columns[j]!.missingDim!;
      const col = table.columns[j]!;
      for (let i = 0; i < n; i++) {
        if (!(x[i * D + f]! > 0)) continue;
        if (isCategorical(col)) col.codes[i] = -1;
        else col.values[i] = NaN;
      }
    }
    return table;
  }

  private decodeValues(x: Float32Array | Float64Array, n: number): Table {
    const D = this.dim;
    const columns = this.columns.map((enc): Column => {
      if (enc.type === 'quantile') {
        const values = new Float64Array(n);
        const scale = 10 ** enc.decimals;
        for (let i = 0; i < n; i++) {
          // Probabilities at the encoder's clip bounds are the extremes themselves (min and max decode exactly).
          const p = normalCdf(x[i * D + enc.offset]!);
          let v = probToQuantile(enc.quantiles, p <= P_CLIP * 1.001 ? 0 : p >= 1 - P_CLIP * 1.001 ? 1 : p);
          v = Math.min(Math.max(v, enc.min), enc.max);
          if (enc.kind === 'integer') v = Math.round(v);
          else if (enc.kind === 'datetime') v = enc.resolution === 'date' ? Math.round(v / DAY_MS) * DAY_MS : Math.round(v);
          // Rounding to the input's precision undoes float error from the transform and its inverse, so
          // training values decode exactly; skipped where v·10^d would lose integer precision.
          else if (Math.abs(v * scale) < 2 ** 52) v = Math.round(v * scale) / scale;
          values[i] = v;
        }
        if (enc.kind === 'datetime') return { name: enc.name, kind: 'datetime', values, resolution: enc.resolution ?? 'datetime' };
        return { name: enc.name, kind: enc.kind, values };
      }
      const codes = new Int32Array(n);
      const K = enc.categories.length;
      for (let i = 0; i < n; i++) {
        const row = i * D + enc.offset;
        if (enc.type === 'onehot') {
          let best = 0;
          for (let d = 1; d < enc.width; d++) if (x[row + d]! > x[row + best]!) best = d;
          codes[i] = best;
        } else {
          let k = 0;
          for (let d = 0; d < enc.width; d++) if (x[row + d]! > 0) k |= 1 << d;
          // Bit patterns past the last level fold back by clearing the highest set bits.
          for (let d = enc.width - 1; k >= K && d >= 0; d--) k &= ~(1 << d);
          codes[i] = k;
        }
      }
      return { name: enc.name, kind: enc.kind, codes, categories: enc.categories };
    });
    return { nRows: n, columns };
  }

  toJSON(): { columns: readonly ColumnEncoding[] } {
    return { columns: this.columns };
  }

  static fromJSON(json: { columns: ColumnEncoding[] }): TableEncoder {
    return new TableEncoder(json.columns);
  }

  checkColumns(table: Table): void {
    if (table.columns.length !== this.columns.length)
      throw new ModelError(`table has ${table.columns.length} columns, the model was trained on ${this.columns.length} (${this.columns.map((c) => c.name).join(', ')})`);
    this.columns.forEach((enc, j) => {
      const c = table.columns[j]!;
      if (c.name !== enc.name) throw new ModelError(`column ${j + 1} is "${c.name}", the model expects "${enc.name}"`);
      const fam = (k: ColumnKind): string => (k === 'categorical' || k === 'boolean' ? 'categorical' : 'continuous');
      if (fam(c.kind) !== fam(enc.kind)) throw new ModelError(`column "${c.name}" is ${c.kind}, the model was trained on it as ${enc.kind}`);
    });
  }
}

/** Codes of a table whose category list differs from the encoder's (another file) mapped to the encoder's. */
function categoryRemap(col: { categories: readonly string[] }, enc: { categories: string[] }): Int32Array | undefined {
  if (col.categories === enc.categories) return undefined;
  if (col.categories.length === enc.categories.length && col.categories.every((c, i) => c === enc.categories[i])) return undefined;
  const index = new Map(enc.categories.map((c, i) => [c, i]));
  return Int32Array.from(col.categories, (c) => index.get(c) ?? -1);
}
