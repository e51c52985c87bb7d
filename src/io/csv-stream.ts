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
import { open, rm, type FileHandle } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { CellError, type ColumnNote, type InferredKind, KindInference, inferenceNotes } from '../table/infer.js';
import type { Column, ColumnKind, Table } from '../table/table.js';
import { parseNumber } from '../table/values.js';
import { prepareTemp, renameOver } from './atomic.js';
import { logNotes, tableToCsvString, type NoteSink } from './csv.js';
import { type CsvDelimiter, type CsvSource, TextColumns, cellErrorMessage, checkHeader, csvRecords, openCsv } from './csv-core.js';

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
  /** Where notes go (see CsvReadOptions.log); they are summed over batches and logged at the end. */
  log?: NoteSink;
}

export interface CsvBatch {
  /** Index of the batch's first row among the file's data rows. */
  start: number;
  table: Table;
}

export const DEFAULT_BATCH_ROWS = 65_536;

/** The header line's column names (checked as readCsv checks them). */
export async function readCsvHeader(path: string, opts: { delimiter?: CsvDelimiter | 'auto' } = {}): Promise<string[]> {
  const src = await openCsv(path, opts);
  for await (const rec of csvRecords(src)) return checkHeader(path, rec.fields);
  throw new DataError(messages.csvNoHeader(path));
}

/** Number of data rows (records after the header): one parsing pass, constant memory. */
export async function countCsvRows(path: string, opts: { delimiter?: CsvDelimiter | 'auto' } = {}): Promise<number> {
  const src = await openCsv(path, opts);
  let n = -1;
  for await (const _ of csvRecords(src)) n++;
  return Math.max(n, 0);
}

/**
 * Column kinds from every row of the file in one streaming pass, in constant memory per batch: the
 * kinds `readCsv` infers for the same file (a value's position in the file never matters), with its
 * notes. `forced` kinds are kept as given.
 */
export async function inferCsvKinds(
  path: string,
  opts: { delimiter?: CsvDelimiter | 'auto'; missing?: readonly string[]; columns?: readonly { name: string; kind?: ColumnKind; missing?: readonly string[] }[]; log?: NoteSink; batchRows?: number },
): Promise<{ names: string[]; kinds: InferredKind[]; notes: string[] }> {
  const src = await openCsv(path, { delimiter: opts.delimiter, missing: opts.missing });
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  let names: string[] | undefined;
  let cols: TextColumns | undefined;
  let inference: KindInference[] = [];
  let missingSets: Set<string>[] = [];
  // Per column: first data row and cells of each text a note may name (only the few such texts).
  let seen: Map<string, { row: number; count: number }>[] = [];
  let row = 0;
  const absorb = () => {
    if (!cols) return;
    for (let j = 0; j < cols.nCols; j++) for (const t of cols.distinct(j)) if (t !== '' && !missingSets[j]!.has(t)) inference[j]!.add(t);
    cols.reset();
  };
  for await (const rec of csvRecords(src)) {
    if (!names) {
      names = checkHeader(path, rec.fields);
      const byName = new Map((opts.columns ?? []).map((c) => [c.name, c]));
      cols = new TextColumns(names.length, Math.min(batchRows, 4096));
      inference = names.map((_, j) => new KindInference(src.quoted?.[j] ?? false));
      missingSets = names.map((n) => new Set([...(opts.missing ?? []), ...(byName.get(n)?.missing ?? [])]));
      seen = names.map(() => new Map());
      continue;
    }
    for (let j = 0; j < names.length; j++) {
      const v = rec.fields[j]!;
      if (v === '' || missingSets[j]!.has(v) || !isNoteworthy(v)) continue;
      const m = seen[j]!;
      const e = m.get(v);
      if (e) e.count++;
      else if (m.size < 4096) m.set(v, { row, count: 1 });
    }
    cols!.push(rec);
    row++;
    if (cols!.nRows === batchRows) absorb();
  }
  absorb();
  if (!names) throw new DataError(messages.csvNoHeader(path));
  const forced = new Map((opts.columns ?? []).map((c) => [c.name, c.kind]));
  const notes: ColumnNote[] = [];
  const kinds = names.map((name, j) => {
    const k = inference[j]!;
    const f = forced.get(name);
    if (f) {
      const r = k.result();
      return f === 'datetime' ? { kind: f, resolution: r.kind === 'datetime' ? r.resolution : 'datetime' } : { kind: f };
    }
    const inferred = k.result();
    const first = (t: string) => seen[j]!.get(t)?.row ?? 0;
    const count = (t: string) => seen[j]!.get(t)?.count ?? 0;
    notes.push(...inferenceNotes(name, inferred.kind, k.details(), k.levels, first, count));
    return inferred;
  });
  return { names, kinds, notes: logNotes(path, notes, opts.log) };
}

