import { DataError } from '../errors.js';
import { isCategorical, type Column, type Table } from './table.js';

/**
 * Re-code `other` against `reference`'s category lists (appending labels the reference lacks) so codes
 * compare across tables read from different files. Columns must match by name; kinds by family.
 * Returns both tables re-coded against the merged lists.
 */
export function alignTables(reference: Table, others: readonly Table[], names: readonly string[] = others.map((_, i) => `table ${i + 2}`)): [Table, ...Table[]] {
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
    if (t.columns.length !== reference.columns.length)
      throw new DataError(`${name} has ${t.columns.length} columns, the real table ${reference.columns.length} (${reference.columns.map((c) => c.name).join(', ')})`);
    return {
      nRows: t.nRows,
      columns: t.columns.map((c, j): Column => {
        const r = reference.columns[j]!;
        if (c.name !== r.name) throw new DataError(`${name}: column ${j + 1} is "${c.name}", the real table has "${r.name}" there`);
        if (isCategorical(c) !== isCategorical(r)) throw new DataError(`${name}: column "${c.name}" is ${c.kind}, in the real table it is ${r.kind}`);
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
