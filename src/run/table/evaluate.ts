import { blendImpute, validationCells, type ChainedFills } from '../../impute/blend.js';
import type { ImputeEngine } from '../../impute/engine-name.js';
import type { TabularDiffusion } from '../../diffusion/tabular.js';
import type { SamplerName } from '../../diffusion/sampler-name.js';
import { denoisingScores } from '../../diffusion/tabular.js';
import { columnPairTrends, qualityScore } from '../../evaluate/fidelity.js';
import { detectionC2ST, concatRows } from '../../evaluate/detection.js';
import { dcr } from '../../evaluate/privacy.js';
import { hideCells, imputationErrors, intervalCoverage, knnImpute, meanModeImpute, type HiddenCells } from '../../evaluate/imputation.js';
import { isolationForestScores, topK, scoreSummary } from '../../evaluate/outliers.js';
import { mlEfficacy } from '../../evaluate/efficacy.js';
import { alphaPrecisionBetaRecall } from '../../evaluate/precision-recall.js';
import { imputedVsObserved } from '../../evaluate/imputed.js';
import { validity } from '../../evaluate/validity.js';
import { histogram, isSkewedPositive, logHistogram } from '../../evaluate/stats.js';
import type { Logger } from '../../report/log.js';
import type { ColumnDistribution, EvaluationReport, FidelityReport, ImputedReport, OutlierRecord, ValidityReport } from '../../report/model.js';
import { deriveSeed } from '../../rng.js';
import type { EvaluateSpec } from '../../spec/types.js';
import { cellValue, isCategorical, takeRows, type Table } from '../../table/table.js';
import { cellIntervals } from './intervals.js';

export interface EvaluateInput {
  train: Table;
  holdout?: Table;
  synthetic?: Table;
  model?: TabularDiffusion;
  seed: number;
  sampling?: { sampler?: SamplerName; steps?: number };
  /** The engine imputation accuracy grades (the spec's impute task's; default `auto`). */
  imputeEngine?: ImputeEngine;
  /** false: the outlier section names no real row (`report.records: false`, `--no-records`). */
  records?: boolean;
  /** An impute task's table with its real holes and the table it wrote: shown as imputed vs observed values. */
  imputed?: { input: Table; completed: Table; output?: string };
  /** Imputation accuracy's cells and its blend's chained fills, started before the model trained (run.ts). */
  imputationFills?: { setup: ImputationEvalSetup; fills: ChainedFills };
}

/** What imputation accuracy hides and the table its blend imputes: the same for given tables, spec and seed. */
export interface ImputationEvalSetup {
  /** The rows graded: the holdout, or without one the training rows. */
  target: Table;
  masked: Table;
  hidden: HiddenCells;
  /** The training rows stacked above the masked rows (the model trained on them), or the masked rows alone. */
  stacked: Table;
  /** The blend's seed, and its validation cells (from the masked rows only). */
  seed: number;
  validation: number[][];
}

export function imputationEvalSetup(spec: NonNullable<EvaluateSpec['imputation']>, train: Table, holdout: Table | undefined, seed: number): ImputationEvalSetup {
  // Score on held-out rows the model never trained on; without a holdout, on the training rows (optimistic).
  const target = holdout ?? train;
  const { masked, hidden } = hideCells(target, spec.fraction, deriveSeed(seed, 'hide'), spec.mechanism ?? 'mcar');
  // Baselines and the blend's chained engines see the training rows too (stacked above the masked rows), as the model did.
  const stacked = holdout ? concatRows(train, masked) : masked;
  const blendSeed = deriveSeed(seed, 'impute-eval');
  // Validation cells only from the masked rows: the model trained on the rows stacked above them.
  return { target, masked, hidden, stacked, seed: blendSeed, validation: validationCells(stacked, blendSeed, 0.1, holdout ? train.nRows : 0) };
}

const round = (x: number, d = 4): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

