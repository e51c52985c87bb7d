/**
 * The headline scores of a report as a few aligned lines: what `synthdiff run` prints at its end and
 * `synthdiff evaluate` prints as its result. Only the scores the report holds are printed.
 */
import type { EvaluationReport } from './model.js';

const f3 = (x: number | undefined | null): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : 'n/a');

export function headlineScores(ev: EvaluationReport | undefined): string[] {
  if (!ev) return [];
  const lines: string[] = [];
  const f = ev.fidelity, d = ev.detection, p = ev.privacy, im = ev.imputation;
  if (f) {
    lines.push(`column shapes      ${f3(f.shapes.score)}  (${f.shapes.definition})`);
    lines.push(`column-pair trends ${f3(f.trends.score)}  (real-edge bins: ${f3(f.trends.realBinsScore)})`);
  }
  if (d) lines.push(`detection          ${f3(d.score)}  (AUC ${f3(d.auc)}, ${d.model})`);
  if (p) lines.push(`DCR share          ${f3(p.dcrShare)}  (0.5 ideal; exact copies ${p.exactCopyRate.toFixed(4)}, holdout's own ${p.holdoutExactCopyRate.toFixed(4)})`);
  if (im) {
    const r = im.overall.rmse;
    const ours = r.synthdiff ?? r.ours;
    if (typeof ours === 'number' && Number.isFinite(ours)) {
      const baselines = Object.entries(r).filter(([k, v]) => k !== 'synthdiff' && k !== 'ours' && Number.isFinite(v));
      lines.push(`imputation RMSE    ${f3(ours)}  (${baselines.length ? `${baselines.map(([k, v]) => `${k} ${f3(v)}`).join(', ')}; ` : ''}${im.hiddenCells} hidden cells, in sd units)`);
    }
  }
  return lines;
}
