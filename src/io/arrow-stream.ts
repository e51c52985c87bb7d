/**
 * Arrow IPC in record batches, for tables larger than memory (the Arrow side of csv-stream.ts).
 *
 * `readArrowBatches` reads a file's record batches one at a time through a FileHandle — the IPC file
 * format by random access (footer, then one batch), the stream format message by message — and turns
 * each into a Table with arrow-core.ts's column readers, slicing batches longer than `batchRows`. Memory is
 * one record batch (plus the dictionaries), whatever the file's length. A batch's categories are the
 * labels its rows use (dictionary order; labels matter, not codes).
 *
 * `ArrowBatchWriter` appends tables to one IPC file or stream, atomically (temp sibling, renamed on
 * close). The schema is fixed by the first table. Each categorical column has ONE dictionary that
 * grows: labels new in a table are appended as a new chunk of the dictionary Vector, and apache-arrow's
 * writer then emits a delta dictionary batch (in both formats; the file format forbids replacements).
 * Integers are Int64 (a later table may hold values beyond Int32), booleans keep the first table's
 * label pair in `synthdiff:labels`.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  AsyncByteQueue,
  Bool,
  type Data,
  DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  Message,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchReader,
  RecordBatchStreamWriter,
  type RecordBatchWriter,
  Schema,
  Struct,
  Utf8,
  type Vector,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { type Column, type Table, isCategorical } from '../table/table.js';
import { FORCED_BOOLEAN_PAIRS, booleanPairFor } from '../table/values.js';
import {
  type ArrowFormat,
  LABELS_KEY,
  RECORD_BATCH_ROWS,
  corruptArrowError,
  detectArrowFormat,
  emptyArrowError,
  missingFooterError,
  noColumnsError,
  notArrowError,
  readColumn,
  validity,
  writeColumn,
  checkFooter,
  checkMetadata,
} from './arrow-core.js';
import { prepareTemp, renameOver } from './atomic.js';
import { fileError } from './csv.js';

export interface ArrowBatchOptions {
  /** Rows per yielded table (default 65,536); longer record batches are sliced. */
  batchRows?: number;
  /** Yield only data rows [start, end) (0-based); record batches wholly before `start` are skipped
   * (in the file format without reading their bodies). */
  start?: number;
  end?: number;
}

export interface ArrowBatch {
  /** Index of the batch's first row among the file's rows. */
  start: number;
  table: Table;
}

export const DEFAULT_ARROW_BATCH_ROWS = 65_536;

interface OpenedArrow {
  fh: FileHandle;
  size: number;
  format: ArrowFormat;
}

/** Open `path` and check that it holds Arrow IPC data; files must end with their footer and magic. */
async function openArrow(path: string): Promise<OpenedArrow> {
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw fileError(path, e);
  });
  try {
    const { size } = await fh.stat().catch((e: unknown) => {
      throw fileError(path, e);
    });
    if (size === 0) throw emptyArrowError(path);
    const head = await readAt(fh, 0, Math.min(8, size), path);
    const format = detectArrowFormat(head, size);
    if (!format) throw notArrowError(path);
    if (format === 'file') {
      const tail = await readAt(fh, Math.max(0, size - 10), Math.min(10, size), path);
      const footerError = missingFooterError(path, tail, size);
      if (footerError) throw footerError;
      const length = new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true);
      try {
        // Every block's message metadata too: the library reads the dictionaries as it opens the file.
        const footerAt = size - 10 - length;
        for (const offset of checkFooter(await readAt(fh, footerAt, length, path), footerAt)) {
          const view = new DataView((await readAt(fh, offset, 8, path)).buffer);
          let metaLength = view.getInt32(0, true), at = 4;
          if (metaLength === -1) [metaLength, at] = [view.getInt32(4, true), 8];
          if (metaLength <= 0 || offset + at + metaLength > footerAt) throw new Error('a footer block points past its message');
          checkMetadata(await readAt(fh, offset + at, metaLength, path));
        }
      } catch (e) {
        throw corruptArrowError(path, format, e, 'the footer or schema');
      }
    }
    return { fh, size, format };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function readAt(fh: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let got = 0;
  try {
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  } catch (e) {
    throw fileError(path, e);
  }
  return buf.subarray(0, got);
}

/**
 * The IPC message starting at `offset` (continuation marker or legacy length prefix, metadata
 * flatbuffer), decoded without its body; undefined at the end-of-stream marker or the end of the file.
 */
