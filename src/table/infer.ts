/**
 * Schema inference: turn columns of cell text into typed columns, and describe a typed table.
 *
 * Kind rules, applied to the distinct non-missing texts of a column, first match wins:
 * 0. the text "NA" (R's missing value) is set aside: where the other texts make the column numeric,
 *    integer, boolean or datetime it is read as missing (with a note); otherwise it is a label.
 * 1. every text is a plain decimal/scientific number (or Inf/Infinity) → `integer` when every value is
 *    integral with |v| ≤ 2^53 − 1, else `numeric` (integers beyond that get a note: the model sees them
 *    rounded, the observed text is kept). Leading-zero codes such as "007" are not numbers.
 *    Skipped when the source quoted every value of the column (`textHint`): R's write.csv and Python's
 *    QUOTE_NONNUMERIC quote text and never numbers, so quoted "1".."10" are labels (mlbench
 *    BreastCancer), and our own writer's quoted numeric-looking labels read back as categorical.
 * 2. every text is one spelling pair TRUE/FALSE, true/false or True/False → `boolean`
 *    (yes/no stays categorical: in real data it is usually a category such as credit_data `Records`);
 * 3. every text is an ISO date `YYYY-MM-DD` or datetime `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM]`
 *    → `datetime`, resolution 'date' when none has a time part;
 * 4. otherwise `categorical`, categories sorted (see `sortCategories`). A note says so when only a few
 *    texts kept the column from being numeric (`STRAY_MIN_NUMBERS`) or when they are numbers written
 *    with a decimal comma.
 * A column with no values at all is `numeric` (all NaN), as pandas does.
 *
 * The kind never depends on where in the file a text first appears: every text counts
 * (`KindInference` gives the same kind over a streamed file as over the whole table). Observed cells
 * keep their text (`Column.text`) wherever the typed value would print differently.
 *
 * Only the empty text is missing unless the caller adds tokens: "NA" and "None" are real labels in
 * real files (forcats gss_cat has a "None" religion).
 */
import { DataError } from '../errors.js';
import {
  type CategoricalColumn,
  type Column,
  type ColumnKind,
  type ObservedText,
  type Table,
  isCategorical,
  observedText,
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
  /** Texts that mean "missing", in addition to the empty text (see `emptyIsValue`). */
  readonly missing?: ReadonlySet<string>;
  /** Forced kind; when absent the kind is inferred. */
  readonly kind?: ColumnKind;
  /** Every value was quoted in the source: read numbers as labels (rule 1 above). */
  readonly textHint?: boolean;
  /**
   * The empty text is an observed empty string (CSV `""`, a non-null Arrow ""), not a missing cell:
   * the caller has already sent missing cells to -1. It stays a label in categorical columns and is
   * read as missing (with a note) in numeric, datetime and boolean ones, which cannot hold it.
   */
  readonly emptyIsValue?: boolean;
  /** A forced numeric/integer/datetime kind reads cells it cannot parse as missing, with a note,
   * instead of failing (what the user asks for by forcing the kind on a column with stray tokens). */
  readonly coerce?: boolean;
  /** Datetime columns: the resolution the writers will use (default: 'date' when no text has a time),
   * so the observed text is kept for exactly the cells that would print differently. */
  readonly resolution?: 'date' | 'datetime';
  /** Collects what the reader should tell the user (see `ColumnNote`). */
  readonly notes?: ColumnNote[];
}

/**
 * Something the user should hear about a column: a token read as missing, a kind chosen only because of a
 * few cells, values that cannot be held exactly. `row` is the 0-based data row of the first cell
 * concerned, `value` its text, `count` how many cells; `noteText` words it.
 */
export interface ColumnNote {
  readonly code: 'na-missing' | 'empty-missing' | 'coerced' | 'stray-tokens' | 'decimal-comma' | 'wide-integers';
  readonly column: string;
  readonly kind: ColumnKind;
  readonly row: number;
  readonly value: string;
  readonly count: number;
  /** stray-tokens: the texts that are not numbers, and the levels the column has because of them. */
  readonly tokens?: readonly string[];
  readonly levels?: number;
}

