/**
 * Imputation on the shared yardsticks (`../shared/bench/impute`): the mask folder written by `mask.py`
 * (masked.csv, truth.json, meta.json) is imputed by synthdiff with the library defaults, written as
 * `ours.csv` beside the peers' files, and every method present (`peer-*.csv`, ours) is scored with
 * `score.py` — the same scorer for everyone.
 *
 *   npx tsx bench/impute-shared.ts DIR [--draws 10] [--tag name] [--steps N] [--width W]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { cellIntervals } from '../src/run/table/intervals.js';
import { blendImpute } from '../src/impute/blend.js';
import type { ColumnOverride } from '../src/table/infer.js';
import { round, say, timed } from './common.js';

export const SHARED_IMPUTE = process.env.SYNTHDIFF_SHARED_BENCH ?? join(import.meta.dirname, '..', '..', 'shared', 'bench', 'impute');
const PYTHON = process.env.SYNTHDIFF_PYTHON ?? '/usr/bin/python3';

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
  engine?: 'auto' | 'diffusion' | 'forest' | 'legacy';
}

export async function imputeShared(dir: string, o: OursOptions): Promise<{ file: string; trainSeconds: number; imputeSeconds: number; steps: number; mlp: string }> {
  const { table: masked } = await readTable(join(dir, 'masked.csv'), { columns: maskKinds(dir) });
  if (o.engine && o.engine !== 'legacy') {
    const r = await blendImpute(masked, { seed: o.seed, draws: o.draws, engines: o.engine, model: { ...(o.width ? { width: o.width } : {}), train: o.steps ? { steps: o.steps } : {} } });
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
  const r = await imputeShared(dir, { draws: Number(opt('draws') ?? 10), seed: meta.seed, tag, engine: (opt('engine') ?? 'auto') as OursOptions['engine'], ...(opt('steps') ? { steps: Number(opt('steps')) } : {}), ...(opt('width') ? { width: Number(opt('width')) } : {}) });
  say(`${dir}: ${r.mlp} ${r.steps} steps, train ${r.trainSeconds} s, impute ${r.imputeSeconds} s`);
  const files = readdirSync(dir).filter((f) => f.startsWith('peer-') && f.endsWith('.csv') || f === `${tag}.csv`);
  const scores = files.map((f) => scoreShared(dir, join(dir, f)));
  for (const s of scores.sort((a, b) => (a.rmse ?? 9) - (b.rmse ?? 9)))
    console.log(`${s.method.padEnd(24)} rmse ${s.rmse === null ? '   -  ' : s.rmse.toFixed(4)}  acc ${s.accuracy === null ? '  -  ' : s.accuracy.toFixed(4)}${s.error ? '  ERROR ' + s.error : ''}`);
}

if (process.argv[1]?.endsWith('impute-shared.ts')) await main();
