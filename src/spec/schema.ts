/**
 * The pipeline spec, once: TypeBox schemas from which both the TypeScript types (`Static<>`, re-exported
 * by `types.ts`) and the JSON Schema (draft 2020-12) come. `pipelineSchemaObject()` is what ajv compiles
 * and what `npm run schemas` writes to `schemas/pipeline.schema.json`; a test fails if that file is stale.
 *
 * `description`s are what editors show for a key in a spec file (keep them as they are: they are part of
 * the published schema); the doc comments on properties are for readers of the code.
 *
 * A few keywords are written as plain JSON Schema (`Type.Unsafe`, typed from the same values) because
 * TypeBox spells them differently and ajv's messages would change: `enum`/`const` (TypeBox: `anyOf` of
 * literals with a `type`), maps (`additionalProperties` schema; TypeBox: `patternProperties`), the task
 * union (ajv's `discriminator` over `$ref`s) and the `$ref`s into `$defs`.
 */
import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';
import { BACKEND_NAMES, DEVICES } from '../backend/names.js';
import { SAMPLER_NAMES } from '../diffusion/sampler-name.js';
import { SERIES_LABEL_ATTRIBUTES } from '../io/dicom/series-label.js';
import { IMPUTE_ENGINES } from '../impute/engine-name.js';
import { GENERATE_ENGINES } from '../synth/engine-name.js';
import { COLUMN_KINDS } from '../table/table.js';

/** `{ enum: values }`, typed as the union of the values. */
function Enum<const T extends readonly (string | number | boolean)[]>(values: T, options?: SchemaOptions) {
  return Type.Unsafe<T[number]>({ enum: [...values], ...options });
}

/** `{ const: value }` (TypeBox's Literal adds a `type`, and with it a second error message). */
function Const<const T extends string | number | boolean>(value: T, options?: SchemaOptions) {
  return Type.Unsafe<T>({ const: value, ...options });
}

/** `{ $ref: '#/$defs/<name>' }`, typed as the schema it names; `$defs` below must hold it under that name. */
function Ref<T extends TSchema>(name: string, _schema: T, options?: SchemaOptions) {
  return Type.Unsafe<Static<T>>({ $ref: `#/$defs/${name}`, ...options });
}

/** An object keyed by free names (column names), every value matching `value`. */
function Dict<T extends TSchema>(value: T, options?: SchemaOptions) {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', ...options, additionalProperties: value });
}

const PositiveInt = (options?: SchemaOptions) => Type.Integer({ minimum: 1, ...options });
const Str = (options?: SchemaOptions) => Type.String({ minLength: 1, ...options });
const Strict = { additionalProperties: false } as const;

