/**
 * synthdiff benchmark suite: `npm run bench [-- options]`.
 *
 *   --quick               tiny smoke run (fixtures table, a few steps); writes to the OS temp dir unless --out
 *   --only a,b            scenarios: train-step, sample, end-to-end, impute-peers, impute-shared, synth-shared, scale
 *                         (default: all but impute-shared and synth-shared, which run when named)
 *   --out FILE            Markdown report (default bench/RESULTS.md; --quick: $TMPDIR/synthdiff-bench-quick.md)
 *   --table NAME|PATH     table for train-step / sample (and for everything in --quick)
 *   --e2e-tables a,b      end-to-end tables (default credit_data, diamonds, Fertility)
 *   --e2e-steps N|t=N,..  end-to-end training steps, for all tables or per table (default 2000)
 *   --eval-rows N         end-to-end impute / generate / evaluate sample size (default 5000)
 *   --impute-tables a,b   impute-peers tables
 *   --impute-steps N      impute-peers training steps for ours (default: the library default per table size)
 *   --shared-tables a,b   impute-shared tables (../shared/data/tabular names, or a CSV written as <mask-dir>/NAME.csv beforehand; `name@1+2`: those seeds only)
 *   --mask-dir DIR        impute-shared mask folders, kept between runs (default bench/.impute-masks)
 *   --synth-tables a:t,b  synth-shared tables, each with an optional ML-efficacy target after ':' and engine after '@'
 *   --synth-dir DIR       synth-shared split folders (default bench/.synth-splits)
 *   --seeds 1,2,3         impute-peers / impute-shared / synth-shared seeds
 *   --draws N             impute-peers draws for ours (default 10)
 *   --no-peers            skip R / Python peers (they are skipped anyway when not installed)
 *   --backend NAME        force a tfjs backend (default: the library's auto ladder)
 *   --render              measure nothing: re-render --out from the records stored in it (after editing markdown.ts)
 *
 * Every unit runs in a child process (bench/scenario.ts) whose stdout JSON lines are relayed here and
 * collected. The report keeps the raw records inside RESULTS.md, so `--only X` re-measures X and
 * re-renders the others from their earlier records; text between the notes markers is kept as written.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { machineInfo, REPO_ROOT, round, say, type BenchRecord } from './common.js';
import { renderMarkdown, parseRecords, type RunMeta, type Stored } from './markdown.js';
import type { UnitSpec } from './scenario.js';
import type { BackendName } from '../src/spec/types.js';

export const SCENARIOS = ['train-step', 'sample', 'end-to-end', 'impute-peers', 'impute-shared', 'synth-shared', 'scale'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SuiteOptions {
  quick: boolean;
  render: boolean;
  only: Scenario[];
  out: string;
  table: string;
  e2eTables: string[];
  e2eSteps: (table: string) => number;
  e2eStepsText: string;
  evalRows: number;
  imputeTables: string[];
  imputeSteps?: number;
  /** impute-shared: the tables, and where their mask folders (with the peers' outputs) are kept. */
  sharedTables: string[];
  maskDir: string;
  /** synth-shared: tables (name or name:target for ML efficacy) and where their splits are kept. */
  synthTables: string[];
  synthDir: string;
  seeds: number[];
  draws: number;
  peers: boolean;
  backend?: BackendName;
  argv: string[];
}

const DEFAULT_IMPUTE_TABLES = ['datasets__airquality', 'mice__boys', 'modeldata__credit_data', 'survival__pbc', 'palmerpenguins__penguins', 'MASS__birthwt'];
/** The shared-yardstick tables: every bench table the peers finish on in minutes (sklearn__breast_cancer is the one with ≥ 25 columns). */
const DEFAULT_SHARED_TABLES = ['datasets__airquality', 'MASS__birthwt', 'palmerpenguins__penguins', 'mice__boys', 'survival__pbc', 'mlbench__BreastCancer', 'sklearn__breast_cancer', 'survival__colon', 'modeldata__credit_data', 'carData__SLID'];
/** Synthesis on the shared yardstick: tables of ≥ 2,000 rows with an efficacy target. */
const DEFAULT_SYNTH_TABLES = ['modeldata__credit_data:Status', 'carData__SLID:wages', 'dslabs__gapminder:continent', 'forcats__gss_cat:marital', 'survival__colon:status', 'ggplot2__diamonds:price', 'AER__Fertility:morekids'];
const DEFAULT_E2E_TABLES = ['modeldata__credit_data', 'ggplot2__diamonds', 'AER__Fertility'];
const QUICK_TABLE = join(REPO_ROOT, 'fixtures/tables/palmerpenguins__penguins.csv');

