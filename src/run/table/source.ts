import { DataError } from '../../errors.js';
import { readTable, type ReadTableResult } from '../../io/table-io.js';
import type { ColumnOverride } from '../../table/infer.js';
import { profileTable, type TableSchema } from '../../table/infer.js';
import { permutation, createRng, deriveSeed } from '../../rng.js';
import { takeRows, type Table } from '../../table/table.js';
import type { PipelineSpec } from '../../spec/types.js';

export interface LoadedTable {
  /** The table as the model sees it (dropped columns removed). */
  table: Table;
  schema: TableSchema;
  dropped: string[];
  format: ReadTableResult['format'];
}

/** Read the spec's source table with its per-column overrides, and drop the columns marked `drop`. */
export async function loadSourceTable(spec: PipelineSpec, path = spec.source.path): Promise<LoadedTable> {
  if (spec.source.format === 'dicom') throw new DataError(`${path}: source.format is dicom; a table pipeline needs csv or arrow`);
  const overrides: Record<string, ColumnOverride> = {};
  for (const [name, c] of Object.entries(spec.columns ?? {})) if (c.kind || c.missing) overrides[name] = { kind: c.kind, missing: c.missing };
  const read = await readTable(path, {
    format: spec.source.format === 'arrow' || spec.source.format === 'csv' ? spec.source.format : undefined,
    delimiter: spec.source.delimiter as ',' | ';' | '\t' | undefined,
    missing: spec.source.missing,
    columns: overrides,
  });
  const names = new Set(read.table.columns.map((c) => c.name));
  for (const name of Object.keys(spec.columns ?? {}))
    if (!names.has(name)) throw new DataError(`columns.${name}: ${path} has no such column (columns: ${[...names].join(', ')})`);
  const dropped = Object.entries(spec.columns ?? {}).filter(([, c]) => c.drop).map(([n]) => n);
  const table: Table = { nRows: read.table.nRows, columns: read.table.columns.filter((c) => !dropped.includes(c.name)) };
  if (table.nRows === 0) throw new DataError(`${path}: the table has no data rows`);
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
