import { IMPUTE_SIZING_RULE, TabularDiffusion } from '../../diffusion/tabular.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { writeTable } from '../../io/table-io.js';
import type { RunReport } from '../../report/model.js';
import { createLogger, type Logger } from '../../report/log.js';
import type { NormalizedSpec } from '../../spec/normalize.js';
import { deriveSeed } from '../../rng.js';
import { TableEncoder } from '../../table/encode.js';
import { longFormat } from '../../table/long.js';
import { alignTables } from '../../table/align.js';
import { missingCount, type Table } from '../../table/table.js';
import { referenceStats, writeReferenceStats } from '../../stats/reference-stats.js';
import { runHeader, secondsSince } from '../header.js';
import { prepareModel, saveModel, startBackend } from '../model.js';
import { inputFormat, planTable, type ModelPlan, type TablePlan, type TableTaskPlan } from '../plan.js';
import { runData, type RunData } from './data.js';
import { evaluateTables, imputationEvalSetup } from './evaluate.js';
import { assertObservedUnchanged, cellIntervals } from './intervals.js';
import { schemaTable } from './schema-table.js';
import { checkOutputs } from '../outputs.js';
import { writeReport } from '../report-file.js';
import { checkFixedValues, checkSpecColumns, sourceHeader } from '../columns.js';
import { loadSourceTable, withPassthrough, type Passthrough } from './source.js';
import { imputeStreamed } from './stream-impute.js';
import { chooseGenerateEngines, generateWithPanel, generateWithTrees, keepRelations, type EngineChoice } from './generate.js';
import { blendImpute, hideCells, startChainedFills, startChainedFillsAfter, validationCells, type ChainedFills } from '../../impute/blend.js';
import type { ImputeEngine } from '../../impute/engine-name.js';

/**
 * Run a table pipeline: plan → load → split → model (load or train) → tasks → evaluate → report.json.
 * Returns the report; `renderHtml` is injected so this module stays free of presentation.
 */
export async function runTablePipeline(
  ns: NormalizedSpec,
  opts: { log?: Logger; renderHtml?: (report: RunReport) => string; trainOnly?: boolean; force?: boolean } = {},
): Promise<RunReport> {
  const plan = planTable(ns);
  checkOutputs(ns);
  checkSpecColumns(ns, await sourceHeader(plan.read), plan.read.path);
  return runTablePlan(plan, opts);
}

