/**
 * Grading a table made elsewhere (`synthdiff evaluate`, the library's `evaluate`): columns are matched by
 * name, so a file with the same columns in another order grades the same; a missing or extra column is a
 * one-line error naming it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../src/api/evaluate.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { takeRows, type Table } from '../src/table/table.js';
import { runCli } from './helpers/cli.js';

const IRIS = resolve('fixtures/tables/datasets__iris.csv');
const quiet = { log: { info() {} } };
let dir: string;
let real: Table;
let other: Table;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-align-'));
  const { table } = await readTable(IRIS, quiet);
  real = takeRows(table, Array.from({ length: 75 }, (_, i) => 2 * i));
  other = takeRows(table, Array.from({ length: 75 }, (_, i) => 2 * i + 1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluate matches columns by name', () => {
  it('the same columns in another order grade the same', async () => {
    const reversed: Table = { nRows: other.nRows, columns: [...other.columns].reverse() };
    const a = await evaluate({ real, synthetic: other, seed: 1 });
    const b = await evaluate({ real, synthetic: reversed, seed: 1 });
    expect(b.evaluation).toEqual(a.evaluation);
  }, 60_000);

  it('a missing or extra column is one line naming it (CLI exit 1)', async () => {
    const names = real.columns.map((c) => c.name).join(', ');
    await writeTable(join(dir, 'missing.csv'), { nRows: other.nRows, columns: other.columns.slice(1) });
    let r = await runCli('evaluate', '--real', IRIS, '--synthetic', join(dir, 'missing.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(dir, 'missing.csv')}: no column "Sepal.Length"; the real table has ${names} (columns are matched by name)\n`);
    await writeTable(join(dir, 'extra.csv'), { nRows: other.nRows, columns: [...other.columns, { ...other.columns[0]!, name: 'id' }] });
    r = await runCli('evaluate', '--real', IRIS, '--synthetic', join(dir, 'extra.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(dir, 'extra.csv')}: column "id" is not in the real table (${names}); columns are matched by name\n`);
  });

  it('a column of another kind is one line naming it and both kinds (CLI exit 1)', async () => {
    const species = other.columns.findIndex((c) => c.name === 'Species');
    const numeric = { name: 'Species', kind: 'numeric' as const, values: Float64Array.from({ length: other.nRows }, (_, i) => i % 3) };
    await writeTable(join(dir, 'kind.csv'), { nRows: other.nRows, columns: other.columns.map((c, j) => (j === species ? numeric : c)) });
    const r = await runCli('evaluate', '--real', IRIS, '--synthetic', join(dir, 'kind.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(dir, 'kind.csv')}: column "Species" is integer, in the real table it is categorical\n`);
  });
});
