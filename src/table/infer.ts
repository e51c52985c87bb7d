/**
 * Schema inference: turn columns of cell text into typed columns, and describe a typed table.
 *
 * Kind rules, applied to the distinct non-missing texts of a column, first match wins:
 * 1. every text is a plain decimal/scientific number (or Inf/Infinity) → `integer` when every value is
 *    integral with |v| ≤ 2^53 − 1, else `numeric`. Leading-zero codes such as "007" are not numbers.
 *    Skipped when the source quoted every value of the column (`textHint`): R's write.csv and Python's
 *    QUOTE_NONNUMERIC quote text and never numbers, so quoted "1".."10" are labels (mlbench
 *    BreastCancer), and our own writer's quoted numeric-looking labels read back as categorical.
 * 2. every text is one spelling pair TRUE/FALSE, true/false or True/False → `boolean`
 *    (yes/no stays categorical: in real data it is usually a category such as credit_data `Records`);
 * 3. every text is an ISO date `YYYY-MM-DD` or datetime `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM]`
 *    → `datetime`, resolution 'date' when none has a time part;
 * 4. otherwise `categorical`, categories sorted (see `sortCategories`).
 * A column with no values at all is `numeric` (all NaN), as pandas does.
 *
 * Only the empty text is missing unless the caller adds tokens: "NA" and "None" are real labels in
 * real files (forcats gss_cat has a "None" religion).
 */
import { DataError } from '../errors.js';
import {
  type CategoricalColumn,
  type Column,
  type ColumnKind,
  type Table,
  isCategorical,
} from './table.js';
import {
  FORCED_BOOLEAN_PAIRS,
  INFERRED_BOOLEAN_PAIRS,
  booleanPairFor,
  formatDatetime,
  formatNumber,
  isExactInteger,
  parseDatetime,
  parseNumber,
  sortCategories,
} from './values.js';

/** A cell that cannot be read as the kind the user forced. `row` is the 0-based data row. */
export class CellError extends DataError {
  override name = 'CellError';
  constructor(
    readonly column: string,
    readonly row: number,
    readonly value: string,
    readonly expected: ColumnKind,
    readonly detail?: string,
  ) {
    super(
      `column "${column}", row ${row + 1}: ${JSON.stringify(value)} is not ${article(expected)} ${expected}` +
        (detail ? ` (${detail})` : ''),
    );
  }
}

function article(kind: ColumnKind): string {
  return kind === 'integer' ? 'an' : 'a';
}

/** Column text as a dictionary: distinct texts plus, per row, which one (or -1 when already missing). */
export interface StringColumnSource {
  readonly name: string;
  /** Distinct cell texts, any order. */
  readonly values: readonly string[];
  /** Per row, an index into `values`, or -1 for a cell already known to be missing. Only the first
   * `nRows` entries are read, so a growable buffer can be passed as is. */
  readonly index: Int32Array;
  readonly nRows: number;
  /** Texts that mean "missing", in addition to the empty text. */
  readonly missing?: ReadonlySet<string>;
  /** Forced kind; when absent the kind is inferred. */
  readonly kind?: ColumnKind;
  /** Every value was quoted in the source: read numbers as labels (rule 1 above). */
  readonly textHint?: boolean;
}

export interface InferredKind {
  readonly kind: ColumnKind;
  readonly resolution?: 'date' | 'datetime';
}

/** The kind for a set of distinct, non-missing texts (rules in the module comment). */
export function inferKind(texts: readonly string[], textHint = false): InferredKind {
  if (texts.length === 0) return { kind: 'numeric' };
  if (!textHint) {
    let allInt = true;
    let allNum = true;
    for (const t of texts) {
      const v = parseNumber(t);
      if (v === undefined) {
        allNum = false;
        break;
      }
      if (allInt && !isExactInteger(v)) allInt = false;
    }
    if (allNum) return { kind: allInt ? 'integer' : 'numeric' };
  }
  if (booleanPairFor(texts, INFERRED_BOOLEAN_PAIRS)) return { kind: 'boolean' };
  let dateOnly = true;
  let allDates = true;
  for (const t of texts) {
    const d = parseDatetime(t);
    if (!d) {
      allDates = false;
      break;
    }
    if (!d.dateOnly) dateOnly = false;
  }
  if (allDates) return { kind: 'datetime', resolution: dateOnly ? 'date' : 'datetime' };
  return { kind: 'categorical' };
}

