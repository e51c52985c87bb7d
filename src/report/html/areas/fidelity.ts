/** Fidelity: column shapes and pair trends (SDMetrics), per-column distributions, association heatmaps. */
import { COLORS, fmtFixed, groupedBars, heatmap, histogramOverlay, metricBars } from '../../svg.js';
import type { ColumnDistribution, FidelityReport } from '../../model.js';
import { Raw, html, isNum, score, legend, figure, table, SMALL, type Section, type Card, type Area } from '../core.js';

/**
 * The `top` most frequent real levels, most frequent first, and one bar pooling the rest ("other (n levels)"),
 * so a 185-level column reads as its head instead of 185 slivers. Lists that fit keep their own order.
 */
export function collapseCategories(d: ColumnDistribution, top = 12): { categories: string[]; real: number[]; synthetic: number[] } {
  const cats = d.categories ?? d.real.map((_, i) => String(i));
  if (cats.length <= top + 1) return { categories: [...cats], real: [...d.real], synthetic: [...d.synthetic] };
  // By real frequency: the reader asks how the synthetic table treats the levels that matter in the data.
  const order = cats.map((_, i) => i).sort((a, b) => (d.real[b] ?? 0) - (d.real[a] ?? 0) || (d.synthetic[b] ?? 0) - (d.synthetic[a] ?? 0) || a - b);
  const keep = order.slice(0, top);
  const rest = order.slice(top);
  const sum = (xs: readonly number[]) => rest.reduce((s, i) => s + (xs[i] ?? 0), 0);
  return {
    categories: [...keep.map((i) => cats[i]!), `other (${rest.length} levels)`],
    real: [...keep.map((i) => d.real[i] ?? 0), sum(d.real)],
    synthetic: [...keep.map((i) => d.synthetic[i] ?? 0), sum(d.synthetic)],
  };
}

/** Column distributions with the lowest shape score first (columns without one last), so problems lead. */
export function worstFirst(distributions: readonly ColumnDistribution[], columns: readonly { column: string; score: number }[]): ColumnDistribution[] {
  const at = new Map(columns.map((c) => [c.column, c.score]));
  const key = (d: ColumnDistribution) => {
    const v = at.get(d.column);
    return isNum(v) ? v : Infinity;
  };
  return distributions.map((d, i) => ({ d, i })).sort((a, b) => key(a.d) - key(b.d) || a.i - b.i).map(({ d }) => d);
}

/** One column's real vs synthetic shares (or any two series named in `labels`, e.g. observed vs imputed). */
export function distributionChart(d: ColumnDistribution, shape?: { metric: string; score: number }, labels: { real: string; synthetic: string } = { real: 'Real', synthetic: 'Synthetic' }): string {
  const subtitle = `${d.kind}${d.scale === 'log' ? ' · log x' : ''}${shape ? ` · ${shape.metric} ${score(shape.score)}` : ''}`;
  if (d.edges && d.edges.length >= 2) {
    return histogramOverlay({
      title: d.column,
      subtitle,
      edges: d.edges,
      series: [
        { label: labels.real, values: d.real, color: COLORS.real, style: 'bar' },
        { label: labels.synthetic, values: d.synthetic, color: COLORS.synthetic, style: 'step' },
      ],
      legend: false,
      width: SMALL.width,
      height: SMALL.height,
      xScale: d.kind === 'datetime' ? 'time' : d.scale === 'log' ? 'log' : 'linear',
    });
  }
  const c = collapseCategories(d);
  return groupedBars({
    title: d.column,
    subtitle,
    groups: c.categories,
    series: [
      { label: labels.real, values: c.real, color: COLORS.real },
      { label: labels.synthetic, values: c.synthetic, color: COLORS.synthetic },
    ],
    normalize: true,
    legend: false,
    width: SMALL.width,
    height: SMALL.height,
  });
}

/** |real − synthetic| per pair; null where either side is undefined. */
export function correlationDifference(real: readonly (readonly (number | null)[])[], synthetic: readonly (readonly (number | null)[])[]): (number | null)[][] {
  return real.map((row, i) => row.map((v, j) => (isNum(v) && isNum(synthetic[i]?.[j]) ? Math.abs(v - synthetic[i]![j]!) : null)));
}

