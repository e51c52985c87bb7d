/**
 * Quality against the training-step budget for the default table model on a 10k-row training table:
 * ggplot2__diamonds' first 20,000 rows split 50/50 (train 10,000 rows → default 3×512 MLP, 8,000 steps).
 * For each budget a fresh model trains with that many steps (its own warm-up and cosine schedule, as a
 * user setting `model.steps` gets), generates 2,000 rows (Heun, 50 steps) and is scored against the
 * training half: column shapes, real-edge pair trends, RF detection AUC; a random 2,000-row sample of
 * the holdout half gives the same figures for real data.
 *
 *   npx tsx bench/steps-quality.ts [budgets, default 1000,2000,4000,8000]
 *
 * Issue 6's target "the default model reaches its quality on a 10k-row table in ≤ 5 minutes" is read off
 * this: the budget whose scores match the 8,000-step default's, and its training time.
 */
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { detectionC2ST } from '../src/evaluate/detection.js';
import { columnPairTrends, columnShapes } from '../src/evaluate/fidelity.js';
import { readTable } from '../src/io/table-io.js';
import { splitTable } from '../src/run/table/source.js';
import { createRng, permutation } from '../src/rng.js';
import { takeRows } from '../src/table/table.js';
import { REPO_ROOT } from './common.js';

const info = await initBackend({ backend: 'wasm' });
const { table } = await readTable(`${REPO_ROOT}/../shared/data/tabular/ggplot2__diamonds.csv`);
const first = takeRows(table, Int32Array.from({ length: 20000 }, (_, i) => i));
const { train, holdout } = splitTable(first, 0.5, 1);
const real = takeRows(holdout!, permutation(holdout!.nRows, createRng(7)).subarray(0, 2000).sort());
const base = { shapes: columnShapes(train, real).score, trends: columnPairTrends(train, real, { binning: 'real' }).score, auc: detectionC2ST(train, real, { seed: 3 }).auc };
console.log(JSON.stringify({ what: 'holdout sample (real data)', backend: info.detail, shapes: +base.shapes.toFixed(4), trendsReal: +base.trends.toFixed(4), detAuc: +base.auc.toFixed(3) }));
const budgets = (process.argv[2] ?? '1000,2000,4000,8000').split(',').map(Number).filter((n) => n > 0);
for (const steps of budgets) {
  const model = TabularDiffusion.create(train, { seed: 1, train: { steps } });
  const t0 = performance.now();
  const st = await model.fit(train);
  const trainS = (performance.now() - t0) / 1000;
  const syn = await model.generate(2000, { seed: 2, sampler: 'heun', steps: 50 });
  console.log(
    JSON.stringify({
      steps,
      done: st.step,
      mlp: `${model.mlp.depth}x${model.mlp.width}`,
      trainSeconds: Math.round(trainS),
      stepsPerSecond: +(st.step / trainS).toFixed(2),
      bestValLoss: +st.bestValLoss.toFixed(4),
      shapes: +columnShapes(train, syn).score.toFixed(4),
      trendsReal: +columnPairTrends(train, syn, { binning: 'real' }).score.toFixed(4),
      detAuc: +detectionC2ST(train, syn, { seed: 3 }).auc.toFixed(3),
    }),
  );
  model.dispose();
}