/** A note as the sentence that follows `<file>: column "<name>", data row <n>: `. */
export function noteText(n: ColumnNote): string {
  const cells = cellCount(n.count);
  const col = n.column;
  switch (n.code) {
    case 'na-missing':
      return `${cells} "NA" read as missing (R's NA) in this ${n.kind} column; list "NA" under missing to say so explicitly`;
    case 'empty-missing':
      return `${cells} quoted empty ("") read as missing in this ${n.kind} column, which cannot hold an empty string`;
    case 'coerced':
      return `${cells} not ${article(n.kind)} ${n.kind} (first ${JSON.stringify(n.value)}) read as missing, as the forced kind ${n.kind} asks`;
    case 'stray-tokens': {
      const tokens = n.tokens ?? [n.value];
      const one = tokens.length === 1;
      return (
        `categorical with ${(n.levels ?? 0).toLocaleString('en-US')} levels only because ${tokens.map((t) => JSON.stringify(t)).join(', ')} ` +
        `${one ? 'is not a number' : 'are not numbers'} (${cells}); if ${one ? 'it means' : 'they mean'} missing, list ${one ? 'it' : 'them'} under ` +
        `columns.${col}.missing (or source.missing), or set columns.${col}.kind: numeric to read cells that are not numbers as missing`
      );
    }
    case 'decimal-comma':
      return (
        `categorical because numbers such as ${JSON.stringify(n.value)} use a decimal comma, which is not read as a number; ` +
        `re-export the file with decimal points (R: write.csv rather than write.csv2; pandas: decimal=".")`
      );
    case 'wide-integers':
      return (
        `integers beyond ±2^53 such as ${JSON.stringify(n.value)} cannot be held exactly, so the column is numeric: the model sees them rounded and ` +
        `observed cells are written back as read; for identifiers set columns.${col}.kind: categorical or drop: true`
      );
  }
}

export interface InferredKind {
  readonly kind: ColumnKind;
  readonly resolution?: 'date' | 'datetime';
}

/** R's missing value: read as missing where every other text is a number, boolean or date. */
export const R_NA = 'NA';
/** A categorical column with at least this many distinct numbers and at most STRAY_MAX_TOKENS other
 * texts is flagged: one stray token should not silently turn a numeric column into thousands of labels. */
export const STRAY_MIN_NUMBERS = 10;
export const STRAY_MAX_TOKENS = 3;
const DECIMAL_COMMA_RE = /^[+-]?\d*,\d+$/;
const INTEGER_TEXT_RE = /^[+-]?\d+$/;
const LEVELS_CAP = 1_000_000;

/** What inference saw besides the kind, for the notes. */
export interface InferenceDetails {
  /** "NA" was present and read as missing. */
  readonly naMissing: boolean;
  /** Some integer text lies beyond ±2^53 (numeric kind: the value is rounded, the text kept). */
  readonly wide: boolean;
  /** Categorical only because of these few non-number texts (see STRAY_MIN_NUMBERS). */
  readonly strays?: readonly string[];
  /** Categorical, and every non-number text is a number written with a decimal comma. */
  readonly decimalComma: boolean;
  /** First decimal-comma text, first wide integer text (for the notes). */
  readonly commaExample?: string;
  readonly wideExample?: string;
}

/**
 * The kind rules of the module comment as an accumulator over distinct texts, so that a whole file can
 * be judged in one streaming pass (each text may be added more than once) and give what `inferKind`
 * gives for the file's distinct texts.
 */
export class KindInference {
  private distinct = false;
  // Distinct texts read as numbers (capped: only "at least STRAY_MIN_NUMBERS" and a level count matter).
  private readonly numberTexts = new Set<string>();
  // The first distinct texts that are not numbers (one more than a stray note can name).
  private readonly tokens = new Set<string>();
  private commaOnly = true;
  private commaExample: string | undefined;
  private wideExample: string | undefined;
  private allInt = true;
  private sawNA = false;
  private bools: readonly (readonly [string, string])[] = INFERRED_BOOLEAN_PAIRS;
  private allDates = true;
  private dateOnly = true;

