/** Imputed vs observed: what an impute task filled into the data's own holes, beside what the data observed. */
import { COLORS } from '../../svg.js';
import type { ColumnDistribution, ImputedReport } from '../../model.js';
import { html, isNum, score, fmtCount, legend, figure, path, type Section, type Card, type Area } from '../core.js';
import { distributionChart } from './fidelity.js';

const LABELS = { real: 'Observed', synthetic: 'Imputed' };

const asDistribution = (c: ImputedReport['columns'][number]): ColumnDistribution => ({
  column: c.column,
  kind: c.kind,
  ...(c.edges ? { edges: c.edges } : {}),
  ...(c.categories ? { categories: c.categories } : {}),
  ...(c.scale ? { scale: c.scale } : {}),
  real: c.observed,
  synthetic: c.imputed,
});

/** Lowest similarity first (columns without one last). */
const leastSimilar = (r: ImputedReport) => [...r.columns].sort((a, b) => (isNum(a.similarity) ? a.similarity : 2) - (isNum(b.similarity) ? b.similarity : 2));

export function imputedCard(r: ImputedReport): Card {
  const holes = r.columns.reduce((s, c) => s + c.holes, 0);
  const filled = r.columns.reduce((s, c) => s + c.filled, 0);
  const w = leastSimilar(r).filter((c) => isNum(c.similarity)).slice(0, 2);
  return {
    area: 'imputed',
    title: 'Imputed vs observed',
    // Not graded: under MAR the imputed values should differ from the observed ones.
    tone: 'info',
    figures: [
      { value: fmtCount(filled), label: 'Cells filled', note: filled < holes ? `of ${fmtCount(holes)} holes` : undefined },
      { value: String(r.columns.length), label: 'Columns with holes' },
    ],
    reading: w.length
      ? `Imputed values differ most from observed ones in ${w.map((c) => `${c.column} (${c.metric.replace(/Complement$/, '')} ${score(c.similarity)})`).join(', ')}; a difference is expected where values are missing at random given other columns.`
      : 'No column with both observed and imputed values to compare.',
    definition: r.definition,
  };
}

export function imputedSection(r: ImputedReport): Section {
  const charts = leastSimilar(r).map((c) =>
    figure(distributionChart(asDistribution(c), isNum(c.similarity) ? { metric: `${fmtCount(c.filled)} imputed · ${c.metric}`, score: c.similarity } : undefined, LABELS)),
  );
  return {
    id: 'imputed',
    title: 'Imputed vs observed',
    body: html`${r.output ? html`<p class="muted small">Holes of the input as filled in ${path(r.output)}.</p>` : ''}${legend([
      { label: 'Observed (bars)', color: COLORS.real },
      { label: 'Imputed (line / bars)', color: COLORS.synthetic },
    ])}<p class="muted small">Shares of each side per bin or label, least similar column first. ${r.definition}.</p>
<div class="grid small-multiples">${charts}</div>`,
  };
}

export const imputedArea: Area<ImputedReport> = { id: 'imputed', title: 'Imputed vs observed', card: imputedCard, section: imputedSection };
