import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collapseCategories, correlationDifference, renderReportHtml, splitMethods } from '../src/report/html.js';
import { esc, fmtTick, timeTicks, groupedBars, heatmap, histogramOverlay, imageGrid, metricBars, niceTicks } from '../src/report/svg.js';
import type { EvaluationReport, RunReport } from '../src/report/model.js';

const FIXTURE = new URL('../fixtures/report/sample-run.json', import.meta.url);
const load = (): RunReport => JSON.parse(readFileSync(FIXTURE, 'utf8')) as RunReport;
const evalOf = (r: RunReport): EvaluationReport => r.evaluation as EvaluationReport;

/** The fixture with hostile text in every place data reaches the page. */
function hostile(): RunReport {
  const r = load();
  const ev = evalOf(r);
  const xss = '<script>alert(1)</script>';
  const dist = ev.fidelity!.distributions.find((d) => d.column === 'sex')!;
  dist.categories = ['f', xss];
  ev.fidelity!.distributions[0]!.column = '<img src=x onerror=alert(2)>';
  ev.fidelity!.correlation!.columns[1] = '"><svg onload=alert(3)>';
  ev.outliers!.topReal[0]!.values.sex = xss;
  r.name = `pbc ${xss}`;
  r.tasks[0]!.output = `out/${xss}.csv`;
  return r;
}

/** The HTML between <section id="…"> and its closing tag. */
function section(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}">`);
  if (start < 0) return '';
  return page.slice(start, page.indexOf('</section>', start));
}