export function parseArgs(argv: string[]): SuiteOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (['quick', 'no-peers', 'render'].includes(k)) flags.set(k, true);
    else {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${k} needs a value`);
      flags.set(k, v);
    }
  }
  const known = new Set(['quick', 'only', 'out', 'table', 'e2e-tables', 'e2e-steps', 'eval-rows', 'impute-tables', 'impute-steps', 'shared-tables', 'mask-dir', 'synth-tables', 'synth-dir', 'seeds', 'draws', 'no-peers', 'backend', 'render']);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  const str = (k: string): string | undefined => (typeof flags.get(k) === 'string' ? (flags.get(k) as string) : undefined);
  const list = (k: string): string[] | undefined => str(k)?.split(',').map((s) => s.trim()).filter(Boolean);
  const quick = flags.has('quick');
  // The shared-yardstick scenarios need ../shared/bench with Debian's python (and R for the peers) and
  // take tens of minutes: they run when named.
  const only = (list('only') ?? SCENARIOS.filter((s) => s !== 'impute-shared' && s !== 'synth-shared')) as Scenario[];
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario ${s} (${SCENARIOS.join(', ')})`);
  const table = str('table') ?? (quick ? QUICK_TABLE : 'modeldata__credit_data');
  const stepsText = str('e2e-steps') ?? (quick ? '10' : '2000');
  const perTable = new Map<string, number>();
  let all = quick ? 10 : 2000;
  for (const part of stepsText.split(',')) {
    const [a, b] = part.split('=');
    if (b === undefined) all = Number(a);
    else perTable.set(a!.trim(), Number(b));
  }
  return {
    quick,
    render: flags.has('render'),
    only,
    out: resolve(str('out') ?? (quick ? join(tmpdir(), 'synthdiff-bench-quick.md') : join(REPO_ROOT, 'bench/RESULTS.md'))),
    table,
    e2eTables: list('e2e-tables') ?? (quick ? [table] : DEFAULT_E2E_TABLES),
    e2eSteps: (t) => perTable.get(t) ?? all,
    e2eStepsText: stepsText,
    evalRows: Number(str('eval-rows') ?? (quick ? 200 : 5000)),
    imputeTables: list('impute-tables') ?? (quick ? [table] : DEFAULT_IMPUTE_TABLES),
    sharedTables: list('shared-tables') ?? (quick ? ['datasets__airquality'] : DEFAULT_SHARED_TABLES),
    maskDir: resolve(str('mask-dir') ?? join(REPO_ROOT, 'bench', '.impute-masks')),
    synthTables: list('synth-tables') ?? (quick ? ['modeldata__credit_data:Status'] : DEFAULT_SYNTH_TABLES),
    synthDir: resolve(str('synth-dir') ?? join(REPO_ROOT, 'bench', '.synth-splits')),
    imputeSteps: str('impute-steps') !== undefined ? Number(str('impute-steps')) : quick ? 10 : undefined,
    seeds: (list('seeds') ?? (quick ? ['1'] : ['1', '2', '3'])).map(Number),
    draws: Number(str('draws') ?? (quick ? 2 : 10)),
    peers: !flags.has('no-peers'),
    backend: str('backend') as BackendName | undefined,
    argv,
  };
}

