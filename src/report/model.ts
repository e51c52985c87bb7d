/**
 * The report contract: every shape synthdiff writes as a report (report.json of table and image runs,
 * the shard task list, merge.json, and `synthdiff evaluate`'s report), in one module that producers
 * (run/, stats/) and renderers (report/html) both import and that imports neither.
 *
 * Evaluation sections: every metric carries the name of its definition (SDMetrics,
 * synthcity, …) so numbers compare with published ones; plots are rendered from the data kept here.
 */
import type { BackendInfo } from '../backend/index.js';
import type { IntensityHistogram } from '../evaluate/image-fidelity.js';
import type { ImageDetectionResult } from '../evaluate/image-detection.js';
import type { KidResult } from '../evaluate/image-kid.js';
import type { CnnDetectionResult, CnnKidResult } from '../evaluate/image-cnn.js';
import type { MsSsimDiversity } from '../evaluate/image-msssim.js';
import type { MemorizationResult } from '../evaluate/memorization.js';
import type { ImputedColumn } from '../evaluate/imputed.js';
import type { ValidityResult } from '../evaluate/validity.js';
import type { TableSchema } from '../table/infer.js';

export interface ScoreWithDefinition {
  score: number;
  /** e.g. "SDMetrics ColumnShapes (KSComplement/TVComplement)". */
  definition: string;
}

export interface ColumnDistribution {
  column: string;
  kind: string;
  /** Numeric/datetime: histogram over shared bin edges; categorical: counts per category. */
  edges?: number[];
  categories?: string[];
  /** `log`: the edges are equal-width in log10 (a skewed positive column) and the x axis is logarithmic. */
  scale?: 'log';
  real: number[];
  synthetic: number[];
}

export interface FidelityReport {
  shapes: ScoreWithDefinition & { columns: { column: string; kind: string; metric: string; score: number }[] };
  /** `realBinsScore`: the same with continuous columns binned on the real table's edges for both tables, a stricter variant robust to range shifts. */
  trends: ScoreWithDefinition & { realBinsScore?: number; pairs: { a: string; b: string; metric: string; score: number; real?: number; synthetic?: number }[] };
  quality: number;
  /** Pairwise association matrices (Pearson for continuous pairs, Cramér's V otherwise) real vs synthetic. */
  correlation?: { columns: string[]; real: (number | null)[][]; synthetic: (number | null)[][] };
  distributions: ColumnDistribution[];
  /** The same scores with the holdout standing in for synthetic data: the best a generator can expect. */
  holdoutBaseline?: { shapes: number; trends: number };
}

/** Range, category and dependent-column adherence of the synthetic table (evaluate/validity.ts); shares are null where no value was observed. */
export interface ValidityReport extends ValidityResult {
  definition: string;
}

/** Impute runs: the values filled into the data's own holes beside the observed values, per column (evaluate/imputed.ts). */
export interface ImputedReport {
  definition: string;
  /** The impute task's output file. */
  output?: string;
  columns: ImputedColumn[];
}

export interface DetectionReport extends ScoreWithDefinition {
  auc: number;
  folds: number;
  rowsPerClass: number;
  model: string;
  holdoutBaseline?: { auc: number; score: number };
}

export interface PrivacyReport {
  definition: string;
  dcrShare: number;
  exactCopyRate: number;
  holdoutExactCopyRate: number;
  medianDcrTrain: number;
  medianDcrHoldout: number;
  nndrMedian?: number;
  membershipAuc?: number;
  /** Histogram of synthetic rows' distance to the closest train record vs to the closest holdout record. */
  dcrHistogram: { edges: number[]; train: number[]; holdout: number[] };
}

/** `synthdiff evaluate --fail-on`: the thresholds, which were exceeded, and the verdict. */
export interface PrivacyGate {
  thresholds: Record<string, number>;
  breaches: { metric: string; label: string; value: number; threshold: number }[];
  passed: boolean;
}

export interface OutlierRecord {
  row: number;
  score: number;
  values: Record<string, string | number | null>;
}

export interface OutlierReport {
  method: string;
  summary: { real: ScoreSummary; synthetic?: ScoreSummary };
  topReal: OutlierRecord[];
  /** `report.records: false` / `--no-records`: `topReal` is left empty on purpose. */
  realRecordsWithheld?: boolean;
  topSynthetic?: OutlierRecord[];
  /** Shared histogram of scores for real and synthetic rows. */
  histogram: { edges: number[]; real: number[]; synthetic?: number[] };
}

