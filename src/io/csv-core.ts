/**
 * The one CSV reading core that `readCsv` (whole table, csv.ts) and `readCsvBatches` (record batches,
 * csv-stream.ts) share, so that the same file gives the same table, the same notes and, when it is
 * broken, the same one-line message on both paths:
 * - `openCsv`: up-front checks on the first bytes (empty, compressed, binary, UTF-16), the delimiter,
 *   blank-line handling and which columns are quoted text;
 * - `csvRecords`: records through a UTF-8 guard and csv-parse, every parser fault translated once
 *   (`csvError`), with which empty fields were quoted (`""` is an empty string, not a missing cell);
 * - `TextColumns`: per-column dictionaries of cell text, typed by `columnFromStrings`;
 * - `cellErrorMessage` / `noteMessage`: how a cell that does not fit and a note are worded.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { parse, type CsvError, type Options as ParseOptions } from 'csv-parse';
import { messages } from '../messages.js';
import { DataError } from '../errors.js';
import {
  CellError,
  type ColumnNote,
  type ColumnOverride,
  columnFromStrings,
  noteText,
  overrideFor,
} from '../table/infer.js';
import type { Column, ColumnKind } from '../table/table.js';

export type CsvDelimiter = ',' | ';' | '\t';

export interface CsvSourceOptions {
  /** Field delimiter; 'auto' (default) picks whichever of , ; TAB occurs most in the header line. */
  readonly delimiter?: CsvDelimiter | 'auto';
  /** Texts that mean missing in every column, in addition to the unquoted empty field. */
  readonly missing?: readonly string[];
  /** Per-column overrides by header name (the quoting sample skips their missing tokens). */
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

/** An opened CSV: what every pass over it needs. */
export interface CsvSource {
  readonly path: string;
  readonly delimiter: CsvDelimiter;
  readonly parseOpts: ParseOptions;
  /** Per header column: every non-missing value in the first records was quoted (labels). */
  readonly quoted: boolean[] | undefined;
  /** Fields in the header line (from the first bytes: a parse error may come before the header record). */
  readonly headerFields: number;
}

/** Bytes read up front to sniff the delimiter, quoting and binary content. */
const HEAD_BYTES = 64 * 1024;
export const QUOTE_SAMPLE_RECORDS = 1000;

/** Check the file's first bytes and settle how to parse it. DataError for a file that is not CSV text. */
export async function openCsv(path: string, opts: CsvSourceOptions = {}): Promise<CsvSource> {
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
  const quoted =
    opts.quotedAsText === false ? undefined : sampleQuoting(head, delimiter, opts.trim ?? false, opts.missing ?? [], opts.columns);
  return { path, delimiter, parseOpts, quoted, headerFields };
}

/** One record: its fields, and which of its empty fields were quoted (`""`). */
export interface CsvRecord {
  readonly fields: string[];
  readonly quotedEmpty: readonly number[] | undefined;
}

/**
 * The file's records, header first. Any fault (I/O, UTF-8, parsing) is thrown as the one DataError
 * `csvError` words for it.
 */
export async function* csvRecords(src: CsvSource): AsyncGenerator<CsvRecord> {
  const parser = parse({ ...src.parseOpts, raw: true });
  pipeline(createReadStream(src.path, { highWaterMark: 1 << 20 }), utf8Guard(src.path), parser, () => undefined);
  let nCols: number | undefined;
  try {
    nCols = src.headerFields;
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const fields = item.record;
      yield { fields, quotedEmpty: fields.includes('') && item.raw.includes('"') ? quotedEmptyFields(item.raw, src.delimiter) : undefined };
    }
  } catch (e) {
    throw await csvError(src.path, e, nCols, src.parseOpts);
  } finally {
    parser.destroy();
  }
}

/** Indices of a raw record's fields written as `""` (the parser has already checked its syntax). */
export function quotedEmptyFields(raw: string, delimiter: string): number[] {
  const out: number[] = [];
  let i = 0;
  for (let field = 0; ; field++) {
    while (raw[i] === ' ' || (raw[i] === '\t' && delimiter !== '\t')) i++;
    if (raw[i] === '"') {
      if (raw[i + 1] === '"' && raw[i + 2] !== '"') {
        out.push(field);
        i += 2;
      } else {
        let k = i + 1;
        for (;;) {
          const q = raw.indexOf('"', k);
          if (q < 0) return out;
          if (raw[q + 1] === '"') k = q + 2;
          else {
            i = q + 1;
            break;
          }
        }
      }
    }
    while (i < raw.length && raw[i] !== delimiter && raw[i] !== '\n' && raw[i] !== '\r') i++;
    if (raw[i] !== delimiter) return out;
    i++;
  }
}

