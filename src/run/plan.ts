/**
 * plan: the normalized spec → what a run does, decided before anything runs. A `TablePlan` or an
 * `ImagePlan` holds each task with its resolved seed, sampler and formats and the read options of its
 * input; the runners take these pieces, never the whole spec. Seeds are derived here and nowhere else.
 *
 *   parse (spec/parse.ts) → normalize (spec/normalize.ts) → plan (here) → run (run/table, run/image,
 *   run/shard) → report (one place per kind; the contract is report/model.ts)
 */
import type { ImputeEngine } from '../impute/engine-name.js';
import type { GenerateEngine } from '../synth/engine-name.js';
import { deriveSeed } from '../rng.js';
import { DEFAULT_IMPUTE_SAMPLER, LARGE_IMPUTE_ROWS, type Sampling } from '../diffusion/sampler-name.js';
import { formatFromPath, type TableFormat } from '../io/table-io.js';
import { learnedFrom, NIFTI_PATH, normalizeSpec, synthesizeFormat, type NormalizedColumn, type NormalizedEvaluate, type NormalizedSpec } from '../spec/normalize.js';
import type { BackendName, ColumnSpec, DeidentifyOptionsSpec, Device, OutputSpec, SamplerName, SecretSpec, SeriesSelection } from '../spec/types.js';
import type { SeriesFilter } from '../io/dicom/series.js';
import type { SeriesLabelAttribute } from '../io/dicom/series-label.js';
import { SpecError } from '../errors.js';
import { messages } from '../messages.js';

export type { Sampling } from '../diffusion/sampler-name.js';

/** How a table is read: the source (or an impute task's input) with the spec's per-column options. */
export interface SourceRead {
  path: string;
  /** Explicit format; absent: from the extension. */
  format?: TableFormat;
  delimiter?: ',' | ';' | '\t';
  /** Tokens read as missing; absent: only the empty field. */
  missing?: string[];
  columns: Record<string, NormalizedColumn>;
}

export interface TableOutput {
  path: string;
  /** Absent: from the extension. */
  format?: TableFormat;
}

/** Where the model comes from and how it trains: what run/model.ts needs. */
export interface ModelPlan {
  device: Device;
  backend?: BackendName;
  /** `model.threads` (absent: the backend's default, SYNTHDIFF_THREADS or 1). */
  threads?: number | 'all';
  load?: string;
  resume: boolean;
  checkpoint?: string;
  /** Wall time between checkpoints while training (with `checkpoint`). */
  checkpointEveryMs?: number;
  /** `model.timeBudget`: training ends after this much wall time even before its steps. */
  timeBudgetMs?: number;
  /** A fresh model's architecture (absent: scaled to the data) and training options (absent: the model's defaults). */
  width?: number;
  depth?: number;
  train: { steps?: number; batchSize?: number; learningRate?: number };
  /**
   * A rerun: when `checkpoint` already holds a finished model trained from this spec (same hash), load it
   * instead of training again (the CLI's `--force` turns this off). Table runs only.
   */
  reuseCheckpoint?: boolean;
  /** `model.steps` when resuming a loaded checkpoint. */
  resumeSteps?: number;
  /** What the model learns from (spec/normalize.ts learnedFrom): saved with it, matched on resume. */
  learnedFrom: Record<string, unknown>;
  /**
   * `model.privacy` with the public knowledge the spec gives (column bounds with both min and max,
   * `categories`): the table model trains with DP-SGD (diffusion/privacy.ts).
   */
  privacy?: { epsilon: number; delta?: number; clip: number; encoderShare: number; bounds: Record<string, { min?: number; max?: number }>; categories: Record<string, string[]> };
  /**
   * 'impute': every task is a blended imputation and nothing is generated, so a fresh model is sized for the
   * blend (diffusion/tabular.ts imputeSizing) where the spec sets no width, depth or steps.
   */
  purpose?: 'impute';
  /** How the report names the sampler(s), and their steps. */
  samplerLabel: string;
  /** The steps of the sampler the label names; absent where the label names two samplers with their steps. */
  samplerSteps?: number;
}