/** The units of one scenario, in run order. */
export function unitsFor(s: Scenario, o: SuiteOptions): UnitSpec[] {
  const backend = o.backend ? { backend: o.backend } : {};
  switch (s) {
    case 'train-step':
      // Fewer repetitions at large batch: a wasm step at 65,536 rows takes several seconds.
      // 1 and 2 threads interleaved (1, 2, 1, 2), each unit with PyTorch at the same thread count right after
      // it, so both ratios are read under the same machine load; then one batch-65,536 unit on every core.
      if (o.quick) return [{ scenario: s, table: o.table, batches: [64, 256], reps: [2, 2], ...backend }];
      return [
        ...[1, 2].flatMap((round) => [1, 2].map((threads) => ({ scenario: s, table: o.table, batches: [256, 4096], reps: [20, 5], threads, torch: true, round, ...backend }) as UnitSpec)),
        { scenario: s, table: o.table, batches: [65536], reps: [2], ...backend },
      ];
    case 'sample':
      if (o.quick) return [{ scenario: s, table: o.table, rows: 128, runs: [{ sampler: 'heun', steps: 4 }, { sampler: 'edm-stochastic', steps: 4 }, { sampler: 'dpmpp-2m', steps: 4 }], ...backend }];
      // 1 and 2 threads, interleaved like train-step.
      return [1, 2, 1, 2].map((threads) => ({
        scenario: s,
        table: o.table,
        rows: 8192,
        threads,
        runs: [
          { sampler: 'heun', steps: 50 },
          // The generation default (sampler-name.ts generateSampling).
          { sampler: 'heun', steps: 30 },
          { sampler: 'edm-stochastic', steps: 50 },
          { sampler: 'dpmpp-2m', steps: 20 },
          { sampler: 'dpmpp-2m', steps: 10 },
        ],
        ...backend,
      }));
    case 'end-to-end':
      return o.e2eTables.map((t) => ({ scenario: s, table: t, steps: o.e2eSteps(t), evalRows: o.evalRows, seed: 42, ...(o.quick ? { samplerSteps: 4 } : {}), ...backend }));
    case 'scale': {
      const sizes = o.quick ? [20_000, 60_000] : [254_654, 1_000_000, 5_000_000];
      const steps = o.quick ? 5 : 100;
      return [
        ...sizes.map((rows) => ({ scenario: s, rows, mode: 'streamed' as const, trainRows: o.quick ? 5_000 : 100_000, steps, ...backend })),
        // The in-memory path for contrast, where it is reasonable to hold the table.
        ...sizes.slice(0, 2).map((rows) => ({ scenario: s, rows, mode: 'in-memory' as const, trainRows: 0, steps, ...backend })),
      ];
    }
    case 'synth-shared':
      return o.synthTables.flatMap((t) => {
        // `table:target@engine`: the generate task names that engine instead of auto.
        const [head, engine] = t.split('@') as [string, string | undefined];
        const [table, target] = head.split(':') as [string, string | undefined];
        return o.seeds.map((seed) => ({ scenario: s, table, seed, dir: o.synthDir, ...(target ? { target } : {}), ...(engine ? { engine } : {}), ...(o.imputeSteps !== undefined ? { steps: o.imputeSteps } : {}) }));
      });
    case 'impute-shared':
      // `table@1+2`: that table at those seeds only (a 10k-row table's peers take half an hour per seed).
      return o.sharedTables.flatMap((entry) => {
        const [t, own] = entry.split('@') as [string, string | undefined];
        return (own ? own.split('+').map(Number) : o.seeds).map((seed) => ({ scenario: s, table: t, seed, maskDir: o.maskDir, draws: o.draws, peers: o.peers, ...(o.imputeSteps !== undefined ? { steps: o.imputeSteps } : {}) }));
      });
    case 'impute-peers':
      return o.imputeTables.flatMap((t) =>
        o.seeds.map((seed) => ({
          scenario: s,
          table: t,
          seed,
          ...(o.imputeSteps !== undefined ? { steps: o.imputeSteps } : {}),
          draws: o.draws,
          ...(o.quick ? { samplerSteps: 4 } : {}),
          peers: o.peers,
          ...backend,
        })),
      );
  }
}

