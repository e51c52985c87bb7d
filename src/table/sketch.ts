/**
 * Mergeable one-pass summaries of columns, for fitting encoders on tables too big to hold in memory.
 *
 * - `QuantileSketch`: KLL (Karnin, Lang & Liberty 2016, "Optimal Quantile Approximation in Streams").
 *   A stack of compactors; level h holds items of weight 2^h. A full level is sorted and every other
 *   item moves up, so memory is O(k) whatever the stream's length, and the rank error of any query is
 *   about 1.7/k of n in practice (k = 4096: ~0.04% of the rows). Two sketches of disjoint parts merge
 *   into a sketch of their union with the same guarantee, so chunks or shards can be summarised apart.
 *   Until a stream outgrows the lowest level's capacity nothing is compacted and every answer is exact —
 *   a small table gets exactly the quantiles an in-memory fit would.
 *   The "random" offset of each compaction comes from a hash of (seed, compaction count), so the same
 *   stream in the same order gives the same sketch.
 * - `ColumnSketch`: per column, observed/missing counts, min/max, decimals seen (numeric), and either a
 *   quantile sketch (numeric, integer, datetime) or a count per label (categorical, boolean).
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { isCategorical, type Column, type ColumnKind } from './table.js';

export const DEFAULT_SKETCH_K = 4096;
const SHRINK = 2 / 3;

/** splitmix32-style hash of two integers to one bit. */
function hashBit(seed: number, count: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(count + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h & 1;
}

export interface QuantileSketchJSON {
  k: number;
  seed: number;
  n: number;
  compactions: number;
  levels: number[][];
}

export class QuantileSketch {
  private levels: number[][] = [[]];
  private compactions = 0;
  /** Items added (the total weight). */
  n = 0;

  constructor(
    readonly k = DEFAULT_SKETCH_K,
    readonly seed = 0,
  ) {
    if (!Number.isInteger(k) || k < 8) throw new RangeError(`QuantileSketch: k must be an integer ≥ 8, got ${k}`);
  }

  private capacity(h: number): number {
    return Math.max(2, Math.ceil(this.k * SHRINK ** (this.levels.length - 1 - h)));
  }

  private size(): number {
    let s = 0;
    for (const l of this.levels) s += l.length;
    return s;
  }

  private maxSize(): number {
    let s = 0;
    for (let h = 0; h < this.levels.length; h++) s += this.capacity(h);
    return s;
  }

  add(v: number): void {
    if (Number.isNaN(v)) return;
    this.levels[0]!.push(v);
    this.n++;
    if (this.levels[0]!.length >= this.capacity(0)) this.compress();
  }

  /** Compact full levels, lowest first, until the sketch fits its total capacity again. */
  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h]!;
      if (level.length < this.capacity(h)) continue;
      if (h + 1 === this.levels.length) this.levels.push([]);
      level.sort((a, b) => a - b);
      // An odd item out stays at this level, so total weight is conserved exactly.
      const keep = level.length % 2 === 1 ? level.pop() : undefined;
      const offset = hashBit(this.seed, this.compactions++);
      const up = this.levels[h + 1]!;
      for (let i = offset; i < level.length; i += 2) up.push(level[i]!);
      level.length = 0;
      if (keep !== undefined) level.push(keep);
      if (this.size() < this.maxSize()) break;
    }
  }

  /** Fold `other` (a sketch of a disjoint part) into this one. */
  merge(other: QuantileSketch): this {
    if (other.k !== this.k) throw new RangeError(`QuantileSketch.merge: k differs (${this.k} vs ${other.k})`);
    while (this.levels.length < other.levels.length) this.levels.push([]);
    other.levels.forEach((l, h) => this.levels[h]!.push(...l));
    this.n += other.n;
    this.compactions += other.compactions;
    while (this.size() >= this.maxSize()) {
      const before = this.size();
      this.compress();
      if (this.size() >= before) break;
    }
    return this;
  }

  /** Items sorted by value with their weights. */
  private weighted(): { values: Float64Array; weights: Float64Array } {
    const items: [number, number][] = [];
    this.levels.forEach((l, h) => {
      const w = 2 ** h;
      for (const v of l) items.push([v, w]);
    });
    items.sort((a, b) => a[0] - b[0]);
    return { values: Float64Array.from(items, (i) => i[0]), weights: Float64Array.from(items, (i) => i[1]) };
  }

  /**
   * `count` values at evenly spaced probabilities 0..1, interpolated linearly between ranks as
   * np.percentile does: with every weight 1 this is exactly the in-memory quantile fit.
   */
  quantiles(count: number): number[] {
    if (this.n === 0) return [];
    const { values, weights } = this.weighted();
    const total = weights.reduce((s, w) => s + w, 0);
    // Value at integer rank r (0-based) of the expanded multiset.
    let j = 0, cum = 0;
    const atRank = (r: number): number => {
      while (j < values.length - 1 && cum + weights[j]! <= r) cum += weights[j++]!;
      return values[j]!;
    };
    const out: number[] = [];
    const last = total - 1;
    for (let i = 0; i < count; i++) {
      const pos = count === 1 ? 0 : (i / (count - 1)) * last;
      const lo = Math.floor(pos), frac = pos - lo;
      const a = atRank(lo);
      out.push(frac === 0 ? a : a + frac * (atRank(Math.min(lo + 1, last)) - a));
    }
    return out;
  }

  /** Approximate fraction of items ≤ v. */
  cdf(v: number): number {
    let below = 0;
    this.levels.forEach((l, h) => {
      for (const x of l) if (x <= v) below += 2 ** h;
    });
    return this.n ? below / this.n : NaN;
  }

  toJSON(): QuantileSketchJSON {
    return { k: this.k, seed: this.seed, n: this.n, compactions: this.compactions, levels: this.levels.map((l) => [...l]) };
  }

  static fromJSON(j: QuantileSketchJSON): QuantileSketch {
    const s = new QuantileSketch(j.k, j.seed);
    s.levels = j.levels.map((l) => [...l]);
    s.n = j.n;
    s.compactions = j.compactions;
    return s;
  }
}

