import { COLUMN_KINDS } from '../table/table.js';
import { SAMPLER_NAMES } from '../diffusion/sampler-name.js';
import { IMPUTE_ENGINES } from '../impute/engine-name.js';
import { GENERATE_ENGINES } from '../synth/engine-name.js';

/**
 * JSON Schema (draft 2020-12) of the pipeline spec. `npm run schemas` writes it to
 * `schemas/pipeline.schema.json`; a test fails if the file is stale or its keys drift from `types.ts`.
 */
const positiveInt = { type: 'integer', minimum: 1 } as const;
const str = { type: 'string', minLength: 1 } as const;

const output = {
  type: 'object',
  description: 'Where a task writes its table; format defaults from the extension.',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { ...str, description: 'Output path, relative to the spec file.' },
    format: { enum: ['csv', 'arrow', 'dicom'] },
  },
} as const;

export const pipelineSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://synthdiff.dev/schemas/pipeline.schema.json',
  title: 'synthdiff pipeline spec',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'name', 'source'],
  properties: {
    version: { const: 1 },
    name: str,
    seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
    source: { $ref: '#/$defs/source' },
    columns: {
      type: 'object',
      description: 'Per-column overrides, keyed by column name.',
      additionalProperties: { $ref: '#/$defs/column' },
    },
    split: { $ref: '#/$defs/split' },
    model: { $ref: '#/$defs/model' },
    tasks: { type: 'array', items: { $ref: '#/$defs/task' } },
    evaluate: { $ref: '#/$defs/evaluate' },
    report: { $ref: '#/$defs/report' },
    outputDir: { ...str, description: "The folder every output must be inside, relative to the spec file (default: the spec's folder)." },
    outputsAnywhere: { type: 'boolean', description: 'Allow outputs outside outputDir (outputs onto an input, or two onto one path, stay refused).' },
  },
  $defs: {
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: {
        format: { enum: ['csv', 'arrow', 'dicom'] },
        path: { ...str, description: 'Input table or DICOM folder, relative to the spec file.' },
        delimiter: { enum: [',', ';', '\t'] },
        missing: { type: 'array', items: { type: 'string' } },
        series: { $ref: '#/$defs/series' },
      },
    },
    series: {
      type: 'object',
      description: 'DICOM sources: which series to use (default all); a series is kept when it matches every key given.',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        uid: { type: 'array', minItems: 1, items: str },
        modality: { type: 'array', minItems: 1, items: str },
        description: { ...str, description: 'Regular expression, matched case-insensitively against SeriesDescription.' },
      },
    },
    column: {
      type: 'object',
      additionalProperties: false,
      properties: {
        kind: { enum: [...COLUMN_KINDS, 'passthrough'], description: 'passthrough: kept verbatim in impute outputs, never modelled (identifiers); in-memory runs only' },
        missing: { type: 'array', items: { type: 'string' } },
        min: { type: 'number' },
        max: { type: 'number' },
        categories: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true, description: 'Public labels of the column: a model trained with model.privacy uses them instead of releasing labels by noisy counts.' },
        drop: { type: 'boolean' },
      },
    },
    split: {
      type: 'object',
      additionalProperties: false,
      required: ['holdout'],
      properties: {
        holdout: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        groupBy: { type: 'string', minLength: 1, description: 'A column whose groups (e.g. a patient id) stay whole: every row of a group on one side of the split.' },
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      properties: {
        device: { enum: ['auto', 'cpu', 'gpu'] },
        backend: { enum: ['tensorflow', 'webgpu', 'wasm', 'cpu'] },
        width: positiveInt,
        depth: positiveInt,
        steps: positiveInt,
        batchSize: positiveInt,
        threads: {
          anyOf: [positiveInt, { const: 'all' }],
          description: 'CPU threads for the wasm backend: a count or "all" (every core). Default 1 or SYNTHDIFF_THREADS; the CLI\'s --threads wins. Outputs are byte-identical at any count.',
        },
        learningRate: { type: 'number', exclusiveMinimum: 0 },
        trainRows: {
          ...positiveInt,
          description: 'Stream the source once: encoders fitted on every training row (mergeable sketches), the model trained on a uniform reservoir sample of at most this many rows.',
        },
        checkpoint: str,
        checkpointEvery: { type: 'number', exclusiveMinimum: 0, description: 'Minutes between checkpoints saved to model.checkpoint while training (default 10); resume: true continues from the last.' },
        load: str,
        resume: { type: 'boolean' },
        sampler: { enum: [...SAMPLER_NAMES] },
        samplerSteps: positiveInt,
        imageSize: { type: 'integer', minimum: 8, maximum: 512, description: 'Image models: training resolution (pixels, square).' },
        window: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2, description: 'Image models: intensity window [low, high] in modality units.' },
        flip: { type: 'boolean' },
        slicePosition: { type: 'boolean', description: "Image models: condition on each slice's position along the slice normal and draw synthetic slices evenly over the volume (default: on when the source slices carry one geometry)." },
        privacy: { $ref: '#/$defs/privacy' },
      },
    },
    privacy: {
      type: 'object',
      additionalProperties: false,
      required: ['epsilon'],
      description: 'Train the table model with (epsilon, delta)-differential privacy: DP-SGD with an RDP accountant; encoders from noisy counts.',
      properties: {
        epsilon: { type: 'number', exclusiveMinimum: 0, description: 'Total privacy budget (encoder statistics and training together).' },
        delta: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'Default 1/n^1.1 for n training rows.' },
        clip: { type: 'number', exclusiveMinimum: 0, description: 'Per-row gradient L2 clip norm (default 1).' },
        encoderShare: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: "Fraction of epsilon the encoders' noisy statistics would spend alone (default 0.1)." },
      },
    },
    output,
    task: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['profile', 'generate', 'impute', 'synthesize', 'deidentify'] } },
      discriminator: { propertyName: 'type' },
      oneOf: [
        { $ref: '#/$defs/profileTask' },
        { $ref: '#/$defs/generateTask' },
        { $ref: '#/$defs/imputeTask' },
        { $ref: '#/$defs/synthesizeTask' },
        { $ref: '#/$defs/deidentifyTask' },
      ],
    },
    profileTask: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'output'],
      properties: { type: { const: 'profile' }, output: { $ref: '#/$defs/output' } },
    },
    generateTask: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'rows', 'output'],
      properties: {
        type: { const: 'generate' },
        rows: positiveInt,
        fixed: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
        engine: { enum: [...GENERATE_ENGINES], description: 'auto (default): sequential CART trees when a leaf size passes the validation privacy check (DCR share), else the diffusion model; or one engine. Streamed, sharded and private runs use diffusion.' },
        output: { $ref: '#/$defs/output' },
      },
    },
    imputeTask: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'output'],
      properties: {
        type: { const: 'impute' },
        draws: positiveInt,
        input: str,
        engine: { enum: [...IMPUTE_ENGINES], description: 'auto (default): diffusion blended per column with chained forests and ridge, weights chosen on held-out cells; or one engine alone.' },
        output: { $ref: '#/$defs/output' },
        intervals: { $ref: '#/$defs/output' },
        completed: { $ref: '#/$defs/output', description: "the input (.imp 0) and the m completed datasets (.imp 1..m) in mice's long format: .imp, .id, then the columns; in-memory runs only" },
      },
    },
    synthesizeTask: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'count', 'output'],
      properties: { type: { const: 'synthesize' }, count: positiveInt, output: { $ref: '#/$defs/output' } },
    },
    deidentifyTask: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'output'],
      properties: {
        type: { const: 'deidentify' },
        output: { $ref: '#/$defs/output' },
        options: { $ref: '#/$defs/deidentifyOptions' },
        secret: { $ref: '#/$defs/secret' },
        audit: { $ref: '#/$defs/output' },
        uidMap: { $ref: '#/$defs/output' },
        layout: { enum: ['flat', 'patient/study/series'], description: 'flat (default): <SOPInstanceUID>.dcm; patient/study/series: <PatientID>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm (de-identified values).' },
      },
    },
    deidentifyOptions: {
      type: 'object',
      description: 'PS3.15 Annex E options (Table E.1-1 option columns) on top of the Basic Profile; all off by default.',
      additionalProperties: false,
      properties: {
        retainLongitudinalTemporal: { enum: [false, 'full', 'shift'], description: 'false: dates removed; full: kept; shift: moved by a keyed per-patient number of days.' },
        retainPatientCharacteristics: { type: 'boolean' },
        retainDeviceIdentity: { type: 'boolean' },
        retainSafePrivate: { type: 'boolean', description: 'Keep safe private attributes (diffusion b-values and directions, mosaic layout).' },
        cleanDescriptors: { type: 'boolean' },
        retainUids: { type: 'boolean' },
      },
    },
    secret: {
      type: 'object',
      description: 'Where the pseudonym secret is, never the secret: an environment variable or a file.',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: { env: str, file: str },
    },
    evaluate: {
      type: 'object',
      additionalProperties: false,
      properties: {
        fidelity: { type: 'boolean' },
        detection: { type: 'boolean' },
        privacy: { type: 'boolean' },
        outliers: { type: 'boolean' },
        imputation: {
          type: 'object',
          additionalProperties: false,
          required: ['fraction'],
          properties: {
            fraction: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
            mechanism: { enum: ['mcar', 'mar'] },
          },
        },
        efficacy: {
          type: 'object',
          additionalProperties: false,
          required: ['target'],
          properties: { target: str },
        },
        memorization: { type: 'boolean' },
      },
    },
    report: {
      type: 'object',
      additionalProperties: false,
      required: ['dir'],
      properties: { dir: str, html: { type: 'boolean' }, records: { type: 'boolean' } },
    },
  },
} as const;

/** Which `$defs` entry (or the root) describes which TypeScript type, for the drift test. */
export const SCHEMA_TYPES = {
  PipelineSpec: pipelineSchema,
  SourceSpec: pipelineSchema.$defs.source,
  SeriesSelection: pipelineSchema.$defs.series,
  ColumnSpec: pipelineSchema.$defs.column,
  SplitSpec: pipelineSchema.$defs.split,
  ModelSpec: pipelineSchema.$defs.model,
  PrivacySpec: pipelineSchema.$defs.privacy,
  OutputSpec: pipelineSchema.$defs.output,
  ProfileTask: pipelineSchema.$defs.profileTask,
  GenerateTask: pipelineSchema.$defs.generateTask,
  ImputeTask: pipelineSchema.$defs.imputeTask,
  SynthesizeTask: pipelineSchema.$defs.synthesizeTask,
  DeidentifyTask: pipelineSchema.$defs.deidentifyTask,
  DeidentifyOptionsSpec: pipelineSchema.$defs.deidentifyOptions,
  SecretSpec: pipelineSchema.$defs.secret,
  EvaluateSpec: pipelineSchema.$defs.evaluate,
  ReportSpec: pipelineSchema.$defs.report,
} as const;