export type TableTaskPlan =
  | { type: 'profile'; index: number; label: string; output: TableOutput }
  | {
      type: 'generate';
      index: number;
      label: string;
      seed: number;
      rows: number;
      fixed?: Record<string, string | number | boolean>;
      engine: GenerateEngine;
      sampling: Sampling;
      output: TableOutput;
      /** The task as written (absolute paths): what a shard's part is keyed on (run/shard/shard.ts taskKey). */
      written: unknown;
    }
  | {
      type: 'impute';
      index: number;
      label: string;
      seed: number;
      /** The task as written (absolute paths): what a shard's part is keyed on. */
      written: unknown;
      draws: number;
      engine: ImputeEngine;
      /** The table to impute: the task's `input`, else the source. */
      read: SourceRead;
      /** Whether `read` is the task's own input (else an in-memory run reuses the loaded source). */
      ownInput: boolean;
      sampling: Sampling;
      output: TableOutput;
      /** Written only for more than one draw. */
      intervals?: TableOutput;
      /** The m completed datasets, long format (in-memory runs). */
      completed?: TableOutput;
    };

export interface TablePlan {
  kind: 'table';
  name: string;
  seed: number;
  hash: string;
  specFile?: string;
  read: SourceRead;
  /** `groupBy`: a column whose groups stay whole (in-memory runs; streamed runs refuse it). */
  split: { holdout: number; groupBy?: string };
  /** Tables bigger than memory: stream the source and train on a sample of this many rows. */
  trainRows?: number;
  /** Absent when nothing needs a model. */
  model?: ModelPlan;
  sampling: { generate: Sampling; impute: Sampling };
  tasks: TableTaskPlan[];
  evaluate?: { spec: NormalizedEvaluate; seed: number };
  report?: { dir: string; html: boolean; records?: false };
}

export type ImageTaskPlan =
  | {
      type: 'synthesize';
      index: number;
      label: string;
      seed: number;
      controlSeed: number;
      /** Slices to draw (per label, for a labelled model). */
      count: number;
      /** A labelled model's labels to draw (absent: every label it knows). */
      labels?: string[];
      output: string;
      /** DICOM files into the output folder, or one NIfTI volume when the path ends in .nii or .nii.gz (and format is not dicom). */
      format: 'dicom' | 'nifti';
    }
  | {
      type: 'deidentify';
      index: number;
      label: string;
      output: string;
      options: Required<DeidentifyOptionsSpec>;
      /** Where the pseudonym secret is; read at run time, never stored in the plan or report. */
      secret?: SecretSpec;
      audit?: string;
      uidMap?: string;
      layout?: 'flat' | 'patient/study/series';
    };

export interface ImagePlan {
  kind: 'image';
  name: string;
  seed: number;
  hash: string;
  specFile?: string;
  source: string;
  /** A folder of DICOM files, or one NIfTI-1 volume (slices along its third axis). */
  sourceFormat: 'dicom' | 'nifti';
  /** `source.series`, with the description pattern compiled. */
  series?: SeriesFilter;
  split: { holdout: number };
  /** Synthesis is always checked (the check gates export); a deidentify-only run evaluates only when asked. */
  evaluate: boolean;
  /** How slices are prepared; a loaded checkpoint (`load`) brings its own size and window. */
  preprocess: { load?: string; imageSize?: number; window?: number[]; flip: boolean; slicePosition?: boolean; seriesLabel?: SeriesLabelAttribute };
  /** Absent when nothing needs a model. */
  model?: ModelPlan & { imageSize?: number };
  sampling: Sampling;
  tasks: ImageTaskPlan[];
  report?: { dir: string; html: boolean; records?: false };
}

/** A task's seed (and, in a sharded run, its shard's): the only place task seeds are derived. */
export function taskSeed(seed: number, index: number, shard?: number): number {
  return deriveSeed(seed, shard === undefined ? `task${index}` : `task${index}/shard${shard}`);
}

/** The table format a task output is written as (undefined: from the extension). */
export function outputFormat(o: OutputSpec): TableFormat | undefined {
  if (o.format === 'dicom') throw new SpecError(messages.dicomOutputInTablePipeline(o.path));
  return o.format;
}

const tableOutput = (o: OutputSpec): TableOutput => ({ path: o.path, ...(o.format ? { format: outputFormat(o) } : {}) });

