/**
 * The evaluators compare tables cell-for-cell by code, so both sides must share names, kinds and
 * category lists; anything else would silently compare unrelated codes.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { isCategorical, type Table } from '../table/table.js';

/** Throws a DataError naming the first column where `b` does not match `a`'s schema. */
export function assertSameSchema(a: Table, b: Table, nameA = 'real', nameB = 'synthetic'): void {
  if (a.columns.length !== b.columns.length) {
    throw new DataError(messages.tablesColumnCount(nameA, nameB, a.columns.length, b.columns.length));
  }
  for (let j = 0; j < a.columns.length; j++) {
    const ca = a.columns[j]!;
    const cb = b.columns[j]!;
    if (ca.name !== cb.name) {
      throw new DataError(messages.tablesColumnName(nameA, nameB, j + 1, ca.name, cb.name));
    }
    // An integer column whose imputed or pooled values are fractional comes back numeric: same values, same scale.
    const continuous = (k: string): boolean => k === 'integer' || k === 'numeric';
    if (ca.kind !== cb.kind && !(continuous(ca.kind) && continuous(cb.kind))) {
      throw new DataError(messages.tablesColumnKind(ca.name, ca.kind, nameA, cb.kind, nameB));
    }
    if (isCategorical(ca) && isCategorical(cb) && ca.categories !== cb.categories) {
      const same =
        ca.categories.length === cb.categories.length && ca.categories.every((c, k) => c === cb.categories[k]);
      if (!same) {
        throw new DataError(messages.tablesCategoryLists(ca.name, nameA, nameB));
      }
    }
  }
}

/** Throws unless the table has at least `min` rows. */
export function assertRows(t: Table, min: number, name: string): void {
  if (t.nRows < min) throw new DataError(messages.tableTooFewRows(name, min, t.nRows));
}
