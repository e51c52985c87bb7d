/**
 * Tables from data already in memory, and back: what a library user has instead of a CSV file.
 *
 * Every cell goes through the same text a CSV reader would see, then `columnFromStrings`, so a column
 * gets the kind reading the file `tableToCsvString` writes of it would give: numbers → `integer` or
 * `numeric`, `true`/`false` → `boolean`, `Date`s and ISO date strings → `datetime`, other strings →
 * `categorical`. `null`, `undefined` and `NaN` are missing. A column whose values are all JS strings
 * is text, as a quoted CSV column is: `"1"`, `"2"` are labels, not numbers (pass numbers, or force
 * `kind: 'integer'`). A forced kind that cannot read a cell is an error naming the column and row.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { columnFromStrings, overrideFor, type ColumnOverride } from './infer.js';
import { cellValue, isCategorical, type Column, type Table } from './table.js';
import { formatDatetime, formatNumber, isWholeDay } from './values.js';

/** A cell as a JS value: what `tableFromRecords` accepts and `tableToRecords` returns. */
export type CellInput = number | bigint | string | boolean | Date | null | undefined;
export type CellOutput = number | string | boolean | Date | null;

export interface InMemoryTableOptions {
  /** Per-column kind and extra missing tokens, as the spec's `columns:` (`{ Status: { kind: 'categorical' } }`). */
  readonly columns?: Readonly<Record<string, ColumnOverride>>;
  /** Strings that mean missing in every column (e.g. `['NA']`), besides null, undefined and NaN. */
  readonly missing?: readonly string[];
}

/**
 * A table from row objects (`[{ age: 34, sex: 'F' }, …]`, what `JSON.parse`, d3-dsv with types or a
 * database driver gives). Columns are the keys in order of first appearance; a key a record lacks is a
 * missing cell there.
 */
export function tableFromRecords(records: readonly Readonly<Record<string, CellInput>>[], opts: InMemoryTableOptions = {}): Table {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) (seen.add(k), names.push(k));
    }
  }
  const columns: Record<string, CellInput[]> = {};
  for (const name of names) columns[name] = records.map((r) => (Object.hasOwn(r, name) ? r[name] : undefined));
  return build(names, columns, records.length, false, opts);
}

/**
 * A table from named columns of equal length (`{ age: [34, 51], sex: ['F', 'M'] }`; typed arrays
 * too), in the order of the object's keys.
 */
export function tableFromColumns(columns: Readonly<Record<string, ArrayLike<CellInput>>>, opts: InMemoryTableOptions = {}): Table {
  const names = Object.keys(columns);
  if (names.length === 0) throw new DataError(messages.inMemoryNoColumns('tableFromColumns'));
  const nRows = columns[names[0]!]!.length;
  const arrays: Record<string, ArrayLike<CellInput>> = {};
  for (const name of names) {
    const a = columns[name]!;
    if (a.length !== nRows) throw new DataError(messages.columnLengths(name, a.length, names[0]!, nRows));
    arrays[name] = a;
  }
  return build(names, arrays, nRows, true, opts);
}

/**
 * Rows as objects: numbers, labels, `true`/`false` for boolean columns, `Date`s for datetime columns,
 * `null` for missing cells.
 */
export function tableToRecords(table: Table): Record<string, CellOutput>[] {
  const out: Record<string, CellOutput>[] = [];
  for (let r = 0; r < table.nRows; r++) {
    const rec: Record<string, CellOutput> = {};
    for (const c of table.columns) rec[c.name] = cellOutput(c, r);
    out.push(rec);
  }
  return out;
}

function cellOutput(c: Column, row: number): CellOutput {
  if (isCategorical(c)) {
    const k = c.codes[row]!;
    return k < 0 ? null : c.kind === 'boolean' ? k === 1 : c.categories[k]!;
  }
  const v = cellValue(c, row) as number | null;
  return v === null ? null : c.kind === 'datetime' ? new Date(v) : v;
}

function build(names: readonly string[], columns: Readonly<Record<string, ArrayLike<CellInput>>>, nRows: number, byColumn: boolean, opts: InMemoryTableOptions): Table {
  if (names.length === 0) throw new DataError(messages.inMemoryNoColumns('tableFromRecords'));
  if (nRows === 0) throw new DataError(messages.inMemoryNoRows());
  const global = opts.missing ?? [];
  const out = names.map((name) => {
    const cells = columns[name]!;
    const texts = cellTexts(cells, nRows, (row) => (byColumn ? `columns.${name}[${row}]` : `records[${row}].${name}`));
    const override = overrideFor(opts.columns, name);
    return columnFromStrings({
      name,
      ...texts,
      nRows,
      missing: new Set([...global, ...(override?.missing ?? [])]),
      ...(override?.kind ? { kind: override.kind } : {}),
    });
  });
  return { nRows, columns: out };
}

/** Distinct cell texts, the row index into them, and whether every value is a JS string (text). */
function cellTexts(
  cells: ArrayLike<CellInput>,
  nRows: number,
  place: (row: number) => string,
): { values: string[]; index: Int32Array; textHint: boolean; resolution?: 'date' | 'datetime' } {
  const values: string[] = [];
  const slot = new Map<string, number>();
  const index = new Int32Array(nRows);
  let strings = 0, others = 0, dates = 0, wholeDays = 0;
  for (let r = 0; r < nRows; r++) {
    const v = cells[r];
    if (v instanceof Date && !Number.isNaN(v.getTime())) (dates++, isWholeDay(v.getTime()) && wholeDays++);
  }
  // A column of Dates all at midnight UTC is a date column (R's Date, pandas' normalized timestamps).
  const dateRes = dates > 0 && wholeDays === dates ? 'date' : 'datetime';
  for (let r = 0; r < nRows; r++) {
    const v = cells[r];
    let t: string | undefined;
    if (v === null || v === undefined) t = undefined;
    else if (typeof v === 'string') (t = v, strings++);
    else if (typeof v === 'number') (t = Number.isNaN(v) ? undefined : formatNumber(v), others++);
    else if (typeof v === 'bigint') (t = String(v), others++);
    else if (typeof v === 'boolean') (t = v ? 'TRUE' : 'FALSE', others++);
    else if (v instanceof Date) (t = Number.isNaN(v.getTime()) ? undefined : formatDatetime(v.getTime(), dateRes), others++);
    else throw new DataError(messages.cellValueType(place(r), Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`));
    if (t === undefined) {
      index[r] = -1;
      continue;
    }
    let d = slot.get(t);
    if (d === undefined) (d = values.length, slot.set(t, d), values.push(t));
    index[r] = d;
  }
  return { values, index, textHint: strings > 0 && others === 0, ...(dates > 0 ? { resolution: dateRes } : {}) };
}
