/**
 * What arrow.ts (whole tables) and arrow-stream.ts (record batches) share: the IPC format's magic, the
 * errors both give for the same file, one column's reader and writer, and the metadata check that runs
 * before the library decodes a message.
 */
import {
  Bool,
  type Data,
  DataType,
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  TimestampMillisecond,
  Utf8,
  type Vector,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { ByteBuffer } from 'flatbuffers';
import { Message as FbMessage } from 'apache-arrow/fb/message';
import { RecordBatch as FbRecordBatch } from 'apache-arrow/fb/record-batch';
import { DictionaryBatch as FbDictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import { Schema as FbSchema } from 'apache-arrow/fb/schema';
import { Field as FbField } from 'apache-arrow/fb/field';
import { Footer as FbFooter } from 'apache-arrow/fb/footer';
import { Block as FbBlock } from 'apache-arrow/fb/block';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { type Column, isCategorical } from '../table/table.js';
import { MS_PER_DAY, isWholeDay, sortCategories } from '../table/values.js';

export type ArrowFormat = 'file' | 'stream';

export const LABELS_KEY = 'synthdiff:labels';
/** Rows per record batch when writing a table (smaller tables are one batch). */
export const RECORD_BATCH_ROWS = 65_536;
const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Which IPC format the bytes hold, from the magic: "ARROW1" for files, a 0xFFFFFFFF continuation
 * marker (or, in pre-1.0 streams, a positive metadata length) for streams. `size` is the whole input's
 * length when `bytes` is only its head. */
export function detectArrowFormat(bytes: Uint8Array, size = bytes.length): ArrowFormat | undefined {
  if (bytes.length >= 6 && FILE_MAGIC.every((b, i) => bytes[i] === b)) return 'file';
  if (bytes.length >= 8 && size >= 8) {
    const first = new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true);
    if (first === -1 || (first > 0 && first < size)) return 'stream';
  }
  return undefined;
}

/** The errors readArrow and the batch reader share, so both say the same about the same file. */
export function emptyArrowError(source: string): DataError {
  return new DataError(messages.arrowEmpty(source));
}
export function notArrowError(source: string): DataError {
  return new DataError(messages.notArrow(source));
}
/** A fault the Arrow library met, as the place in the file that holds it: the library's own text
 * (`Cannot destructure property 'length' of …`) says nothing a user can act on, so it is not shown. */
export function corruptArrowError(source: string, format: ArrowFormat, e: unknown, place = 'its schema, footer or record batches'): DataError {
  if (e instanceof DataError) return e;
  return new DataError(messages.arrowCorrupt(source, format, place));
}
/** An IPC file ends with its footer, the footer's int32 length and "ARROW1"; a cut file does not.
 * `tail` is the file's last 10 bytes (fewer when it is shorter). */
export function missingFooterError(source: string, tail: Uint8Array, size: number): DataError | undefined {
  const magicAt = tail.length - FILE_MAGIC.length;
  const closed = tail.length === 10 && size >= 8 + 10 && FILE_MAGIC.every((b, i) => tail[magicAt + i] === b);
  const footerLength = closed ? new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true) : 0;
  if (closed && footerLength > 0 && footerLength <= size - 18) return undefined;
  return new DataError(messages.arrowNoFooter(source));
}
export function noColumnsError(source: string, format: ArrowFormat): DataError {
  return new DataError(messages.arrowNoColumns(source, format));
}

export interface ReadColumnOptions {
  /** Dictionary columns: only the labels some row uses, in dictionary order (the batch reader's
   * choice, so a batch's categories stay within its rows however large the dictionary grows). */
  readonly usedLabelsOnly?: boolean;
}