/** Run the evaluations the spec asks for; each one that cannot run says why under `skipped`. */
export async function evaluateTables(ev: EvaluateSpec, input: EvaluateInput, log: Logger): Promise<EvaluationReport> {
  const { train, holdout, synthetic, model, seed } = input;
  const out: EvaluationReport = {};
  const skipped: Record<string, string> = {};
  const needSynthetic = (what: string): boolean => {
    if (!synthetic) skipped[what] = 'no synthetic table (add a generate task or a model)';
    return Boolean(synthetic);
  };
  if (ev.fidelity && needSynthetic('fidelity')) {
    log.info('evaluate: fidelity (column shapes, column-pair trends)');
    out.fidelity = fidelity(train, synthetic!, holdout);
  }
  if (synthetic) {
    log.info('evaluate: validity (real ranges, real labels, combinations of dependent columns)');
    out.validity = validityReport(train, synthetic);
  }
  if (ev.detection && needSynthetic('detection')) {
    log.info('evaluate: detection (random-forest C2ST, 3-fold)');
    const d = detectionC2ST(train, synthetic!, { seed: deriveSeed(seed, 'detection') });
    const base = holdout && holdout.nRows >= 3 ? detectionC2ST(train, holdout, { seed: deriveSeed(seed, 'detection') }) : undefined;
    out.detection = {
      score: round(d.score),
      auc: round(d.auc),
      definition: 'C2ST detection as SDMetrics DetectionMetric: 1 − mean over folds of (max(AUC, 0.5)·2 − 1)',
      folds: d.settings.folds,
      rowsPerClass: d.rowsPerClass,
      model: `random forest (${d.settings.nTrees} trees, depth ≤ ${d.settings.maxDepth})`,
      ...(base ? { holdoutBaseline: { auc: round(base.auc), score: round(base.score) } } : {}),
    };
    try {
      const pr = alphaPrecisionBetaRecall(train, synthetic!, { seed: deriveSeed(seed, 'alpha') });
      out.precisionRecall = { alphaPrecision: round(pr.alphaPrecision), betaRecall: round(pr.betaRecall), definition: 'synthcity naive α-precision / β-recall (delta_precision_alpha_naive, delta_coverage_beta_naive)' };
    } catch (e) {
      skipped.precisionRecall = (e as Error).message;
    }
  }
  if (ev.efficacy && needSynthetic('efficacy')) {
    if (!holdout) skipped.efficacy = 'needs a holdout split (split.holdout > 0)';
    else {
      log.info(`evaluate: ML efficacy on "${ev.efficacy.target}"`);
      const e = mlEfficacy(train, synthetic!, holdout, ev.efficacy.target, { seed: deriveSeed(seed, 'efficacy') });
      const metric = e.task === 'classification' ? 'macroF1' : 'r2';
      const real = e.task === 'classification' ? e.real.macroF1 : e.real.r2;
      const syn = e.task === 'classification' ? e.synthetic.macroF1 : e.synthetic.r2;
      out.efficacy = { target: e.target, task: e.task, metric: e.task === 'classification' ? 'macro F1 (random forest)' : 'R² (random forest)', trainOnReal: round(real), trainOnSynthetic: round(syn), ratio: round(e.ratio[metric as keyof typeof e.ratio] as number) };
    }
  }
  if (ev.privacy && needSynthetic('privacy')) {
    if (!holdout) skipped.privacy = 'needs a holdout split (split.holdout > 0) to compare distances against';
    else {
      log.info('evaluate: privacy (DCR vs train and holdout)');
      const p = dcr(synthetic!, train, holdout, { seed: deriveSeed(seed, 'dcr') });
      out.privacy = {
        definition: 'Gower distance (numeric |Δ|/range capped at 1, categorical 0/1); DCR share = share of synthetic rows closer to train than to an equal-size holdout (ties ½)',
        dcrShare: round(p.dcrShare),
        exactCopyRate: round(p.exactCopyRate),
        holdoutExactCopyRate: round(p.holdoutExactCopyRate),
        medianDcrTrain: round(p.summary.dcrTrain.quantiles.p50, 5),
        medianDcrHoldout: round(p.summary.dcrHoldout.quantiles.p50, 5),
        nndrMedian: round(p.summary.nndr.quantiles.p50),
        membershipAuc: round(p.membershipAuc),
        dcrHistogram: p.histogram,
      };
    }
  }
  if (ev.outliers) {
    const real = holdout ?? train;
    const tables = synthetic ? [real, synthetic] : [real];
    let scores: Float64Array[];
    let method: string;
    if (model) {
      log.info('evaluate: outlier scores (diffusion denoising error)');
      scores = await denoisingScores(model, tables, { reference: train, seed: deriveSeed(seed, 'outliers') });
      method = 'diffusion denoising error averaged over σ ∈ {0.05…1.6}, per level ÷ training median (DTE-style); 1 = typical';
    } else {
      log.info('evaluate: outlier scores (Isolation Forest)');
      scores = isolationForestScores(train, tables, { seed: deriveSeed(seed, 'iforest') });
      method = 'Isolation Forest (Liu et al. 2008; 100 trees, 256 samples) anomaly score in [0, 1]';
    }
    const hi = Math.max(...scores.map((s) => quantileOf(s, 0.99)));
    const lo = Math.min(...scores.map((s) => Math.min(...s)));
    const hr = histogram(scores[0]!, 30, lo, hi);
    const top = (t: Table, s: Float64Array): OutlierRecord[] => Array.from(topK(s, 10), (i) => ({ row: i + 1, score: round(s[i]!), values: rowValues(t, i) }));
    const summ = (s: Float64Array) => {
      const x = scoreSummary(s);
      return { mean: round(x.mean), quantiles: Object.fromEntries(Object.entries(x.quantiles).map(([k, v]) => [k, round(v)])) };
    };
    out.outliers = {
      method,
      summary: { real: summ(scores[0]!), ...(scores[1] ? { synthetic: summ(scores[1]) } : {}) },
      // Real records stay out of the report when asked: the scores' summary and histogram remain.
      ...(input.records === false ? { topReal: [], realRecordsWithheld: true } : { topReal: top(real, scores[0]!) }),
      ...(scores[1] ? { topSynthetic: top(synthetic!, scores[1]) } : {}),
      histogram: { edges: hr.edges, real: hr.counts, ...(scores[1] ? { synthetic: histogram(scores[1], 30, lo, hi).counts } : {}) },
    };
  }
  if (ev.imputation) {
    if (!model) skipped.imputation = 'needs a model (imputation accuracy hides cells and imputes them)';
    else out.imputation = await imputationAccuracy(ev.imputation, input, log);
  }
  if (input.imputed) {
    log.info('evaluate: imputed vs observed values in the real holes');
    out.imputed = imputedReport(input.imputed.input, input.imputed.completed, input.imputed.output);
  }
  if (Object.keys(skipped).length) out.skipped = skipped;
  return out;
}

