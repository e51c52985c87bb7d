import { DataError } from '../../errors.js';
import { formatFromPath, readTable, type ReadTableResult } from '../../io/table-io.js';
import { readCsvHeader } from '../../io/csv-stream.js';
import type { ColumnOverride } from '../../table/infer.js';
import { profileTable, type TableSchema } from '../../table/infer.js';
import { permutation, createRng, deriveSeed } from '../../rng.js';
import { isCategorical, takeRows, type Column, type Table } from '../../table/table.js';
import { messages } from '../../messages.js';
import type { SourceRead } from '../plan.js';

export interface LoadedTable {
  /** The table as the model sees it (dropped and passthrough columns removed). */
  table: Table;
  schema: TableSchema;
  dropped: string[];
  /** Columns kept verbatim beside the model's (`kind: passthrough`), and where they go. */
  passthrough: Passthrough;
  format: ReadTableResult['format'];
  /** `split.groupBy`: each row's group (0-based, in order of first appearance; missing is a group of its own). */
  groups?: Int32Array;
}

/** `kind: passthrough` columns as read (text, exactly), and the output column order they sit in. */
export interface Passthrough {
  columns: Column[];
  /** Every column kept in outputs, in the source's order. */
  order: string[];
}

/** `t` (the model's columns of these rows) with the passthrough columns put back in the source's order. */
export function withPassthrough(t: Table, p: Passthrough): Table {
  if (p.columns.length === 0) return t;
  const byName = new Map([...t.columns, ...p.columns].map((c) => [c.name, c]));
  return { nRows: t.nRows, columns: p.order.map((n) => byName.get(n)!) };
}

/** Read a table with the spec's per-column overrides, and drop the columns marked `drop`. */
export async function loadSourceTable(src: SourceRead, groupBy?: string): Promise<LoadedTable> {
  const { path } = src;
  // A column the spec names must be in the table: checked on the header first, so CSV and Arrow sources
  // (and the streamed reader, stream-source.ts) word it the same.
  if (Object.keys(src.columns).length && (src.format ?? formatFromPath(path)) === 'csv') {
    const header = await readCsvHeader(path, { delimiter: src.delimiter });
    for (const name of Object.keys(src.columns)) if (!header.includes(name)) throw new DataError(messages.specColumnMissing(`columns.${name}`, path, header));
  }
  const overrides: Record<string, ColumnOverride> = {};
  // A passthrough column is read as labels: every cell keeps the text it was read as.
  for (const [name, c] of Object.entries(src.columns)) if (c.kind || c.missing || c.passthrough) overrides[name] = { kind: c.passthrough ? 'categorical' : c.kind, missing: c.missing };
  const read = await readTable(path, { format: src.format, delimiter: src.delimiter, missing: src.missing, columns: overrides });
  const names = [...read.table.columns.map((c) => c.name)];
  for (const name of Object.keys(src.columns)) if (!names.includes(name)) throw new DataError(messages.specColumnMissing(`columns.${name}`, path, names));
  const dropped = Object.entries(src.columns).filter(([, c]) => c.drop).map(([n]) => n);
  const kept = read.table.columns.filter((c) => !dropped.includes(c.name));
  const isPassthrough = (c: Column) => src.columns[c.name]?.passthrough === true && Object.hasOwn(src.columns, c.name);
  const table: Table = { nRows: read.table.nRows, columns: kept.filter((c) => !isPassthrough(c)) };
  if (table.nRows === 0) throw new DataError(messages.noDataRows(path));
  const passthrough = { columns: kept.filter(isPassthrough), order: kept.map((c) => c.name) };
  let groups: Int32Array | undefined;
  if (groupBy !== undefined) {
    const by = read.table.columns.find((c) => c.name === groupBy);
    if (!by) throw new DataError(messages.specColumnMissing('split.groupBy', path, names));
    groups = groupIndex(by);
  }
  return { table, schema: profileTable(table), dropped, passthrough, format: read.format, ...(groups ? { groups } : {}) };
}

export interface Split {
  train: Table;
  holdout: Table | undefined;
  trainRows: Int32Array;
  holdoutRows: Int32Array;
}

/** Each row's group: equal cells share one (NaN with NaN, a missing label with a missing label). */
function groupIndex(c: Column): Int32Array {
  const keys: ArrayLike<number> = isCategorical(c) ? c.codes : c.values;
  const seen = new Map<number, number>();
  const out = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    let g = seen.get(k); // Map keys compare NaN equal to NaN (SameValueZero)
    if (g === undefined) seen.set(k, (g = seen.size));
    out[i] = g;
  }
  return out;
}

/**
 * Seeded train/holdout split; the holdout is what privacy and fidelity metrics compare against. With
 * `groups`, whole groups in a seeded order go to the holdout until it holds its share of rows.
 */
export function splitTable(table: Table, holdout: number, seed: number, groups?: Int32Array): Split {
  if (!(holdout > 0)) return { train: table, holdout: undefined, trainRows: Int32Array.from({ length: table.nRows }, (_, i) => i), holdoutRows: new Int32Array(0) };
  const nHold = Math.round(table.nRows * holdout);
  let holdoutRows: Int32Array, trainRows: Int32Array;
  if (groups) {
    let nGroups = 0;
    for (const g of groups) nGroups = Math.max(nGroups, g + 1);
    const order = permutation(nGroups, createRng(deriveSeed(seed, 'split-groups')));
    const size = new Int32Array(nGroups);
    for (const g of groups) size[g]!++;
    const held = new Uint8Array(nGroups);
    for (let i = 0, taken = 0; i < nGroups && taken < nHold; i++) {
      held[order[i]!] = 1;
      taken += size[order[i]!]!;
    }
    const rows = Array.from({ length: table.nRows }, (_, i) => i);
    holdoutRows = Int32Array.from(rows.filter((i) => held[groups[i]!]));
    trainRows = Int32Array.from(rows.filter((i) => !held[groups[i]!]));
  } else {
    const perm = permutation(table.nRows, createRng(deriveSeed(seed, 'split')));
    holdoutRows = perm.slice(0, nHold).sort();
    trainRows = perm.slice(nHold).sort();
  }
  return { train: takeRows(table, trainRows), holdout: takeRows(table, holdoutRows), trainRows, holdoutRows };
}
