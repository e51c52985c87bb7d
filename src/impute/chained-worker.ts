/** Worker entry of chained-pool.ts: its chained imputations one after another, arrays handed back without a copy. */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { runChained, type ChainedJob } from './chained-pool.js';

const { job, progress } = workerData as { job: ChainedJob; progress: Int32Array };
const results = runChained(job, (done, total) => {
  Atomics.store(progress, 1, total);
  Atomics.store(progress, 0, done);
}).map((r) => ({ ...r, thread: threadId }));
const arrays = results.flatMap((r) => [...r.values, ...r.probs, ...(r.held ? [...r.held.values, ...r.held.probs] : [])]);
const buffers = [...new Set(arrays.filter((a): a is Float64Array => a !== undefined).map((a) => a.buffer as ArrayBuffer))];
parentPort!.postMessage(results, buffers);