function quantileOf(s: Float64Array, p: number): number {
  const x = Float64Array.from(s).sort();
  return x[Math.min(x.length - 1, Math.floor(p * (x.length - 1)))]!;
}

function rowValues(t: Table, i: number): Record<string, string | number | null> {
  return Object.fromEntries(t.columns.map((c) => [c.name, cellValue(c, i)]));
}

export function fidelity(real: Table, synthetic: Table, holdout?: Table): FidelityReport {
  const q = qualityScore(real, synthetic);
  const assoc = q.columnPairTrends.association;
  const n = assoc.columns.length;
  const matrix = (m: Float64Array) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (Number.isFinite(m[i * n + j]!) ? round(m[i * n + j]!, 3) : null)));
  const base = holdout ? qualityScore(real, holdout) : undefined;
  const realBins = columnPairTrends(real, synthetic, { binning: 'real' }).score;
  return {
    shapes: { score: round(q.columnShapes.score), definition: 'SDMetrics ColumnShapes: KSComplement (continuous), TVComplement (categorical)', columns: q.columnShapes.columns.map((c) => ({ column: c.column, kind: real.columns.find((x) => x.name === c.column)!.kind, metric: c.metric, score: round(c.score) })) },
    trends: {
      score: round(q.columnPairTrends.score),
      definition: 'SDMetrics ColumnPairTrends over all pairs: CorrelationSimilarity (Pearson) for two continuous columns, ContingencySimilarity otherwise (continuous binned into 10 equal-width bins per table, as SDMetrics does)',
      realBinsScore: round(realBins),
      pairs: q.columnPairTrends.pairs.map((p) => ({ a: p.column1, b: p.column2, metric: p.metric, score: round(p.score), ...(Number.isFinite(p.realCorrelation) ? { real: round(p.realCorrelation, 3), synthetic: round(p.syntheticCorrelation, 3) } : {}) })),
    },
    quality: round(q.score),
    correlation: { columns: [...assoc.columns], real: matrix(assoc.real), synthetic: matrix(assoc.synthetic) },
    distributions: real.columns.map((c, j) => distribution(c, synthetic.columns[j]!)),
    ...(base ? { holdoutBaseline: { shapes: round(base.columnShapes.score), trends: round(base.columnPairTrends.score) } } : {}),
  };
}

/** evaluate/imputed.ts, similarities rounded for the report. */
export function imputedReport(input: Table, completed: Table, output?: string): ImputedReport {
  return {
    definition: 'Per column with missing cells: values filled into the holes beside the observed values (shares of each), and their KSComplement / TVComplement; under MAR a difference can be right',
    ...(output ? { output } : {}),
    columns: imputedVsObserved(input, completed).map((c) => ({ ...c, similarity: round(c.similarity) })),
  };
}

/** evaluate/validity.ts against the training table, shares rounded for the report. */
export function validityReport(real: Table, synthetic: Table): ValidityReport {
  const v = validity(real, synthetic);
  return {
    definition: 'Share of synthetic values inside the real [min, max] (SDMetrics BoundaryAdherence), of synthetic labels the real column shows (SDMetrics CategoryAdherence), and synthetic rows pairing levels of functionally dependent columns (A → B in the real table) as the real table never does',
    ...v,
    ranges: v.ranges.map((r) => ({ ...r, share: round(r.share) })),
    categories: v.categories.map((c) => ({ ...c, share: round(c.share) })),
    unseenCombinationShare: round(v.unseenCombinationShare),
  };
}

