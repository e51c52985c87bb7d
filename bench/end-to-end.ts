/**
 * Scenario `end-to-end`: one table through the whole library path a user runs, with wall time and memory
 * per stage: load (CSV → typed table, 80/20 split) → train (default architecture and batch for the table
 * size, a fixed step budget) → impute (m = 1) → generate → evaluate.
 *
 * Sizes that keep the suite finishable on a 2-core CPU, all stated in the record:
 * - training runs exactly `steps` steps (early stopping off), not the default budget for the table size;
 * - imputation completes ≤ `evalRows` unseen holdout rows with 20% of their observed cells hidden (MCAR),
 *   scored against the truth next to mean/mode — sampling every row of a 255k-row table would be
 *   255k × 99 network evaluations and is what the `sample` scenario's rows/s extrapolates;
 * - imputation and generation use the pipeline's per-task sampler defaults (`defaultTableSampling`: EDM stochastic
 *   to impute, Heun to generate, 50 steps); generation draws min(train rows, `evalRows`) rows;
 * - evaluation compares ≤ `evalRows`-row samples: SDMetrics-style shapes/trends and RF detection (C2ST),
 *   each also for the real holdout rows in place of synthetic ones, the score a perfect generator gets.
 */
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { detectionC2ST } from '../src/evaluate/detection.js';
import { qualityScore } from '../src/evaluate/fidelity.js';
import { hideCells, imputationErrors, meanModeImpute } from '../src/evaluate/imputation.js';
import { defaultTableSampling } from '../src/run/plan.js';
import { splitTable } from '../src/run/table/source.js';
import { createRng, deriveSeed, permutation } from '../src/rng.js';
import type { BackendName } from '../src/spec/types.js';
import { takeRows, type Table } from '../src/table/table.js';
import { emit, loadBenchTable, maxRssMB, round, RssSampler, say, timed } from './common.js';

export interface EndToEndOptions {
  table: string;
  steps: number;
  evalRows: number;
  seed: number;
  backend?: BackendName;
  /** Sampler steps for impute and generate (default 50, the library default). */
  samplerSteps?: number;
}

function sampleRows(t: Table, n: number, seed: number, label: string): Table {
  if (t.nRows <= n) return t;
  return takeRows(t, permutation(t.nRows, createRng(deriveSeed(seed, label))).subarray(0, n).sort());
}

export async function runEndToEnd(o: EndToEndOptions): Promise<void> {
  const rss = new RssSampler();
  const started = performance.now();
  const info = await initBackend(o.backend ? { backend: o.backend } : {});
  const stage: Record<string, { seconds: number; rssMB: number }> = {};
  const end = (name: string, seconds: number) => (stage[name] = { seconds: round(seconds, 2), rssMB: rss.mark() });
  rss.mark();

  const load = await timed(async () => {
    const bt = await loadBenchTable(o.table);
    return { bt, split: splitTable(bt.table, 0.2, o.seed) };
  });
  const { bt, split } = load.value;
  const train = split.train, holdout = split.holdout!;
  end('load', load.seconds);
  say(`end-to-end ${bt.name}: ${bt.table.nRows} rows × ${bt.table.columns.length} columns (train ${train.nRows}, holdout ${holdout.nRows}) on ${info.detail}`);

  const model = TabularDiffusion.create(train, { seed: o.seed, train: { steps: o.steps, patience: 0 } });
  const to = model.trainOptions;
  say(`  train: ${model.mlp.depth}×${model.mlp.width} MLP, ${model.encoder.dim} dims, ${to.steps} steps at batch ${to.batchSize}`);
  let lastLog = 0;
  const fit = await timed(() =>
    model.fit(train, {
      onProgress: (p) => {
        if (performance.now() - lastLog > 30_000 || p.step === p.steps) {
          lastLog = performance.now();
          say(`  step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} ${p.stepsPerSec.toFixed(2)} steps/s`);
        }
      },
    }),
  );
  end('train', fit.seconds);
  const stepsDone = fit.value.step;

  // The pipeline's per-task sampler defaults (what `synthdiff run` uses when the spec names none).
  const defaults = defaultTableSampling();
  const samplerSteps = o.samplerSteps ?? defaults.impute.steps ?? 50;
  const imputeSampler = defaults.impute.sampler ?? 'heun', generateSampler = defaults.generate.sampler ?? 'heun';
  const evalHoldout = sampleRows(holdout, o.evalRows, o.seed, 'eval-holdout');
  const { masked, hidden } = hideCells(evalHoldout, 0.2, deriveSeed(o.seed, 'hide'), 'mcar');
  const imp = await timed(() => model.complete(masked, { draws: 1, seed: o.seed, sampler: imputeSampler, steps: samplerSteps }));
  end('impute', imp.seconds);
  const ours = imputationErrors(evalHoldout, imp.value[0]!, hidden);
  const base = imputationErrors(evalHoldout, meanModeImpute(masked), hidden);

  const genRows = Math.min(train.nRows, o.evalRows);
  const gen = await timed(() => model.generate(genRows, { seed: deriveSeed(o.seed, 'generate'), sampler: generateSampler, steps: samplerSteps }));
  end('generate', gen.seconds);

  const ev = await timed(() => {
    const real = sampleRows(train, o.evalRows, o.seed, 'eval-train');
    const q = qualityScore(real, gen.value);
    const d = detectionC2ST(real, gen.value, { seed: o.seed });
    const qRef = qualityScore(real, evalHoldout);
    const dRef = detectionC2ST(real, evalHoldout, { seed: o.seed });
    return { q, d, qRef, dRef, realRows: real.nRows };
  });
  end('evaluate', ev.seconds);
  rss.stop();
  const { q, d, qRef, dRef } = ev.value;

  emit({
    scenario: 'end-to-end',
    table: bt.name,
    rows: bt.table.nRows,
    columns: bt.table.columns.length,
    backend: info.name,
    device: info.detail,
    steps: stepsDone,
    batch: to.batchSize,
    seconds: round((performance.now() - started) / 1000, 2),
    // Training throughput: rows consumed by the optimiser per second of the train stage.
    rowsPerSec: round((stepsDone * to.batchSize) / fit.seconds, 0),
    peakRssMB: maxRssMB(),
    trainRows: train.nRows,
    mlp: `${model.mlp.depth}x${model.mlp.width}`,
    encodedDims: model.encoder.dim,
    stepsPerSec: round(stepsDone / fit.seconds, 2),
    stages: stage,
    impute: {
      rows: masked.nRows,
      hiddenCells: hidden.rows.length,
      sampler: imputeSampler,
      rowsPerSec: round(masked.nRows / imp.seconds, 1),
      rmse: round(ours.rmse, 4),
      accuracy: round(ours.accuracy, 4),
      meanModeRmse: round(base.rmse, 4),
      meanModeAccuracy: round(base.accuracy, 4),
    },
    generate: { rows: genRows, sampler: generateSampler, samplerSteps, rowsPerSec: round(genRows / gen.seconds, 1) },
    evaluate: {
      realRows: ev.value.realRows,
      shapes: round(q.columnShapes.score, 4),
      trends: round(q.columnPairTrends.score, 4),
      detection: round(d.score, 4),
      detectionAuc: round(d.auc, 4),
      holdoutShapes: round(qRef.columnShapes.score, 4),
      holdoutTrends: round(qRef.columnPairTrends.score, 4),
      holdoutDetection: round(dRef.score, 4),
    },
  });
  model.dispose();
}
