import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSkewedPositive, logHistogram } from '../src/evaluate/stats.js';
import { collapseCategories, renderReportHtml, worstFirst } from '../src/report/html.js';
import { distributionChart } from '../src/report/html/areas/fidelity.js';
import type { ColumnDistribution, RunReport } from '../src/report/model.js';
import { fmtLogTick, logTicks } from '../src/report/svg.js';
import { fidelity } from '../src/run/table/evaluate.js';
import { cat, num, table } from './helpers/evaluate-tables.js';

/** x positions and labels of an SVG's bottom-axis tick labels (text-anchor middle, below the plot). */
function xTicks(svg: string): { x: number; label: string }[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" font-size="10" text-anchor="middle" fill="#656d76">([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), label: m[2]! }));
}

/** gapminder-like GDP per capita: log-normal, 241 to 113,523. */
const gdp = Array.from({ length: 400 }, (_, i) => Math.round(241 * Math.exp((i / 399) ** 3 * Math.log(113_523 / 241))));

describe('column-shape plots on real data', () => {
  it('bins a skewed positive column in log space and says so', () => {
    expect(isSkewedPositive(gdp)).toBe(true);
    expect(isSkewedPositive([0, 1, 1000, 1, 1])).toBe(false); // min must be > 0
    expect(isSkewedPositive([1, 2, 3, 50])).toBe(false);
    const h = logHistogram([1, 10, 100, 1000], 3, 1, 1000);
    expect(h.edges.map((e) => Math.round(e))).toEqual([1, 10, 100, 1000]);
    expect(h.counts).toEqual([1, 1, 2]);
    const f = fidelity(table(num('gdp', gdp), num('year', gdp.map((_, i) => 1952 + (i % 12) * 5))), table(num('gdp', [...gdp].reverse()), num('year', gdp.map((_, i) => 1952 + (i % 12) * 5))));
    expect(f.distributions.find((d) => d.column === 'gdp')!.scale).toBe('log');
    expect(f.distributions.find((d) => d.column === 'year')!.scale).toBeUndefined();
  });

  it('draws a log x axis whose tick labels do not overlap', () => {
    expect(logTicks(1e3, 1e9, 5)).toEqual([1e4, 1e6, 1e8]);
    expect(logTicks(241, 113_523, 5)).toEqual([1e3, 1e4, 1e5]);
    expect(logTicks(3, 40, 5)).toEqual([5, 10, 20]);
    expect([1e3, 1e4, 1.5e6, 1e9, 0.01].map(fmtLogTick)).toEqual(['1k', '10k', '1.5M', '1B', '0.01']);
    const edges = logHistogram(gdp, 30, 241, 113_523).edges;
    const d: ColumnDistribution = { column: 'gdpPercap', kind: 'numeric', scale: 'log', edges, real: new Array(30).fill(1), synthetic: new Array(30).fill(1) };
    const svg = distributionChart(d, { metric: 'KSComplement', score: 0.9 });
    expect(svg).toContain('log x');
    const ticks = xTicks(svg);
    expect(ticks.map((t) => t.label)).toEqual(['1k', '10k', '100k']);
    // Labels at font size 10 are about 6 px a character; neighbours must clear each other.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.x - ticks[i - 1]!.x).toBeGreaterThan(((ticks[i]!.label.length + ticks[i - 1]!.label.length) / 2) * 6 + 4);
    // Log-spaced bins are drawn equally wide on the log axis.
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height="[\d.]+"\/>/g)].map((m) => Number(m[1]));
    expect(Math.max(...widths) - Math.min(...widths)).toBeLessThan(0.2);
  });

  it('shows the top 12 levels by real frequency and one "other" bar for a many-level column', () => {
    const cats = Array.from({ length: 185 }, (_, i) => `country${i}`);
    // Real frequency falls with the index; synthetic favours the tail, which must not pull it into the top.
    const d: ColumnDistribution = { column: 'country', kind: 'categorical', categories: cats, real: cats.map((_, i) => 200 - i), synthetic: cats.map((_, i) => i) };
    const c = collapseCategories(d);
    expect(c.categories).toEqual([...cats.slice(0, 12), 'other (173 levels)']);
    expect(c.real.reduce((a, b) => a + b)).toBe(d.real.reduce((a, b) => a + b));
    expect(c.synthetic.reduce((a, b) => a + b)).toBe(d.synthetic.reduce((a, b) => a + b));
    const svg = distributionChart(d);
    expect((svg.match(/<g><rect /g) ?? []).length).toBe(13);
    expect(svg).toContain('other (173 levels)');
    // Short lists keep their own order.
    expect(collapseCategories({ ...d, categories: ['b', 'a'], real: [1, 5], synthetic: [1, 1] }).categories).toEqual(['b', 'a']);
  });

  it('sorts the column plots worst shape score first', () => {
    const report = JSON.parse(readFileSync(new URL('../fixtures/report/sample-run.json', import.meta.url), 'utf8')) as RunReport;
    const f = report.evaluation!.fidelity!;
    const expected = [...f.shapes.columns].sort((a, b) => a.score - b.score).map((c) => c.column);
    expect(worstFirst(f.distributions, f.shapes.columns).map((d) => d.column).slice(0, expected.length)).toEqual(expected.filter((c) => f.distributions.some((d) => d.column === c)));
    const page = renderReportHtml(report);
    const fid = page.slice(page.indexOf('<section id="fidelity">'));
    const grid = fid.slice(fid.indexOf('small-multiples'), fid.indexOf('Pairwise associations'));
    const order = [...grid.matchAll(/role="img" font-family="inherit"><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(order).toEqual(worstFirst(f.distributions, f.shapes.columns).map((d) => d.column));
    expect(order[0]).toBe(expected[0]);
    expect(order).not.toEqual(f.distributions.map((d) => d.column)); // the fixture's own order is not worst-first
  });
});
