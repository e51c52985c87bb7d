/**
 * Differentially private training against non-private training (issue 18). One unit = one table × one
 * budget (ε ∈ {1, 3, 10} and "none"), on the seeded 50/50 split synth-shared uses:
 *
 * 1. `synthdiff run` on the whole CSV (its own seeded 50/50 split) with `model.privacy: { epsilon }` (or none), a generate task of as many
 *    rows as train.csv, and the run's own evaluators: `imputation` (20% MCAR cells hidden in the
 *    holdout, RMSE on standardized values) and `privacy` (membership-inference AUC: training vs holdout
 *    rows by distance to the nearest synthetic row);
 * 2. score.py (../shared/bench/fidelity) on (train, synthetic, holdout) of synth-shared's split of the
 *    same CSV: detection and pair trends (distribution-level figures; score.py's DCR share is not used,
 *    that split's halves are not the run's).
 *
 * Usage: node --import tsx bench/privacy.ts --tables carData__SLID,modeldata__credit_data,palmerpenguins__penguins
 *          [--eps none,1,3,10] [--steps 400] [--width 128] [--seed 1] [--dir bench/.privacy-splits] [--out FILE.jsonl]
 * Public label sets and ranges (`columns.<name>.categories`, `.min`/`.max`) are given only where --public
 * names the table: the other tables' encoders release labels and ranges by noisy counts.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, round, say, synthdiffRun } from './common.js';
import { headline, score, splitCsv } from './synth-shared.js';

const { values } = parseArgs({
  options: {
    tables: { type: 'string', default: 'carData__SLID,modeldata__credit_data,palmerpenguins__penguins' },
    eps: { type: 'string', default: 'none,1,3,10' },
    steps: { type: 'string', default: '400' },
    width: { type: 'string', default: '128' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: join(REPO_ROOT, 'bench', '.privacy-splits') },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', '.privacy-results.jsonl') },
    public: { type: 'string', default: 'palmerpenguins__penguins' },
  },
});

/**
 * Public knowledge for a table named by --public, the bench's stand-in for a data dictionary: the labels
 * of its text columns and, for number columns, a range rounded outwards to the order of magnitude of
 * its span (e.g. body mass 2,700–6,300 g → 2,000–7,000).
 */
function publicColumns(csv: string): Record<string, { categories?: string[]; min?: number; max?: number }> {
  const [header, ...rows] = readFileSync(csv, 'utf8').trim().split('\n');
  const names = header!.split(',').map((s) => s.replace(/^"|"$/g, ''));
  const cells = rows.map((r) => r.split(',').map((s) => s.replace(/^"|"$/g, '')));
  const out: Record<string, { categories?: string[]; min?: number; max?: number }> = {};
  names.forEach((name, j) => {
    const vals = cells.map((c) => c[j] ?? '').filter((v) => v !== '' && v !== 'NA');
    if (!vals.length) return;
    if (vals.some((v) => Number.isNaN(Number(v)))) {
      out[name] = { categories: [...new Set(vals)].sort() };
      return;
    }
    const xs = vals.map(Number);
    const lo = Math.min(...xs), hi = Math.max(...xs);
    const unit = 10 ** Math.floor(Math.log10(Math.max(hi - lo, 1e-9)));
    out[name] = { min: Math.floor(lo / unit) * unit, max: Math.ceil(hi / unit) * unit };
  });
  return out;
}

const seed = Number(values.seed);
const publicTables = new Set(values.public!.split(',').filter(Boolean));
for (const table of values.tables!.split(',')) {
  const src = resolve(REPO_ROOT, '..', 'shared', 'data', 'tabular', `${table}.csv`);
  const dir = resolve(values.dir!, `${table}-s${seed}`);
  mkdirSync(dir, { recursive: true });
  const { train, holdout, trainRows } = splitCsv(src, dir, seed);
  const columns = publicTables.has(table) ? publicColumns(src) : {};
  for (const eps of values.eps!.split(',')) {
    const tag = eps === 'none' ? 'nonprivate' : `eps${eps}`;
    const spec = {
      version: 1,
      name: `privacy-${table}-${tag}`,
      seed,
      source: { path: src },
      ...(Object.keys(columns).length ? { columns } : {}),
      split: { holdout: 0.5 },
      model: { steps: Number(values.steps), width: Number(values.width), samplerSteps: 25, ...(eps === 'none' ? {} : { privacy: { epsilon: Number(eps) } }) },
      tasks: [{ type: 'generate', rows: trainRows, output: { path: join(dir, `${tag}.csv`) } }],
      evaluate: { privacy: true, imputation: { fraction: 0.2, mechanism: 'mcar' } },
      report: { dir: join(dir, `${tag}-report`), html: false },
    };
    writeFileSync(join(dir, `${tag}.spec.json`), `${JSON.stringify(spec, null, 2)}\n`);
    say(`${table} ${tag}: synthdiff run`);
    let seconds: number;
    try {
      seconds = synthdiffRun(join(dir, `${tag}.spec.json`));
    } catch (e) {
      const line = { table, epsilon: eps, error: String((e as Error).message).split('\n').slice(0, 3).join(' ') };
      appendFileSync(values.out!, `${JSON.stringify(line)}\n`);
      say(`${table} ${tag}: failed: ${line.error}`);
      continue;
    }
    const report = JSON.parse(readFileSync(join(dir, `${tag}-report`, 'report.json'), 'utf8'));
    say(`${table} ${tag}: score.py`);
    const s = score(train, join(dir, `${tag}.csv`), holdout, undefined, seed);
    writeFileSync(join(dir, `${tag}.score.json`), JSON.stringify(s, null, 1));
    const line = {
      table,
      epsilon: eps,
      rows: trainRows,
      seconds: round(seconds, 1),
      steps: report.model.steps,
      noiseMultiplier: report.model.privacy ? round(report.model.privacy.noiseMultiplier, 3) : null,
      sampleRate: report.model.privacy ? round(report.model.privacy.sampleRate, 4) : null,
      epsilonSpent: report.model.privacy ? round(report.model.privacy.epsilonSpent, 3) : null,
      delta: report.model.privacy ? report.model.privacy.delta : null,
      droppedLabels: report.model.privacy?.encoder.droppedLabels ?? null,
      imputationRmse: report.evaluation?.imputation?.overall?.rmse ?? null,
      membershipAuc: report.evaluation?.privacy?.membershipAuc ?? null,
      runDcrShare: report.evaluation?.privacy?.dcrShare ?? null,
      ...headline(s as Record<string, any>),
    };
    appendFileSync(values.out!, `${JSON.stringify(line)}\n`);
    say(JSON.stringify(line));
  }
}