/** How a table pipeline reads `path` (default: its source). */
export function sourceRead(ns: NormalizedSpec, path = ns.spec.source.path): SourceRead {
  const { source, columns } = ns.spec;
  if (ns.spec.kind === 'image') throw new SpecError(messages.dicomSourceInTablePipeline(path, source.format));
  return {
    path,
    ...(source.format === 'csv' || source.format === 'arrow' ? { format: source.format } : {}),
    ...(source.delimiter !== undefined ? { delimiter: source.delimiter as ',' | ';' | '\t' } : {}),
    ...(source.missing ? { missing: source.missing } : {}),
    columns,
  };
}

function modelPlan(ns: NormalizedSpec, samplerLabel: string, samplerSteps?: number): ModelPlan {
  const m = ns.spec.model;
  return {
    device: m.device,
    ...(m.backend ? { backend: m.backend } : {}),
    ...(m.threads !== undefined ? { threads: m.threads } : {}),
    ...(m.load ? { load: m.load } : {}),
    resume: m.resume,
    ...(m.checkpoint ? { checkpoint: m.checkpoint } : {}),
    ...(m.checkpoint && m.checkpointEvery ? { checkpointEveryMs: m.checkpointEvery * 60_000 } : {}),
    ...(m.timeBudget ? { timeBudgetMs: m.timeBudget * 60_000 } : {}),
    ...(m.width !== undefined ? { width: m.width } : {}),
    ...(m.depth !== undefined ? { depth: m.depth } : {}),
    train: { ...(m.steps ? { steps: m.steps } : {}), ...(m.batchSize ? { batchSize: m.batchSize } : {}), ...(m.learningRate ? { learningRate: m.learningRate } : {}) },
    ...(m.resume && m.steps ? { resumeSteps: m.steps } : {}),
    learnedFrom: learnedFrom(ns.written),
    ...(m.privacy ? { privacy: privacyPlan(ns) } : {}),
    samplerLabel,
    ...(samplerSteps !== undefined ? { samplerSteps } : {}),
  };
}

function privacyPlan(ns: NormalizedSpec): NonNullable<ModelPlan['privacy']> {
  const p = ns.spec.model.privacy!;
  const cols = Object.entries(ns.spec.columns).filter(([, c]) => !c.drop);
  return {
    epsilon: p.epsilon,
    ...(p.delta !== undefined ? { delta: p.delta } : {}),
    clip: p.clip ?? 1,
    encoderShare: p.encoderShare ?? 0.1,
    bounds: Object.fromEntries(cols.filter(([, c]) => c.min !== undefined && c.max !== undefined).map(([k, c]) => [k, { min: c.min, max: c.max }])),
    categories: Object.fromEntries(cols.filter(([, c]) => c.categories).map(([k, c]) => [k, c.categories!])),
  };
}

/** A table model's plan; the label names both samplers with their steps when generation and imputation differ. */
function tableModelPlan(ns: NormalizedSpec): ModelPlan {
  const { generate, impute } = ns.spec.model.sampling;
  if (generate.sampler === impute.sampler && generate.steps === impute.steps) return modelPlan(ns, generate.sampler, generate.steps);
  const byRows = impute.byRows ? ` (a blend's draws: ${DEFAULT_IMPUTE_SAMPLER.largeTableSteps} from ${LARGE_IMPUTE_ROWS.toLocaleString('en-US')} rows)` : '';
  return modelPlan(ns, `${generate.sampler}, ${generate.steps} steps (generate); ${impute.sampler}, ${impute.steps} steps${byRows} (impute)`);
}

/** The format a table is read as: the spec's explicit one, else its extension's. */
export function inputFormat(read: SourceRead): TableFormat {
  return read.format ?? formatFromPath(read.path);
}

/** A table model's samplers when the spec sets none (benchmarks use the pipeline's defaults). */
export function defaultTableSampling(): { generate: Sampling; impute: Sampling } {
  return normalizeSpec({ version: 1, name: 'defaults', source: { path: 'table.csv' } }).spec.model.sampling;
}