export const DATA_FORMATS = ['csv', 'arrow', 'dicom'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];
export type OutputFormat = DataFormat;
/** What a source can be: a table (csv, arrow), a folder of DICOM files, or one NIfTI-1 volume (.nii, .nii.gz). */
export const SOURCE_FORMATS = [...DATA_FORMATS, 'nifti'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

export const OutputSpec = Type.Object(
  {
    path: Str({ description: 'Output path, relative to the spec file.' }),
    format: Type.Optional(Enum(DATA_FORMATS)),
  },
  { description: 'Where a task writes its table; format defaults from the extension.', ...Strict },
);
export type OutputSpec = Static<typeof OutputSpec>;

/** Series selection for a DICOM source; each key given must match. */
export const SeriesSelection = Type.Object(
  {
    /** SeriesInstanceUID(s). */
    uid: Type.Optional(Type.Array(Str(), { minItems: 1 })),
    /** Modality values, e.g. ["MR"]. */
    modality: Type.Optional(Type.Array(Str(), { minItems: 1 })),
    /** A regular expression matched case-insensitively against SeriesDescription (0008,103E). */
    description: Type.Optional(Str({ description: 'Regular expression, matched case-insensitively against SeriesDescription.' })),
  },
  { description: 'DICOM sources: which series to use (default all); a series is kept when it matches every key given.', ...Strict, minProperties: 1 },
);
export type SeriesSelection = Static<typeof SeriesSelection>;

export const SourceSpec = Type.Object(
  {
    format: Type.Optional(
      Enum(SOURCE_FORMATS, { description: 'csv | arrow (tables), dicom (a folder of DICOM files), nifti (one NIfTI-1 volume); absent: from the extension (.nii and .nii.gz are nifti).' }),
    ),
    path: Str({ description: 'Input table, DICOM folder or NIfTI volume (.nii, .nii.gz), relative to the spec file.' }),
    delimiter: Type.Optional(Enum([',', ';', '\t'])),
    /** Tokens read as missing; default only the empty field. */
    missing: Type.Optional(Type.Array(Type.String())),
    /** DICOM sources: which series of the folder to use (default: all). A series is kept when it matches every key given. */
    series: Type.Optional(Ref('series', SeriesSelection)),
  },
  Strict,
);
export type SourceSpec = Static<typeof SourceSpec>;

export const ColumnSpec = Type.Object(
  {
    /**
     * The column's kind, or `passthrough`: read as text, never modelled, and written back verbatim beside
     * the imputed columns (identifiers that imputed rows must keep to be joined back; in-memory runs).
     */
    kind: Type.Optional(
      Enum([...COLUMN_KINDS, 'passthrough'], { description: 'passthrough: kept verbatim in impute outputs, never modelled (identifiers); in-memory runs only' }),
    ),
    missing: Type.Optional(Type.Array(Type.String())),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    /**
     * The column's labels, known publicly (a code list, not read off the data). A model trained with
     * `model.privacy` then uses them instead of releasing labels by noisy counts; other models ignore it.
     */
    categories: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        uniqueItems: true,
        description: 'Public labels of the column: a model trained with model.privacy uses them instead of releasing labels by noisy counts.',
      }),
    ),
    /** Leave this column out of the model and outputs (identifiers such as `id`). */
    drop: Type.Optional(Type.Boolean()),
  },
  Strict,
);
export type ColumnSpec = Static<typeof ColumnSpec>;

export const SplitSpec = Type.Object(
  {
    /** Fraction of rows held out for privacy and fidelity evaluation, 0 ≤ holdout < 1. */
    holdout: Type.Number({ minimum: 0, exclusiveMaximum: 1 }),
    /**
     * Keep every row of one group (a patient with several visits) on one side of the split: whole groups,
     * drawn at random, go to the holdout until it has its share of rows. The column may be dropped or passthrough.
     */
    groupBy: Type.Optional(Type.String({ minLength: 1, description: 'A column whose groups (e.g. a patient id) stay whole: every row of a group on one side of the split.' })),
  },
  Strict,
);
export type SplitSpec = Static<typeof SplitSpec>;

export const PrivacySpec = Type.Object(
  {
    /** The total budget ε: the encoders' statistics and every training step together. */
    epsilon: Type.Number({ exclusiveMinimum: 0, description: 'Total privacy budget (encoder statistics and training together).' }),
    /** δ (default 1/n^1.1 for n training rows). */
    delta: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Default 1/n^1.1 for n training rows.' })),
    /** Per-row gradient L2 clip norm (default 1). */
    clip: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Per-row gradient L2 clip norm (default 1).' })),
    /** Fraction of ε the encoders' noisy statistics would spend on their own (default 0.1). */
    encoderShare: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: "Fraction of epsilon the encoders' noisy statistics would spend alone (default 0.1)." }),
    ),
  },
  {
    ...Strict,
    description: 'Train the table model with (epsilon, delta)-differential privacy: DP-SGD with an RDP accountant; encoders from noisy counts.',
  },
);
export type PrivacySpec = Static<typeof PrivacySpec>;

