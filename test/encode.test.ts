import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/table-io.js';
import { TableEncoder, probToQuantile, quantileToProb } from '../src/table/encode.js';
import { normalCdf, normalPpf } from '../src/table/normal.js';
import { isCategorical, type Table } from '../src/table/table.js';

// Every shared table when ../shared is beside the checkout, else the copies in fixtures/tables.
const SHARED = '../shared/data/tabular';
const DIR = existsSync(SHARED) ? SHARED : 'fixtures/tables';
const tables = readdirSync(DIR).filter((f) => f.endsWith('.csv'));

function expectSameValues(a: Table, b: Table): void {
  a.columns.forEach((c, j) => {
    const d = b.columns[j]!;
    expect(d.kind).toBe(c.kind);
    if (isCategorical(c)) {
      expect((d as typeof c).categories).toEqual(c.categories);
      const dc = (d as typeof c).codes;
      const bad = c.codes.findIndex((k, i) => k >= 0 && dc[i] !== k);
      if (bad >= 0) expect(dc[bad], `${c.name} row ${bad + 1}`).toBe(c.codes[bad]);
    } else {
      // Exact, except where float64 itself runs out: a 13-digit value (gapminder gdp 2.48e12 with cents)
      // interpolated in a probability near 1 can come back a few ulps off — we allow 1e-12 relative there.
      const dv = (d as typeof c).values;
      const bad = c.values.findIndex((v, i) => !Number.isNaN(v) && Math.abs(dv[i]! - v) > 1e-12 * Math.max(1, Math.abs(v)));
      if (bad >= 0) expect(dv[bad], `${c.name} row ${bad + 1}`).toBe(c.values[bad]);
      let inexact = 0;
      c.values.forEach((v, i) => {
        if (!Number.isNaN(v) && !Object.is(dv[i], v)) inexact++;
      });
      expect(inexact, `${c.name}: values not bit-exact`).toBeLessThanOrEqual(Math.ceil(c.values.length * 0.01));
    }
  });
}

describe('normal CDF / quantile', () => {
  it('invert each other to machine precision', () => {
    for (const p of [1e-7, 1e-4, 0.02, 0.3, 0.5, 0.77, 0.999, 1 - 1e-7]) expect(Math.abs(normalCdf(normalPpf(p)) - p)).toBeLessThan(1e-15);
    expect(normalPpf(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
  });
  it('quantile lookup averages over flat stretches and inverts', () => {
    const q = [0, 1, 1, 1, 2];
    expect(quantileToProb(q, 1)).toBe(0.5);
    expect(quantileToProb(q, 1.5)).toBe(0.875);
    expect(probToQuantile(q, 0.875)).toBe(1.5);
    expect(quantileToProb(q, -1)).toBe(0);
  });
});

describe('TableEncoder round trip', () => {
  it.each(tables)('%s: decode(encode(table)) returns every observed value exactly', async (file) => {
    const { table } = await readTable(`${DIR}/${file}`);
    const enc = TableEncoder.fit(table);
    const e = enc.encode(table);
    expect(e.x.length).toBe(table.nRows * enc.dim);
    expect(e.x.every(Number.isFinite)).toBe(true);
    expectSameValues(table, enc.decode(e.x, table.nRows));
    // The encoder survives a JSON round trip (it is saved with the model).
    const again = TableEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    const x2 = again.encode(table).x;
    expect(Buffer.from(x2.buffer).equals(Buffer.from(e.x.buffer))).toBe(true);
  });

  it('uses analog bits for high-cardinality columns: 5,000 levels in 13 dimensions', () => {
    const n = 5000;
    const t: Table = { nRows: n, columns: [{ name: 'id', kind: 'categorical', codes: Int32Array.from({ length: n }, (_, i) => i), categories: Array.from({ length: n }, (_, i) => `c${i}`) }] };
    const enc = TableEncoder.fit(t);
    expect(enc.dim).toBe(13);
    expectSameValues(t, enc.decode(enc.encode(t).x, n));
  });
});
