/**
 * Tables in record batches whatever the format: CSV (csv-stream.ts) or Arrow IPC (arrow-stream.ts),
 * typed to a fixed list of columns (the model's, or a streamed source's), and a writer for either.
 *
 * CSV texts are read straight into the wanted kinds. Arrow columns are typed already; each batch's
 * columns are matched by name and re-read as the wanted kind with `retypeColumn` (the same route
 * `readTable` takes for Arrow overrides), so an Int32 `stage` column the model treats as categorical
 * arrives as labels "1"…"4" exactly as from CSV.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { CellError, retypeColumn } from '../table/infer.js';
import type { Column, Table } from '../table/table.js';
import { ArrowBatchWriter, countArrowRows, readArrowBatches } from './arrow-stream.js';
import type { ArrowFormat } from './arrow.js';
import type { CsvDelimiter } from './csv.js';
import { CsvBatchWriter, countCsvRows, readCsvBatches, type CsvBatchOptions, type StreamColumn } from './csv-stream.js';
import { formatFromPath, type TableFormat } from './table-io.js';

export type TableBatchOptions = CsvBatchOptions;

export interface TableBatch {
  /** Index of the batch's first row among the source's data rows. */
  start: number;
  table: Table;
}

/** Data rows [start, end) of a CSV or Arrow table as batches typed to `opts.columns`. */
export function readTableBatches(path: string, format: TableFormat | undefined, opts: TableBatchOptions): AsyncGenerator<TableBatch> {
  return (format ?? formatFromPath(path)) === 'csv' ? readCsvBatches(path, opts) : readArrowTyped(path, opts);
}

async function* readArrowTyped(path: string, opts: TableBatchOptions): AsyncGenerator<TableBatch> {
  const globalMissing = opts.missing ?? [];
  let checked = false;
  for await (const batch of readArrowBatches(path, { batchRows: opts.batchRows, start: opts.start, end: opts.end })) {
    const byName = new Map(batch.table.columns.map((c) => [c.name, c]));
    if (!checked) {
      for (const c of opts.columns) if (!byName.has(c.name)) throw new DataError(messages.batchColumnMissing(path, c.name, opts.columns.map((x) => x.name)));
      const known = new Set([...opts.columns.map((c) => c.name), ...(opts.drop ?? [])]);
      const extra = [...byName.keys()].filter((n) => !known.has(n));
      if (extra.length) throw new DataError(messages.columnsUnknownToModel(path, extra));
      checked = true;
    }
    const columns = opts.columns.map((want): Column => {
      const col = byName.get(want.name)!;
      let out: Column;
      try {
        out = retypeColumn(col, { kind: want.kind, missing: [...globalMissing, ...(want.missing ?? [])] });
      } catch (e) {
        if (!(e instanceof CellError)) throw e;
        throw new DataError(messages.batchCellNotKind(path, batch.start + e.row + 1, want.name, e.value, e.expected, opts.kindOrigin ?? 'the kind the model has for it'));
      }
      if (out.kind === 'datetime' && want.resolution) return { ...out, resolution: want.resolution };
      return out;
    });
    yield { start: batch.start, table: { nRows: batch.table.nRows, columns } };
  }
}

/** Data rows of a CSV or Arrow table, in constant memory. */
export function countTableRows(path: string, format: TableFormat | undefined, opts: { delimiter?: CsvDelimiter | 'auto' } = {}): Promise<number> {
  return (format ?? formatFromPath(path)) === 'csv' ? countCsvRows(path, opts) : countArrowRows(path);
}

/** Appends tables to one file, atomically: `close` renames it into place, `abort` leaves nothing. */
export interface TableBatchWriter {
  readonly path: string;
  write(table: Table): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A batch writer for `path`: CSV (`.tsv` tab-separated) or Arrow (`.arrows` the stream format, other
 * Arrow extensions the IPC file format), as `writeTable` decides.
 */
export async function openTableWriter(path: string, format?: TableFormat): Promise<TableBatchWriter> {
  if ((format ?? formatFromPath(path)) === 'csv') return CsvBatchWriter.open(path);
  const arrowFormat: ArrowFormat = path.toLowerCase().endsWith('.arrows') ? 'stream' : 'file';
  return ArrowBatchWriter.open(path, { format: arrowFormat });
}

export type { StreamColumn };
