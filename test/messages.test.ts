import { describe, expect, it } from 'vitest';
import { planImage, planTable } from '../src/run/plan.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import type { PipelineSpec } from '../src/spec/types.js';
import { loadSourceTable } from '../src/run/table/source.js';
import { sourceRead } from '../src/run/plan.js';
import { resolve } from 'node:path';
import { readTable } from '../src/io/table-io.js';
import { mlEfficacy } from '../src/evaluate/efficacy.js';
import { checkOutputs } from '../src/run/outputs.js';
import { messages } from '../src/messages.js';
import { specErrorMessage } from './helpers/errors.js';

const table = (extra: Partial<PipelineSpec>) => normalizeSpec({ version: 1, name: 't', source: { path: '/d/t.csv' }, ...extra });
const image = (extra: Partial<PipelineSpec>) => normalizeSpec({ version: 1, name: 't', source: { path: '/d/dcm', format: 'dicom' }, ...extra });

/** One wording per fault, asserted verbatim (src/messages.ts). */
describe('user-facing messages', () => {
  it('a DICOM source in a table pipeline', () => {
    expect(specErrorMessage(() => planTable(image({})))).toBe('/d/dcm: source.format is dicom; a table pipeline reads csv or arrow (image pipelines run unsharded)');
  });
  it('an image task in a table pipeline', () => {
    expect(specErrorMessage(() => planTable(table({ tasks: [{ type: 'synthesize', count: 2, output: { path: '/o' } }] })))).toBe(
      'tasks[0].type: synthesize needs a DICOM source (source.format: dicom); this pipeline reads a table',
    );
  });
  it('a table task in an image pipeline, and a table format for an image task', () => {
    expect(specErrorMessage(() => planImage(image({ tasks: [{ type: 'generate', rows: 2, output: { path: '/o.csv' } }] })))).toBe(
      'tasks[0].type: generate is a table task; a DICOM pipeline runs synthesize and deidentify',
    );
    expect(specErrorMessage(() => planImage(image({ tasks: [{ type: 'deidentify', output: { path: '/o', format: 'csv' } }] })))).toBe(
      'tasks[0].output.format: deidentify writes DICOM files into a folder; got "csv"',
    );
    expect(specErrorMessage(() => planImage(image({ tasks: [{ type: 'synthesize', count: 2, output: { path: '/o.nii', format: 'arrow' } }] })))).toBe(
      'tasks[0].output.format: synthesize writes DICOM files into a folder (or one NIfTI volume to a path ending .nii or .nii.gz, format left out); got "arrow"',
    );
    // A .nii or .nii.gz path without a format is a NIfTI volume; format: dicom keeps the folder of files.
    const formats = planImage(image({ tasks: [{ type: 'synthesize', count: 2, output: { path: '/o/s.NII.gz' } }, { type: 'synthesize', count: 2, output: { path: '/o/s.nii', format: 'dicom' } }, { type: 'synthesize', count: 2, output: { path: '/o/s' } }] })).tasks;
    expect(formats.map((t) => (t as { format: string }).format)).toEqual(['nifti', 'dicom', 'dicom']);
  });
  it('a NIfTI source (issue 16): what it is, and what it cannot do', () => {
    const nifti = (extra: Partial<PipelineSpec>, source: PipelineSpec['source'] = { path: '/d/brain.nii.gz' }) => normalizeSpec({ version: 1, name: 't', source, ...extra });
    // A .nii or .nii.gz path without a format is a NIfTI volume, and an image pipeline.
    expect(nifti({}).spec).toMatchObject({ kind: 'image', source: { format: 'nifti', path: '/d/brain.nii.gz' } });
    expect(nifti({}, { path: '/d/T1W.NII' }).spec).toMatchObject({ kind: 'image', source: { format: 'nifti' } });
    expect(planImage(nifti({}, { path: '/d/volume', format: 'nifti' }))).toMatchObject({ source: '/d/volume', sourceFormat: 'nifti' });
    expect(planImage(image({})).sourceFormat).toBe('dicom');
    expect(specErrorMessage(() => planTable(nifti({})))).toBe('/d/brain.nii.gz: source.format is nifti; a table pipeline reads csv or arrow (image pipelines run unsharded)');
    expect(specErrorMessage(() => planImage(nifti({}, { path: '/d/brain.nii', format: 'dicom' })))).toBe(
      'source.format: dicom reads a folder of DICOM files; /d/brain.nii is a NIfTI volume (set source.format: nifti, or leave format out)',
    );
    expect(specErrorMessage(() => planImage(nifti({ tasks: [{ type: 'synthesize', count: 2, output: { path: '/o' } }, { type: 'deidentify', output: { path: '/o2' } }] })))).toBe(
      'tasks[1].type: deidentify works on DICOM files; /d/brain.nii.gz is a NIfTI volume, which has no DICOM data elements (a NIfTI source runs synthesize)',
    );
    expect(specErrorMessage(() => planImage(nifti({}, { path: '/d/brain.nii.gz', series: { modality: ['MR'] } })))).toBe(
      'source.series: /d/brain.nii.gz is one NIfTI volume; series selection is for DICOM sources (source.format: dicom)',
    );
  });
  it('a DICOM output from a table task', () => {
    expect(specErrorMessage(() => planTable(table({ tasks: [{ type: 'generate', rows: 2, output: { path: '/o', format: 'dicom' } }] })))).toBe(
      '/o: format dicom is for image pipelines (source.format: dicom); a table task writes csv or arrow',
    );
  });
  it('a column the spec names that the table lacks', async () => {
    const path = resolve('fixtures/tables/mice__nhanes.csv');
    const ns = normalizeSpec({ version: 1, name: 't', source: { path }, columns: { agee: { kind: 'categorical' } } });
    await expect(loadSourceTable(sourceRead(ns))).rejects.toThrow(`columns.agee: ${path} has no such column (columns: age, bmi, hyp, chl)`);
    const { table } = await readTable(path);
    expect(() => mlEfficacy(table, table, table, 'agee', { seed: 1 })).toThrow('evaluate.efficacy.target: the training table has no such column (columns: age, bmi, hyp, chl)');
  });
  it('outputs that would destroy inputs, and an empty training split (issue 17)', () => {
    const spec = (extra: Partial<PipelineSpec>) => normalizeSpec({ version: 1, name: 't', source: { path: 'd/t.csv' }, ...extra }, '/p/spec.yaml');
    expect(specErrorMessage(() => checkOutputs(spec({ tasks: [{ type: 'profile', output: { path: '../etc/passwd' } }] })))).toBe(
      "/p/spec.yaml: tasks[0].output.path: /etc/passwd is outside /p, where this spec's outputs go (set outputDir to the folder they belong in, or outputsAnywhere: true)",
    );
    expect(specErrorMessage(() => checkOutputs(spec({ tasks: [{ type: 'impute', output: { path: 'd/t.csv' } }] })))).toBe(
      '/p/spec.yaml: tasks[0].output.path: /p/d/t.csv is source.path; writing it would overwrite the input (choose another output path)',
    );
    expect(specErrorMessage(() => checkOutputs(spec({ tasks: [{ type: 'profile', output: { path: 'o.csv' } }, { type: 'generate', rows: 1, output: { path: 'o.csv' } }] })))).toBe(
      '/p/spec.yaml: tasks[1].output.path: /p/o.csv is also tasks[0].output.path; each output needs its own path',
    );
    expect(messages.emptyTrainingSplit('t.csv', 1, 0.5)).toBe('t.csv: no row left for training after the holdout split (1 row, split.holdout 0.5); lower split.holdout or add rows');
  });
});