/** The run itself, from the plan alone (the spec's checks are done): load → split → model → tasks → evaluate → report. */
export async function runTablePlan(
  plan: TablePlan,
  opts: { log?: Logger; renderHtml?: (report: RunReport) => string; trainOnly?: boolean; force?: boolean } = {},
): Promise<RunReport> {
  const log = opts.log ?? createLogger();
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  log.info(`synthdiff: pipeline "${plan.name}" (spec ${plan.hash.slice(0, 12)}, seed ${plan.seed})`);
  const data = await runData(plan, log);
  if (data.table) checkFixedValues(plan.tasks, data.table);
  const { split } = data;
  timings.load = secondsSince(t0);
  log.info(
    `loaded ${plan.read.path}: ${data.rows} rows × ${data.schema.columns.length} columns, ${data.missingCells} missing cells; train ${data.trainRows}, holdout ${data.holdoutRows}` +
      (data.sampled ? ` (model trains on a uniform sample of ${split.train.nRows} training rows, encoders on all of them)` : ''),
  );
  const report: RunReport = { ...(await runHeader(plan, timings)), data: dataReport(plan, data), tasks: [] };

  // Generate engines first: when every task runs trees, the diffusion model need not train at all.
  const engines = opts.trainOnly ? { engines: new Map<number, 'trees' | 'diffusion'>() } : chooseGenerateEngines(plan, split.train, log);
  if (engines.why || engines.trees) report.generator = generatorReport(engines);
  let model: TabularDiffusion | undefined;
  // Cells the blended imputation weighs its engines on, hidden from a model trained here (see impute/blend.ts).
  // A private model trains on every training cell (hiding some would be harmless, but the blend that
  // weighs engines on them reads the rows outside DP: private runs impute with the model alone).
  const validation = plan.model && !plan.model.load && !plan.model.privacy ? blendValidation(plan, data) : undefined;
  // The blend's chained fills start now, in a worker thread, and run while the model trains; a run that
  // fails meanwhile stops them (impute/blend.ts startChainedFills).
  const blendTask = opts.trainOnly ? undefined : firstBlendTask(plan);
  const chainedFills =
    validation && data.table && blendTask && blendTask.engine !== 'diffusion'
      ? { task: blendTask, run: startChainedFills(data.table, validation.source, blendTask.seed, blendTask.engine) }
      : undefined;
  // Imputation accuracy's chained fills too, after the task's (one fill worker at a time): on credit.yaml they
  // took 49 of the evaluation's 52 s after the model, and fit in its training time.
  const evalImputation = opts.trainOnly ? undefined : plan.evaluate?.spec.imputation;
  const imputeEngine = plan.tasks.find((t): t is ImputeTaskPlan => t.type === 'impute')?.engine;
  const evalEngine = imputeEngine ?? 'auto';
  const evalSetup = evalImputation && data.table && plan.model && !plan.model.privacy && evalEngine !== 'diffusion' ? imputationEvalSetup(evalImputation, split.train, split.holdout, plan.seed) : undefined;
  const evalFills = evalSetup && {
    setup: evalSetup,
    fills: startChainedFillsAfter(chainedFills?.run ?? Promise.resolve(), evalSetup.stacked, evalSetup.validation, evalSetup.seed, evalEngine),
  };
  try {
    if (plan.model && (opts.trainOnly || needsDiffusion(plan, engines))) {
      report.backend = await startBackend(plan.model, log);
      t0 = performance.now();
      // A rerun reuses a finished checkpoint of this spec unless forced (run/model.ts).
      model = await tableModel({ ...plan.model, reuseCheckpoint: !opts.force }, plan, data, validation ? hideCells(data.split.train, validation.train) : data.split.train, log);
      timings.train = secondsSince(t0);
      report.model = modelReport(model, plan.model, timings.train);
      const saved = await saveModel(model, plan.model, log);
      if (saved) {
        report.model.checkpoint = saved.dir;
        // What `synthdiff merge` grades sharded synthetic parts against.
        await writeReferenceStats(saved.dir, referenceStats(model.encoder.columns, split.train, split.holdout, saved.saved.weights));
      }
    }
    // `--train-only`: the first job of a sharded run; the shards and `synthdiff merge` do the rest.
    if (opts.trainOnly) {
      model?.dispose();
      return report;
    }

    let synthetic: Table | undefined;
    let imputed: TaskRun['imputed'];
    for (const task of plan.tasks) {
      t0 = performance.now();
      if (task.type !== 'profile') log.start(task.label);
      const r = await runTask(task, { model, data, log, validation: validation?.source, engines, ...(chainedFills?.task === task ? { fills: chainedFills.run } : {}) });
      synthetic ??= r.table;
      imputed ??= r.imputed;
      report.tasks.push({ ...r.report, seconds: secondsSince(t0), ...r.extra });
      log.info(`${task.label}: wrote ${task.output.path}`);
      timings[`task${task.index}`] = secondsSince(t0);
    }

    if (plan.evaluate) {
      const ev = plan.evaluate.spec;
      t0 = performance.now();
      if (!synthetic && model && (ev.fidelity || ev.detection || ev.privacy || ev.outliers)) {
        // Nothing generated yet: grade a synthetic table the size of the training split.
        synthetic = await model.generate(split.train.nRows, { seed: deriveSeed(plan.seed, 'evaluate'), ...plan.sampling.generate });
      }
      // A private model's label lists are its released ones (sorted, rare labels dropped): generated rows are
      // re-coded against the training table's lists so the evaluators compare codes.
      if (synthetic && model?.trainOptions.privacy) synthetic = alignTables(split.train, [synthetic])[1];
      report.evaluation = await evaluateTables(ev, { train: split.train, holdout: split.holdout, synthetic, model, seed: plan.seed, ...(imputed ? { imputed } : {}), records: plan.report?.records !== false, sampling: plan.sampling.impute, imputeEngine: model?.trainOptions.privacy ? 'diffusion' : imputeEngine, ...(evalFills ? { imputationFills: evalFills } : {}) }, log);
      timings.evaluate = secondsSince(t0);
    }

    await writeReport(report, plan.report, opts.renderHtml, log);
    model?.dispose();
    return report;
  } finally {
    chainedFills?.run.cancel();
    evalFills?.fills.cancel();
  }
}

