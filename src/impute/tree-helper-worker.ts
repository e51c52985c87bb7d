/** Worker entry of a helper that grows forest trees for the chained-fill worker (tree-share.ts) until terminated. */
import { workerData, type MessagePort } from 'node:worker_threads';
import { treeHelper } from './tree-share.js';

const { port, share, h } = workerData as { port: MessagePort; share: Int32Array; h: number };
treeHelper(port, share, h).start(true);
