/**
 * The typed columnar table every stage consumes.
 *
 * Missing values are sentinels, not a second array, so there is one source of truth:
 * - numeric / integer / datetime: `values: Float64Array`, NaN = missing
 *   (datetime is milliseconds since the Unix epoch, UTC);
 * - categorical / boolean: `codes: Int32Array` into `categories`, -1 = missing.
 *
 * Observed cells keep the text they were read as: a numeric or datetime column whose source spelled
 * some values differently from how the writers print them (`-0`, `1.50`, `1e+05`, `9007199254740993`,
 * `2021-03-04 10:00:00.123456+02:00`) carries that text in `text`, and the CSV writer prints it for
 * those rows as long as the row still holds the value read from it. Stages that build new values
 * (encoders, samplers) never see it; spreading a column (`{ ...c, values }`) carries it along, and the
 * value check keeps it from ever labelling a value it was not read as.
 */
export type ColumnKind = 'numeric' | 'integer' | 'categorical' | 'boolean' | 'datetime';

export const COLUMN_KINDS: readonly ColumnKind[] = ['numeric', 'integer', 'categorical', 'boolean', 'datetime'];

/**
 * Source text of observed cells whose value prints differently: row r was read from
 * `texts[index[r]]` (which reads as `values[index[r]]`), or is printed from its value when
 * `index[r]` is -1.
 */
export interface ObservedText {
  readonly texts: readonly string[];
  readonly values: Float64Array;
  readonly index: Int32Array;
}

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric' | 'integer';
  readonly values: Float64Array;
  readonly text?: ObservedText;
}

export interface DatetimeColumn {
  readonly name: string;
  readonly kind: 'datetime';
  readonly values: Float64Array;
  /** 'date' writes back as YYYY-MM-DD, 'datetime' as ISO-8601 with time. */
  readonly resolution: 'date' | 'datetime';
  readonly text?: ObservedText;
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
    if (!c.text) return { ...c, values };
    const index = new Int32Array(n);
    for (let i = 0; i < n; i++) index[i] = c.text.index[rows[i]!]!;
    return { ...c, values, text: { ...c.text, index } };
  });
  return { nRows: n, columns };
}

/** The text row `row` was read as, when it differs from how its value prints and the row still holds
 * that value; undefined otherwise (print the value). */
export function observedText(c: ContinuousColumn, row: number): string | undefined {
  const t = c.text;
  if (!t) return undefined;
  const k = t.index[row] ?? -1;
  return k >= 0 && Object.is(t.values[k], c.values[row]) ? t.texts[k] : undefined;
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

/** The observed text of continuous columns stacked row-wise (parts in order), for `{ ...c, values, ...stackedText(parts) }`. */
export function stackedText(parts: readonly ContinuousColumn[]): { text?: ObservedText } {
  if (!parts.some((p) => p.text)) return {};
  const nRows = parts.reduce((s, p) => s + p.values.length, 0);
  const texts: string[] = [];
  const values: number[] = [];
  const index = new Int32Array(nRows).fill(-1);
  let o = 0;
  for (const p of parts) {
    if (p.text) {
      const base = texts.length;
      texts.push(...p.text.texts);
      values.push(...p.text.values);
      for (let r = 0; r < p.values.length; r++) {
        const k = p.text.index[r] ?? -1;
        if (k >= 0) index[o + r] = base + k;
      }
    }
    o += p.values.length;
  }
  return { text: { texts, values: Float64Array.from(values), index } };
}