export const ModelSpec = Type.Object(
  {
    device: Type.Optional(Enum(DEVICES)),
    backend: Type.Optional(Enum(BACKEND_NAMES)),
    /** Hidden width of the denoiser MLP; default scales with the data. */
    width: Type.Optional(PositiveInt()),
    /** Number of hidden layers of the denoiser MLP; default scales with the data. */
    depth: Type.Optional(PositiveInt()),
    steps: Type.Optional(PositiveInt()),
    batchSize: Type.Optional(PositiveInt()),
    /**
     * CPU threads for the wasm backend (XNNPACK's pool): a count or `all` (os.availableParallelism()).
     * Default 1, or SYNTHDIFF_THREADS; the CLI's --threads wins over both. Results are byte-identical at any count.
     */
    threads: Type.Optional(
      Type.Union([PositiveInt(), Const('all')], {
        description: 'CPU threads for the wasm backend: a count or "all" (every core). Default 1 or SYNTHDIFF_THREADS; the CLI\'s --threads wins. Outputs are byte-identical at any count.',
      }),
    ),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /**
     * Tables bigger than memory: stream the source once, fit the encoders on every training row with
     * mergeable sketches and train on a uniform (reservoir) sample of at most this many rows.
     */
    trainRows: Type.Optional(
      PositiveInt({
        description: 'Stream the source once: encoders fitted on every training row (mergeable sketches), the model trained on a uniform reservoir sample of at most this many rows.',
      }),
    ),
    /** Directory to save the trained model to. */
    checkpoint: Type.Optional(Str()),
    /** Minutes between checkpoints saved to `checkpoint` while training (default 10); `resume: true` continues from the last. */
    checkpointEvery: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Minutes between checkpoints saved to model.checkpoint while training (default 10); resume: true continues from the last.' }),
    ),
    /**
     * Table models: minutes of training at most. Training ends at `steps` or when this much time has passed,
     * whichever comes first; report.json says which and how many steps ran. With a budget the step count, and
     * so the outputs, depend on the machine's speed: rerun with `steps` set to the count to reproduce them.
     */
    timeBudget: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "Table models: minutes of training at most (training ends at steps or at the budget, whichever comes first; the step count then depends on the machine's speed)." }),
    ),
    /** Load this checkpoint instead of training (`resume: true` continues training from it). */
    load: Type.Optional(Str()),
    resume: Type.Optional(Type.Boolean()),
    sampler: Type.Optional(Enum(SAMPLER_NAMES, { description: 'Default: heun to generate (and for images), dpmpp-2m to impute.' })),
    samplerSteps: Type.Optional(PositiveInt({ description: 'Default: 30 to generate and 20 to impute with the default samplers, 50 for a table sampler named without steps, 24 for images.' })),
    /** Image models: training resolution (square, pixels). */
    imageSize: Type.Optional(Type.Integer({ minimum: 8, maximum: 512, description: 'Image models: training resolution (pixels, square).' })),
    /** Image models: intensity window [low, high] in modality units (default: 0.5–99.5th percentiles). */
    window: Type.Optional(Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'Image models: intensity window [low, high] in modality units.' })),
    /** Image models: random left-right flips as augmentation. */
    flip: Type.Optional(Type.Boolean()),
    /**
     * Image models: condition on each slice's level in its volume (its position along the slice normal) and
     * draw synthetic slices evenly over the levels. Default: on when the source slices share a geometry.
     */
    slicePosition: Type.Optional(
      Type.Boolean({ description: "Image models: condition on each slice's position along the slice normal and draw synthetic slices evenly over the volume (default: on when the source slices carry one geometry)." }),
    ),
    /**
     * Image models (DICOM): train one model on every series `source.series` selects and condition it on
     * each series' value of this attribute (T1, T2, FLAIR…), so a synthesize task draws slices per label.
     */
    seriesLabel: Type.Optional(
      Enum(SERIES_LABEL_ATTRIBUTES, {
        description:
          "Image models (DICOM): train one model on every selected series (source.series) and condition on each series' value of this attribute; synthesize tasks then draw count slices per label, each label its own synthetic series.",
      }),
    ),
    /** Train the table model with (ε, δ)-differential privacy (DP-SGD; see README "Differential privacy"). */
    privacy: Type.Optional(Ref('privacy', PrivacySpec)),
  },
  Strict,
);
export type ModelSpec = Static<typeof ModelSpec>;

