import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/table-io.js';
import { createRng } from '../src/rng.js';
import { TableEncoder } from '../src/table/encode.js';
import { ColumnSketch, QuantileSketch } from '../src/table/sketch.js';

/** Largest |rank(q_i)/n − p_i| over the sketch's quantiles, against the exact sorted data. */
function maxRankError(sorted: Float64Array, qs: number[]): number {
  const n = sorted.length;
  let worst = 0;
  qs.forEach((q, i) => {
    const p = i / (qs.length - 1);
    // Any rank in [first ≥ q, last ≤ q] is consistent with q; take the nearest to p.
    let lo = 0, hi = n;
    while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m]! < q) lo = m + 1; else hi = m; }
    const first = lo;
    lo = 0; hi = n;
    while (lo < hi) { const m = (lo + hi) >> 1; if (sorted[m]! <= q) lo = m + 1; else hi = m; }
    const last = Math.max(first, lo - 1);
    const target = p * (n - 1);
    const err = target < first ? first - target : target > last ? target - last : 0;
    worst = Math.max(worst, err / n);
  });
  return worst;
}

function stream(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  // A skewed mixture with ties, the kind of column a quantile transform meets.
  return Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? Math.round(rng.normal() * 3) : Math.exp(rng.normal())));
}

describe('QuantileSketch (KLL)', () => {
  it('is exact while the stream is shorter than k', () => {
    const xs = stream(3000, 1);
    const s = new QuantileSketch(4096);
    xs.forEach((v) => s.add(v));
    const sorted = Float64Array.from(xs).sort();
    const qs = s.quantiles(1000);
    qs.forEach((q, i) => {
      const pos = (i / 999) * 2999, lo = Math.floor(pos);
      expect(q).toBe(pos === lo ? sorted[lo] : sorted[lo]! + (pos - lo) * (sorted[lo + 1]! - sorted[lo]!));
    });
  });

  it('keeps rank error under 0.2% on 300k values in O(k) memory, alone or merged from chunks', () => {
    const xs = stream(300_000, 2);
    const sorted = Float64Array.from(xs).sort();
    const whole = new QuantileSketch(4096, 7);
    xs.forEach((v) => whole.add(v));
    expect(whole.n).toBe(300_000);
    expect(whole.toJSON().levels.flat().length).toBeLessThan(4 * 4096);
    expect(maxRankError(sorted, whole.quantiles(1000))).toBeLessThan(0.002);

    const parts = [0, 1, 2, 3].map((c) => {
      const p = new QuantileSketch(4096, 7 + c);
      for (let i = c * 75_000; i < (c + 1) * 75_000; i++) p.add(xs[i]!);
      return p;
    });
    const merged = parts.reduce((a, b) => a.merge(b));
    expect(merged.n).toBe(300_000);
    expect(maxRankError(sorted, merged.quantiles(1000))).toBeLessThan(0.002);
    // Extremes are never compacted away on the first/last ranks by more than the error bound either.
    const q = merged.quantiles(2);
    expect(q[0]).toBeLessThanOrEqual(sorted[Math.ceil(0.002 * 300_000)]!);
    expect(Math.abs(merged.cdf(1) - sorted.filter((v) => v <= 1).length / 300_000)).toBeLessThan(0.002);
  });

  it('is deterministic and survives a JSON round trip', () => {
    const xs = stream(50_000, 3);
    const a = new QuantileSketch(512, 5), b = new QuantileSketch(512, 5);
    xs.forEach((v) => (a.add(v), b.add(v)));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(c.quantiles(101)).toEqual(a.quantiles(101));
  });
});

describe('ColumnSketch and TableEncoder.fromSketches', () => {
  it('gives exactly the in-memory encoder on a table smaller than k, also when fitted in merged chunks', async () => {
    const { table } = await readTable('fixtures/tables/survival__pbc.csv');
    const direct = TableEncoder.fit(table);
    const whole = table.columns.map((c) => {
      const s = new ColumnSketch(c.name, c.kind, { resolution: 'resolution' in c ? c.resolution : undefined });
      s.add(c);
      return s;
    });
    expect(JSON.stringify(TableEncoder.fromSketches(whole))).toBe(JSON.stringify(direct));
    // Two halves by row selection, merged: counts add, quantiles unchanged (still under k).
    const half = (from: number, to: number) =>
      table.columns.map((c) => {
        const s = new ColumnSketch(c.name, c.kind, { resolution: 'resolution' in c ? c.resolution : undefined });
        s.add(c, Int32Array.from({ length: to - from }, (_, i) => from + i));
        return s;
      });
    const a = half(0, 200), b = half(200, table.nRows);
    const merged = a.map((s, j) => ColumnSketch.fromJSON(JSON.parse(JSON.stringify(s))).merge(b[j]!));
    expect(JSON.stringify(TableEncoder.fromSketches(merged))).toBe(JSON.stringify(direct));
    expect(merged.map((s) => s.missing)).toEqual(whole.map((s) => s.missing));
  });

  it('refuses a column of another family', () => {
    const s = new ColumnSketch('x', 'numeric');
    expect(() => s.add({ name: 'x', kind: 'categorical', codes: new Int32Array([0]), categories: ['a'] })).toThrow(/sketched as numeric/);
  });
});