/**
 * Cell text of some columns, dictionary-coded: per column the distinct texts and each row's index
 * into them (-1 for an unquoted empty field, which is always missing). Memory is ~4 bytes per cell
 * plus the distinct texts.
 */
export class TextColumns {
  private dicts: Map<string, number>[];
  private texts: string[][];
  private index: Int32Array[];
  private cap: number;
  nRows = 0;

  constructor(readonly nCols: number, initialRows = 4096) {
    this.cap = Math.max(1, initialRows);
    this.dicts = Array.from({ length: nCols }, () => new Map());
    this.texts = Array.from({ length: nCols }, () => []);
    this.index = Array.from({ length: nCols }, () => new Int32Array(this.cap));
  }

  /** Add one record; `fieldOf[j]` is the record field of column j (default: field j). */
  push(rec: CsvRecord, fieldOf?: readonly number[]): void {
    if (this.nRows === this.cap) {
      this.cap *= 2;
      this.index = this.index.map((a) => {
        const b = new Int32Array(this.cap);
        b.set(a);
        return b;
      });
    }
    const r = this.nRows++;
    for (let j = 0; j < this.nCols; j++) {
      const f = fieldOf ? fieldOf[j]! : j;
      const v = rec.fields[f]!;
      if (v === '' && !rec.quotedEmpty?.includes(f)) {
        this.index[j]![r] = -1;
        continue;
      }
      const dict = this.dicts[j]!;
      let d = dict.get(v);
      if (d === undefined) {
        d = dict.size;
        dict.set(v, d);
        this.texts[j]!.push(v);
      }
      this.index[j]![r] = d;
    }
  }

  /** Column j as a typed column (`columnFromStrings`; CellError for a cell a forced kind cannot read). */
  column(
    j: number,
    o: { name: string; kind?: ColumnKind; missing: ReadonlySet<string>; textHint?: boolean; coerce?: boolean; resolution?: 'date' | 'datetime'; notes?: ColumnNote[] },
  ): Column {
    return columnFromStrings({ ...o, values: this.texts[j]!, index: this.index[j]!, nRows: this.nRows, emptyIsValue: true });
  }

  /** Distinct texts of column j seen so far (for whole-file inference). */
  distinct(j: number): readonly string[] {
    return this.texts[j]!;
  }

  /** Drop column j's dictionary early: on wide files it dominates memory. */
  release(j: number): void {
    this.dicts[j] = new Map();
  }

  /** Start over for the next batch. */
  reset(): void {
    this.nRows = 0;
    this.dicts = this.dicts.map(() => new Map());
    this.texts = this.texts.map(() => []);
  }
}

/**
 * The one wording of a cell that does not read as its column's kind: file, line, data row, column,
 * text, and where the kind came from (`origin`, e.g. "the kind forced for it").
 */
export async function cellErrorMessage(src: CsvSource, e: CellError, rowOffset: number, origin: string): Promise<DataError> {
  const row = rowOffset + e.row;
  const line = await lineOfRecord(src.path, src.parseOpts, row + 2);
  return new DataError(messages.cellNotKind(src.path, line, row + 1, e.column, e.value, e.expected, origin, e.detail));
}

/** A note as the one line a reader logs: file, column, data row, what and what to do. */
export function noteMessage(path: string, n: ColumnNote, rowOffset = 0): string {
  return `${path}: column "${n.column}", data row ${rowOffset + n.row + 1}: ${noteText(n)}`;
}

// ---------------------------------------------------------------------------------------------
// Up-front checks on the first bytes

export async function readHead(path: string): Promise<Buffer> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new DataError(messages.csvNotRegularFile(path));
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
  if (code === 'ENOENT') return new DataError(messages.fileNotFound(path));
  if (code === 'EACCES' || code === 'EPERM') return new DataError(messages.filePermissionDenied(path));
  if (code === 'EISDIR') return new DataError(messages.fileIsFolder(path));
  return new DataError(messages.fileUnreadable(path, (e as Error).message));
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

