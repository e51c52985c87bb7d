/**
 * normalize: the spec as written → the spec every later phase reads, once. Every path is absolute
 * (resolved against the spec file's folder, so a spec runs the same from any cwd) and every default is
 * filled; what stays optional is optional because its absence is the default ("none", or "chosen from the
 * data": the model's width, depth, steps and batch size, the CSV delimiter, a column's kind).
 *
 * The golden files in test/golden/normalized/ hold the normalized form of every example in pipelines/;
 * a test fails when one changes unnoticed.
 */
import type { ImputeEngine } from '../impute/engine-name.js';
import type { GenerateEngine } from '../synth/engine-name.js';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, resolve } from 'node:path';
import { DEFAULT_GENERATE_SAMPLER, generateSampling, imputeSampling, type Sampling } from '../diffusion/sampler-name.js';
import { readSpecFile } from './parse.js';
import type { ColumnSpec, DeidentifyOptionsSpec, Device, EvaluateSpec, ModelSpec, OutputSpec, PipelineSpec, SamplerName, SecretSpec, SourceSpec, TaskSpec } from './types.js';
import type { ColumnKind } from '../table/table.js';

/**
 * Table pipelines read CSV or Arrow; image pipelines read a folder of DICOM files (`source.format: dicom`)
 * or one NIfTI-1 volume (`source.format: nifti`, or a path ending .nii or .nii.gz with no format).
 */
export type PipelineKind = 'table' | 'image';

/** A NIfTI volume's file name: the format of a source that does not state one. */
export const NIFTI_PATH = /\.nii(\.gz)?$/i;

/** How a synthesize task writes: one NIfTI volume where its path ends .nii/.nii.gz and no format is named, else a DICOM folder. */
export function synthesizeFormat(output: OutputSpec): 'nifti' | 'dicom' {
  return !output.format && NIFTI_PATH.test(output.path) ? 'nifti' : 'dicom';
}

/** The spec's model section with every default filled (its optional sizes stay optional: they scale with the data). */
export interface NormalizedModel extends Omit<ModelSpec, 'device' | 'resume' | 'sampler' | 'samplerSteps' | 'flip' | 'checkpointEvery'> {
  /** Whether the spec has a `model` section: a table run then trains even when no task needs the model. */
  declared: boolean;
  device: Device;
  resume: boolean;
  /** Minutes between checkpoints while training (only with `checkpoint`); default 10. */
  checkpointEvery?: number;
  /**
   * The sampler and its steps per use. Unset, the defaults differ: the deterministic Heun ODE at 30 steps for
   * generation (within 0.006 of 50 steps' detection, `generateSampling`) and DPM-Solver++(2M) at 20 steps for imputation, where the
   * blend's 10 draws are averaged: as accurate as EDM's stochastic sampler at 50 steps on the shared
   * yardsticks and 2.5× fewer network evaluations (bench/RESULTS.md); with neither `sampler` nor
   * `samplerSteps` in a table spec, a blend's draws take their steps by the rows (`byRows`, imputeSampling).
   * Image models sample with `generate`, 24 steps by default.
   */
  sampling: { generate: Sampling; impute: Sampling };
  flip: boolean;
}

export type NormalizedTask =
  | { type: 'profile'; output: OutputSpec }
  | { type: 'generate'; rows: number; fixed?: Record<string, string | number | boolean>; engine: GenerateEngine; output: OutputSpec }
  | { type: 'impute'; draws: number; engine: ImputeEngine; input?: string; output: OutputSpec; intervals?: OutputSpec; completed?: OutputSpec }
  | { type: 'synthesize'; count: number; labels?: string[]; output: OutputSpec }
  | { type: 'deidentify'; output: OutputSpec; options: Required<DeidentifyOptionsSpec>; secret?: SecretSpec; audit?: OutputSpec; uidMap?: OutputSpec; layout?: 'flat' | 'patient/study/series' };

export interface NormalizedEvaluate {
  fidelity: boolean;
  detection: boolean;
  privacy: boolean;
  outliers: boolean;
  memorization: boolean;
  imputation?: { fraction: number; mechanism: 'mcar' | 'mar' };
  efficacy?: { target: string };
}

/** The spec as every phase after normalize reads it. */
/** A column's options with `drop` filled in; `kind: passthrough` becomes `passthrough: true` (no kind). */
export type NormalizedColumn = Omit<ColumnSpec, 'kind'> & { kind?: ColumnKind; drop: boolean; passthrough?: true };

