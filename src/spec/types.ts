import type { ImputeEngine } from '../impute/engine-name.js';
import type { GenerateEngine } from '../synth/engine-name.js';
import type { BackendName, Device } from '../backend/names.js';
import type { SamplerName } from '../diffusion/sampler-name.js';
import type { ColumnKind } from '../table/table.js';

/**
 * The pipeline spec as users write it (JSON or YAML). `schemas/pipeline.schema.json` is generated from
 * `pipelineSchema` in `schema.ts`, and a test checks that every object's keys there equal the keys of
 * these types (see `KEYS` below), so the two cannot drift.
 */
export interface PipelineSpec {
  version: 1;
  name: string;
  seed?: number;
  source: SourceSpec;
  columns?: Record<string, ColumnSpec>;
  split?: SplitSpec;
  model?: ModelSpec;
  tasks?: TaskSpec[];
  evaluate?: EvaluateSpec;
  report?: ReportSpec;
  /** The folder every output (task outputs, intervals, model.checkpoint, report.dir) must be inside; default the spec's folder. */
  outputDir?: string;
  /** Opt out: outputs may go anywhere (never onto an input, never two onto one path). */
  outputsAnywhere?: boolean;
}

export type DataFormat = 'csv' | 'arrow' | 'dicom';

export interface SourceSpec {
  format?: DataFormat;
  path: string;
  delimiter?: string;
  /** Tokens read as missing; default only the empty field. */
  missing?: string[];
  /** DICOM sources: which series of the folder to use (default: all). A series is kept when it matches every key given. */
  series?: SeriesSelection;
}

/** Series selection for a DICOM source; each key given must match. */
export interface SeriesSelection {
  /** SeriesInstanceUID(s). */
  uid?: string[];
  /** Modality values, e.g. ["MR"]. */
  modality?: string[];
  /** A regular expression matched case-insensitively against SeriesDescription (0008,103E). */
  description?: string;
}

export interface ColumnSpec {
  /**
   * The column's kind, or `passthrough`: read as text, never modelled, and written back verbatim beside
   * the imputed columns (identifiers that imputed rows must keep to be joined back; in-memory runs).
   */
  kind?: ColumnKind | 'passthrough';
  missing?: string[];
  min?: number;
  max?: number;
  /**
   * The column's labels, known publicly (a code list, not read off the data). A model trained with
   * `model.privacy` then uses them instead of releasing labels by noisy counts; other models ignore it.
   */
  categories?: string[];
  /** Leave this column out of the model and outputs (identifiers such as `id`). */
  drop?: boolean;
}

export interface SplitSpec {
  /** Fraction of rows held out for privacy and fidelity evaluation, 0 ≤ holdout < 1. */
  holdout: number;
  /**
   * Keep every row of one group (a patient with several visits) on one side of the split: whole groups,
   * drawn at random, go to the holdout until it has its share of rows. The column may be dropped or passthrough.
   */
  groupBy?: string;
}

export type { Device, BackendName };
export type { SamplerName };

export interface ModelSpec {
  device?: Device;
  backend?: BackendName;
  /**
   * CPU threads for the wasm backend (XNNPACK's pool): a count or `all` (os.availableParallelism()).
   * Default 1, or SYNTHDIFF_THREADS; the CLI's --threads wins over both. Results are byte-identical at any count.
   */
  threads?: number | 'all';
  /** Hidden width and number of hidden layers of the denoiser MLP; default scales with the data. */
  width?: number;
  depth?: number;
  steps?: number;
  batchSize?: number;
  learningRate?: number;
  /**
   * Tables bigger than memory: stream the source once, fit the encoders on every training row with
   * mergeable sketches and train on a uniform (reservoir) sample of at most this many rows.
   */
  trainRows?: number;
  /** Directory to save the trained model to. */
  checkpoint?: string;
  /** Minutes between checkpoints saved to `checkpoint` while training (default 10); `resume: true` continues from the last. */
  checkpointEvery?: number;
  /** Load this checkpoint instead of training (`resume: true` continues training from it). */
  load?: string;
  resume?: boolean;
  sampler?: SamplerName;
  samplerSteps?: number;
  /** Image models: training resolution (square, pixels). */
  imageSize?: number;
  /** Image models: intensity window [low, high] in modality units (default: 0.5–99.5th percentiles). */
  window?: number[];
  /** Image models: random left-right flips as augmentation. */
  flip?: boolean;
  /**
   * Image models: condition on each slice's level in its volume (its position along the slice normal) and
   * draw synthetic slices evenly over the levels. Default: on when the source slices share a geometry.
   */
  slicePosition?: boolean;
  /** Train the table model with (ε, δ)-differential privacy (DP-SGD; see README "Differential privacy"). */
  privacy?: PrivacySpec;
}

