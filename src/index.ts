/**
 * synthdiff as a library: `import { TabularDiffusion, tableFromRecords } from 'synthdiff'`.
 *
 *   const table = tableFromRecords(rows);                 // or (await readTable('data.csv')).table
 *   const model = await TabularDiffusion.fit(table, { seed: 1 });
 *   const synthetic = await model.sample(500);
 *   const { table: completed, draws } = await model.impute(table, { draws: 5 });
 *   const report = await evaluate({ real: table, synthetic });
 *   writeFileSync('report.html', renderReportHtml(report));
 *
 * The compute backend starts on first use (no set-up call). What `synthdiff run` does with a spec file is
 * `runPipeline(path)`. Everything here is a thin layer over the modules the CLI runs; nothing else under
 * `dist/` is a public interface.
 */

// The model.
export { TabularDiffusion, ensureBackend, type BackendOptions, type FitOptions, type ImputeOptions, type ImputeResult, type SampleOptions, type SamplingOptions } from './api/tabular.js';
export { CartSynthesizer, type CartFitOptions, type CartSampleOptions } from './api/cart.js';
export { currentBackend, type BackendInfo } from './backend/index.js';
export type { BackendName, Device } from './backend/names.js';
export type { SamplerName } from './diffusion/sampler-name.js';
export type { TrainProgress } from './diffusion/train.js';

// Tables: in memory, from files, described.
export { tableFromColumns, tableFromRecords, tableToRecords, type CellInput, type CellOutput, type InMemoryTableOptions } from './table/records.js';
export { cellValue, column, isCategorical, isContinuous, isMissing, missingCount, takeRows, COLUMN_KINDS } from './table/table.js';
export type { CategoricalColumn, Column, ColumnKind, ContinuousColumn, DatetimeColumn, NumericColumn, Table } from './table/table.js';
export { formatSchema, profileTable, type ColumnOverride, type ColumnSchema, type TableSchema } from './table/infer.js';
export { readTable, writeTable, type ReadTableOptions, type ReadTableResult, type TableFormat } from './io/table-io.js';
export { tableToCsvString } from './io/csv.js';
export { alignTables } from './table/align.js';
export { longFormat } from './table/long.js';

// Evaluation: the whole report, and each evaluator on its own.
export { evaluate, type EvaluateOptions } from './api/evaluate.js';
export * from './evaluate/index.js';
export { renderReportHtml } from './report/html.js';
export type { EvaluationReport, ImageRunReport, RunReport } from './report/model.js';

// Pipelines from code.
export { runPipeline } from './api/pipeline.js';
export type { PipelineSpec } from './spec/types.js';

// Errors: a user error is a SynthdiffError (one line saying where and what was expected).
export { DataError, DicomError, ModelError, SpecError, SynthdiffError, isUserError } from './errors.js';
export { BackendUnavailableError } from './backend/index.js';
