/**
 * CSV in record batches, for tables larger than memory.
 *
 * `readTable` infers each column's kind from the whole file, which needs the whole file. Here the kinds
 * are known beforehand — from the model's encoder — so each batch of `batchRows` records becomes a
 * typed Table on its own: texts are dictionary-coded per batch (as csv.ts does per file) and converted
 * with the forced kind. Category lists are per batch (the encoder and the writers go by label), and
 * datetime resolution comes from the schema, so a batch writes back exactly as the whole table would.
 * Memory is O(batchRows × columns), whatever the file's length.
 *
 * `CsvBatchWriter` writes batches into one CSV in csv.ts's format (header once), atomically.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, type CsvError, type Options as ParseOptions } from 'csv-parse';
import { DataError } from '../errors.js';
import { CellError, columnFromStrings } from '../table/infer.js';
import type { Column, ColumnKind, Table } from '../table/table.js';
import { tempSibling } from './atomic.js';
import { fileError, tableToCsvString, type CsvDelimiter } from './csv.js';

export interface StreamColumn {
  name: string;
  kind: ColumnKind;
  /** Datetime columns: how values write back (date or date-time), as the model was fitted. */
  resolution?: 'date' | 'datetime';
  /** Texts that mean missing in this column, besides the empty field and the global list. */
  missing?: readonly string[];
}

export interface CsvBatchOptions {
  /** The columns to read, in this order; the file may order them differently. */
  columns: readonly StreamColumn[];
  /** Header columns to ignore (spec `drop`); any other column the schema lacks is an error. */
  drop?: readonly string[];
  delimiter?: CsvDelimiter | 'auto';
  missing?: readonly string[];
  /** Records per batch (default 65,536). */
  batchRows?: number;
  /** How a cell that does not read as its column's kind is explained (default: the model's kind). */
  kindOrigin?: string;
  /** Yield only data rows [start, end) (0-based, header excluded); earlier rows are parsed and skipped. */
  start?: number;
  end?: number;
}

export interface CsvBatch {
  /** Index of the batch's first row among the file's data rows. */
  start: number;
  table: Table;
}

export const DEFAULT_BATCH_ROWS = 65_536;

/** The header line's most frequent candidate delimiter outside quotes (',' on a tie), as readCsv picks. */
async function sniffDelimiter(path: string): Promise<CsvDelimiter> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fileError(path, e);
  });
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const s = buf.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
    let quoted = false;
    for (const ch of s) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && (ch === '\n' || ch === '\r')) break;
      else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
    }
    let best: CsvDelimiter = ',';
    for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
    return best;
  } finally {
    await fh.close();
  }
}

function records(path: string, delimiter: CsvDelimiter): AsyncIterable<string[]> {
  const opts: ParseOptions = { delimiter, bom: true, skip_empty_lines: true };
  return createReadStream(path, { highWaterMark: 1 << 20 }).pipe(parse(opts));
}

