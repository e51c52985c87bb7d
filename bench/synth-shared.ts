/**
 * Scenario `synth-shared`: synthesis graded by the shared yardstick (`../shared/bench/fidelity/score.py`).
 * One unit = one table × one seed:
 *
 * 1. a seeded 50/50 split of the real CSV's lines (text kept byte for byte): train.csv, holdout.csv;
 * 2. ours through the CLI as a user runs it: a spec with train.csv as source and one generate task of
 *    as many rows as train.csv — `synthdiff run spec.json`;
 * 3. score.py on (train, synthetic, holdout), and on (train, holdout) as the holdout baseline: what a
 *    perfect generator — fresh rows from the same distribution — scores on trends and copies.
 * Records: method `synthdiff` and `holdout`, with detection (HGB, LR), shapes, trends, DCR share,
 * exact copies, missingness and the wall time of the run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { validity } from '../src/evaluate/validity.js';
import { readTable } from '../src/io/table-io.js';
import { createRng, deriveSeed } from '../src/rng.js';
import { emit, maxRssMB, mustRun, PYTHON, REPO_ROOT, round, say, synthdiffRun } from './common.js';

const FIDELITY = process.env.SYNTHDIFF_SHARED_FIDELITY ?? join(REPO_ROOT, '..', 'shared', 'bench', 'fidelity');

export interface SynthSharedOptions {
  table: string;
  seed: number;
  /** Where the split folders are kept (`<table>-s<seed>/`). */
  dir: string;
  /** Training steps for ours (quick runs); absent: the library default. */
  steps?: number;
  /** score.py's ML-efficacy target, if any. */
  target?: string;
  /** The generate task's engine (default: auto). */
  engine?: string;
}

/** The shared table's CSV; a table shipped as `.csv.xz` (AER__Fertility) is decompressed into `dir` first. */
function sharedCsv(table: string, dir: string): string {
  const csv = resolve(REPO_ROOT, '..', 'shared', 'data', 'tabular', `${table}.csv`);
  if (existsSync(csv) || !existsSync(`${csv}.xz`)) return csv;
  const out = join(dir, `${table}.csv`);
  if (!existsSync(out)) writeFileSync(out, execFileSync('xz', ['-dkc', `${csv}.xz`], { maxBuffer: 256 << 20 }));
  return out;
}

/**
 * A prototype's view of a table: TABLE (a shared-data name, `.csv.xz` ones included, or a CSV path) split as
 * synth-shared splits it with `seed` into /tmp/cart/<name>/ (<name>-s<seed>/ for seeds other than 1).
 */
export function prototypeSplit(table: string, seed = 1): { name: string; dir: string; train: string; holdout: string } {
  const name = basename(table, '.csv');
  const dir = join('/tmp/cart', seed === 1 ? name : `${name}-s${seed}`);
  mkdirSync(dir, { recursive: true });
  const src = table.endsWith('.csv') ? table : sharedCsv(table, dir);
  return { name, dir, ...splitCsv(src, dir, seed) };
}

