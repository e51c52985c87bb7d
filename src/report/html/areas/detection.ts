/** Detection: a classifier telling real from synthetic rows (C2ST). */
import { COLORS, metricBars } from '../../svg.js';
import type { DetectionReport } from '../../model.js';
import { html, score, fmtCount, figure, dl, type Tone, type Section, type Card, type Area } from '../core.js';

/** Plain-language band for a C2ST AUC; 0.5 means the classifier is guessing. */
export function detectionCard(d: DetectionReport): Card {
  const auc = d.auc;
  const [tone, words]: [Tone, string] =
    auc <= 0.6 ? ['good', 'can barely tell synthetic rows from real ones'] : auc <= 0.75 ? ['fair', 'tells synthetic rows from real ones some of the time'] : ['poor', 'easily tells synthetic rows from real ones'];
  const hb = d.holdoutBaseline;
  return {
    area: 'detection',
    title: 'Detection',
    tone,
    figures: [
      { value: score(auc), label: 'Classifier AUC', note: `ideal 0.5${hb ? ` · holdout ${score(hb.auc)}` : ''}` },
      { value: score(d.score), label: 'Detection score', note: hb ? `holdout ${score(hb.score)}` : undefined },
    ],
    reading: `A ${d.model} ${words} (AUC ${score(auc)}; 0.5 = indistinguishable${hb ? `, real holdout vs train ${score(hb.auc)}` : ''}).`,
    definition: d.definition,
  };
}

export function detectionSection(d: DetectionReport): Section {
  const hb = d.holdoutBaseline;
  const bars = metricBars({
    title: 'Classifier two-sample test',
    subtitle: 'Can a classifier tell synthetic rows from real ones?',
    bars: [
      { label: 'AUC', value: d.auc, color: COLORS.synthetic, reference: hb ? { value: hb.auc, label: 'holdout baseline' } : undefined },
      { label: 'Detection score', value: d.score, color: COLORS.synthetic, reference: hb ? { value: hb.score, label: 'holdout baseline' } : undefined },
    ],
    ideal: { value: 0.5, label: 'AUC 0.5 = indistinguishable' },
    width: 520,
  });
  return {
    id: 'detection',
    title: 'Detection',
    body: html`<div class="split">${figure(bars, undefined, 'natural')}${dl([
      ['Classifier', d.model],
      ['Folds', d.folds],
      ['Rows per class', fmtCount(d.rowsPerClass)],
      ['AUC', score(d.auc)],
      ['Score', score(d.score)],
      ...(hb ? ([['Holdout AUC / score', `${score(hb.auc)} / ${score(hb.score)}`]] as const) : []),
      ['Definition', d.definition],
    ])}</div>`,
  };
}

export const detectionArea: Area<DetectionReport> = { id: 'detection', title: 'Detection', card: detectionCard, section: detectionSection };
