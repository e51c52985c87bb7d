/**
 * split.groupBy (issue 15): patients with several rows (survival::colon, two rows per patient) never sit on
 * both sides of the train/holdout split; the holdout still gets its share of rows.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSourceTable, splitTable } from '../src/run/table/source.js';
import type { NumericColumn } from '../src/table/table.js';
import { runCli } from './helpers/cli.js';

const COLON = resolve('fixtures/tables/survival__colon.csv');

function idsOf(t: { columns: readonly { name: string }[] }): Set<number> {
  return new Set((t.columns.find((c) => c.name === 'id') as NumericColumn).values);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-groups-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('split.groupBy', () => {
  it('keeps every patient on one side, with about half the rows in the holdout; a row split does not', async () => {
    const loaded = await loadSourceTable({ path: COLON, columns: {} } as never, 'id');
    expect(loaded.groups).toBeDefined();
    const grouped = splitTable(loaded.table, 0.5, 7, loaded.groups);
    const train = idsOf(grouped.train), hold = idsOf(grouped.holdout!);
    expect([...train].filter((id) => hold.has(id))).toEqual([]);
    expect(train.size + hold.size).toBe(929);
    expect(grouped.holdout!.nRows).toBeGreaterThanOrEqual(929);
    expect(grouped.holdout!.nRows).toBeLessThanOrEqual(931);
    const byRow = splitTable(loaded.table, 0.5, 7);
    const rowTrain = idsOf(byRow.train);
    expect([...idsOf(byRow.holdout!)].filter((id) => rowTrain.has(id)).length).toBeGreaterThan(100);
  });

  it('runs from the CLI with the id column dropped from the model, and names a missing group column', async () => {
    const spec = join(dir, 'colon.yaml');
    await writeFile(spec, `version: 1\nname: colon\nseed: 2\nsource: { path: ${COLON} }\ncolumns: { id: { drop: true } }\nsplit: { holdout: 0.5, groupBy: id }\nmodel: { steps: 20, width: 16, depth: 1 }\ntasks:\n  - { type: generate, rows: 20, output: { path: out.csv } }\nreport: { dir: rep, html: false }\n`);
    const ok = await runCli('run', spec, '-q');
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'rep', 'report.json'), 'utf8')) as { data: { trainRows: number; holdoutRows: number } };
    expect(report.data.trainRows + report.data.holdoutRows).toBe(1858);
    expect(report.data.holdoutRows % 2).toBe(0);
    await writeFile(spec, (await readFile(spec, 'utf8')).replace('groupBy: id', 'groupBy: ids'));
    const bad = await runCli('validate', spec);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`error: split.groupBy: ${COLON} has no such column (did you mean "id"?) (columns: id, study, rx, sex, age, obstruct, perfor, adhere, nodes, status, differ, extent, surg, node4, time, etype)`);
    await writeFile(spec, (await readFile(spec, 'utf8')).replace('groupBy: ids', 'groupBy: id').replace('depth: 1', 'depth: 1, trainRows: 500'));
    const streamed = await runCli('run', spec, '-q');
    expect(streamed.code).toBe(1);
    expect(streamed.stderr.trim()).toBe('error: split.groupBy: groups are kept whole by in-memory runs only (model.trainRows streams the source); drop groupBy or model.trainRows');
  });
});
