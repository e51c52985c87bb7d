/**
 * Scenario `impute-peers`: imputation quality against the tools data scientists already use, on
 * identical masks. One unit = one table × one seed:
 *
 * 1. hide 30% of the observed cells (MCAR, `hideCells(table, 0.3, seed)`) and write the holey table to a
 *    temp CSV — every method sees exactly this file / table;
 * 2. ours as a user runs it: `synthdiff run` on a spec with the holey CSV as source (the table's column
 *    kinds) and one impute task at the defaults (engine auto: the diffusion model trained on the holey
 *    table itself, blended per column with chained forests and ridge regressions on held-out cells);
 * 3. peers as subprocesses, each writing its completed CSV: R mice (bench/peers/mice.R) and scikit-learn
 *    IterativeImputer and KNNImputer (bench/peers/sklearn_impute.py); a peer whose runtime is missing is
 *    skipped and the record says so;
 * 4. in-process references: mean/mode and our Gower kNN hot-deck (knnImpute, k = 5);
 * 5. every completed table is scored with OUR `imputationErrors` on the same hidden cells: RMSE on numeric
 *    cells standardized by the column's sd, accuracy on categorical cells.
 * One JSON record per method.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, type BackendInfo } from '../src/backend/index.js';
import { hideCells, imputationErrors, knnImpute, meanModeImpute, type HiddenCells, type ImputationErrors } from '../src/evaluate/imputation.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import type { BackendName } from '../src/spec/types.js';
import { alignTables } from '../src/table/align.js';
import type { ColumnOverride } from '../src/table/infer.js';
import { isCategorical, type Table } from '../src/table/table.js';
import { emit, loadBenchTable, maxRssMB, REPO_ROOT, round, say, synthdiffRun, timed, type BenchRecord } from './common.js';

export interface ImputePeersOptions {
  table: string;
  seed: number;
  /** Training steps for ours; undefined = the library default for the table size (with early stopping). */
  steps?: number;
  /** MLP width / depth for ours; undefined = the library default for the table size. */
  width?: number;
  depth?: number;
  draws: number;
  samplerSteps?: number;
  peers: boolean;
  backend?: BackendName;
  /** Kill a peer after this long (it is then reported as failed, not silently dropped). */
  peerTimeoutSec?: number;
}

export const PEERS = ['mice', 'sklearn-iterative', 'sklearn-knn'] as const;
export type PeerName = (typeof PEERS)[number];

interface PeerCommand {
  name: PeerName;
  exe: string;
  args: (inp: string, out: string, seed: number, cats: string[]) => string[];
  /** A cheap check that the runtime and library are installed. */
  probe: string[];
}

const PYTHON = process.env.SYNTHDIFF_PYTHON ?? '/usr/bin/python3';
const RSCRIPT = process.env.SYNTHDIFF_RSCRIPT ?? 'Rscript';
const PEER_DIR = join(REPO_ROOT, 'bench', 'peers');

const PEER_COMMANDS: PeerCommand[] = [
  { name: 'mice', exe: RSCRIPT, args: (i, o, s, c) => [join(PEER_DIR, 'mice.R'), i, o, String(s), ...c], probe: ['-e', 'suppressPackageStartupMessages(library(mice))'] },
  { name: 'sklearn-iterative', exe: PYTHON, args: (i, o, s, c) => [join(PEER_DIR, 'sklearn_impute.py'), 'iterative', i, o, String(s), ...c], probe: ['-c', 'import sklearn, numpy'] },
  { name: 'sklearn-knn', exe: PYTHON, args: (i, o, s, c) => [join(PEER_DIR, 'sklearn_impute.py'), 'knn', i, o, String(s), ...c], probe: ['-c', 'import sklearn, numpy'] },
];