export interface PrivacySpec {
  /** The total budget ε: the encoders' statistics and every training step together. */
  epsilon: number;
  /** δ (default 1/n^1.1 for n training rows). */
  delta?: number;
  /** Per-row gradient L2 clip norm (default 1). */
  clip?: number;
  /** Fraction of ε the encoders' noisy statistics would spend on their own (default 0.1). */
  encoderShare?: number;
}

export type OutputFormat = 'csv' | 'arrow' | 'dicom';

export interface OutputSpec {
  path: string;
  format?: OutputFormat;
}

export interface ProfileTask {
  type: 'profile';
  output: OutputSpec;
}

export interface GenerateTask {
  type: 'generate';
  rows: number;
  /** Column values every generated row must take. */
  fixed?: Record<string, string | number | boolean>;
  /**
   * `auto` (default): sequential CART trees when a leaf size passes the validation privacy check (DCR share),
   * else the diffusion model; or one engine. Streamed, sharded and private runs use `diffusion`.
   */
  engine?: GenerateEngine;
  output: OutputSpec;
}

export interface ImputeTask {
  type: 'impute';
  /** Number of multiple imputations (m); the output is the first, with per-cell spread when m > 1. */
  draws?: number;
  /** Table to impute; default the source. */
  input?: string;
  /**
   * `auto` (default): the diffusion model blended per column with chained forests and ridge regressions,
   * weights chosen on held-out observed cells; or one engine alone. Streamed and sharded runs use
   * `diffusion` (they impute row by row).
   */
  engine?: ImputeEngine;
  output: OutputSpec;
  /** Where to write per-cell intervals (m > 1): a CSV of row, column, mean/mode, lower, upper. */
  intervals?: OutputSpec;
  /**
   * Where to write the m completed datasets in mice's long format (`complete(imp, "long", include = TRUE)`):
   * columns `.imp` (0 = the input with its holes, then 1..m) and `.id` (the input row, 1-based), then the
   * table's; (m + 1) × rows rows. R: `pool(with(as.mids(long), lm(…)))`; elsewhere analyse each `.imp` > 0
   * and pool with Rubin's rules. In-memory runs only (not with model.trainRows or --shard).
   */
  completed?: OutputSpec;
}

/** Image pipelines: sample `count` synthetic slices and write them as de-identified DICOM into a folder. */
export interface SynthesizeTask {
  type: 'synthesize';
  count: number;
  output: OutputSpec;
}

/** Image pipelines: de-identify the source series (PS3.15 Annex E) into a folder. */
export interface DeidentifyTask {
  type: 'deidentify';
  output: OutputSpec;
  /** PS3.15 Annex E options on top of the Basic Profile (all off by default). */
  options?: DeidentifyOptionsSpec;
  /**
   * Where the pseudonym secret is (never the secret itself): an environment variable or a file. With it,
   * UIDs, Patient ID pseudonyms and date shifts are stable across runs and sites; without, random per run.
   */
  secret?: SecretSpec;
  /** Audit trail (JSON): per input its output and the action on every attribute; skipped files by name. */
  audit?: OutputSpec;
  /** Original → replacement UID map (CSV). It re-identifies: written only when asked. */
  uidMap?: OutputSpec;
  /** `flat` (default): `<SOPInstanceUID>.dcm`; `patient/study/series`: `<PatientID>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm` (de-identified values). */
  layout?: 'flat' | 'patient/study/series';
}

