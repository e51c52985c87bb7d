/**
 * What `synthdiff validate` and every run say about a spec: the verdict and the one-line error for every
 * example in pipelines/ and for a set of broken specs, one per schema keyword and spec section. The
 * expected texts were recorded from the hand-written JSON Schema before the spec moved to TypeBox
 * (src/spec/schema.ts), so they pin the emitted schema to the same behaviour, not just the same shape.
 */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../src/errors.js';
import { readSpecFile, validateSpec } from '../src/spec/parse.js';

const base = { version: 1, name: 't', source: { path: 'x.csv' } };
const out = { path: 'o.csv' };

/** The message validateSpec throws, or 'ok'. */
function verdict(raw: unknown): string {
  try {
    validateSpec(raw);
    return 'ok';
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.message;
  }
}

/** [spec, the verdict: 'ok' or the whole error message] */
const CASES: Record<string, [unknown, string]> = {
  empty: [{}, 'spec: version: is required; name: is required; source: is required'],
  notObject: [[], 'spec: (root): must be an object'],
  version2: [{ ...base, version: 2 }, 'spec: version: must be 1'],
  nameEmpty: [{ ...base, name: '' }, 'spec: name: must NOT have fewer than 1 characters'],
  seedNegative: [{ ...base, seed: -1 }, 'spec: seed: must be >= 0'],
  seedFraction: [{ ...base, seed: 1.5 }, 'spec: seed: must be a integer'],
  seedHuge: [{ ...base, seed: 2 ** 33 }, 'spec: seed: must be <= 4294967295'],
  sourcePathEmpty: [{ ...base, source: { path: '' } }, 'spec: source.path: must NOT have fewer than 1 characters'],
  sourceNoPath: [{ ...base, source: {} }, 'spec: source.path: is required'],
  sourceFormat: [{ ...base, source: { path: 'x', format: 'parquet' } }, 'spec: source.format: must be one of "csv", "arrow", "dicom", "nifti"'],
  sourceDelimiter: [{ ...base, source: { path: 'x', delimiter: '|' } }, 'spec: source.delimiter: must be one of ",", ";", "\\t"'],
  sourceMissing: [{ ...base, source: { path: 'x', missing: [1] } }, 'spec: source.missing[0]: must be a string'],
  seriesEmpty: [{ ...base, source: { path: 'x', format: 'dicom', series: {} } }, 'spec: source.series: must NOT have fewer than 1 properties'],
  seriesUidEmpty: [{ ...base, source: { path: 'x', format: 'dicom', series: { uid: [] } } }, 'spec: source.series.uid: must NOT have fewer than 1 items'],
  seriesTypo: [{ ...base, source: { path: 'x', format: 'dicom', series: { modalty: ['MR'] } } }, 'spec: source.series.modalty: unknown key (did you mean "modality"?)'],
  columnsNotObject: [{ ...base, columns: [] }, 'spec: columns: must be an object'],
  columnKind: [{ ...base, columns: { a: { kind: 'text' } } }, 'spec: columns.a.kind: must be one of "numeric", "integer", "categorical", "boolean", "datetime", "passthrough"'],
  columnTypo: [{ ...base, columns: { a: { knd: 'numeric' } } }, 'spec: columns.a.knd: unknown key (did you mean "kind"?)'],
  columnUnknownFar: [{ ...base, columns: { a: { zzzzzzzz: 1 } } }, 'spec: columns.a.zzzzzzzz: unknown key (expected one of: kind, missing, min, max, categories, drop)'],
  columnCategoriesDup: [{ ...base, columns: { a: { categories: ['x', 'x'] } } }, 'spec: columns.a.categories: must NOT have duplicate items (items ## 1 and 0 are identical)'],
  columnCategoriesEmpty: [{ ...base, columns: { a: { categories: [] } } }, 'spec: columns.a.categories: must NOT have fewer than 1 items'],
  columnMinString: [{ ...base, columns: { a: { min: '0' } } }, 'spec: columns.a.min: must be a number'],
  splitHoldoutOne: [{ ...base, split: { holdout: 1 } }, 'spec: split.holdout: must be < 1'],
  splitHoldoutNegative: [{ ...base, split: { holdout: -0.1 } }, 'spec: split.holdout: must be >= 0'],
  splitNoHoldout: [{ ...base, split: {} }, 'spec: split.holdout: is required'],
  splitGroupByEmpty: [{ ...base, split: { holdout: 0.2, groupBy: '' } }, 'spec: split.groupBy: must NOT have fewer than 1 characters'],
  modelDevice: [{ ...base, model: { device: 'tpu' } }, 'spec: model.device: must be one of "auto", "cpu", "gpu"'],
  modelBackend: [{ ...base, model: { backend: 'metal' } }, 'spec: model.backend: must be one of "tensorflow", "webgpu", "wasm", "cpu"'],
  modelThreadsZero: [{ ...base, model: { threads: 0 } }, 'spec: model.threads: must be a positive integer; model.threads: must be "all"; model.threads: must match a schema in anyOf'],
  modelThreadsWord: [{ ...base, model: { threads: 'some' } }, 'spec: model.threads: must be a positive integer; model.threads: must be "all"; model.threads: must match a schema in anyOf'],
  modelWidthZero: [{ ...base, model: { width: 0 } }, 'spec: model.width: must be a positive integer'],
  modelStepsFraction: [{ ...base, model: { steps: 2.5 } }, 'spec: model.steps: must be a positive integer'],
  modelLearningRate: [{ ...base, model: { learningRate: 0 } }, 'spec: model.learningRate: must be > 0'],
  modelSampler: [{ ...base, model: { sampler: 'ddim' } }, 'spec: model.sampler: must be one of "heun", "euler-maruyama", "edm-stochastic", "dpmpp-2m"'],
  modelImageSize: [{ ...base, model: { imageSize: 4 } }, 'spec: model.imageSize: must be >= 8'],
  modelImageSizeBig: [{ ...base, model: { imageSize: 1024 } }, 'spec: model.imageSize: must be <= 512'],
  modelWindowShort: [{ ...base, model: { window: [1] } }, 'spec: model.window: must NOT have fewer than 2 items'],
  modelWindowLong: [{ ...base, model: { window: [1, 2, 3] } }, 'spec: model.window: must NOT have more than 2 items'],
  modelCheckpointEvery: [{ ...base, model: { checkpointEvery: 0 } }, 'spec: model.checkpointEvery: must be > 0'],
  modelResumeString: [{ ...base, model: { resume: 'yes' } }, 'spec: model.resume: must be a boolean'],
  modelTypo: [{ ...base, model: { widht: 3 } }, 'spec: model.widht: unknown key (did you mean "width"?)'],
  privacyNoEpsilon: [{ ...base, model: { privacy: {} } }, 'spec: model.privacy.epsilon: is required'],
  privacyEpsilonZero: [{ ...base, model: { privacy: { epsilon: 0 } } }, 'spec: model.privacy.epsilon: must be > 0'],
  privacyDelta: [{ ...base, model: { privacy: { epsilon: 1, delta: 1 } } }, 'spec: model.privacy.delta: must be < 1'],
  privacyShare: [{ ...base, model: { privacy: { epsilon: 1, encoderShare: 0 } } }, 'spec: model.privacy.encoderShare: must be > 0'],
  tasksNotList: [{ ...base, tasks: {} }, 'spec: tasks: must be a list'],
  taskNotObject: [{ ...base, tasks: ['generate'] }, 'spec: tasks[0]: must be an object'],
  taskNoType: [{ ...base, tasks: [{ rows: 5, output: out }] }, 'spec: tasks[0].type: is required; tasks[0].type: must be one of profile, generate, impute, synthesize, deidentify'],
  taskTypeUnknown: [{ ...base, tasks: [{ type: 'explode', output: out }] }, 'spec: tasks[0].type: must be one of "profile", "generate", "impute", "synthesize", "deidentify"; tasks[0].type: must be one of profile, generate, impute, synthesize, deidentify'],
  taskTypeNumber: [{ ...base, tasks: [{ type: 3, output: out }] }, 'spec: tasks[0].type: must be one of "profile", "generate", "impute", "synthesize", "deidentify"; tasks[0].type: must be one of profile, generate, impute, synthesize, deidentify'],
  profileExtra: [{ ...base, tasks: [{ type: 'profile', output: out, rows: 3 }] }, 'spec: tasks[0].rows: unknown key (expected one of: type, output)'],
  profileNoOutput: [{ ...base, tasks: [{ type: 'profile' }] }, 'spec: tasks[0].output: is required'],
  outputNoPath: [{ ...base, tasks: [{ type: 'profile', output: {} }] }, 'spec: tasks[0].output.path: is required'],
  outputFormat: [{ ...base, tasks: [{ type: 'profile', output: { path: 'a', format: 'xlsx' } }] }, 'spec: tasks[0].output.format: must be one of "csv", "arrow", "dicom"'],
  generateRowsZero: [{ ...base, tasks: [{ type: 'generate', rows: 0, output: out }] }, 'spec: tasks[0].rows: must be a positive integer'],
  generateNoRows: [{ ...base, tasks: [{ type: 'generate', output: out }] }, 'spec: tasks[0].rows: is required'],
  generateRowz: [{ ...base, tasks: [{ type: 'generate', rowz: 5, rows: 5, output: out }] }, 'spec: tasks[0].rowz: unknown key (did you mean "rows"?)'],
  generateFixedList: [{ ...base, tasks: [{ type: 'generate', rows: 5, output: out, fixed: { a: [1] } }] }, 'spec: tasks[0].fixed.a: must be a string,number,boolean'],
  generateFixedNull: [{ ...base, tasks: [{ type: 'generate', rows: 5, output: out, fixed: { a: null } }] }, 'spec: tasks[0].fixed.a: must be a string,number,boolean'],
  generateEngine: [{ ...base, tasks: [{ type: 'generate', rows: 5, output: out, engine: 'gan' }] }, 'spec: tasks[0].engine: must be one of "auto", "diffusion", "trees", "panel"'],
  imputeDraws: [{ ...base, tasks: [{ type: 'impute', draws: 0, output: out }] }, 'spec: tasks[0].draws: must be a positive integer'],
  imputeEngine: [{ ...base, tasks: [{ type: 'impute', engine: 'mice', output: out }] }, 'spec: tasks[0].engine: must be one of "auto", "diffusion", "forest", "ridge"'],
  imputeInputEmpty: [{ ...base, tasks: [{ type: 'impute', input: '', output: out }] }, 'spec: tasks[0].input: must NOT have fewer than 1 characters'],
  imputeIntervals: [{ ...base, tasks: [{ type: 'impute', output: out, intervals: 'i.csv' }] }, 'spec: tasks[0].intervals: must be an object'],
  imputeCompleted: [{ ...base, tasks: [{ type: 'impute', output: out, completed: { path: '' } }] }, 'spec: tasks[0].completed.path: must NOT have fewer than 1 characters'],
  synthesizeCount: [{ ...base, tasks: [{ type: 'synthesize', count: 0, output: out }] }, 'spec: tasks[0].count: must be a positive integer'],
  synthesizeNoCount: [{ ...base, tasks: [{ type: 'synthesize', output: out }] }, 'spec: tasks[0].count: is required'],
  deidSecretBoth: [{ ...base, tasks: [{ type: 'deidentify', output: out, secret: { env: 'A', file: 'b' } }] }, 'spec: tasks[0].secret: must NOT have more than 1 properties'],
  deidSecretEmpty: [{ ...base, tasks: [{ type: 'deidentify', output: out, secret: {} }] }, 'spec: tasks[0].secret: must NOT have fewer than 1 properties'],
  deidSecretTypo: [{ ...base, tasks: [{ type: 'deidentify', output: out, secret: { environment: 'A' } }] }, 'spec: tasks[0].secret.environment: unknown key (expected one of: env, file)'],
  deidTemporalTrue: [{ ...base, tasks: [{ type: 'deidentify', output: out, options: { retainLongitudinalTemporal: true } }] }, 'spec: tasks[0].options.retainLongitudinalTemporal: must be one of false, "full", "shift"'],
  deidOptionTypo: [{ ...base, tasks: [{ type: 'deidentify', output: out, options: { retainUID: true } }] }, 'spec: tasks[0].options.retainUID: unknown key (did you mean "retainUids"?)'],
  deidLayout: [{ ...base, tasks: [{ type: 'deidentify', output: out, layout: 'nested' }] }, 'spec: tasks[0].layout: must be one of "flat", "patient/study/series"'],
  deidAudit: [{ ...base, tasks: [{ type: 'deidentify', output: out, audit: {} }] }, 'spec: tasks[0].audit.path: is required'],
  evaluateFraction: [{ ...base, evaluate: { imputation: { fraction: 0 } } }, 'spec: evaluate.imputation.fraction: must be > 0'],
  evaluateMechanism: [{ ...base, evaluate: { imputation: { fraction: 0.1, mechanism: 'mnar' } } }, 'spec: evaluate.imputation.mechanism: must be one of "mcar", "mar"'],
  evaluateEfficacy: [{ ...base, evaluate: { efficacy: {} } }, 'spec: evaluate.efficacy.target: is required'],
  evaluateFlag: [{ ...base, evaluate: { fidelity: 'yes' } }, 'spec: evaluate.fidelity: must be a boolean'],
  evaluateTypo: [{ ...base, evaluate: { privcy: true } }, 'spec: evaluate.privcy: unknown key (did you mean "privacy"?)'],
  reportNoDir: [{ ...base, report: {} }, 'spec: report.dir: is required'],
  reportRecords: [{ ...base, report: { dir: 'r', records: 'no' } }, 'spec: report.records: must be a boolean'],
  outputDirEmpty: [{ ...base, outputDir: '' }, 'spec: outputDir: must NOT have fewer than 1 characters'],
  outputsAnywhere: [{ ...base, outputsAnywhere: 'yes' }, 'spec: outputsAnywhere: must be a boolean'],
  rootTypo: [{ ...base, modle: {} }, 'spec: modle: unknown key (did you mean "model"?)'],
  many: [{ version: 1, name: '', source: { path: 'x', format: 'tsv' }, split: { holdout: 2 }, tasks: [{ type: 'generate', rows: -1, output: out }, { type: 'impute', draws: 1.5 }] }, 'spec: name: must NOT have fewer than 1 characters; source.format: must be one of "csv", "arrow", "dicom", "nifti"; split.holdout: must be < 1; tasks[0].rows: must be a positive integer; tasks[1].output: is required; tasks[1].draws: must be a positive integer'],
  okMinimal: [base, 'ok'],
  okThreadsAll: [{ ...base, model: { threads: 'all', window: [0, 1], privacy: { epsilon: 1, delta: 1e-5 } } }, 'ok'],
  okEveryTask: [{
    ...base,
    seed: 4294967295,
    columns: { a: { kind: 'passthrough' }, b: { kind: 'numeric', min: 0, max: 1, missing: ['NA'], categories: ['x'], drop: false } },
    split: { holdout: 0, groupBy: 'id' },
    tasks: [
      { type: 'profile', output: { path: 'p.csv', format: 'csv' } },
      { type: 'generate', rows: 5, fixed: { a: 'x', b: 1, c: true }, engine: 'trees', output: out },
      { type: 'impute', draws: 5, input: 'in.csv', engine: 'forest', output: out, intervals: { path: 'i.csv' }, completed: { path: 'c.csv' } },
      { type: 'synthesize', count: 3, output: { path: 'd', format: 'dicom' } },
      { type: 'deidentify', output: { path: 'd2' }, options: { retainLongitudinalTemporal: false, retainUids: true }, secret: { env: 'S' }, audit: { path: 'a.json' }, uidMap: { path: 'u.csv' }, layout: 'patient/study/series' },
    ],
    evaluate: { fidelity: true, detection: false, privacy: true, outliers: true, imputation: { fraction: 0.1, mechanism: 'mar' }, efficacy: { target: 'a' }, memorization: false },
    report: { dir: 'r', html: false, records: false },
    outputDir: 'out',
    outputsAnywhere: true,
  }, 'ok'],
  okDicomSeries: [{ ...base, source: { path: 'x', format: 'dicom', series: { uid: ['1.2'], modality: ['MR'], description: 't1' } }, model: { imageSize: 8, flip: true } }, 'ok'],
  okNifti: [{ ...base, source: { path: 'brain.nii.gz', format: 'nifti' }, model: { imageSize: 8 } }, 'ok'],
};

describe('spec validation verdicts', () => {
  it('accepts every example in pipelines/', async () => {
    const files = (await readdir('pipelines')).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) await expect(readSpecFile(`pipelines/${f}`), f).resolves.toMatchObject({ version: 1 });
  });
  for (const [name, [spec, expected]] of Object.entries(CASES)) {
    it(name, () => expect(verdict(spec)).toBe(expected));
  }
});
