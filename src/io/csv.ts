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
import { createReadStream } from 'node:fs';
import { open, rename, rm, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError, type Options as ParseOptions } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { DataError } from '../errors.js';
import { tempSibling } from './atomic.js';
import { type Column, type Table, isCategorical } from '../table/table.js';
import {
  CellError,
  type ColumnOverride,
  type TableSchema,
  columnFromStrings,
  overrideFor,
  profileTable,
} from '../table/infer.js';
import { formatDatetime } from '../table/values.js';

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvReadOptions {
  /** Field delimiter; 'auto' (default) picks whichever of , ; TAB occurs most in the header line. */
  readonly delimiter?: CsvDelimiter | 'auto';
  /** Texts that mean missing in every column, in addition to the empty field (which always is). */
  readonly missing?: readonly string[];
  /** Per-column overrides by header name: force a kind, add missing tokens. */
  readonly columns?: Readonly<Record<string, ColumnOverride>>;
  /**
   * A column whose every non-empty value is quoted holds labels, even if they look like numbers
   * (R's write.csv and Python's QUOTE_NONNUMERIC quote text only). Judged on the first
   * `QUOTE_SAMPLE_RECORDS` records. Default true; set false for files that quote every field
   * (QUOTE_ALL) yet mean numbers.
   */
  readonly quotedAsText?: boolean;
  /** Strip blanks around unquoted fields (files written as "a, b, c"). Default false. */
  readonly trim?: boolean;
}

export interface CsvReadResult {
  readonly table: Table;
  readonly schema: TableSchema;
  readonly delimiter: CsvDelimiter;
}

export interface CsvWriteOptions {
  readonly delimiter?: CsvDelimiter;
}

/** Bytes read up front to sniff the delimiter, quoting and binary content. */
const HEAD_BYTES = 64 * 1024;
export const QUOTE_SAMPLE_RECORDS = 1000;
const WRITE_CHUNK_ROWS = 8192;

/**
 * Read a CSV file into a typed table plus its schema.
 * Every failure is a one-line `DataError` naming the file and, where there is one, the line.
 */
export async function readCsv(path: string, opts: CsvReadOptions = {}): Promise<CsvReadResult> {
  const head = await readHead(path);
  checkHead(path, head);
  const delimiter = opts.delimiter && opts.delimiter !== 'auto' ? opts.delimiter : sniffDelimiter(head);
  const headerFields = countHeaderFields(head, delimiter);
  const parseOpts: ParseOptions = {
    delimiter,
    bom: true,
    trim: opts.trim ?? false,
    // A blank line in a multi-column file is noise (often a trailing one); in a one-column file it is
    // a missing value and must stay a row.
    skip_empty_lines: headerFields > 1,
  };
  const globalMissing = opts.missing ?? [];
  const quoted =
    opts.quotedAsText === false
      ? undefined
      : sampleQuoting(head, delimiter, opts.trim ?? false, globalMissing, opts.columns);

  let names: string[] | undefined;
  let dicts: Map<string, number>[] = [];
  let texts: string[][] = [];
  let index: Int32Array[] = [];
  let cap = 0;
  let nRows = 0;
  const onRecord = (rec: string[]): void => {
    if (names === undefined) {
      names = checkHeader(path, rec, opts.columns);
      dicts = rec.map(() => new Map());
      texts = rec.map(() => []);
      cap = 4096;
      index = rec.map(() => new Int32Array(cap));
      return;
    }
    if (nRows === cap) {
      cap *= 2;
      index = index.map((a) => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      });
    }
    for (let j = 0; j < rec.length; j++) {
      const v = rec[j]!;
      const dict = dicts[j]!;
      let d = dict.get(v);
      if (d === undefined) {
        d = dict.size;
        dict.set(v, d);
        texts[j]!.push(v);
      }
      index[j]![nRows] = d;
    }
    nRows++;
  };
  const sink = new Writable({
    objectMode: true,
    write(rec: string[], _enc, cb) {
      try {
        onRecord(rec);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), utf8Guard(path), parse(parseOpts), sink);
  } catch (e) {
    throw await csvError(path, e, names?.length, parseOpts);
  }

  if (names === undefined) {
    throw new DataError(`${path}: no header line, only blank lines; expected a header of column names`);
  }
  if (nRows === 0) {
    throw new DataError(`${path}: line 1: header only, no data rows; expected at least one row after the header`);
  }
  const columns: Column[] = [];
  for (let j = 0; j < names.length; j++) {
    const name = names[j]!;
    const override = overrideFor(opts.columns, name);
    const missing = new Set([...globalMissing, ...(override?.missing ?? [])]);
    try {
      columns.push(
        columnFromStrings({
          name,
          values: texts[j]!,
          index: index[j]!,
          nRows,
          missing,
          kind: override?.kind,
          textHint: quoted?.[j] ?? false,
        }),
      );
    } catch (e) {
      if (!(e instanceof CellError)) throw e;
      const line = await lineOfRecord(path, parseOpts, e.row + 2);
      throw new DataError(
        `${path}: line ${line ?? '?'} (data row ${e.row + 1}), column "${e.column}": ` +
          `${JSON.stringify(e.value)} is not ${e.expected === 'integer' ? 'an' : 'a'} ${e.expected}, the kind forced for it` +
          (e.detail ? ` (${e.detail})` : ''),
      );
    }
    // Release the per-column dictionary early: on wide files it dominates memory.
    dicts[j] = new Map();
  }
  const table: Table = { nRows, columns };
  return { table, schema: profileTable(table), delimiter };
}

