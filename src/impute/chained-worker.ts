/** Worker entry of chained-pool.ts: one chained imputation, its arrays handed back without a copy. */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { chainedForestImpute, type ChainedOptions } from './chained.js';
import type { Table } from '../table/table.js';

const { table, options } = workerData as { table: Table; options: ChainedOptions };
const r = chainedForestImpute(table, options);
const buffers = [...r.values, ...r.probs.filter((p): p is Float64Array => p !== undefined)].map((a) => a.buffer as ArrayBuffer);
parentPort!.postMessage({ ...r, thread: threadId }, buffers);
