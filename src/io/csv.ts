/**
 * CSV ⇄ Table.
 *
 * Reading streams the file through csv-parse and dictionary-encodes each column on the fly (distinct
 * texts + an Int32 index per row), so memory stays near 4 bytes per cell plus the distinct texts, and
 * inference looks at each distinct text once. Kinds are then inferred per column (`table/infer.ts`).
 *
 * Writing mirrors R's `write.csv(na = "")`: header and every non-number field quoted, numbers bare
 * in shortest round-trip form, missing as an empty field, LF line ends. Because quoted numbers read
 * back as labels (see `quotedAsText`), a table written here reads back with the same kinds and values,
 * and the R-exported tables in ../shared round-trip byte for byte.
 */
import { open, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { prepareTemp, renameOver, writeError } from './atomic.js';
import { type Column, type Table, isCategorical, observedText } from '../table/table.js';
import { CellError, type ColumnNote, type ColumnOverride, type TableSchema, overrideFor, profileTable } from '../table/infer.js';
import { formatDatetime } from '../table/values.js';
import { type CsvDelimiter, type CsvSourceOptions, TextColumns, cellErrorMessage, checkHeader, csvRecords, noteMessage, openCsv } from './csv-core.js';

export { fileError, QUOTE_SAMPLE_RECORDS, type CsvDelimiter } from './csv-core.js';

/** Where reading notes (warnings) go: the run's logger, or stderr when none is given. io sits below
 * report/, so it names only the one method it calls. */
export interface NoteSink {
  info(msg: string): void;
}
const stderrSink: NoteSink = { info: (msg) => void process.stderr.write(`${msg}\n`) };

/** CsvSourceOptions (delimiter, missing tokens, per-column overrides, quotedAsText, trim) plus where notes go. */
export interface CsvReadOptions extends CsvSourceOptions {
  /** Where notes about the data go (a token read as missing, a kind chosen because of a few cells, …);
   * default: stderr, as `warning: <file>: column "<name>", data row <n>: …`. */
  readonly log?: NoteSink;
}

export interface CsvReadResult {
  readonly table: Table;
  readonly schema: TableSchema;
  readonly delimiter: CsvDelimiter;
  /** The notes logged while reading, one line each (without the "warning: " prefix). */
  readonly notes: readonly string[];
}

export interface CsvWriteOptions {
  readonly delimiter?: CsvDelimiter;
}

const WRITE_CHUNK_ROWS = 8192;

/**
 * Read a CSV file into a typed table plus its schema.
 * Every failure is a one-line `DataError` naming the file and, where there is one, the line. A kind
 * forced on a numeric, integer or datetime column reads cells it cannot parse as missing, with a note.
 */
export async function readCsv(path: string, opts: CsvReadOptions = {}): Promise<CsvReadResult> {
  const src = await openCsv(path, opts);
  const globalMissing = opts.missing ?? [];
  let names: string[] | undefined;
  let cols: TextColumns | undefined;
  for await (const rec of csvRecords(src)) {
    if (cols) cols.push(rec);
    else {
      names = checkHeader(path, rec.fields, opts.columns);
      cols = new TextColumns(names.length);
    }
  }
  if (names === undefined || cols === undefined) {
    throw new DataError(messages.csvNoHeader(path));
  }
  if (cols.nRows === 0) {
    throw new DataError(messages.csvHeaderOnly(path));
  }
  const columns: Column[] = [];
  const notes: ColumnNote[] = [];
  for (let j = 0; j < names.length; j++) {
    const name = names[j]!;
    const override = overrideFor(opts.columns, name);
    const missing = new Set([...globalMissing, ...(override?.missing ?? [])]);
    try {
      columns.push(cols.column(j, { name, kind: override?.kind, missing, textHint: src.quoted?.[j] ?? false, coerce: true, notes }));
    } catch (e) {
      if (!(e instanceof CellError)) throw e;
      throw await cellErrorMessage(src, e, 0, 'the kind forced for it');
    }
    cols.release(j);
  }
  const table: Table = { nRows: cols.nRows, columns };
  return { table, schema: profileTable(table), delimiter: src.delimiter, notes: logNotes(path, notes, opts.log) };
}

/** Word and log the notes (see CsvReadOptions.log); returns the lines. */
export function logNotes(path: string, notes: readonly ColumnNote[], log: NoteSink | undefined, rowOffset = 0): string[] {
  const lines = notes.map((n) => noteMessage(path, n, rowOffset));
  if (lines.length > 0) {
    const sink = log ?? stderrSink;
    for (const l of lines) sink.info(`warning: ${l}`);
  }
  return lines;
}

/**
 * Per header column, whether its values hold labels because every non-empty one is quoted (judged on
 * the first records, as `readCsv` does): what a streaming reader needs to infer kinds as readCsv would.
 */
export async function quotedColumns(path: string, opts: Pick<CsvReadOptions, 'delimiter' | 'missing' | 'columns' | 'trim' | 'quotedAsText'> = {}): Promise<boolean[] | undefined> {
  return (await openCsv(path, opts)).quoted;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** CSV text of a table (see the module comment for the format). */
export function tableToCsvString(table: Table, opts: CsvWriteOptions = {}): string {
  return [...csvChunks(table, opts)].join('');
}

/** Write a table as CSV atomically: a temp sibling is streamed in chunks, then renamed over `path`. */
export async function writeCsv(path: string, table: Table, opts: CsvWriteOptions = {}): Promise<void> {
  const tmp = await prepareTemp(path);
  const fh = await open(tmp, 'w').catch((e: unknown) => {
    throw writeError(path, e);
  });
  try {
    for (const s of csvChunks(table, opts)) await fh.write(s);
    await fh.close();
    await renameOver(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw writeError(path, e);
  }
}

function* csvChunks(table: Table, opts: CsvWriteOptions): Generator<string> {
  const stringifyOpts = {
    delimiter: opts.delimiter ?? ',',
    record_delimiter: 'unix' as const,
    // Strings (header, labels, dates) are quoted and numbers are not, as R does; the reader relies on
    // it to keep numeric-looking labels categorical.
    quoted_string: true,
    cast: { number: (v: number) => String(v), object: (o: object) => (o as ObservedCell).observed },
  };
  yield stringify([table.columns.map((c) => c.name)], stringifyOpts);
  const cells = table.columns.map(cellWriter);
  for (let start = 0; start < table.nRows; start += WRITE_CHUNK_ROWS) {
    const end = Math.min(table.nRows, start + WRITE_CHUNK_ROWS);
    const rows: (string | number | ObservedCell | null)[][] = [];
    for (let r = start; r < end; r++) rows.push(cells.map((f) => f(r)));
    yield stringify(rows, stringifyOpts);
  }
}

/** Per column, the value handed to csv-stringify for a row: a number (bare), a string (quoted), or
 * null (empty field = missing). */
function cellWriter(c: Column): (row: number) => string | number | ObservedCell | null {
  if (isCategorical(c)) {
    const { codes, categories } = c;
    return (r) => {
      const k = codes[r]!;
      return k < 0 ? null : categories[k]!;
    };
  }
  const v = c.values;
  if (c.kind === 'datetime') {
    const res = c.resolution;
    return (r) => (Number.isNaN(v[r]!) ? null : (observedText(c, r) ?? formatDatetime(v[r]!, res)));
  }
  // An observed cell prints as it was read (bare, like any number); see Column.text.
  const asRead = (r: number): ObservedCell | undefined => {
    const t = observedText(c, r);
    return t === undefined ? undefined : { observed: t };
  };
  // Generated integer columns may hold fractions; the kind promises whole numbers on disk.
  if (c.kind === 'integer') return (r) => (Number.isNaN(v[r]!) ? null : (asRead(r) ?? Math.round(v[r]!) + 0));
  return (r) => (Number.isNaN(v[r]!) ? null : (asRead(r) ?? v[r]!));
}

/** An observed number's source text, written bare (csv-stringify's object cast). */
interface ObservedCell {
  readonly observed: string;
}