async function messageAt(o: OpenedArrow, offset: number, path: string): Promise<{ message: Message; next: number } | undefined> {
  const { fh, size, format } = o;
  const prefix = await readAt(fh, offset, 8, path);
  if (prefix.length < 4) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
  let length = view.getInt32(0, true);
  let at = 4;
  if (length === -1) {
    if (prefix.length < 8) return undefined;
    length = view.getInt32(4, true);
    at = 8;
  }
  if (length === 0) return undefined;
  const truncated = (what: string) => new DataError(messages.arrowRunsPastEnd(path, format, what, offset, size));
  if (length < 0 || offset + at + length > size) throw truncated('message metadata');
  const meta = await readAt(fh, offset + at, length, path);
  let message: Message;
  try {
    checkMetadata(meta);
    message = Message.decode(meta);
  } catch (e) {
    throw corruptArrowError(path, format, e, `the message metadata at byte ${offset}`);
  }
  const next = offset + at + length + message.bodyLength;
  if (!(next <= size)) throw truncated('message body');
  return { message, next };
}

/** Rows in the file, summing record batch lengths from their metadata alone (no batch body is read). */
export async function countArrowRows(path: string): Promise<number> {
  const o = await openArrow(path);
  try {
    let rows = 0;
    if (o.format === 'stream') {
      let at = 0;
      for (let m = await messageAt(o, at, path); m; m = await messageAt(o, at, path)) {
        if (m.message.isRecordBatch()) rows += batchLength(m.message, path, o.format, at);
        at = m.next;
      }
      return rows;
    }
    const reader = await openReader(o, path);
    try {
      const footer = reader.footer!;
      for (let i = 0; i < reader.numRecordBatches; i++) rows += await blockRows(o, footer.getRecordBatch(i)?.offset, path);
      return rows;
    } finally {
      await Promise.resolve(reader.cancel()).catch(() => undefined);
    }
  } finally {
    await o.fh.close();
  }
}

async function blockRows(o: OpenedArrow, offset: number | undefined, path: string): Promise<number> {
  const m = offset === undefined ? undefined : await messageAt(o, offset, path);
  if (!m?.message.isRecordBatch()) throw new DataError(messages.arrowFooterEntryNotBatch(path, offset));
  return batchLength(m.message, path, o.format, offset!);
}

/** A record batch message's row count, decoded from its metadata (lazily, so faults surface here). */
function batchLength(message: Message, path: string, format: ArrowFormat, offset: number): number {
  try {
    const n = Number((message.header() as { length: number | bigint }).length);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error('bad length');
    return n;
  } catch (e) {
    throw corruptArrowError(path, format, e, `the record batch metadata at byte ${offset}`);
  }
}

async function openReader(o: OpenedArrow, path: string): Promise<RecordBatchReader> {
  let reader: RecordBatchReader | undefined;
  try {
    reader = await RecordBatchReader.from(o.fh);
    await reader.open({ autoDestroy: false });
  } catch (e) {
    if (reader) await Promise.resolve(reader.cancel()).catch(() => undefined);
    throw corruptArrowError(path, o.format, e, o.format === 'file' ? 'the footer or schema' : 'the schema at the start of the stream');
  }
  if (!reader.schema || reader.schema.fields.length === 0) {
    await Promise.resolve(reader.cancel()).catch(() => undefined);
    throw noColumnsError(path, o.format);
  }
  return reader;
}

/** A record batch (or a slice of one) as a table; dictionary columns keep only the labels used. */
function batchTable(fields: readonly Field[], rb: RecordBatch, path: string): Table {
  const n = rb.numRows;
  return { nRows: n, columns: fields.map((f, j) => readColumn(f, rb.getChildAt(j)!, n, path, { usedLabelsOnly: true })) };
}

/** The columns of a file with no rows in range, typed as its schema says. */
function emptyTable(fields: readonly Field[], path: string): Table {
  const columns = fields.map((f) => {
    const type = f.type as DataType;
    const dictionary = DataType.isDictionary(type) ? vectorFromArray([], (type as Dictionary).dictionary) : undefined;
    return readColumn(f, makeVector(makeData({ type, length: 0, nullCount: 0, ...(dictionary ? { dictionary } : {}) })), 0, path);
  });
  return { nRows: 0, columns };
}

/**
 * Yield the file's rows [start, end) as typed tables of at most `batchRows` rows, one record batch in
 * memory at a time. At least one batch is yielded, empty if the range is, so a writer learns the columns.
 */
