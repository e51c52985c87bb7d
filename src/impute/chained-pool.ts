/**
 * Chained imputations beside the main thread, in a worker thread (the forests are plain JavaScript, one
 * core), so a blend's forest and ridge fills and its diffusion model on the main thread use both cores of a
 * two-core machine. One worker runs a job's fills one after another: a second worker beside a training
 * model halved its steps per second (gapminder 30 columns: 7.8 → 15.9 steps/s with one worker instead of
 * two). Results are those of chainedForestImpute in-process: each fill has its own seeds.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { currentBackend } from '../backend/index.js';
import { chainedForestImpute, chainedSteps, type ChainedOptions, type ChainedResult } from './chained.js';
import { helperGone, treeHelper, treeShareMemory, treesGrown } from './tree-share.js';
import type { TreeSharing } from '../evaluate/forest.js';
import type { Table } from '../table/table.js';

export interface ChainedJob {
  table: Table;
  /** The fills to run on the table, in order; their results come back in the same order. */
  runs: Omit<ChainedOptions, 'onProgress' | 'sharing'>[];
}

/**
 * Chained imputations under way. `cancel` stops their worker (a run that failed meanwhile need not wait);
 * `progress` reads how many column fits are done, of how many ([0, 0] in-process or before the first);
 * `help` lends the calling thread to the worker's forests from now on (tree-share.ts): call it when the
 * thread would otherwise only wait; `helped` counts the trees each helper grew (this thread first, then
 * the extra threads growing trees from the start, `helpers` of them).
 */
export type ChainedRun = Promise<ChainedResult[]> & { cancel: () => void; progress: () => [number, number]; help: () => void; helped: () => number[]; helpers: number };

/** A job's fills in this thread, each timed; progress counts column fits over all of them. */
export function runChained(job: ChainedJob, onProgress?: (done: number, total: number) => void, sharing?: TreeSharing): ChainedResult[] {
  const steps = job.runs.map((o) => chainedSteps(job.table, o));
  const total = steps.reduce((a, b) => a + b, 0);
  let before = 0;
  const results: ChainedResult[] = [];
  job.runs.forEach((options, k) => {
    const t0 = performance.now();
    const rivalHeld = options.rivalRun !== undefined ? results[options.rivalRun]?.held : undefined;
    const r = chainedForestImpute(job.table, { ...options, ...(rivalHeld ? { rivalHeld } : {}), sharing, onProgress: (d) => onProgress?.(before + d, total) });
    before += steps[k]!;
    results.push({ ...r, seconds: (performance.now() - t0) / 1000 });
  });
  return results;
}

/**
 * Extra threads that grow forest trees from the start (tree-share.ts): the cores left after the main
 * thread's model (its backend's threads) and the fill worker. None on a two-core machine.
 */
export function spareHelpers(): number {
  return Math.max(0, availableParallelism() - 1 - (currentBackend()?.threads ?? 1));
}

/** A worker thread on `name` (a sibling module); under the TypeScript sources it needs tsx's loader. */
function startWorker(name: string, workerData: unknown, transferList: MessagePort[]): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./${name}.${ts ? 'ts' : 'js'}`, import.meta.url);
  // Node 20 loads a worker's entry before an `--import` loader is ready, so under the sources the worker
  // registers tsx itself, then imports the entry.
  return ts
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData, transferList })
    : new Worker(entry, { workerData, transferList });
}

/**
 * Starts `job` in a worker thread, with `extraHelpers` more threads growing its forests' trees (default
 * `spareHelpers()`); in-process where there is one core or a worker fails. The fills are the same bytes
 * however many threads grow them.
 */
export function chainedInWorker(job: ChainedJob, extraHelpers = spareHelpers()): ChainedRun {
  const inProcess = (): ChainedResult[] => runChained(job);
  if (availableParallelism() < 2) return Object.assign(Promise.resolve().then(inProcess), { cancel: () => undefined, progress: (): [number, number] => [0, 0], help: () => undefined, helped: (): number[] => [], helpers: 0 });
  let worker: Worker | undefined;
  const extra: Worker[] = [];
  let cancelled = false;
  // Progress in shared memory, not messages: a main thread busy with its model handles no messages until it
  // waits, and would then hear every step at once.
  const shared = new Int32Array(new SharedArrayBuffer(8));
  // Helper 0 is this thread (from `help`), 1.. the extra workers.
  const share = treeShareMemory(1 + extraHelpers);
  const channels = Array.from({ length: 1 + extraHelpers }, () => new MessageChannel());
  const helper = treeHelper(channels[0]!.port1, share, 0);
  const run = new Promise<ChainedResult[]>((resolve, reject) => {
    let result: ChainedResult[] | undefined;
    const settle = (): void => {
      helper.stop();
      for (const w of extra) void w.terminate();
      if (result) return resolve(result);
      if (cancelled) return reject(new Error('chained imputation cancelled'));
      // A worker that failed (a loader missing, memory) costs time, not the result.
      try {
        resolve(inProcess());
      } catch (e) {
        reject(e);
      }
    };
    try {
      const ports = channels.map((c) => c.port2);
      worker = startWorker('chained-worker', { job, progress: shared, share, ports }, ports);
      worker.once('message', (r: ChainedResult[]) => (result = r));
      worker.once('error', () => undefined);
      worker.once('exit', settle);
      // A helper that fails to start only leaves its offers to be withdrawn.
      for (let h = 1; h <= extraHelpers; h++) {
        const w = startWorker('tree-helper-worker', { port: channels[h]!.port1, share, h }, [channels[h]!.port1]);
        w.on('error', () => undefined);
        w.once('exit', () => helperGone(share, h));
        w.unref();
        extra.push(w);
      }
    } catch {
      settle();
    }
  });
  return Object.assign(run, {
    cancel: (): void => {
      cancelled = true;
      void worker?.terminate();
    },
    progress: (): [number, number] => [Atomics.load(shared, 0), Atomics.load(shared, 1)],
    help: helper.start,
    helped: () => treesGrown(share),
    helpers: extraHelpers,
  });
}