/**
 * Build a typed column from text. Throws `CellError` (a DataError) naming the first row whose text
 * the forced kind cannot read; callers that know the file and line rethrow with those added.
 */
export function columnFromStrings(src: StringColumnSource): Column {
  const { name, values, index, nRows } = src;
  const nDistinct = values.length;
  // -1: missing; 0: unused by any row; 1: used. Unused texts (e.g. an Arrow dictionary's spare labels)
  // must not sway inference nor fail a forced kind with no row to point at.
  const state = new Int8Array(nDistinct);
  for (let d = 0; d < nDistinct; d++) {
    const t = values[d]!;
    if (t === '' || src.missing?.has(t)) state[d] = -1;
  }
  const firstRow = new Int32Array(nDistinct).fill(-1);
  for (let r = 0; r < nRows; r++) {
    const d = index[r]!;
    if (d >= 0 && state[d] === 0) {
      state[d] = 1;
      firstRow[d] = r;
    }
  }
  const present: number[] = [];
  for (let d = 0; d < nDistinct; d++) if (state[d] === 1) present.push(d);
  const texts = present.map((d) => values[d]!);

  const inferred: InferredKind = src.kind
    ? { kind: src.kind }
    : inferKind(texts, src.textHint ?? false);
  const kind = inferred.kind;
  const fail = (d: number, detail?: string): never => {
    throw new CellError(name, firstRow[d]!, values[d]!, kind, detail);
  };

  if (kind === 'numeric' || kind === 'integer' || kind === 'datetime') {
    const dv = new Float64Array(nDistinct).fill(NaN);
    let dateOnly = true;
    for (const d of present) {
      const t = values[d]!;
      if (kind === 'datetime') {
        const p = parseDatetime(t);
        if (!p) fail(d, 'expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]][Z]');
        else {
          dv[d] = p.ms;
          if (!p.dateOnly) dateOnly = false;
        }
      } else {
        const v = parseNumber(t, false);
        if (v === undefined) fail(d);
        else if (kind === 'integer' && !isExactInteger(v)) fail(d, 'not a whole number within ±2^53');
        else dv[d] = v;
      }
    }
    const out = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      const d = index[r]!;
      out[r] = d < 0 ? NaN : dv[d]!;
    }
    if (kind === 'datetime') {
      return { name, kind, values: out, resolution: inferred.resolution ?? (dateOnly ? 'date' : 'datetime') };
    }
    return { name, kind, values: out };
  }

  let categories: string[];
  if (kind === 'boolean') {
    const pair = booleanPairFor(texts, src.kind ? FORCED_BOOLEAN_PAIRS : INFERRED_BOOLEAN_PAIRS);
    if (!pair) {
      // Point at the first text that breaks every pair so the message names a concrete cell.
      let candidates = FORCED_BOOLEAN_PAIRS;
      for (const d of present) {
        candidates = candidates.filter((p) => p[0] === values[d] || p[1] === values[d]);
        if (candidates.length === 0) fail(d, 'labels must be one pair such as FALSE/TRUE, no/yes, 0/1, f/t, off/on');
      }
    }
    categories = [...pair!];
  } else {
    categories = sortCategories(texts);
  }
  const codeOf = new Map(categories.map((c, i) => [c, i]));
  const dcode = new Int32Array(nDistinct).fill(-1);
  for (const d of present) dcode[d] = codeOf.get(values[d]!)!;
  const codes = new Int32Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const d = index[r]!;
    codes[r] = d < 0 ? -1 : dcode[d]!;
  }
  return { name, kind, codes, categories };
}

