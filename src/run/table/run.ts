import { initBackend } from '../../backend/index.js';
import { TabularDiffusion } from '../../diffusion/tabular.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { runHeader, secondsSince } from '../header.js';
import { writeTable } from '../../io/table-io.js';
import { createLogger, type Logger } from '../../report/log.js';
import type { NormalizedSpec } from '../../spec/parse.js';
import type { ImputeTask, GenerateTask } from '../../spec/types.js';

import { profileTable } from '../../table/infer.js';
import { missingCount, type Table } from '../../table/table.js';
import { deriveSeed } from '../../rng.js';
import { SpecError } from '../../errors.js';
import { loadSourceTable } from './source.js';
import { imputeStreamed } from './stream-impute.js';
import { TableEncoder } from '../../table/encode.js';
import { checkpointInfo } from '../model.js';
import { inputFormatFor, outputFormat, samplingFor, type Sampling } from '../plan.js';
import { runData } from './data.js';
import { referenceStats, writeReferenceStats } from '../../stats/reference-stats.js';
import { schemaTable } from './schema-table.js';
import { assertObservedUnchanged, cellIntervals } from './intervals.js';
import { evaluateTables } from './evaluate.js';
import type { RunReport } from '../../report/model.js';





/**
 * Run a table pipeline: load → split → model (load or train) → tasks → evaluate → report.json.
 * Returns the report; `renderHtml` is injected so this module stays free of presentation.
 */
