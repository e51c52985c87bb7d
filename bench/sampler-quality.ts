/**
 * Fidelity against network evaluations: one 3×256 model per table (a modest fixed budget, early
 * stopping off), then the same model sampled with each sampler/step count, every output scored against
 * the training rows (column shapes, real-edge pair trends, RF detection AUC) next to a real holdout
 * sample. Heun 50 (99 evaluations, the default) is drawn with two seeds to show the metrics' own noise.
 *
 *   npx tsx bench/sampler-quality.ts [tables, default credit_data,SLID] [steps, default 2000] [rows, default 3000]
 *
 * Prints one JSON line per (table, sampler, steps, seed).
 */
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { detectionC2ST } from '../src/evaluate/detection.js';
import { columnPairTrends, columnShapes } from '../src/evaluate/fidelity.js';
import { readTable } from '../src/io/table-io.js';
import { splitTable } from '../src/run/table/source.js';
import { createRng, permutation } from '../src/rng.js';
import { takeRows } from '../src/table/table.js';
import type { SamplerName } from '../src/spec/types.js';
import { REPO_ROOT } from './common.js';

const info = await initBackend({ backend: 'wasm' });
const tables = (process.argv[2] ?? 'modeldata__credit_data,carData__SLID').split(',');
const budget = Number(process.argv[3] ?? 2000);
const rows = Number(process.argv[4] ?? 3000);
const runs: Array<{ sampler: SamplerName; steps: number; seed: number }> = [
  { sampler: 'heun', steps: 50, seed: 2 },
  { sampler: 'heun', steps: 50, seed: 3 },
  { sampler: 'heun', steps: 10, seed: 2 },
  { sampler: 'dpmpp-2m', steps: 10, seed: 2 },
  { sampler: 'dpmpp-2m', steps: 15, seed: 2 },
  { sampler: 'dpmpp-2m', steps: 20, seed: 2 },
  { sampler: 'dpmpp-2m', steps: 20, seed: 3 },
];
const evals = (s: SamplerName, n: number) => (s === 'dpmpp-2m' || s === 'euler-maruyama' ? n : 2 * n - 1);
for (const name of tables) {
  const { table } = await readTable(`${REPO_ROOT}/../shared/data/tabular/${name}.csv`);
  const { train, holdout } = splitTable(table, 0.2, 1);
  const n = Math.min(rows, train.nRows, holdout!.nRows);
  const score = (syn: typeof train) => ({
    shapes: +columnShapes(train, syn).score.toFixed(4),
    trendsReal: +columnPairTrends(train, syn, { binning: 'real' }).score.toFixed(4),
    detAuc: +detectionC2ST(train, syn, { seed: 3 }).auc.toFixed(4),
  });
  const real = takeRows(holdout!, permutation(holdout!.nRows, createRng(7)).subarray(0, n).sort());
  console.log(JSON.stringify({ table: name, what: 'real holdout sample', rows: n, backend: info.detail, ...score(real) }));
  const model = TabularDiffusion.create(train, { width: 256, depth: 3, seed: 1, train: { steps: budget, patience: 0 } });
  const t0 = performance.now();
  await model.fit(train);
  const trainS = (performance.now() - t0) / 1000;
  for (const r of runs) {
    const t1 = performance.now();
    const syn = await model.generate(n, { seed: r.seed, sampler: r.sampler, steps: r.steps });
    const genS = (performance.now() - t1) / 1000;
    console.log(JSON.stringify({ table: name, sampler: r.sampler, steps: r.steps, evaluations: evals(r.sampler, r.steps), seed: r.seed, rows: n, trainSeconds: Math.round(trainS), generateSeconds: +genS.toFixed(2), ...score(syn) }));
  }
  model.dispose();
}
