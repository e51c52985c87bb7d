// Time one chained-forest fill of a mask.py folder and hash it (the forest speed-up note in RESULTS):
//   npx tsx bench/prototypes/chained-forest-time.mts /work/bench-out/dslabs__gapminder-s1 [iterations=1]
import { readTable } from '../../src/io/table-io.js';
import { chainedForestImpute } from '../../src/impute/chained.js';
import { maskKinds } from '../impute-shared.js';
import { createHash } from 'node:crypto';
const dir = process.argv[2]!;
const { table } = await readTable(`${dir}/masked.csv`, { columns: maskKinds(dir) });
const t0 = performance.now();
const r = chainedForestImpute(table, { seed: 1, iterations: Number(process.argv[3] ?? 1) });
const h = createHash('sha256');
for (const v of r.values) h.update(new Uint8Array(v.buffer));
console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`, h.digest('hex').slice(0, 16));
