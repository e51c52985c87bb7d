/** Worker entry of chained-pool.ts: its chained imputations one after another, arrays handed back without a copy. */
import { parentPort, threadId, workerData, type MessagePort } from 'node:worker_threads';
import { runChained, type ChainedJob } from './chained-pool.js';
import { treeSharer } from './tree-share.js';

const { job, progress, share, ports } = workerData as { job: ChainedJob; progress: Int32Array; share: Int32Array; ports: MessagePort[] };
const results = runChained(
  job,
  (done, total) => {
    Atomics.store(progress, 1, total);
    Atomics.store(progress, 0, done);
  },
  treeSharer(ports, share),
).map((r) => ({ ...r, thread: threadId }));
for (const p of ports) p.close();
const arrays = results.flatMap((r) => [...r.values, ...r.probs, ...(r.held ? [...r.held.values, ...r.held.probs] : []), ...(r.heldFixed ? [...r.heldFixed.values, ...r.heldFixed.probs] : [])]);
const buffers = [...new Set(arrays.filter((a): a is Float64Array => a !== undefined).map((a) => a.buffer as ArrayBuffer))];
parentPort!.postMessage(results, buffers);