describe('renderReportHtml', () => {
  const report = load();
  const page = renderReportHtml(report);
  const ev = evalOf(report);

  it('renders every section of a fully evaluated run', () => {
    for (const id of ['summary', 'fidelity', 'detection', 'privacy', 'outliers', 'imputation', 'efficacy', 'precisionRecall', 'schema', 'tasks']) {
      expect(page, id).toContain(`<section id="${id}">`);
      expect(page, id).toContain(`href="#${id}"`);
    }
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('draws one chart per column distribution, plus the heatmap and section charts', () => {
    const fid = section(page, 'fidelity');
    const grid = fid.slice(fid.indexOf('small-multiples'), fid.indexOf('Pairwise associations'));
    expect((grid.match(/<svg /g) ?? []).length).toBe(ev.fidelity!.distributions.length);
    for (const d of ev.fidelity!.distributions) expect(grid).toContain(`<title>${d.column}</title>`);
    expect(fid).toContain('Association difference');
    for (const id of ['detection', 'privacy', 'outliers', 'imputation', 'efficacy']) expect(section(page, id), id).toContain('<svg ');
    // Every chart has an accessible name.
    const svgs = page.match(/<svg [^>]*>/g) ?? [];
    expect(svgs.length).toBeGreaterThan(12);
    expect(page.match(/<svg [^>]*role="img"[^>]*><title>/g)?.length).toBe(svgs.length);
  });

  it('shows the backend, run metadata and headline numbers with their baselines', () => {
    expect(page).toContain('wasm (XNNPACK, SIMD)');
    expect(page).toContain(report.specHash);
    expect(page).toContain('seed <strong>42</strong>');
    expect(page).toContain('2026-11-25 19:16:34 UTC');
    const summary = section(page, 'summary');
    // Shapes never without trends; holdout baselines next to them.
    expect(summary).toContain('Column shapes');
    expect(summary).toContain('Column pair trends');
    expect(summary).toContain(`holdout ${ev.fidelity!.holdoutBaseline!.shapes.toFixed(3)}`);
    expect(summary).toContain(ev.detection!.auc.toFixed(3));
    expect(summary).toContain('ideal 0.5');
    expect(summary).toContain('holdout 0.48%'); // exact-copy rate against the holdout's own rate
    expect(summary).toContain('RMSE, ours');
    expect(summary).toContain('mean 1.006 · knn 0.900');
    expect(summary).toContain('Numeric cells: lower RMSE than every baseline (mean, knn).');
  });

  it('imputation: finds our method under `synthdiff` or `ours`, with mean/mode baselines per column kind', () => {
    const imp = section(page, 'imputation');
    expect(imp).toContain('synthdiff (ours)');
    // The numeric chart has mean + knn, the categorical one mode + knn.
    const cut = imp.indexOf('Categorical columns: accuracy');
    const [numeric, categorical] = [imp.slice(0, cut), imp.slice(cut)];
    expect(numeric).toContain('>mean<');
    expect(numeric).not.toContain('>mode<');
    expect(categorical).toContain('>mode<');
    const r = load();
    const o = evalOf(r).imputation!.overall;
    for (const rec of [o.rmse, o.mae, o.accuracy]) {
      rec.ours = rec.synthdiff!;
      delete rec.synthdiff;
    }
    expect(section(renderReportHtml(r), 'summary')).toContain('Numeric cells: lower RMSE than every baseline (mean, knn).');
    expect(splitMethods({ diffusion: 1, mean: 2 }, new Set(['mean']))).toEqual({ ours: 'diffusion', baselines: ['mean'] });
  });

  it('escapes data-derived text everywhere', () => {
    const out = renderReportHtml(hostile());
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img src=x');
    expect(out).not.toContain('<svg onload');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(out).toContain('&quot;&gt;&lt;svg onload=alert(3)&gt;');
  });

  it('references no external resource', () => {
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/<(script|link|iframe|img)\b/i);
    expect(page).not.toMatch(/url\(/i);
    expect(page).not.toMatch(/@import/i);
  });

  it('is deterministic', () => {
    expect(renderReportHtml(load())).toBe(page);
  });

  it('omits absent sections and shows skipped reasons', () => {
    const r = load();
    const e = evalOf(r);
    delete e.privacy;
    delete e.outliers;
    e.skipped = { privacy: 'no holdout split (split.holdout = 0)' };
    const out = renderReportHtml(r);
    expect(out).toContain('<section id="privacy">');
    delete (r.data as Partial<RunReport['data']>).schema;
    expect(section(renderReportHtml(r), 'schema')).toContain('Could not render this section');
    expect(section(out, 'privacy')).toContain('Skipped: no holdout split (split.holdout = 0)');
    expect(section(out, 'summary')).toContain('Skipped: no holdout split');
    expect(out).not.toContain('<section id="outliers">');
    expect(out).not.toContain('href="#outliers"');
  });

  it('renders a run with no model and no evaluation', () => {
    const r = load();
    delete r.evaluation;
    delete r.backend;
    delete r.model;
    const out = renderReportHtml(r);
    expect(out).toContain('none (no model in this run)');
    expect(out).toContain('no evaluation section');
    expect(out).toContain('<section id="schema">');
    expect(out).not.toContain('<section id="summary">');
  });

  it('turns a malformed evaluation section into a note instead of failing', () => {
    const r = load();
    // Partial numbers render as dashes; a missing structure is caught per section.
    (evalOf(r) as Record<string, unknown>).detection = { auc: 0.7 };
    (evalOf(r) as Record<string, unknown>).fidelity = { quality: 0.9 };
    const out = renderReportHtml(r);
    expect(section(out, 'fidelity')).toContain('Could not render this section');
    expect(section(out, 'summary')).toContain('could not read this section');
    expect(section(out, 'detection')).toContain('0.700');
    expect(out).toContain('<section id="privacy">');
    delete (r.data as Partial<RunReport['data']>).schema;
    expect(section(renderReportHtml(r), 'schema')).toContain('Could not render this section');
  });

  it('handles NaN serialised as null without printing "null" or "NaN"', () => {
    const r = load();
    const f = evalOf(r).fidelity!;
    f.correlation!.real[3]![1] = null;
    f.correlation!.real[1]![3] = null;
    (f.trends as { score: number | null }).score = null;
    const out = renderReportHtml(r);
    expect(section(out, 'fidelity')).not.toMatch(/>NaN<|>null</);
    expect(section(out, 'summary')).toContain('—');
  });
});

describe('svg helpers', () => {
  it('escape, ticks and formatting', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(41, 4795, 5).ticks).toEqual([1000, 2000, 3000, 4000]);
    expect(fmtTick(25000, 5000)).toBe('25k');
    expect(fmtTick(0.05, 0.05)).toBe('0.05');
    const years = timeTicks(Date.UTC(2015, 0, 1), Date.UTC(2019, 11, 1), 5);
    expect(years.ticks.map(years.label)).toEqual(['2015', '2016', '2017', '2018', '2019']);
  });

  it('collapses long category lists and computes correlation differences', () => {
    const cats = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const c = collapseCategories({ column: 'x', kind: 'categorical', categories: cats, real: cats.map((_, i) => 20 - i), synthetic: cats.map(() => 1) }, 5);
    expect(c.categories).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'other (15 levels)']);
    expect(c.real.reduce((a, b) => a + b)).toBe(210);
    expect(correlationDifference([[1, 0.5], [0.5, 1]], [[1, null], [0.2, 1]])).toEqual([[0, null], [0.3, 0]]);
  });

  it('every chart helper returns one escaped, titled <svg>', () => {
    const bad = '<b>&"';
    const charts = [
      histogramOverlay({ title: bad, edges: [0, 1, 2], series: [{ label: bad, values: [1, 2], color: '#000' }] }),
      histogramOverlay({ title: 'constant', edges: [5, 5], series: [{ label: 'r', values: [3], color: '#000' }] }),
      histogramOverlay({ title: 'dates', edges: [0, 86_400_000 * 400], series: [{ label: 'r', values: [3], color: '#000' }], xScale: 'time' }),
      groupedBars({ title: bad, groups: [bad, 'b'], series: [{ label: bad, values: [1, null], color: '#000' }] }),
      heatmap({ title: bad, labels: [bad, 'b', 'c'], values: [[1, 0.1, null], [0.1, 1, 0.3], [null, 0.3, 1]], max: 0.5 }),
      metricBars({ title: bad, bars: [{ label: bad, value: 0.7, reference: { value: 0.6, label: bad } }], ideal: { value: 0.5, label: 'ideal' } }),
      imageGrid([{ label: bad, pngBase64: 'iVBORw0KGgo=' }, { label: 'evil', pngBase64: '" onload="alert(1)' }]),
    ];
    for (const svg of charts) {
      expect(svg.match(/<svg /g)?.length).toBe(1);
      expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*><title>/);
      expect(svg).not.toContain('<b>');
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    }
    expect(charts[2]).toContain('>1970-07<'); // month ticks for a 400-day span
    expect(charts[2]).toContain('1970-01-01 – 1971-02-05'); // bin tooltip at day resolution
    expect(charts[6]).toContain('data:image/png;base64,iVBORw0KGgo=');
    expect(charts[6]).not.toContain('onload');
    expect(charts[6]).toContain('invalid image data');
  });
});

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('report.html in headless Chromium', () => {
  const skip = !existsSync(CHROMIUM);
  if (skip) console.warn(`report-html: skipping the browser test — ${CHROMIUM} not found (apt-get install -y --no-install-recommends chromium)`);

  it.skipIf(skip)('loads without errors or network requests, with every chart visible; writes a screenshot', async () => {
    const { chromium } = await import('playwright-core');
    const report = load();
    const page = renderReportHtml(report);
    const dir = await mkdtemp(join(tmpdir(), 'synthdiff-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, page);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    try {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      tab.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await tab.goto(`file://${file}`, { waitUntil: 'load' });
      const sizes = await tab.$$eval('svg', (els) => els.map((e) => e.getBoundingClientRect()).map((b) => [b.width, b.height]));
      const expected = (page.match(/<svg /g) ?? []).length;
      expect(sizes.length).toBe(expected);
      for (const [w, h] of sizes) {
        expect(w).toBeGreaterThan(50);
        expect(h).toBeGreaterThan(50);
      }
      expect(await tab.locator('svg').first().isVisible()).toBe(true);
      const shot = join(tmpdir(), 'synthdiff-report-html.png');
      await tab.screenshot({ path: shot, fullPage: true });
      console.info(`report-html: screenshot ${shot}`);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