export interface ScoreSummary {
  mean: number;
  quantiles: Record<string, number>;
}

export interface ImputationColumnReport {
  column: string;
  kind: string;
  hidden: number;
  /** RMSE on standardized values for numeric columns, accuracy for categorical. */
  metric: 'rmse' | 'accuracy';
  ours: number;
  baselines: Record<string, number>;
  coverage?: number;
}

export interface ImputationReport {
  mechanism: string;
  fraction: number;
  hiddenCells: number;
  draws: number;
  overall: { rmse: Record<string, number>; mae: Record<string, number>; accuracy: Record<string, number>; coverage90?: number; coverage90Calibrated?: number };
  columns: ImputationColumnReport[];
}

export interface EfficacyReport {
  target: string;
  task: 'classification' | 'regression';
  metric: string;
  trainOnReal: number;
  trainOnSynthetic: number;
  ratio: number;
}

export interface EvaluationReport {
  fidelity?: FidelityReport;
  validity?: ValidityReport;
  detection?: DetectionReport;
  precisionRecall?: { alphaPrecision: number; betaRecall: number; definition: string };
  efficacy?: EfficacyReport;
  privacy?: PrivacyReport;
  outliers?: OutlierReport;
  imputation?: ImputationReport;
  imputed?: ImputedReport;
  /** `--fail-on`: the privacy gate's verdict (report.html shows it as a banner). */
  gate?: PrivacyGate;
  /** Evaluations skipped and why (e.g. privacy without a holdout split). */
  skipped?: Record<string, string>;
}

// ── Run reports (report.json): what every table and image run writes ─────────────────────────────────

/** What every run report opens with, table or image: which spec, seed, code and backend produced it. */
export interface RunHeader {
  synthdiff: string;
  name: string;
  specFile?: string;
  specHash: string;
  seed: number;
  startedAt: string;
  backend?: BackendInfo;
  versions: Record<string, string>;
  timings: Record<string, number>;
  model?: Record<string, unknown>;
}

export interface TaskReport {
  type: string;
  output: string;
  rows: number;
  seconds: number;
  [k: string]: unknown;
}

export interface RunReport extends RunHeader {
  data: {
    source: string;
    rows: number;
    columns: number;
    dropped: string[];
    trainRows: number;
    holdoutRows: number;
    missingCells: number;
    schema: TableSchema;
    /** Streamed sources (`model.trainRows`): the sample sizes the model and the evaluation saw. */
    sample?: { trainRows: number; holdoutRows: number; method: string };
  };
  model?: Record<string, unknown>;
  /** Which engine each generate task ran and why (the CART leaf's validation figures). */
  generator?: Record<string, unknown>;
  tasks: TaskReport[];
  evaluation?: EvaluationReport;
}

// ── Image runs ──────────────────────────────────────────────────────────────────────────────────────

/*
 * The `images` section of an image pipeline's report.json: what the HTML report shows for DICOM runs.
 * Thumbnails are small 8-bit grayscale PNGs (base64, no `data:` prefix), each displayed with the same
 * intensity window (the model's), so real and synthetic brightness compare directly.
 */

/** One labelled thumbnail; the shape `imageGrid` in report/svg.ts takes. */
export interface ImageThumb {
  label: string;
  pngBase64: string;
}

export interface ImageReport {
  modality: string;
  /** Training resolution (square). */
  imageSize: number;
  /** Intensity window [low, high] in modality units mapped to the model's [−1, 1], and where it came from. */
  window: [number, number];
  windowSource: 'spec' | 'percentiles';
  /**
   * How synthetic intensities were calibrated: mapped onto the training pixels' quantiles, the floor share
   * given to the lowest 3×3 box means (matchIntensities), or left as drawn (a checkpoint from before).
   */
  intensityMatch: 'training quantiles, floor by 3×3 box means' | 'none';
  slices: { total: number; train: number; holdout: number };
  grid: {
    /** Training slices at model resolution. */
    real: ImageThumb[];
    /** Synthetic slices, labelled with their index and the NCC to their nearest training slice. */
    synthetic: ImageThumb[];
    /** For each synthetic thumbnail, its nearest training slice (mirrored when that matched better). */
    nearestTraining: ImageThumb[];
    /** All of the above in one picture: real row(s) on top, synthetic below. */
    overview: ImageThumb;
  };
  histogram: IntensityHistogram;
  diversity: { definition: string; synthetic: number; real: number };
  /** Classifier two-sample test against the training slices: synthetic, and held-out real as the baseline (≥ 3 slices each). */
  detection?: { synthetic: ImageDetectionResult; heldOutReal?: ImageDetectionResult };
  /** KID (evaluate/image-kid.ts) of synthetic and of held-out real slices, each against the training slices. */
  kid?: { synthetic: KidResult; heldOutReal?: KidResult };
  /** The C2ST with a small CNN per fold (evaluate/image-cnn.ts), against the training slices as `detection` is. */
  cnnDetection?: { synthetic: CnnDetectionResult; heldOutReal?: CnnDetectionResult };
  /** KID on the features of a CNN trained on the training slices (evaluate/image-cnn.ts), as `kid` is reported. */
  cnnKid?: { synthetic: CnnKidResult; heldOutReal?: CnnKidResult };
  /** Mean pairwise MS-SSIM (evaluate/image-msssim.ts) within synthetic, held-out real and training slices (≥ 2 each). */
  msSsim?: { synthetic: MsSsimDiversity; heldOutReal?: MsSsimDiversity; train?: MsSsimDiversity };
  memorization: MemorizationResult;
  /** Whether the synthetic DICOM was written. */
  export: { blocked: boolean; reason?: string };
}

