import { createHash } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { treeShareMemory, treeSharer } from '../src/impute/tree-share.js';
import { forestPredict, trainForestClassifier, trainForestRegressor } from '../src/evaluate/forest.js';
import { readTable } from '../src/io/table-io.js';
import { isCategorical, type Column } from '../src/table/table.js';

const sha = (a: Float64Array): string => createHash('sha256').update(new Uint8Array(a.buffer)).digest('hex');

/** Penguins' numeric columns as a feature matrix (holes as 0), and the table. */
async function penguinsMatrix() {
  const { table } = await readTable('fixtures/tables/palmerpenguins__penguins.csv');
  const n = table.nRows;
  const num = table.columns.filter((c): c is Extract<Column, { values: Float64Array }> => !isCategorical(c));
  const data = new Float64Array(n * num.length);
  num.forEach((c, j) => {
    for (let i = 0; i < n; i++) data[j * n + i] = Number.isNaN(c.values[i]!) ? 0 : c.values[i]!;
  });
  return { table, n, data, X: { nRows: n, nCols: num.length, data, names: num.map((c) => c.name) } };
}

describe('random forest', () => {
  // Golden hashes: any change to the trees grown shows here. The classifier's is from before the split search
  // was limited to a node's bins and its nodes moved to typed arrays (4d5a495), speed changes only. The
  // regressor's changed once on purpose, when the bootstrap became weighted rows: the same candidate splits
  // and scores, but weighted sums round differently, and ties between equally good splits go another way.
  it('grows the same trees as before the speed-ups (penguins: a 3-class label and a regression target)', async () => {
    const { table, n, data, X } = await penguinsMatrix();
    const island = table.columns.find((c) => c.name === 'island')!;
    if (!isCategorical(island)) throw new Error('island: expected a label');
    const y = Int32Array.from(island.codes, (k) => Math.max(0, k));
    const opts = { nTrees: 20, maxDepth: 40, maxBins: 256, maxFeatures: 'sqrt' as const };
    const cls = forestPredict(trainForestClassifier(X, y, island.categories.length, { seed: 3, ...opts }), X);
    const yr = Float64Array.from({ length: n }, (_, i) => data[i]! * 2 + (i % 7));
    const reg = forestPredict(trainForestRegressor(X, yr, { seed: 4, ...opts }), X);
    expect([sha(cls), sha(reg)]).toEqual([
      'beb3ef06c44f5fac35fcf323e6fda1a71a1a13fb7cbf4d1c29be9c5d664dd5bb',
      '62ca076dda7a83a6343c6773c1abc8b752643169ef59d75e94d51968419daab9',
    ]);
  });
});

describe('random forest with many classes', () => {
  // Golden hash from the per-class split search, before rows were bucketed by bin (same trees, K-free cost).
  it('grows the same trees for a 185-level label (gapminder country from the other columns)', async () => {
    const { table } = await readTable('fixtures/tables/dslabs__gapminder.csv');
    const n = 3000;
    const num = table.columns.filter((c): c is Extract<Column, { values: Float64Array }> => !isCategorical(c));
    const data = new Float64Array(n * num.length);
    num.forEach((c, j) => {
      for (let i = 0; i < n; i++) data[j * n + i] = Number.isNaN(c.values[i]!) ? -1 : c.values[i]!;
    });
    const X = { nRows: n, nCols: num.length, data, names: num.map((c) => c.name) };
    const country = table.columns.find((c) => c.name === 'country')!;
    if (!isCategorical(country)) throw new Error('country: expected a label');
    const y = Int32Array.from(country.codes.subarray(0, n), (k) => Math.max(0, k));
    const cls = forestPredict(trainForestClassifier(X, y, country.categories.length, { seed: 5, nTrees: 10, maxDepth: 40, maxBins: 256, maxFeatures: 'sqrt', minSamplesLeaf: 2 }), X);
    expect(sha(cls)).toBe('5b60cc23a06828f7aefb9329291820db0fd1fa3745c23fd8152fcd8e033b3cf6');
  });
});

describe('random forest shared with a helper thread that dies', () => {
  // impute/tree-share.ts: a helper that claimed a forest and took a tree index, then exited without returning
  // it, must neither hang the worker nor change the forest (the worker grows that tree itself).
  it('grows the same trees as alone, without waiting on the dead helper', async () => {
    const { n, data, X } = await penguinsMatrix();
    const yr = Float64Array.from({ length: n }, (_, i) => data[i]! * 2 + (i % 7));
    const opts = { seed: 4, nTrees: 400, maxDepth: 40, maxBins: 256, maxFeatures: 'sqrt' as const };
    const alone = forestPredict(trainForestRegressor(X, yr, opts), X);
    const share = treeShareMemory(1);
    const channel = new MessageChannel();
    // The helper claims the offer (slot layout of tree-share.ts), takes tree index 0 and NEXT, marks itself gone and exits.
    const helper = new Worker(
      `const { workerData } = require('node:worker_threads');
       const { port, share } = workerData;
       port.on('message', ({ id }) => {
         if (Atomics.compareExchange(share, 2, id, -id) !== id) process.exit(1);
         Atomics.add(share, 0, 1);
         Atomics.store(share, 1, -1);
         Atomics.notify(share, 3);
         process.exit(0);
       });
       Atomics.store(share, 1, 1);`,
      { eval: true, workerData: { port: channel.port1, share }, transferList: [channel.port1] },
    );
    const exited = new Promise<number>((done) => helper.once('exit', done));
    while (Atomics.load(share, 1) !== 1) await new Promise((r) => setTimeout(r, 5));
    const shared = forestPredict(trainForestRegressor(X, yr, { ...opts, sharing: treeSharer([channel.port2], share) }), X);
    expect(shared).toEqual(alone);
    // It did claim the forest (exit 1 would mean the worker had withdrawn the offer first).
    expect(await exited).toBe(0);
    channel.port2.close();
  }, 60_000);
});
