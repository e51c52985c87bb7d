/** α-precision and β-recall. */
import { COLORS, metricBars } from '../../svg.js';
import type { EvaluationReport } from '../../model.js';
import { html, score, figure, type Section, type Card, type Area } from '../core.js';

export function precisionRecallCard(pr: NonNullable<EvaluationReport['precisionRecall']>): Card {
  const p = pr.alphaPrecision;
  const r = pr.betaRecall;
  const pWords = p >= 0.8 ? 'mostly look like plausible real rows' : 'often fall where real rows are rare';
  const rWords = r >= 0.8 ? 'cover most of the variety in the real data' : r >= 0.6 ? 'cover much of the variety in the real data' : 'cover only part of the variety in the real data';
  return {
    area: 'precisionRecall',
    title: 'Precision & recall',
    tone: Math.min(p, r) >= 0.8 ? 'good' : Math.min(p, r) >= 0.6 ? 'fair' : 'poor',
    figures: [
      { value: score(p), label: 'α-precision', note: 'ideal 1' },
      { value: score(r), label: 'β-recall', note: 'ideal 1' },
    ],
    reading: `Synthetic rows ${pWords} (precision) and ${rWords} (recall).`,
    definition: pr.definition,
  };
}

export function precisionRecallSection(pr: NonNullable<EvaluationReport['precisionRecall']>): Section {
  const svg = metricBars({
    title: 'α-precision and β-recall',
    subtitle: 'Fidelity (precision) and diversity (recall) of synthetic rows · 1 is ideal',
    bars: [
      { label: 'α-precision', value: pr.alphaPrecision, color: COLORS.synthetic },
      { label: 'β-recall', value: pr.betaRecall, color: COLORS.synthetic },
    ],
    width: 520,
  });
  return { id: 'precisionRecall', title: 'Precision & recall', body: html`<div class="split">${figure(svg, undefined, 'natural')}<p class="muted small">${pr.definition}</p></div>` };
}

export const precisionRecallArea: Area<NonNullable<EvaluationReport['precisionRecall']>> = { id: 'precisionRecall', title: 'Precision & recall', card: precisionRecallCard, section: precisionRecallSection };
