/**
 * The trees engine on synth-shared's split, leaf by leaf (issue 11): the harness behind the trees figures in
 * bench/RESULTS.md's notes that are not a `npm run bench` unit.
 *
 *   npx tsx bench/prototypes/cart-leaves.mts TABLE [LEAF ...]   (TABLE: ../shared/data/tabular/TABLE.csv, or a CSV path)
 *
 * Splits the table as synth-shared does (splitCsv, seed 1) into /tmp/cart/<name>/, runs the leaf validation
 * (tuneCartLeaf) and prints its trials; then for each LEAF given (default: the validated one) draws as many
 * rows as the training half with cartSynthesize and prints score.py's headline figures, and the holdout's.
 * Environment: NOTUNE=1 skips the validation; SHIFT=off|R sets cartSynthesize's `shift` (default: on);
 * SUB=0.5 fits on a seeded share of the training half (still drawing as many rows as the whole half);
 * SPLIT_SEED=2 splits as synth-shared's seed 2 (default 1); ROWS_MULT=1.5 draws 1.5 times the training rows.
 */
import { join } from 'node:path';
import { readTable, writeTable } from '../../src/io/table-io.js';
import { cartSynthesize } from '../../src/synth/cart.js';
import { tuneCartLeaf } from '../../src/synth/tune.js';
import { takeRows } from '../../src/table/table.js';
import { createRng, permutation } from '../../src/rng.js';
import { headline, prototypeSplit, score } from '../synth-shared.js';

const [table, ...leafArgs] = process.argv.slice(2);
const splitSeed = Number(process.env.SPLIT_SEED ?? 1);
if (!table) throw new Error('usage: cart-leaves.mts TABLE [LEAF ...]');
const { name, dir, train, holdout } = prototypeSplit(table, splitSeed);
const t = (await readTable(train)).table;

let t0 = performance.now();
const choice = process.env.NOTUNE ? { why: 'skipped', trials: [], minLeaf: undefined } : tuneCartLeaf(t, { seed: 1 });
console.log(`${name} validation (${((performance.now() - t0) / 1000).toFixed(1)} s): ${choice.why}`);
for (const x of choice.trials) console.log(`  leaf ${x.minLeaf}: DCR share ${x.dcrShare}, detection ${x.detection}`);

const leaves = leafArgs.length ? leafArgs.map(Number) : choice.minLeaf !== undefined ? [choice.minLeaf] : [];
for (const minLeaf of leaves) {
  t0 = performance.now();
  const sub = Number(process.env.SUB ?? 1);
  const fitT = sub < 1 ? takeRows(t, permutation(t.nRows, createRng(99)).subarray(0, Math.round(sub * t.nRows))) : t;
  const r = cartSynthesize(fitT, Math.round(Number(process.env.ROWS_MULT ?? 1) * t.nRows), { seed: 1, minLeaf, ...(process.env.SHIFT ? { shift: process.env.SHIFT === 'off' ? false : Number(process.env.SHIFT) } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  const out = join(dir, `cart-${minLeaf}.csv`);
  await writeTable(out, r.table, 'csv');
  console.log(`${name} leaf ${minLeaf} (${seconds.toFixed(1)} s): ${JSON.stringify(headline(score(train, out, holdout, undefined, splitSeed)))}`);
}
if (!process.env.NOTUNE) console.log(`${name} holdout: ${JSON.stringify(headline(score(train, holdout, holdout, undefined, splitSeed)))}`);