/** Plan a table pipeline. Throws SpecError for a task a table pipeline cannot run. */
export function planTable(ns: NormalizedSpec): TablePlan {
  const { spec, seed } = ns;
  if (spec.kind === 'image') throw new SpecError(messages.dicomSourceInTablePipeline(spec.source.path, spec.source.format));
  if (spec.source.series) throw new SpecError(messages.seriesSelectionInTablePipeline(spec.source.path));
  const sampling = ns.spec.model.sampling;
  const read = sourceRead(ns);
  const written = (index: number): unknown => ns.written.tasks?.[index] ?? spec.tasks[index];
  const tasks = spec.tasks.map((t, index): TableTaskPlan => {
    const label = `tasks[${index}] ${t.type}`;
    switch (t.type) {
      case 'profile':
        return { type: 'profile', index, label, output: tableOutput(t.output) };
      case 'generate':
        return { type: 'generate', index, label, seed: taskSeed(seed, index), rows: t.rows, ...(t.fixed ? { fixed: t.fixed } : {}), engine: t.engine, sampling: sampling.generate, output: tableOutput(t.output), written: written(index) };
      case 'impute':
        return {
          type: 'impute',
          index,
          label,
          seed: taskSeed(seed, index),
          written: written(index),
          draws: t.draws,
          engine: t.engine,
          read: t.input ? sourceRead(ns, t.input) : read,
          ownInput: Boolean(t.input),
          sampling: sampling.impute,
          output: tableOutput(t.output),
          ...(t.intervals ? { intervals: tableOutput(t.intervals) } : {}),
          ...(t.completed ? { completed: tableOutput(t.completed) } : {}),
        };
      default:
        throw new SpecError(messages.imageTaskInTablePipeline(index, t.type));
    }
  });
  const needsModel = tasks.some((t) => t.type !== 'profile') || Boolean(spec.evaluate?.imputation) || spec.model.declared;
  const m = spec.model;
  const completed = tasks.find((t) => t.type === 'impute' && t.completed);
  if (completed && m.trainRows) throw new SpecError(messages.completedNotInMemory(completed.index, 'model.trainRows streams the source'));
  const passthrough = passthroughColumn(read.columns);
  if (passthrough && m.trainRows) throw new SpecError(messages.passthroughNotInMemory(passthrough, 'model.trainRows streams the source'));
  if (spec.split.groupBy !== undefined && m.trainRows) throw new SpecError(messages.groupByNotInMemory('model.trainRows streams the source'));
  if (m.privacy && m.trainRows) throw new SpecError(messages.privateIncompatible('model.trainRows', 'fits the encoders on sketches of every training row'));
  return {
    kind: 'table',
    name: spec.name,
    seed,
    hash: ns.hash,
    ...(ns.specFile ? { specFile: ns.specFile } : {}),
    read,
    split: { holdout: spec.split.holdout, ...(spec.split.groupBy !== undefined ? { groupBy: spec.split.groupBy } : {}) },
    ...(m.trainRows ? { trainRows: m.trainRows } : {}),
    ...(needsModel ? { model: { ...tableModelPlan(ns), ...(imputeOnly(tasks, spec.evaluate) ? { purpose: 'impute' as const } : {}) } } : {}),
    sampling,
    tasks,
    ...(spec.evaluate ? { evaluate: { spec: spec.evaluate, seed } } : {}),
    ...(spec.report ? { report: spec.report } : {}),
  };
}

/**
 * Whether the model only serves blended imputations: no generate task, no impute task by the diffusion engine
 * alone, and no evaluation that grades generated rows (fidelity, detection, privacy, outliers, efficacy).
 */
function imputeOnly(tasks: readonly TableTaskPlan[], ev: NormalizedEvaluate | undefined): boolean {
  if (ev && (ev.fidelity || ev.detection || ev.privacy || ev.outliers || ev.efficacy)) return false;
  return tasks.some((t) => t.type === 'impute') && tasks.every((t) => t.type === 'profile' || (t.type === 'impute' && t.engine !== 'diffusion'));
}