function parseError(path: string, e: unknown): Error {
  if (e instanceof DataError) return e;
  const ce = e as CsvError & { lines?: number };
  if (typeof ce?.code !== 'string') return fileError(path, e);
  if (ce.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') return new DataError(`${path}: line ${ce.lines ?? '?'}: the number of fields differs from the header's (an unquoted delimiter inside a field?)`);
  return new DataError(`${path}: line ${ce.lines ?? '?'}: ${ce.message.split('\n')[0]}`);
}

/** The header line's column names. */
export async function readCsvHeader(path: string, opts: { delimiter?: CsvDelimiter | 'auto' } = {}): Promise<string[]> {
  const delimiter = opts.delimiter && opts.delimiter !== 'auto' ? opts.delimiter : await sniffDelimiter(path);
  try {
    for await (const rec of records(path, delimiter)) return rec;
  } catch (e) {
    throw parseError(path, e);
  }
  throw new DataError(`${path}: file is empty; expected a header line of column names`);
}

/** Number of data rows (records after the header): one parsing pass, constant memory. */
export async function countCsvRows(path: string, opts: { delimiter?: CsvDelimiter | 'auto' } = {}): Promise<number> {
  const delimiter = opts.delimiter && opts.delimiter !== 'auto' ? opts.delimiter : await sniffDelimiter(path);
  let n = -1;
  try {
    for await (const _ of records(path, delimiter)) n++;
  } catch (e) {
    throw parseError(path, e);
  }
  return Math.max(n, 0);
}

/**
 * Yield the file's data rows [start, end) as typed tables of at most `batchRows` rows. At least one
 * batch is yielded, empty if the range is, so a writer always learns the columns.
 */
export async function* readCsvBatches(path: string, opts: CsvBatchOptions): AsyncGenerator<CsvBatch> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const start = opts.start ?? 0, end = opts.end ?? Infinity;
  const delimiter = opts.delimiter && opts.delimiter !== 'auto' ? opts.delimiter : await sniffDelimiter(path);
  const globalMissing = opts.missing ?? [];
  const cols = opts.columns;
  const missingSets = cols.map((c) => new Set([...globalMissing, ...(c.missing ?? [])]));
  let fieldOf: number[] | undefined;
  // Per batch and column: distinct texts, their codes, and each row's code.
  let dicts: Map<string, number>[] = [];
  let texts: string[][] = [];
  const index = cols.map(() => new Int32Array(batchRows));
  let nRows = 0;
  let row = 0; // data row index in the file
  let batchStart = start;
  let yielded = false;

  const reset = () => {
    dicts = cols.map(() => new Map());
    texts = cols.map(() => []);
    nRows = 0;
  };
  const build = (): CsvBatch => {
    const columns = cols.map((c, j): Column => {
      let col: Column;
      try {
        col = columnFromStrings({ name: c.name, values: texts[j]!, index: index[j]!, nRows, missing: missingSets[j], kind: c.kind === 'boolean' ? 'categorical' : c.kind });
      } catch (e) {
        if (!(e instanceof CellError)) throw e;
        throw new DataError(`${path}: data row ${batchStart + e.row + 1}, column "${c.name}": ${JSON.stringify(e.value)} is not ${e.expected === 'integer' ? 'an' : 'a'} ${e.expected}, ${opts.kindOrigin ?? 'the kind the model has for it'}${e.detail ? ` (${e.detail})` : ''}`);
      }
      // Labels are per batch; the kind and resolution are the schema's, not this batch's guess.
      if (c.kind === 'boolean' && 'codes' in col) return { ...col, kind: 'boolean' };
      if (col.kind === 'datetime' && c.resolution) return { ...col, resolution: c.resolution };
      return col;
    });
    const b = { start: batchStart, table: { nRows, columns } };
    batchStart += nRows;
    yielded = true;
    reset();
    return b;
  };

  reset();
  try {
    for await (const rec of records(path, delimiter)) {
      if (!fieldOf) {
        const at = new Map(rec.map((name, i) => [name, i]));
        fieldOf = cols.map((c) => {
          const i = at.get(c.name);
          if (i === undefined) throw new DataError(`${path}: no column "${c.name}" in the header; the model expects ${cols.map((x) => x.name).join(', ')}`);
          return i;
        });
        const known = new Set([...cols.map((c) => c.name), ...(opts.drop ?? [])]);
        const extra = rec.filter((name) => !known.has(name));
        if (extra.length) throw new DataError(`${path}: column${extra.length > 1 ? 's' : ''} ${extra.map((x) => `"${x}"`).join(', ')} not known to the model; drop ${extra.length > 1 ? 'them' : 'it'} in the spec's columns`);
        continue;
      }
      if (row >= end) break;
      if (row++ < start) continue;
      for (let j = 0; j < cols.length; j++) {
        const v = rec[fieldOf[j]!]!;
        const dict = dicts[j]!;
        let d = dict.get(v);
        if (d === undefined) {
          d = dict.size;
          dict.set(v, d);
          texts[j]!.push(v);
        }
        index[j]![nRows] = d;
      }
      if (++nRows === batchRows) yield build();
    }
  } catch (e) {
    throw parseError(path, e);
  }
  if (!fieldOf) throw new DataError(`${path}: file is empty; expected a header line of column names`);
  if (nRows > 0 || !yielded) yield build();
}

/** The CSV schema a model's encoder implies: the columns it was fitted on, kinds and datetime resolution. */
export function streamColumnsFor(
  encodings: readonly { name: string; kind: ColumnKind; resolution?: 'date' | 'datetime' }[],
  missing: Readonly<Record<string, readonly string[] | undefined>> = {},
): StreamColumn[] {
  return encodings.map((e) => ({ name: e.name, kind: e.kind, ...(e.resolution ? { resolution: e.resolution } : {}), ...(missing[e.name] ? { missing: missing[e.name] } : {}) }));
}

/**
 * Appends tables to one CSV file, header once, in csv.ts's format (so batch-written files equal
 * `writeCsv` of the concatenated table). Writes a temp sibling; `close` renames it into place.
 */
export class CsvBatchWriter {
  private header: string | undefined;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly delimiter: CsvDelimiter,
  ) {}

  static async open(path: string, opts: { delimiter?: CsvDelimiter } = {}): Promise<CsvBatchWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempSibling(path);
    return new CsvBatchWriter(path, tmp, await open(tmp, 'w'), opts.delimiter ?? (path.toLowerCase().endsWith('.tsv') ? '\t' : ','));
  }

  async write(table: Table): Promise<void> {
    const text = tableToCsvString(table, { delimiter: this.delimiter });
    const nl = text.indexOf('\n');
    const head = text.slice(0, nl + 1);
    if (this.header === undefined) {
      this.header = head;
      await this.fh.write(text);
    } else {
      if (head !== this.header) throw new Error(`internal: batch columns changed while writing ${this.path}`);
      await this.fh.write(text.slice(nl + 1));
    }
  }

  async close(): Promise<void> {
    if (this.header === undefined) throw new Error(`internal: ${this.path}: closed before any batch was written`);
    await this.fh.close();
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