export function checkHead(path: string, head: Buffer): void {
  const text = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  if (text.every((b) => b === 0x0a || b === 0x0d || b === 0x20 || b === 0x09)) {
    throw new DataError(messages.csvEmpty(path));
  }
  for (const [magic, what] of SIGNATURES) {
    if (magic.every((b, i) => head[i] === b)) throw new DataError(messages.csvOtherFormat(path, what));
  }
  const nul = head.indexOf(0);
  if (nul >= 0) {
    throw new DataError(messages.csvNulByte(path, lineAt(head, nul), nul));
  }
}

function lineAt(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

/** The header line's most frequent candidate delimiter outside quotes; ',' on a tie or none. */
export function sniffDelimiter(head: Buffer): CsvDelimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  forEachHeaderChar(head, (ch) => {
    if (ch === ',' || ch === ';' || ch === '\t') counts[ch]++;
  });
  let best: CsvDelimiter = ',';
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

export function countHeaderFields(head: Buffer, delimiter: string): number {
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
export function sampleQuoting(
  head: Buffer,
  delimiter: string,
  trim: boolean,
  globalMissing: readonly string[],
  overrides: Readonly<Record<string, ColumnOverride>> | undefined,
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

export function checkHeader(path: string, rec: string[], overrides?: Readonly<Record<string, ColumnOverride>>): string[] {
  const seen = new Map<string, number>();
  rec.forEach((name, j) => {
    if (name.trim() === '') {
      throw new DataError(messages.csvEmptyColumnName(path, j + 1));
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new DataError(messages.csvDuplicateColumn(path, name, prev + 1, j + 1));
    }
    seen.set(name, j);
  });
  for (const name of Object.keys(overrides ?? {})) {
    if (!seen.has(name)) {
      throw new DataError(messages.overrideColumnMissing(path, name, 'header', rec));
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
        throw new DataError(messages.csvInvalidUtf8(path, line + lineAt(chunk, at) - 1, chunk[at] ?? 0, offset + at));
      }
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) line++;
      offset += chunk.length;
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw new DataError(messages.csvUtf8CutShort(path, line));
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

/** The first two adjacent fields that read as one number written with a decimal comma ("1", "5" → "1,5"). */
function decimalCommaSplit(fields: readonly unknown[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i++) {
    const a = fields[i], b = fields[i + 1];
    if (typeof a === 'string' && typeof b === 'string' && /^\s*[+-]?\d+$/.test(a) && /^\d+\s*$/.test(b)) return `${a.trim()},${b.trim()}`;
  }
  return undefined;
}

export async function csvError(
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
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const got = Array.isArray(ce.record) ? ce.record.length : undefined;
      // More fields than the header, two of them reading as one number split at a decimal comma.
      const comma = parseOpts.delimiter === ',' && got !== undefined && nCols !== undefined && got > nCols ? decimalCommaSplit(ce.record as unknown[]) : undefined;
      if (comma) return new DataError(messages.csvDecimalCommaFields(path, line, nCols!, got!, comma));
      return new DataError(messages.csvFieldCount(path, line, nCols, got));
    }
    case 'CSV_QUOTE_NOT_CLOSED': {
      // csv-parse reports the end of the file; the record that opened the quote is more useful.
      const start = await recordStartLine(path, parseOpts, ce.records);
      return new DataError(messages.csvQuoteNotClosed(path, start ?? line));
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE': {
      // A stray quote earlier can swallow line breaks, so say where the record began when that differs.
      const start = await recordStartLine(path, parseOpts, ce.records);
      return new DataError(messages.csvTextAfterQuote(path, line, start !== ce.lines ? start : undefined));
    }
    case 'INVALID_OPENING_QUOTE':
      return new DataError(messages.csvQuoteInUnquotedField(path, line));
    case 'CSV_MAX_RECORD_SIZE':
      return new DataError(messages.csvRecordTooLong(path, line));
    default:
      return new DataError(messages.csvUnparsed(path, line, ce.message));
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
export function lineOfRecord(path: string, parseOpts: ParseOptions, k: number): Promise<number | undefined> {
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

