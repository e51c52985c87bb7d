/**
 * Sharing a forest's trees between the chained-fill worker and a thread with nothing else to do (the main
 * thread once its diffusion draws are done, chained-pool.ts `help`). On a 10,545 × 30 table the fills
 * outlast the model by half a minute of one core while the other idles. The worker offers each forest's
 * plan; both threads take tree indices from one shared counter; the worker collects the helper's trees
 * and places them by index. Trees are seeded by index, so the forests, and the imputations, are the same
 * bytes whoever grows them.
 *
 * Shared Int32 slots: READY (1 while the helper takes work), SLOT (the offered forest's id; its negative
 * once the helper has claimed it; 0 when withdrawn), DONE (the last id whose trees the helper posted) and
 * NEXT (the next tree index). An offer the helper has not claimed when the worker runs out of trees is
 * withdrawn by compare-and-swap, so neither side ever waits on the other for more than one tree.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { growPlannedTree, type ForestPlan, type Tree, type TreeSharing } from '../evaluate/forest.js';

const READY = 0, SLOT = 1, DONE = 2, NEXT = 3;

/** The shared slots of one worker–helper pair. */
export function treeShareMemory(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * 4));
}

interface Offer {
  id: number;
  plan: ForestPlan;
}

interface Grown {
  id: number;
  /** Tree indices, and the trees in the same order. */
  index: number[];
  trees: Tree[];
}

/** The worker's side: grows every tree itself unless a helper is ready, then shares. */
export function treeSharer(port: MessagePort, shared: Int32Array): TreeSharing {
  let seq = 0;
  return {
    grow(plan: ForestPlan): Tree[] {
      const trees: Tree[] = new Array(plan.nTrees);
      if (Atomics.load(shared, READY) !== 1 || plan.nTrees < 2) {
        for (let t = 0; t < plan.nTrees; t++) trees[t] = growPlannedTree(plan, t);
        return trees;
      }
      const id = ++seq;
      Atomics.store(shared, NEXT, 0);
      Atomics.store(shared, SLOT, id);
      port.postMessage({ id, plan } satisfies Offer);
      for (let t = Atomics.add(shared, NEXT, 1); t < plan.nTrees; t = Atomics.add(shared, NEXT, 1)) trees[t] = growPlannedTree(plan, t);
      // Withdrawn before the helper took it: every tree is ours.
      if (Atomics.compareExchange(shared, SLOT, id, 0) === id) return trees;
      // Claimed: the helper is growing its last tree or has posted them.
      let msg: { message: Grown } | undefined;
      while (!(msg = receiveMessageOnPort(port) as { message: Grown } | undefined)) Atomics.wait(shared, DONE, Atomics.load(shared, DONE), 50);
      const grown = msg.message;
      grown.index.forEach((t, k) => (trees[t] = grown.trees[k]!));
      return trees;
    },
  };
}

/**
 * The helper's side, on a thread with an event loop: once `start`ed it grows a share of each offered
 * forest as the offer arrives (one forest's share at a time, between the loop's other work).
 */
export function treeHelper(port: MessagePort, shared: Int32Array): { start: () => void; stop: () => void; grown: () => number } {
  let count = 0;
  const onOffer = ({ id, plan }: Offer): void => {
    if (Atomics.load(shared, READY) !== 1 || Atomics.compareExchange(shared, SLOT, id, -id) !== id) return;
    const index: number[] = [], trees: Tree[] = [];
    for (let t = Atomics.add(shared, NEXT, 1); t < plan.nTrees; t = Atomics.add(shared, NEXT, 1)) index.push(t), trees.push(growPlannedTree(plan, t));
    count += trees.length;
    const buffers = trees.flatMap((tr) => [tr.feature, tr.threshold, tr.left, tr.right, tr.leafStart, tr.leafLen, tr.leafOut, tr.leafValue].map((a) => a.buffer as ArrayBuffer));
    port.postMessage({ id, index, trees } satisfies Grown, buffers);
    Atomics.store(shared, DONE, id);
    Atomics.notify(shared, DONE);
  };
  return {
    start: (): void => {
      port.on('message', onOffer);
      // An offer pending when the worker exits must not keep the process alive.
      port.unref();
      Atomics.store(shared, READY, 1);
    },
    stop: (): void => {
      Atomics.store(shared, READY, 0);
      port.close();
    },
    grown: () => count,
  };
}
