import { column, isCategorical, type Table } from '../../src/table/table.js';

/** A categorical column's labels by row (missing as undefined). */
export function labels(t: Table, name: string): (string | undefined)[] {
  const c = column(t, name);
  if (!isCategorical(c)) throw new Error(`${name} is not categorical`);
  return Array.from(c.codes, (k) => (k < 0 ? undefined : c.categories[k]));
}

/** A continuous column's values (missing as NaN). */
export function numbers(t: Table, name: string): Float64Array {
  const c = column(t, name);
  if (isCategorical(c)) throw new Error(`${name} is categorical`);
  return c.values;
}