const MAX_DECIMALS = 15;

/** Decimal places needed to print v as JS's shortest form does, capped at 15. */
export function decimalsOfValue(v: number): number {
  const s = String(v);
  const e = s.indexOf('e');
  const dot = s.indexOf('.');
  const frac = dot < 0 ? 0 : (e < 0 ? s.length : e) - dot - 1;
  const exp = e < 0 ? 0 : Number(s.slice(e + 1));
  return Math.min(MAX_DECIMALS, Math.max(0, frac - exp));
}

/** Decimal places needed to print every value as the input did (JS shortest form), capped at MAX_DECIMALS. */
export function decimalsOf(values: Float64Array): number {
  let d = 0;
  for (const v of values) if (!Number.isNaN(v)) d = Math.max(d, decimalsOfValue(v));
  return d;
}

/** Decimal places that print at least 90% of the values as read (a stray long value does not set the grid). */
/** The smallest and largest observed (non-NaN) value; [Infinity, -Infinity] when there is none. */
export function observedRange(values: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function typicalDecimals(values: Float64Array): number {
  const count = new Array<number>(MAX_DECIMALS + 1).fill(0);
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    count[decimalsOfValue(v)]!++;
    n++;
  }
  let covered = 0;
  for (let d = 0; d < count.length; d++) {
    covered += count[d]!;
    if (covered >= 0.9 * n) return d;
  }
  return count.length - 1;
}

export type ColumnSketchJSON =
  | { name: string; kind: 'numeric' | 'integer' | 'datetime'; resolution?: 'date' | 'datetime'; observed: number; missing: number; min: number | null; max: number | null; decimals: number; sketch: QuantileSketchJSON }
  | { name: string; kind: 'categorical' | 'boolean'; observed: number; missing: number; counts: Record<string, number> };

/** One column's mergeable summary; `add` takes a typed column (a batch) and optional row selection. */
export class ColumnSketch {
  observed = 0;
  missing = 0;
  min = Infinity;
  max = -Infinity;
  decimals = 0;
  readonly counts = new Map<string, number>();
  readonly quantile?: QuantileSketch;