/** Each catalogue entry's text, verbatim: these texts were thrown inline before, and scripts may match on them. */
describe('catalogue texts', () => {
  it('evaluation: tables graded together', () => {
    expect(messages.tablesColumnCount('real', 'synthetic', 4, 3)).toBe('real and synthetic tables must have the same columns: real has 4, synthetic has 3');
    expect(messages.tablesColumnName('real train', 'holdout', 2, 'age', 'bmi')).toBe('real train and holdout tables differ at column 2: "age" vs "bmi"');
    expect(messages.tablesColumnKind('age', 'integer', 'real', 'categorical', 'synthetic')).toBe('column "age" is integer in real but categorical in synthetic');
    expect(messages.tablesCategoryLists('sex', 'real', 'synthetic')).toBe(
      'column "sex" has different category lists in real and synthetic; codes would not be comparable (re-encode both against one category list)',
    );
    expect(messages.tableTooFewRows('holdout', 2, 1)).toBe('holdout table needs at least 2 row(s), got 1');
    expect(messages.columnKindDiffers('age')).toBe('column "age" differs in kind');
    expect(messages.columnShapeKinds('age', 'numeric', 'categorical')).toBe('column "age": cannot compare a numeric column with a categorical one');
    expect(messages.dcrNoColumns()).toBe('dcr needs at least one column');
    expect(messages.efficacyHoldoutNoTarget('income')).toBe('holdout has no rows with "income" observed');
    expect(messages.efficacyTrainingNoTarget('synthetic', 'income')).toBe('synthetic table has fewer than 2 rows with "income" observed');
    expect(messages.isolationSampleSize()).toBe('isolation forest needs a sample size of at least 2');
    expect(messages.precisionRecallSteps(1)).toBe('nSteps must be an integer ≥ 2, got 1');
    expect(messages.fidelityBins(0)).toBe('nBins must be a positive integer, got 0');
  });
  it('evaluation: masked imputation scores', () => {
    expect(messages.maskFraction(1)).toBe('fraction must be in [0, 1), got 1');
    expect(messages.marDriverMissing('age')).toBe('MAR driver column "age" not found');
    expect(messages.marNoDriver()).toBe('MAR masking needs a column with no missing cells to drive it; pass options.driver');
    expect(messages.marDriverHasMissing('age')).toBe('MAR driver column "age" has missing cells');
    expect(messages.marTooFewColumns()).toBe('MAR masking needs at least two columns');
    expect(messages.imputedRowCount(10, 9)).toBe('truth has 10 rows, imputed 9');
    expect(messages.coverageTooFewDraws(1)).toBe('interval coverage needs at least 2 imputation draws, got 1');
    expect(messages.coverageLevel(1.5)).toBe('level must be in (0, 1), got 1.5');
    expect(messages.drawRowCount(9, 10)).toBe('a draw has 9 rows, truth 10');
    expect(messages.neighboursK(0)).toBe('k must be a positive integer, got 0');
  });
});
