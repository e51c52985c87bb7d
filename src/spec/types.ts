/**
 * The pipeline spec's types, derived from the TypeBox schemas in `schema.ts` (`Static<>`): one source for
 * the types, ajv's validation and `schemas/pipeline.schema.json`. Import the types from here.
 */
export type {
  ColumnSpec,
  DataFormat,
  DeidentifyOptionsSpec,
  DeidentifyTask,
  EvaluateSpec,
  GenerateTask,
  ImputeTask,
  ModelSpec,
  OutputFormat,
  OutputSpec,
  PipelineSpec,
  PrivacySpec,
  ProfileTask,
  ReportSpec,
  SecretSpec,
  SeriesSelection,
  SourceFormat,
  SourceSpec,
  SplitSpec,
  SynthesizeTask,
  TaskSpec,
} from './schema.js';
export type { BackendName, Device } from '../backend/names.js';
export type { SamplerName } from '../diffusion/sampler-name.js';