  constructor(
    readonly name: string,
    readonly kind: ColumnKind,
    opts: { k?: number; seed?: number; resolution?: 'date' | 'datetime' } = {},
    public resolution = opts.resolution,
  ) {
    if (kind !== 'categorical' && kind !== 'boolean') this.quantile = new QuantileSketch(opts.k, opts.seed);
  }

  get continuous(): boolean {
    return this.quantile !== undefined;
  }

  /** Count the rows `rows` (all rows when omitted) of `col`. */
  add(col: Column, rows?: ArrayLike<number>, nRows = col.kind === 'categorical' || col.kind === 'boolean' ? (col as { codes: Int32Array }).codes.length : (col as { values: Float64Array }).values.length): void {
    if (col.name !== this.name) throw new DataError(messages.sketchOtherColumn(this.name, col.name));
    const count = rows ? rows.length : nRows;
    if (isCategorical(col)) {
      if (this.continuous) throw new DataError(messages.sketchKind(col.name, col.kind, this.kind));
      const per = new Float64Array(col.categories.length);
      for (let i = 0; i < count; i++) {
        const k = col.codes[rows ? rows[i]! : i]!;
        if (k < 0) this.missing++;
        else (per[k]!++, this.observed++);
      }
      col.categories.forEach((label, k) => {
        if (per[k]) this.counts.set(label, (this.counts.get(label) ?? 0) + per[k]!);
      });
      return;
    }
    if (!this.continuous) throw new DataError(messages.sketchKind(col.name, col.kind, this.kind));
    const q = this.quantile!;
    const numeric = this.kind === 'numeric';
    for (let i = 0; i < count; i++) {
      const v = col.values[rows ? rows[i]! : i]!;
      if (Number.isNaN(v)) {
        this.missing++;
        continue;
      }
      this.observed++;
      q.add(v);
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      if (numeric && this.decimals < MAX_DECIMALS && v !== Math.trunc(v)) {
        const d = decimalsOfValue(v);
        if (d > this.decimals) this.decimals = d;
      }
    }
  }

  merge(other: ColumnSketch): this {
    if (other.name !== this.name || other.continuous !== this.continuous) throw new DataError(messages.sketchMerge(other.name, other.kind, this.name, this.kind));
    this.observed += other.observed;
    this.missing += other.missing;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.decimals = Math.max(this.decimals, other.decimals);
    for (const [label, c] of other.counts) this.counts.set(label, (this.counts.get(label) ?? 0) + c);
    if (this.quantile) this.quantile.merge(other.quantile!);
    return this;
  }

  /** Labels seen, sorted as the CSV reader sorts categories. */
  categories(): string[] {
    return [...this.counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  toJSON(): ColumnSketchJSON {
    if (this.quantile)
      return {
        name: this.name,
        kind: this.kind as 'numeric' | 'integer' | 'datetime',
        ...(this.resolution ? { resolution: this.resolution } : {}),
        observed: this.observed,
        missing: this.missing,
        min: this.observed ? this.min : null,
        max: this.observed ? this.max : null,
        decimals: this.decimals,
        sketch: this.quantile.toJSON(),
      };
    return { name: this.name, kind: this.kind as 'categorical' | 'boolean', observed: this.observed, missing: this.missing, counts: Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  }

  static fromJSON(j: ColumnSketchJSON): ColumnSketch {
    if ('sketch' in j) {
      const s = new ColumnSketch(j.name, j.kind, { k: j.sketch.k, seed: j.sketch.seed, resolution: j.resolution });
      Object.assign(s, { observed: j.observed, missing: j.missing, min: j.min ?? Infinity, max: j.max ?? -Infinity, decimals: j.decimals, quantile: QuantileSketch.fromJSON(j.sketch) });
      return s;
    }
    const s = new ColumnSketch(j.name, j.kind);
    s.observed = j.observed;
    s.missing = j.missing;
    for (const [label, c] of Object.entries(j.counts)) s.counts.set(label, c);
    return s;
  }
}
