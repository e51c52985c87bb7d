/**
 * One entry point for tables on disk: picks CSV or Arrow by explicit format or by file extension.
 */
import { extname } from 'node:path';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { CellError, type TableSchema, overrideFor, profileTable, retypeColumn } from '../table/infer.js';
import type { Table } from '../table/table.js';
import { type ArrowFormat, readArrow, writeArrow } from './arrow.js';
import { type CsvDelimiter, type CsvReadOptions, readCsv, writeCsv } from './csv.js';

export type TableFormat = 'csv' | 'arrow';

export interface ReadTableOptions extends CsvReadOptions {
  /** Overrides the extension. */
  readonly format?: TableFormat;
}

export interface ReadTableResult {
  readonly table: Table;
  readonly schema: TableSchema;
  readonly format: TableFormat;
}

const EXTENSIONS: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrow',
};

/** The format a path's extension implies; DataError for an extension we do not know. */
export function formatFromPath(path: string): TableFormat {
  const ext = extname(path).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) {
    throw new DataError(messages.tableFormatUnknown(path, ext, Object.keys(EXTENSIONS)));
  }
  return format;
}

/**
 * Read a CSV or Arrow table. CSV options apply to CSV; for Arrow, whose columns are already typed,
 * `columns[name].kind` / `.missing` and `missing` are applied afterwards as if the table had been
 * read from the CSV our writer would produce.
 */
export async function readTable(path: string, opts: ReadTableOptions = {}): Promise<ReadTableResult> {
  const format = opts.format ?? formatFromPath(path);
  if (format === 'csv') {
    const { table, schema } = await readCsv(path, opts);
    return { table, schema, format };
  }
  const { table: raw } = await readArrow(path);
  const table = applyOverrides(raw, opts, path);
  return { table, schema: profileTable(table), format };
}

function applyOverrides(table: Table, opts: CsvReadOptions, source: string): Table {
  const names = new Set(table.columns.map((c) => c.name));
  for (const name of Object.keys(opts.columns ?? {})) {
    if (!names.has(name)) {
      throw new DataError(messages.overrideColumnMissing(source, name, 'table', [...names]));
    }
  }
  if (!opts.columns && !opts.missing?.length) return table;
  const columns = table.columns.map((c) => {
    const o = overrideFor(opts.columns, c.name);
    try {
      return retypeColumn(c, { kind: o?.kind, missing: [...(opts.missing ?? []), ...(o?.missing ?? [])] });
    } catch (e) {
      if (!(e instanceof CellError)) throw e;
      throw new DataError(messages.overrideCellNotKind(source, e.message));
    }
  });
  return { nRows: table.nRows, columns };
}

/**
 * Write a table as CSV or Arrow, atomically. `format` defaults from the extension; `.tsv` writes
 * tab-separated, `.arrows` the Arrow stream format, other Arrow extensions the IPC file format.
 */
export async function writeTable(path: string, table: Table, format?: TableFormat): Promise<void> {
  const f = format ?? formatFromPath(path);
  const ext = extname(path).toLowerCase();
  if (f === 'csv') {
    const delimiter: CsvDelimiter = ext === '.tsv' ? '\t' : ',';
    await writeCsv(path, table, { delimiter });
  } else {
    const arrowFormat: ArrowFormat = ext === '.arrows' ? 'stream' : 'file';
    await writeArrow(path, table, { format: arrowFormat });
  }
}
