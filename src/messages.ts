/**
 * The catalogue of user-facing error messages that more than one module raises: one wording per fault,
 * asserted verbatim in test/messages.test.ts. A message says where (file, spec path, column) and what was
 * expected, in one line (see errors.ts for the classes that carry them).
 */

const list = (names: readonly string[]): string => names.join(', ');
/** A cell's text and the kind it does not read as: `"abc" is not an integer`. */
const notA = (value: unknown, kind: string): string => `${JSON.stringify(value)} is not ${kind === 'integer' ? 'an' : 'a'} ${kind}`;

export const messages = {
  /** A table pipeline (or a sharded run) was given an image source (a DICOM folder, a NIfTI volume). */
  dicomSourceInTablePipeline: (path: string, format = 'dicom') => `${path}: source.format is ${format}; a table pipeline reads csv or arrow (image pipelines run unsharded)`,
  /** A table task asked to write DICOM. */
  dicomOutputInTablePipeline: (path: string) => `${path}: format dicom is for image pipelines (source.format: dicom); a table task writes csv or arrow`,
  /** An image task (synthesize, deidentify) in a table pipeline. */
  imageTaskInTablePipeline: (index: number, type: string) => `tasks[${index}].type: ${type} needs a DICOM source (source.format: dicom); this pipeline reads a table`,
  /** A table task (profile, generate, impute) in an image pipeline. */
  tableTaskInImagePipeline: (index: number, type: string) => `tasks[${index}].type: ${type} is a table task; a DICOM pipeline runs synthesize and deidentify`,
  imageTaskOutputFormat: (index: number, type: string, format: string) => `tasks[${index}].output.format: ${type} writes DICOM files into a folder${type === 'synthesize' ? ' (or one NIfTI volume to a path ending .nii or .nii.gz, format left out)' : ''}; got "${format}"`,
  /** A column the spec names (`columns.<name>`, `evaluate.efficacy.target`) is not in the table. */
  specColumnMissing: (specPath: string, table: string, columns: readonly string[], hint?: string) =>
    `${specPath}: ${table} has no such column${hint ? ` (did you mean "${hint}"?)` : ''} (columns: ${list(columns)})`,
  /** A column the model must see (efficacy target, a fixed column) that the spec drops or passes through. */
  specColumnNotModelled: (specPath: string, name: string, why: string) => `${specPath}: column "${name}" has ${why} in columns, so the model never sees it`,
  /** A generate task's fixed value the column cannot take. */
  fixedValueUnknown: (specPath: string, value: string, labels: readonly string[], hint?: string) =>
    `${specPath}: "${value}" is not a value of the column${hint ? ` (did you mean "${hint}"?)` : ''} (values: ${list(labels.slice(0, 12))}${labels.length > 12 ? ', …' : ''})`,
  fixedValueNotNumber: (specPath: string, kind: string, value: string) => `${specPath}: expected a number for a ${kind} column, got ${value}`,
  /** A table with a header and no rows. */
  noDataRows: (path: string) => `${path}: the table has no data rows`,
  /** The holdout split left no row to train on (in memory or streamed). */
  emptyTrainingSplit: (path: string, rows: number, holdout: number) => `${path}: no row left for training after the holdout split (${rows} row${rows === 1 ? '' : 's'}, split.holdout ${holdout}); lower split.holdout or add rows`,
  /** An output outside the folder outputs must stay in (run/outputs.ts). */
  outputOutside: (what: string, path: string, root: string) => `${what}: ${path} is outside ${root}, where this spec's outputs go (set outputDir to the folder they belong in, or outputsAnywhere: true)`,
  /** `resume: true` from a checkpoint trained from other data, columns or model settings (`path` is the first spec path that differs). */
  resumeFromOtherSpec: (what: string, dir: string, path: string, was: string, now: string) =>
    `${what}: ${dir} was trained from a different spec (${path}: ${was} there, ${now} here); resume continues only the same model (steps, sampler, samplerSteps, device and backend may change): train into another checkpoint or set resume: false`,
  /** An output a command-line flag names (`evaluate --out`) outside the working directory. */
  cliOutputOutside: (what: string, path: string, root: string) => `${what}: ${path} is outside the working directory ${root} (write inside it, or pass --outputs-anywhere)`,
  /** An output onto an input: writing it would destroy the data the run reads. */
  outputIsInput: (what: string, path: string, input: string) => `${what}: ${path} is ${input}; writing it would overwrite the input (choose another output path)`,
  /** Two outputs onto one path: the first would be silently replaced. */
  outputTwice: (what: string, path: string, first: string) => `${what}: ${path} is also ${first}; each output needs its own path`,
  /** A table output that names an existing folder. */
  outputIsFolder: (what: string, path: string) => `${what}: ${path} is a folder; a table output needs a file path`,
  /** A folder output (checkpoint, report, DICOM) that names an existing file. */
  outputNotFolder: (what: string, path: string) => `${what}: ${path} is a file; expected a folder`,
  /** An output below a regular file. */
  outputUnderFile: (what: string, path: string, file: string) => `${what}: ${path} cannot be written: ${file} is a file, not a folder`,
  // DICOM structure (io/dicom/structure.ts), checked before dcmjs reads a file; also named when a file is skipped.
  dicomNotPart10: (source: string) => `${source}: not a DICOM Part 10 file (no "DICM" after the 128-byte preamble)`,
  dicomNoMetaGroupLength: (source: string) => `${source}: File Meta does not open with its group length (0002,0000) UL`,
  dicomNoTransferSyntax: (source: string) => `${source}: File Meta has no Transfer Syntax UID (0002,0010)`,
  dicomDoesNotInflate: (source: string, why: string) => `${source}: deflated data set does not inflate: ${why}`,
  dicomInvalidVr: (source: string, tag: string, offset: number, vr: string) => `${source}: ${tag} at byte ${offset}: invalid VR "${vr}" (corrupt file)`,
  dicomLengthOverrun: (source: string, tag: string, offset: number, length: number, left: number, container: string) =>
    `${source}: ${tag} at byte ${offset}: value length ${length} exceeds the ${left} bytes left in the ${container}`,
  dicomElementCutShort: (source: string, offset: number, left: number, container: string) =>
    `${source}: data element at byte ${offset} is cut short: ${left} bytes left in the ${container}`,
  dicomUndefinedLength: (source: string, tag: string, offset: number, vr: string) =>
    `${source}: ${tag} at byte ${offset}: undefined length on VR ${vr} (only sequences and encapsulated Pixel Data have one)`,
  dicomUnexpectedDelimiter: (source: string, tag: string, offset: number) => `${source}: ${tag} at byte ${offset}: item or delimiter tag outside a sequence`,
  dicomExpectedItem: (source: string, sequence: string, tag: string, offset: number) =>
    `${source}: ${tag} at byte ${offset}: expected an item (FFFE,E000) in ${sequence}`,
  dicomUnterminated: (source: string, what: string, offset: number, container: string) =>
    `${source}: ${what} at byte ${offset} has no delimitation item before the end of the ${container}`,
  dicomNestedTooDeep: (source: string, tag: string, offset: number, depth: number) => `${source}: ${tag} at byte ${offset}: sequences nested deeper than ${depth}`,
  dicomDeidentifiedCopyBroken: (source: string, why: string) => `${source}: de-identified copy failed its check, not written: ${why}`,
  dicomNothingDeidentified: (skipped: number, first: string) => `no file could be de-identified (${skipped} skipped; first: ${first})`,
  dicomNoSeriesUid: (path: string) => `${path}: SeriesInstanceUID (0020,000E) missing; cannot assign the image to a series`,
  /** The de-identification secret is named by the spec but cannot be had. */
  deidSecretEnvUnset: (index: number, name: string) => `tasks[${index}].secret.env: environment variable ${name} is not set or empty`,
  deidSecretFileUnreadable: (index: number, path: string, why: string) => `tasks[${index}].secret.file: ${path}: ${why}`,
  /** `source.series` on a table source. */
  seriesSelectionInTablePipeline: (path: string) => `source.series: ${path} is a table; series selection is for DICOM sources (source.format: dicom)`,
  seriesDescriptionPattern: (pattern: string, why: string) => `source.series.description: "${pattern}" is not a regular expression: ${why}`,
  /** No series of a DICOM folder matches `source.series`. */
  /** A DICOM pipeline without the optional DICOM packages installed (io/dicom/packages.ts). */
  dicomPackageMissing: (pkg: string, install: string) => `${pkg} is not installed; DICOM pipelines need the optional DICOM packages: ${install}`,
  /** `model.slicePosition: true` (or a checkpoint trained with it) on slices without one shared geometry. */
  slicePositionNoGeometry: (path: string, why: string) =>
    `${path}: ${why} conditions on slice position, but these slices carry no common geometry (Image Position and Orientation (Patient) in every slice, one orientation, more than one position); set model.slicePosition: false`,
  /** `source.format: dicom` given a NIfTI file's path. */
  niftiSourceFormatDicom: (path: string) => `source.format: dicom reads a folder of DICOM files; ${path} is a NIfTI volume (set source.format: nifti, or leave format out)`,
  /** A task that needs DICOM files (deidentify) or `source.series` on a NIfTI source. */
  niftiSourceTask: (index: number, type: string, path: string) => `tasks[${index}].type: ${type} works on DICOM files; ${path} is a NIfTI volume, which has no DICOM data elements (a NIfTI source runs synthesize)`,
  seriesSelectionNifti: (path: string) => `source.series: ${path} is one NIfTI volume; series selection is for DICOM sources (source.format: dicom)`,
  /** A NIfTI file that cannot be read as one single-file NIfTI-1 volume (io/nifti.ts). */
  niftiUnreadable: (path: string, why: string) => `${path}: cannot read as a NIfTI-1 volume: ${why}`,
  noSeriesSelected: (path: string, available: string) => `${path}: no series matches source.series (found: ${available})`,
  /** An impute task's `completed` output in a run that imputes batch by batch. */
  completedNotInMemory: (index: number, why: string) => `tasks[${index}].completed: the completed datasets are written by in-memory runs only (${why}); drop completed or run without it`,
  /** `split.groupBy` in an image pipeline (its split is by slice, within the series read). */
  groupByImage: () => `split.groupBy: image pipelines split slices, not table rows; select series with source.series instead`,
  /** `split.groupBy` in a run that reads its rows batch by batch. */
  groupByNotInMemory: (why: string) => `split.groupBy: groups are kept whole by in-memory runs only (${why}); drop groupBy or model.trainRows`,
  /** `kind: passthrough` in a run that reads its rows batch by batch. */
  passthroughNotInMemory: (column: string, why: string) => `columns.${column}.kind: passthrough columns are kept by in-memory runs only (${why}); use drop: true there`,
  /** Tables graded together (synthdiff evaluate) whose columns differ by name. */
  alignColumnMissing: (table: string, column: string, columns: readonly string[]) => `${table}: no column "${column}"; the real table has ${list(columns)} (columns are matched by name)`,
  alignKind: (table: string, column: string, kind: string, realKind: string) => `${table}: column "${column}" is ${kind}, in the real table it is ${realKind}`,
  alignColumnExtra: (table: string, column: string, columns: readonly string[]) => `${table}: column "${column}" is not in the real table (${list(columns)}); columns are matched by name`,
  longFormatNoDraws: () => `no completed datasets to stack`,
  longFormatColumnTaken: (name: string) => `the table already has a column "${name}"; the long format adds .imp and .id (rename that column)`,
  // The library (src/index.ts): tables built in memory, the model facade (api/).
  /** `tableFromRecords([])`, `tableFromColumns({})`. */
  inMemoryNoColumns: (fn: string) => `${fn}: no columns; expected at least one named column`,
  inMemoryNoRows: () => `the table has no rows; expected at least one`,
  /** `tableFromColumns` given columns of different lengths. */
  columnLengths: (name: string, length: number, first: string, rows: number) => `columns.${name}: ${length} values, but column "${first}" has ${rows}; every column needs one value per row`,
  /** A cell that is not a number, string, boolean, Date or null (`records[3].age`, `columns.age[3]`). */
  cellValueType: (place: string, got: string) => `${place}: expected a number, string, boolean, Date or null, got ${got}`,
  /** The backend ladder fell through to tfjs's pure-JS backend without being asked for it. */
  pureJsBackendRefused: () => `no compiled backend could start (wasm failed to load); pass backend: 'cpu' to run on tfjs's pure-JavaScript backend (much slower)`,
  sampleRows: (rows: number) => `sample: rows must be a positive integer, got ${rows}`,
  imputeDraws: (draws: number) => `impute: draws must be a positive integer, got ${draws}`,
  /** The table to impute lacks a column the model was fitted on. */
  imputeColumnMissing: (name: string, columns: readonly string[]) => `impute: the table has no column "${name}", which the model was fitted on (columns: ${list(columns)})`,
  /** A column of the table to impute cannot be read as the kind the model learnt it as. */
  imputeKind: (name: string, kind: string, modelKind: string, why: string) => `impute: column "${name}" is ${kind}, the model learnt it as ${modelKind}, and it cannot be read so: ${why}`,
  /** Differential privacy (model.privacy): a column with no label frequent enough to release. */
  privateNoCategory: (column: string, threshold: number) =>
    `columns.${column}: no label reaches the ${threshold} rows model.privacy needs to release it privately; list the column's labels in columns.${column}.categories (public knowledge) or drop the column`,
  /** Differential privacy: a numeric column whose range no noisy bin reveals. */
  privateNoRange: (column: string, threshold: number) =>
    `columns.${column}: no range of values reaches the ${threshold} rows model.privacy needs to release it privately; give columns.${column}.min and max (public bounds)`,
  /** The requested ε is spent by the encoder statistics alone, or no noise multiplier reaches it. */
  privateBudgetTooSmall: (epsilon: number, encoderEpsilon: number) =>
    `model.privacy.epsilon: ${epsilon} cannot be reached: the encoders' statistics alone spend ${encoderEpsilon.toFixed(3)} (lower model.privacy.encoderShare, or give public bounds and categories in columns)`,
  /** A comma-separated row with more fields than the header, two of them reading as one number split at a decimal comma. */
  csvDecimalCommaFields: (path: string, line: number | string, expected: number, got: number, example: string) =>
    `${path}: line ${line}: expected ${expected} fields as in the header, got ${got}: an unquoted delimiter inside a field? If "${example}" is one number written with a decimal comma, re-export the file with decimal points (R: write.csv; pandas: decimal=".") or with ; between fields`,
  // The privacy gate of `synthdiff evaluate --fail-on` (run/privacy-gate.ts).
  failOnSyntax: (part: string, metrics: readonly string[]) => `--fail-on: "${part}" is not metric=threshold (metrics: ${list(metrics)}; e.g. dcr=0.55,copies=0.05)`,
  failOnUnknown: (name: string, metrics: readonly string[], hint?: string) => `--fail-on: unknown metric "${name}"${hint ? ` (did you mean "${hint}"?)` : ''} (metrics: ${list(metrics)})`,
  failOnValue: (name: string, value: string) => `--fail-on ${name}: expected a share between 0 and 1, got "${value}"`,
  targetNeedsHoldout: () => '--target: ML efficacy tests models trained on real and on synthetic rows against held-out real rows; pass --holdout',
  failOnNeedsHoldout: () => `--fail-on: the privacy metrics compare the synthetic rows with held-out real rows; pass --holdout`,
  /** The gate failed: the one line `synthdiff evaluate` exits 1 with (after writing the report). */
  privacyGateFailed: (breaches: readonly string[], flag: string) => `privacy gate failed: ${list(breaches)} (${flag})`,
  privacyGatePassed: (checks: readonly string[], flag: string) => `privacy gate passed: ${list(checks)} (${flag})`,
  /** Options that would read the training rows outside the private mechanism. */
  noPanel: (specPath: string) => `${specPath}: the training table is not a panel (expected a label column and a whole-number time column whose pairs occur once each, with at least 10 labels and 4 rows per label)`,
  panelFixed: (specPath: string) => `${specPath}: the panel engine draws whole rows of an entity's series and holds no column fixed; use engine trees or diffusion`,
  privateIncompatible: (option: string, why: string) => `model.privacy: ${option} ${why}; a differentially private run cannot use it`,
  // Evaluation (evaluate/): tables graded together, and the options of the library's metric functions.
  tablesColumnCount: (nameA: string, nameB: string, countA: number, countB: number) => `${nameA} and ${nameB} tables must have the same columns: ${nameA} has ${countA}, ${nameB} has ${countB}`,
  tablesColumnName: (nameA: string, nameB: string, index: number, a: string, b: string) => `${nameA} and ${nameB} tables differ at column ${index}: "${a}" vs "${b}"`,
  tablesColumnKind: (column: string, kindA: string, nameA: string, kindB: string, nameB: string) => `column "${column}" is ${kindA} in ${nameA} but ${kindB} in ${nameB}`,
  tablesCategoryLists: (column: string, nameA: string, nameB: string) =>
    `column "${column}" has different category lists in ${nameA} and ${nameB}; codes would not be comparable (re-encode both against one category list)`,
  tableTooFewRows: (name: string, min: number, rows: number) => `${name} table needs at least ${min} row(s), got ${rows}`,
  /** Two columns compared cell by cell (dcr, fidelity) of which one is categorical and the other not. */
  columnKindDiffers: (column: string) => `column "${column}" differs in kind`,
  columnShapeKinds: (column: string, kind: string, otherKind: string) => `column "${column}": cannot compare a ${kind} column with a ${otherKind} one`,
  dcrNoColumns: () => 'dcr needs at least one column',
  efficacyHoldoutNoTarget: (target: string) => `holdout has no rows with "${target}" observed`,
  efficacyTrainingNoTarget: (label: string, target: string) => `${label} table has fewer than 2 rows with "${target}" observed`,
  isolationSampleSize: () => 'isolation forest needs a sample size of at least 2',
  precisionRecallSteps: (nSteps: number) => `nSteps must be an integer ≥ 2, got ${nSteps}`,
  fidelityBins: (nBins: number) => `nBins must be a positive integer, got ${nBins}`,
  /** Masked imputation scoring (evaluate/imputation.ts). */
  maskFraction: (fraction: number) => `fraction must be in [0, 1), got ${fraction}`,
  marDriverMissing: (driver: string) => `MAR driver column "${driver}" not found`,
  marNoDriver: () => 'MAR masking needs a column with no missing cells to drive it; pass options.driver',
  marDriverHasMissing: (driver: string) => `MAR driver column "${driver}" has missing cells`,
  marTooFewColumns: () => 'MAR masking needs at least two columns',
  imputedRowCount: (truth: number, imputed: number) => `truth has ${truth} rows, imputed ${imputed}`,
  coverageTooFewDraws: (draws: number) => `interval coverage needs at least 2 imputation draws, got ${draws}`,
  coverageLevel: (level: number) => `level must be in (0, 1), got ${level}`,
  drawRowCount: (draw: number, truth: number) => `a draw has ${draw} rows, truth ${truth}`,
  neighboursK: (k: number) => `k must be a positive integer, got ${k}`,
  // Sharded runs: the statistics of parts (stats/shard-stats.ts), the shards, their merge and SLURM jobs (run/shard/).
  statsReferenceNotContinuous: (column: string) => `statistics: the reference table has no continuous column "${column}"`,
  statsColumnKind: (column: string, kind: string, modelled: string) => `column "${column}" is ${kind}; the model treats it as ${modelled}`,
  statsColumnMissing: (column: string, columns: readonly string[]) => `statistics: the table has no column "${column}" (columns: ${list(columns)})`,
  statsNothingToMerge: (what: string) => `${what}: nothing to merge`,
  statsPartLayout: (what: string, part: number) => `${what}: part ${part} was counted on different bins or labels (another model checkpoint?); rerun its shard`,
  /** `--shard` that is not i/N. */
  shardSyntax: (text: string) => `--shard: expected i/N with 0 ≤ i < N (shards count from 0), got "${text}"`,
  /** A shard run whose model checkpoint is missing, unfinished or from another spec. */
  shardNoCheckpoint: (from: string, dir: string, spec: string) => `model.${from} ${dir}: no trained checkpoint there yet; train it once with \`synthdiff run ${spec} --train-only\` before running shards`,
  shardCheckpointUnfinished: (from: string, dir: string, step: number, spec: string) =>
    `model.${from} ${dir}: training stopped at step ${step} (a checkpoint saved mid-training); finish it with \`synthdiff run ${spec} --train-only\` and model.resume: true before running shards`,
  shardCheckpointOtherSpec: (dir: string, was: string, now: string, spec: string) =>
    `model.checkpoint ${dir}: trained from a different spec (hash ${was}, this spec ${now}); retrain with \`synthdiff run ${spec} --train-only\``,
  /** A sharded run (`--shard`) whose spec names no model to load. */
  shardNeedsCheckpoint: (spec: string) => `${spec}: model.checkpoint: a sharded run loads a trained model; set model.checkpoint (trained once by \`synthdiff run <spec> --train-only\`) or model.load`,
  mergeNoRecords: (index: number, type: string, output: string, spec: string) => `tasks[${index}] ${type}: no shard records beside ${output}; run the shards first (\`synthdiff run ${spec} --shard i/N\`)`,
  mergeShardCounts: (index: number, type: string, counts: readonly number[], output: string) => `tasks[${index}] ${type}: parts for ${counts.join(' and ')} shards lie beside ${output}; pass --shards N`,
  mergeNoTask: (spec: string) => `${spec}: no generate or impute task to merge`,
  mergeDirNoRecords: (dir: string) => `${dir}: no shard records (*.part-<i>-of-<N>.stats.json) here; run the shards first, or pass the spec`,
  mergeDirShardCounts: (output: string, counts: readonly number[]) => `${output}: parts for ${counts.join(' and ')} shards; pass --shards N`,
  mergeShardsUnfinished: (output: string, missing: readonly number[], count: number, how: string) =>
    `${output}: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} not finished (no valid record or a part's size differs); rerun ${missing.length > 1 ? 'them' : 'it'}${how}, then merge again`,
  mergeShardSettings: (output: string, shard: number, count: number) => `${output}: shard ${shard} of ${count} was made with other settings or another model than shard 0; rerun it`,
  mergeShardsGap: (output: string, shard: number, start: number, previousEnd: number) =>
    `${output}: shard ${shard} starts at row ${start}, shard ${shard - 1} ended at ${previousEnd}; the parts do not tile the task`,
  mergePartColumns: (part: string, names: readonly string[], first: readonly string[]) =>
    `${part}: columns differ from the first part's (${list(names)} vs ${list(first)}); the parts come from different runs — rerun this shard`,
  mergePartHeader: (part: string, header: string) => `${part}: header differs from the first part's (${JSON.stringify(header)}); the parts come from different runs — rerun this shard`,
  mergePartTruncated: (part: string) => `${part}: no complete header line; the part is truncated — rerun its shard`,
  mergeNoParts: () => 'concatenate: no parts',
  mergePartColumn: (part: string, index: number, column: { name: string; kind: string } | undefined, first: { name: string; kind: string }) =>
    `${part}: column ${index} is ${column ? `"${column.name}" (${column.kind})` : 'absent'}, the first part has "${first.name}" (${first.kind}) there`,
  slurmSpecNotFile: () => 'slurm: the spec must be a file the jobs can read',
  slurmNeedsCheckpoint: (spec: string) => `${spec}: model.checkpoint: the train job saves the model there for the shard jobs to load; set it (or model.load)`,
  slurmNothingToShard: (spec: string) => `${spec}: tasks: nothing to shard (no generate or impute task)`,
  sbatchNotFound: () => 'sbatch: not found; submit from a SLURM login node (the scripts are written; run their submit.sh there)',
  sbatchFailed: (args: readonly string[], why: string) => `sbatch ${args.join(' ')}: ${why}`,
  // The command line (cli/): flags that do not go together or do not parse.
  /** A flag that takes a count; a value typed on the command line (a string) is quoted. */
  flagNotPositiveInteger: (flag: string, got: string | number) => `${flag}: must be a positive integer, got ${typeof got === 'string' ? `"${got}"` : got}`,
  flagNotNonNegativeInteger: (flag: string, got: string) => `${flag}: must be a non-negative integer, got "${got}"`,
  /** `--threads` (commander prints it after the option's name). */
  threadsValue: () => 'expected a positive integer or "all"',
  flagsExclusive: (flags: string, choice: string) => `${flags}: pick one (${choice})`,
  jsonWithShardRun: (other: string) => `--json: prints a whole run's report; not with ${other}`,
  trainOnlyNeedsCheckpoint: (spec: string) => `${spec}: model.checkpoint: --train-only saves the model there for the shards to load; set it`,
  // Specs (spec/parse.ts).
  specInvalid: (source: string, problems: readonly string[]) => `${source}: ${problems.join('; ')}`,
  specUnreadable: (path: string, why: string) => `${path}: cannot read spec (${why})`,
  specNotParsed: (path: string, language: string, why: string) => `${path}: not valid ${language} (${why})`,
  // Column sketches (table/sketch.ts), merged across batches and shards.
  sketchOtherColumn: (sketched: string, given: string) => `sketch of "${sketched}" was given column "${given}"`,
  sketchKind: (column: string, kind: string, sketchedAs: string) => `column "${column}" is ${kind}; it was sketched as ${sketchedAs}`,
  sketchMerge: (other: string, otherKind: string, name: string, kind: string) => `cannot merge the sketch of "${other}" (${otherKind}) into "${name}" (${kind})`,
  // Image pipelines (run/image/run.ts).
  imageTooFewSlices: (n: number) => `split.holdout: ${n} slice${n === 1 ? '' : 's'} cannot be split into training and held-out images`,
  imageMemorizationNeedsHoldout: () => 'split.holdout: the memorization check calibrates on held-out slices; set split.holdout > 0 (e.g. 0.2)',
  /** The memorization check blocked export: the one line an image run exits 1 with (after writing the report). */
  imageExportBlocked: (reasons: readonly string[], report?: string) => `synthetic DICOM not written: ${reasons.join('; ')}${report ? ` (evidence in ${report})` : ''}`,
  imageNoPixelData: (source: string, skipped: number) => `${source}: no DICOM images with pixel data found${skipped ? ` (${skipped} files skipped)` : ''}`,
  // Series labels (model.seriesLabel, a synthesize task's labels; run/image/run.ts, diffusion/image.ts).
  /** `model.seriesLabel` on a NIfTI source: one volume is one series, there is nothing to label. */
  seriesLabelNifti: (path: string) => `model.seriesLabel: ${path} is one NIfTI volume; series labels are for DICOM sources with several series (source.format: dicom)`,
  /** A selected series without a value for the label attribute. */
  seriesLabelMissing: (path: string, attribute: string, tag: string, series: string) =>
    `${path}: model.seriesLabel: series ${series} has no ${attribute} ${tag}; every selected series needs one (leave that series out with source.series, or label by another attribute)`,
  /** A synthesize task's label that no selected series carries (the model is trained in this run). */
  seriesLabelUnknown: (index: number, label: string, attribute: string, labels: readonly string[]) =>
    `tasks[${index}].labels: no selected series has ${attribute} "${label}" (labels: ${labels.map((l) => `"${l}"`).join(', ')})`,
  /** A synthesize task's label that a loaded model was never trained on. */
  seriesLabelNotLearned: (index: number, label: string, dir: string, labels: readonly string[]) =>
    `tasks[${index}].labels: the model in ${dir} was never trained on "${label}" (its labels: ${labels.map((l) => `"${l}"`).join(', ')})`,
  /** A synthesize task's labels for a model that conditions on none. */
  seriesLabelsUnconditioned: (index: number, model: string) =>
    `tasks[${index}].labels: ${model} does not condition on a series label; set model.seriesLabel (e.g. SeriesDescription) or leave labels out`,
  /** `model.seriesLabel` that differs from what a loaded checkpoint conditions on. */
  seriesLabelCheckpoint: (dir: string, was: string | undefined, now: string) =>
    `model.seriesLabel: the model in ${dir} ${was ? `conditions on ${was}` : 'conditions on no series label'}, not ${now}; ${was ? `set model.seriesLabel: ${was}` : 'leave model.seriesLabel out'} or train a new model`,
  /** The model API: labels for a model without them, missing, or not the model's. */
  imageLabelsRefused: (what: string) => `${what}: this image model does not condition on a series label; it takes no labels`,
  imageLabelsRequired: (what: string, count: number, got: number | undefined) => `${what}: this image model conditions on a series label; give one label per image (${count}), got ${got ?? 'none'}`,
  imageLabelUnknown: (what: string, label: string, labels: readonly string[]) => `${what}: "${label}" is not a label of this image model (labels: ${labels.map((l) => `"${l}"`).join(', ')})`,
  imageCheckpointLabels: (dir: string, labelDim: number, labels: number) => `${dir}: image model checkpoint is inconsistent: its U-Net takes ${labelDim} label${labelDim === 1 ? '' : 's'}, its metadata lists ${labels}`,
  // Reading and writing tables (io/): the file, then the line or row and the column.
  writeIsFolder: (path: string) => `${path}: cannot write: it is a folder`,
  writeFileInTheWay: (path: string) => `${path}: cannot write: a file is in the way of its folder`,
  writePermissionDenied: (path: string) => `${path}: cannot write: permission denied`,
  writeNoSpace: (path: string) => `${path}: cannot write: no space left on the device`,
  fileNotFound: (path: string) => `${path}: file not found`,
  filePermissionDenied: (path: string) => `${path}: permission denied`,
  fileIsFolder: (path: string) => `${path}: is a directory; expected a file`,
  fileUnreadable: (path: string, why: string) => `${path}: cannot read: ${why}`,
  tableFormatUnknown: (path: string, ext: string, extensions: readonly string[]) =>
    `${path}: cannot tell the table format from the extension "${ext || '(none)'}"; use ${extensions.join(' ')} or set format to 'csv' or 'arrow'`,
  /** `columns.<name>` of a read names a column the file lacks (`where`: the header, the table). */
  overrideColumnMissing: (path: string, name: string, where: string, columns: readonly string[]) =>
    `${path}: an override names column ${JSON.stringify(name)}, which the ${where} lacks (columns: ${list(columns)})`,
  /** A cell that does not read as its column's kind (`origin`: where the kind came from, e.g. "the kind forced for it"). */
  cellNotKind: (path: string, line: number | undefined, row: number, column: string, value: unknown, kind: string, origin: string, detail?: string) =>
    `${path}: line ${line ?? '?'} (data row ${row}), column "${column}": ${notA(value, kind)}, ${origin}${detail ? ` (${detail})` : ''}`,
  batchCellNotKind: (path: string, row: number, column: string, value: unknown, kind: string, origin: string) => `${path}: data row ${row}, column "${column}": ${notA(value, kind)}, ${origin}`,
  /** A read with a model's columns (streamed, or a batch of another file) that lacks one or has extra ones. */
  batchColumnMissing: (path: string, column: string, expected: readonly string[]) => `${path}: no column "${column}"; expected ${list(expected)}`,
  headerColumnMissing: (path: string, column: string, expected: readonly string[]) => `${path}: no column "${column}" in the header; the model expects ${list(expected)}`,
  columnsUnknownToModel: (path: string, extra: readonly string[]) =>
    `${path}: column${extra.length > 1 ? 's' : ''} ${extra.map((x) => `"${x}"`).join(', ')} not known to the model; drop ${extra.length > 1 ? 'them' : 'it'} in the spec's columns`,
  csvNotRegularFile: (path: string) => `${path}: not a regular file; expected a CSV file`,
  csvEmpty: (path: string) => `${path}: file is empty; expected a header line of column names`,
  /** A file that opens with another format's signature (`what`: "is gzip-compressed; decompress it first (gunzip -k)"). */
  csvOtherFormat: (path: string, what: string) => `${path}: ${what}`,
  csvNulByte: (path: string, line: number, offset: number) => `${path}: line ${line}: NUL byte at offset ${offset}; this is a binary file, not CSV text`,
  csvNoHeader: (path: string) => `${path}: no header line, only blank lines; expected a header of column names`,
  csvHeaderOnly: (path: string) => `${path}: line 1: header only, no data rows; expected at least one row after the header`,
  csvEmptyColumnName: (path: string, column: number) =>
    `${path}: line 1: column ${column} has an empty name${column === 1 ? ' (a row-names column? in R, write.csv(..., row.names = FALSE))' : ''}; every column needs a unique name`,
  csvDuplicateColumn: (path: string, name: string, first: number, second: number) =>
    `${path}: line 1: column name ${JSON.stringify(name)} appears twice (columns ${first} and ${second}); names must be unique`,
  csvInvalidUtf8: (path: string, line: number, byte: number, offset: number) =>
    `${path}: line ${line}: byte 0x${byte.toString(16).padStart(2, '0')} at offset ${offset} is not valid UTF-8; re-save the file as UTF-8 (is it Latin-1/Windows-1252?)`,
  csvUtf8CutShort: (path: string, line: number) => `${path}: line ${line}: the file ends inside a UTF-8 character; re-save it as UTF-8`,
  csvFieldCount: (path: string, line: number | string, expected: number | undefined, got: number | undefined) =>
    `${path}: line ${line}: expected ${expected ?? '?'} fields as in the header, got ${got ?? '?'} (an unquoted delimiter inside a field?)`,
  csvQuoteNotClosed: (path: string, line: number | string) => `${path}: line ${line}: a quoted field opened in this record is never closed (missing closing ")`,
  /** `recordStart`: the line the record began on, where a stray quote made it differ. */
  csvTextAfterQuote: (path: string, line: number | string, recordStart?: number) =>
    `${path}: line ${line}${recordStart !== undefined ? ` (in the record that starts on line ${recordStart})` : ''}: text after a closing quote; a " inside a quoted field must be doubled ("")`,
  csvQuoteInUnquotedField: (path: string, line: number | string) => `${path}: line ${line}: a quote inside an unquoted field; quote the whole field and double the inner quote`,
  csvRecordTooLong: (path: string, line: number | string) => `${path}: line ${line}: record longer than the 128000-character limit (wrong delimiter or an unclosed quote?)`,
  csvUnparsed: (path: string, line: number | string, why: string) => `${path}: line ${line}: ${why}`,
  /** A cell of an in-memory table that a read override's kind or missing markers cannot retype. */
  overrideCellNotKind: (source: string, why: string) => `${source}: ${why}`,
  arrowEmpty: (source: string) => `${source}: file is empty; expected Arrow IPC data`,
  notArrow: (source: string) => `${source}: not Arrow IPC data (no "ARROW1" file magic nor stream header); is it CSV or Feather v1?`,
  arrowCorrupt: (source: string, format: string, place: string) => `${source}: corrupt or truncated Arrow ${format}: ${place} cannot be decoded`,
  arrowNoFooter: (source: string) => `${source}: corrupt or truncated Arrow file: no footer (it does not end with the "ARROW1" magic after one)`,
  arrowNoColumns: (source: string, format: string) => `${source}: Arrow ${format} holds no columns (truncated, or schema only?)`,
  arrowTypeUnsupported: (source: string, column: string, type: string) =>
    `${source}: column "${column}" has Arrow type ${type}, which synthdiff cannot read (supported: int, float, bool, utf8, dictionary, date, timestamp)`,
  arrowBooleanLabelsMetadata: (source: string, column: string, key: string, raw: string) => `${source}: column "${column}": metadata ${key} is not a JSON pair of strings: ${raw}`,
  arrowDictionaryMissing: (source: string, column: string) => `${source}: column "${column}": a dictionary batch is missing`,
  arrowInt64Overflow: (column: string, row: number, value: number) => `column "${column}", row ${row}: integer column holds ${value}, which Arrow Int64 cannot store`,
  arrowBatchInt64Overflow: (path: string, row: number, column: string, value: number) => `${path}: row ${row}, column "${column}": integer column holds ${value}, which Arrow Int64 cannot store`,
  arrowRunsPastEnd: (path: string, format: string, what: string, offset: number, size: number) =>
    `${path}: corrupt or truncated Arrow ${format}: ${what} at byte ${offset} runs past the end of the file (${size} bytes)`,
  arrowFooterEntryNotBatch: (path: string, offset: number | undefined) => `${path}: corrupt Arrow file: a footer entry at byte ${offset} is not a record batch`,
  arrowBatchUnreadable: (path: string, batch: number, offset: number | undefined) => `${path}: corrupt Arrow file: record batch ${batch} at byte ${offset} cannot be read`,
  arrowBooleanPairUnknown: (path: string, column: string, labels: readonly string[]) =>
    `${path}: boolean column "${column}": cannot tell the label pair from ${labels.map((l) => JSON.stringify(l)).join(', ')} in the first batch`,
  arrowBooleanLabelNew: (path: string, row: number, column: string, label: string | undefined, labels: readonly string[]) =>
    `${path}: row ${row}, column "${column}": boolean label ${JSON.stringify(label)} is neither of the labels the first batch fixed (${labels.join('/')})`,
  // Reading DICOM (io/dicom/read*, pixels.ts, codecs.ts, series.ts): the file, then the tag.
  dicomCannotList: (path: string, why: string) => `${path}: cannot list DICOM input: ${why}`,
  dicomCannotReadFile: (path: string, why: string) => `${path}: cannot read file: ${why}`,
  /** dicom-parser gave up (`after`: the last element it read, as (GGGG,EEEE)). */
  dicomCorruptDataSet: (source: string, why: string, after?: string) => `${source}: truncated or corrupt data set${after ? ` after element ${after}` : ''}: ${why}`,
  dicomElementTruncated: (source: string, tag: string, declared: number, remain: number) => `${source}: truncated: element ${tag} declares ${declared} bytes but only ${remain} remain in the file`,
  dicomDeflatedNoInflate: (source: string, why: string) => `${source}: Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99) data set does not inflate: ${why}`,
  dicomNoTransferSyntaxNoElement: (source: string, position: number) =>
    `${source}: File Meta has no TransferSyntaxUID (0002,0010) and the data set at byte ${position} does not start with a readable element`,
  dicomNotDicom: (source: string, bytes: number) => `${source}: not a DICOM file: no 'DICM' marker at byte 128 and byte 0 does not start a data element (${bytes} bytes)`,
  dicomNoElements: (source: string) => `${source}: not a DICOM file: no data elements`,
  dicomTagForm: (source: string, tag: string) => `${source}: tag '${tag}' is not of the form (GGGG,EEEE)`,
  dicomNotInteger: (source: string, name: string, tag: string, value: number) => `${source}: ${name} ${tag} is ${value}; expected an integer`,
  /** A decimal string that does not parse: `what` is dicomValueNotNumeric's text (also logged as a note when the value is optional). */
  dicomValueNotNumeric: (name: string, tag: string, value: string) => `${name} ${tag} value '${value}' is not numeric`,
  dicomNotDecimal: (source: string, what: string) => `${source}: ${what}; expected a decimal number`,
  dicomNumberOfFrames: (source: string, frames: number) => `${source}: NumberOfFrames (0028,0008) is ${frames}; expected at least 1`,
  dicomPixelAttributeMissing: (source: string, name: string, tag: string) => `${source}: has Pixel Data (7FE0,0010) but no ${name} ${tag}`,
  dicomZeroSize: (source: string, rows: number, columns: number) => `${source}: Rows × Columns (0028,0010/0011) is ${rows}×${columns}; expected non-zero`,
  dicomBitsAllocated: (source: string, bits: number) => `${source}: BitsAllocated (0028,0100) is ${bits}; expected 1, 8, 16 or 32`,
  dicomBitsStored: (source: string, bitsStored: number, highBit: number, bitsAllocated: number) =>
    `${source}: BitsStored (0028,0101) ${bitsStored} / HighBit (0028,0102) ${highBit} do not fit BitsAllocated ${bitsAllocated}`,
  dicomSamplesPerPixel: (source: string, samples: number) => `${source}: SamplesPerPixel (0028,0002) is ${samples}; expected 1 or 3`,
  dicomSyntaxUnsupported: (source: string, uid: string, name: string) => `${source}: transfer syntax ${uid} (${name}) is not supported for Pixel Data`,
  dicomEncapsulatedUncompressed: (source: string, uid: string, name: string) => `${source}: Pixel Data (7FE0,0010) is encapsulated but transfer syntax ${uid} (${name}) is uncompressed`,
  dicomNeedsEncapsulated: (source: string, uid: string, name: string) => `${source}: transfer syntax ${uid} (${name}) needs encapsulated Pixel Data (7FE0,0010), found a defined length`,
  dicomPixelDataTruncated: (source: string, declared: number, remain: number) => `${source}: truncated: Pixel Data (7FE0,0010) declares ${declared} bytes but only ${remain} remain`,
  dicomPixelDataShort: (source: string, length: number, frames: number, rows: number, columns: number, samples: number, bits: number, needed: number) =>
    `${source}: Pixel Data (7FE0,0010) holds ${length} bytes; ${frames} frame(s) of ${rows}×${columns}×${samples} at ${bits} bits need ${needed}`,
  dicomFragmentNotItem: (source: string, tag: string, offset: number) => `${source}: encapsulated Pixel Data (7FE0,0010) has tag ${tag} at byte ${offset}; expected an Item (FFFE,E000)`,
  dicomFragmentTruncated: (source: string, offset: number, declared: number, remain: number) =>
    `${source}: truncated: Pixel Data (7FE0,0010) fragment at byte ${offset} declares ${declared} bytes, ${remain} remain`,
  dicomNoOffsetTableItem: (source: string) => `${source}: encapsulated Pixel Data (7FE0,0010) has no Basic Offset Table item`,
  dicomNoFragments: (source: string) => `${source}: encapsulated Pixel Data (7FE0,0010) has no fragments`,
  dicomFramesUnassignable: (source: string, fragments: number, frames: number) =>
    `${source}: encapsulated Pixel Data (7FE0,0010) has ${fragments} fragments for ${frames} frames and no usable Basic Offset Table`,
  dicomFrameUndecodable: (where: string, name: string, uid: string, why: string) => `${where}: ${name} (${uid}) frame could not be decoded: ${why}`,
  dicomRgbSamples: (source: string, samples: number) => `${source}: rgb() needs SamplesPerPixel (0028,0002) 3, found ${samples}; use modality() or display()`,
  dicomRgbBits: (source: string, bits: number) => `${source}: rgb() supports BitsAllocated up to 16, found ${bits}`,
  dicomYbr422OddColumns: (source: string, columns: number) => `${source}: YBR_FULL_422 needs an even Columns (0028,0011), found ${columns}`,
  dicomNotRgb: (source: string, photometric: string) =>
    `${source}: PhotometricInterpretation (0028,0004) '${photometric}' cannot be converted to RGB; expected RGB, YBR_FULL or YBR_FULL_422`,
  dicomNotOneSample: (source: string, accessor: string, photometric: string) =>
    `${source}: ${accessor}() needs one sample per pixel, PhotometricInterpretation (0028,0004) is '${photometric}'; use rgb()`,
  // Preparing DICOM slices for a model (io/dicom/preprocess.ts).
  dicomMosaicGrid: (where: string, images: number, rows: number, columns: number, side: number) =>
    `${where}: mosaic of ${images} images needs Rows × Columns (${rows}×${columns}) divisible into a ${side}×${side} grid`,
  dicomAllPadding: (where: string) => `${where}: every pixel is padding (PixelPaddingValue); nothing to learn from`,
  windowOrder: (low: number, high: number) => `model.window: high (${high}) must be greater than low (${low})`,
  // Writing and de-identifying DICOM (io/dicom/write.ts, deidentify.ts).
  dicomWriteNoSop: () => 'cannot write DICOM: SOP Class UID (0008,0016) and SOP Instance UID (0008,0018) are required',
  dicomSyntheticInvalid: (where: string, why: string) => `${where}: cannot write synthetic image: ${why}`,
  dicomNotComposite: (source: string) => `${source}: missing SOP Class UID (0008,0016) or SOP Instance UID (0008,0018); not a composite instance`,
  dicomCannotEncode: (source: string, why: string) => `${source}: cannot encode de-identified data set: ${why}`,
  dicomSameSopInstance: (input: string, previous: string) => `${input}: has the same SOP Instance UID as ${previous}; their de-identified copies would overwrite each other`,
  dicomIso2022: (source: string, why: string) => `${source}: Specific Character Set (0008,0005) uses ISO 2022 code extensions (${why}), which are not supported`,
  dicomCannotParse: (source: string, why: string) => `${source}: cannot parse DICOM: ${why}`,
  dicomCannotReencapsulate: (source: string, fragments: number, frames: number) =>
    `${source}: encapsulated pixel data has ${fragments} fragments for ${frames} frames and no Basic Offset Table; cannot re-encapsulate it safely`,
  /** De-identification warning: a mosaic's tile count is private and removed unless retainSafePrivate. */
  deidMosaicCountRemoved: () =>
    'ImageType is MOSAIC: its tile count (NumberOfImagesInMosaic, private (0019,xx0A) and the CSA header) is removed with the private attributes, so the output reads as one image of tiles; deid.retainSafePrivate keeps (0019,xx0A)',
  // Siemens mosaics and CSA headers (io/dicom/csa.ts, read/metadata.ts): notes, the file is still read.
  /** A MOSAIC image whose tile count is in neither the SIEMENS MR HEADER element nor the CSA image header. */
  dicomMosaicNoImageCount: () =>
    'ImageType says MOSAIC but NumberOfImagesInMosaic is missing (neither (0019,xx0A) of SIEMENS MR HEADER nor the CSA image header (0029,xx10) has it); read as one image',
  /** The CSA image header could not be read in full (`why`: one of the csa* reasons below). */
  dicomCsaHeaderUnread: (tag: string, why: string) => `Siemens CSA image header ${tag} (SIEMENS CSA HEADER): ${why}`,
  /** A SliceNormalVector that is not a direction (zero, or not 3 numbers). */
  dicomCsaSliceNormal: (values: readonly string[]) => `Siemens CSA SliceNormalVector [${values.join(', ')}] is not a direction; the normal of ImageOrientationPatient is used`,
  csaTooShort: (bytes: number) => `not read: ${bytes} bytes are too few for a CSA header`,
  csaTagCount: (tags: number, max: number) => `not read: declares ${tags} tags; expected 1 to ${max}`,
  csaTagCut: (tag: number, tags: number, offset: number, left: number) => `stops at tag ${tag} of ${tags}: byte ${offset} has ${left} bytes left, a tag needs 84; the tags before it are used`,
  csaItemCount: (name: string, items: number, max: number) => `stops at tag ${name}: declares ${items} items; expected 0 to ${max}; the tags before it are used`,
  csaItemCut: (name: string, item: number, offset: number, left: number) => `stops at tag ${name} item ${item}: byte ${offset} has ${left} bytes left, an item needs 16; the tags before it are used`,
  csaItemOverrun: (name: string, item: number, offset: number, length: number, left: number) =>
    `stops at tag ${name} item ${item}: the item at byte ${offset} declares ${length} bytes, ${left} are left after its header; the tags before it are used`,
} as const;