function dataReport(plan: TablePlan, data: RunData): RunReport['data'] {
  const { split } = data;
  return {
    source: plan.read.path,
    rows: data.rows,
    columns: data.schema.columns.length,
    dropped: data.dropped,
    trainRows: data.trainRows,
    holdoutRows: data.holdoutRows,
    missingCells: data.missingCells,
    schema: data.schema,
    ...(data.sampled ? { sample: { trainRows: split.train.nRows, holdoutRows: split.holdout?.nRows ?? 0, method: 'reservoir (Algorithm R) in one streaming pass; encoders fitted on every training row with KLL/label-count sketches; schema profiled on the sample' } } : {}),
  };
}

/** Load or create the tabular model and train it (run/model.ts's lifecycle with the table model's parts). */
async function tableModel(m: ModelPlan, plan: TablePlan, data: RunData, train: Table, log: Logger): Promise<TabularDiffusion> {
  const { model } = await prepareModel<TabularDiffusion>(m, plan.hash, log, {
    load: (dir) => TabularDiffusion.load(dir),
    create: () =>
      TabularDiffusion.create(train, { ...(data.sketches ? { fittedEncoder: TableEncoder.fromSketches(data.sketches) } : {}), width: m.width, depth: m.depth, seed: plan.seed, train: m.train, ...(m.purpose ? { purpose: m.purpose } : {}), ...(m.privacy ? { privacy: m.privacy } : {}) }),
    describeTraining: (model) => {
      const p = model.trainOptions.privacy;
      const dp = p
        ? `; DP-SGD for (ε ${p.epsilon}, δ ${p.delta.toExponential(2)}): noise multiplier ${p.noiseMultiplier.toFixed(3)}, Poisson rate ${p.sampleRate.toFixed(4)}, clip ${p.clip}; encoders from ${p.encoder.histograms} noisy histograms (std ${p.encoder.noiseStd.toFixed(1)} rows)`
        : '';
      return `training: ${model.mlp.depth}×${model.mlp.width} MLP, ${model.encoder.dim} encoded dims, ${model.trainOptions.steps} steps at ${p ? 'expected ' : ''}batch ${model.trainOptions.batchSize}${dp}`;
    },
    fit: async (model) => {
      const dir = m.checkpoint;
      const state = await model.fit(train, {
        ...(m.timeBudgetMs ? { deadline: performance.now() + m.timeBudgetMs } : {}),
        onProgress: (p) => log.progress('train', p.step, p.steps, `loss ${p.loss.toFixed(4)}${p.valLoss !== undefined ? ` val ${p.valLoss.toFixed(4)}` : ''}${p.epsilon !== undefined ? ` ε ${p.epsilon.toFixed(3)}` : ''} ${p.stepsPerSec.toFixed(1)} steps/s`),
        ...(dir && m.checkpointEveryMs
          ? { checkpoint: { dir, everyMs: m.checkpointEveryMs, onSaved: (s) => log.info(`checkpoint ${dir}: step ${s.step} of ${model.trainOptions.steps} (resume: true continues from here)`) } }
          : {}),
      });
      const eps = model.epsilonSpent;
      const budget = state.stoppedBy === 'timeBudget' ? `, stopped by model.timeBudget at ${state.step} of ${model.trainOptions.steps}` : '';
      log.done('train', eps !== undefined ? `(${state.step} steps${budget}, ε spent ${eps.toFixed(3)} of ${model.trainOptions.privacy!.epsilon})` : `(${state.step} steps${budget}, best val loss ${state.bestValLoss.toFixed(4)})`);
    },
  });
  return model;
}