/** PS3.15 Annex E options (Table E.1-1 option columns). */
export interface DeidentifyOptionsSpec {
  /** false (default): dates removed/emptied; full: kept; shift: moved by a keyed per-patient number of days. */
  retainLongitudinalTemporal?: false | 'full' | 'shift';
  retainPatientCharacteristics?: boolean;
  retainDeviceIdentity?: boolean;
  /** Keep the safe list of private attributes (diffusion b-values and directions, mosaic layout). */
  retainSafePrivate?: boolean;
  cleanDescriptors?: boolean;
  retainUids?: boolean;
}

/** Exactly one of `env` (an environment variable's name) or `file` (a path, relative to the spec). */
export interface SecretSpec {
  env?: string;
  file?: string;
}

export type TaskSpec = ProfileTask | GenerateTask | ImputeTask | SynthesizeTask | DeidentifyTask;

export interface EvaluateSpec {
  fidelity?: boolean;
  detection?: boolean;
  privacy?: boolean;
  outliers?: boolean;
  /** Hide this fraction of observed cells, impute them, and score against baselines. */
  imputation?: { fraction: number; mechanism?: 'mcar' | 'mar' };
  efficacy?: { target: string };
  /** Image pipelines: nearest-training-image similarity, near-copy threshold calibrated on held-out images. */
  memorization?: boolean;
}

export interface ReportSpec {
  dir: string;
  html?: boolean;
  /** false: no real record (the most unusual real rows) in the report; default true. */
  records?: boolean;
}

type Keys<T> = Record<keyof Required<T>, true>;

/** Key witnesses: TypeScript fails to compile if a type gains or loses a key without these changing. */
export const KEYS = {
  PipelineSpec: { version: true, name: true, seed: true, source: true, columns: true, split: true, model: true, tasks: true, evaluate: true, report: true, outputDir: true, outputsAnywhere: true } satisfies Keys<PipelineSpec>,
  SourceSpec: { format: true, path: true, delimiter: true, missing: true, series: true } satisfies Keys<SourceSpec>,
  SeriesSelection: { uid: true, modality: true, description: true } satisfies Keys<SeriesSelection>,
  ColumnSpec: { kind: true, missing: true, min: true, max: true, categories: true, drop: true } satisfies Keys<ColumnSpec>,
  SplitSpec: { holdout: true, groupBy: true } satisfies Keys<SplitSpec>,
  ModelSpec: { device: true, backend: true, threads: true, width: true, depth: true, steps: true, batchSize: true, learningRate: true, trainRows: true, checkpoint: true, checkpointEvery: true, load: true, resume: true, sampler: true, samplerSteps: true, imageSize: true, window: true, flip: true, slicePosition: true, privacy: true } satisfies Keys<ModelSpec>,
  PrivacySpec: { epsilon: true, delta: true, clip: true, encoderShare: true } satisfies Keys<PrivacySpec>,
  OutputSpec: { path: true, format: true } satisfies Keys<OutputSpec>,
  ProfileTask: { type: true, output: true } satisfies Keys<ProfileTask>,
  GenerateTask: { type: true, rows: true, fixed: true, engine: true, output: true } satisfies Keys<GenerateTask>,
  ImputeTask: { type: true, draws: true, engine: true, input: true, output: true, intervals: true, completed: true } satisfies Keys<ImputeTask>,
  SynthesizeTask: { type: true, count: true, output: true } satisfies Keys<SynthesizeTask>,
  DeidentifyTask: { type: true, output: true, options: true, secret: true, audit: true, uidMap: true, layout: true } satisfies Keys<DeidentifyTask>,
  DeidentifyOptionsSpec: {
    retainLongitudinalTemporal: true,
    retainPatientCharacteristics: true,
    retainDeviceIdentity: true,
    retainSafePrivate: true,
    cleanDescriptors: true,
    retainUids: true,
  } satisfies Keys<DeidentifyOptionsSpec>,
  SecretSpec: { env: true, file: true } satisfies Keys<SecretSpec>,
  EvaluateSpec: { fidelity: true, detection: true, privacy: true, outliers: true, imputation: true, efficacy: true, memorization: true } satisfies Keys<EvaluateSpec>,
  ReportSpec: { dir: true, html: true, records: true } satisfies Keys<ReportSpec>,
};