/** One Arrow column (all of `vec`'s chunks, `n` rows) as a table column; DataError for types we do not read. */
export function readColumn(field: Field, vec: Vector, n: number, source: string, opts: ReadColumnOptions = {}): Column {
  const name = field.name;
  const type = field.type as DataType;
  if (DataType.isDictionary(type)) return readDictionary(name, vec, n, source, opts.usedLabelsOnly ?? false);
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type)) {
    return stringsToCategorical(name, vec, n);
  }
  if (DataType.isBool(type)) {
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = vec.get(i) as boolean | null;
      codes[i] = v === null ? -1 : v ? 1 : 0;
    }
    return { name, kind: 'boolean', codes, categories: booleanLabels(field, source) };
  }
  if (DataType.isNull(type)) return { name, kind: 'numeric', values: new Float64Array(n).fill(NaN) };
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDate(type) || DataType.isTimestamp(type)) {
    const values = new Float64Array(n);
    let lossy = false;
    // Int64 values beyond ±2^53 keep their exact digits for the writers (Column.text).
    const wide: { row: number; text: string }[] = [];
    for (let i = 0; i < n; i++) {
      const v = vec.get(i) as number | bigint | null;
      if (v === null) values[i] = NaN;
      else if (typeof v === 'bigint') {
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
          lossy = true;
          wide.push({ row: i, text: v.toString() });
        }
        values[i] = Number(v);
      } else values[i] = v;
    }
    if (DataType.isFloat(type)) return { name, kind: 'numeric', values };
    if (DataType.isInt(type)) {
      if (!lossy) return { name, kind: 'integer', values };
      const index = new Int32Array(n).fill(-1);
      wide.forEach((w, k) => (index[w.row] = k));
      const text = { texts: wide.map((w) => w.text), values: Float64Array.from(wide, (w) => values[w.row]!), index };
      return { name, kind: 'numeric', values, text };
    }
    const dateOnly = DataType.isDate(type) && values.every((v) => Number.isNaN(v) || isWholeDay(v));
    return { name, kind: 'datetime', values, resolution: dateOnly ? 'date' : 'datetime' };
  }
  throw new DataError(messages.arrowTypeUnsupported(source, name, String(type)));
}

export function booleanLabels(field: Field, source: string): [string, string] {
  const raw = field.metadata.get(LABELS_KEY);
  if (raw === undefined) return ['false', 'true'];
  try {
    const labels: unknown = JSON.parse(raw);
    if (Array.isArray(labels) && labels.length === 2 && labels.every((l) => typeof l === 'string')) {
      return [labels[0] as string, labels[1] as string];
    }
  } catch {
    // fall through to the error below
  }
  throw new DataError(messages.arrowBooleanLabelsMetadata(source, field.name, LABELS_KEY, raw));
}

function stringsToCategorical(name: string, vec: Vector, n: number): Column {
  const seen = new Map<string, number>();
  const raw = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = vec.get(i) as string | null;
    if (v === null) {
      raw[i] = -1;
      continue;
    }
    let k = seen.get(v);
    if (k === undefined) {
      k = seen.size;
      seen.set(v, k);
    }
    raw[i] = k;
  }
  const categories = sortCategories([...seen.keys()]);
  const order = new Map(categories.map((c, i) => [c, i]));
  const remap = [...seen.keys()].map((c) => order.get(c)!);
  return { name, kind: 'categorical', codes: raw.map((k) => (k < 0 ? -1 : remap[k]!)), categories };
}

/** Dictionary columns keep their dictionary order (it may be a meaningful level order); batches with
 * different dictionaries are merged by label, first seen first. With `usedOnly`, labels no row uses
 * are left out (only the used entries are decoded). */
function readDictionary(name: string, vec: Vector, n: number, source: string, usedOnly: boolean): Column {
  const categories: string[] = [];
  const codeOf = new Map<string, number>();
  const codes = new Int32Array(n);
  let row = 0;
  for (const data of vec.data as Data<Dictionary>[]) {
    const dict = data.dictionary;
    if (!dict) throw new DataError(messages.arrowDictionaryMissing(source, name));
    const idx = data.values as ArrayLike<number | bigint>;
    let used: Uint8Array | undefined;
    if (usedOnly) {
      used = new Uint8Array(dict.length);
      for (let i = 0; i < data.length; i++) if (data.getValid(i)) used[Number(idx[i]!)] = 1;
    }
    const local = new Int32Array(dict.length);
    for (let k = 0; k < dict.length; k++) {
      if (used && !used[k]) continue;
      const label = dict.get(k) as unknown;
      if (label === null || label === undefined) {
        local[k] = -1;
        continue;
      }
      const text = typeof label === 'string' ? label : String(label);
      let code = codeOf.get(text);
      if (code === undefined) {
        code = categories.length;
        categories.push(text);
        codeOf.set(text, code);
      }
      local[k] = code;
    }
    for (let i = 0; i < data.length; i++, row++) {
      codes[row] = data.getValid(i) ? local[Number(idx[i]!)]! : -1;
    }
  }
  return { name, kind: 'categorical', codes, categories };
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function validity(n: number, isValid: (i: number) => boolean): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    if (isValid(i)) nullBitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return { nullBitmap, nullCount };
}