/** A seeded 50/50 split of a CSV's data lines (no quoted newlines in the bench tables: checked). */
export function splitCsv(src: string, dir: string, seed: number): { train: string; holdout: string; trainRows: number } {
  const text = readFileSync(src, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [header, ...rows] = lines;
  if (rows.some((l) => (l.match(/"/g)?.length ?? 0) % 2 !== 0)) throw new Error(`${src}: a quoted field spans lines; split it with a CSV reader`);
  const rng = createRng(deriveSeed(seed, 'synth-split'));
  const idx = rows.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const half = Math.floor(rows.length / 2);
  const pick = (ix: number[]) => `${header}\n${ix.sort((a, b) => a - b).map((i) => rows[i]).join('\n')}\n`;
  const train = join(dir, 'train.csv'), holdout = join(dir, 'holdout.csv');
  writeFileSync(train, pick(idx.slice(0, half)));
  writeFileSync(holdout, pick(idx.slice(half)));
  return { train, holdout, trainRows: half };
}

export function score(real: string, synthetic: string, holdout: string, target: string | undefined, seed: number): Record<string, unknown> {
  const args = [join(FIDELITY, 'score.py'), '--real', real, '--synthetic', synthetic, '--holdout', holdout, '--seed', String(seed), '--no-pairs', ...(target ? ['--target', target] : [])];
  return JSON.parse(mustRun(PYTHON, args, 'score.py')) as Record<string, unknown>;
}

/** The headline numbers of a score.py result. */
export function headline(s: Record<string, any>): Record<string, unknown> {
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? round(x, 4) : null);
  const miss = Object.values((s.missingness?.per_column ?? {}) as Record<string, number>);
  return {
    shapes: num(s.column_shapes?.score),
    trends: num(s.column_pair_trends?.score),
    detectionHGB: num(s.detection?.hist_gradient_boosting?.score),
    detectionLR: num(s.detection?.logistic_regression?.score),
    dcrShare: num(s.dcr?.share_closer_to_train),
    exactCopies: num(s.exact_copies?.synthetic_rows_in_train),
    holdoutCopies: num(s.exact_copies?.holdout_rows_in_train),
    missingness: num(s.missingness?.score),
    missingnessMin: miss.length ? round(Math.min(...miss), 4) : null,
  };
}

/**
 * Never-seen combinations (evaluate/validity.ts): rows of each of `others` that pair levels of columns functionally
 * dependent in the training half (country → continent) as no training row does. score.py has no such check,
 * and the bar is 0%; the holdout half read the same way is the baseline. Both read with the
 * training half's column kinds.
 */
export async function unseenCombinations(train: string, ...others: string[]): Promise<{ share: number; rows: number; dependencies: number }[]> {
  const real = (await readTable(train)).table;
  const columns = Object.fromEntries(real.columns.map((c) => [c.name, { kind: c.kind }]));
  return Promise.all(
    others.map(async (other) => {
      const v = validity(real, (await readTable(other, { columns })).table);
      return { share: round(v.unseenCombinationShare, 4), rows: v.unseenCombinationRows, dependencies: v.dependencies.length };
    }),
  );
}

export async function runSynthShared(o: SynthSharedOptions): Promise<void> {
  const dir = resolve(o.dir, `${o.table}-s${o.seed}`);
  mkdirSync(dir, { recursive: true });
  const src = sharedCsv(o.table, dir);
  const { train, holdout, trainRows } = splitCsv(src, dir, o.seed);
  const spec = {
    version: 1,
    name: `synth-shared-${o.table}-s${o.seed}`,
    seed: o.seed,
    source: { path: train },
    ...(o.steps ? { model: { steps: o.steps } } : {}),
    tasks: [{ type: 'generate', rows: trainRows, ...(o.engine ? { engine: o.engine } : {}), output: { path: join(dir, 'synthdiff.csv') } }],
    report: { dir: join(dir, 'synthdiff-report'), html: false },
  };
  writeFileSync(join(dir, 'spec.json'), `${JSON.stringify(spec, null, 2)}\n`);
  say(`${o.table} seed ${o.seed}: synthdiff run (generate ${trainRows} rows)`);
  const seconds = synthdiffRun(join(dir, 'spec.json'));
  const report = JSON.parse(readFileSync(join(dir, 'synthdiff-report', 'report.json'), 'utf8')) as {
    data: { columns: number };
    model?: { width: number; depth: number; steps: number; trainSeconds: number };
    tasks: { engine?: string; minLeaf?: number }[];
  };
  say(`${o.table} seed ${o.seed}: score.py`);
  const ours = score(train, join(dir, 'synthdiff.csv'), holdout, o.target, o.seed);
  writeFileSync(join(dir, 'score-synthdiff.json'), JSON.stringify(ours, null, 1));
  const base = existsSync(join(dir, 'score-holdout.json')) ? JSON.parse(readFileSync(join(dir, 'score-holdout.json'), 'utf8')) : score(train, holdout, holdout, o.target, o.seed);
  writeFileSync(join(dir, 'score-holdout.json'), JSON.stringify(base, null, 1));
  const [oursCombos, holdoutCombos] = await unseenCombinations(train, join(dir, 'synthdiff.csv'), holdout);
  const common = { scenario: 'synth-shared', table: o.table, rows: trainRows, columns: report.data.columns, device: 'cpu', batch: null, rowsPerSec: null, seed: o.seed };
  const engine = report.tasks[0]?.engine ?? 'diffusion';
  const m = report.model;
  emit({ ...common, backend: 'wasm', steps: m?.steps ?? null, seconds: round(seconds, 1), peakRssMB: maxRssMB(), method: 'synthdiff', engine: engine === 'trees' ? `trees (leaf ${report.tasks[0]!.minLeaf})` : engine, mlp: m ? `${m.depth}x${m.width}` : null, trainSeconds: m?.trainSeconds ?? null, ...headline(ours), unseenCombinations: oursCombos.share, dependencies: oursCombos.dependencies });
  emit({ ...common, backend: 'none', steps: null, seconds: 0, peakRssMB: maxRssMB(), method: 'holdout', ...headline(base), unseenCombinations: holdoutCombos.share, dependencies: holdoutCombos.dependencies });
}
