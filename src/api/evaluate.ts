/**
 * The library's grading of a synthetic table made anywhere (what `synthdiff evaluate` does on files):
 * fidelity, detection, privacy (with a holdout) and outliers, as a report `renderReportHtml` renders.
 */
import { createLogger } from '../report/log.js';
import type { RunReport } from '../report/model.js';
import { gradeSynthetic } from '../run/evaluate.js';
import type { Table } from '../table/table.js';

export interface EvaluateOptions {
  /** The real (training) table. */
  real: Table;
  synthetic: Table;
  /** Real rows the generator never saw: the baseline for fidelity and the reference for privacy. */
  holdout?: Table;
  seed?: number;
  /** false: keep real rows (the most unusual ones) out of the report (default true). */
  records?: boolean;
  /** Log progress to stderr (default: silent). */
  verbose?: boolean;
}

export function evaluate(o: EvaluateOptions): Promise<RunReport> {
  return gradeSynthetic({ real: o.real, synthetic: o.synthetic, ...(o.holdout ? { holdout: o.holdout } : {}), seed: o.seed ?? 0, ...(o.records === false ? { records: false } : {}), log: createLogger({ quiet: !o.verbose }) });
}