/** One table column as an Arrow field and its data (`index` is the dictionary id for categorical columns). */
export function writeColumn(c: Column, n: number, index: number): { field: Field; data: Data } {
  if (isCategorical(c)) {
    const codes = c.codes;
    const nulls = validity(n, (i) => codes[i]! >= 0);
    // Null slots still need an in-range index for readers that peek at them.
    const data = codes.map((k) => (k < 0 ? 0 : k));
    if (c.kind === 'boolean') {
      const bits = validity(n, (i) => codes[i] === 1).nullBitmap;
      const type = new Bool();
      const metadata = new Map([[LABELS_KEY, JSON.stringify(c.categories)]]);
      return { field: new Field(c.name, type, true, metadata), data: makeData({ type, length: n, ...nulls, data: bits }) };
    }
    // An explicit id (apache-arrow otherwise takes one from a process-wide counter) keeps the bytes
    // identical when the same table is written twice in one process.
    const type = new Dictionary(new Utf8(), new Int32(), index);
    const dictionary = vectorFromArray([...c.categories], new Utf8());
    return { field: new Field(c.name, type, true), data: makeData({ type, length: n, ...nulls, data, dictionary }) };
  }
  const v = c.values;
  const nulls = validity(n, (i) => !Number.isNaN(v[i]!));
  if (c.kind === 'numeric') {
    const type = new Float64();
    return { field: new Field(c.name, type, true), data: makeData({ type, length: n, ...nulls, data: v }) };
  }
  if (c.kind === 'integer') {
    // Generated integer columns may hold fractions: round, as the CSV writer does.
    let fits32 = true;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (Number.isNaN(x)) continue;
      if (!Number.isFinite(x)) {
        throw new DataError(messages.arrowInt64Overflow(c.name, i + 1, x));
      }
      const r = Math.round(x);
      if (r < INT32_MIN || r > INT32_MAX) fits32 = false;
    }
    if (fits32) {
      const type = new Int32();
      const data = Int32Array.from(v, (x) => (Number.isNaN(x) ? 0 : Math.round(x)));
      return { field: new Field(c.name, type, true), data: makeData({ type, length: n, ...nulls, data }) };
    }
    const type = new Int64();
    const data = BigInt64Array.from(v, (x) => (Number.isNaN(x) ? 0n : BigInt(Math.round(x))));
    return { field: new Field(c.name, type, true), data: makeData({ type, length: n, ...nulls, data }) };
  }
  if (c.kind === 'datetime' && c.resolution === 'date') {
    const type = new DateDay();
    const data = Int32Array.from(v, (x) => (Number.isNaN(x) ? 0 : Math.round(x / MS_PER_DAY)));
    return { field: new Field(c.name, type, true), data: makeData({ type, length: n, ...nulls, data }) };
  }
  const type = new TimestampMillisecond('UTC');
  const data = BigInt64Array.from(v, (x) => (Number.isNaN(x) ? 0n : BigInt(Math.round(x))));
  return { field: new Field(c.name, type, true), data: makeData({ type, length: n, ...nulls, data }) };
}

/**
 * Refuse message metadata whose vector lengths cannot fit in it: a corrupt length makes the Arrow
 * library loop for billions of entries (a hang of many seconds) before it fails. Each field node and
 * buffer takes 16 bytes, each schema field at least 4.
 */