/**
 * Per header column, whether its values hold labels because every non-empty one is quoted (judged on
 * the first records, as `readCsv` does): what a streaming reader needs to infer kinds as readCsv would.
 */
export async function quotedColumns(path: string, opts: Pick<CsvReadOptions, 'delimiter' | 'missing' | 'columns' | 'trim' | 'quotedAsText'> = {}): Promise<boolean[] | undefined> {
  if (opts.quotedAsText === false) return undefined;
  const head = await readHead(path);
  checkHead(path, head);
  const delimiter = opts.delimiter && opts.delimiter !== 'auto' ? opts.delimiter : sniffDelimiter(head);
  return sampleQuoting(head, delimiter, opts.trim ?? false, opts.missing ?? [], opts.columns);
}

// ---------------------------------------------------------------------------------------------
// Up-front checks on the first bytes

async function readHead(path: string): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new DataError(`${path}: not a regular file; expected a CSV file`);
    size = st.size;
  } catch (e) {
    throw fileError(path, e);
  }
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fileError(path, e);
  });
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, size));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export function fileError(path: string, e: unknown): Error {
  if (e instanceof DataError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new DataError(`${path}: file not found`);
  if (code === 'EACCES' || code === 'EPERM') return new DataError(`${path}: permission denied`);
  if (code === 'EISDIR') return new DataError(`${path}: is a directory; expected a file`);
  return new DataError(`${path}: cannot read: ${(e as Error).message}`);
}

const SIGNATURES: readonly (readonly [number[], string])[] = [
  [[0x1f, 0x8b], 'is gzip-compressed; decompress it first (gunzip -k)'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'is xz-compressed; decompress it first (xz -dk)'],
  [[0x42, 0x5a, 0x68], 'is bzip2-compressed; decompress it first (bunzip2 -k)'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'is zstd-compressed; decompress it first (zstd -d)'],
  [[0x50, 0x4b, 0x03, 0x04], 'is a zip archive (an .xlsx workbook?); export the sheet as CSV'],
  [[0x41, 0x52, 0x52, 0x4f, 0x57, 0x31], "is an Arrow IPC file; read it as format 'arrow' (or name it .arrow)"],
  [[0xff, 0xff, 0xff, 0xff], "looks like an Arrow IPC stream; read it as format 'arrow' (or name it .arrows)"],
  [[0x50, 0x41, 0x52, 0x31], 'is a Parquet file, which synthdiff does not read; convert it to CSV or Arrow'],
  [[0xff, 0xfe], 'is UTF-16 text; re-save it as UTF-8'],
  [[0xfe, 0xff], 'is UTF-16 text; re-save it as UTF-8'],
];

function checkHead(path: string, head: Buffer): void {
  const text = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  if (text.every((b) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09)) {
    throw new DataError(`${path}: file is empty; expected a header line of column names`);
  }
  for (const [magic, what] of SIGNATURES) {
    if (magic.every((b, i) => head[i] === b)) throw new DataError(`${path}: ${what}`);
  }
  const nul = head.indexOf(0);
  if (nul >= 0) {
    throw new DataError(
      `${path}: line ${lineAt(head, nul)}: NUL byte at offset ${nul}; this is a binary file, not CSV text`,
    );
  }
}

function lineAt(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** The header line's most frequent candidate delimiter outside quotes; ',' on a tie or none. */
function sniffDelimiter(head: Buffer): CsvDelimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  forEachHeaderChar(head, (ch) => {
    if (ch === ',' || ch === ';' || ch === '\t') counts[ch]++;
  });
  let best: CsvDelimiter = ',';
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

function countHeaderFields(head: Buffer, delimiter: string): number {
  let n = 1;
  forEachHeaderChar(head, (ch) => {
    if (ch === delimiter) n++;
  });
  return n;
}

function forEachHeaderChar(head: Buffer, f: (ch: string) => void): void {
  const s = head.toString('utf8').replace(/^\uFEFF/, '');
  let inQuotes = false;
  for (const ch of s) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) return;
    else if (!inQuotes) f(ch);
  }
}

