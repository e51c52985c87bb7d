/**
 * Arrow sources and outputs through the streamed paths: sharded imputation (read, impute and write in
 * record batches) and streamed training (`model.trainRows`), against the same runs on the CSV.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArrow } from '../src/io/arrow.js';
import { tableToCsvString } from '../src/io/csv.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { runCli } from './helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-stream-arrow-'));
  await writeTable(join(dir, 'boys.arrow'), (await readTable('fixtures/tables/mice__boys.csv')).table);
  await writeFile(join(dir, 'boys.csv'), await readFile('fixtures/tables/mice__boys.csv'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (name: string, source: string, out: string, ext: string, model: string) => `version: 1
name: ${name}
seed: 9
source: { path: ${source} }
model: { device: cpu, backend: wasm, steps: 30, width: 32, depth: 2, samplerSteps: 6, ${model} }
tasks:
  - { type: impute, engine: diffusion, draws: 3, output: { path: ${out}/imputed.${ext} }, intervals: { path: ${out}/intervals.${ext} } }
  - { type: generate, rows: 120, output: { path: ${out}/synthetic.${ext} } }
report: { dir: ${out}, html: false }
`;

const csvText = async (path: string) => tableToCsvString((await readTable(path)).table);

describe('Arrow in record batches through the pipeline', () => {
  it('3 Arrow shards impute exactly what the single-process CSV run does, and merge streams the Arrow parts', async () => {
    await writeFile(join(dir, 'csv.yaml'), spec('boys-csv', 'boys.csv', 'csv', 'csv', 'checkpoint: model'));
    expect((await runCli('run', join(dir, 'csv.yaml'), '-q')).code).toBe(0);
    await writeFile(join(dir, 'arrow.yaml'), spec('boys-arrow', 'boys.arrow', 'arrow', 'arrow', `load: ${join(dir, 'model')}`));
    for (let i = 0; i < 3; i++) expect((await runCli('run', join(dir, 'arrow.yaml'), '--shard', `${i}/3`, '-q')).code).toBe(0);
    const merged = await runCli('merge', join(dir, 'arrow.yaml'));
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain(`${join(dir, 'arrow/imputed.arrow')}: 748 rows from 3 shards`);
    // Same model, same row-keyed noise: the same cells, whatever the file format on either side.
    expect(await csvText(join(dir, 'arrow/imputed.arrow'))).toBe(await csvText(join(dir, 'csv/imputed.csv')));
    expect(await csvText(join(dir, 'arrow/intervals.arrow'))).toBe(await csvText(join(dir, 'csv/intervals.csv')));
    // Parts were written batch by batch (Int64 integers, growing dictionaries) and read back typed.
    const synth = (await readArrow(join(dir, 'arrow/synthetic.arrow'))).table;
    expect(synth.nRows).toBe(120);
    expect(synth.columns.map((c) => c.kind)).toEqual((await readTable(join(dir, 'csv/synthetic.csv'))).table.columns.map((c) => c.kind));
  }, 120_000);

  it('streamed training from the Arrow source equals streamed training from the CSV', async () => {
    await writeFile(join(dir, 'csv-big.yaml'), spec('boys-csv-s', 'boys.csv', 'csv-s', 'csv', 'trainRows: 300'));
    await writeFile(join(dir, 'arrow-big.yaml'), spec('boys-arrow-s', 'boys.arrow', 'arrow-s', 'csv', 'trainRows: 300'));
    expect((await runCli('run', join(dir, 'csv-big.yaml'), '-q')).code).toBe(0);
    expect((await runCli('run', join(dir, 'arrow-big.yaml'), '-q')).code).toBe(0);
    for (const f of ['imputed.csv', 'intervals.csv', 'synthetic.csv']) expect(await readFile(join(dir, 'arrow-s', f), 'utf8')).toBe(await readFile(join(dir, 'csv-s', f), 'utf8'));
  }, 120_000);
});