/** Why a peer cannot run here, or undefined when it can. */
export function peerUnavailable(p: PeerCommand | PeerName): string | undefined {
  const cmd = typeof p === 'string' ? PEER_COMMANDS.find((c) => c.name === p)! : p;
  const r = spawnSync(cmd.exe, cmd.probe, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `${cmd.exe} not runnable (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `${cmd.exe} ${cmd.probe.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  return undefined;
}

/** Run under /usr/bin/time when it exists, so the peer's own peak RSS is reported too. */
function runPeer(cmd: PeerCommand, args: string[], timeoutSec: number, rssFile: string): { ok: boolean; detail: string; seconds: number } {
  const timeBin = existsSync('/usr/bin/time');
  const exe = timeBin ? '/usr/bin/time' : cmd.exe;
  const full = timeBin ? ['-f', '%M', '-o', rssFile, cmd.exe, ...args] : args;
  const t0 = performance.now();
  const r = spawnSync(exe, full, { encoding: 'utf8', timeout: timeoutSec * 1000, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.error) return { ok: false, detail: r.error.message, seconds };
  if (r.status !== 0) return { ok: false, detail: `exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`, seconds };
  return { ok: true, detail: (r.stderr || '').trim().split('\n').filter((l) => l && !/^\d+$/.test(l)).slice(-2).join(' | '), seconds };
}

function scored(truth: Table, imputed: Table, hidden: HiddenCells): ImputationErrors {
  const [t, i] = alignTables(truth, [imputed], ['imputed']);
  return imputationErrors(t, i!, hidden);
}

export async function runImputePeers(o: ImputePeersOptions): Promise<void> {
  const info: BackendInfo = await initBackend(o.backend ? { backend: o.backend } : {});
  const bt = await loadBenchTable(o.table);
  const truth = bt.table;
  const { masked, hidden } = hideCells(truth, 0.3, o.seed, 'mcar');
  const catNames = truth.columns.filter(isCategorical).map((c) => c.name);
  const nNumHidden = Array.from(hidden.cols).filter((j) => !isCategorical(truth.columns[j]!)).length;
  const base = {
    scenario: 'impute-peers',
    table: bt.name,
    rows: truth.nRows,
    columns: truth.columns.length,
    backend: info.name,
    device: info.detail,
    seed: o.seed,
    hiddenCells: hidden.rows.length,
    hiddenNumeric: nNumHidden,
    hiddenCategorical: hidden.rows.length - nNumHidden,
  };
  const record = (method: string, e: ImputationErrors | undefined, extra: Partial<BenchRecord> & Record<string, unknown>): void =>
    emit({
      ...base,
      method,
      steps: null,
      batch: null,
      seconds: 0,
      rowsPerSec: null,
      peakRssMB: maxRssMB(),
      rmse: e ? round(e.rmse, 4) : null,
      mae: e ? round(e.mae, 4) : null,
      accuracy: e ? round(e.accuracy, 4) : null,
      unimputed: e ? e.nUnimputed : null,
      ...extra,
    });

  say(`impute-peers ${bt.name} seed ${o.seed}: ${hidden.rows.length} cells hidden (${nNumHidden} numeric)`);

  // References that need no training: what any imputer should beat.
  {
    const mm = await timed(() => meanModeImpute(masked));
    record('mean-mode', scored(truth, mm.value, hidden), { seconds: round(mm.seconds) });
    const kn = await timed(() => knnImpute(masked, 5));
    record('knn-gower (ours, k=5)', scored(truth, kn.value, hidden), { seconds: round(kn.seconds) });
  }

  // Ours and the peers, on the identical holey table written once.
  const dir = await mkdtemp(join(tmpdir(), 'synthdiff-peers-'));
  try {
    const inp = join(dir, 'masked.csv');
    await writeTable(inp, masked);
    const overrides: Record<string, ColumnOverride> = {};
    for (const c of catNames) overrides[c] = { kind: 'categorical' };

    // Ours as a user runs it: `synthdiff run` on a spec with the holey CSV as source (the table's column
    // kinds), one impute task at the defaults (engine auto).
    {
      const out = join(dir, 'synthdiff.csv');
      const spec = {
        version: 1,
        name: `impute-peers-${bt.name}-s${o.seed}`,
        seed: o.seed,
        source: { path: inp },
        columns: Object.fromEntries(truth.columns.map((c) => [c.name, { kind: c.kind }])),
        model: {
          ...(o.steps !== undefined ? { steps: o.steps } : {}),
          ...(o.width ? { width: o.width } : {}),
          ...(o.depth ? { depth: o.depth } : {}),
          ...(o.samplerSteps ? { samplerSteps: o.samplerSteps } : {}),
          ...(o.backend ? { backend: o.backend } : {}),
        },
        tasks: [{ type: 'impute', engine: 'auto', draws: o.draws, output: { path: out } }],
        report: { dir: join(dir, 'synthdiff-report'), html: false },
      };
      await writeFile(join(dir, 'spec.json'), `${JSON.stringify(spec, null, 2)}\n`);
      const seconds = synthdiffRun(join(dir, 'spec.json'));
      const report = JSON.parse(await readFile(join(dir, 'synthdiff-report', 'report.json'), 'utf8')) as {
        model?: { width: number; depth: number; steps: number; batchSize: number; trainSeconds: number; stepsChosenBy?: string };
        tasks: { seconds: number; engine?: string }[];
      };
      const { table: done } = await readTable(out, { columns: overrides });
      const m = report.model;
      record('synthdiff', scored(truth, done, hidden), {
        steps: m?.steps ?? null,
        batch: m?.batchSize ?? null,
        seconds: round(seconds),
        trainSeconds: m ? round(m.trainSeconds) : null,
        imputeSeconds: round(report.tasks[0]!.seconds),
        stepsChosenBy: m?.stepsChosenBy ?? null,
        mlp: m ? `${m.depth}x${m.width}` : null,
        engine: report.tasks[0]!.engine ?? 'auto',
        draws: o.draws,
      });
    }

    for (const cmd of PEER_COMMANDS) {
      const skip = !o.peers ? 'peers disabled (--no-peers)' : peerUnavailable(cmd);
      if (skip) {
        say(`  ${cmd.name}: skipped — ${skip}`);
        record(cmd.name, undefined, { skipped: skip });
        continue;
      }
      const out = join(dir, `${cmd.name}.csv`);
      const rssFile = join(dir, `${cmd.name}.rss`);
      const r = runPeer(cmd, cmd.args(inp, out, o.seed, catNames), o.peerTimeoutSec ?? 1800, rssFile);
      if (!r.ok) {
        say(`  ${cmd.name}: FAILED — ${r.detail}`);
        record(cmd.name, undefined, { seconds: round(r.seconds), failed: r.detail });
        continue;
      }
      const { table: done } = await readTable(out, { columns: overrides });
      const peerRss = existsSync(rssFile) ? Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop()) / 1024 : NaN;
      record(cmd.name, scored(truth, done, hidden), {
        seconds: round(r.seconds),
        rowsPerSec: round(masked.nRows / r.seconds, 1),
        peerRssMB: round(peerRss, 1),
        ...(r.detail ? { note: r.detail } : {}),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