/**
 * Per column: were all non-missing values in the first records quoted? csv-parse reports quoting only
 * through its `cast` hook, which makes parsing ~10× slower, so a minimal tokenizer reads the head
 * instead. It only needs to tell where fields start and whether they open with a quote; a malformed
 * head just yields a weaker hint, and the real parse reports the error.
 */
function sampleQuoting(
  head: Buffer,
  delimiter: string,
  trim: boolean,
  globalMissing: readonly string[],
  overrides: CsvReadOptions['columns'],
): boolean[] {
  const s = head.toString('utf8').replace(/^\uFEFF/, '');
  const globalSet = new Set(globalMissing);
  const quoted: number[] = [];
  const nonEmpty: number[] = [];
  let header: string[] | undefined;
  let fields: { value: string; quoted: boolean }[] = [];
  let records = 0;
  let i = 0;
  while (i < s.length && records <= QUOTE_SAMPLE_RECORDS) {
    if (trim) while (s[i] === ' ' || s[i] === '\t') i++;
    let value: string;
    let isQuoted = false;
    if (s[i] === '"') {
      isQuoted = true;
      let j = i + 1;
      let text = '';
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) return finish(); // the head ends inside a quoted field
        text += s.slice(j, q);
        if (s[q + 1] === '"') {
          text += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      value = text;
      while (i < s.length && s[i] !== delimiter && s[i] !== '\n' && s[i] !== '\r') i++;
    } else {
      let j = i;
      while (j < s.length && s[j] !== delimiter && s[j] !== '\n' && s[j] !== '\r') j++;
      value = trim ? s.slice(i, j).trimEnd() : s.slice(i, j);
      i = j;
    }
    if (i >= s.length) break; // the head ends mid-record: drop it
    fields.push({ value, quoted: isQuoted });
    if (s[i] === delimiter) {
      i++;
      continue;
    }
    if (s[i] === '\r' && s[i + 1] === '\n') i++;
    i++;
    if (fields.length === 1 && fields[0]!.value === '' && !fields[0]!.quoted) {
      fields = []; // blank line
      continue;
    }
    if (header === undefined) header = fields.map((f) => f.value);
    else {
      fields.forEach((f, k) => {
        const name = header![k] ?? '';
        if (f.value === '' || globalSet.has(f.value) || overrideFor(overrides, name)?.missing?.includes(f.value)) return;
        nonEmpty[k] = (nonEmpty[k] ?? 0) + 1;
        if (f.quoted) quoted[k] = (quoted[k] ?? 0) + 1;
      });
    }
    records++;
    fields = [];
  }
  return finish();

  function finish(): boolean[] {
    return Array.from({ length: nonEmpty.length }, (_, k) => (nonEmpty[k] ?? 0) > 0 && quoted[k] === nonEmpty[k]);
  }
}