export async function runTablePipeline(
  ns: NormalizedSpec,
  opts: { log?: Logger; renderHtml?: (report: RunReport) => string; trainOnly?: boolean } = {},
): Promise<RunReport> {
  const log = opts.log ?? createLogger();
  const { spec, seed } = ns;
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  log.info(`synthdiff: pipeline "${spec.name}" (spec ${ns.hash.slice(0, 12)}, seed ${seed})`);
  const data = await runData(spec, seed, log);
  const { split } = data;
  timings.load = secondsSince(t0);
  log.info(
    `loaded ${spec.source.path}: ${data.rows} rows × ${data.schema.columns.length} columns, ${data.missingCells} missing cells; train ${data.trainRows}, holdout ${data.holdoutRows}` +
      (data.sampled ? ` (model trains on a uniform sample of ${split.train.nRows} training rows, encoders on all of them)` : ''),
  );

  const report: RunReport = {
    ...(await runHeader(ns, timings)),
    data: {
      source: spec.source.path,
      rows: data.rows,
      columns: data.schema.columns.length,
      dropped: data.dropped,
      trainRows: data.trainRows,
      holdoutRows: data.holdoutRows,
      missingCells: data.missingCells,
      schema: data.schema,
      ...(data.sampled ? { sample: { trainRows: split.train.nRows, holdoutRows: split.holdout?.nRows ?? 0, method: 'reservoir (Algorithm R) in one streaming pass; encoders fitted on every training row with KLL/label-count sketches; schema profiled on the sample' } } : {}),
    },
    tasks: [],
  };

  const tasks = spec.tasks ?? [];
  const ev = spec.evaluate ?? {};
  const needsModel = tasks.some((t) => t.type !== 'profile') || Boolean(ev.imputation) || Boolean(spec.model);
  let model: TabularDiffusion | undefined;
  if (needsModel) {
    const m = spec.model ?? {};
    report.backend = await initBackend({ device: m.device, backend: m.backend });
    log.info(`backend: ${report.backend.detail}`);
    t0 = performance.now();
    if (m.load) {
      model = await TabularDiffusion.load(m.load);
      log.info(`loaded model ${m.load} (trained ${model.state.step} steps)`);
      if (model.specHash && model.specHash !== ns.hash) log.info(`note: the checkpoint was trained from a different spec (hash ${model.specHash.slice(0, 12)})`);
    } else {
      model = TabularDiffusion.create(split.train, { ...(data.sketches ? { fittedEncoder: TableEncoder.fromSketches(data.sketches) } : {}), width: m.width, depth: m.depth, seed, train: { ...(m.steps ? { steps: m.steps } : {}), ...(m.batchSize ? { batchSize: m.batchSize } : {}), ...(m.learningRate ? { learningRate: m.learningRate } : {}) } });
      model.specHash = ns.hash;
    }
    if (!m.load || m.resume) {
      if (m.resume && m.steps) model.trainOptions = { ...model.trainOptions, steps: m.steps };
      const o = model.trainOptions;
      log.info(`training: ${model.mlp.depth}×${model.mlp.width} MLP, ${model.encoder.dim} encoded dims, ${o.steps} steps at batch ${o.batchSize}`);
      const state = await model.fit(split.train, {
        onProgress: (p) => log.progress('train', p.step, p.steps, `loss ${p.loss.toFixed(4)}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : ''} ${p.stepsPerSec.toFixed(1)} steps/s`),
      });
      log.done('train', `(${state.step} steps, best val loss ${state.bestValLoss.toFixed(4)})`);
    }
    timings.train = secondsSince(t0);
    report.model = {
      kind: 'tabular-diffusion (EDM, masked MLP)',
      width: model.mlp.width,
      depth: model.mlp.depth,
      encodedDims: model.encoder.dim,
      steps: model.state.step,
      batchSize: model.trainOptions.batchSize,
      bestValLoss: model.state.bestValLoss,
      trainSeconds: timings.train,
      stepsPerSecond: timings.train > 0 && !m.load ? Math.round((model.state.step / timings.train) * 10) / 10 : undefined,
      sampler: m.sampler ?? 'heun (generate), edm-stochastic (impute)',
      samplerSteps: m.samplerSteps ?? 50,
    };
    if (m.checkpoint) {
      await model.save(m.checkpoint);
      report.model.checkpoint = m.checkpoint;
      log.info(`saved checkpoint ${m.checkpoint}`);
      // What `synthdiff merge` grades sharded synthetic parts against.
      const info = await checkpointInfo(m.checkpoint);
      if (info) await writeReferenceStats(m.checkpoint, referenceStats(model.encoder.columns, split.train, split.holdout, info.weights));
    }
  }
  // `--train-only`: the first job of a sharded run; the shards and `synthdiff merge` do the rest.
  if (opts.trainOnly) {
    model?.dispose();
    return report;
  }

  const sampling = samplingFor(spec.model);
  let synthetic: Table | undefined;
  for (const [i, task] of tasks.entries()) {
    t0 = performance.now();
    const label = `tasks[${i}] ${task.type}`;
    if (task.type === 'profile') {
      await writeTable(task.output.path, schemaTable(data.schema), outputFormat(task.output));
      report.tasks.push({ type: 'profile', output: task.output.path, rows: data.schema.columns.length, seconds: secondsSince(t0) });
    } else if (task.type === 'generate') {
      const t = await runGenerate(model!, task, seed, i, sampling.generate, log, label);
      synthetic ??= t;
      report.tasks.push({ type: 'generate', output: task.output.path, rows: t.nRows, seconds: secondsSince(t0), fixed: task.fixed });
    } else if (task.type === 'synthesize' || task.type === 'deidentify') {
      throw new SpecError(`tasks[${i}].type: ${task.type} needs a DICOM source (source.format: dicom); this pipeline reads a table`);
    } else {
      const job: ImputeJob = { model: model!, task, seed, index: i, sampling: sampling.impute, log, label, spec };
      // Streamed sources impute batch by batch too; an in-memory run has the table at hand.
      const r = data.table ? await runImpute(job, data.table) : await imputeStreamedTask(job);
      report.tasks.push({ type: 'impute', output: task.output.path, rows: r.rows, seconds: secondsSince(t0), draws: task.draws ?? 1, imputedCells: r.imputedCells, ...(r.intervals ? { intervals: r.intervals } : {}) });
    }
    log.info(`${label}: wrote ${task.output.path}`);
    timings[`task${i}`] = secondsSince(t0);
  }

  if (Object.keys(ev).length) {
    t0 = performance.now();
    if (!synthetic && model && (ev.fidelity || ev.detection || ev.privacy || ev.outliers)) {
      // Nothing generated yet: grade a synthetic table the size of the training split.
      synthetic = await model.generate(split.train.nRows, { seed: deriveSeed(seed, 'evaluate'), ...sampling.generate });
    }
    report.evaluation = await evaluateTables(ev, { train: split.train, holdout: split.holdout, synthetic, model, seed, sampling: sampling.impute }, log);
    timings.evaluate = secondsSince(t0);
  }

  if (spec.report) {
    const dir = spec.report.dir;
    await writeFileAtomic(`${dir}/report.json`, `${JSON.stringify(report, null, 2)}\n`);
    log.info(`report: ${dir}/report.json`);
    if (spec.report.html !== false && opts.renderHtml) {
      await writeFileAtomic(`${dir}/report.html`, opts.renderHtml(report));
      log.info(`report: ${dir}/report.html`);
    }
  }
  model?.dispose();
  return report;
}

