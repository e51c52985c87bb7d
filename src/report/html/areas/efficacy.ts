/** ML efficacy: train on synthetic, test on real. */
import { COLORS, fmtPercent, metricBars } from '../../svg.js';
import type { EfficacyReport } from '../../model.js';
import { html, score, figure, dl, type Section, type Card, type Area } from '../core.js';

export function efficacyCard(e: EfficacyReport): Card {
  const ratio = e.ratio;
  return {
    area: 'efficacy',
    title: 'ML efficacy',
    tone: ratio >= 0.95 ? 'good' : ratio >= 0.8 ? 'fair' : 'poor',
    figures: [
      { value: score(e.trainOnSynthetic), label: `${e.metric}, train synthetic` },
      { value: score(e.trainOnReal), label: `${e.metric}, train real` },
      { value: score(ratio), label: 'Ratio' },
    ],
    reading: `A model predicting ${e.target} trained on synthetic rows keeps ${fmtPercent(ratio, 0)} of the ${e.metric} of one trained on real rows (both tested on real holdout rows).`,
    definition: `Train on synthetic, test on real (TSTR), ${e.task}.`,
  };
}

export function efficacySection(e: EfficacyReport): Section {
  const hi = Math.max(1, e.trainOnReal, e.trainOnSynthetic);
  const svg = metricBars({
    title: `Predicting ${e.target} (${e.task})`,
    subtitle: `${e.metric} on real holdout rows`,
    bars: [
      { label: 'Trained on real', value: e.trainOnReal, color: COLORS.real },
      { label: 'Trained on synthetic', value: e.trainOnSynthetic, color: COLORS.synthetic },
    ],
    domain: [0, hi],
    width: 520,
  });
  return {
    id: 'efficacy',
    title: 'ML efficacy',
    body: html`<div class="split">${figure(svg, undefined, 'natural')}${dl([
      ['Target', e.target],
      ['Task', e.task],
      ['Metric', e.metric],
      ['Synthetic / real', html`<strong>${score(e.ratio)}</strong>`],
    ])}</div>`,
  };
}

export const efficacyArea: Area<EfficacyReport> = { id: 'efficacy', title: 'ML efficacy', card: efficacyCard, section: efficacySection };
