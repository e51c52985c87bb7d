/**
 * The evaluation section of report.json. Every metric carries the name of its definition (SDMetrics,
 * synthcity, …) so numbers compare with published ones; plots are rendered from the data kept here.
 */
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

export interface OutlierRecord {
  row: number;
  score: number;
  values: Record<string, string | number | null>;
}

export interface OutlierReport {
  method: string;
  summary: { real: ScoreSummary; synthetic?: ScoreSummary };
  topReal: OutlierRecord[];
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
  detection?: DetectionReport;
  precisionRecall?: { alphaPrecision: number; betaRecall: number; definition: string };
  efficacy?: EfficacyReport;
  privacy?: PrivacyReport;
  outliers?: OutlierReport;
  imputation?: ImputationReport;
  /** Evaluations skipped and why (e.g. privacy without a holdout split). */
  skipped?: Record<string, string>;
}