export function checkMetadata(meta: Uint8Array): void {
  const m = FbMessage.getRootAsMessage(new ByteBuffer(meta));
  const fits = (n: number, size: number) => Number.isSafeInteger(n) && n >= 0 && n * size <= meta.length;
  const batch = (rb: FbRecordBatch | null) => {
    if (rb && !(fits(rb.nodesLength(), 16) && fits(rb.buffersLength(), 16))) throw new Error('record batch vectors overrun the metadata');
  };
  switch (m.headerType()) {
    case 1:
      checkSchema(m.header(new FbSchema()) as FbSchema | null, meta.length);
      break;
    case 2:
      batch((m.header(new FbDictionaryBatch()) as FbDictionaryBatch | null)?.data(new FbRecordBatch()) ?? null);
      break;
    case 3:
      batch(m.header(new FbRecordBatch()) as FbRecordBatch | null);
      break;
    default:
      // NONE, Tensor, SparseTensor or garbage: a message of no type made the library loop for minutes.
      throw new Error(`message of type ${m.headerType()}, not a schema, dictionary or record batch`);
  }
}

/** Schema fields (and their children, for nested types) must fit in the `bytes` that hold them. */
function checkSchema(schema: FbSchema | null, bytes: number): void {
  if (!schema) return;
  const fits = (n: number) => Number.isSafeInteger(n) && n >= 0 && n * 4 <= bytes;
  if (!fits(schema.fieldsLength()) || !fits(schema.customMetadataLength())) throw new Error('schema fields overrun the metadata');
  const field = (f: FbField | null, depth: number): void => {
    if (!f) return;
    if (depth > 64 || !fits(f.childrenLength()) || !fits(f.customMetadataLength())) throw new Error('schema fields overrun the metadata');
    for (let i = 0; i < f.childrenLength(); i++) field(f.children(i, new FbField()), depth + 1);
  };
  for (let i = 0; i < schema.fieldsLength(); i++) field(schema.fields(i, new FbField()), 0);
}

/**
 * `checkMetadata` for an IPC file's footer (its schema, and the dictionary and record batch blocks of
 * 24 bytes each): a corrupt length there made the library spend seconds (9 s on one fuzzed 3.6 kB file)
 * before failing. `footer` is the footer's bytes (before its int32 length and the closing magic), which
 * start at byte `footerAt` of the file: every block must lie between the leading magic and the footer.
 * Returns the blocks' offsets (dictionaries first), for the caller to check each message's metadata.
 */
export function checkFooter(footer: Uint8Array, footerAt: number): number[] {
  const f = FbFooter.getRootAsFooter(new ByteBuffer(footer));
  const fits = (n: number, size: number) => Number.isSafeInteger(n) && n >= 0 && n * size <= footer.length;
  if (!fits(f.dictionariesLength(), 24) || !fits(f.recordBatchesLength(), 24) || !fits(f.customMetadataLength(), 4)) throw new Error('footer blocks overrun the footer');
  checkSchema(f.schema(), footer.length);
  const offsets: number[] = [];
  const block = (b: FbBlock | null) => {
    if (!b) throw new Error('footer block missing');
    const offset = Number(b.offset()), meta = b.metaDataLength(), body = Number(b.bodyLength());
    if (!(offset >= 8 && meta > 0 && body >= 0 && offset + meta + body <= footerAt)) throw new Error('footer block outside the file');
    offsets.push(offset);
  };
  for (let i = 0; i < f.dictionariesLength(); i++) block(f.dictionaries(i, new FbBlock()));
  for (let i = 0; i < f.recordBatchesLength(); i++) block(f.recordBatches(i, new FbBlock()));
  return offsets;
}

/** The metadata of the IPC message at `offset` of a whole file (continuation marker optional), or undefined when cut. */
export function messageMetadataAt(bytes: Uint8Array, offset: number): Uint8Array | undefined {
  if (offset + 8 > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 8);
  let length = view.getInt32(0, true), at = 4;
  if (length === -1) [length, at] = [view.getInt32(4, true), 8];
  if (length <= 0 || offset + at + length > bytes.length) return undefined;
  return bytes.subarray(offset + at, offset + at + length);
}

/** The footer bytes of a whole IPC file (whose closing magic and footer length `missingFooterError` checked). */
export function footerBytes(bytes: Uint8Array): { footer: Uint8Array; at: number } {
  const length = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 10, 4).getInt32(0, true);
  return { footer: bytes.subarray(bytes.length - 10 - length, bytes.length - 10), at: bytes.length - 10 - length };
}