export interface NormalizedPipeline {
  version: 1;
  name: string;
  kind: PipelineKind;
  seed: number;
  source: SourceSpec;
  columns: Record<string, NormalizedColumn>;
  split: { holdout: number; groupBy?: string };
  model: NormalizedModel;
  tasks: NormalizedTask[];
  /** Absent when the spec asks for no evaluation (no `evaluate` section, or an empty one). */
  evaluate?: NormalizedEvaluate;
  /** Absent: no report is written. */
  report?: { dir: string; html: boolean; records?: false };
  /** Where outputs may go (run/outputs.ts): inside `dir` (the spec's folder unless `outputDir` says), or anywhere. */
  outputs: { dir: string; anywhere: boolean };
}

export interface NormalizedSpec {
  /** Every default filled, every path absolute. */
  readonly spec: NormalizedPipeline;
  /** The spec as written with absolute paths: what identities (the spec hash, shard task keys) are computed from. */
  readonly written: PipelineSpec;
  readonly specFile: string | undefined;
  readonly baseDir: string;
  readonly seed: number;
  readonly hash: string;
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Model settings a checkpoint's training does not depend on: resuming across a change of these is harmless. */
export const RESUMABLE_MODEL_KEYS = ['threads', 'steps', 'timeBudget', 'sampler', 'samplerSteps', 'device', 'backend', 'checkpoint', 'checkpointEvery', 'load', 'resume'] as const;

/**
 * What a model learns from, as JSON (spec path → value): source, columns, split, seed and the model
 * settings but the resumable ones. Saved with a checkpoint; a resumed run must match it.
 */
export function learnedFrom(spec: PipelineSpec): Record<string, unknown> {
  const model: Record<string, unknown> = { ...(spec.model ?? {}) };
  for (const k of RESUMABLE_MODEL_KEYS) delete model[k];
  return JSON.parse(canonicalJson({ source: spec.source, columns: spec.columns ?? {}, split: spec.split ?? {}, model, seed: spec.seed ?? 0 })) as Record<string, unknown>;
}

/** `o` without `key` (absent, not undefined: canonicalJson would print an undefined entry and change every hash). */
function withoutKey<T extends object>(o: T | undefined, key: keyof T): Partial<T> {
  const copy: Partial<T> = { ...(o ?? {}) };
  delete copy[key];
  return copy;
}

/** Copy `o` without its undefined entries, so normalized specs compare and print cleanly. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Minutes between checkpoints while training when the spec does not say. */
export const DEFAULT_CHECKPOINT_EVERY_MINUTES = 10;

function normalizeModel(m: ModelSpec | undefined, kind: PipelineKind): NormalizedModel {
  const s = m ?? {};
  const byRows = kind === 'table' && s.sampler === undefined && s.samplerSteps === undefined;
  const image = { sampler: s.sampler ?? DEFAULT_GENERATE_SAMPLER, steps: s.samplerSteps ?? 24 };
  const impute: Sampling = kind === 'image' ? image : { ...imputeSampling(s.sampler, s.samplerSteps), ...(byRows ? { byRows } : {}) };
  const sampling = { generate: kind === 'image' ? image : generateSampling(s.sampler, s.samplerSteps), impute };
  return defined({
    declared: m !== undefined,
    device: s.device ?? 'auto',
    backend: s.backend,
    width: s.width,
    depth: s.depth,
    threads: s.threads,
    steps: s.steps,
    batchSize: s.batchSize,
    learningRate: s.learningRate,
    trainRows: s.trainRows,
    checkpoint: s.checkpoint,
    checkpointEvery: s.checkpoint ? (s.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY_MINUTES) : undefined,
    timeBudget: s.timeBudget,
    load: s.load,
    resume: s.resume ?? false,
    sampling,
    imageSize: s.imageSize,
    window: s.window,
    flip: s.flip ?? false,
    slicePosition: s.slicePosition,
    seriesLabel: s.seriesLabel,
    // δ stays optional: its default, 1/n^1.1, scales with the training rows.
    privacy: s.privacy ? defined({ epsilon: s.privacy.epsilon, delta: s.privacy.delta, clip: s.privacy.clip ?? 1, encoderShare: s.privacy.encoderShare ?? 0.1 }) : undefined,
  });
}

function normalizeTask(t: TaskSpec): NormalizedTask {
  if (t.type === 'generate') return defined({ type: 'generate', rows: t.rows, fixed: t.fixed, engine: t.engine ?? 'auto', output: t.output });
  if (t.type === 'impute') return defined({ type: 'impute', draws: t.draws ?? 1, engine: t.engine ?? 'auto', input: t.input, output: t.output, intervals: t.intervals, completed: t.completed });
  if (t.type === 'deidentify') {
    const o = t.options ?? {};
    return defined({
      type: 'deidentify',
      output: t.output,
      options: {
        retainLongitudinalTemporal: o.retainLongitudinalTemporal ?? false,
        retainPatientCharacteristics: o.retainPatientCharacteristics ?? false,
        retainDeviceIdentity: o.retainDeviceIdentity ?? false,
        retainSafePrivate: o.retainSafePrivate ?? false,
        cleanDescriptors: o.cleanDescriptors ?? false,
        retainUids: o.retainUids ?? false,
      },
      secret: t.secret,
      audit: t.audit,
      uidMap: t.uidMap,
      layout: t.layout,
    });
  }
  return t;
}

function normalizeEvaluate(ev: EvaluateSpec | undefined): NormalizedEvaluate | undefined {
  if (!ev || Object.keys(ev).length === 0) return undefined;
  return defined({
    fidelity: ev.fidelity ?? false,
    detection: ev.detection ?? false,
    privacy: ev.privacy ?? false,
    outliers: ev.outliers ?? false,
    memorization: ev.memorization ?? false,
    imputation: ev.imputation && { fraction: ev.imputation.fraction, mechanism: ev.imputation.mechanism ?? 'mcar' },
    efficacy: ev.efficacy,
  });
}

/** Make every path absolute and fill every default; `specFile` is where relative paths start from. */
export function normalizeSpec(spec: PipelineSpec, specFile?: string): NormalizedSpec {
  const baseDir = specFile ? dirname(resolve(specFile)) : process.cwd();
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const w: PipelineSpec = structuredClone(spec);
  w.source.path = abs(w.source.path);
  if (w.model?.checkpoint) w.model.checkpoint = abs(w.model.checkpoint);
  if (w.model?.load) w.model.load = abs(w.model.load);
  for (const t of w.tasks ?? []) {
    t.output.path = abs(t.output.path);
    if (t.type === 'deidentify') {
      if (t.secret?.file) t.secret.file = abs(t.secret.file);
      if (t.audit) t.audit.path = abs(t.audit.path);
      if (t.uidMap) t.uidMap.path = abs(t.uidMap.path);
    }
    if (t.type === 'impute') {
      if (t.input) t.input = abs(t.input);
      if (t.intervals) t.intervals.path = abs(t.intervals.path);
      if (t.completed) t.completed.path = abs(t.completed.path);
    }
  }
  if (w.report) w.report.dir = abs(w.report.dir);
  if (w.outputDir) w.outputDir = abs(w.outputDir);
  // The hash identifies what the model learned from: source, columns, split, seed and model settings.
  const hash = createHash('sha256')
    .update(canonicalJson({ source: spec.source, columns: spec.columns ?? {}, split: spec.split ?? {}, model: { ...withoutKey(spec.model, 'checkpointEvery'), checkpoint: undefined, load: undefined, resume: undefined }, seed: spec.seed ?? 0 }))
    .digest('hex');

  // A .nii/.nii.gz source without a format is a NIfTI volume; the normalized spec says so.
  const source = !w.source.format && NIFTI_PATH.test(w.source.path) ? { ...w.source, format: 'nifti' as const } : w.source;
  const kind: PipelineKind = source.format === 'dicom' || source.format === 'nifti' ? 'image' : 'table';
  const tasks = (w.tasks ?? []).map(normalizeTask);
  const evaluate = normalizeEvaluate(w.evaluate);
  // Image runs hold out a fifth of the slices when they check memorization (always, with a synthesize task).
  const imageEvaluates = tasks.some((t) => t.type === 'synthesize') || evaluate?.memorization === true;
  const normalized: NormalizedPipeline = defined({
    version: 1 as const,
    name: w.name,
    kind,
    seed: w.seed ?? 0,
    source,
    columns: Object.fromEntries(Object.entries(w.columns ?? {}).map(([k, c]) => [k, normalizeColumn(c)])),
    split: { holdout: w.split?.holdout ?? (kind === 'image' && imageEvaluates ? 0.2 : 0), ...(w.split?.groupBy !== undefined ? { groupBy: w.split.groupBy } : {}) },
    model: normalizeModel(w.model, kind),
    tasks,
    evaluate,
    report: w.report && { dir: w.report.dir, html: w.report.html ?? true, ...(w.report.records === false ? { records: false as const } : {}) },
    outputs: { dir: w.outputDir ?? baseDir, anywhere: w.outputsAnywhere ?? false },
  });
  return { spec: normalized, written: w, specFile: specFile && resolve(specFile), baseDir, seed: normalized.seed, hash };
}

export async function loadSpec(path: string): Promise<NormalizedSpec> {
  return normalizeSpec(await readSpecFile(path), path);
}

function normalizeColumn(c: ColumnSpec): NormalizedColumn {
  const { kind, ...rest } = c;
  if (kind === 'passthrough') return { ...rest, drop: c.drop ?? false, passthrough: true };
  return { ...c, kind, drop: c.drop ?? false };
}