function modelReport(model: TabularDiffusion, m: ModelPlan, trainSeconds: number): Record<string, unknown> {
  return {
    kind: 'tabular-diffusion (EDM, masked MLP)',
    width: model.mlp.width,
    depth: model.mlp.depth,
    encodedDims: model.encoder.dim,
    steps: model.state.step,
    batchSize: model.trainOptions.batchSize,
    bestValLoss: model.state.bestValLoss,
    trainSeconds,
    stepsPerSecond: trainSeconds > 0 && !m.load ? Math.round((model.state.step / trainSeconds) * 10) / 10 : undefined,
    sampler: m.samplerLabel,
    samplerSteps: m.samplerSteps,
    ...(m.load
      ? {}
      : {
          // Why this size and this many steps (issue 11: the report says what it chose and why).
          sizeChosenBy: m.width !== undefined || m.depth !== undefined ? 'model.width / model.depth' : m.purpose === 'impute' ? `an impute-only run, by the training rows (${IMPUTE_SIZING_RULE.size}): the blend weighs the model against forests on held-out cells` : 'the training rows (under 1,000: 3×128; under 5,000: 3×256; else 3×512)',
          stepsChosenBy: m.train.steps ? 'model.steps' : m.purpose === 'impute' ? `an impute-only run: ${IMPUTE_SIZING_RULE.steps}` : 'the training rows (under 1,000: 2,000; under 2,000: 4,000; under 20,000: 8,000; else 12,000)',
          ...(model.state.stoppedBy ? { stoppedBy: model.state.stoppedBy === 'early stopping' ? 'early stopping (validation loss)' : model.state.stoppedBy } : {}),
          ...(m.timeBudgetMs ? { timeBudgetMinutes: m.timeBudgetMs / 60_000 } : {}),
        }),
    ...(model.trainOptions.privacy ? { privacy: privacyReport(model) } : {}),
  };
}

/** What a private model's guarantee is and how it was reached (report.json `model.privacy`). */
function privacyReport(model: TabularDiffusion): Record<string, unknown> {
  const p = model.trainOptions.privacy!;
  return {
    epsilon: p.epsilon,
    epsilonSpent: model.epsilonSpent,
    delta: p.delta,
    accountant: p.accountant,
    noiseMultiplier: p.noiseMultiplier,
    sampleRate: p.sampleRate,
    expectedBatch: model.trainOptions.batchSize,
    steps: model.state.step,
    plannedSteps: p.plannedSteps,
    clip: p.clip,
    trainingRows: p.trainingRows,
    encoder: p.encoder,
    covers: 'the model (checkpoint) and everything sampled from it (generate tasks) w.r.t. adding or removing one training row; not impute outputs (they contain the observed cells), not the evaluation figures (computed on the real rows), not the schema (column names and kinds)',
  };
}

interface TaskRun {
  report: { type: string; output: string; rows: number };
  /** Report entries after `seconds`. */
  extra?: Record<string, unknown>;
  /** A generated table (the first one is what evaluation grades). */
  table?: Table;
  /** An in-memory impute task's input and completed table (the first one is shown imputed vs observed). */
  imputed?: { input: Table; completed: Table; output: string };
}

/** The first impute task that blends engines on the source (its seed picks the validation cells). */
function firstBlendTask(plan: TablePlan): ImputeTaskPlan | undefined {
  return plan.tasks.find((t): t is ImputeTaskPlan => t.type === 'impute' && t.engine !== 'diffusion' && !t.ownInput);
}

/**
 * Validation cells for a blended imputation of the source (in-memory runs whose impute task reads the
 * source with an engine other than `diffusion`): chosen on the source, and the same cells as training-row
 * indices so the model can train without them. Undefined when no task needs them.
 */
function blendValidation(plan: TablePlan, data: RunData): { source: number[][]; train: number[][] } | undefined {
  const task = firstBlendTask(plan);
  if (!task || !data.table || !data.split.trainRows) return undefined;
  const source = validationCells(data.table, task.seed);
  const trainIndex = new Int32Array(data.table.nRows).fill(-1);
  data.split.trainRows.forEach((r, i) => (trainIndex[r] = i));
  const train = source.map((rows) => rows.map((r) => trainIndex[r]!).filter((i) => i >= 0));
  return { source, train };
}

/**
 * Whether the diffusion model must train: a task or evaluation uses it, a trained model was given or a
 * checkpoint asked for, or a synthetic table must be graded and no generate task makes one.
 */
function needsDiffusion(plan: TablePlan, choice: EngineChoice): boolean {
  const ev = plan.evaluate?.spec;
  const generates = plan.tasks.some((t) => t.type === 'generate');
  return (
    Boolean(plan.model?.load) ||
    Boolean(plan.model?.checkpoint) ||
    Boolean(ev?.imputation) ||
    (!generates && Boolean(ev && (ev.fidelity || ev.detection || ev.privacy || ev.outliers))) ||
    plan.tasks.some((t) => (t.type === 'impute' && imputeNeedsDiffusion(plan, t)) || (t.type === 'generate' && choice.engines.get(t.index) === 'diffusion'))
  );
}

