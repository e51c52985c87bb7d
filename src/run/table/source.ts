import { DataError } from '../../errors.js';
import { formatFromPath, readTable, type ReadTableResult } from '../../io/table-io.js';
import { readCsvHeader } from '../../io/csv-stream.js';
import type { ColumnOverride } from '../../table/infer.js';
import { profileTable, type TableSchema } from '../../table/infer.js';
import { permutation, createRng, deriveSeed } from '../../rng.js';
import { takeRows, type Table } from '../../table/table.js';
import { messages } from '../../messages.js';
import type { SourceRead } from '../plan.js';

export interface LoadedTable {
  /** The table as the model sees it (dropped columns removed). */
  table: Table;
  schema: TableSchema;
  dropped: string[];
  format: ReadTableResult['format'];
}

/** Read a table with the spec's per-column overrides, and drop the columns marked `drop`. */
export async function loadSourceTable(src: SourceRead): Promise<LoadedTable> {
  const { path } = src;
  // A column the spec names must be in the table: checked on the header first, so CSV and Arrow sources
  // (and the streamed reader, stream-source.ts) word it the same.
  if (Object.keys(src.columns).length && (src.format ?? formatFromPath(path)) === 'csv') {
    const header = await readCsvHeader(path, { delimiter: src.delimiter });
    for (const name of Object.keys(src.columns)) if (!header.includes(name)) throw new DataError(messages.specColumnMissing(`columns.${name}`, path, header));
  }
  const overrides: Record<string, ColumnOverride> = {};
  for (const [name, c] of Object.entries(src.columns)) if (c.kind || c.missing) overrides[name] = { kind: c.kind, missing: c.missing };
  const read = await readTable(path, { format: src.format, delimiter: src.delimiter, missing: src.missing, columns: overrides });
  const names = [...read.table.columns.map((c) => c.name)];
  for (const name of Object.keys(src.columns)) if (!names.includes(name)) throw new DataError(messages.specColumnMissing(`columns.${name}`, path, names));
  const dropped = Object.entries(src.columns).filter(([, c]) => c.drop).map(([n]) => n);
  const table: Table = { nRows: read.table.nRows, columns: read.table.columns.filter((c) => !dropped.includes(c.name)) };
  if (table.nRows === 0) throw new DataError(messages.noDataRows(path));
  return { table, schema: profileTable(table), dropped, format: read.format };
}

export interface Split {
  train: Table;
  holdout: Table | undefined;
  trainRows: Int32Array;
  holdoutRows: Int32Array;
}

/** Seeded train/holdout split; the holdout is what privacy and fidelity metrics compare against. */
export function splitTable(table: Table, holdout: number, seed: number): Split {
  if (!(holdout > 0)) return { train: table, holdout: undefined, trainRows: Int32Array.from({ length: table.nRows }, (_, i) => i), holdoutRows: new Int32Array(0) };
  const perm = permutation(table.nRows, createRng(deriveSeed(seed, 'split')));
  const nHold = Math.round(table.nRows * holdout);
  const holdoutRows = perm.slice(0, nHold).sort();
  const trainRows = perm.slice(nHold).sort();
  return { train: takeRows(table, trainRows), holdout: takeRows(table, holdoutRows), trainRows, holdoutRows };
}
