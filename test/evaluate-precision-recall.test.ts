import { describe, expect, it } from 'vitest';
import { alphaPrecisionBetaRecall } from '../src/evaluate/precision-recall.js';
import type { Column, Table } from '../src/table/table.js';
import { PENGUINS, readFixtureCsv } from './helpers/evaluate-csv.js';
import { num, table } from './helpers/evaluate-tables.js';

describe('α-precision / β-recall (synthcity naive)', () => {
  it('matches a hand computation on a 1-D example with a 2-point α grid', () => {
    // Real 0,1,2,4 → scaled 0,.25,.5,1, centre .4375; radii at α=0,1: .0625, .5625.
    // Synthetic 0,1,2.6,12 → scaled 0,.25,.65,3; distances to the real centre .4375,.1875,.2125,2.5625.
    // Precision curve (0, 3/4) → Δ = 1 − (0 + 1/4)/1 = 0.75.
    // Nearest synthetic of each real row: 0,1,2,2 at 0,0,.15,.35 ≤ nearest-real distances .25,.25,.25,.5;
    // their distances to the synthetic centre .975: .975,.725,.325,.325 → radii .325, .975;
    // recall curve (1/2, 1) → Δ = 1 − (1/2 + 0)/1 = 0.5.
    const r = alphaPrecisionBetaRecall(table(num('x', [0, 1, 2, 4])), table(num('x', [0, 1, 2.6, 12])), { seed: 1, nSteps: 2 });
    expect(r.alphaPrecisionCurve).toEqual([0, 0.75]);
    expect(r.betaRecallCurve).toEqual([0.5, 1]);
    expect(r.alphaPrecision).toBeCloseTo(0.75, 15);
    expect(r.betaRecall).toBeCloseTo(0.5, 15);
  });

  it('a copy of the real data scores ≈ 1 on both', () => {
    const real = readFixtureCsv(PENGUINS);
    const r = alphaPrecisionBetaRecall(real, real, { seed: 1 });
    expect(r.alphas).toHaveLength(30);
    expect(r.alphaPrecision).toBeGreaterThan(0.95);
    expect(r.betaRecall).toBeGreaterThan(0.95);
  });

  it('mode collapse (every synthetic row = one real row) ruins both', () => {
    const real = readFixtureCsv(PENGUINS);
    const columns = real.columns.map((c): Column =>
      'codes' in c ? { ...c, codes: new Int32Array(real.nRows).fill(c.codes[0]!) } : { ...c, values: new Float64Array(real.nRows).fill(c.values[0]!) },
    );
    const collapsed: Table = { nRows: real.nRows, columns };
    const r = alphaPrecisionBetaRecall(real, collapsed, { seed: 1 });
    expect(r.betaRecall).toBeLessThan(0.2);
    expect(r.alphaPrecision).toBeLessThan(0.6);
  });
});