function checkHeader(path: string, rec: string[], overrides: CsvReadOptions['columns']): string[] {
  const seen = new Map<string, number>();
  rec.forEach((name, j) => {
    if (name.trim() === '') {
      throw new DataError(
        `${path}: line 1: column ${j + 1} has an empty name` +
          (j === 0 ? ' (a row-names column? in R, write.csv(..., row.names = FALSE))' : '') +
          '; every column needs a unique name',
      );
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new DataError(
        `${path}: line 1: column name ${JSON.stringify(name)} appears twice (columns ${prev + 1} and ${j + 1}); names must be unique`,
      );
    }
    seen.set(name, j);
  });
  for (const name of Object.keys(overrides ?? {})) {
    if (!seen.has(name)) {
      throw new DataError(
        `${path}: an override names column ${JSON.stringify(name)}, which the header lacks (columns: ${rec.join(', ')})`,
      );
    }
  }
  return rec;
}

// ---------------------------------------------------------------------------------------------
// Errors raised while streaming

/** Pass bytes through unchanged, failing on the first invalid UTF-8 with its line and offset. */
function utf8Guard(path: string) {
  return async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let offset = 0;
    let line = 1;
    for await (const chunk of source) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        const at = Math.max(0, firstInvalidUtf8(chunk));
        throw new DataError(
          `${path}: line ${line + lineAt(chunk, at) - 1}: byte 0x${(chunk[at] ?? 0).toString(16).padStart(2, '0')} at offset ` +
            `${offset + at} is not valid UTF-8; re-save the file as UTF-8 (is it Latin-1/Windows-1252?)`,
        );
      }
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) line++;
      offset += chunk.length;
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw new DataError(`${path}: line ${line}: the file ends inside a UTF-8 character; re-save it as UTF-8`);
    }
  };
}

/** Offset of the first byte that starts no valid UTF-8 sequence, or -1. Continuation bytes at the
 * start belong to a character begun in the previous chunk and are skipped. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && (b[i]! & 0xc0) === 0x80 && i < 3) i++;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n && i + k < b.length; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

async function csvError(
  path: string,
  e: unknown,
  nCols: number | undefined,
  parseOpts: ParseOptions,
): Promise<Error> {
  if (e instanceof DataError) return e;
  const ce = e as CsvError & { lines?: number; record?: unknown; records?: number };
  if (typeof ce?.code !== 'string') return fileError(path, e);
  const line = ce.lines ?? '?';
  switch (ce.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new DataError(
        `${path}: line ${line}: expected ${nCols ?? '?'} fields as in the header, got ` +
          `${Array.isArray(ce.record) ? ce.record.length : '?'} (an unquoted delimiter inside a field?)`,
      );
    case 'CSV_QUOTE_NOT_CLOSED': {
      // csv-parse reports the end of the file; the record that opened the quote is more useful.
      const start = await recordStartLine(path, parseOpts, ce.records);
      return new DataError(
        `${path}: line ${start ?? line}: a quoted field opened in this record is never closed (missing closing ")`,
      );
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE': {
      // A stray quote earlier can swallow line breaks, so say where the record began when that differs.
      const start = await recordStartLine(path, parseOpts, ce.records);
      const began = start !== undefined && start !== ce.lines ? ` (in the record that starts on line ${start})` : '';
      return new DataError(
        `${path}: line ${line}${began}: text after a closing quote; a " inside a quoted field must be doubled ("")`,
      );
    }
    case 'INVALID_OPENING_QUOTE':
      return new DataError(
        `${path}: line ${line}: a quote inside an unquoted field; quote the whole field and double the inner quote`,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new DataError(
        `${path}: line ${line}: record longer than the 128000-character limit (wrong delimiter or an unclosed quote?)`,
      );
    default:
      return new DataError(`${path}: line ${line}: ${ce.message}`);
  }
}

/** Line on which the record after the first `done` records starts (rare error path: re-parses).
 * csv-parse's own `lines` points where it gave up, which for a runaway quote is the end of file. */
