/** Outliers: the most atypical real and synthetic rows. */
import { COLORS, fmtValue, histogramOverlay } from '../../svg.js';
import type { OutlierRecord, OutlierReport } from '../../model.js';
import { Raw, html, score, figure, table, type Tone, type Section, type Card, type Area } from '../core.js';

export function outlierCard(o: OutlierReport): Card {
  const r = o.summary.real;
  const s = o.summary.synthetic;
  const iqr = (r.quantiles.p75 ?? NaN) - (r.quantiles.p25 ?? NaN);
  let reading = 'Only real rows were scored.';
  let tone: Tone = 'info';
  if (s) {
    // Shift of the mean score in units of the real rows' interquartile range.
    const shift = (s.mean - r.mean) / (iqr > 0 ? iqr : 1);
    tone = Math.abs(shift) < 0.25 ? 'good' : Math.abs(shift) < 0.75 ? 'fair' : 'poor';
    reading =
      Math.abs(shift) < 0.25
        ? 'Synthetic rows are about as typical as real rows.'
        : shift > 0
          ? 'Synthetic rows look more unusual than real rows on average: some generated rows fall off the data manifold.'
          : 'Synthetic rows are more typical than real rows: the tails of the data may be under-represented.';
    reading += ` 99th percentile: real ${score(r.quantiles.p99)}, synthetic ${score(s.quantiles.p99)}.`;
  }
  return {
    area: 'outliers',
    title: 'Outliers',
    tone,
    figures: [{ value: score(r.mean), label: 'Mean score, real' }, ...(s ? [{ value: score(s.mean), label: 'Mean score, synthetic' }] : [])],
    reading,
    definition: o.method,
  };
}

export function outlierTable(title: string, rows: readonly OutlierRecord[]): Raw {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.values)))];
  const cell = (v: string | number | null | undefined): unknown => (v === null || v === undefined ? html`<span class="missing">NA</span>` : typeof v === 'number' ? fmtValue(v) : v);
  return table(
    [{ head: 'Row', num: true }, { head: 'Score', num: true }, ...keys.map((k) => ({ head: k }))],
    rows.map((r) => [r.row, score(r.score), ...keys.map((k) => cell(r.values[k]))]),
    title,
  );
}

export function outlierSection(o: OutlierReport): Section {
  const svg = histogramOverlay({
    title: 'Outlier score distribution',
    subtitle: 'Higher = more unusual',
    edges: o.histogram.edges,
    series: [
      { label: 'Real', values: o.histogram.real, color: COLORS.real, style: 'bar' },
      ...(o.histogram.synthetic ? [{ label: 'Synthetic', values: o.histogram.synthetic, color: COLORS.synthetic, style: 'step' as const }] : []),
    ],
    xLabel: 'score',
    width: 600,
    height: 260,
  });
  const qs = Object.keys(o.summary.real.quantiles);
  const r = o.summary.real;
  const s = o.summary.synthetic;
  // One row per statistic keeps the table narrow enough to sit beside the chart.
  const quant = table(
    [{ head: 'Score' }, { head: 'Real', num: true }, ...(s ? [{ head: 'Synthetic', num: true }] : [])],
    [['mean', score(r.mean), ...(s ? [score(s.mean)] : [])], ...qs.map((q) => [q, score(r.quantiles[q]), ...(s ? [score(s.quantiles[q])] : [])])],
  );
  return {
    id: 'outliers',
    title: 'Outliers',
    body: html`<p class="muted small">${o.method}</p><div class="split">${figure(svg, undefined, 'natural')}${quant}</div>
${o.topReal.length ? outlierTable(`Most unusual real rows (top ${o.topReal.length})`, o.topReal) : o.realRecordsWithheld ? html`<p class="skipped-note">Real records withheld from this report (report.records: false / --no-records).</p>` : ''}
${o.topSynthetic?.length ? outlierTable(`Most unusual synthetic rows (top ${o.topSynthetic.length})`, o.topSynthetic) : ''}`,
  };
}

export const outliersArea: Area<OutlierReport> = { id: 'outliers', title: 'Outliers', card: outlierCard, section: outlierSection };
