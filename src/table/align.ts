import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { isCategorical, type Column, type Table } from './table.js';

/**
 * Re-code `other` against `reference`'s category lists (appending labels the reference lacks) so codes
 * compare across tables read from different files. Columns are matched by name (another table's columns
 * are put in the reference's order; a column missing or extra is an error naming it); kinds by family.
 * Returns the tables re-coded against the merged lists.
 */
export function alignTables(reference: Table, tables: readonly Table[], names: readonly string[] = tables.map((_, i) => `table ${i + 2}`)): [Table, ...Table[]] {
  const others = tables.map((t, i) => inReferenceOrder(reference, t, names[i]!));
  const merged = reference.columns.map((c, j) => {
    if (!isCategorical(c)) return undefined;
    const cats = [...c.categories];
    const seen = new Set(cats);
    for (const t of others) {
      const o = t.columns[j] as Column;
      if (!isCategorical(o)) continue;
      for (const k of o.categories) if (!seen.has(k)) (seen.add(k), cats.push(k));
    }
    return cats;
  });
  const recode = (t: Table, name: string): Table => {
    return {
      nRows: t.nRows,
      columns: t.columns.map((c, j): Column => {
        const r = reference.columns[j]!;
        if (isCategorical(c) !== isCategorical(r)) throw new DataError(messages.alignKind(name, c.name, c.kind, r.kind));
        if (!isCategorical(c)) return c.kind === r.kind ? c : { ...c, kind: r.kind as 'numeric' } as Column;
        const cats = merged[j]!;
        const index = new Map(cats.map((k, i) => [k, i]));
        const map = c.categories.map((k) => index.get(k)!);
        return { name: c.name, kind: (r as typeof c).kind, codes: Int32Array.from(c.codes, (k) => (k < 0 ? -1 : map[k]!)), categories: cats };
      }),
    };
  };
  const ref = recode(reference, 'real');
  // Share one categories array per column so evaluators can compare lists by identity.
  const out = others.map((t, i) => recode(t, names[i]!));
  for (const t of out)
    t.columns.forEach((c, j) => {
      if (isCategorical(c)) (c as { categories: readonly string[] }).categories = (ref.columns[j] as typeof c).categories;
    });
  return [ref, ...out];
}

/** `t`'s columns in `reference`'s order, matched by name. */
function inReferenceOrder(reference: Table, t: Table, name: string): Table {
  const have = new Map(t.columns.map((c) => [c.name, c]));
  const want = new Set(reference.columns.map((c) => c.name));
  const missing = reference.columns.find((c) => !have.has(c.name));
  if (missing) throw new DataError(messages.alignColumnMissing(name, missing.name, reference.columns.map((c) => c.name)));
  const extra = t.columns.find((c) => !want.has(c.name));
  if (extra) throw new DataError(messages.alignColumnExtra(name, extra.name, reference.columns.map((c) => c.name)));
  return { nRows: t.nRows, columns: reference.columns.map((c) => have.get(c.name)!) };
}
