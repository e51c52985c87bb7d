/**
 * Multiple imputations in mice's long format (`mice::complete(imp, "long", include = TRUE)`): the input
 * table with its holes as `.imp` 0, then the m completed tables as `.imp` 1..m, with `.id` (the row,
 * 1-based) in front. R reads it back as a `mids` object (`as.mids(long)`) for `with()` and `pool()`;
 * elsewhere, analyse each `.imp` > 0 and pool with Rubin's rules.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { alignTables } from './align.js';
import { isCategorical, stackedText, type Column, type ContinuousColumn, type Table } from './table.js';

export const IMP_COLUMN = '.imp';
export const ID_COLUMN = '.id';

export function longFormat(input: Table, draws: readonly Table[]): Table {
  if (draws.length === 0) throw new DataError(messages.longFormatNoDraws());
  const tables = [input, ...draws];
  for (const name of [IMP_COLUMN, ID_COLUMN]) if (input.columns.some((c) => c.name === name)) throw new DataError(messages.longFormatColumnTaken(name));
  // One category list per column across the tables (a draw may hold a label the input lacks).
  const aligned = alignTables(input, draws);
  const n = input.nRows, m = tables.length;
  const imp = new Float64Array(n * m), id = new Float64Array(n * m);
  for (let k = 0; k < m; k++) for (let i = 0; i < n; i++) (imp[k * n + i] = k), (id[k * n + i] = i + 1);
  const columns = input.columns.map((c, j): Column => {
    const parts = aligned.map((t) => t.columns[j]!);
    if (isCategorical(c)) {
      const codes = new Int32Array(n * m);
      parts.forEach((p, k) => codes.set((p as typeof c).codes, k * n));
      return { ...(parts[0] as typeof c), codes };
    }
    const values = new Float64Array(n * m);
    parts.forEach((p, k) => values.set((p as ContinuousColumn).values, k * n));
    const { text: _drop, ...rest } = parts[0] as ContinuousColumn;
    return { ...rest, values, ...stackedText(parts as ContinuousColumn[]) } as Column;
  });
  return { nRows: n * m, columns: [{ name: IMP_COLUMN, kind: 'integer', values: imp }, { name: ID_COLUMN, kind: 'integer', values: id }, ...columns] };
}