/**
 * An impute task that uses the diffusion model: engine auto or diffusion, a streamed source (imputed by the
 * model batch by batch), or a private model (its forest and ridge engines fall back to the model). Forest or
 * ridge alone in memory do not wait for a model they would not use.
 */
function imputeNeedsDiffusion(plan: TablePlan, t: ImputeTaskPlan): boolean {
  return t.engine === 'auto' || t.engine === 'diffusion' || Boolean(plan.trainRows) || Boolean(plan.model?.privacy);
}

function generatorReport(choice: EngineChoice): Record<string, unknown> {
  const trees = choice.trees;
  const panel = choice.panel;
  return {
    engines: Object.fromEntries([...choice.engines].map(([i, e]) => [`tasks[${i}]`, e])),
    ...(choice.why ? { why: choice.why } : {}),
    ...(panel
      ? {
          panel: {
            kind: 'entity × time: a row takes an entity and a time on its grid and span, each value interpolated between the entity\'s nearest observed rows on either side (never its row at that time)',
            key: panel.panel.key,
            time: panel.panel.time,
            step: panel.panel.step,
            validation: panel.trial,
          },
        }
      : {}),
    ...(trees
      ? {
          trees: {
            kind: 'sequential CART with donor draws (synthpop-style); exact copies of training rows capped at 0.8 × the data\'s own duplicate rate',
            minLeaf: trees.minLeaf,
            validation: { rows: trees.choice.validationRows, folds: trees.choice.folds, dcrShareLimit: trees.choice.dcrShareLimit, trials: trees.choice.trials, chose: trees.choice.why },
            dependencies: trees.dependencies.map((d) => `${d.from} → ${d.to}`),
          },
        }
      : {}),
  };
}

type GenerateTaskPlan = Extract<TableTaskPlan, { type: 'generate' }>;

/** A generate task's rows from the engine chosen for it, with what its log line and report entry add. */
async function drawRows(task: GenerateTaskPlan, ctx: { model: TabularDiffusion | undefined; data: RunData; log: Logger; engines: EngineChoice }): Promise<{ table: Table; engine: string; note: string; extra: Record<string, unknown> }> {
  const train = ctx.data.split.train;
  switch (ctx.engines.engines.get(task.index)) {
    case 'trees': {
      const r = generateWithTrees(task, train, ctx.engines.trees!);
      const minLeaf = ctx.engines.trees!.minLeaf;
      return { table: r.table, engine: 'trees', note: `, engine trees, leaf ${minLeaf}`, extra: { minLeaf, copies: r.copies, dependencyFixes: r.dependencyFixes } };
    }
    case 'panel': {
      const { key, time } = ctx.engines.panel!.panel;
      const r = generateWithPanel(task, train, ctx.engines.panel!);
      return { table: r.table, engine: 'panel', note: `, engine panel, ${key} × ${time}`, extra: { panel: { key, time }, redrawn: r.redrawn } };
    }
    default: {
      const table = await ctx.model!.generate(task.rows, { seed: task.seed, fixed: task.fixed, ...task.sampling, onProgress: (d, n) => ctx.log.progress(task.label, d, n, 'rows') });
      return { table, engine: 'diffusion', note: '', extra: {} };
    }
  }
}

async function runTask(task: TableTaskPlan, ctx: { model: TabularDiffusion | undefined; data: RunData; log: Logger; validation?: number[][]; engines: EngineChoice; fills?: ChainedFills }): Promise<TaskRun> {
  const { data, log } = ctx;
  switch (task.type) {
    case 'profile':
      await writeTable(task.output.path, schemaTable(data.schema), task.output.format);
      return { report: { type: 'profile', output: task.output.path, rows: data.schema.columns.length } };
    case 'generate': {
      const drawn = await drawRows(task, ctx);
      const kept = keepRelations(task, data.split.train, drawn.table, ctx.engines.relations);
      log.done(task.label, `(${drawn.table.nRows} rows${drawn.note})`);
      await writeTable(task.output.path, kept.table, task.output.format);
      return {
        report: { type: 'generate', output: task.output.path, rows: drawn.table.nRows },
        extra: { fixed: task.fixed, engine: drawn.engine, ...drawn.extra, relations: kept.report },
        table: kept.table,
      };
    }
    case 'impute': {
      // Streamed sources impute batch by batch too; an in-memory run has the table at hand.
      const r = data.table ? await imputeInMemory(ctx.model, task, data.table, log, ctx.validation, data.passthrough, ctx.fills) : await imputeStreamedTask(ctx.model!, task, log);
      return { ...(r.tables ? { imputed: { ...r.tables, output: task.output.path } } : {}), report: { type: 'impute', output: task.output.path, rows: r.rows }, extra: { draws: task.draws, engine: r.engine, imputedCells: r.imputedCells, ...(r.intervals ? { intervals: r.intervals } : {}), ...(r.completed ? { completed: r.completed } : {}), ...(r.blend ? { blend: r.blend } : {}) } };
    }
  }
}

