// Chained-forest variants on a mask.py folder, scored by score.py per column beside a peer:
//   npx tsx bench/prototypes/chained-variants.mts DIR '{"maxRows":20000,"maxFeatures":"all"}' [peer=iterative_extratrees]
import { existsSync } from 'node:fs';
import { readTable, writeTable } from '../../src/io/table-io.js';
import { chainedForestImpute } from '../../src/impute/chained.js';
import { validationCells } from '../../src/impute/blend.js';
import { maskKinds, scoreShared } from '../impute-shared.js';
import { isCategorical, type Table } from '../../src/table/table.js';
const dir = process.argv[2]!;
const opts = JSON.parse(process.argv[3] ?? '{}');
const peer = process.argv[4] ?? 'iterative_extratrees';
const { table } = await readTable(`${dir}/masked.csv`, { columns: maskKinds(dir) });
const t0 = performance.now();
// "heldShare": the blend's validation cells (that share of each column's observed cells) as heldCells.
const { heldShare, ...rest } = opts;
const r = chainedForestImpute(table, { seed: 1, ...rest, ...(heldShare ? { heldCells: validationCells(table, 1, heldShare) } : {}) });
const secs = (performance.now() - t0) / 1000;
const out: Table = { nRows: table.nRows, columns: table.columns.map((c, j) => (isCategorical(c) ? { ...c, codes: Int32Array.from(r.values[j]!) } : { ...c, kind: 'numeric' as const, values: r.values[j]! })) };
const file = `${dir}/variant.csv`;
await writeTable(file, out);
const a = scoreShared(dir, file);
// The peer's columns print only where mask.py's folder holds its fill.
const b = existsSync(`${dir}/peer-${peer}.csv`) ? scoreShared(dir, `${dir}/peer-${peer}.csv`) : { rmse: undefined, accuracy: undefined, per_column: {} as Record<string, unknown> };
console.log(JSON.stringify(opts), `${secs.toFixed(1)} s`, 'ours', a.rmse?.toFixed(4), a.accuracy?.toFixed(4), peer, b.rmse?.toFixed(3), b.accuracy?.toFixed(3));
for (const k of Object.keys(a.per_column)) console.log(' ', k, JSON.stringify(a.per_column[k]), JSON.stringify(b.per_column[k] ?? {}));
