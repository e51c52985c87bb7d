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
  it('sharded runs: statistics of parts', () => {
    expect(messages.statsReferenceNotContinuous('age')).toBe('statistics: the reference table has no continuous column "age"');
    expect(messages.statsColumnKind('sex', 'categorical', 'continuous')).toBe('column "sex" is categorical; the model treats it as continuous');
    expect(messages.statsColumnMissing('age', ['bmi', 'hyp'])).toBe('statistics: the table has no column "age" (columns: bmi, hyp)');
    expect(messages.statsNothingToMerge('statistics')).toBe('statistics: nothing to merge');
    expect(messages.statsPartLayout('out.csv', 2)).toBe('out.csv: part 2 was counted on different bins or labels (another model checkpoint?); rerun its shard');
  });
  it('sharded runs: shards, checkpoints, merge', () => {
    expect(messages.shardSyntax('3/3')).toBe('--shard: expected i/N with 0 ≤ i < N (shards count from 0), got "3/3"');
    expect(messages.shardNoCheckpoint('checkpoint', 'ckpt', 's.yaml')).toBe(
      'model.checkpoint ckpt: no trained checkpoint there yet; train it once with `synthdiff run s.yaml --train-only` before running shards',
    );
    expect(messages.shardCheckpointUnfinished('load', 'ckpt', 40, 's.yaml')).toBe(
      'model.load ckpt: training stopped at step 40 (a checkpoint saved mid-training); finish it with `synthdiff run s.yaml --train-only` and model.resume: true before running shards',
    );
    expect(messages.shardCheckpointOtherSpec('ckpt', 'aaaaaaaaaaaa', 'bbbbbbbbbbbb', 's.yaml')).toBe(
      'model.checkpoint ckpt: trained from a different spec (hash aaaaaaaaaaaa, this spec bbbbbbbbbbbb); retrain with `synthdiff run s.yaml --train-only`',
    );
    expect(messages.shardNeedsCheckpoint('s.yaml')).toBe(
      's.yaml: model.checkpoint: a sharded run loads a trained model; set model.checkpoint (trained once by `synthdiff run <spec> --train-only`) or model.load',
    );
    expect(messages.mergeNoRecords(1, 'generate', 'out.csv', 's.yaml')).toBe(
      'tasks[1] generate: no shard records beside out.csv; run the shards first (`synthdiff run s.yaml --shard i/N`)',
    );
    expect(messages.mergeShardCounts(1, 'impute', [2, 4], 'out.csv')).toBe('tasks[1] impute: parts for 2 and 4 shards lie beside out.csv; pass --shards N');
    expect(messages.mergeNoTask('s.yaml')).toBe('s.yaml: no generate or impute task to merge');
    expect(messages.mergeDirNoRecords('runs/a')).toBe('runs/a: no shard records (*.part-<i>-of-<N>.stats.json) here; run the shards first, or pass the spec');
    expect(messages.mergeDirShardCounts('out.csv', [2, 4])).toBe('out.csv: parts for 2 and 4 shards; pass --shards N');
    expect(messages.mergeShardsUnfinished('out.csv', [1], 4, ' (`synthdiff run s.yaml --shard 1/4`)')).toBe(
      "out.csv: shard 1 of 4 not finished (no valid record or a part's size differs); rerun it (`synthdiff run s.yaml --shard 1/4`), then merge again",
    );
    expect(messages.mergeShardsUnfinished('out.csv', [1, 3], 4, '')).toBe(
      "out.csv: shards 1, 3 of 4 not finished (no valid record or a part's size differs); rerun them, then merge again",
    );
    expect(messages.mergeShardSettings('out.csv', 2, 4)).toBe('out.csv: shard 2 of 4 was made with other settings or another model than shard 0; rerun it');
    expect(messages.mergeShardsGap('out.csv', 2, 50, 40)).toBe('out.csv: shard 2 starts at row 50, shard 1 ended at 40; the parts do not tile the task');
    expect(messages.mergePartColumns('out.part-1-of-2.csv', ['a', 'b'], ['a', 'c'])).toBe(
      "out.part-1-of-2.csv: columns differ from the first part's (a, b vs a, c); the parts come from different runs — rerun this shard",
    );
    expect(messages.mergePartHeader('out.part-1-of-2.csv', 'a,"b"')).toBe(
      'out.part-1-of-2.csv: header differs from the first part\'s ("a,\\"b\\""); the parts come from different runs — rerun this shard',
    );
    expect(messages.mergePartTruncated('out.part-1-of-2.csv')).toBe('out.part-1-of-2.csv: no complete header line; the part is truncated — rerun its shard');
    expect(messages.mergeNoParts()).toBe('concatenate: no parts');
    expect(messages.mergePartColumn('part 1', 2, { name: 'b', kind: 'numeric' }, { name: 'c', kind: 'categorical' })).toBe(
      'part 1: column 2 is "b" (numeric), the first part has "c" (categorical) there',
    );
    expect(messages.mergePartColumn('part 1', 2, undefined, { name: 'c', kind: 'categorical' })).toBe(
      'part 1: column 2 is absent, the first part has "c" (categorical) there',
    );
  });
  it('SLURM jobs and the command line', () => {
    expect(messages.slurmSpecNotFile()).toBe('slurm: the spec must be a file the jobs can read');
    expect(messages.slurmNeedsCheckpoint('s.yaml')).toBe(
      's.yaml: model.checkpoint: the train job saves the model there for the shard jobs to load; set it (or model.load)',
    );
    expect(messages.slurmNothingToShard('s.yaml')).toBe('s.yaml: tasks: nothing to shard (no generate or impute task)');
    expect(messages.sbatchNotFound()).toBe('sbatch: not found; submit from a SLURM login node (the scripts are written; run their submit.sh there)');
    expect(messages.sbatchFailed(['--array=0-3', 'shards.sbatch'], 'Invalid account')).toBe('sbatch --array=0-3 shards.sbatch: Invalid account');
    expect(messages.flagNotPositiveInteger('--shards', 0)).toBe('--shards: must be a positive integer, got 0');
    expect(messages.flagNotPositiveInteger('--cpus-per-task', 'x')).toBe('--cpus-per-task: must be a positive integer, got "x"');
    expect(messages.flagNotNonNegativeInteger('--seed', '-1')).toBe('--seed: must be a non-negative integer, got "-1"');
    expect(messages.threadsValue()).toBe('expected a positive integer or "all"');
    expect(messages.flagsExclusive('--shard and --train-only', 'train once, then run the shards')).toBe(
      '--shard and --train-only: pick one (train once, then run the shards)',
    );
    expect(messages.jsonWithShardRun('--shard')).toBe("--json: prints a whole run's report; not with --shard");
    expect(messages.trainOnlyNeedsCheckpoint('s.yaml')).toBe('s.yaml: model.checkpoint: --train-only saves the model there for the shards to load; set it');
  });
  it('specs and column sketches', () => {
    expect(messages.specInvalid('s.yaml', ['/name: must be string', '/version: must be 1'])).toBe('s.yaml: /name: must be string; /version: must be 1');
    expect(messages.specUnreadable('s.yaml', 'no such file')).toBe('s.yaml: cannot read spec (no such file)');
    expect(messages.specNotParsed('s.yaml', 'YAML', 'line 3: bad indentation')).toBe('s.yaml: not valid YAML (line 3: bad indentation)');
    expect(messages.sketchOtherColumn('age', 'bmi')).toBe('sketch of "age" was given column "bmi"');
    expect(messages.sketchKind('age', 'categorical', 'numeric')).toBe('column "age" is categorical; it was sketched as numeric');
    expect(messages.sketchMerge('age', 'categorical', 'age', 'numeric')).toBe('cannot merge the sketch of "age" (categorical) into "age" (numeric)');
  });
  it('image pipelines', () => {
    expect(messages.imageTooFewSlices(1)).toBe('split.holdout: 1 slice cannot be split into training and held-out images');
    expect(messages.imageTooFewSlices(0)).toBe('split.holdout: 0 slices cannot be split into training and held-out images');
    expect(messages.imageMemorizationNeedsHoldout()).toBe('split.holdout: the memorization check calibrates on held-out slices; set split.holdout > 0 (e.g. 0.2)');
    expect(messages.imageExportBlocked(['tasks[0]: 3 near-copies', 'tasks[1]: 1 near-copy'], 'out/report.json')).toBe(
      'synthetic DICOM not written: tasks[0]: 3 near-copies; tasks[1]: 1 near-copy (evidence in out/report.json)',
    );
    expect(messages.imageExportBlocked(['tasks[0]: 3 near-copies'])).toBe('synthetic DICOM not written: tasks[0]: 3 near-copies');
    expect(messages.imageNoPixelData('scans', 0)).toBe('scans: no DICOM images with pixel data found');
    expect(messages.imageNoPixelData('scans', 2)).toBe('scans: no DICOM images with pixel data found (2 files skipped)');
  });
  it('tables: files that cannot be read or written', () => {
    expect(messages.writeIsFolder('out.csv')).toBe('out.csv: cannot write: it is a folder');
    expect(messages.writeFileInTheWay('out/o.csv')).toBe('out/o.csv: cannot write: a file is in the way of its folder');
    expect(messages.writePermissionDenied('out.csv')).toBe('out.csv: cannot write: permission denied');
    expect(messages.writeNoSpace('out.csv')).toBe('out.csv: cannot write: no space left on the device');
    expect(messages.fileNotFound('t.csv')).toBe('t.csv: file not found');
    expect(messages.filePermissionDenied('t.csv')).toBe('t.csv: permission denied');
    expect(messages.fileIsFolder('t.csv')).toBe('t.csv: is a directory; expected a file');
    expect(messages.fileUnreadable('t.csv', 'EIO: i/o error')).toBe('t.csv: cannot read: EIO: i/o error');
    expect(messages.tableFormatUnknown('t.xlsx', '.xlsx', ['.csv', '.tsv', '.arrow'])).toBe(
      't.xlsx: cannot tell the table format from the extension ".xlsx"; use .csv .tsv .arrow or set format to \'csv\' or \'arrow\'',
    );
    expect(messages.tableFormatUnknown('t', '', ['.csv', '.tsv', '.arrow'])).toBe(
      't: cannot tell the table format from the extension "(none)"; use .csv .tsv .arrow or set format to \'csv\' or \'arrow\'',
    );
    expect(messages.overrideColumnMissing('t.csv', 'agee', 'header', ['age', 'bmi'])).toBe(
      't.csv: an override names column "agee", which the header lacks (columns: age, bmi)',
    );
  });
  it('tables: cells and columns', () => {
    expect(messages.cellNotKind('t.csv', 4, 3, 'age', 'abc', 'integer', 'the kind forced for it')).toBe(
      't.csv: line 4 (data row 3), column "age": "abc" is not an integer, the kind forced for it',
    );
    expect(messages.cellNotKind('t.csv', undefined, 3, 'when', 'x', 'datetime', 'the kind forced for it', 'formats tried: ISO 8601')).toBe(
      't.csv: line ? (data row 3), column "when": "x" is not a datetime, the kind forced for it (formats tried: ISO 8601)',
    );
    expect(messages.batchCellNotKind('t.arrow', 7, 'age', 'abc', 'numeric', 'the kind the model has for it')).toBe(
      't.arrow: data row 7, column "age": "abc" is not a numeric, the kind the model has for it',
    );
    expect(messages.batchColumnMissing('t.arrow', 'age', ['age', 'bmi'])).toBe('t.arrow: no column "age"; expected age, bmi');
    expect(messages.headerColumnMissing('t.csv', 'age', ['age', 'bmi'])).toBe('t.csv: no column "age" in the header; the model expects age, bmi');
    expect(messages.columnsUnknownToModel('t.csv', ['id'])).toBe('t.csv: column "id" not known to the model; drop it in the spec\'s columns');
    expect(messages.columnsUnknownToModel('t.csv', ['id', 'note'])).toBe('t.csv: columns "id", "note" not known to the model; drop them in the spec\'s columns');
    expect(messages.overrideCellNotKind('records', 'column "age", row 2: "x" is not a number')).toBe('records: column "age", row 2: "x" is not a number');
  });
  it('CSV files', () => {
    expect(messages.csvNotRegularFile('t.csv')).toBe('t.csv: not a regular file; expected a CSV file');
    expect(messages.csvEmpty('t.csv')).toBe('t.csv: file is empty; expected a header line of column names');
    expect(messages.csvOtherFormat('t.csv', 'is gzip-compressed; decompress it first (gunzip -k)')).toBe('t.csv: is gzip-compressed; decompress it first (gunzip -k)');
    expect(messages.csvNulByte('t.csv', 3, 120)).toBe('t.csv: line 3: NUL byte at offset 120; this is a binary file, not CSV text');
    expect(messages.csvNoHeader('t.csv')).toBe('t.csv: no header line, only blank lines; expected a header of column names');
    expect(messages.csvHeaderOnly('t.csv')).toBe('t.csv: line 1: header only, no data rows; expected at least one row after the header');
    expect(messages.csvEmptyColumnName('t.csv', 1)).toBe(
      't.csv: line 1: column 1 has an empty name (a row-names column? in R, write.csv(..., row.names = FALSE)); every column needs a unique name',
    );
    expect(messages.csvEmptyColumnName('t.csv', 3)).toBe('t.csv: line 1: column 3 has an empty name; every column needs a unique name');
    expect(messages.csvDuplicateColumn('t.csv', 'age', 1, 4)).toBe('t.csv: line 1: column name "age" appears twice (columns 1 and 4); names must be unique');
    expect(messages.csvInvalidUtf8('t.csv', 2, 0xe9, 17)).toBe(
      't.csv: line 2: byte 0xe9 at offset 17 is not valid UTF-8; re-save the file as UTF-8 (is it Latin-1/Windows-1252?)',
    );
    expect(messages.csvInvalidUtf8('t.csv', 2, 0x0a, 17)).toBe(
      't.csv: line 2: byte 0x0a at offset 17 is not valid UTF-8; re-save the file as UTF-8 (is it Latin-1/Windows-1252?)',
    );
    expect(messages.csvUtf8CutShort('t.csv', 9)).toBe('t.csv: line 9: the file ends inside a UTF-8 character; re-save it as UTF-8');
    expect(messages.csvFieldCount('t.csv', 5, 3, 4)).toBe('t.csv: line 5: expected 3 fields as in the header, got 4 (an unquoted delimiter inside a field?)');
    expect(messages.csvFieldCount('t.csv', '?', undefined, undefined)).toBe(
      't.csv: line ?: expected ? fields as in the header, got ? (an unquoted delimiter inside a field?)',
    );
    expect(messages.csvQuoteNotClosed('t.csv', 5)).toBe('t.csv: line 5: a quoted field opened in this record is never closed (missing closing ")');
    expect(messages.csvTextAfterQuote('t.csv', 7, 5)).toBe(
      't.csv: line 7 (in the record that starts on line 5): text after a closing quote; a " inside a quoted field must be doubled ("")',
    );
    expect(messages.csvTextAfterQuote('t.csv', 7)).toBe('t.csv: line 7: text after a closing quote; a " inside a quoted field must be doubled ("")');
    expect(messages.csvQuoteInUnquotedField('t.csv', 5)).toBe('t.csv: line 5: a quote inside an unquoted field; quote the whole field and double the inner quote');
    expect(messages.csvRecordTooLong('t.csv', 5)).toBe('t.csv: line 5: record longer than the 128000-character limit (wrong delimiter or an unclosed quote?)');
    expect(messages.csvUnparsed('t.csv', 5, 'Invalid Record Length')).toBe('t.csv: line 5: Invalid Record Length');
  });
  it('Arrow files', () => {
    expect(messages.arrowEmpty('t.arrow')).toBe('t.arrow: file is empty; expected Arrow IPC data');
    expect(messages.notArrow('t.arrow')).toBe('t.arrow: not Arrow IPC data (no "ARROW1" file magic nor stream header); is it CSV or Feather v1?');
    expect(messages.arrowCorrupt('t.arrow', 'file', 'its schema, footer or record batches')).toBe(
      't.arrow: corrupt or truncated Arrow file: its schema, footer or record batches cannot be decoded',
    );
    expect(messages.arrowNoFooter('t.arrow')).toBe('t.arrow: corrupt or truncated Arrow file: no footer (it does not end with the "ARROW1" magic after one)');
    expect(messages.arrowNoColumns('t.arrows', 'stream')).toBe('t.arrows: Arrow stream holds no columns (truncated, or schema only?)');
    expect(messages.arrowTypeUnsupported('t.arrow', 'blob', 'Binary')).toBe(
      't.arrow: column "blob" has Arrow type Binary, which synthdiff cannot read (supported: int, float, bool, utf8, dictionary, date, timestamp)',
    );
    expect(messages.arrowBooleanLabelsMetadata('t.arrow', 'smoker', 'synthdiff:labels', '["no"]')).toBe(
      't.arrow: column "smoker": metadata synthdiff:labels is not a JSON pair of strings: ["no"]',
    );
    expect(messages.arrowDictionaryMissing('t.arrow', 'sex')).toBe('t.arrow: column "sex": a dictionary batch is missing');
    expect(messages.arrowInt64Overflow('n', 3, Infinity)).toBe('column "n", row 3: integer column holds Infinity, which Arrow Int64 cannot store');
    expect(messages.arrowBatchInt64Overflow('t.arrow', 3, 'n', 1e20)).toBe(
      't.arrow: row 3, column "n": integer column holds 100000000000000000000, which Arrow Int64 cannot store',
    );
    expect(messages.arrowRunsPastEnd('t.arrow', 'file', 'message metadata', 64, 100)).toBe(
      't.arrow: corrupt or truncated Arrow file: message metadata at byte 64 runs past the end of the file (100 bytes)',
    );
    expect(messages.arrowFooterEntryNotBatch('t.arrow', 320)).toBe('t.arrow: corrupt Arrow file: a footer entry at byte 320 is not a record batch');
    expect(messages.arrowBatchUnreadable('t.arrow', 2, 320)).toBe('t.arrow: corrupt Arrow file: record batch 2 at byte 320 cannot be read');
    expect(messages.arrowBooleanPairUnknown('t.arrow', 'smoker', ['a', 'b', 'c'])).toBe(
      't.arrow: boolean column "smoker": cannot tell the label pair from "a", "b", "c" in the first batch',
    );
    expect(messages.arrowBooleanLabelNew('t.arrow', 12, 'smoker', 'maybe', ['no', 'yes'])).toBe(
      't.arrow: row 12, column "smoker": boolean label "maybe" is neither of the labels the first batch fixed (no/yes)',
    );
  });
  it('DICOM: reading files and data sets', () => {
    expect(messages.dicomCannotList('scans', 'ENOENT')).toBe('scans: cannot list DICOM input: ENOENT');
    expect(messages.dicomCannotReadFile('a.dcm', 'EACCES')).toBe('a.dcm: cannot read file: EACCES');
    expect(messages.dicomCorruptDataSet('a.dcm', 'buffer overread')).toBe('a.dcm: truncated or corrupt data set: buffer overread');
    expect(messages.dicomCorruptDataSet('a.dcm', 'buffer overread', '(0010,0010)')).toBe(
      'a.dcm: truncated or corrupt data set after element (0010,0010): buffer overread',
    );
    expect(messages.dicomElementTruncated('a.dcm', '(7FE0,0010)', 512, 100)).toBe(
      'a.dcm: truncated: element (7FE0,0010) declares 512 bytes but only 100 remain in the file',
    );
    expect(messages.dicomDeflatedNoInflate('a.dcm', 'invalid block type')).toBe(
      'a.dcm: Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99) data set does not inflate: invalid block type',
    );
    expect(messages.dicomNoTransferSyntaxNoElement('a.dcm', 132)).toBe(
      'a.dcm: File Meta has no TransferSyntaxUID (0002,0010) and the data set at byte 132 does not start with a readable element',
    );
    expect(messages.dicomNotDicom('a.dcm', 40)).toBe("a.dcm: not a DICOM file: no 'DICM' marker at byte 128 and byte 0 does not start a data element (40 bytes)");
    expect(messages.dicomNoElements('a.dcm')).toBe('a.dcm: not a DICOM file: no data elements');
    expect(messages.dicomTagForm('a.dcm', '0010,001')).toBe("a.dcm: tag '0010,001' is not of the form (GGGG,EEEE)");
    expect(messages.dicomNotInteger('a.dcm', 'Rows', '(0028,0010)', 1.5)).toBe('a.dcm: Rows (0028,0010) is 1.5; expected an integer');
    expect(messages.dicomNotDecimal('a.dcm', messages.dicomValueNotNumeric('SliceThickness', '(0018,0050)', 'thin'))).toBe(
      "a.dcm: SliceThickness (0018,0050) value 'thin' is not numeric; expected a decimal number",
    );
    expect(messages.dicomNumberOfFrames('a.dcm', 0)).toBe('a.dcm: NumberOfFrames (0028,0008) is 0; expected at least 1');
  });
  it('DICOM: pixel data', () => {
    expect(messages.dicomPixelAttributeMissing('a.dcm', 'Rows', '(0028,0010)')).toBe('a.dcm: has Pixel Data (7FE0,0010) but no Rows (0028,0010)');
    expect(messages.dicomZeroSize('a.dcm', 0, 64)).toBe('a.dcm: Rows × Columns (0028,0010/0011) is 0×64; expected non-zero');
    expect(messages.dicomBitsAllocated('a.dcm', 12)).toBe('a.dcm: BitsAllocated (0028,0100) is 12; expected 1, 8, 16 or 32');
    expect(messages.dicomBitsStored('a.dcm', 17, 16, 16)).toBe('a.dcm: BitsStored (0028,0101) 17 / HighBit (0028,0102) 16 do not fit BitsAllocated 16');
    expect(messages.dicomSamplesPerPixel('a.dcm', 2)).toBe('a.dcm: SamplesPerPixel (0028,0002) is 2; expected 1 or 3');
    expect(messages.dicomSyntaxUnsupported('a.dcm', '1.2.840.10008.1.2.4.100', 'MPEG2')).toBe(
      'a.dcm: transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2) is not supported for Pixel Data',
    );
    expect(messages.dicomEncapsulatedUncompressed('a.dcm', '1.2.840.10008.1.2.1', 'Explicit VR Little Endian')).toBe(
      'a.dcm: Pixel Data (7FE0,0010) is encapsulated but transfer syntax 1.2.840.10008.1.2.1 (Explicit VR Little Endian) is uncompressed',
    );
    expect(messages.dicomNeedsEncapsulated('a.dcm', '1.2.840.10008.1.2.5', 'RLE Lossless')).toBe(
      'a.dcm: transfer syntax 1.2.840.10008.1.2.5 (RLE Lossless) needs encapsulated Pixel Data (7FE0,0010), found a defined length',
    );
    expect(messages.dicomPixelDataTruncated('a.dcm', 8192, 4000)).toBe('a.dcm: truncated: Pixel Data (7FE0,0010) declares 8192 bytes but only 4000 remain');
    expect(messages.dicomPixelDataShort('a.dcm', 4000, 1, 64, 64, 1, 16, 8192)).toBe(
      'a.dcm: Pixel Data (7FE0,0010) holds 4000 bytes; 1 frame(s) of 64×64×1 at 16 bits need 8192',
    );
    expect(messages.dicomFragmentNotItem('a.dcm', '(FFFE,E0DD)', 300)).toBe(
      'a.dcm: encapsulated Pixel Data (7FE0,0010) has tag (FFFE,E0DD) at byte 300; expected an Item (FFFE,E000)',
    );
    expect(messages.dicomFragmentTruncated('a.dcm', 300, 5000, 120)).toBe(
      'a.dcm: truncated: Pixel Data (7FE0,0010) fragment at byte 300 declares 5000 bytes, 120 remain',
    );
    expect(messages.dicomNoOffsetTableItem('a.dcm')).toBe('a.dcm: encapsulated Pixel Data (7FE0,0010) has no Basic Offset Table item');
    expect(messages.dicomNoFragments('a.dcm')).toBe('a.dcm: encapsulated Pixel Data (7FE0,0010) has no fragments');
    expect(messages.dicomFramesUnassignable('a.dcm', 5, 3)).toBe(
      'a.dcm: encapsulated Pixel Data (7FE0,0010) has 5 fragments for 3 frames and no usable Basic Offset Table',
    );
    expect(messages.dicomFrameUndecodable('a.dcm frame 2', 'RLE Lossless', '1.2.840.10008.1.2.5', 'segment 1 overruns the frame')).toBe(
      'a.dcm frame 2: RLE Lossless (1.2.840.10008.1.2.5) frame could not be decoded: segment 1 overruns the frame',
    );
    expect(messages.dicomRgbSamples('a.dcm', 1)).toBe('a.dcm: rgb() needs SamplesPerPixel (0028,0002) 3, found 1; use modality() or display()');
    expect(messages.dicomRgbBits('a.dcm', 32)).toBe('a.dcm: rgb() supports BitsAllocated up to 16, found 32');
    expect(messages.dicomYbr422OddColumns('a.dcm', 63)).toBe('a.dcm: YBR_FULL_422 needs an even Columns (0028,0011), found 63');
    expect(messages.dicomNotRgb('a.dcm', 'PALETTE COLOR')).toBe(
      "a.dcm: PhotometricInterpretation (0028,0004) 'PALETTE COLOR' cannot be converted to RGB; expected RGB, YBR_FULL or YBR_FULL_422",
    );
    expect(messages.dicomNotOneSample('a.dcm', 'modality', 'RGB')).toBe(
      "a.dcm: modality() needs one sample per pixel, PhotometricInterpretation (0028,0004) is 'RGB'; use rgb()",
    );
  });
  it('DICOM: preparing slices, writing and de-identifying', () => {
    expect(messages.dicomMosaicGrid('a.dcm', 9, 100, 100, 3)).toBe('a.dcm: mosaic of 9 images needs Rows × Columns (100×100) divisible into a 3×3 grid');
    expect(messages.dicomAllPadding('a.dcm frame 1')).toBe('a.dcm frame 1: every pixel is padding (PixelPaddingValue); nothing to learn from');
    expect(messages.windowOrder(400, -100)).toBe('model.window: high (-100) must be greater than low (400)');
    expect(messages.dicomWriteNoSop()).toBe('cannot write DICOM: SOP Class UID (0008,0016) and SOP Instance UID (0008,0018) are required');
    expect(messages.dicomSyntheticInvalid('out/s0001.dcm', 'rows must be an integer in 1..65535, got 0')).toBe(
      'out/s0001.dcm: cannot write synthetic image: rows must be an integer in 1..65535, got 0',
    );
    expect(messages.dicomNotComposite('a.dcm')).toBe('a.dcm: missing SOP Class UID (0008,0016) or SOP Instance UID (0008,0018); not a composite instance');
    expect(messages.dicomCannotEncode('a.dcm', 'value too long')).toBe('a.dcm: cannot encode de-identified data set: value too long');
    expect(messages.dicomSameSopInstance('b.dcm', 'a.dcm')).toBe('b.dcm: has the same SOP Instance UID as a.dcm; their de-identified copies would overwrite each other');
    expect(messages.dicomIso2022('a.dcm', 'ISO 2022 IR 87')).toBe(
      'a.dcm: Specific Character Set (0008,0005) uses ISO 2022 code extensions (ISO 2022 IR 87), which are not supported',
    );
    expect(messages.dicomCannotParse('a.dcm', 'unexpected end of file')).toBe('a.dcm: cannot parse DICOM: unexpected end of file');
    expect(messages.dicomCannotReencapsulate('a.dcm', 5, 3)).toBe(
      'a.dcm: encapsulated pixel data has 5 fragments for 3 frames and no Basic Offset Table; cannot re-encapsulate it safely',
    );
  });
});
