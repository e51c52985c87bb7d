import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/table-io.js';
import { messages } from '../src/messages.js';
import { rowKey } from '../src/synth/cart.js';
import { findPanel, panelSynthesize } from '../src/synth/panel.js';
import { closerShare, validatePanel } from '../src/synth/tune.js';
import { isCategorical, takeRows, type Table } from '../src/table/table.js';
import { runSpecInTempDir } from './helpers/cli.js';
import { labels, numbers } from './helpers/columns.js';

const GAPMINDER = resolve('fixtures/tables/dslabs__gapminder.csv');
const SLID = resolve('fixtures/tables/carData__SLID.csv');

describe('generate engine panel (entities over time)', () => {
  it('finds the entity × time structure of a panel and none in a cross-section', async () => {
    expect(findPanel((await readTable(GAPMINDER)).table)).toEqual({ key: 'country', time: 'year', step: 1 });
    expect(findPanel((await readTable(SLID)).table)).toBeUndefined();
  });

  it('draws rows on each entity\'s own series: between its neighbouring years, never a training row, deterministically', async () => {
    const real = (await readTable(GAPMINDER)).table;
    // Train on the even years: every synthetic row at an odd year lies between two training rows.
    const even = Array.from(numbers(real, 'year').keys()).filter((i) => numbers(real, 'year')[i]! % 2 === 0);
    const train = { nRows: even.length, columns: real.columns.map((c) => (isCategorical(c) ? { ...c, codes: Int32Array.from(even, (i) => c.codes[i]!) } : { name: c.name, kind: c.kind, values: Float64Array.from(even, (i) => c.values[i]!) })) } as Table;
    const panel = findPanel(train)!;
    expect(panel.step).toBe(2);
    const a = panelSynthesize(train, 3000, { seed: 7, panel });
    expect(panelSynthesize(train, 3000, { seed: 7, panel }).table).toEqual(a.table);

    const at = new Map<string, number>();
    const [rc, ry, rl] = [labels(real, 'country'), numbers(real, 'year'), numbers(real, 'life_expectancy')];
    rc.forEach((c, i) => at.set(`${c}|${ry[i]}`, rl[i]!));
    const trainKeys = new Set(Array.from({ length: train.nRows }, (_, i) => rowKey(train, i)));
    const [sc, sy, sl] = [labels(a.table, 'country'), numbers(a.table, 'year'), numbers(a.table, 'life_expectancy')];
    let between = 0;
    for (let i = 0; i < a.table.nRows; i++) {
      expect(trainKeys.has(rowKey(a.table, i))).toBe(false);
      const [lo, hi] = [at.get(`${sc[i]}|${sy[i]! - 2}`), at.get(`${sc[i]}|${sy[i]! + 2}`)];
      if (lo === undefined || hi === undefined) continue;
      // Interpolated between the entity's neighbours two years either side, at the data's two decimals.
      expect(sl[i]!).toBeGreaterThanOrEqual(Math.min(lo, hi) - 0.005);
      expect(sl[i]!).toBeLessThanOrEqual(Math.max(lo, hi) + 0.005);
      expect(Math.round(sl[i]! * 100) / 100).toBe(sl[i]);
      between++;
    }
    expect(between).toBeGreaterThan(2500);
    // The grid is the training rows' (even years), over the table's span.
    expect(new Set(Array.from(sy, (y) => y % 2))).toEqual(new Set([0]));
    expect(Math.min(...sy)).toBe(1960);
    expect(Math.max(...sy)).toBe(2016);
  });

  it('is what auto runs on a panel from the CLI: continents kept, missingness kept, the choice and its validation in report.json', async () => {
    const { dir, code, stderr, report } = await runSpecInTempDir('panel-', {
      version: 1,
      name: 'gapminder-panel',
      seed: 5,
      source: { path: GAPMINDER },
      split: { holdout: 0.5 },
      tasks: [{ type: 'generate', rows: 3000, output: { path: 'synthetic.csv' } }],
      report: { dir: 'report', html: true },
    });
    expect(code, stderr).toBe(0);
    expect(report.tasks[0].engine).toBe('panel');
    expect(report.generator.engines['tasks[0]']).toBe('panel');
    expect(report.generator.why).toMatch(/^panel \(country × year\): validation detection [\d.]+ with a matched-time share [\d.]+ ≤ [\d.]+; no leaf kept/);
    expect(report.generator.panel).toMatchObject({ key: 'country', time: 'year', step: 1 });
    const v = report.generator.panel.validation;
    expect(v.private).toBe(true);
    expect(v.detection).toBeGreaterThanOrEqual(0.8);
    expect(v.matchedShare).toBeLessThanOrEqual(v.bar);
    const page = await readFile(join(dir, 'report', 'report.html'), 'utf8');
    expect(page).toContain('country × year');
    expect(page).toMatch(/matched-time share 0\.\d{3} \(bar 0\.\d{3}\)/);
    expect(report.model).toBeUndefined();

    const real = (await readTable(GAPMINDER)).table;
    const syn = (await readTable(join(dir, 'synthetic.csv'))).table;
    expect(syn.nRows).toBe(3000);
    const continentOf = new Map<string, string>();
    const [rc, rk] = [labels(real, 'country'), labels(real, 'continent')];
    rc.forEach((c, i) => continentOf.set(c!, rk[i]!));
    const [sc, sk] = [labels(syn, 'country'), labels(syn, 'continent')];
    expect(sc.filter((c, i) => continentOf.get(c!) !== sk[i]).length).toBe(0);
    const share = (t: Table, name: string) => Array.from(numbers(t, name)).filter(Number.isNaN).length / t.nRows;
    for (const name of ['gdp', 'infant_mortality']) expect(Math.abs(share(syn, name) - share(real, name)), name).toBeLessThan(0.04);
  }, 60_000);

  it('never draws an entity seen once (its own row is all there is to build from)', async () => {
    const real = (await readTable(GAPMINDER)).table;
    const country = labels(real, 'country');
    const firstAlbania = country.indexOf('Albania');
    const keep = Array.from(country.keys()).filter((i) => country[i] !== 'Albania' || i === firstAlbania);
    const train = takeRows(real, keep);
    // At the weight of its one time it would come up ~6 times in 60,000 rows.
    const r = panelSynthesize(train, 60_000, { seed: 3, panel: findPanel(train)! });
    expect(labels(r.table, 'country').filter((c) => c === 'Albania')).toEqual([]);
  });

  it('validates on matched times: private on gapminder, unproven on a panel too small to pair (12 countries × 5 years)', async () => {
    const real = (await readTable(GAPMINDER)).table;
    const full = validatePanel(real, findPanel(real)!, { seed: 2 });
    expect(full.private).toBe(true);
    expect(full.matchedShare).toBeLessThanOrEqual(full.bar);
    expect(full.detection).toBeGreaterThanOrEqual(0.8);
    const country = labels(real, 'country');
    const first12 = [...new Set(country)].sort().slice(0, 12);
    const year = numbers(real, 'year');
    const tiny = takeRows(real, Array.from(country.keys()).filter((i) => first12.includes(country[i]) && year[i]! <= 1964));
    const small = validatePanel(tiny, findPanel(tiny)!, { seed: 2 });
    expect(small.bar).toBeLessThan(0.45);
    expect(small.private).toBe(false);
  });

  it('counts the matched-time share as Mann–Whitney does: ties half, order free', () => {
    expect(closerShare([1, 2], [3, 4])).toBe(1);
    expect(closerShare([3, 4], [1, 2])).toBe(0);
    expect(closerShare([1, 1], [1, 1])).toBe(0.5);
    expect(closerShare([1, 3], [2, 3])).toBe((1 + 1 + 0 + 0.5) / 4);
    expect(closerShare([3, 1], [3, 2])).toBe(closerShare([1, 3], [2, 3]));
  });

  it('refuses engine panel on a table without entities over time, in one line', async () => {
    const r = await runSpecInTempDir('panel-no-', {
      version: 1,
      name: 'slid-panel',
      seed: 5,
      source: { path: SLID },
      tasks: [{ type: 'generate', rows: 100, engine: 'panel', output: { path: 'synthetic.csv' } }],
    }, '-q');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: ${messages.noPanel('tasks[0].engine: panel')}`);
  });
});
