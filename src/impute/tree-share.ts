/**
 * Sharing a forest's trees between the chained-fill worker and threads with nothing else to do: the main
 * thread once its diffusion draws are done (chained-pool.ts `help`; on a 10,545 × 30 table the fills
 * outlasted the model by half a minute of one core while the other idled), and on a machine with spare
 * cores, helper workers from the start. The worker offers each forest's plan to every ready helper; all
 * take tree indices from one shared counter; the worker collects the helpers' trees and places them by
 * index. Trees are seeded by index, so the forests, and the imputations, are the same bytes whoever grows
 * them and however many help.
 *
 * Shared Int32 slots: NEXT (the next tree index), then per helper READY (1 while it takes work, GONE once its
 * thread has exited), SLOT (the offered forest's id; its negative once claimed; 0 when withdrawn), DONE (the
 * last id whose trees it posted) and GROWN (how many trees it grew). An offer a helper has not claimed when
 * the worker runs out of trees is withdrawn by compare-and-swap, so the worker never waits on a helper for
 * more than the tree it is growing; a helper that dies holding one leaves its trees to the worker.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { growPlannedTree, type ForestPlan, type Tree, type TreeSharing } from '../evaluate/forest.js';

const NEXT = 0;
const READY = 1, SLOT = 2, DONE = 3, GROWN = 4;
const GONE = -1;
const slot = (h: number, field: number): number => 4 * h + field;

/** Marks helper h's thread as exited: a worker waiting on its trees stops waiting and grows them itself. */
export function helperGone(shared: Int32Array, h: number): void {
  Atomics.store(shared, slot(h, READY), GONE);
  Atomics.notify(shared, slot(h, DONE));
}

/** The shared slots of one worker and its `helpers` helpers. */
export function treeShareMemory(helpers: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (1 + 4 * helpers)));
}

/** Trees each helper has grown so far (readable from any thread). */
export function treesGrown(shared: Int32Array): number[] {
  return Array.from({ length: (shared.length - 1) / 4 }, (_, h) => Atomics.load(shared, slot(h, GROWN)));
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

/** The worker's side (`ports[h]` talks to helper h): grows every tree itself unless some helper is ready. */
export function treeSharer(ports: readonly MessagePort[], shared: Int32Array): TreeSharing {
  let seq = 0;
  return {
    grow(plan: ForestPlan): Tree[] {
      const trees: Tree[] = new Array(plan.nTrees);
      const ready = plan.nTrees < 2 ? [] : ports.map((_, h) => h).filter((h) => Atomics.load(shared, slot(h, READY)) === 1);
      const id = ++seq;
      Atomics.store(shared, NEXT, 0);
      for (const h of ready) {
        Atomics.store(shared, slot(h, SLOT), id);
        ports[h]!.postMessage({ id, plan } satisfies Offer);
      }
      for (let t = Atomics.add(shared, NEXT, 1); t < plan.nTrees; t = Atomics.add(shared, NEXT, 1)) trees[t] = growPlannedTree(plan, t);
      for (const h of ready) {
        // Withdrawn before helper h took it; else it is growing its last tree or has posted them.
        if (Atomics.compareExchange(shared, slot(h, SLOT), id, 0) === id) continue;
        let msg: { message: Grown } | undefined;
        while (!(msg = receiveMessageOnPort(ports[h]!) as { message: Grown } | undefined) && Atomics.load(shared, slot(h, READY)) !== GONE) {
          Atomics.wait(shared, slot(h, DONE), Atomics.load(shared, slot(h, DONE)), 50);
        }
        const grown = msg?.message;
        grown?.index.forEach((t, k) => (trees[t] = grown.trees[k]!));
      }
      // Trees a helper took and never returned (its thread died): the same trees, grown here.
      for (let t = 0; t < plan.nTrees; t++) trees[t] ??= growPlannedTree(plan, t);
      return trees;
    },
  };
}

/**
 * Helper h's side, on a thread with an event loop: once `start`ed it grows a share of each offered forest
 * as the offer arrives (one forest's share at a time, between the loop's other work).
 */
export function treeHelper(port: MessagePort, shared: Int32Array, h: number): { start: (keepAlive?: boolean) => void; stop: () => void } {
  const onOffer = ({ id, plan }: Offer): void => {
    if (Atomics.load(shared, slot(h, READY)) !== 1 || Atomics.compareExchange(shared, slot(h, SLOT), id, -id) !== id) return;
    const index: number[] = [], trees: Tree[] = [];
    for (let t = Atomics.add(shared, NEXT, 1); t < plan.nTrees; t = Atomics.add(shared, NEXT, 1)) index.push(t), trees.push(growPlannedTree(plan, t));
    Atomics.add(shared, slot(h, GROWN), trees.length);
    const buffers = trees.flatMap((tr) => [tr.feature, tr.threshold, tr.left, tr.right, tr.leafStart, tr.leafLen, tr.leafOut, tr.leafValue].map((a) => a.buffer as ArrayBuffer));
    port.postMessage({ id, index, trees } satisfies Grown, buffers);
    Atomics.store(shared, slot(h, DONE), id);
    Atomics.notify(shared, slot(h, DONE));
  };
  return {
    start: (keepAlive = false): void => {
      port.on('message', onOffer);
      // On the main thread an offer pending when the fill worker exits must not keep the process alive; a
      // helper worker lives on its port until it is terminated.
      if (!keepAlive) port.unref();
      Atomics.store(shared, slot(h, READY), 1);
    },
    stop: (): void => {
      Atomics.store(shared, slot(h, READY), 0);
      port.close();
    },
  };
}
