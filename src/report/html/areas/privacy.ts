/** Privacy: distance to closest record, exact copies, membership inference. */
import { COLORS, fmtPercent, fmtValue, histogramOverlay } from '../../svg.js';
import type { PrivacyReport } from '../../model.js';
import { html, isNum, score, figure, dl, type Tone, type Section, type Card, type Area } from '../core.js';

export function privacyCard(p: PrivacyReport): Card {
  const share = p.dcrShare;
  const closer = share > 0.55;
  // Exact duplicates happen in real data too (discrete columns); only a rate above the holdout's own counts.
  const copies = p.exactCopyRate > p.holdoutExactCopyRate + 0.002;
  const tone: Tone = share > 0.65 || (copies && p.exactCopyRate > 2 * p.holdoutExactCopyRate + 0.01) ? 'poor' : closer || copies ? 'fair' : 'good';
  const reading =
    (closer
      ? `${fmtPercent(share)} of synthetic rows sit closer to a training row than to any holdout row (ideal 50%): some memorisation.`
      : share < 0.45
        ? `Synthetic rows sit closer to holdout rows than to training rows (${fmtPercent(share)}; ideal 50%): no sign of memorisation.`
        : `Synthetic rows are as close to unseen holdout rows as to training rows (${fmtPercent(share)}; ideal 50%).`) +
    (copies
      ? ` Exact copies of training rows (${fmtPercent(p.exactCopyRate, 2)}) occur more often than the holdout's own rate (${fmtPercent(p.holdoutExactCopyRate, 2)}).`
      : ` Exact copies (${fmtPercent(p.exactCopyRate, 2)}) are no more common than the holdout's own rate (${fmtPercent(p.holdoutExactCopyRate, 2)}).`);
  return {
    area: 'privacy',
    title: 'Privacy',
    tone,
    figures: [
      { value: score(share), label: 'DCR share', note: 'ideal 0.5' },
      { value: fmtPercent(p.exactCopyRate, 2), label: 'Exact copies', note: `holdout ${fmtPercent(p.holdoutExactCopyRate, 2)}` },
      ...(isNum(p.membershipAuc) ? [{ value: score(p.membershipAuc), label: 'Membership AUC', note: 'ideal 0.5' }] : []),
    ],
    reading,
    definition: p.definition,
  };
}

export function privacySection(p: PrivacyReport): Section {
  const h = p.dcrHistogram;
  const svg = histogramOverlay({
    title: 'Distance to closest record (DCR) of synthetic rows',
    subtitle: 'Mass at smaller distances to train than to holdout suggests memorisation',
    edges: h.edges,
    series: [
      { label: 'to closest train row', values: h.train, color: COLORS.train, style: 'bar' },
      { label: 'to closest holdout row', values: h.holdout, color: COLORS.holdout, style: 'step' },
    ],
    markers: [
      { value: p.medianDcrTrain, label: 'median, train', color: '#8a3f6e' },
      { value: p.medianDcrHoldout, label: 'median, holdout', color: '#1b6f9e' },
    ],
    xLabel: 'distance',
    width: 640,
    height: 260,
  });
  return {
    id: 'privacy',
    title: 'Privacy',
    body: html`<div class="split">${figure(svg, undefined, 'natural')}${dl([
      ['DCR share', html`<strong>${score(p.dcrShare)}</strong> <span class="muted">(ideal 0.5)</span>`],
      ['Exact copies', `${fmtPercent(p.exactCopyRate, 2)} (holdout’s own rate ${fmtPercent(p.holdoutExactCopyRate, 2)})`],
      ['Median DCR, train / holdout', `${fmtValue(p.medianDcrTrain)} / ${fmtValue(p.medianDcrHoldout)}`],
      ['NNDR median', isNum(p.nndrMedian) ? score(p.nndrMedian) : undefined],
      ['Membership inference AUC', isNum(p.membershipAuc) ? `${score(p.membershipAuc)} (0.5 = no leak)` : undefined],
      ['Definition', p.definition],
    ])}</div>`,
  };
}

export const privacyArea: Area<PrivacyReport> = { id: 'privacy', title: 'Privacy', card: privacyCard, section: privacySection };
