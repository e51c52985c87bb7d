import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv, tableToCsvString, writeCsv } from '../src/io/csv.js';
import { DataError } from '../src/errors.js';
import { type Column, type Table, cellValue, column } from '../src/table/table.js';

const FIXTURES = 'fixtures/tables';
const TABLES = readdirSync(FIXTURES).filter((f) => f.endsWith('.csv')).sort();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthdiff-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tmpFile(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Every cell as a JS value, column by column, for value comparisons across formats. */
function values(t: Table): Record<string, (number | string | null)[]> {
  return Object.fromEntries(t.columns.map((c) => [c.name, Array.from({ length: t.nRows }, (_, r) => cellValue(c, r))]));
}

/** Cell-by-cell equality of two tables (names, kinds, values); much faster than a deep toEqual on
 * tens of thousands of cells, and it names the first differing cell. */
function expectSameValues(a: Table, b: Table): void {
  expect(b.nRows).toBe(a.nRows);
  expect(b.columns.map((c) => [c.name, c.kind])).toEqual(a.columns.map((c) => [c.name, c.kind]));
  a.columns.forEach((ca, j) => {
    const cb = b.columns[j]!;
    for (let r = 0; r < a.nRows; r++) {
      const x = cellValue(ca, r);
      const y = cellValue(cb, r);
      if (!Object.is(x, y)) expect({ column: ca.name, row: r, value: y }).toEqual({ column: ca.name, row: r, value: x });
    }
  });
}

describe('CSV round trip on the fixture tables', () => {
  it('has the fixtures', () => {
    expect(TABLES.length).toBeGreaterThanOrEqual(11);
  });

  // The fixtures are R write.csv exports and the writer follows the same conventions, so the text
  // comes back byte for byte; a second read then gives the same kinds and values.
  it.each(TABLES)('%s: read → write reproduces the file exactly and re-reads identically', async (f) => {
    const path = `${FIXTURES}/${f}`;
    const first = await readCsv(path);
    const text = tableToCsvString(first.table);
    expect(text).toBe(readFileSync(path, 'utf8'));
    const out = join(dir, `rt-${f}`);
    await writeCsv(out, first.table);
    expect(readFileSync(out, 'utf8')).toBe(text);
    const second = await readCsv(out);
    expect(second.schema).toEqual(first.schema);
    expectSameValues(first.table, second.table);
  });

  it('leaves no temp file behind', () => {
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('CSV dialects', () => {
  it('auto-detects ; and TAB, strips a BOM and accepts CRLF', async () => {
    const semi = tmpFile('semi.csv', '\uFEFFa;b;c\r\n1;x y;2,5\r\n2;"q;r";3\r\n');
    const r = await readCsv(semi);
    expect(r.delimiter).toBe(';');
    expect(r.table.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(values(r.table)).toEqual({ a: [1, 2], b: ['x y', 'q;r'], c: ['2,5', '3'] });
    const tab = tmpFile('tab.tsv', 'a\tb\n1\t"x\ty"\n');
    const t = await readCsv(tab);
    expect(t.delimiter).toBe('\t');
    expect(values(t.table)).toEqual({ a: [1], b: ['x\ty'] });
    // An explicit delimiter wins over sniffing (here wrongly: "2,5" splits).
    await expect(readCsv(semi, { delimiter: ',' })).rejects.toThrow('line 2: expected 1 fields as in the header, got 2');
  });

  it('handles quoted delimiters, doubled quotes and line breaks inside fields', async () => {
    const p = tmpFile('quotes.csv', '"id","text"\n1,"a, ""quoted"" word"\n2,"two\nlines"\n3,plain\n');
    const { table } = await readCsv(p);
    expect(values(table).text).toEqual(['a, "quoted" word', 'two\nlines', 'plain']);
    const again = tmpFile('quotes2.csv', tableToCsvString(table));
    expect(values((await readCsv(again)).table)).toEqual(values(table));
  });

  it('treats only the empty field as missing by default (and R\'s NA in number columns); tokens are opt-in, globally or per column', async () => {
    const p = tmpFile('na.csv', 'a,b,c\nNA,None,1\n1,x,NA\n,,\n');
    const plain = await readCsv(p, { log: { info() {} } });
    expect(values(plain.table)).toEqual({ a: [null, 1, null], b: ['None', 'x', null], c: [1, null, null] });
    expect(plain.notes).toEqual([
      `${p}: column "a", data row 1: 1 cell "NA" read as missing (R's NA) in this integer column; list "NA" under missing to say so explicitly`,
      `${p}: column "c", data row 2: 1 cell "NA" read as missing (R's NA) in this integer column; list "NA" under missing to say so explicitly`,
    ]);
    expect(values((await readCsv(tmpFile('na-label.csv', 'region\nNA\nEU\n'))).table)).toEqual({ region: ['NA', 'EU'] });
    const global = await readCsv(p, { missing: ['NA'] });
    expect(values(global.table)).toEqual({ a: [null, 1, null], b: ['None', 'x', null], c: [1, null, null] });
    const perColumn = await readCsv(p, { columns: { b: { missing: ['None'] }, c: { missing: ['NA'], kind: 'numeric' } } });
    expect(values(perColumn.table)).toEqual({ a: [null, 1, null], b: [null, 'x', null], c: [1, null, null] });
    expect(column(perColumn.table, 'c').kind).toBe('numeric');
  });

  it('keeps blank lines as missing values in a one-column file, and skips them otherwise', async () => {
    const one = await readCsv(tmpFile('one.csv', 'x\n1\n\n3\n'));
    expect(values(one.table)).toEqual({ x: [1, null, 3] });
    const two = await readCsv(tmpFile('two.csv', 'x,y\n1,2\n\n3,4\n\n'));
    expect(values(two.table)).toEqual({ x: [1, 3], y: [2, 4] });
  });

  it('trims blanks around unquoted fields only when asked', async () => {
    const p = tmpFile('spaced.csv', 'a, b\n1, 2\n3, 4\n');
    expect(values((await readCsv(p)).table)).toEqual({ a: [1, 3], ' b': [' 2', ' 4'] });
    expect(values((await readCsv(p, { trim: true })).table)).toEqual({ a: [1, 3], b: [2, 4] });
  });
});

describe('datetime and boolean columns', () => {
  const src = [
    'd,t,flag,n,i',
    '2020-01-31,2020-01-31T10:00:00Z,TRUE,0.1,1',
    ',2021-06-01 23:59:59.999,FALSE,,',
    '1999-12-31,,,1e-7,-3',
    '',
  ].join('\n');

  it('reads them with the right kind and values', async () => {
    const { table, schema } = await readCsv(tmpFile('dt.csv', src));
    expect(schema.columns.map((c) => [c.kind, c.resolution])).toEqual([
      ['datetime', 'date'],
      ['datetime', 'datetime'],
      ['boolean', undefined],
      ['numeric', undefined],
      ['integer', undefined],
    ]);
    expect(values(table)).toEqual({
      d: [Date.UTC(2020, 0, 31), null, Date.UTC(1999, 11, 31)],
      t: [Date.UTC(2020, 0, 31, 10), Date.UTC(2021, 5, 1, 23, 59, 59, 999), null],
      flag: ['TRUE', 'FALSE', null],
      n: [0.1, null, 1e-7],
      i: [1, null, -3],
    });
  });

  it('writes observed datetimes as read, new ones as YYYY-MM-DD or ISO with ms, and that output is a fixed point', async () => {
    const { table } = await readCsv(tmpFile('dt2.csv', src));
    const text = tableToCsvString(table);
    expect(text).toBe(
      [
        '"d","t","flag","n","i"',
        '"2020-01-31","2020-01-31T10:00:00Z","TRUE",0.1,1',
        ',"2021-06-01 23:59:59.999","FALSE",,',
        '"1999-12-31",,,1e-7,-3',
        '',
      ].join('\n'),
    );
    const t = column(table, 't') as Extract<Column, { kind: 'datetime' }>;
    const generated = { ...t, values: Float64Array.from(t.values, (v) => v + 1) };
    expect(tableToCsvString({ nRows: 3, columns: [generated] })).toBe('"t"\n"2020-01-31T10:00:00.001Z"\n"2021-06-02T00:00:00.000Z"\n\n');
    const again = await readCsv(tmpFile('dt3.csv', text));
    expect(tableToCsvString(again.table)).toBe(text);
    expect(values(again.table)).toEqual(values(table));
  });

  it('keeps numeric-looking labels categorical through write and read', async () => {
    const { table } = await readCsv(tmpFile('codes.csv', 'code\n1\n2\n10\n'), { columns: { code: { kind: 'categorical' } } });
    const text = tableToCsvString(table);
    expect(text).toBe('"code"\n"1"\n"2"\n"10"\n');
    const again = await readCsv(tmpFile('codes2.csv', text));
    expect(again.schema.columns[0]).toMatchObject({ kind: 'categorical', categories: ['1', '2', '10'] });
  });

  it('rounds generated integers and writes them without a decimal point', () => {
    const t: Table = { nRows: 3, columns: [{ name: 'k', kind: 'integer', values: Float64Array.from([2.4, -0.4, NaN]) }] };
    expect(tableToCsvString(t)).toBe('"k"\n2\n0\n\n');
  });
});

describe('errors from the reader', () => {
  it('names the file, line, row, column and value when a forced kind cannot read a cell', async () => {
    const p = tmpFile('forced.csv', 'a,b\n1,yes\n"x\ny",no\n4,oops\n');
    await expect(readCsv(p, { columns: { b: { kind: 'boolean' } } })).rejects.toThrow(
      `${p}: line 5 (data row 3), column "b": "oops" is not a boolean, the kind forced for it (labels must be one pair`,
    );
  });

  it('a forced numeric kind reads cells that are not numbers as missing, and counts them', async () => {
    const p = tmpFile('coerce.csv', 'a,b\n1,2\n"x\ny",3\n4,oops\n5,oops\n');
    const { table, notes } = await readCsv(p, { columns: { b: { kind: 'integer' } }, log: { info() {} } });
    expect(values(table).b).toEqual([2, 3, null, null]);
    expect(notes).toEqual([`${p}: column "b", data row 3: 2 cells not an integer (first "oops") read as missing, as the forced kind integer asks`]);
  });

  it('rejects an override for a column the header lacks', async () => {
    await expect(readCsv(`${FIXTURES}/mice__nhanes.csv`, { columns: { bmj: { kind: 'numeric' } } })).rejects.toThrow(
      /mice__nhanes\.csv: an override names column "bmj", which the header lacks \(columns: age, bmi, hyp, chl\)/,
    );
  });

  it('finds invalid UTF-8 far into the file and reports its line', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i},ok`);
    const bytes = Buffer.concat([
      Buffer.from(`n,s\n${rows.join('\n')}\n`),
      Buffer.from([0x31, 0x2c, 0x5a, 0xfc, 0x72, 0x0a]),
    ]);
    const p = tmpFile('late-latin1.csv', bytes);
    const err = await readCsv(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toContain(`${p}: line 200002: byte 0xfc at offset ${bytes.length - 3} is not valid UTF-8`);
  });
});

// 254,654 rows × 8 columns, ~10 MB of CSV: the scale check the project budget is set against.
describe('AER__Fertility (large)', () => {
  const xz = 'fixtures/tables/AER__Fertility.csv.xz';
  const hasXz = spawnSync('xz', ['--version']).status === 0;
  const available = hasXz && existsSync(xz);
  let csv = '';
  beforeAll(() => {
    if (!available) {
      console.warn(`skipping AER__Fertility: ${hasXz ? `${xz} not found` : 'xz is not installed'}`);
      return;
    }
    csv = join(dir, 'AER__Fertility.csv');
    writeFileSync(csv, execFileSync('xz', ['-dkc', xz], { maxBuffer: 64 << 20 }));
  });

  it.skipIf(!available)('loads in under 10 s with 254654 rows and 8 columns of the right kinds', async () => {
    const t0 = performance.now();
    const { table, schema } = await readCsv(csv);
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeLessThan(10);
    expect(table.nRows).toBe(254_654);
    expect(table.columns.length).toBe(8);
    expect(Object.fromEntries(schema.columns.map((c) => [c.name, c.kind]))).toEqual({
      morekids: 'categorical',
      gender1: 'categorical',
      gender2: 'categorical',
      age: 'integer',
      afam: 'categorical',
      hispanic: 'categorical',
      other: 'categorical',
      work: 'integer',
    });
    expect(schema.columns.find((c) => c.name === 'gender1')!.categories).toEqual(['female', 'male']);
    expect(schema.columns.every((c) => c.missing === 0)).toBe(true);
    // Byte-exact write-back at this scale too.
    expect(tableToCsvString(table)).toBe(readFileSync(csv, 'utf8'));
  });
});

describe('awkward column names', () => {
  it('reads columns named like Object.prototype members without treating them as overrides', async () => {
    const p = join(tmpdir(), `synthdiff-proto-${process.pid}.csv`);
    writeFileSync(p, 'constructor,toString,__proto__\n1,a,2\n3,b,4\n');
    try {
      const { table } = await readCsv(p, { columns: {} });
      expect(table.columns.map((c) => [c.name, c.kind])).toEqual([
        ['constructor', 'integer'],
        ['toString', 'categorical'],
        ['__proto__', 'integer'],
      ]);
    } finally {
      rmSync(p, { force: true });
    }
  });
});