type ImputeTaskPlan = Extract<TableTaskPlan, { type: 'impute' }>;

/** Impute a task batch by batch (streamed runs): memory flat in the input's length. */
async function imputeStreamedTask(model: TabularDiffusion, task: ImputeTaskPlan, log: Logger): Promise<ImputeRun> {
  if (task.engine !== 'diffusion') log.info(`${task.label}: engine ${task.engine} → diffusion (streamed runs impute batch by batch)`);
  const r = await imputeStreamed(model, task.read, {
    input: task.read.path,
    inputFormat: inputFormat(task.read),
    output: task.output.path,
    outputFormat: task.output.format,
    ...(task.intervals ? { intervals: task.intervals.path, intervalsFormat: task.intervals.format } : {}),
    draws: task.draws,
    seed: task.seed,
    sampling: task.sampling,
    log,
    label: task.label,
  });
  log.done(task.label, `(${r.rows.end - r.rows.start} rows, streamed)`);
  return { rows: r.rows.end - r.rows.start, engine: 'diffusion', imputedCells: r.imputedCells, ...(task.intervals && task.draws > 1 ? { intervals: task.intervals.path } : {}) };
}

interface ImputeRun {
  rows: number;
  /** In-memory runs: the input with its holes and the point estimate that fills them. */
  tables?: { input: Table; completed: Table };
  engine: ImputeEngine;
  imputedCells: number;
  intervals?: string;
  completed?: string;
  blend?: Record<string, unknown>;
}

/** Draws the blend's diffusion estimate pools at least (one draw is too noisy a mean). */
const BLEND_MIN_DRAWS = 5;

