import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validity } from '../src/evaluate/validity.js';
import { renderReportHtml } from '../src/report/html.js';
import type { RunReport } from '../src/report/model.js';
import { evaluateTables, validityReport } from '../src/run/table/evaluate.js';
import { cat, num, table } from './helpers/evaluate-tables.js';

const quiet = { info() {}, warn() {} } as never;

/** 40 real rows: country → continent holds exactly; gdp in [100, 4000]. */
const countries = ['fr', 'de', 'jp', 'cn', 'br', 'ar', 'ke', 'ng'];
const continentOf: Record<string, string> = { fr: 'eu', de: 'eu', jp: 'as', cn: 'as', br: 'sa', ar: 'sa', ke: 'af', ng: 'af' };
const realCountry = Array.from({ length: 40 }, (_, i) => countries[i % 8]!);
const real = table(
  cat('country', countries, realCountry),
  cat('continent', ['eu', 'as', 'sa', 'af'], realCountry.map((c) => continentOf[c]!)),
  num('gdp', Array.from({ length: 40 }, (_, i) => 100 + i * 100)),
);
/** 10 synthetic rows: one gdp below and two above the real range, one label never seen, two rows with fr in Asia. */
const synCountry = ['fr', 'fr', 'de', 'jp', 'cn', 'br', 'ar', 'ke', 'ng', 'xx'];
const synthetic = table(
  // Its own category order, with a label the real column lacks: labels compare as text.
  cat('country', ['xx', ...countries], synCountry),
  cat('continent', ['af', 'as', 'eu', 'sa'], ['as', 'as', 'eu', 'as', 'as', 'sa', 'sa', 'af', 'af', 'eu']),
  num('gdp', [50, 200, 300, 400, 500, 600, 700, 800, 5000, 9000]),
);

describe('validity', () => {
  it('counts values outside the real range, never-seen labels and never-seen dependent combinations', () => {
    const v = validity(real, synthetic);
    expect(v.ranges).toEqual([{ column: 'gdp', kind: 'numeric', min: 100, max: 4000, n: 10, below: 1, above: 2, share: 0.7 }]);
    const country = v.categories.find((c) => c.column === 'country')!;
    expect(country).toMatchObject({ n: 10, unseen: 1, share: 0.9, unseenLabels: ['xx'] });
    expect(v.categories.find((c) => c.column === 'continent')!.share).toBe(1);
    expect(v.dependencies).toContainEqual({ from: 'country', to: 'continent', rows: 2 });
    // fr in Asia breaks country → continent; xx has no real continent, so it is an unseen label, not a combination.
    expect(v.unseenCombinationRows).toBe(2);
    expect(v.unseenCombinationShare).toBeCloseTo(0.2);
    const clean = validity(real, real);
    expect(clean.unseenCombinationRows).toBe(0);
    expect(clean.ranges[0]!.share).toBe(1);
  });

  it('is part of the evaluation only where a synthetic table exists', async () => {
    const withSyn = await evaluateTables({ outliers: false }, { train: real, synthetic, seed: 1 }, quiet);
    expect(withSyn.validity?.unseenCombinationRows).toBe(2);
    const without = await evaluateTables({}, { train: real, seed: 1 }, quiet);
    expect(without.validity).toBeUndefined();
  });

  it('shows a card and a section in report.html', () => {
    const report = JSON.parse(readFileSync(new URL('../fixtures/report/sample-run.json', import.meta.url), 'utf8')) as RunReport;
    // Through JSON as report.json is, so NaN shares arrive as null.
    report.evaluation!.validity = JSON.parse(JSON.stringify(validityReport(real, synthetic)));
    const page = renderReportHtml(report);
    expect(page).toContain('<section id="validity">');
    expect(page).toContain('href="#validity"');
    const s = page.slice(page.indexOf('<section id="validity">'), page.indexOf('</section>', page.indexOf('<section id="validity">')));
    expect(s).toContain('Adherence per column');
    expect(s).toMatch(/<td>gdp<\/td><td class="num">100<\/td><td class="num">4000<\/td><td class="num">70\.0%<\/td><td class="num">1<\/td><td class="num">2<\/td>/);
    expect(s).toContain('<td class="grow">xx</td>');
    expect(s).toMatch(/<td>country<\/td><td>continent<\/td><td class="num">2<\/td>/);
    const summary = page.slice(page.indexOf('<section id="summary">'));
    expect(summary).toContain('2 row(s) pairing dependent columns as no real row does');
    const card = summary.slice(summary.lastIndexOf('<article', summary.indexOf('href="#validity"')), summary.indexOf('</article>', summary.indexOf('href="#validity"')));
    expect(card).toContain('tone-poor');
    expect(card).toContain('70.0%'); // the lowest column adherence: gdp
  });
});