/** What an impute task needs from the run. */
interface ImputeJob {
  model: TabularDiffusion;
  task: ImputeTask;
  seed: number;
  /** The task's index in the spec (its seed and noise keys). */
  index: number;
  sampling: Sampling;
  log: Logger;
  label: string;
  spec: NormalizedSpec['spec'];
}

/** Impute a task batch by batch (streamed runs): memory flat in the input's length. */
async function imputeStreamedTask({ model, task, seed, index, sampling, log, label, spec }: ImputeJob): Promise<{ rows: number; imputedCells: number; intervals?: string }> {
  const r = await imputeStreamed(model, spec, {
    input: task.input ?? spec.source.path,
    inputFormat: inputFormatFor(spec, task),
    output: task.output.path,
    outputFormat: outputFormat(task.output),
    ...(task.intervals ? { intervals: task.intervals.path, intervalsFormat: outputFormat(task.intervals) } : {}),
    draws: task.draws ?? 1,
    seed: deriveSeed(seed, `task${index}`),
    sampling,
    log,
    label,
  });
  log.done(label, `(${r.rows.end - r.rows.start} rows, streamed)`);
  return { rows: r.rows.end - r.rows.start, imputedCells: r.imputedCells, ...(task.intervals && (task.draws ?? 1) > 1 ? { intervals: task.intervals.path } : {}) };
}

async function runGenerate(model: TabularDiffusion, task: GenerateTask, seed: number, i: number, sampling: Sampling, log: Logger, label: string): Promise<Table> {
  const t = await model.generate(task.rows, {
    seed: deriveSeed(seed, `task${i}`),
    fixed: task.fixed,
    ...sampling,
    onProgress: (d, n) => log.progress(label, d, n, 'rows'),
  });
  log.done(label, `(${t.nRows} rows)`);
  await writeTable(task.output.path, t, outputFormat(task.output));
  return t;
}

async function runImpute({ model, task, seed, index, sampling, log, label, spec }: ImputeJob, source: Table): Promise<{ rows: number; imputedCells: number; intervals?: string }> {
  const input = task.input ? (await loadSourceTable(spec, task.input)).table : source;
  const draws = task.draws ?? 1;
  const filled = await model.complete(input, {
    draws,
    seed: deriveSeed(seed, `task${index}`),
    // Noise keyed to the row index, so `--shard` runs of this task concatenate to this same table.
    rowOffset: 0,
    ...sampling,
    onProgress: (d, n) => log.progress(label, d, n, 'rows×draws'),
  });
  log.done(label, `(${input.nRows} rows, ${draws} draw${draws > 1 ? 's' : ''})`);
  const { point, intervals } = cellIntervals(input, filled);
  assertObservedUnchanged(input, point);
  await writeTable(task.output.path, point, outputFormat(task.output));
  let intervalsPath: string | undefined;
  if (task.intervals && intervals) {
    await writeTable(task.intervals.path, intervals, outputFormat(task.intervals));
    intervalsPath = task.intervals.path;
  }
  return { rows: input.nRows, imputedCells: input.columns.reduce((s, c) => s + missingCount(c), 0), intervals: intervalsPath };
}

export { profileTable };
