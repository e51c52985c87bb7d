/**
 * The panel engine on synth-shared's split (issue 11): `npx tsx bench/prototypes/panel-proto.mts TABLE`
 * splits as synth-shared does (splitCsv, seed 1), finds the panel, draws as many rows as the training half
 * with panelSynthesize and prints score.py's headline figures beside the holdout's.
 */
import { join } from 'node:path';
import { readTable, writeTable } from '../../src/io/table-io.js';
import { findPanel, panelSynthesize } from '../../src/synth/panel.js';
import { headline, prototypeSplit, score } from '../synth-shared.js';

const [table] = process.argv.slice(2);
if (!table) throw new Error('usage: panel-proto.mts TABLE');
const { name, dir, train, holdout } = prototypeSplit(table);
const t = (await readTable(train)).table;
const panel = findPanel(t);
console.log(`${name} panel: ${JSON.stringify(panel)}`);
if (panel) {
  const t0 = performance.now();
  const syn = panelSynthesize(t, t.nRows, { seed: 1, panel }).table;
  const out = join(dir, 'panel.csv');
  await writeTable(out, syn, 'csv');
  console.log(`${name} panel (${((performance.now() - t0) / 1000).toFixed(1)} s): ${JSON.stringify(headline(score(train, out, holdout, undefined, 1)))}`);
}