  constructor(private readonly textHint = false) {}

  add(t: string): void {
    if (t === R_NA) {
      this.sawNA = true;
      return;
    }
    this.distinct = true;
    const v = this.textHint ? undefined : parseNumber(t);
    if (v !== undefined) {
      if (this.numberTexts.size < LEVELS_CAP) this.numberTexts.add(t);
      if (!isExactInteger(v)) {
        this.allInt = false;
        if (INTEGER_TEXT_RE.test(t)) this.wideExample ??= t;
      }
    } else {
      if (this.tokens.size <= STRAY_MAX_TOKENS) this.tokens.add(t);
      if (DECIMAL_COMMA_RE.test(t)) this.commaExample ??= t;
      // A quoted column (textHint) of numbers with decimal commas also holds whole numbers ("12").
      else if (!(this.textHint && parseNumber(t) !== undefined)) this.commaOnly = false;
    }
    if (this.bools.length > 0) this.bools = this.bools.filter((p) => p[0] === t || p[1] === t);
    if (this.allDates) {
      const d = parseDatetime(t);
      if (!d) this.allDates = false;
      else if (!d.dateOnly) this.dateOnly = false;
    }
  }

  /** Distinct texts seen (numbers counted up to a cap), e.g. for "categorical with N levels". */
  get levels(): number {
    return this.numberTexts.size + this.tokens.size;
  }

  result(): InferredKind {
    if (!this.distinct) return this.sawNA ? { kind: 'categorical' } : { kind: 'numeric' };
    if (!this.textHint && this.tokens.size === 0) return { kind: this.allInt ? 'integer' : 'numeric' };
    if (this.bools.length > 0) return { kind: 'boolean' };
    if (this.allDates) return { kind: 'datetime', resolution: this.dateOnly ? 'date' : 'datetime' };
    return { kind: 'categorical' };
  }

  details(): InferenceDetails {
    const kind = this.result().kind;
    const categorical = kind === 'categorical';
    // Quoted or not: a spreadsheet in a decimal-comma locale quotes "1,5" when the delimiter is a comma.
    const decimalComma = categorical && this.commaExample !== undefined && this.commaOnly;
    const strays =
      categorical && !decimalComma && !this.textHint && this.numberTexts.size >= STRAY_MIN_NUMBERS && this.tokens.size <= STRAY_MAX_TOKENS
        ? [...this.tokens]
        : undefined;
    return {
      naMissing: this.sawNA && !categorical,
      wide: this.wideExample !== undefined && kind === 'numeric',
      ...(strays ? { strays } : {}),
      decimalComma,
      ...(this.commaExample !== undefined ? { commaExample: this.commaExample } : {}),
      ...(this.wideExample !== undefined ? { wideExample: this.wideExample } : {}),
    };
  }
}

/** The kind for a set of distinct, non-missing texts (rules in the module comment). */
export function inferKind(texts: readonly string[], textHint = false): InferredKind {
  const k = new KindInference(textHint);
  for (const t of texts) k.add(t);
  return k.result();
}

/** The notes inference details call for; `first(t)` / `count(t)` give a text's first row and cells. */
export function inferenceNotes(
  column: string,
  kind: ColumnKind,
  details: InferenceDetails,
  levels: number,
  first: (t: string) => number,
  count: (t: string) => number,
): ColumnNote[] {
  const notes: ColumnNote[] = [];
  if (details.strays) {
    const tokens = details.strays;
    const row = Math.min(...tokens.map(first));
    const value = tokens.find((t) => first(t) === row) ?? tokens[0]!;
    notes.push({ code: 'stray-tokens', column, kind, row, value, count: tokens.reduce((s, t) => s + count(t), 0), tokens, levels });
  }
  if (details.decimalComma && details.commaExample !== undefined) {
    const v = details.commaExample;
    notes.push({ code: 'decimal-comma', column, kind, row: first(v), value: v, count: count(v) });
  }
  if (details.wide && details.wideExample !== undefined) {
    const v = details.wideExample;
    notes.push({ code: 'wide-integers', column, kind, row: first(v), value: v, count: count(v) });
  }
  return notes;
}