/** What a per-column override may change. */
export interface ColumnOverride {
  readonly kind?: ColumnKind;
  /** Texts that mean missing for this column, in addition to the empty text. */
  readonly missing?: readonly string[];
}

/** The override for a column, ignoring inherited keys: a column may be called "constructor". */
export function overrideFor(
  overrides: Readonly<Record<string, ColumnOverride>> | undefined,
  name: string,
): ColumnOverride | undefined {
  return overrides && Object.hasOwn(overrides, name) ? overrides[name] : undefined;
}

/**
 * Re-read a typed column as another kind and/or with extra missing tokens, by going through the same
 * text the CSV writer would print: so `retypeColumn` on a table read from Arrow gives what reading the
 * CSV with the same override would. Throws `CellError` for an unreadable cell.
 */
export function retypeColumn(col: Column, change: ColumnOverride): Column {
  const missing = new Set(change.missing ?? []);
  const kind = change.kind ?? col.kind;
  if (kind === col.kind && missing.size === 0) return col;
  if (isCategorical(col) && kind === col.kind) {
    // Same kind: keep the labels (boolean labels need not be a known pair) and just drop the tokens.
    return dropMissingLabels(col, missing);
  }
  let values: string[];
  let index: Int32Array;
  if (isCategorical(col)) {
    values = [...col.categories];
    index = col.codes;
  } else {
    const fmt =
      col.kind === 'datetime'
        ? (v: number) => formatDatetime(v, col.resolution)
        : (v: number) => formatNumber(col.kind === 'integer' ? Math.round(v) : v);
    const seen = new Map<string, number>();
    values = [];
    index = new Int32Array(col.values.length);
    for (let r = 0; r < col.values.length; r++) {
      const v = col.values[r]!;
      if (Number.isNaN(v)) {
        index[r] = -1;
        continue;
      }
      const t = fmt(v);
      let d = seen.get(t);
      if (d === undefined) {
        d = values.length;
        values.push(t);
        seen.set(t, d);
      }
      index[r] = d;
    }
  }
  return columnFromStrings({ name: col.name, values, index, nRows: index.length, missing, kind });
}

function dropMissingLabels(col: CategoricalColumn, missing: ReadonlySet<string>): CategoricalColumn {
  const keep = col.categories.filter((c) => !missing.has(c));
  if (keep.length === col.categories.length) return col;
  const remap = col.categories.map((c) => keep.indexOf(c));
  const codes = col.codes.map((k) => (k < 0 ? -1 : remap[k]!));
  return { ...col, codes, categories: keep };
}

// ---------------------------------------------------------------------------------------------
// Profiling

/**
 * An integer column with at most this many distinct values, each seen on average at least
 * `POSSIBLY_CATEGORICAL_MIN_ROWS_PER_VALUE` times, is flagged `possiblyCategorical`: codes such as
 * survival pbc `stage` (1–4) or MASS birthwt `race` (1–3). It is a hint for the user and the spec
 * (inference never changes the kind on its own); a table too small to tell is not flagged.
 */
export const POSSIBLY_CATEGORICAL_MAX_DISTINCT = 10;
export const POSSIBLY_CATEGORICAL_MIN_ROWS_PER_VALUE = 2;

export interface ColumnSchema {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Missing cells. */
  readonly missing: number;
  /** Distinct non-missing values (for categorical/boolean: categories actually used). */
  readonly distinct: number;
  /** Categorical/boolean: the column's categories in code order (sorted, or [false, true]). */
  readonly categories?: readonly string[];
  /** Categorical/boolean: rows per category, aligned with `categories`. */
  readonly counts?: readonly number[];
  /** Numeric/integer/datetime (epoch ms for datetime); absent when the column is all missing. */
  readonly min?: number;
  readonly max?: number;
  /** Numeric/integer only. */
  readonly mean?: number;
  /** Numeric/integer only: sample standard deviation (n − 1). */
  readonly std?: number;
  /** Integer only: few distinct values, probably codes of a category (see the rule above). */
  readonly possiblyCategorical?: boolean;
  /** Datetime only. */
  readonly resolution?: 'date' | 'datetime';
}