export const ProfileTask = Type.Object({ type: Const('profile'), output: Ref('output', OutputSpec) }, Strict);
export type ProfileTask = Static<typeof ProfileTask>;

export const GenerateTask = Type.Object(
  {
    type: Const('generate'),
    rows: PositiveInt(),
    /** Column values every generated row must take. */
    fixed: Type.Optional(Dict(Type.Unsafe<string | number | boolean>({ type: ['string', 'number', 'boolean'] }))),
    /**
     * `auto` (default): sequential CART trees when a leaf size passes the validation privacy check (DCR share),
     * else the diffusion model; or one engine. Streamed, sharded and private runs use `diffusion`.
     */
    engine: Type.Optional(
      Enum(GENERATE_ENGINES, {
        description:
          'auto (default): sequential CART trees when a leaf size passes the validation privacy check (DCR share), else the diffusion model; or one engine. Streamed, sharded and private runs use diffusion.',
      }),
    ),
    output: Ref('output', OutputSpec),
  },
  Strict,
);
export type GenerateTask = Static<typeof GenerateTask>;

export const ImputeTask = Type.Object(
  {
    type: Const('impute'),
    /** Number of multiple imputations (m); the output is the first, with per-cell spread when m > 1. */
    draws: Type.Optional(PositiveInt()),
    /** Table to impute; default the source. */
    input: Type.Optional(Str()),
    /**
     * `auto` (default): the diffusion model blended per column with chained forests and ridge regressions,
     * weights chosen on held-out observed cells; or one engine alone. Streamed and sharded runs use
     * `diffusion` (they impute row by row).
     */
    engine: Type.Optional(
      Enum(IMPUTE_ENGINES, { description: 'auto (default): diffusion blended per column with chained forests and ridge, weights chosen on held-out cells; or one engine alone.' }),
    ),
    output: Ref('output', OutputSpec),
    /** Where to write per-cell intervals (m > 1): a CSV of row, column, mean/mode, lower, upper. */
    intervals: Type.Optional(Ref('output', OutputSpec)),
    /**
     * Where to write the m completed datasets in mice's long format (`complete(imp, "long", include = TRUE)`):
     * columns `.imp` (0 = the input with its holes, then 1..m) and `.id` (the input row, 1-based), then the
     * table's; (m + 1) × rows rows. R: `pool(with(as.mids(long), lm(…)))`; elsewhere analyse each `.imp` > 0
     * and pool with Rubin's rules. In-memory runs only (not with model.trainRows or --shard).
     */
    completed: Type.Optional(
      Ref('output', OutputSpec, {
        description: "the input (.imp 0) and the m completed datasets (.imp 1..m) in mice's long format: .imp, .id, then the columns; in-memory runs only",
      }),
    ),
  },
  Strict,
);
export type ImputeTask = Static<typeof ImputeTask>;

/**
 * Image pipelines: sample `count` synthetic slices and write them as de-identified DICOM into a folder.
 * A model with `model.seriesLabel` draws `count` per label (`labels`, default every label the model knows).
 */
export const SynthesizeTask = Type.Object(
  {
    type: Const('synthesize'),
    count: PositiveInt({ description: 'Synthetic slices to draw (per label, with model.seriesLabel).' }),
    labels: Type.Optional(
      Type.Array(Str(), {
        minItems: 1,
        uniqueItems: true,
        description: 'With model.seriesLabel: the labels to draw, each as its own synthetic series (default: every label the model was trained on).',
      }),
    ),
    output: Ref('output', OutputSpec),
  },
  Strict,
);
export type SynthesizeTask = Static<typeof SynthesizeTask>;

