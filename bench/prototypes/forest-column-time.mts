// Time one 100-tree forest per column of a mask.py folder (each column from all the others, holes as 0):
//   npx tsx bench/prototypes/forest-column-time.mts DIR
import { readTable } from '../../src/io/table-io.js';
import { trainForestClassifier, trainForestRegressor, type FeatureMatrix } from '../../src/evaluate/forest.js';
import { maskKinds } from '../impute-shared.js';
import { isCategorical } from '../../src/table/table.js';
const dir = process.argv[2]!;
const { table } = await readTable(`${dir}/masked.csv`, { columns: maskKinds(dir) });
const n = table.nRows, p = table.columns.length;
const data = new Float64Array(n * p);
table.columns.forEach((c, j) => { for (let i = 0; i < n; i++) { const v = isCategorical(c) ? c.codes[i]! : c.values[i]!; data[j * n + i] = Number.isNaN(v) || v < 0 ? 0 : v; } });
for (let j = 0; j < p; j++) {
  const c = table.columns[j]!;
  const X: FeatureMatrix = { nRows: n, nCols: p - 1, data: new Float64Array(n * (p - 1)), names: [] };
  let f = 0; for (let k = 0; k < p; k++) { if (k === j) continue; X.data.set(data.subarray(k * n, (k + 1) * n), f * n); f++; }
  const t0 = performance.now();
  const opts = { seed: 1, nTrees: 100, maxDepth: 40, maxBins: 256, maxFeatures: 'sqrt' as const };
  if (isCategorical(c)) trainForestClassifier(X, Int32Array.from(data.subarray(j * n, (j + 1) * n)), c.categories.length, opts);
  else trainForestRegressor(X, Float64Array.from(data.subarray(j * n, (j + 1) * n)), opts);
  console.log(c.name, isCategorical(c) ? `K=${c.categories.length}` : 'num', ((performance.now() - t0) / 1000).toFixed(2), 's');
}
