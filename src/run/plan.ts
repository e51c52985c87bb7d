/**
 * What a run resolves from its spec before anything runs: per-task samplers, input and output formats.
 */
import { SpecError } from '../errors.js';
import { formatFromPath, type TableFormat } from '../io/table-io.js';
import type { NormalizedSpec } from '../spec/parse.js';
import type { ImputeTask, ModelSpec, OutputSpec, SamplerName } from '../spec/types.js';

export type Sampling = { sampler?: SamplerName; steps?: number };

/**
 * The spec's sampler for every task, or per-task defaults: the deterministic Heun ODE for generation
 * (best column shapes and detection) and EDM's stochastic sampler for imputation, whose fresh noise
 * corrects early mistakes (credit_data, 3,000 steps: imputation RMSE 0.862 vs 0.884 with Heun).
 */
export function samplingFor(m: ModelSpec | undefined): { generate: Sampling; impute: Sampling } {
  const steps = m?.samplerSteps;
  return { generate: { sampler: m?.sampler ?? 'heun', steps }, impute: { sampler: m?.sampler ?? 'edm-stochastic', steps } };
}

/** The table format a task output is written as (undefined: from the extension). */
export function outputFormat(o: OutputSpec): TableFormat | undefined {
  if (o.format === 'dicom') throw new SpecError(`${o.path}: format dicom is for image pipelines (source.format: dicom); a table task writes csv or arrow`);
  return o.format;
}

/** The format an impute task's input is read as: the source's explicit format, else the extension's. */
export function inputFormatFor(spec: NormalizedSpec['spec'], task: ImputeTask): TableFormat {
  const input = task.input ?? spec.source.path;
  if (spec.source.format === 'dicom') throw new SpecError(`${input}: source.format is dicom; a table task reads csv or arrow`);
  return spec.source.format ?? formatFromPath(input);
}