export async function* readArrowBatches(path: string, opts: ArrowBatchOptions = {}): AsyncGenerator<ArrowBatch> {
  const batchRows = opts.batchRows ?? DEFAULT_ARROW_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new Error(`internal: batchRows must be a positive integer, got ${batchRows}`);
  const start = Math.max(0, opts.start ?? 0);
  const end = opts.end ?? Infinity;
  const o = await openArrow(path);
  let reader: RecordBatchReader | undefined;
  try {
    if (o.format === 'stream') await checkStreamMetadata(o, path);
    reader = await openReader(o, path);
    const fields = reader.schema.fields;
    let row = 0; // file row of the current record batch's first row
    let yielded = false;
    // The rows of one record batch that fall in [start, end), in slices of batchRows.
    const pieces = function* (rb: RecordBatch): Generator<ArrowBatch> {
      const from = Math.max(start, row) - row;
      const to = Math.min(end, row + rb.numRows) - row;
      for (let a = from; a < to; a += batchRows) {
        const b = Math.min(to, a + batchRows);
        yielded = true;
        yield { start: row + a, table: batchTable(fields, a === 0 && b === rb.numRows ? rb : rb.slice(a, b), path) };
      }
    };
    if (reader.isFile()) {
      const footer = reader.footer!;
      for (let i = 0; i < reader.numRecordBatches && row < end; i++) {
        const offset = footer.getRecordBatch(i)?.offset;
        const n = await blockRows(o, offset, path);
        if (row + n > start && n > 0) {
          let rb: RecordBatch | null;
          try {
            rb = await reader.readRecordBatch(i);
          } catch (e) {
            throw corruptArrowError(path, o.format, e, `record batch ${i + 1} at byte ${offset}`);
          }
          if (!rb || rb.numRows !== n) throw new DataError(messages.arrowBatchUnreadable(path, i + 1, offset));
          yield* decoded(pieces(rb), `record batch ${i + 1} at byte ${offset}`);
        }
        row += n;
      }
    } else {
      while (row < end) {
        let r: IteratorResult<RecordBatch>;
        try {
          r = await (reader.next() as Promise<IteratorResult<RecordBatch>>);
        } catch (e) {
          throw corruptArrowError(path, o.format, e, `the record batch after data row ${row}`);
        }
        if (r.done) break;
        const rb = r.value;
        // apache-arrow yields a placeholder batch without children for a stream with no batches.
        if (rb.numRows === 0) continue;
        yield* decoded(pieces(rb), `the record batch from data row ${row + 1}`);
        row += rb.numRows;
      }
    }
    if (!yielded) yield { start, table: emptyTable(fields, path) };
    // Library faults while typing a batch's columns (corrupt offsets, lengths, dictionaries) are named by place.
    function* decoded(batches: Generator<ArrowBatch>, place: string): Generator<ArrowBatch> {
      for (;;) {
        let r: IteratorResult<ArrowBatch>;
        try {
          r = batches.next();
        } catch (e) {
          throw corruptArrowError(path, o.format, e, place);
        }
        if (r.done) return;
        yield r.value;
      }
    }
  } finally {
    if (reader) await Promise.resolve(reader.cancel()).catch(() => undefined);
    await o.fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Collects what apache-arrow's writer emits, synchronously, so each table's bytes go to disk before
 * the next table is encoded (the writer's own queue would hold the whole file until read). */
class ChunkSink extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }
  take(): Uint8Array[] {
    const c = this.chunks;
    this.chunks = [];
    return c;
  }
}

type Slot =
  | { readonly kind: 'categorical'; readonly type: Dictionary<Utf8, Int32>; readonly codeOf: Map<string, number>; dictionary?: Vector<Utf8> }
  | { readonly kind: 'boolean'; readonly labels: readonly [string, string] }
  | { readonly kind: 'integer' | 'numeric' }
  | { readonly kind: 'datetime'; readonly resolution: 'date' | 'datetime' };

function describe(c: Column): string {
  return c.kind === 'datetime' ? `datetime (${c.resolution})` : c.kind;
}

/**
 * Appends tables to one Arrow IPC file or stream as record batches of at most 65,536 rows. Writes a
 * temp sibling; `close` renames it into place, `abort` removes it.
 */
export class ArrowBatchWriter {
  private schema: Schema | undefined;
  private slots: Slot[] = [];
  private rows = 0;
  private done = false;

  private constructor(
    readonly path: string,
    readonly format: ArrowFormat,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly writer: RecordBatchWriter,
    private readonly sink: ChunkSink,
  ) {}

  /** `format` defaults from the extension as writeTable decides: `.arrows` → stream, else file. */
  static async open(path: string, opts: { format?: ArrowFormat } = {}): Promise<ArrowBatchWriter> {
    const format = opts.format ?? (extname(path).toLowerCase() === '.arrows' ? 'stream' : 'file');
    const tmp = await prepareTemp(path);
    const fh = await open(tmp, 'w');
    const sink = new ChunkSink();
    const writer: RecordBatchWriter = format === 'file' ? new RecordBatchFileWriter() : new RecordBatchStreamWriter();
    writer.reset(sink);
    return new ArrowBatchWriter(path, format, tmp, fh, writer, sink);
  }

  /** Rows written so far. */
  get rowCount(): number {
    return this.rows;
  }

  async write(table: Table): Promise<void> {
    if (this.done) throw new Error(`internal: ${this.path}: write after close or abort`);
    const first = this.schema === undefined;
    if (first) this.schema = this.start(table);
    else this.check(table);
    const schema = this.schema!;
    const n = table.nRows;
    if (n === 0 && !first) return;
    let children: Data[];
    try {
      children = table.columns.map((c, j) => this.encode(c, j, n, first));
    } catch (e) {
      // A first table that cannot be written fixes nothing. (A later one may have grown a dictionary:
      // harmless, the new chunk goes out with the next batch that is written.)
      if (first) (this.schema = undefined), (this.slots = []);
      throw e;
    }
    const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
    // One Schema object for every batch: apache-arrow's writer compares schemas and would end the
    // stream (not throw) on a mismatch.
    if (n <= RECORD_BATCH_ROWS) this.writer.write(batch);
    else for (let at = 0; at < n; at += RECORD_BATCH_ROWS) this.writer.write(batch.slice(at, Math.min(n, at + RECORD_BATCH_ROWS)));
    this.rows += n;
    await this.flush();
  }

  async close(): Promise<void> {
    if (this.done) throw new Error(`internal: ${this.path}: closed twice`);
    if (this.schema === undefined) throw new Error(`internal: ${this.path}: closed before any batch was written`);
    this.done = true;
    try {
      this.writer.close(); // footer (file) or end-of-stream marker into the sink
      await this.flush();
      await this.fh.close();
      await renameOver(this.tmp, this.path);
    } catch (e) {
      await this.fh.close().catch(() => undefined);
      await rm(this.tmp, { force: true });
      throw e;
    }
  }

  async abort(): Promise<void> {
    this.done = true;
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }

  private async flush(): Promise<void> {
    const chunks = this.sink.take();
    if (chunks.length > 0) await this.fh.writev(chunks);
  }

  /** Fix the schema from the first table. */
  private start(table: Table): Schema {
    const fields = table.columns.map((c, j): Field => {
      if (c.kind === 'categorical') {
        // The column index is the dictionary id, as arrow.ts writes it.
        const type = new Dictionary(new Utf8(), new Int32(), j);
        this.slots.push({ kind: 'categorical', type, codeOf: new Map() });
        return new Field(c.name, type, true);
      }
      if (c.kind === 'boolean') {
        const labels = this.booleanPair(c);
        this.slots.push({ kind: 'boolean', labels });
        return new Field(c.name, new Bool(), true, new Map([[LABELS_KEY, JSON.stringify(labels)]]));
      }
      if (c.kind === 'integer') {
        this.slots.push({ kind: 'integer' });
        return new Field(c.name, new Int64(), true);
      }
      if (c.kind === 'datetime') {
        this.slots.push({ kind: 'datetime', resolution: c.resolution });
        return writeColumn(c, 0, j).field;
      }
      this.slots.push({ kind: 'numeric' });
      return new Field(c.name, new Float64(), true);
    });
    return new Schema(fields);
  }

  /** The first table's [false, true] labels; a table whose column holds fewer than two labels (a
   * batch read from CSV keeps only its own) gets the known pair that contains them. */
  private booleanPair(c: Column & { categories: readonly string[] }): readonly [string, string] {
    if (c.categories.length === 2) return [c.categories[0]!, c.categories[1]!];
    if (c.categories.length === 0) return ['false', 'true'];
    const pair = booleanPairFor(c.categories, FORCED_BOOLEAN_PAIRS);
    if (!pair) throw new DataError(messages.arrowBooleanPairUnknown(this.path, c.name, c.categories));
    return pair;
  }

  /** Later tables: same names in the same order, and kinds the first table's Arrow types can hold
   * exactly (integer into a numeric column, date into a datetime one; not the reverse). */
  private check(table: Table): void {
    const fields = this.schema!.fields;
    const names = table.columns.map((c) => c.name);
    if (names.length !== fields.length || names.some((name, j) => name !== fields[j]!.name)) {
      throw new Error(`internal: batch columns changed while writing ${this.path}: ${names.join(', ')} after ${fields.map((f) => f.name).join(', ')}`);
    }
    table.columns.forEach((c, j) => {
      const s = this.slots[j]!;
      const ok =
        s.kind === c.kind
          ? s.kind !== 'datetime' || c.kind !== 'datetime' || s.resolution === c.resolution || s.resolution === 'datetime'
          : s.kind === 'numeric' && c.kind === 'integer';
      if (!ok) {
        const was = s.kind === 'datetime' ? `datetime (${s.resolution})` : s.kind;
        throw new Error(`internal: column "${c.name}" changed from ${was} to ${describe(c)} while writing ${this.path}`);
      }
    });
  }

  private encode(c: Column, j: number, n: number, first: boolean): Data {
    const s = this.slots[j]!;
    if (s.kind === 'categorical' && isCategorical(c)) {
      // Global code of each of this table's labels; new labels extend the dictionary by one chunk.
      const fresh: string[] = [];
      const map = c.categories.map((label) => {
        let k = s.codeOf.get(label);
        if (k === undefined) {
          k = s.codeOf.size;
          s.codeOf.set(label, k);
          fresh.push(label);
        }
        return k;
      });
      if (first || fresh.length > 0) {
        // The first table's labels (maybe none) are the first chunk, written whole; the Vector keeps
        // that chunk, so apache-arrow writes each later chunk as a delta, never a replacement.
        const chunk = vectorFromArray(fresh, new Utf8());
        s.dictionary = first ? chunk : s.dictionary!.concat(chunk);
      }
      const codes = c.codes;
      const nulls = validity(n, (i) => codes[i]! >= 0);
      const data = new Int32Array(n);
      for (let i = 0; i < n; i++) if (codes[i]! >= 0) data[i] = map[codes[i]!]!;
      return makeData({ type: s.type, length: n, ...nulls, data, dictionary: s.dictionary });
    }
    if (s.kind === 'boolean' && isCategorical(c)) {
      const map = c.categories.map((label) => s.labels.indexOf(label));
      const codes = c.codes;
      const bits = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const k = codes[i]!;
        if (k < 0) continue;
        const b = map[k]!;
        if (b < 0) {
          throw new DataError(messages.arrowBooleanLabelNew(this.path, this.rows + i + 1, c.name, c.categories[k], s.labels));
        }
        bits[i] = b;
      }
      const nulls = validity(n, (i) => codes[i]! >= 0);
      const type = new Bool();
      return makeData({ type, length: n, ...nulls, data: validity(n, (i) => bits[i] === 1).nullBitmap });
    }
    if (s.kind === 'integer' && c.kind === 'integer') {
      // Int64 whatever this table holds: a later table may not fit Int32. Fractions round as in CSV.
      const v = c.values;
      const data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const x = v[i]!;
        if (Number.isNaN(x)) continue;
        const r = Math.round(x);
        if (!Number.isFinite(r) || Math.abs(r) >= 2 ** 63) {
          throw new DataError(messages.arrowBatchInt64Overflow(this.path, this.rows + i + 1, c.name, x));
        }
        data[i] = BigInt(r);
      }
      return makeData({ type: new Int64(), length: n, ...validity(n, (i) => !Number.isNaN(v[i]!)), data });
    }
    if (s.kind === 'numeric' && (c.kind === 'numeric' || c.kind === 'integer')) return writeColumn({ ...c, kind: 'numeric' }, n, j).data;
    if (s.kind === 'datetime' && c.kind === 'datetime') return writeColumn({ ...c, resolution: s.resolution }, n, j).data;
    throw new Error(`internal: column "${c.name}" is ${describe(c)}, which the schema of ${this.path} cannot hold`);
  }
}


/** Check every message's metadata of a stream (bodies are skipped) before the library reads it. */
export async function checkStreamMetadata(o: OpenedArrow, path: string): Promise<void> {
  let at = 0;
  for (let m = await messageAt(o, at, path); m; m = await messageAt(o, at, path)) at = m.next;
}
