import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runSpec } from './helpers/cli.js';
import { imputedVsObserved } from '../src/evaluate/imputed.js';
import { renderReportHtml } from '../src/report/html.js';
import type { RunReport } from '../src/report/model.js';
import { evaluateTables, imputedReport } from '../src/run/table/evaluate.js';
import { cat, num, table } from './helpers/evaluate-tables.js';

const quiet = { info() {}, warn() {} } as never;

/** 20 rows: x has 4 holes, g 2, y none. */
const x = Array.from({ length: 20 }, (_, i) => (i % 5 === 4 ? NaN : i));
const g = Array.from({ length: 20 }, (_, i) => (i === 3 || i === 7 ? null : i % 2 ? 'a' : 'b'));
const input = table(num('x', x), cat('g', ['a', 'b'], g), num('y', x.map((_, i) => i)));
// Every hole of x filled with 100 (outside the observed range), g's with a and a new label c.
const completed = table(num('x', x.map((v) => (Number.isNaN(v) ? 100 : v))), cat('g', ['a', 'b', 'c'], g.map((l, i) => l ?? (i === 3 ? 'a' : 'c'))), num('y', x.map((_, i) => i)));

describe('imputed vs observed', () => {
  it('compares the values filled into the holes with the observed ones, per column with holes', () => {
    const cols = imputedVsObserved(input, completed);
    expect(cols.map((c) => c.column)).toEqual(['x', 'g']);
    const cx = cols[0]!;
    expect(cx).toMatchObject({ holes: 4, filled: 4, metric: 'KSComplement', similarity: 0 });
    expect(cx.observed.reduce((a, b) => a + b)).toBe(16);
    expect(cx.imputed.reduce((a, b) => a + b)).toBe(4);
    expect(cx.imputed[cx.imputed.length - 1]).toBe(4); // all at the top of the shared range
    expect(cx.edges![cx.edges!.length - 1]).toBe(100);
    const cg = cols[1]!;
    expect(cg.categories).toEqual(['a', 'b', 'c']);
    expect(cg.observed).toEqual([8, 10, 0]);
    expect(cg.imputed).toEqual([1, 0, 1]);
    // TVComplement: 1 − ½(|8/18 − ½| + |10/18 − 0| + |0 − ½|)
    expect(cg.similarity).toBeCloseTo(1 - 0.5 * (Math.abs(8 / 18 - 0.5) + 10 / 18 + 0.5));
  });

  it('is part of the evaluation only when an impute task hands its tables over', async () => {
    const ev = await evaluateTables({}, { train: input, seed: 1, imputed: { input, completed, output: 'out/completed.csv' } }, quiet);
    expect(ev.imputed?.columns.map((c) => c.column)).toEqual(['x', 'g']);
    expect(ev.imputed?.output).toBe('out/completed.csv');
    expect((await evaluateTables({}, { train: input, seed: 1 }, quiet)).imputed).toBeUndefined();
  });

  it('draws one observed-vs-imputed chart per column, least similar first', () => {
    const report = JSON.parse(readFileSync(new URL('../fixtures/report/sample-run.json', import.meta.url), 'utf8')) as RunReport;
    report.evaluation!.imputed = JSON.parse(JSON.stringify(imputedReport(input, completed, 'out/completed.csv')));
    const page = renderReportHtml(report);
    expect(page).toContain('href="#imputed"');
    const start = page.indexOf('<section id="imputed">');
    expect(start).toBeGreaterThan(0);
    const s = page.slice(start, page.indexOf('</section>', start));
    const titles = [...s.matchAll(/role="img" font-family="inherit"><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toEqual(['x', 'g']);
    expect(s).toContain('Observed: ');
    expect(s).toContain('Imputed: ');
    expect(s).toContain('4 imputed · KSComplement 0.000');
  });
});

describe('imputed vs observed from a run', () => {
  it('an in-memory impute task hands its tables to the evaluation: report.json and report.html show the real holes filled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imputed-run-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const r = await runSpec(dir, {
      version: 1,
      name: 'imputed-run',
      seed: 1,
      source: { path: resolve('fixtures/tables/datasets__airquality.csv') },
      split: { holdout: 0 },
      model: { width: 16, depth: 1, steps: 30 },
      tasks: [{ type: 'impute', engine: 'diffusion', output: { path: 'imputed.csv' } }],
      evaluate: { fidelity: false },
      report: { dir: 'report', html: true },
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    // airquality's real holes: Ozone (37) and Solar.R (7).
    const cols = report.evaluation.imputed.columns.map((c: { column: string }) => c.column).sort();
    expect(cols).toEqual(['Ozone', 'Solar.R']);
    expect(await readFile(join(dir, 'report', 'report.html'), 'utf8')).toContain('Ozone');
  }, 60_000);
});
