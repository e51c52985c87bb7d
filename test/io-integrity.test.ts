/**
 * Observed cells come out as the text they went in (issue 17), and a column's kind says why when it
 * cannot; the whole-table and the batch CSV readers share one core and say the same about the same
 * broken file (issue 13); R exports read as a data scientist expects (issue 15).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { readCsv, tableToCsvString } from '../src/io/csv.js';
import { readCsvBatches, readCsvHeader } from '../src/io/csv-stream.js';
import { cellValue, takeRows, type Table } from '../src/table/table.js';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { readTable } from '../src/io/table-io.js';
import { concatTables } from '../src/run/shard/merge.js';
import { quiet, writeText } from './helpers/files.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthdiff-integrity-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tmp = (name: string, text: string): string => writeText(dir, name, text);
const cells = (t: Table, j: number) => Array.from({ length: t.nRows }, (_, r) => cellValue(t.columns[j]!, r));

describe('observed cells keep their text (issue 17)', () => {
  it('integers beyond 2^53 are written back as read, with a note that says why the column is numeric', async () => {
    const p = tmp('wide.csv', 'id,x\n9007199254740993,1\n12,2\n9007199254740995,3\n');
    const { table, notes } = await readCsv(p, { log: quiet });
    expect(table.columns[0]!.kind).toBe('numeric');
    expect(tableToCsvString(table)).toBe('"id","x"\n9007199254740993,1\n12,2\n9007199254740995,3\n');
    expect(notes).toEqual([
      `${p}: column "id", data row 1: integers beyond ±2^53 such as "9007199254740993" cannot be held exactly, so the column is numeric: the model sees them rounded and observed cells are written back as read; for identifiers set columns.id.kind: categorical or drop: true`,
    ]);
  });

  it('-0, 1.50, 1e+05 and Inf keep their spelling; a changed value prints as a number', async () => {
    const p = tmp('spell.csv', 'x\n-0\n1.50\n1e+05\nInf\n2\n');
    const { table } = await readCsv(p);
    expect(tableToCsvString(table)).toBe('"x"\n-0\n1.50\n1e+05\nInf\n2\n');
    // Rows picked (as the split does) keep their text; a value that changed prints itself.
    expect(tableToCsvString(takeRows(table, [2, 1]))).toBe('"x"\n1e+05\n1.50\n');
    const c = table.columns[0] as Extract<Table['columns'][number], { values: Float64Array }>;
    const changed = { ...c, values: Float64Array.from(c.values, (v, r) => (r === 1 ? 7 : v)) };
    expect(tableToCsvString({ nRows: 5, columns: [changed] })).toBe('"x"\n-0\n7\n1e+05\nInf\n2\n');
  });

  it('a quoted empty string is an observed empty label, not a missing cell; in a number column it is missing, with a note', async () => {
    const p = tmp('empty.csv', 'a,b\n"",1\nx,""\n,2\n');
    const { table, notes } = await readCsv(p, { log: quiet });
    expect(cells(table, 0)).toEqual(['', 'x', null]);
    expect(cells(table, 1)).toEqual([1, null, 2]);
    expect(tableToCsvString(table)).toBe('"a","b"\n"",1\n"x",\n,2\n');
    expect(notes).toEqual([`${p}: column "b", data row 2: 1 cell quoted empty ("") read as missing in this integer column, which cannot hold an empty string`]);
  });

  it('observed datetimes keep microseconds, offsets and layout', async () => {
    const text = '"t"\n"2021-03-04 10:00:00.123456+02:00"\n"2021-03-04T08:00:00Z"\n"2021-03-05T00:00:00.000Z"\n';
    const { table } = await readCsv(tmp('dt.csv', text));
    expect(table.columns[0]!.kind).toBe('datetime');
    expect(tableToCsvString(table)).toBe(text);
  });

  it('Arrow Int64 values beyond 2^53 are written to CSV with their exact digits', async () => {
    const p = join(dir, 'wide.arrow');
    writeFileSync(p, tableToIPC(tableFromArrays({ id: BigInt64Array.of(9007199254740993n, 5n) }), 'file'));
    const { table } = await readTable(p);
    expect(table.columns[0]!.kind).toBe('numeric');
    expect(tableToCsvString(table)).toBe('"id"\n9007199254740993\n5\n');
  });

  it('stacked parts (merge) keep each part\'s text', async () => {
    const { table } = await readCsv(tmp('parts.csv', 'x\n1.50\n2\n-0\n'));
    expect(tableToCsvString(concatTables([takeRows(table, [0, 1]), takeRows(table, [2])]))).toBe('"x"\n1.50\n2\n-0\n');
  });

  it('batches carry the same text as the whole table', async () => {
    const p = tmp('batches.csv', 'x,d\n-0,2020-01-01\n1.50,2020-01-02 10:00\n3,\n1e+05,2020-01-03\n');
    const { table } = await readCsv(p);
    const out: string[] = [];
    for await (const b of readCsvBatches(p, { columns: [{ name: 'x', kind: 'numeric' }, { name: 'd', kind: 'datetime', resolution: 'datetime' }], batchRows: 2 })) out.push(tableToCsvString(b.table).split('\n').slice(1).join('\n'));
    expect(`"x","d"\n${out.join('')}`).toBe(tableToCsvString(table));
  });
});

describe('stray tokens and R exports (issues 17, 15)', () => {
  it('one stray token in a numeric column: the column, the token, the row and the fix are named', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i * 1.5}`);
    rows.splice(30, 0, 'n/a');
    const p = tmp('stray.csv', `x\n${rows.join('\n')}\n`);
    const { table, notes } = await readCsv(p, { log: quiet });
    expect(table.columns[0]!.kind).toBe('categorical');
    expect(notes).toEqual([
      `${p}: column "x", data row 31: categorical with 41 levels only because "n/a" is not a number (1 cell); if it means missing, list it under columns.x.missing (or source.missing), or set columns.x.kind: numeric to read cells that are not numbers as missing`,
    ]);
    // Both fixes work.
    expect((await readCsv(p, { missing: ['n/a'], log: quiet })).table.columns[0]!.kind).toBe('numeric');
    const coerced = await readCsv(p, { columns: { x: { kind: 'numeric' } }, log: quiet });
    expect(coerced.notes).toEqual([`${p}: column "x", data row 31: 1 cell not a numeric (first "n/a") read as missing, as the forced kind numeric asks`]);
  });

  it('R: NA is missing in a numeric column; decimal commas are named with the fix', async () => {
    const p = tmp('r.csv', 'a;b\n1,5;NA\n2,25;3\n');
    const { table, notes } = await readCsv(p, { log: quiet });
    expect(table.columns.map((c) => c.kind)).toEqual(['categorical', 'integer']);
    expect(notes).toEqual([
      `${p}: column "a", data row 1: categorical because numbers such as "1,5" use a decimal comma, which is not read as a number; re-export the file with decimal points (R: write.csv rather than write.csv2; pandas: decimal=".")`,
      `${p}: column "b", data row 1: 1 cell "NA" read as missing (R's NA) in this integer column; list "NA" under missing to say so explicitly`,
    ]);
  });
});

describe('one CSV core: the same broken file gives the same message on both paths (issue 13)', () => {
  const broken = readdirSync('fixtures/broken').filter((f) => f.endsWith('.csv')).sort();
  async function wholeMessage(path: string): Promise<string> {
    try {
      await readCsv(path, { log: quiet });
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      return (e as Error).message;
    }
    return 'read';
  }
  async function batchMessage(path: string): Promise<string> {
    try {
      const names = await readCsvHeader(path);
      let rows = 0;
      for await (const b of readCsvBatches(path, { columns: names.map((name) => ({ name, kind: 'categorical' as const })), batchRows: 2, log: quiet })) rows += b.table.nRows;
      // A header and no rows is an empty range to the batch reader, not a fault (its callers say "no data rows").
      if (rows === 0) return 'no rows';
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      return (e as Error).message;
    }
    return 'read';
  }
  it.each(broken)('%s', async (file) => {
    const path = `fixtures/broken/${file}`;
    const whole = await wholeMessage(path);
    expect(whole).not.toBe('read');
    expect(await batchMessage(path)).toBe(file === 'header-only.csv' ? 'no rows' : whole);
  });
});
