/**
 * Sweep the training noise distribution (and the sampler) on a real table: trains the default model for a fixed
 * step budget, then reports column shapes, pair trends, RF detection, DCR share and 20% MCAR imputation RMSE.
 * The LogNormal(−0.5, 1.4) default in src/diffusion/edm.ts came from this on credit_data, 3,000 steps:
 *   node --import tsx bench/noise-sweep.ts fixtures/tables/modeldata__credit_data.csv 3000 -1.2 1.2
 *   node --import tsx bench/noise-sweep.ts fixtures/tables/modeldata__credit_data.csv 3000 -0.5 1.4
 * Arguments: table, steps, pMean, pStd, [pUnconditional]. Prints one JSON line.
 */
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { EDM_DEFAULTS } from '../src/diffusion/edm.js';
import { readTable } from '../src/io/table-io.js';
import { splitTable } from '../src/run/table/source.js';
import { qualityScore } from '../src/evaluate/fidelity.js';
import { detectionC2ST } from '../src/evaluate/detection.js';
import { dcr } from '../src/evaluate/privacy.js';
import { hideCells, imputationErrors } from '../src/evaluate/imputation.js';
import { cellIntervals } from '../src/run/table/intervals.js';
const [file, steps, pMean, pStd, pUncond] = process.argv.slice(2);
await initBackend({ backend: 'wasm' });
const { table } = await readTable(file!);
const split = splitTable(table, 0.5, 42);
const model = TabularDiffusion.create(split.train, { seed: 42, train: { steps: Number(steps), patience: 0, edm: { ...EDM_DEFAULTS, pMean: Number(pMean), pStd: Number(pStd) }, maskPolicy: { pUnconditional: Number(pUncond ?? 0.25) } } });
const t0 = performance.now();
await model.fit(split.train);
const out: Record<string, unknown> = { pMean, pStd, pUncond, steps, train_s: Math.round((performance.now() - t0) / 1000) };
for (const sampler of ['heun', 'edm-stochastic'] as const) {
  const syn = await model.generate(split.train.nRows, { seed: 7, sampler, steps: 50 });
  const q = qualityScore(split.train, syn);
  const d = detectionC2ST(split.train, syn, { seed: 1 });
  const p = dcr(syn, split.train, split.holdout!, { seed: 1 });
  out[sampler] = `shape ${q.columnShapes.score.toFixed(4)} trend ${q.columnPairTrends.score.toFixed(4)} det ${d.score.toFixed(3)} dcr ${p.dcrShare.toFixed(3)}`;
  const { masked, hidden } = hideCells(split.holdout!, 0.2, 5, 'mcar');
  const draws = await model.complete(masked, { draws: 10, seed: 3, sampler, steps: 50 });
  const e = imputationErrors(split.holdout!, cellIntervals(masked, draws).point, hidden);
  out[sampler] += ` | impute rmse ${e.rmse.toFixed(4)} acc ${e.accuracy.toFixed(4)}`;
}
console.log(JSON.stringify(out));