function cellCount(n: number): string {
  return `${n.toLocaleString('en-US')} cell${n === 1 ? '' : 's'}`;
}

/**
 * Build a typed column from text. Throws `CellError` (a DataError) naming the first row whose text
 * the forced kind cannot read (unless `coerce`); callers that know the file and line rethrow with those
 * added. Observed texts that would print differently from their value are kept in `text`.
 */
export function columnFromStrings(src: StringColumnSource): Column {
  const { name, values, index, nRows } = src;
  const nDistinct = values.length;
  const notes = src.notes;
  // -1: missing; 0: unused by any row; 1: used. Unused texts (e.g. an Arrow dictionary's spare labels)
  // must not sway inference nor fail a forced kind with no row to point at.
  const state = new Int8Array(nDistinct);
  for (let d = 0; d < nDistinct; d++) {
    const t = values[d]!;
    if ((t === '' && !src.emptyIsValue) || src.missing?.has(t)) state[d] = -1;
  }
  const firstRow = new Int32Array(nDistinct).fill(-1);
  const count = new Int32Array(nDistinct);
  for (let r = 0; r < nRows; r++) {
    const d = index[r]!;
    if (d < 0) continue;
    count[d]!++;
    if (state[d] === 0) {
      state[d] = 1;
      firstRow[d] = r;
    }
  }
  const present: number[] = [];
  for (let d = 0; d < nDistinct; d++) if (state[d] === 1) present.push(d);
  const byText = new Map(present.map((d) => [values[d]!, d]));
  const firstOf = (t: string) => firstRow[byText.get(t) ?? 0] ?? -1;
  const countOf = (t: string) => (byText.has(t) ? count[byText.get(t)!]! : 0);

  let kind: ColumnKind;
  let resolution = src.resolution;
  if (src.kind) kind = src.kind;
  else {
    const k = new KindInference(src.textHint ?? false);
    for (const d of present) if (values[d] !== '') k.add(values[d]!);
    const inferred = k.result();
    kind = inferred.kind;
    resolution ??= inferred.resolution;
    notes?.push(...inferenceNotes(name, kind, k.details(), present.length, firstOf, countOf));
  }
  // R's NA and an observed empty string cannot be a number, date or boolean: such columns read them as
  // missing, and say so.
  const emptyD = src.emptyIsValue && kind !== 'categorical' ? byText.get('') : undefined;
  const naD = kind !== 'categorical' ? byText.get(R_NA) : undefined;
  const skip = (d: number) => d === emptyD || d === naD;
  if (naD !== undefined) notes?.push({ code: 'na-missing', column: name, kind, row: firstRow[naD]!, value: R_NA, count: count[naD]! });
  if (emptyD !== undefined) notes?.push({ code: 'empty-missing', column: name, kind, row: firstRow[emptyD]!, value: '', count: count[emptyD]! });
  const fail = (d: number, detail?: string): never => {
    throw new CellError(name, firstRow[d]!, values[d]!, kind, detail);
  };

  if (kind === 'numeric' || kind === 'integer' || kind === 'datetime') {
    const dv = new Float64Array(nDistinct).fill(NaN);
    let dateOnly = true;
    const bad: number[] = [];
    for (const d of present) {
      if (skip(d)) continue;
      const t = values[d]!;
      if (kind === 'datetime') {
        const p = parseDatetime(t);
        if (!p) (src.coerce ? bad.push(d) : fail(d, 'expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]][Z]'));
        else {
          dv[d] = p.ms;
          if (!p.dateOnly) dateOnly = false;
        }
      } else {
        const v = parseNumber(t, false);
        if (v === undefined) (src.coerce ? bad.push(d) : fail(d));
        else if (kind === 'integer' && !isExactInteger(v)) (src.coerce ? bad.push(d) : fail(d, 'not a whole number within ±2^53'));
        else dv[d] = v;
      }
    }
    if (bad.length > 0 && notes) {
      const first = bad.reduce((a, d) => (firstRow[d]! < firstRow[a]! ? d : a));
      const n = bad.reduce((s, d) => s + count[d]!, 0);
      notes.push({ code: 'coerced', column: name, kind, row: firstRow[first]!, value: values[first]!, count: n });
    }
    if (kind === 'datetime') resolution ??= dateOnly ? 'date' : 'datetime';
    const out = new Float64Array(nRows);
    for (let r = 0; r < nRows; r++) {
      const d = index[r]!;
      out[r] = d < 0 ? NaN : dv[d]!;
    }
    const text = observedTexts(values, present, dv, index, nRows, kind === 'datetime' ? (v) => formatDatetime(v, resolution!) : kind === 'integer' ? (v) => formatNumber(Math.round(v) + 0) : formatNumber);
    if (kind === 'datetime') return { name, kind, values: out, resolution: resolution!, ...(text ? { text } : {}) };
    return { name, kind, values: out, ...(text ? { text } : {}) };
  }

  let categories: string[];
  const labels = present.filter((d) => !skip(d)).map((d) => values[d]!);
  if (kind === 'boolean') {
    const pair = booleanPairFor(labels, src.kind ? FORCED_BOOLEAN_PAIRS : INFERRED_BOOLEAN_PAIRS);
    if (!pair) {
      // Point at the first text that breaks every pair so the message names a concrete cell.
      let candidates = FORCED_BOOLEAN_PAIRS;
      for (const d of present) {
        if (skip(d)) continue;
        candidates = candidates.filter((p) => p[0] === values[d] || p[1] === values[d]);
        if (candidates.length === 0) fail(d, 'labels must be one pair such as FALSE/TRUE, no/yes, 0/1, f/t, off/on');
      }
    }
    categories = [...pair!];
  } else {
    categories = sortCategories(labels);
  }
  const codeOf = new Map(categories.map((c, i) => [c, i]));
  const dcode = new Int32Array(nDistinct).fill(-1);
  for (const d of present) if (!skip(d)) dcode[d] = codeOf.get(values[d]!)!;
  const codes = new Int32Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const d = index[r]!;
    codes[r] = d < 0 ? -1 : dcode[d]!;
  }
  return { name, kind, codes, categories };
}

