/**
 * Arrow IPC (file "ARROW1…" and stream formats) ⇄ Table, on apache-arrow.
 *
 * Kind mapping, written → read back:
 * - numeric     → Float64                     (Float16/32/64 read as numeric)
 * - integer     → Int32 when every value fits, else Int64; any Int8…Uint64 reads as integer, except
 *                 64-bit columns holding a value beyond ±2^53, which read as numeric (rounded) since
 *                 the integer kind promises exact values
 * - categorical → Dictionary<Utf8, Int32> in category order (Utf8/LargeUtf8 and other dictionaries
 *                 also read as categorical: plain strings get sorted categories, dictionaries keep
 *                 their order)
 * - boolean     → Bool, with the labels in field metadata `synthdiff:labels` (JSON [false, true]) so
 *                 TRUE/FALSE vs true/false survive; foreign Bool columns read as ["false", "true"]
 * - datetime    → DateDay (resolution 'date') or Timestamp[ms, UTC] ('datetime'); Date64 reads as
 *                 'date' when every value is a whole day, any Timestamp unit as 'datetime'
 * Nulls map to the table's missing sentinels both ways (a NaN float also reads as missing).
 * With these, CSV → Arrow → CSV prints exactly what CSV → CSV does.
 *
 * Tables of more than RECORD_BATCH_ROWS rows are written as several record batches of that many rows
 * sharing one dictionary per column, so they can be read back batch by batch (arrow-stream.ts).
 */
import { readFile } from 'node:fs/promises';
import {
  type Data,
  Field,
  RecordBatch,
  Schema,
  Struct,
  Table as ArrowTable,
  Message,
  makeData,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';
import { DataError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { readArrowBatches } from './arrow-stream.js';
import {
  type ArrowFormat,
  RECORD_BATCH_ROWS,
  checkFooter,
  checkMetadata,
  corruptArrowError,
  detectArrowFormat,
  emptyArrowError,
  footerBytes,
  messageMetadataAt,
  missingFooterError,
  noColumnsError,
  notArrowError,
  readColumn,
  writeColumn,
} from './arrow-core.js';
import { fileError } from './csv.js';
import type { Table } from '../table/table.js';
import { type TableSchema, profileTable } from '../table/infer.js';

export { type ArrowFormat, LABELS_KEY, RECORD_BATCH_ROWS, detectArrowFormat } from './arrow-core.js';

export interface ArrowReadResult {
  readonly table: Table;
  readonly schema: TableSchema;
  readonly format: ArrowFormat;
}

export interface ArrowWriteOptions {
  /** IPC file (random access, default) or stream format. */
  readonly format?: ArrowFormat;
}


export async function readArrow(path: string): Promise<ArrowReadResult> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
  let read: { table: Table; format: ArrowFormat };
  try {
    read = tableFromArrowBytes(bytes, path);
  } catch (e) {
    // The whole-file decoder cannot say where; the batch reader walks message by message and can.
    if (e instanceof DataError && e.message.endsWith('cannot be decoded')) throw (await locateArrowFault(path)) ?? e;
    throw e;
  }
  const { table, format } = read;
  return { table, schema: profileTable(table), format };
}


/** Decode Arrow IPC bytes; `source` names the origin in error messages. */
export function tableFromArrowBytes(bytes: Uint8Array, source = '<arrow bytes>'): { table: Table; format: ArrowFormat } {
  if (bytes.length === 0) throw emptyArrowError(source);
  const format = detectArrowFormat(bytes);
  if (!format) throw notArrowError(source);
  if (format === 'file') {
    const footerError = missingFooterError(source, bytes.subarray(Math.max(0, bytes.length - 10)), bytes.length);
    if (footerError) throw footerError;
  }
  let at: ArrowTable;
  try {
    if (format === 'stream') checkStreamBytes(bytes);
    else {
      const { footer, at } = footerBytes(bytes);
      for (const offset of checkFooter(footer, at)) {
        const meta = messageMetadataAt(bytes, offset);
        if (!meta) throw new Error('a footer block points past its message');
        checkMetadata(meta);
      }
    }
    at = tableFromIPC(bytes);
  } catch (e) {
    throw corruptArrowError(source, format, e);
  }
  if (at.schema.fields.length === 0) throw noColumnsError(source, format);
  const nRows = at.numRows;
  try {
    const columns = at.schema.fields.map((field, j) => readColumn(field, at.getChildAt(j)!, nRows, source));
    return { table: { nRows, columns }, format };
  } catch (e) {
    throw corruptArrowError(source, format, e);
  }
}


// ---------------------------------------------------------------------------------------------
// Writing

export function tableToArrowBytes(table: Table, format: ArrowFormat = 'file'): Uint8Array {
  const n = table.nRows;
  const fields: Field[] = [];
  const children: Data[] = [];
  for (const [i, c] of table.columns.entries()) {
    const { field, data } = writeColumn(c, n, i);
    fields.push(field);
    children.push(data);
  }
  const schema = new Schema(fields);
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length: n, nullCount: 0, children }),
  );
  if (n <= RECORD_BATCH_ROWS) return tableToIPC(new ArrowTable(schema, batch), format);
  // Slices share each column's dictionary Vector, so the writer emits every dictionary once.
  const batches: RecordBatch[] = [];
  for (let at = 0; at < n; at += RECORD_BATCH_ROWS) batches.push(batch.slice(at, Math.min(n, at + RECORD_BATCH_ROWS)));
  return tableToIPC(new ArrowTable(schema, batches), format);
}

/** Write atomically; `format` defaults to the IPC file format. */
export async function writeArrow(path: string, table: Table, opts: ArrowWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, tableToArrowBytes(table, opts.format ?? 'file'));
}


/** The batch reader's account of a fault the whole-file decoder met (with its place), if it finds one. */
async function locateArrowFault(path: string): Promise<DataError | undefined> {
  try {
    for await (const _ of readArrowBatches(path, {}));
  } catch (e) {
    if (e instanceof DataError) return e;
  }
  return undefined;
}

/** `checkMetadata` on every message of an in-memory stream, before the library decodes it. */
function checkStreamBytes(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let offset = 0; offset + 4 <= bytes.length; ) {
    let length = view.getInt32(offset, true);
    let at = 4;
    if (length === -1) {
      if (offset + 8 > bytes.length) return;
      length = view.getInt32(offset + 4, true);
      at = 8;
    }
    if (length <= 0 || offset + at + length > bytes.length) return; // end marker, or the library reports the cut
    const meta = bytes.subarray(offset + at, offset + at + length);
    checkMetadata(meta);
    const body = Number(Message.decode(meta).bodyLength);
    if (!Number.isSafeInteger(body) || body < 0) throw new Error('message body length is not a length');
    offset += at + length + body;
  }
}
