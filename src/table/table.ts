/**
 * The typed columnar table every stage consumes.
 *
 * Missing values are sentinels, not a second array, so there is one source of truth:
 * - numeric / integer / datetime: `values: Float64Array`, NaN = missing
 *   (datetime is milliseconds since the Unix epoch, UTC);
 * - categorical / boolean: `codes: Int32Array` into `categories`, -1 = missing.
 */
export type ColumnKind = 'numeric' | 'integer' | 'categorical' | 'boolean' | 'datetime';

export const COLUMN_KINDS: readonly ColumnKind[] = ['numeric', 'integer', 'categorical', 'boolean', 'datetime'];

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'integer';
  readonly values: Float64Array;
}

export interface DatetimeColumn {
  readonly name: string;
  readonly kind: 'datetime';
  readonly values: Float64Array;
  /** 'date' writes back as YYYY-MM-DD, 'datetime' as ISO-8601 with time. */
  readonly resolution: 'date' | 'datetime';
}

export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical' | 'boolean';
  readonly codes: Int32Array;
  /** Labels exactly as read; for boolean, [falseLabel, trueLabel]. */
  readonly categories: readonly string[];
}

export type Column = NumericColumn | DatetimeColumn | CategoricalColumn;
export type ContinuousColumn = NumericColumn | DatetimeColumn;

export interface Table {
  readonly nRows: number;
  readonly columns: readonly Column[];
}

export function isCategorical(c: Column): c is CategoricalColumn {
  return c.kind === 'categorical' || c.kind === 'boolean';
}

export function isContinuous(c: Column): c is ContinuousColumn {
  return !isCategorical(c);
}

export function isMissing(c: Column, row: number): boolean {
  return isCategorical(c) ? c.codes[row]! < 0 : Number.isNaN(c.values[row]!);
}

export function missingCount(c: Column): number {
  let n = 0;
  if (isCategorical(c)) {
    for (const v of c.codes) if (v < 0) n++;
  } else {
    for (const v of c.values) if (Number.isNaN(v)) n++;
  }
  return n;
}

export function column(t: Table, name: string): Column {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column named "${name}"`);
  return c;
}

/** Rows picked by index, in the given order (indices may repeat). */
export function takeRows(t: Table, rows: ArrayLike<number>): Table {
  const n = rows.length;
  const columns = t.columns.map((c): Column => {
    if (isCategorical(c)) {
      const codes = new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = c.codes[rows[i]!]!;
      return { ...c, codes };
    }
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = c.values[rows[i]!]!;
    return { ...c, values };
  });
  return { nRows: n, columns };
}

/** Cell value as a JS value: number, string label, or null when missing. */
export function cellValue(c: Column, row: number): number | string | null {
  if (isCategorical(c)) {
    const k = c.codes[row]!;
    return k < 0 ? null : c.categories[k]!;
  }
  const v = c.values[row]!;
  return Number.isNaN(v) ? null : v;
}