export function fidelityCard(f: FidelityReport): Card {
  const s = f.shapes.score;
  const t = f.trends?.score;
  const hb = f.holdoutBaseline;
  const worst = [...f.shapes.columns].sort((a, b) => a.score - b.score).slice(0, 2);
  let reading: string;
  if (hb && isNum(s) && s > hb.shapes + 0.01) {
    reading = `Synthetic columns match the training data more closely than a fresh real sample does (holdout ${score(hb.shapes)}): a hint of copying — check privacy.`;
  } else if (hb && isNum(s) && s < hb.shapes - 0.01) {
    reading = `Column shapes fall ${score(hb.shapes - s)} short of what a fresh real sample scores; weakest: ${worst.map((w) => `${w.column} (${score(w.score)})`).join(', ')}.`;
  } else if (hb) {
    reading = `Column shapes are as close to the training data as a fresh real sample is.`;
  } else {
    reading = `1 is a perfect match; weakest columns: ${worst.map((w) => `${w.column} (${score(w.score)})`).join(', ')}.`;
  }
  if (hb && isNum(t)) reading += ` Pair trends ${t >= hb.trends - 0.01 ? 'match' : 'trail'} the holdout baseline (${score(hb.trends)}).`;
  const gap = hb ? Math.max(hb.shapes - s, (hb.trends ?? 0) - (t ?? 0)) : 1 - Math.min(s, t ?? 0);
  return {
    area: 'fidelity',
    title: 'Fidelity',
    tone: gap <= 0.02 ? 'good' : gap <= 0.06 ? 'fair' : 'poor',
    figures: [
      { value: score(s), label: 'Column shapes', note: hb ? `holdout ${score(hb.shapes)}` : undefined },
      // Shapes alone hide broken relationships, so trends are always shown next to them.
      { value: score(t), label: 'Column pair trends', note: hb ? `holdout ${score(hb.trends)}` : undefined },
      { value: score(f.quality), label: 'Quality' },
    ],
    reading,
    definition: `${f.shapes.definition}; ${f.trends?.definition ?? 'trends not computed'}.`,
  };
}

export function fidelitySection(f: FidelityReport): Section {
  const hb = f.holdoutBaseline;
  const ref = (v: number | undefined) => (hb && isNum(v) ? { value: v, label: 'holdout baseline' } : undefined);
  const bars = metricBars({
    title: 'Fidelity scores',
    subtitle: 'Synthetic vs train; the tick marks what a real holdout sample scores',
    bars: [
      { label: 'Column shapes', value: f.shapes.score, color: COLORS.synthetic, reference: ref(hb?.shapes) },
      { label: 'Column pair trends', value: f.trends?.score ?? null, color: COLORS.synthetic, reference: ref(hb?.trends) },
      { label: 'Quality', value: f.quality, color: COLORS.synthetic, reference: ref(hb ? (hb.shapes + hb.trends) / 2 : undefined) },
    ],
    width: 520,
  });
  const shapeOf = new Map(f.shapes.columns.map((c) => [c.column, c]));
  const dists = worstFirst(f.distributions, f.shapes.columns).map((d) => figure(distributionChart(d, shapeOf.get(d.column))));

  let corr: Raw = html``;
  if (f.correlation && f.correlation.columns.length >= 2) {
    const { columns, real, synthetic } = f.correlation;
    const diff = correlationDifference(real, synthetic);
    const svg = heatmap({
      title: 'Association difference |real − synthetic|',
      subtitle: 'Pearson r for numeric pairs, Cramér’s V otherwise; 0 = same strength',
      labels: columns,
      values: diff,
      // A 0.3 change in a correlation is already large; a fixed scale keeps runs comparable.
      max: 0.3,
      legendLabel: '|Δ association|',
      cellTip: (i, j) => `real ${fmtFixed(real[i]?.[j], 3)}, synthetic ${fmtFixed(synthetic[i]?.[j], 3)}`,
    });
    corr = figure(svg, undefined, 'natural');
  }
  const worstPairs = [...(f.trends?.pairs ?? [])].sort((a, b) => a.score - b.score).slice(0, 10);
  // ContingencySimilarity pairs carry no real/synthetic value; the association matrix has one for every pair.
  const assoc = (side: 'real' | 'synthetic', a: string, b: string, own: number | undefined): string => {
    if (isNum(own)) return score(own);
    const c = f.correlation;
    const i = c?.columns.indexOf(a) ?? -1;
    const j = c?.columns.indexOf(b) ?? -1;
    return c && i >= 0 && j >= 0 ? score(c[side][i]?.[j]) : '—';
  };
  const pairs = worstPairs.length
    ? table(
        [{ head: 'Column A' }, { head: 'Column B' }, { head: 'Metric' }, { head: 'Score', num: true }, { head: 'Real', num: true }, { head: 'Synth.', num: true }],
        worstPairs.map((p) => [p.a, p.b, p.metric.replace(/Similarity$/, ''), score(p.score), assoc('real', p.a, p.b, p.real), assoc('synthetic', p.a, p.b, p.synthetic)]),
        `Lowest-scoring column pairs (${worstPairs.length} of ${f.trends.pairs.length}); real/synthetic association`,
      )
    : html``;
  return {
    id: 'fidelity',
    title: 'Fidelity',
    body: html`${figure(bars, undefined, 'natural')}
<h3>Column distributions</h3>${legend([
      { label: 'Real (bars)', color: COLORS.real },
      { label: 'Synthetic (line / bars)', color: COLORS.synthetic },
    ])}<p class="muted small">Shares of non-missing rows per bin or category. Worst shape score first; subtitles give each column’s score (1 = identical).</p>
<div class="grid small-multiples">${dists}</div><h3>Pairwise associations</h3><div class="split">${corr}${pairs}</div>`,
  };
}

export const fidelityArea: Area<FidelityReport> = { id: 'fidelity', title: 'Fidelity', card: fidelityCard, section: fidelitySection };
