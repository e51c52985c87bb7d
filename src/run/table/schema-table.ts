import type { TableSchema } from '../../table/infer.js';
import type { Column, Table } from '../../table/table.js';

/** The inferred schema as a table (one row per column), so the profile task can write CSV or Arrow. */
export function schemaTable(schema: TableSchema): Table {
  const cols = schema.columns;
  const n = cols.length;
  const text = (name: string, get: (i: number) => string | undefined): Column => {
    const cats = [...new Set(cols.map((_, i) => get(i)).filter((v): v is string => v !== undefined))].sort();
    const codes = Int32Array.from(cols, (_, i) => {
      const v = get(i);
      return v === undefined ? -1 : cats.indexOf(v);
    });
    return { name, kind: 'categorical', codes, categories: cats };
  };
  const num = (name: string, kind: 'numeric' | 'integer', get: (i: number) => number | undefined): Column => ({
    name,
    kind,
    values: Float64Array.from(cols, (_, i) => get(i) ?? NaN),
  });
  return {
    nRows: n,
    columns: [
      text('column', (i) => cols[i]!.name),
      text('kind', (i) => cols[i]!.kind),
      num('missing', 'integer', (i) => cols[i]!.missing),
      num('distinct', 'integer', (i) => cols[i]!.distinct),
      num('min', 'numeric', (i) => cols[i]!.min),
      num('max', 'numeric', (i) => cols[i]!.max),
      num('mean', 'numeric', (i) => cols[i]!.mean),
      num('std', 'numeric', (i) => cols[i]!.std),
      text('possibly_categorical', (i) => (cols[i]!.kind === 'integer' ? String(Boolean(cols[i]!.possiblyCategorical)) : undefined)),
      text('categories', (i) => cols[i]!.categories?.join('|')),
    ],
  };
}