/** Texts a whole-file note may name: anything but a plain number (strays, decimal commas, "NA"), and
 * long integers (beyond 2^53). */
function isNoteworthy(t: string): boolean {
  return t.length > 15 || parseNumber(t) === undefined;
}

/**
 * Yield the file's data rows [start, end) as typed tables of at most `batchRows` rows. At least one
 * batch is yielded, empty if the range is, so a writer always learns the columns.
 */
export async function* readCsvBatches(path: string, opts: CsvBatchOptions): AsyncGenerator<CsvBatch> {
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const start = opts.start ?? 0, end = opts.end ?? Infinity;
  const src: CsvSource = await openCsv(path, { delimiter: opts.delimiter, missing: opts.missing });
  const globalMissing = opts.missing ?? [];
  const cols = opts.columns;
  const missingSets = cols.map((c) => new Set([...globalMissing, ...(c.missing ?? [])]));
  let fieldOf: number[] | undefined;
  const text = new TextColumns(cols.length, Math.min(batchRows, 4096));
  let row = 0; // data row index in the file
  let batchStart = start;
  let yielded = false;
  // Notes summed over batches by (column, code), logged once at the end.
  const notes = new Map<string, ColumnNote>();

  const build = async (): Promise<CsvBatch> => {
    const columns: Column[] = [];
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j]!;
      const batchNotes: ColumnNote[] = [];
      let col: Column;
      try {
        col = text.column(j, { name: c.name, missing: missingSets[j]!, kind: c.kind === 'boolean' ? 'categorical' : c.kind, resolution: c.resolution, notes: batchNotes });
      } catch (e) {
        if (!(e instanceof CellError)) throw e;
        throw await cellErrorMessage(src, e, batchStart, opts.kindOrigin ?? 'the kind the model has for it');
      }
      for (const n of batchNotes) {
        const key = `${n.column}\u0000${n.code}`;
        const prev = notes.get(key);
        notes.set(key, prev ? { ...prev, count: prev.count + n.count } : { ...n, row: n.row + batchStart });
      }
      // Labels are per batch; the kind and resolution are the schema's, not this batch's guess.
      if (c.kind === 'boolean' && 'codes' in col) col = { ...col, kind: 'boolean' };
      columns.push(col);
    }
    const b = { start: batchStart, table: { nRows: text.nRows, columns } };
    batchStart += text.nRows;
    yielded = true;
    text.reset();
    return b;
  };

  for await (const rec of csvRecords(src)) {
    if (!fieldOf) {
      const header = checkHeader(path, rec.fields);
      const at = new Map(header.map((name, i) => [name, i]));
      fieldOf = cols.map((c) => {
        const i = at.get(c.name);
        if (i === undefined) throw new DataError(messages.headerColumnMissing(path, c.name, cols.map((x) => x.name)));
        return i;
      });
      const known = new Set([...cols.map((c) => c.name), ...(opts.drop ?? [])]);
      const extra = header.filter((name) => !known.has(name));
      if (extra.length) throw new DataError(messages.columnsUnknownToModel(path, extra));
      continue;
    }
    if (row >= end) break;
    if (row++ < start) continue;
    text.push(rec, fieldOf);
    if (text.nRows === batchRows) yield await build();
  }
  if (!fieldOf) throw new DataError(messages.csvNoHeader(path));
  if (text.nRows > 0 || !yielded) yield await build();
  logNotes(path, [...notes.values()], opts.log);
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
    const tmp = await prepareTemp(path);
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
    await renameOver(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