/** The observed texts that `format` would not print back, per row; undefined when every one would. */
function observedTexts(
  values: readonly string[],
  present: readonly number[],
  dv: Float64Array,
  index: Int32Array,
  nRows: number,
  format: (v: number) => string,
): ObservedText | undefined {
  const slot = new Int32Array(values.length).fill(-1);
  const texts: string[] = [];
  const tv: number[] = [];
  for (const d of present) {
    const v = dv[d]!;
    if (Number.isNaN(v) || format(v) === values[d]) continue;
    slot[d] = texts.length;
    texts.push(values[d]!);
    tv.push(v);
  }
  if (texts.length === 0) return undefined;
  const rows = new Int32Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const d = index[r]!;
    rows[r] = d < 0 ? -1 : slot[d]!;
  }
  return { texts, values: Float64Array.from(tv), index: rows };
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
export function retypeColumn(
  col: Column,
  change: ColumnOverride,
  opts: { readonly coerce?: boolean; readonly notes?: ColumnNote[] } = {},
): Column {
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
      const t = observedText(col, r) ?? fmt(v);
      let d = seen.get(t);
      if (d === undefined) {
        d = values.length;
        values.push(t);
        seen.set(t, d);
      }
      index[r] = d;
    }
  }
  return columnFromStrings({ name: col.name, values, index, nRows: index.length, missing, kind, ...opts });
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
