/**
 * Shared pieces of the benchmark suite: the record every scenario prints, memory and time measurement,
 * machine description, and where the benchmark tables live and how their columns must be typed.
 *
 * Each scenario unit runs in its own child process (see run.ts), so `process.resourceUsage().maxRSS` —
 * the kernel's high-water mark for the whole process — is that unit's peak and not a leftover of an
 * earlier scenario.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable } from '../src/io/table-io.js';
import type { ColumnOverride } from '../src/table/infer.js';
import type { Table } from '../src/table/table.js';
import { synthdiffArgv } from '../src/run/shard/slurm.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One measured row. `scenario`…`peakRssMB` are always present; scenario-specific figures ride along. */
export interface BenchRecord {
  scenario: string;
  table: string;
  rows: number;
  columns: number;
  backend: string;
  device: string;
  steps: number | null;
  batch: number | null;
  seconds: number;
  rowsPerSec: number | null;
  /** Process high-water mark (getrusage maxrss) at the time the record was printed. */
  peakRssMB: number;
  /** The start time (`RunMeta.startedAt`) of the bench run that measured it; absent on records from before. */
  runStartedAt?: string;
  [k: string]: unknown;
}

/** Marks a stdout line as a benchmark record, so progress chatter from libraries can't be mistaken for one. */
export function emit(record: BenchRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Chatter goes to stderr so stdout carries only JSON records. */
export function say(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** Kernel high-water RSS of this process in MB (Linux reports maxRSS in KB). */
export function maxRssMB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/**
 * Peak RSS per stage. The kernel high-water mark cannot be reset, so stage peaks are sampled every
 * 25 ms; samples only land while the event loop turns (between awaited tensor reads), so a stage peak is
 * a lower bound, and `maxRssMB()` stays the authoritative process figure.
 */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 25) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }

  /** Peak since the previous mark (MB), then start a new stage. */
  mark(): number {
    this.sample();
    const p = this.peak;
    this.peak = 0;
    this.sample();
    return round(p / 2 ** 20, 1);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export async function timed<T>(f: () => Promise<T> | T): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGB: number;
  freeMemoryGB: number;
  loadavg: [number, number, number];
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  const [a, b, d] = loadavg();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGB: round(freemem() / 2 ** 30, 1),
    loadavg: [round(a!, 2), round(b!, 2), round(d!, 2)],
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** The shared real-data folder (../shared/data/tabular next to the checkout); fixtures/tables as fallback. */
export function dataDirs(): string[] {
  const env = process.env.SYNTHDIFF_BENCH_DATA;
  return [...(env ? [env] : []), resolve(REPO_ROOT, '../shared/data/tabular'), resolve(REPO_ROOT, 'fixtures/tables')];
}

/**
 * Per-table reading rules. Integer-coded categories (MASS::birthwt race/smoke/…, survival::pbc
 * status/stage/…) would be inferred numeric, which would score a "race = 2.4" imputation as almost right;
 * the shared data README lists them. `id` columns are identifiers, not features.
 */
const TABLE_RULES: Record<string, { categorical?: string[]; drop?: string[] }> = {
  MASS__birthwt: { categorical: ['low', 'race', 'smoke', 'ht', 'ui'] },
  // As pipelines/default.yaml types pbc; edema (0 / 0.5 / 1) stays numeric there too.
  survival__pbc: { categorical: ['status', 'trt', 'ascites', 'hepato', 'spiders', 'stage'], drop: ['id'] },
};

export interface BenchTable {
  name: string;
  path: string;
  table: Table;
  /** Overrides to pass to readTable so any CSV of this table (e.g. a peer's output) reads back alike. */
  overrides: Record<string, ColumnOverride>;
}

/** Locate `<name>.csv`, or decompress `<name>.csv.xz` into the OS temp dir once (never into the repo). */
export function locateTable(name: string): string {
  if (name.endsWith('.csv') && existsSync(name)) return resolve(name);
  for (const dir of dataDirs()) {
    const csv = join(dir, `${name}.csv`);
    if (existsSync(csv)) return csv;
    const xz = `${csv}.xz`;
    if (existsSync(xz)) {
      const out = join(tmpdir(), `synthdiff-bench-${name}.csv`);
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(xz).mtimeMs) {
        // Decompress to a .part file then rename, so a killed run never leaves a truncated CSV that a
        // later run would trust.
        execFileSync('sh', ['-c', 'xz -dkc "$1" > "$2" && mv "$2" "$3"', 'sh', xz, `${out}.${process.pid}.part`, out]);
      }
      return out;
    }
  }
  throw new Error(`benchmark table ${name} not found in ${dataDirs().join(', ')}`);
}

export async function loadBenchTable(name: string): Promise<BenchTable> {
  const path = locateTable(name);
  const key = name.replace(/^.*\//, '').replace(/\.csv$/, '');
  const rules = TABLE_RULES[key] ?? {};
  const overrides: Record<string, ColumnOverride> = {};
  for (const c of rules.categorical ?? []) overrides[c] = { kind: 'categorical' };
  const { table: raw } = await readTable(path, { columns: overrides });
  const table: Table = { nRows: raw.nRows, columns: raw.columns.filter((c) => !(rules.drop ?? []).includes(c.name)) };
  return { name: key, path, table, overrides };
}

/** Debian's python, which has pandas/sklearn/scipy (and torch) for the yardsticks and peers. */
export const PYTHON = process.env.SYNTHDIFF_PYTHON ?? '/usr/bin/python3';

/** Single-threaded BLAS/OpenMP for python children, so their wall times compare with ours. */
export const PY_ENV = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** Run a command to completion; its stdout, or an error with the last lines it printed. */
export function mustRun(cmd: string, args: readonly string[], what: string, env: NodeJS.ProcessEnv = PY_ENV): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

/** `synthdiff run SPEC --quiet` as a user runs it (built CLI, else the sources through tsx); seconds taken. */
export function synthdiffRun(spec: string): number {
  const [node, ...args] = synthdiffArgv();
  const t0 = performance.now();
  mustRun(node!, [...args, 'run', spec, '--quiet'], 'synthdiff run', process.env);
  return (performance.now() - t0) / 1000;
}
