/**
 * Scenario `impute-shared`: imputation on the shared yardsticks (`../shared/bench/impute`), so our
 * numbers and the peers' come from one scorer. One unit = one table × one mask seed:
 *
 * 1. `mask.py` hides 30% of the observed cells MCAR (kept if the folder already has them);
 * 2. `peers.py` runs missForest, R mice, IterativeImputer (BayesianRidge, ExtraTrees), KNNImputer,
 *    VIM kNN and mean/mode on the same masked.csv (kept if peers.json exists; `--no-peers` skips);
 * 3. ours through the CLI, as a user runs it: a spec with the masked table as source, mask.py's column
 *    kinds, and one impute task (engine auto, 10 draws) — `synthdiff run spec.json`;
 * 4. `score.py` scores every completed table on the hidden cells. One record per method.
 *
 * Also a manual tool on one mask folder, in-process:
 *   npx tsx bench/impute-shared.ts DIR [--draws 10] [--tag name] [--engine auto|diffusion|forest|ridge|legacy] [--tolerance 0.05] [--steps N] [--width W]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { cellIntervals } from '../src/run/table/intervals.js';
import { blendImpute } from '../src/impute/blend.js';
import type { ColumnOverride } from '../src/table/infer.js';
import { emit, maxRssMB, mustRun, PYTHON, REPO_ROOT, round, say, synthdiffRun, timed } from './common.js';

export const SHARED_IMPUTE = process.env.SYNTHDIFF_SHARED_BENCH ?? join(import.meta.dirname, '..', '..', 'shared', 'bench', 'impute');

export interface SharedScore {
  method: string;
  rmse: number | null;
  accuracy: number | null;
  n_numeric: number;
  n_categorical: number;
  per_column: Record<string, { n: number; rmse?: number; accuracy?: number }>;
}

/** score.py's JSON line for one imputed file. */
export function scoreShared(dir: string, file: string): SharedScore & { error?: string } {
  const r = spawnSync(PYTHON, [join(SHARED_IMPUTE, 'score.py'), dir, file], { encoding: 'utf8' });
  const method = file.replace(/^.*\//, '').replace(/^peer-/, '').replace(/\.csv$/, '');
  if (r.status !== 0) return { method, rmse: null, accuracy: null, n_numeric: 0, n_categorical: 0, per_column: {}, error: (r.stderr || r.stdout).trim().split('\n').pop() };
  return { method, ...JSON.parse(r.stdout) };
}

/** Column kinds fixed by mask.py's meta.json, as read overrides. */
export function maskKinds(dir: string): Record<string, ColumnOverride> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { columns: { name: string; kind: 'numeric' | 'categorical' }[] };
  return Object.fromEntries(meta.columns.map((c) => [c.name, { kind: c.kind === 'categorical' ? 'categorical' : 'numeric' } as ColumnOverride]));
}

export interface OursOptions {
  draws: number;
  seed: number;
  steps?: number;
  width?: number;
  tag: string;
  /** 'legacy': the diffusion model alone on the whole table (no validation split). */
  engine?: 'auto' | 'diffusion' | 'forest' | 'ridge' | 'legacy';
  /** The blend's preference for even weights (impute/blend.ts; default there). */
  tolerance?: number;
}

export async function imputeShared(dir: string, o: OursOptions): Promise<{ file: string; trainSeconds: number; imputeSeconds: number; steps: number; mlp: string }> {
  const { table: masked } = await readTable(join(dir, 'masked.csv'), { columns: maskKinds(dir) });
  if (o.engine && o.engine !== 'legacy') {
    const r = await blendImpute(masked, { seed: o.seed, draws: o.draws, engines: o.engine, ...(o.tolerance !== undefined ? { tolerance: o.tolerance } : {}), model: { ...(o.width ? { width: o.width } : {}), train: o.steps ? { steps: o.steps } : {} } });
    const file = join(dir, `${o.tag}.csv`);
    await writeTable(file, r.point);
    say(`weights (diffusion,forest,ridge): ${r.choices.map((c) => `${c.column}=${c.weights.join(",")}`).join(" ")}; forest ${round(r.model.forestSeconds, 1)} s, ridge ${round(r.model.ridgeSeconds, 1)} s`);
    return { file, trainSeconds: round(r.model.trainSeconds, 1), imputeSeconds: round(r.model.imputeSeconds, 1), steps: r.model.steps, mlp: `${r.model.depth}x${r.model.width}` };
  }
  const model = TabularDiffusion.create(masked, { seed: o.seed, ...(o.width ? { width: o.width } : {}), train: o.steps ? { steps: o.steps } : {} });
  const fit = await timed(() => model.fit(masked));
  const imp = await timed(() => model.complete(masked, { draws: o.draws, seed: o.seed, sampler: 'edm-stochastic', steps: 50 }));
  const file = join(dir, `${o.tag}.csv`);
  await writeTable(file, cellIntervals(masked, imp.value).point);
  const out = { file, trainSeconds: round(fit.seconds, 1), imputeSeconds: round(imp.seconds, 1), steps: fit.value.step, mlp: `${model.mlp.depth}x${model.mlp.width}` };
  model.dispose();
  return out;
}

export interface ImputeSharedOptions {
  table: string;
  seed: number;
  /** Where mask folders live (`<table>-s<seed>/`); reused across runs since the peers take minutes. */
  maskDir: string;
  draws: number;
  peers: boolean;
  /** Training steps for ours (quick runs); absent: the library default. */
  steps?: number;
}