function distribution(r: Table['columns'][number], s: Table['columns'][number]): ColumnDistribution {
  if (isCategorical(r) && isCategorical(s)) {
    const K = r.categories.length;
    const count = (codes: Int32Array) => {
      const c = new Array<number>(K).fill(0);
      for (const k of codes) if (k >= 0 && k < K) c[k]!++;
      return c;
    };
    return { column: r.name, kind: r.kind, categories: [...r.categories], real: count(r.codes), synthetic: count(s.codes) };
  }
  const rv = (r as { values: Float64Array }).values, sv = (s as { values: Float64Array }).values;
  let lo = Infinity, hi = -Infinity;
  for (const v of rv) if (Number.isFinite(v)) (lo = Math.min(lo, v), hi = Math.max(hi, v));
  if (r.kind !== 'datetime' && hi > lo && isSkewedPositive(rv)) {
    const lr = logHistogram(rv, 30, lo, hi);
    return { column: r.name, kind: r.kind, scale: 'log', edges: lr.edges, real: lr.counts, synthetic: logHistogram(sv, 30, lo, hi).counts };
  }
  const hr = histogram(rv, 30, lo, hi);
  return { column: r.name, kind: r.kind, edges: hr.edges, real: hr.counts, synthetic: histogram(sv, 30, lo, hi).counts };
}

async function imputationAccuracy(spec: NonNullable<EvaluateSpec['imputation']>, input: EvaluateInput, log: Logger) {
  const model = input.model!;
  const pre = input.imputationFills;
  const { target, masked, hidden, stacked, seed: blendSeed, validation } = pre?.setup ?? imputationEvalSetup(spec, input.train, input.holdout, input.seed);
  const mechanism = spec.mechanism ?? 'mcar';
  log.info(`evaluate: imputation accuracy (${hidden.rows.length} cells hidden ${mechanism.toUpperCase()} at ${spec.fraction} from ${input.holdout ? 'the holdout' : 'the training rows'})`);
  const draws = 10;
  const engine = input.imputeEngine ?? 'auto';
  const tail = (t: Table): Table => (input.holdout ? takeRows(t, Int32Array.from({ length: masked.nRows }, (_, i) => input.train.nRows + i)) : t);
  let filled: Table[];
  let point: Table;
  if (engine === 'diffusion') {
    filled = await model.complete(masked, { draws, seed: blendSeed, ...input.sampling });
    point = cellIntervals(masked, filled).point;
  } else {
    const r = await blendImpute(stacked, { seed: blendSeed, trained: model, engines: engine, draws, validation, ...(pre ? { fills: pre.fills } : {}), sampler: input.sampling?.sampler, samplerSteps: input.sampling?.steps });
    point = tail(r.point);
    filled = r.draws.map(tail);
  }
  const ours = imputationErrors(target, point, hidden);
  const coverage = intervalCoverage(target, filled, hidden, 0.9);
  const mean = imputationErrors(target, tail(meanModeImpute(stacked)), hidden);
  const knn = imputationErrors(target, tail(knnImpute(stacked, 5)), hidden);
  const pick = (e: typeof ours, j: number, k: 'rmse' | 'accuracy') => round(e.columns[j]![k]);
  return {
    mechanism,
    fraction: spec.fraction,
    hiddenCells: hidden.rows.length,
    engine,
    draws,
    overall: {
      rmse: { synthdiff: round(ours.rmse), mean: round(mean.rmse), knn: round(knn.rmse) },
      mae: { synthdiff: round(ours.mae), mean: round(mean.mae), knn: round(knn.mae) },
      accuracy: { synthdiff: round(ours.accuracy), mode: round(mean.accuracy), knn: round(knn.accuracy) },
      coverage90: round(coverage.coverage),
      // The 5–95% range of m exchangeable draws holds a new draw with probability (m − 1)/(m + 1): what a
      // perfectly calibrated imputer scores here, not 0.9.
      coverage90Calibrated: round((draws - 1) / (draws + 1)),
    },
    columns: ours.columns
      .map((c, j) => ({ c, j }))
      .filter(({ c }) => c.n > 0)
      .map(({ c, j }) => {
        const cat = Number.isNaN(c.rmse);
        const k = cat ? 'accuracy' : 'rmse';
        return { column: c.column, kind: c.kind, hidden: c.n, metric: k, ours: pick(ours, j, k), baselines: { [cat ? 'mode' : 'mean']: pick(mean, j, k), knn: pick(knn, j, k) }, coverage: round(coverage.columns[j]?.coverage ?? NaN) } as const;
      }),
  };
}