async function imputeInMemory(model: TabularDiffusion | undefined, task: ImputeTaskPlan, source: Table, log: Logger, validation?: number[][], passthrough?: Passthrough, fills?: ChainedFills): Promise<ImputeRun> {
  const own = task.ownInput ? await loadSourceTable(task.read) : undefined;
  const input = own ? own.table : source;
  // Outputs carry the passthrough columns (ids) verbatim, in the input's column order.
  const pass = own?.passthrough ?? passthrough ?? { columns: [], order: [] };
  const out = (t: Table): Table => withPassthrough(t, pass);
  const { draws } = task;
  const imputedCells = input.columns.reduce((s, c) => s + missingCount(c), 0);
  // The blend fits chained forests and ridge regressions on the input's rows outside DP-SGD.
  if (task.engine !== 'diffusion' && model?.trainOptions.privacy) log.info(`${task.label}: engine ${task.engine} → diffusion (model.privacy: the forest and ridge engines would learn from the rows outside differential privacy)`);
  else if (task.engine !== 'diffusion') {
    const r = await blendImpute(input, {
      seed: task.seed,
      trained: model,
      engines: task.engine,
      draws: Math.max(draws, BLEND_MIN_DRAWS),
      ...(task.ownInput ? {} : { validation, ...(fills ? { fills } : {}) }),
      // Unset by the spec, the draws' steps follow the rows (imputeSampling).
      ...(task.sampling.byRows ? {} : { sampler: task.sampling.sampler, samplerSteps: task.sampling.steps }),
      onProgress: (stage, d, n, unit) => log.progress(`${task.label}: ${stage}`, d, n, unit),
    });
    log.done(task.label, `(${input.nRows} rows, engine ${task.engine}: ${r.choices.map((c) => `${c.column} ${c.weights.join('/')}`).join(', ') || 'no holes'})`);
    assertObservedUnchanged(input, r.point);
    await writeTable(task.output.path, out(r.point), task.output.format);
    // The completed datasets are diffusion draws: the blend's point estimate is not a draw from anything.
    const completed = await writeCompleted(task, out(input), r.draws.slice(0, draws).map(out));
    let intervalsPath: string | undefined;
    if (task.intervals && draws > 1 && r.draws.length) {
      await writeTable(task.intervals.path, cellIntervals(input, r.draws).intervals!, task.intervals.format);
      intervalsPath = task.intervals.path;
    }
    const blend = {
      engines: ['diffusion', 'forest', 'ridge'],
      diffusionDraws: r.draws.length,
      drawSampling: r.model.sampling,
      // The model saw the validation cells only when it was loaded, or trained on a different split of them.
      validationUnseen: !task.ownInput && validation !== undefined,
      seconds: { diffusion: round3(r.model.imputeSeconds), forest: round3(r.model.forestSeconds), ridge: round3(r.model.ridgeSeconds), chainedWall: round3(r.model.chainedSeconds) },
      // Forest trees grown by the main thread once its draws were done, and threads on spare cores that grew trees from the start.
      treesGrownWhileWaiting: r.model.helperTrees[0] ?? 0,
      treesGrownBySpareCores: r.model.helperTrees.slice(1),
      // The forests' rounds for numbers and labels, and each round's errors on the validation cells that chose them (impute/chained.ts pickRound).
      ...(r.forestRounds ? { forestRounds: { numeric: r.forestRounds.numeric, labels: r.forestRounds.labels, validation: r.forestRounds.errors.map((e) => ({ numericMedianRatio: round3(e.numericMedianRatio), numeric: round3(e.numeric), labels: round3(e.labels) })) } } : {}),
      columns: r.choices.map((c) => ({
        column: c.column,
        weights: c.weights,
        chosenBy: c.chosenBy,
        validationCells: c.validationCells,
        errors: Object.fromEntries(Object.entries(c.errors).map(([k, v]) => [k, round3(v)])),
        ...(c.forestLearner ? { forestLearner: { chosen: c.forestLearner.chosen, randomForest: round3(c.forestLearner.randomForest), extraTrees: round3(c.forestLearner.extraTrees) } } : {}),
      })),
      // Exact relations between numeric columns that filled a target from its observed inputs (table/relations.ts).
      relations: r.relations.map((x) => ({ target: x.target, inputs: x.inputs, ...(x.byRow ? { byRow: true } : {}), form: x.form, intercept: x.intercept, coefs: x.coefs, completeRows: x.rows, maxResidualSd: x.maxResidual, cellsFilled: x.cells })),
    };
    return { rows: input.nRows, tables: { input, completed: r.point }, engine: task.engine, imputedCells, ...(intervalsPath ? { intervals: intervalsPath } : {}), ...completed, blend };
  }
  // Engine diffusion, or a private model's fallback: imputeNeedsDiffusion had the model trained.
  const filled = await model!.complete(input, {
    draws,
    seed: task.seed,
    // Noise keyed to the row index, so `--shard` runs of this task concatenate to this same table.
    rowOffset: 0,
    ...task.sampling,
    onProgress: (d, n) => log.progress(task.label, d, n, 'rows×draws'),
  });
  log.done(task.label, `(${input.nRows} rows, ${draws} draw${draws > 1 ? 's' : ''})`);
  const { point, intervals } = cellIntervals(input, filled);
  assertObservedUnchanged(input, point);
  await writeTable(task.output.path, out(point), task.output.format);
  let intervalsPath: string | undefined;
  if (task.intervals && intervals) {
    await writeTable(task.intervals.path, intervals, task.intervals.format);
    intervalsPath = task.intervals.path;
  }
  return { rows: input.nRows, tables: { input, completed: point }, engine: 'diffusion', imputedCells, intervals: intervalsPath, ...(await writeCompleted(task, out(input), filled.map(out))) };
}

/** The task's `completed` output: the m completed datasets in mice's long format (table/long.ts). */
async function writeCompleted(task: ImputeTaskPlan, input: Table, draws: Table[]): Promise<{ completed?: string }> {
  if (!task.completed) return {};
  await writeTable(task.completed.path, longFormat(input, draws), task.completed.format);
  return { completed: task.completed.path };
}

function round3(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null;
}