export interface TableSchema {
  readonly nRows: number;
  readonly columns: readonly ColumnSchema[];
}

/** Describe a typed table; works on any Table, e.g. after kind overrides or on generated data. */
export function profileTable(table: Table): TableSchema {
  return { nRows: table.nRows, columns: table.columns.map(profileColumn) };
}

export function profileColumn(c: Column): ColumnSchema {
  if (isCategorical(c)) {
    const counts = new Array<number>(c.categories.length).fill(0);
    let missing = 0;
    for (const k of c.codes) {
      if (k < 0) missing++;
      else counts[k]!++;
    }
    return {
      name: c.name,
      kind: c.kind,
      missing,
      distinct: counts.filter((n) => n > 0).length,
      categories: [...c.categories],
      counts,
    };
  }
  const present: number[] = [];
  for (const v of c.values) if (!Number.isNaN(v)) present.push(v);
  const sorted = Float64Array.from(present).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const base = { name: c.name, kind: c.kind, missing: c.values.length - present.length, distinct };
  if (sorted.length === 0) return c.kind === 'datetime' ? { ...base, resolution: c.resolution } : base;
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  if (c.kind === 'datetime') return { ...base, min, max, resolution: c.resolution };
  let sum = 0;
  for (const v of present) sum += v;
  const mean = sum / present.length;
  let ss = 0;
  for (const v of present) ss += (v - mean) * (v - mean);
  const std = present.length > 1 ? Math.sqrt(ss / (present.length - 1)) : 0;
  const out: ColumnSchema = { ...base, min, max, mean, std };
  if (
    c.kind === 'integer' &&
    distinct >= 2 &&
    distinct <= POSSIBLY_CATEGORICAL_MAX_DISTINCT &&
    present.length >= POSSIBLY_CATEGORICAL_MIN_ROWS_PER_VALUE * distinct
  ) {
    return { ...out, possiblyCategorical: true };
  }
  return out;
}

/** Fixed-width, human-readable schema for `synthdiff inspect`. */
export function formatSchema(schema: TableSchema): string {
  const head = ['#', 'column', 'kind', 'missing', 'distinct', 'summary'];
  const rows = schema.columns.map((c, i) => [
    String(i + 1),
    clip(c.name, 32),
    c.kind + (c.possiblyCategorical ? '*' : ''),
    String(c.missing),
    String(c.distinct),
    summarize(c),
  ]);
  const right = [true, false, false, true, true, false];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, j) => (j === cells.length - 1 ? cell : right[j] ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `${schema.nRows} rows × ${schema.columns.length} columns`,
    line(head),
    ...rows.map(line),
  ];
  if (schema.columns.some((c) => c.possiblyCategorical)) {
    out.push(`* integer with few distinct values: possibly categorical codes (override the kind in the spec)`);
  }
  return out.join('\n') + '\n';
}

function summarize(c: ColumnSchema): string {
  if (c.categories) {
    const shown = c.categories.slice(0, 4).map((label, k) => `${JSON.stringify(label)} ${c.counts?.[k] ?? 0}`);
    const more = c.categories.length - shown.length;
    return shown.join(', ') + (more > 0 ? `, … (+${more} more)` : '');
  }
  if (c.min === undefined || c.max === undefined) return 'all missing';
  if (c.kind === 'datetime') {
    const res = c.resolution ?? 'datetime';
    return `${formatDatetime(c.min, res)} … ${formatDatetime(c.max, res)}`;
  }
  return `${short(c.min)} … ${short(c.max)}, mean ${short(c.mean ?? NaN)}, sd ${short(c.std ?? NaN)}`;
}

function short(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
