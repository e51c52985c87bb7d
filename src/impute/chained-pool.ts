/**
 * Chained imputations beside the main thread, in a worker thread (the forests are plain JavaScript, one
 * core), so a blend's forest and ridge fills and its diffusion model on the main thread use both cores of a
 * two-core machine. One worker runs a job's fills one after another: a second worker beside a training
 * model halved its steps per second (gapminder 30 columns: 7.8 → 15.9 steps/s with one worker instead of
 * two). Results are those of chainedForestImpute in-process: each fill has its own seeds.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { chainedForestImpute, chainedSteps, type ChainedOptions, type ChainedResult } from './chained.js';
import { treeHelper, treeShareMemory } from './tree-share.js';
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
 * thread would otherwise only wait; `helped` counts the trees it grew.
 */
export type ChainedRun = Promise<ChainedResult[]> & { cancel: () => void; progress: () => [number, number]; help: () => void; helped: () => number };

/** A job's fills in this thread, each timed; progress counts column fits over all of them. */
export function runChained(job: ChainedJob, onProgress?: (done: number, total: number) => void, sharing?: TreeSharing): ChainedResult[] {
  const steps = job.runs.map((o) => chainedSteps(job.table, o));
  const total = steps.reduce((a, b) => a + b, 0);
  let before = 0;
  return job.runs.map((options, k) => {
    const t0 = performance.now();
    const r = chainedForestImpute(job.table, { ...options, sharing, onProgress: (d) => onProgress?.(before + d, total) });
    before += steps[k]!;
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  });
}

/** Starts `job` in a worker thread; in-process where there is one core or a worker fails. */
export function chainedInWorker(job: ChainedJob): ChainedRun {
  const inProcess = (): ChainedResult[] => runChained(job);
  if (availableParallelism() < 2) return Object.assign(Promise.resolve().then(inProcess), { cancel: () => undefined, progress: (): [number, number] => [0, 0], help: () => undefined, helped: () => 0 });
  let worker: Worker | undefined;
  let cancelled = false;
  // Progress in shared memory, not messages: a main thread busy with its model handles no messages until it
  // waits, and would then hear every step at once.
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const share = treeShareMemory();
  const channel = new MessageChannel();
  const helper = treeHelper(channel.port1, share);
  // Under the TypeScript sources (tests, bench via tsx) the worker is a .ts file and needs tsx's loader.
  const ts = import.meta.url.endsWith('.ts');
  const run = new Promise<ChainedResult[]>((resolve, reject) => {
    let result: ChainedResult[] | undefined;
    const settle = (): void => {
      helper.stop();
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
      const workerData = { job, progress: shared, share, port: channel.port2 };
      const transferList = [channel.port2];
      const entry = new URL(`./chained-worker.${ts ? 'ts' : 'js'}`, import.meta.url);
      // Node 20 loads a worker's entry before an `--import` loader is ready, so under the sources the worker
      // registers tsx itself, then imports the entry.
      worker = ts
        ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData, transferList })
        : new Worker(entry, { workerData, transferList });
      worker.once('message', (r: ChainedResult[]) => (result = r));
      worker.once('error', () => undefined);
      worker.once('exit', settle);
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
    helped: helper.grown,
  });
}