/** PS3.15 Annex E options (Table E.1-1 option columns). */
export const DeidentifyOptionsSpec = Type.Object(
  {
    /** false (default): dates removed/emptied; full: kept; shift: moved by a keyed per-patient number of days. */
    retainLongitudinalTemporal: Type.Optional(
      Enum([false, 'full', 'shift'], { description: 'false: dates removed; full: kept; shift: moved by a keyed per-patient number of days.' }),
    ),
    retainPatientCharacteristics: Type.Optional(Type.Boolean()),
    retainDeviceIdentity: Type.Optional(Type.Boolean()),
    /** Keep the safe list of private attributes (diffusion b-values and directions, mosaic layout). */
    retainSafePrivate: Type.Optional(Type.Boolean({ description: 'Keep safe private attributes (diffusion b-values and directions, mosaic layout).' })),
    cleanDescriptors: Type.Optional(Type.Boolean()),
    retainUids: Type.Optional(Type.Boolean()),
  },
  { description: 'PS3.15 Annex E options (Table E.1-1 option columns) on top of the Basic Profile; all off by default.', ...Strict },
);
export type DeidentifyOptionsSpec = Static<typeof DeidentifyOptionsSpec>;

/** Exactly one of `env` (an environment variable's name) or `file` (a path, relative to the spec). */
export const SecretSpec = Type.Object(
  { env: Type.Optional(Str()), file: Type.Optional(Str()) },
  { description: 'Where the pseudonym secret is, never the secret: an environment variable or a file.', ...Strict, minProperties: 1, maxProperties: 1 },
);
export type SecretSpec = Static<typeof SecretSpec>;

/** Image pipelines: de-identify the source series (PS3.15 Annex E) into a folder. */
export const DeidentifyTask = Type.Object(
  {
    type: Const('deidentify'),
    output: Ref('output', OutputSpec),
    /** PS3.15 Annex E options on top of the Basic Profile (all off by default). */
    options: Type.Optional(Ref('deidentifyOptions', DeidentifyOptionsSpec)),
    /**
     * Where the pseudonym secret is (never the secret itself): an environment variable or a file. With it,
     * UIDs, Patient ID pseudonyms and date shifts are stable across runs and sites; without, random per run.
     */
    secret: Type.Optional(Ref('secret', SecretSpec)),
    /** Audit trail (JSON): per input its output and the action on every attribute; skipped files by name. */
    audit: Type.Optional(Ref('output', OutputSpec)),
    /** Original → replacement UID map (CSV). It re-identifies: written only when asked. */
    uidMap: Type.Optional(Ref('output', OutputSpec)),
    /** `flat` (default): `<SOPInstanceUID>.dcm`; `patient/study/series`: `<PatientID>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm` (de-identified values). */
    layout: Type.Optional(
      Enum(['flat', 'patient/study/series'], {
        description: 'flat (default): <SOPInstanceUID>.dcm; patient/study/series: <PatientID>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm (de-identified values).',
      }),
    ),
  },
  Strict,
);
export type DeidentifyTask = Static<typeof DeidentifyTask>;

/** The task kinds, by their `$defs` name; `type` tells them apart (ajv's discriminator). */
const TASKS = { profileTask: ProfileTask, generateTask: GenerateTask, imputeTask: ImputeTask, synthesizeTask: SynthesizeTask, deidentifyTask: DeidentifyTask };
export type TaskSpec = Static<(typeof TASKS)[keyof typeof TASKS]>;

/** Every task's `type`, in the order of `TASKS`. */
export const TASK_TYPES: readonly TaskSpec['type'][] = Object.values(TASKS).map((t) => t.properties.type.const as TaskSpec['type']);

export const TaskSpec = Type.Unsafe<TaskSpec>({
  type: 'object',
  required: ['type'],
  properties: { type: { enum: [...TASK_TYPES] } },
  discriminator: { propertyName: 'type' },
  oneOf: Object.entries(TASKS).map(([name, schema]) => Ref(name, schema)),
});

