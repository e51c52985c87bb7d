/** Small Table builders shared by the evaluator tests. */
import { createRng, deriveSeed, permutation } from '../../src/rng.js';
import type { CategoricalColumn, Column, NumericColumn, Table } from '../../src/table/table.js';

export function num(name: string, values: readonly number[]): NumericColumn {
  return { name, kind: 'numeric', values: Float64Array.from(values) };
}

/** Categorical column from labels (null = missing) against a fixed category list. */
export function cat(name: string, categories: readonly string[], labels: readonly (string | null)[]): CategoricalColumn {
  return {
    name,
    kind: 'categorical',
    categories,
    codes: Int32Array.from(labels, (l) => {
      if (l === null) return -1;
      const k = categories.indexOf(l);
      if (k < 0) throw new Error(`label ${l} not in categories`);
      return k;
    }),
  };
}

export function table(...columns: Column[]): Table {
  const nRows = columns.length ? ('codes' in columns[0]! ? columns[0].codes.length : columns[0]!.values.length) : 0;
  return { nRows, columns };
}

/** Each column permuted independently: marginals kept exactly, dependence between columns destroyed. */
export function shuffleColumns(t: Table, seed: number): Table {
  const columns = t.columns.map((c, j): Column => {
    const p = permutation(t.nRows, createRng(deriveSeed(seed, j)));
    if ('codes' in c) return { ...c, codes: Int32Array.from(p, (i) => c.codes[i]!) };
    return { ...c, values: Float64Array.from(p, (i) => c.values[i]!) };
  });
  return { nRows: t.nRows, columns };
}

/** Rows [start, end) of a table. */
export function sliceRows(t: Table, start: number, end: number): Table {
  const columns = t.columns.map((c): Column => ('codes' in c ? { ...c, codes: c.codes.slice(start, end) } : { ...c, values: c.values.slice(start, end) }));
  return { nRows: end - start, columns };
}

/** The table's rows in a seeded random order (so slices are random splits). */
export function shuffleRows(t: Table, seed: number): Table {
  const p = permutation(t.nRows, createRng(seed));
  const columns = t.columns.map((c): Column => ('codes' in c ? { ...c, codes: Int32Array.from(p, (i) => c.codes[i]!) } : { ...c, values: Float64Array.from(p, (i) => c.values[i]!) }));
  return { nRows: t.nRows, columns };
}
