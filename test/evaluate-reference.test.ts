/**
 * Independent checks against scipy / scikit-learn (system /usr/bin/python3). Skipped with a message when
 * they are not installed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ksStatistic } from '../src/evaluate/fidelity.js';
import { aucTwoSample } from '../src/evaluate/stats.js';
import { createRng } from '../src/rng.js';
import type { CategoricalColumn, NumericColumn } from '../src/table/table.js';
import { CREDIT, PENGUINS, readFixtureCsv } from './helpers/evaluate-csv.js';

const PY = '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import scipy, sklearn'], { encoding: 'utf8' });
const havePy = probe.status === 0;
if (!havePy) console.warn(`skipping scipy/sklearn reference checks: ${PY} with scipy + sklearn not available (${probe.error?.message ?? probe.stderr?.trim()})`);

function py(script: string, input: unknown): unknown {
  const r = spawnSync(PY, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Values of a numeric column split by a categorical column's two levels, missing dropped by the caller side. */
function split(path: string, valueCol: string, byCol: string): [number[], number[]] {
  const t = readFixtureCsv(path);
  const v = t.columns.find((c) => c.name === valueCol) as NumericColumn;
  const g = t.columns.find((c) => c.name === byCol) as CategoricalColumn;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < t.nRows; i++) {
    if (g.codes[i] === 0) a.push(v.values[i]!);
    else if (g.codes[i] === 1) b.push(v.values[i]!);
  }
  return [a, b];
}

describe.skipIf(!havePy)('against scipy / scikit-learn', () => {
  it('KS statistic equals scipy.stats.ks_2samp on real columns (ties, missing)', () => {
    const cases: [number[], number[]][] = [
      split(CREDIT, 'Income', 'Status'), // has missing values
      split(CREDIT, 'Seniority', 'Status'), // heavy ties (integer years)
      split(PENGUINS, 'body_mass_g', 'sex'),
      split(PENGUINS, 'bill_depth_mm', 'species'),
    ];
    const ref = py(
      `import json, sys, math
from scipy.stats import ks_2samp
cases = json.load(sys.stdin)
out = []
for a, b in cases:
    a = [x for x in a if x is not None and not math.isnan(x)]
    b = [x for x in b if x is not None and not math.isnan(x)]
    out.append(float(ks_2samp(a, b).statistic))
print(json.dumps(out))`,
      cases.map(([a, b]) => [a.map((x) => (Number.isNaN(x) ? null : x)), b.map((x) => (Number.isNaN(x) ? null : x))]),
    ) as number[];
    cases.forEach(([a, b], k) => expect(ksStatistic(a, b)).toBeCloseTo(ref[k]!, 12));
  });

  it('AUC equals sklearn.metrics.roc_auc_score on heavily tied scores', () => {
    const rng = createRng(9);
    const pos = Array.from({ length: 300 }, () => Math.floor(rng.next() * 7) / 6);
    const neg = Array.from({ length: 250 }, () => Math.floor(rng.next() * 5) / 6);
    const ref = py(
      `import json, sys
from sklearn.metrics import roc_auc_score
pos, neg = json.load(sys.stdin)
print(json.dumps(float(roc_auc_score([1]*len(pos) + [0]*len(neg), pos + neg))))`,
      [pos, neg],
    ) as number;
    expect(aucTwoSample(pos, neg)).toBeCloseTo(ref, 12);
  });
});
