#!/bin/bash
# usage: bench/prototypes/forest-ab.sh REV DIR [col,col,...]
# Grows 20-tree forests per column of a mask.py folder (each column from all the others, holes as 0) with
# src/evaluate/forest.ts at git revision REV and as it is now, alternating old, new, old, new in one process
# so both see the same load; prints seconds and a hash of each forest's splits (equal hashes: same trees).
set -eu
R=$(cd "$(dirname "$0")/../.." && pwd); S=$R/bench/scratch; mkdir -p $S
git -C $R show "$1:src/evaluate/forest.ts" | sed "s#'../rng.js'#'../../src/rng.js'#" > $S/forest-old.ts
cat > $S/forest-ab.mts <<'TS'
import { createHash } from 'node:crypto';
import { readTable } from '../../src/io/table-io.js';
import * as NEW from '../../src/evaluate/forest.js';
import * as OLD from './forest-old.js';
import { maskKinds } from '../impute-shared.js';
import { isCategorical } from '../../src/table/table.js';
const dir = process.argv[2]!;
const cols = (process.argv[3] ?? '').split(',').filter(Boolean);
const { table } = await readTable(`${dir}/masked.csv`, { columns: maskKinds(dir) });
const n = table.nRows, p = table.columns.length;
const data = new Float64Array(n * p);
table.columns.forEach((c, j) => { for (let i = 0; i < n; i++) { const v = isCategorical(c) ? c.codes[i]! : c.values[i]!; data[j * n + i] = Number.isNaN(v) || v < 0 ? 0 : v; } });
const h = (f: { trees: readonly { feature: Int32Array; threshold: Float64Array }[] }): string => createHash('sha1').update(JSON.stringify(f.trees.map((t) => [Array.from(t.feature), Array.from(t.threshold)]))).digest('hex').slice(0, 10);
const tot = { OLD: 0, NEW: 0 };
for (let j = 0; j < p; j++) {
  const c = table.columns[j]!;
  if (cols.length && !cols.includes(c.name)) continue;
  const X = { nRows: n, nCols: p - 1, data: new Float64Array(n * (p - 1)), names: [] as string[] };
  let f = 0; for (let k = 0; k < p; k++) { if (k === j) continue; X.data.set(data.subarray(k * n, (k + 1) * n), f * n); f++; }
  const opts = { seed: 1, nTrees: 20, maxDepth: 40, maxBins: 256, maxFeatures: 'sqrt' as const };
  const out: string[] = [];
  for (const [name, M] of [['OLD', OLD], ['NEW', NEW], ['OLD', OLD], ['NEW', NEW]] as const) {
    const t0 = performance.now();
    const fr = isCategorical(c) ? M.trainForestClassifier(X, Int32Array.from(data.subarray(j * n, (j + 1) * n)), c.categories.length, opts) : M.trainForestRegressor(X, Float64Array.from(data.subarray(j * n, (j + 1) * n)), opts);
    const dt = performance.now() - t0;
    tot[name] += dt;
    out.push(`${name} ${(dt / 1000).toFixed(2)}s ${h(fr)}`);
  }
  console.log(c.name, out.join(' | '));
}
console.log('total s (old, new, new/old):', (tot.OLD / 2000).toFixed(2), (tot.NEW / 2000).toFixed(2), (tot.NEW / tot.OLD).toFixed(3));
TS
cd $R && npx tsx $S/forest-ab.mts "$2" "${3:-}"
