import { describe, expect, it } from 'vitest';
import { classificationScores, mlEfficacy, regressionScores } from '../src/evaluate/efficacy.js';
import { CREDIT, readFixtureCsv } from './helpers/evaluate-csv.js';
import { shuffleColumns, shuffleRows, sliceRows } from './helpers/evaluate-tables.js';

describe('scores', () => {
  it('accuracy and macro-F1 by hand', () => {
    // class 0: TP 1, 2 true, 1 predicted → F1 2/3; class 1: TP 2, 2 true, 3 predicted → 4/5.
    const s = classificationScores([0, 0, 1, 1], [0, 1, 1, 1], 2);
    expect(s.accuracy).toBe(0.75);
    expect(s.macroF1).toBeCloseTo((2 / 3 + 4 / 5) / 2, 15);
    // A class absent from truth and predictions does not count.
    expect(classificationScores([0, 1], [0, 1], 3).macroF1).toBe(1);
  });
  it('R² and RMSE by hand', () => {
    // truth mean 2, SS_tot 2; residuals (0, 1, −1) → SS_res 2 → R² 0.
    const r = regressionScores([1, 2, 3], [1, 1, 4]);
    expect(r.r2).toBeCloseTo(0, 15);
    expect(r.rmse).toBeCloseTo(Math.sqrt(2 / 3), 15);
  });
});

describe('ML efficacy (train on synthetic, test on real)', () => {
  const credit = shuffleRows(readFixtureCsv(CREDIT), 8);
  const train = sliceRows(credit, 0, 1800);
  const test = sliceRows(credit, 1800, 3000);

  it('classification: a copy of train matches real; shuffled columns lose signal', () => {
    const same = mlEfficacy(train, train, test, 'Status', { seed: 1, nTrees: 40 });
    expect(same.task).toBe('classification');
    if (same.task !== 'classification') return;
    expect(same.real.accuracy).toBeGreaterThan(0.72);
    expect(Math.abs(same.ratio.macroF1 - 1)).toBeLessThan(0.05);
    const bad = mlEfficacy(train, shuffleColumns(train, 2), test, 'Status', { seed: 1, nTrees: 40 });
    if (bad.task !== 'classification') return;
    expect(bad.ratio.macroF1).toBeLessThan(0.85);
  });

  it('regression: R² on Price (driven by Amount) and the ratio', () => {
    const same = mlEfficacy(train, train, test, 'Price', { seed: 1, nTrees: 40 });
    expect(same.task).toBe('regression');
    if (same.task !== 'regression') return;
    expect(same.real.r2).toBeGreaterThan(0.5); // 0.58 at the time of writing
    expect(Math.abs(same.ratio.r2 - 1)).toBeLessThan(0.05);
    const bad = mlEfficacy(train, shuffleColumns(train, 2), test, 'Price', { seed: 1, nTrees: 40 });
    if (bad.task !== 'regression') return;
    expect(bad.synthetic.r2).toBeLessThan(0.1);
  });

  it('rejects an unknown target', () => {
    expect(() => mlEfficacy(train, train, test, 'nope', { seed: 1 })).toThrow(/^evaluate.efficacy.target: the training table has no such column \(columns: /);
  });
});
