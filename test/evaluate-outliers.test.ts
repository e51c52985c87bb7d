import { describe, expect, it } from 'vitest';
import { averagePathLength, isolationForestScores, scoreSummary, topK } from '../src/evaluate/outliers.js';
import type { Column, NumericColumn, Table } from '../src/table/table.js';
import { CREDIT, readFixtureCsv } from './helpers/evaluate-csv.js';
import { num, table } from './helpers/evaluate-tables.js';

describe('isolation forest', () => {
  it('c(n) follows Liu et al. 2008 (c(2) = 1)', () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // 2(ln 255 + γ) − 2·255/256
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + 0.5772156649015329) - 510 / 256, 12);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
  });

  it('ranks 5 rows planted 20 sd away (every numeric column) as its top 5, deterministically', () => {
    const credit = readFixtureCsv(CREDIT);
    const planted = [17, 901, 2222, 3001, 4400];
    const columns = credit.columns.map((c): Column => {
      if (!('values' in c)) return c;
      const v = (c as NumericColumn).values.slice();
      let s = 0, s2 = 0, n = 0;
      for (const x of v) if (!Number.isNaN(x)) { s += x; s2 += x * x; n++; }
      const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
      for (const i of planted) v[i] = mean + 20 * sd;
      return { ...c, values: v } as NumericColumn;
    });
    const t: Table = { nRows: credit.nRows, columns };
    const [scores] = isolationForestScores(t, [t], { seed: 3 });
    expect(Array.from(topK(scores!, 5)).sort((a, b) => a - b)).toEqual(planted);
    for (const s of scores!) expect(s > 0 && s <= 1).toBe(true);
    expect(scores![planted[0]!]).toBeGreaterThan(0.7);
    expect(isolationForestScores(t, [t], { seed: 3 })[0]).toEqual(scores);
    // Scoring another table with the same schema works (here: the clean table, where no row stands out as much).
    const [clean] = isolationForestScores(t, [credit], { seed: 3 });
    expect(Math.max(...clean!)).toBeLessThan(Math.min(...planted.map((i) => scores![i]!)));
  });

  it('handles a tiny table and a constant column', () => {
    const t = table(num('a', [1, 1, 1, 1]), num('b', [0, 1, 2, 50]));
    const [s] = isolationForestScores(t, [t], { seed: 1, nTrees: 50 });
    expect(topK(s!, 1)[0]).toBe(3);
  });
});

describe('score helpers', () => {
  it('topK orders by score, ties to the lower index, skipping NaN', () => {
    expect(Array.from(topK([0.2, 0.9, NaN, 0.9, 0.5], 3))).toEqual([1, 3, 4]);
    expect(Array.from(topK([1, 2], 5))).toEqual([1, 0]);
  });
  it('scoreSummary gives quantiles and a histogram', () => {
    const s = scoreSummary([0, 0.25, 0.5, 0.75, 1, NaN], 4);
    expect(s.n).toBe(5);
    expect(s.quantiles.p50).toBe(0.5);
    expect(s.quantiles.p25).toBe(0.25);
    expect(s.histogram.counts).toEqual([1, 1, 1, 2]);
    expect(s.histogram.edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});