/** Run one unit in a child process; its JSON lines are echoed to our stdout and returned. */
function runChild(unit: UnitSpec): Promise<{ records: BenchRecord[]; code: number | null; stderrTail: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench/scenario.ts'), JSON.stringify(unit)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const records: BenchRecord[] = [];
    let buf = '';
    let errTail = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          records.push(JSON.parse(line) as BenchRecord);
          process.stdout.write(`${line}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      process.stderr.write(d);
      errTail = (errTail + d).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ records, code, stderrTail: errTail }));
  });
}

export async function runSuite(o: SuiteOptions): Promise<{ records: BenchRecord[]; out: string }> {
  const machine = machineInfo();
  const tfjs = JSON.parse(await readFile(join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')) as { version: string };
  const command = `npm run bench${o.argv.length ? ` -- ${o.argv.join(' ')}` : ''}`;
  const previous: Stored = existsSync(o.out) ? parseRecords(await readFile(o.out, 'utf8')) : { records: [], runs: [], notes: undefined };
  const fresh: BenchRecord[] = [];
  const runs: RunMeta[] = [];
  if (o.render) {
    await writeReport(o, previous, fresh, runs);
    say(`re-rendered ${o.out} from ${previous.records.length} stored records`);
    return { records: [], out: o.out };
  }
  say(`${machine.cpu}, ${machine.cores} cores, load ${machine.loadavg.join(' ')}; scenarios ${o.only.join(', ')}${o.quick ? ' (quick)' : ''}`);
  for (const s of o.only) {
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    const loads: number[] = [loadavg()[0]!];
    // One-minute load average sampled through the scenario: the CPU is shared, and our own process
    // (one busy thread, wasm is single-threaded here) accounts for about 1.0 of it.
    const timer = setInterval(() => loads.push(loadavg()[0]!), 30_000);
    const failures: string[] = [];
    for (const unit of unitsFor(s, o)) {
      const r = await runChild(unit);
      // Each record names its run, so a later partial rerun drops the header of a run none of its records are left from.
      fresh.push(...r.records.map((x) => ({ ...x, runStartedAt: startedAt })));
      if (r.code !== 0) {
        const why = `${s} ${'table' in unit ? unit.table : ''}: exit ${r.code}: ${r.stderrTail.trim().split('\n').slice(-2).join(' | ')}`;
        say(`FAILED ${why}`);
        failures.push(why);
      }
    }
    clearInterval(timer);
    loads.push(loadavg()[0]!);
    runs.push({
      scenario: s,
      command,
      startedAt,
      wallSeconds: round((performance.now() - t0) / 1000, 1),
      loadavgMean: round(loads.reduce((a, b) => a + b, 0) / loads.length, 2),
      loadavgMax: round(Math.max(...loads), 2),
      machine,
      tfjs: tfjs.version,
      commit: codeVersion(),
      settings: settingsFor(s, o),
      ...(failures.length ? { failures } : {}),
    });
    // Re-render after every scenario so a long suite that dies late still leaves what it measured.
    await writeReport(o, previous, fresh, runs);
  }
  say(`wrote ${relative(process.cwd(), o.out) || o.out}`);
  return { records: fresh, out: o.out };
}

/**
 * The code being measured. Other engineers commit while a long suite runs, so this is read per scenario;
 * SYNTHDIFF_BENCH_COMMIT names it when the suite runs from an exported snapshot with no .git.
 */
function codeVersion(): string {
  if (process.env.SYNTHDIFF_BENCH_COMMIT) return process.env.SYNTHDIFF_BENCH_COMMIT;
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  return `${head.stdout.trim()}${dirty ? ' + uncommitted src/ edits' : ''}`;
}

/**
 * Scenarios whose records are replaced table × seed by table × seed: re-measuring some tables keeps the
 * others' records (their peers can take hours, e.g. missForest on the 10,545-row gapminder), each section then
 * naming every run its rows come from.
 */
const TABLE_KEYED = new Set(['impute-shared', 'synth-shared']);

/** The records and runs a report shows after this run: `previous` with what was measured now replacing its part. */
export function mergeRecords(previous: Pick<Stored, 'records' | 'runs'>, fresh: BenchRecord[], runs: RunMeta[]): { records: BenchRecord[]; runs: RunMeta[] } {
  // Scenarios run now replace their earlier records (table-keyed ones only the tables × seeds measured now).
  const rerun = new Set<string>(runs.map((r) => r.scenario));
  const unit = (r: BenchRecord): string => `${r.scenario}\u0001${r.table}\u0001${String(r.seed)}`;
  const measured = new Set(fresh.map(unit));
  const replaced = (r: BenchRecord): boolean => rerun.has(r.scenario) && (!TABLE_KEYED.has(r.scenario) || measured.has(unit(r)));
  const kept = previous.records.filter((r) => !replaced(r));
  // A rerun scenario's earlier run stays named while a kept record comes from it: one naming its run
  // (`runStartedAt`), or one from before records named theirs, which could be from any.
  const shown = (run: RunMeta): boolean => kept.some((r) => r.scenario === run.scenario && (r.runStartedAt === undefined || r.runStartedAt === run.startedAt));
  return {
    records: [...kept, ...fresh],
    runs: [...previous.runs.filter((r) => !rerun.has(r.scenario) || (TABLE_KEYED.has(r.scenario) && shown(r))), ...runs],
  };
}

async function writeReport(o: SuiteOptions, previous: Stored, fresh: BenchRecord[], runs: RunMeta[]): Promise<void> {
  const merged = mergeRecords(previous, fresh, runs);
  await writeFile(o.out, renderMarkdown(merged.records, merged.runs, previous.notes));
}

function settingsFor(s: Scenario, o: SuiteOptions): Record<string, unknown> {
  const name = (t: string) => t.replace(/^.*\//, '').replace(/\.csv$/, '');
  switch (s) {
    case 'train-step':
    case 'sample':
      return { table: name(o.table), ...(unitsFor(s, o)[0] as object), scenario: undefined };
    case 'end-to-end':
      return { tables: o.e2eTables.map(name), steps: o.e2eStepsText, evalRows: o.evalRows };
    case 'impute-peers':
      return { tables: o.imputeTables.map(name), seeds: o.seeds, steps: o.imputeSteps ?? 'library default', draws: o.draws, peers: o.peers };
    case 'synth-shared':
      return { tables: o.synthTables, seeds: o.seeds, split: '50/50 of the CSV lines, seeded', rows: 'as many as the training half', steps: o.imputeSteps ?? 'library default' };
    case 'impute-shared':
      return { tables: o.sharedTables, seeds: o.seeds, draws: o.draws, engine: 'auto', steps: o.imputeSteps ?? 'library default', peers: o.peers ? 'peers.py (reused when the mask folder has them)' : 'none' };
    case 'scale':
      return { units: unitsFor(s, o).map((u) => ({ ...u, scenario: undefined })) };
  }
}

// Entry point when run as a script (the smoke test imports parseArgs/runSuite instead).
if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'bench/run.ts')) {
  try {
    await runSuite(parseArgs(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