export interface ImageTaskReport {
  type: 'synthesize' | 'deidentify';
  output: string;
  /** Files written (0 when export was blocked). */
  files: number;
  seconds: number;
  [k: string]: unknown;
}

export interface ImageRunReport extends RunHeader {
  kind: 'image';
  data: { source: string; series: number; files: number; modality: string; sourceRows: number; sourceColumns: number; slices: number; trainSlices: number; holdoutSlices: number; skippedFiles: number };
  model?: Record<string, unknown>;
  tasks: ImageTaskReport[];
  images?: ImageReport;
}

// ── Sharded runs and merge (merge.json) ────────────────────────────────────────────────────────────

export interface ShardTaskReport {
  task: number;
  type: 'generate' | 'impute';
  output: string;
  rows: number;
  /** True when a finished part was found and kept. */
  skipped: boolean;
  seconds: number;
}

export type ColumnSummary =
  | {
      name: string;
      kind: 'continuous';
      n: number;
      missing: number;
      /** null where undefined (no observed cells; sd needs two). */
      mean: number | null;
      /** Sample standard deviation (n − 1). */
      sd: number | null;
      min: number | null;
      max: number | null;
      histogram: { edges: number[]; counts: number[]; frequencies: number[] };
    }
  | { name: string; kind: 'categorical'; n: number; missing: number; frequencies: Record<string, number> };

export interface StatsSummary {
  rows: number;
  columns: ColumnSummary[];
  /** Pearson's r for every pair of continuous columns, over rows where both are observed. */
  correlations: { a: string; b: string; n: number; pearson: number | null }[];
}

/** A FidelityReport (so report.html's fidelity views render it) with what only merged statistics have. */
export interface MergedFidelity extends FidelityReport {
  definition: string;
  shapes: Omit<FidelityReport['shapes'], 'columns'> & {
    /** Every column's score lies in its `range`; the mean score lies in this. */
    range: [number, number];
    columns: { column: string; kind: string; metric: 'KSComplement' | 'TVComplement'; score: number; range?: [number, number] }[];
  };
  trends: Omit<FidelityReport['trends'], 'pairs'> & {
    binning: 'real';
    pairs: { a: string; b: string; metric: 'CorrelationSimilarity' | 'ContingencySimilarity'; score: number; real?: number; synthetic?: number }[];
    /** Pairs the statistics do not count (a categorical column with too many labels). */
    skipped: number;
  };
}

export interface MergedOutput {
  task: number;
  type: 'generate' | 'impute';
  output: string;
  intervals?: string;
  shards: number;
  rows: number;
  /** `<stem>.stats.json`: merged mergeable statistics and their summary. */
  statsFile: string;
  summary: StatsSummary;
  /** Generate tasks with reference statistics beside the checkpoint: the fidelity report from merged statistics. */
  fidelity?: MergedFidelity;
  /** Why `fidelity` is absent for a generate task. */
  fidelityNote?: string;
  /** Generate tasks whose shards measured privacy (`evaluate.privacy` with a holdout): merged from their sums. */
  privacy?: PrivacyReport;
}

/** merge.json: what `synthdiff merge <spec>` writes into the spec's report folder. */
export interface MergeReport {
  synthdiff: 'merge';
  name: string;
  specHash: string;
  mergedAt: string;
  outputs: MergedOutput[];
}