async function recordStartLine(path: string, parseOpts: ParseOptions, done: number | undefined): Promise<number | undefined> {
  if (done === undefined) return undefined;
  if (done === 0) return 1;
  const end = await lineOfRecord(path, parseOpts, done);
  return end === undefined ? undefined : end + 1;
}

/** File line on which record `k` (1-based, header = 1) ends, or undefined if the file has fewer good
 * records (rare error path: re-parses). Events, not async iteration: an iterator would drop the records
 * buffered ahead of a parse error, and the error is usually why we are here. */
function lineOfRecord(path: string, parseOpts: ParseOptions, k: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const file = createReadStream(path);
    const parser = parse({ ...parseOpts, info: true });
    let settled = false;
    const finish = (line: number | undefined) => {
      if (settled) return;
      settled = true;
      file.destroy();
      parser.destroy();
      resolve(line);
    };
    parser.on('data', (rec: { info: { lines: number; records: number } }) => {
      if (rec.info.records === k) finish(rec.info.lines);
    });
    parser.on('error', () => finish(undefined));
    parser.on('end', () => finish(undefined));
    file.on('error', () => finish(undefined));
    file.pipe(parser);
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

/** CSV text of a table (see the module comment for the format). */
export function tableToCsvString(table: Table, opts: CsvWriteOptions = {}): string {
  return [...csvChunks(table, opts)].join('');
}

/** Write a table as CSV atomically: a temp sibling is streamed in chunks, then renamed over `path`. */
export async function writeCsv(path: string, table: Table, opts: CsvWriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const fh = await open(tmp, 'w');
  try {
    for (const s of csvChunks(table, opts)) await fh.write(s);
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}

function* csvChunks(table: Table, opts: CsvWriteOptions): Generator<string> {
  const stringifyOpts = {
    delimiter: opts.delimiter ?? ',',
    record_delimiter: 'unix' as const,
    // Strings (header, labels, dates) are quoted and numbers are not, as R does; the reader relies on
    // it to keep numeric-looking labels categorical.
    quoted_string: true,
    cast: { number: (v: number) => String(v) },
  };
  yield stringify([table.columns.map((c) => c.name)], stringifyOpts);
  const cells = table.columns.map(cellWriter);
  for (let start = 0; start < table.nRows; start += WRITE_CHUNK_ROWS) {
    const end = Math.min(table.nRows, start + WRITE_CHUNK_ROWS);
    const rows: (string | number | null)[][] = [];
    for (let r = start; r < end; r++) rows.push(cells.map((f) => f(r)));
    yield stringify(rows, stringifyOpts);
  }
}

/** Per column, the value handed to csv-stringify for a row: a number (bare), a string (quoted), or
 * null (empty field = missing). */
function cellWriter(c: Column): (row: number) => string | number | null {
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
    return (r) => (Number.isNaN(v[r]!) ? null : formatDatetime(v[r]!, res));
  }
  // Generated integer columns may hold fractions; the kind promises whole numbers on disk.
  if (c.kind === 'integer') return (r) => (Number.isNaN(v[r]!) ? null : Math.round(v[r]!) + 0);
  return (r) => (Number.isNaN(v[r]!) ? null : v[r]!);
}