export const EvaluateSpec = Type.Object(
  {
    fidelity: Type.Optional(Type.Boolean()),
    detection: Type.Optional(Type.Boolean()),
    privacy: Type.Optional(Type.Boolean()),
    outliers: Type.Optional(Type.Boolean()),
    /** Hide this fraction of observed cells, impute them, and score against baselines. */
    imputation: Type.Optional(
      Type.Object({ fraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), mechanism: Type.Optional(Enum(['mcar', 'mar'])) }, Strict),
    ),
    efficacy: Type.Optional(Type.Object({ target: Str() }, Strict)),
    /** Image pipelines: nearest-training-image similarity, near-copy threshold calibrated on held-out images. */
    memorization: Type.Optional(Type.Boolean()),
  },
  Strict,
);
export type EvaluateSpec = Static<typeof EvaluateSpec>;

export const ReportSpec = Type.Object(
  {
    dir: Str(),
    html: Type.Optional(Type.Boolean()),
    /** false: no real record (the most unusual real rows) in the report; default true. */
    records: Type.Optional(Type.Boolean()),
  },
  Strict,
);
export type ReportSpec = Static<typeof ReportSpec>;

/** The pipeline spec as users write it (JSON or YAML). */
export const PipelineSpec = Type.Object(
  {
    version: Const(1),
    name: Str(),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
    source: Ref('source', SourceSpec),
    columns: Type.Optional(Dict(Ref('column', ColumnSpec), { description: 'Per-column overrides, keyed by column name.' })),
    split: Type.Optional(Ref('split', SplitSpec)),
    model: Type.Optional(Ref('model', ModelSpec)),
    tasks: Type.Optional(Type.Array(Ref('task', TaskSpec))),
    evaluate: Type.Optional(Ref('evaluate', EvaluateSpec)),
    report: Type.Optional(Ref('report', ReportSpec)),
    /** The folder every output (task outputs, intervals, model.checkpoint, report.dir) must be inside; default the spec's folder. */
    outputDir: Type.Optional(Str({ description: "The folder every output must be inside, relative to the spec file (default: the spec's folder)." })),
    /** Opt out: outputs may go anywhere (never onto an input, never two onto one path). */
    outputsAnywhere: Type.Optional(
      Type.Boolean({ description: 'Allow outputs outside outputDir (outputs onto an input, or two onto one path, stay refused).' }),
    ),
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://synthdiff.dev/schemas/pipeline.schema.json',
    title: 'synthdiff pipeline spec',
    ...Strict,
    $defs: {
      source: SourceSpec,
      series: SeriesSelection,
      column: ColumnSpec,
      split: SplitSpec,
      model: ModelSpec,
      privacy: PrivacySpec,
      output: OutputSpec,
      task: TaskSpec,
      ...TASKS,
      deidentifyOptions: DeidentifyOptionsSpec,
      secret: SecretSpec,
      evaluate: EvaluateSpec,
      report: ReportSpec,
    },
  },
);
export type PipelineSpec = Static<typeof PipelineSpec>;

/** Keys that open a JSON Schema object, in this order; `$defs` closes it; the rest keep their order. */
const FIRST = ['$schema', '$id', 'title', 'type'];
/** Keywords whose value maps free names (properties, definitions) to schemas: their keys keep their order. */
const NAME_MAPS = new Set(['properties', '$defs']);

/** Plain JSON (TypeBox's symbol keys dropped), keywords in the order above. */
function plain(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(plain);
  if (schema === null || typeof schema !== 'object') return schema;
  const entries = Object.entries(schema);
  const rank = (k: string): number => (FIRST.includes(k) ? FIRST.indexOf(k) - FIRST.length : k === '$defs' ? 1 : 0);
  entries.sort(([a], [b]) => rank(a) - rank(b));
  return Object.fromEntries(entries.map(([k, v]) => [k, NAME_MAPS.has(k) ? Object.fromEntries(Object.entries(v as object).map(([n, s]) => [n, plain(s)])) : plain(v)]));
}

/** The JSON Schema of the pipeline spec, as ajv compiles it and `schemas/pipeline.schema.json` holds it. */
export function pipelineSchemaObject(): Record<string, unknown> {
  return plain(PipelineSpec) as Record<string, unknown>;
}
