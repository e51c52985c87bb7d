import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/table-io.js';
import { mergeStats, statsLayout, summarizeStats, tableStats } from '../src/stats/shard-stats.js';
import { concatTables } from '../src/run/shard/merge.js';
import { createRng } from '../src/rng.js';
import { TableEncoder } from '../src/table/encode.js';
import { takeRows, type Table } from '../src/table/table.js';
import type { StatsSummary } from '../src/report/model.js';

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, k) => a + k);

/** Every number in `a` within `tol` (relative to max(1, |b|)) of the one in `b`; everything else equal. */
function expectClose(a: unknown, b: unknown, tol: number, path = ''): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(a - b) > tol * Math.max(1, Math.abs(b))) throw new Error(`${path}: ${a} vs ${b}`);
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
    return;
  }
  expect(a, path).toEqual(b);
}

describe('mergeable shard statistics', () => {
  it.each(['modeldata__credit_data.csv', 'mice__boys.csv', 'forcats__gss_cat.csv'])('merged part statistics equal the whole table’s within 1e-9 (%s)', async (file) => {
    const { table } = await readTable(`fixtures/tables/${file}`);
    const layout = statsLayout(TableEncoder.fit(table).columns);
    const whole = tableStats(table, layout);
    // Uneven cuts, an empty part included, as N > rows or a ragged last shard produce.
    const rng = createRng(7);
    const cuts = [0, ...Array.from({ length: 5 }, () => rng.int(table.nRows)).sort((a, b) => a - b), table.nRows];
    cuts.splice(2, 0, cuts[1]!);
    const parts = cuts.slice(1).map((end, i) => tableStats(takeRows(table, range(cuts[i]!, end)), layout));
    const merged = mergeStats(JSON.parse(JSON.stringify(parts)));
    expect(merged.rows).toBe(table.nRows);
    expectClose(merged, whole, 1e-9);
    const s: StatsSummary = summarizeStats(merged);
    expectClose(s, summarizeStats(whole), 1e-9);
    // The summaries are what they claim: a direct two-pass mean/sd of one continuous column.
    const c = s.columns.find((x) => x.kind === 'continuous');
    if (c?.kind === 'continuous') {
      const col = table.columns.find((x) => x.name === c.name) as Extract<Table['columns'][number], { values: Float64Array }>;
      const xs = [...col.values].filter((v) => !Number.isNaN(v));
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      expect(Math.abs(c.mean! - mean)).toBeLessThan(1e-9 * Math.max(1, Math.abs(mean)));
      expect(Math.abs(c.sd! - sd)).toBeLessThan(1e-9 * Math.max(1, sd));
      expect(c.histogram.counts.reduce((a, b) => a + b, 0)).toBe(xs.length);
    }
  });

  it('concatenating tables unites category lists and keeps codes meaning the same labels', () => {
    const a: Table = { nRows: 2, columns: [{ name: 'k', kind: 'categorical', codes: Int32Array.from([0, 1]), categories: ['x', 'y'] }] };
    const b: Table = { nRows: 2, columns: [{ name: 'k', kind: 'categorical', codes: Int32Array.from([-1, 0]), categories: ['z'] }] };
    const t = concatTables([a, b]);
    const c = t.columns[0] as Extract<Table['columns'][number], { codes: Int32Array }>;
    expect([...c.codes].map((k) => (k < 0 ? null : c.categories[k]))).toEqual(['x', 'y', null, 'z']);
  });

  it('refuses to merge parts counted on different bins', async () => {
    const { table } = await readTable('fixtures/tables/mice__boys.csv');
    const l1 = statsLayout(TableEncoder.fit(table).columns);
    const l2 = statsLayout(TableEncoder.fit(takeRows(table, range(400, 748))).columns);
    expect(() => mergeStats([tableStats(table, l1), tableStats(table, l2)], 'out.csv')).toThrow(/out\.csv: part 1 was counted on different bins/);
  });
});