/** Plan an image pipeline. Throws SpecError for a task an image pipeline cannot run. */
export function planImage(ns: NormalizedSpec): ImagePlan {
  const { spec, seed } = ns;
  if (spec.model.privacy) throw new SpecError(messages.privateIncompatible('an image pipeline', 'trains the U-Net without DP-SGD (only the table model has it)'));
  if (spec.split.groupBy !== undefined) throw new SpecError(messages.groupByImage());
  const sourceFormat = spec.source.format === 'nifti' ? 'nifti' : 'dicom';
  if (sourceFormat === 'dicom' && NIFTI_PATH.test(spec.source.path)) throw new SpecError(messages.niftiSourceFormatDicom(spec.source.path));
  if (sourceFormat === 'nifti' && spec.source.series) throw new SpecError(messages.seriesSelectionNifti(spec.source.path));
  if (sourceFormat === 'nifti' && spec.model.seriesLabel) throw new SpecError(messages.seriesLabelNifti(spec.source.path));
  const tasks = spec.tasks.map((t, index): ImageTaskPlan => {
    if (t.type !== 'synthesize' && t.type !== 'deidentify') throw new SpecError(messages.tableTaskInImagePipeline(index, t.type));
    if (t.type === 'deidentify' && sourceFormat === 'nifti') throw new SpecError(messages.niftiSourceTask(index, t.type, spec.source.path));
    if (t.output.format && t.output.format !== 'dicom') throw new SpecError(messages.imageTaskOutputFormat(index, t.type, t.output.format));
    const label = `tasks[${index}] ${t.type}`;
    // Labels for a model trained here without model.seriesLabel; a loaded model's labels are checked when it is.
    if (t.type === 'synthesize' && t.labels && !spec.model.seriesLabel && !spec.model.load) throw new SpecError(messages.seriesLabelsUnconditioned(index, "this spec's model (no model.seriesLabel)"));
    return t.type === 'synthesize'
      ? {
          type: 'synthesize',
          index,
          label,
          seed: taskSeed(seed, index),
          controlSeed: deriveSeed(seed, `control${index}`),
          count: t.count,
          ...(t.labels ? { labels: t.labels } : {}),
          output: t.output.path,
          format: synthesizeFormat(t.output),
        }
      : {
          type: 'deidentify',
          index,
          label,
          output: t.output.path,
          options: t.options,
          ...(t.secret ? { secret: t.secret } : {}),
          ...(t.audit ? { audit: t.audit.path } : {}),
          ...(t.uidMap ? { uidMap: t.uidMap.path } : {}),
          ...(t.layout ? { layout: t.layout } : {}),
        };
  });
  const evaluate = tasks.some((t) => t.type === 'synthesize') || spec.evaluate?.memorization === true;
  const m = spec.model;
  return {
    kind: 'image',
    name: spec.name,
    seed,
    hash: ns.hash,
    ...(ns.specFile ? { specFile: ns.specFile } : {}),
    source: spec.source.path,
    sourceFormat,
    ...(spec.source.series ? { series: seriesFilter(spec.source.series) } : {}),
    split: { holdout: spec.split.holdout },
    evaluate,
    preprocess: { ...(m.load ? { load: m.load } : {}), ...(m.imageSize ? { imageSize: m.imageSize } : {}), ...(m.window ? { window: m.window } : {}), flip: m.flip, ...(m.slicePosition !== undefined ? { slicePosition: m.slicePosition } : {}), ...(m.seriesLabel ? { seriesLabel: m.seriesLabel } : {}) },
    ...(evaluate ? { model: { ...modelPlan(ns, m.sampling.generate.sampler, m.sampling.generate.steps), ...(m.imageSize ? { imageSize: m.imageSize } : {}) } } : {}),
    sampling: m.sampling.generate,
    tasks,
    ...(spec.report ? { report: spec.report } : {}),
  };
}

function seriesFilter(sel: SeriesSelection): SeriesFilter {
  let description: RegExp | undefined;
  if (sel.description !== undefined) {
    try {
      description = new RegExp(sel.description, 'i');
    } catch (e) {
      throw new SpecError(messages.seriesDescriptionPattern(sel.description, (e as Error).message));
    }
  }
  return { ...(sel.uid ? { uid: sel.uid } : {}), ...(sel.modality ? { modality: sel.modality } : {}), ...(description ? { description } : {}) };
}

/** The first column the spec marks `kind: passthrough`, if any. */
export function passthroughColumn(columns: SourceRead['columns']): string | undefined {
  return Object.entries(columns).find(([, c]) => c.passthrough)?.[0];
}

/** Generate shards measure privacy when the run evaluates it and has a holdout to compare with. */
export function measuresPrivacy(plan: Pick<TablePlan, 'evaluate' | 'split'>): boolean {
  return Boolean(plan.evaluate?.spec.privacy) && plan.split.holdout > 0;
}