/** One table × seed on the shared yardsticks: mask, peers, ours via the CLI, score.py for all. */
export async function runImputeShared(o: ImputeSharedOptions): Promise<void> {
  // A table not among the shared ones is a derived table written into the mask folder's parent beforehand
  // (bench/prototypes/wide-gapminder.py's 30-column lag table: `<maskDir>/<table>.csv`).
  const shared = resolve(REPO_ROOT, '..', 'shared', 'data', 'tabular', `${o.table}.csv`);
  const dataPath = existsSync(shared) ? shared : resolve(o.maskDir, `${o.table}.csv`);
  const dir = resolve(o.maskDir, `${o.table}-s${o.seed}`);
  if (!existsSync(join(dir, 'truth.json'))) {
    say(`${o.table} seed ${o.seed}: mask.py`);
    mustRun(PYTHON, [join(SHARED_IMPUTE, 'mask.py'), dataPath, '--frac', '0.3', '--seed', String(o.seed), '--out', dir], 'mask.py');
  }
  if (o.peers && !existsSync(join(dir, 'peers.json'))) {
    say(`${o.table} seed ${o.seed}: peers.py (minutes)`);
    mustRun(PYTHON, [join(SHARED_IMPUTE, 'peers.py'), dir], 'peers.py');
  }
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { n_rows: number; columns: { name: string; kind: string; n_hidden: number }[] };
  const spec = {
    version: 1,
    name: `impute-shared-${o.table}-s${o.seed}`,
    seed: o.seed,
    source: { path: join(dir, 'masked.csv') },
    columns: Object.fromEntries(Object.entries(maskKinds(dir)).map(([k, v]) => [k, { kind: v.kind }])),
    ...(o.steps ? { model: { steps: o.steps } } : {}),
    tasks: [{ type: 'impute', engine: 'auto', draws: o.draws, output: { path: join(dir, 'synthdiff.csv') } }],
    report: { dir: join(dir, 'synthdiff-report'), html: false },
  };
  writeFileSync(join(dir, 'synthdiff-spec.json'), `${JSON.stringify(spec, null, 2)}\n`);
  say(`${o.table} seed ${o.seed}: synthdiff run (engine auto, ${o.draws} draws)`);
  const oursSeconds = synthdiffRun(join(dir, 'synthdiff-spec.json'));
  const report = JSON.parse(readFileSync(join(dir, 'synthdiff-report', 'report.json'), 'utf8')) as { model: { width: number; depth: number; steps: number; trainSeconds: number }; tasks: { blend?: { columns: { column: string; weights: number[] }[] } }[] };
  const peersJson = existsSync(join(dir, 'peers.json')) ? (JSON.parse(readFileSync(join(dir, 'peers.json'), 'utf8')) as Record<string, { status: string; seconds: number }>) : {};
  const hiddenNumeric = meta.columns.filter((c) => c.kind !== 'categorical').reduce((s, c) => s + c.n_hidden, 0);
  const hiddenCategorical = meta.columns.filter((c) => c.kind === 'categorical').reduce((s, c) => s + c.n_hidden, 0);
  const files = readdirSync(dir).filter((f) => (f.startsWith('peer-') && f.endsWith('.csv')) || f === 'synthdiff.csv');
  for (const f of files) {
    const sc = scoreShared(dir, join(dir, f));
    const method = sc.method;
    const ours = method === 'synthdiff';
    emit({
      scenario: 'impute-shared',
      table: o.table,
      rows: meta.n_rows,
      columns: meta.columns.length,
      backend: ours ? 'wasm' : 'peer',
      device: 'cpu',
      steps: ours ? report.model.steps : null,
      batch: null,
      seconds: round(ours ? oursSeconds : (peersJson[method.replace(/_first$/, '')]?.seconds ?? NaN), 2),
      rowsPerSec: null,
      peakRssMB: maxRssMB(),
      seed: o.seed,
      method,
      rmse: sc.rmse,
      accuracy: sc.accuracy,
      hiddenNumeric,
      hiddenCategorical,
      ...(sc.error ? { error: sc.error } : {}),
      ...(ours ? { draws: o.draws, mlp: `${report.model.depth}x${report.model.width}`, weights: Object.fromEntries((report.tasks[0]?.blend?.columns ?? []).map((c) => [c.column, c.weights])) } : {}),
    });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args[0]!;
  const opt = (name: string): string | undefined => {
    const k = args.indexOf(`--${name}`);
    return k >= 0 ? args[k + 1] : undefined;
  };
  await initBackend({});
  const tag = opt('tag') ?? 'ours';
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { seed: number };
  const r = await imputeShared(dir, { draws: Number(opt('draws') ?? 10), seed: meta.seed, tag, engine: (opt('engine') ?? 'auto') as OursOptions['engine'], ...(opt('steps') ? { steps: Number(opt('steps')) } : {}), ...(opt('width') ? { width: Number(opt('width')) } : {}), ...(opt('tolerance') ? { tolerance: Number(opt('tolerance')) } : {}) });
  say(`${dir}: ${r.mlp} ${r.steps} steps, train ${r.trainSeconds} s, impute ${r.imputeSeconds} s`);
  const files = readdirSync(dir).filter((f) => f.startsWith('peer-') && f.endsWith('.csv') || f === `${tag}.csv`);
  const scores = files.map((f) => scoreShared(dir, join(dir, f)));
  for (const s of scores.sort((a, b) => (a.rmse ?? 9) - (b.rmse ?? 9)))
    console.log(`${s.method.padEnd(24)} rmse ${s.rmse === null ? '   -  ' : s.rmse.toFixed(4)}  acc ${s.accuracy === null ? '  -  ' : s.accuracy.toFixed(4)}${s.error ? '  ERROR ' + s.error : ''}`);
}

if (process.argv[1]?.endsWith('impute-shared.ts')) await main();
