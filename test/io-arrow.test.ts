import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Bool,
  DateDay,
  DateMillisecond,
  Dictionary,
  Field,
  Float32,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table as ArrowTable,
  TimestampMicrosecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint64,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectArrowFormat, readArrow, tableFromArrowBytes, tableToArrowBytes } from '../src/io/arrow.js';
import { readCsv, tableToCsvString } from '../src/io/csv.js';
import { formatFromPath, readTable, writeTable } from '../src/io/table-io.js';
import { DataError } from '../src/errors.js';
import { type Table, cellValue, column } from '../src/table/table.js';

const FIXTURES = 'fixtures/tables';
// gapminder's gdp carries R's scientific notation (9.8988e+12): CSV → CSV keeps that text, but an Arrow
// float64 column holds only the value, so its CSV comes back as 9898800000000 (same number; not byte-identical).
const TABLES = readdirSync(FIXTURES).filter((f) => f.endsWith('.csv') && f !== 'dslabs__gapminder.csv').sort();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthdiff-arrow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

/** Valid-bit mask for makeData: bit i set when row i holds a value. */
function bitmap(valid: boolean[]): Uint8Array {
  const b = new Uint8Array((valid.length + 7) >> 3);
  valid.forEach((v, i) => {
    if (v) b[i >> 3]! |= 1 << (i & 7);
  });
  return b;
}

describe('CSV → Arrow → CSV on every fixture table', () => {
  it.each(TABLES)('%s: byte-identical to CSV → CSV, same kinds and values, file and stream', async (f) => {
    const src = await readCsv(`${FIXTURES}/${f}`);
    const viaCsv = tableToCsvString(src.table);
    for (const ext of ['.arrow', '.arrows'] as const) {
      const path = join(dir, f.replace(/\.csv$/, ext));
      await writeTable(path, src.table);
      const back = await readTable(path);
      expect(back.format).toBe('arrow');
      expect(tableToCsvString(back.table)).toBe(viaCsv);
      expect(back.schema).toEqual(src.schema);
      expectSameValues(src.table, back.table);
      // Also through table-io's CSV side, to a file.
      const csvOut = join(dir, `${f}${ext}.csv`);
      await writeTable(csvOut, back.table);
      expect(readFileSync(csvOut, 'utf8')).toBe(viaCsv);
    }
  });

  it('writes the IPC file format for .arrow and the stream format for .arrows', () => {
    const file = readFileSync(join(dir, 'datasets__iris.arrow'));
    const stream = readFileSync(join(dir, 'datasets__iris.arrows'));
    expect(file.subarray(0, 6).toString('latin1')).toBe('ARROW1');
    expect(file.subarray(-6).toString('latin1')).toBe('ARROW1');
    expect(detectArrowFormat(file)).toBe('file');
    expect(stream.readInt32LE(0)).toBe(-1);
    expect(detectArrowFormat(stream)).toBe('stream');
  });
});

describe('reading Arrow built with apache-arrow', () => {
  it('reads dictionaries with nulls, plain strings, ints of every width, floats and Bool', () => {
    const n = 4;
    const dict = makeData({
      type: new Dictionary(new Utf8(), new Int8()),
      length: n,
      nullCount: 1,
      nullBitmap: bitmap([true, false, true, true]),
      data: new Int8Array([2, 0, 0, 1]),
      dictionary: vectorFromArray(['low', 'mid', 'high'], new Utf8()),
    });
    const t = new ArrowTable({
      level: makeVector(dict),
      name: vectorFromArray(['b', null, 'a', 'b'], new Utf8()),
      i8: vectorFromArray([1, -2, null, 4], new Int8()),
      i16: vectorFromArray([300, null, -300, 0], new Int16()),
      u16: vectorFromArray([65535, 1, 2, null], new Uint16()),
      f32: vectorFromArray([0.5, null, 1.25, -2], new Float32()),
      flag: vectorFromArray([true, false, null, true], new Bool()),
    });
    for (const format of ['file', 'stream'] as const) {
      const { table, format: detected } = tableFromArrowBytes(tableToIPC(t, format), 'mem');
      expect(detected).toBe(format);
      expect(table.columns.map((c) => c.kind)).toEqual([
        'categorical', 'categorical', 'integer', 'integer', 'integer', 'numeric', 'boolean',
      ]);
      // Dictionary order is kept; plain strings get sorted categories.
      expect(column(table, 'level')).toMatchObject({ categories: ['low', 'mid', 'high'] });
      expect(column(table, 'name')).toMatchObject({ categories: ['a', 'b'] });
      expect(column(table, 'flag')).toMatchObject({ categories: ['false', 'true'] });
      expect(values(table)).toEqual({
        level: ['high', null, 'low', 'mid'],
        name: ['b', null, 'a', 'b'],
        i8: [1, -2, null, 4],
        i16: [300, null, -300, 0],
        u16: [65535, 1, 2, null],
        f32: [0.5, null, 1.25, -2],
        flag: ['true', 'false', null, 'true'],
      });
    }
  });

  it('reads Int64/Uint64 as integer, or numeric once a value exceeds 2^53', () => {
    const big = 2n ** 60n;
    const t = new ArrowTable({
      small: vectorFromArray([1n, -(2n ** 40n), null, 7n], new Int64()),
      big: vectorFromArray([1n, big, 3n, null], new Int64()),
      u64: vectorFromArray([0n, 2n ** 52n, null, 5n], new Uint64()),
    });
    const { table } = tableFromArrowBytes(tableToIPC(t, 'file'));
    expect(table.columns.map((c) => c.kind)).toEqual(['integer', 'numeric', 'integer']);
    expect(values(table)).toEqual({
      small: [1, -(2 ** 40), null, 7],
      big: [1, 2 ** 60, 3, null],
      u64: [0, 2 ** 52, null, 5],
    });
  });

  it('reads dates and timestamps of every unit as epoch ms', () => {
    const ms = [Date.UTC(2020, 0, 31), Date.UTC(2021, 5, 1, 23, 59, 59, 999), null, Date.UTC(1969, 11, 31, 12)];
    const secs = ms.map((v) => (v === null ? null : BigInt(Math.floor(v / 1000))));
    const t = new ArrowTable({
      day: vectorFromArray([Date.UTC(2020, 0, 31), null, 0, Date.UTC(1900, 0, 1)].map((v) => (v === null ? null : new Date(v))), new DateDay()),
      dms: vectorFromArray([Date.UTC(2020, 0, 31), null, 0, 86_400_000].map((v) => (v === null ? null : new Date(v))), new DateMillisecond()),
      ts_s: makeVector(
        makeData({
          type: new TimestampSecond('UTC'),
          length: 4,
          nullCount: 1,
          nullBitmap: bitmap(secs.map((s) => s !== null)),
          data: BigInt64Array.from(secs, (s) => s ?? 0n),
        }),
      ),
      ts_us: makeVector(
        makeData({
          type: new TimestampMicrosecond(),
          length: 4,
          nullCount: 1,
          nullBitmap: bitmap(ms.map((v) => v !== null)),
          data: BigInt64Array.from(ms, (v) => (v === null ? 0n : BigInt(v) * 1000n)),
        }),
      ),
      ts_ns: makeVector(
        makeData({
          type: new TimestampNanosecond('America/New_York'),
          length: 4,
          nullCount: 1,
          nullBitmap: bitmap(ms.map((v) => v !== null)),
          data: BigInt64Array.from(ms, (v) => (v === null ? 0n : BigInt(v) * 1_000_000n)),
        }),
      ),
    });
    const { table } = tableFromArrowBytes(tableToIPC(t, 'stream'));
    expect(table.columns.map((c) => [c.kind, 'resolution' in c ? c.resolution : undefined])).toEqual([
      ['datetime', 'date'],
      ['datetime', 'date'],
      ['datetime', 'datetime'],
      ['datetime', 'datetime'],
      ['datetime', 'datetime'],
    ]);
    const v = values(table);
    expect(v.day).toEqual([Date.UTC(2020, 0, 31), null, 0, Date.UTC(1900, 0, 1)]);
    expect(v.dms).toEqual([Date.UTC(2020, 0, 31), null, 0, 86_400_000]);
    expect(v.ts_s).toEqual(secs.map((s) => (s === null ? null : Number(s) * 1000)));
    expect(v.ts_us).toEqual(ms);
    expect(v.ts_ns).toEqual(ms);
    expect(tableToCsvString(table).split('\n')[1]).toBe(
      '"2020-01-31","2020-01-31","2020-01-31T00:00:00.000Z","2020-01-31T00:00:00.000Z","2020-01-31T00:00:00.000Z"',
    );
  });

  it('merges dictionaries that differ between record batches by label', () => {
    const type = new Dictionary(new Utf8(), new Int32(), 0);
    const batch = (labels: string[], idx: number[]) => {
      const data = makeData({ type, length: idx.length, nullCount: 0, data: Int32Array.from(idx), dictionary: vectorFromArray(labels, new Utf8()) });
      const schema = new Schema([new Field('g', type, true)]);
      return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: idx.length, nullCount: 0, children: [data] }));
    };
    const t = new ArrowTable([batch(['a', 'b'], [0, 1, 1]), batch(['c', 'a'], [0, 1])]);
    const { table } = tableFromArrowBytes(tableToIPC(t, 'stream'));
    expect(column(table, 'g')).toMatchObject({ categories: ['a', 'b', 'c'] });
    expect(values(table).g).toEqual(['a', 'b', 'b', 'c', 'a']);
  });

  it('reads a Null column as all-missing numeric and rejects nested types by column name', () => {
    const nulls = new ArrowTable({ nothing: makeVector(makeData({ type: new Null(), length: 2 })) });
    expect(tableFromArrowBytes(tableToIPC(nulls)).table.columns[0]).toMatchObject({ kind: 'numeric' });
    const lists = new ArrowTable({ tags: vectorFromArray([[1, 2], [3]], new List(new Field('item', new Int32(), true))) });
    expect(() => tableFromArrowBytes(tableToIPC(lists), 'tags.arrow')).toThrow(
      /tags\.arrow: column "tags" has Arrow type List<Int32>, which synthdiff cannot read/,
    );
  });
});

describe('writing Arrow', () => {
  it('keeps boolean labels, widens integers beyond Int32 to Int64, and stores nulls as nulls', async () => {
    const t: Table = {
      nRows: 3,
      columns: [
        { name: 'flag', kind: 'boolean', codes: Int32Array.from([1, -1, 0]), categories: ['FALSE', 'TRUE'] },
        { name: 'small', kind: 'integer', values: Float64Array.from([1, NaN, -5]) },
        { name: 'wide', kind: 'integer', values: Float64Array.from([2 ** 40, 3, NaN]) },
        { name: 'x', kind: 'numeric', values: Float64Array.from([NaN, 0.1, -Infinity]) },
        { name: 'when', kind: 'datetime', resolution: 'datetime', values: Float64Array.from([0, NaN, 1.6e12 + 0.4]) },
        { name: 'day', kind: 'datetime', resolution: 'date', values: Float64Array.from([NaN, 86_400_000, -86_400_000]) },
        { name: 'cat', kind: 'categorical', codes: Int32Array.from([-1, 1, 0]), categories: ['a', 'b'] },
      ],
    };
    const path = join(dir, 'kinds.arrow');
    await writeTable(path, t);
    const raw = tableFromIPC(readFileSync(path));
    expect(raw.schema.fields.map((f) => String(f.type))).toEqual([
      'Bool', 'Int32', 'Int64', 'Float64', 'Timestamp<MILLISECOND, UTC>', 'Date32<DAY>', 'Dictionary<Int32, Utf8>',
    ]);
    expect(raw.schema.fields.map((f) => raw.getChild(f.name)!.nullCount)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect([...raw.getChild('flag')!]).toEqual([true, null, false]);
    const back = (await readArrow(path)).table;
    expect(values(back)).toEqual({
      flag: ['TRUE', null, 'FALSE'],
      small: [1, null, -5],
      wide: [2 ** 40, 3, null],
      x: [null, 0.1, -Infinity],
      when: [0, null, 1.6e12],
      day: [null, 86_400_000, -86_400_000],
      cat: [null, 'b', 'a'],
    });
    expect(back.columns.map((c) => c.kind)).toEqual(t.columns.map((c) => c.kind));
  });

  it('writes atomically, leaving no temp file', () => {
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('table-io dispatch', () => {
  it('maps extensions to formats and rejects unknown ones', () => {
    expect(['a.csv', 'a.TSV', 'a.txt'].map(formatFromPath)).toEqual(['csv', 'csv', 'csv']);
    expect(['a.arrow', 'a.feather', 'a.ipc', 'a.arrows'].map(formatFromPath)).toEqual(['arrow', 'arrow', 'arrow', 'arrow']);
    expect(() => formatFromPath('data.parquet')).toThrow(DataError);
    expect(() => formatFromPath('data.parquet')).toThrow(/data\.parquet: cannot tell the table format from the extension "\.parquet"/);
  });

  it('honours an explicit format over the extension', async () => {
    const src = await readCsv(`${FIXTURES}/mice__nhanes.csv`);
    const path = join(dir, 'nhanes.dat');
    writeFileSync(path, tableToArrowBytes(src.table));
    const back = await readTable(path, { format: 'arrow' });
    expectSameValues(src.table, back.table);
    await writeTable(join(dir, 'nhanes-as.csvdata'), src.table, 'csv');
    expect(readFileSync(join(dir, 'nhanes-as.csvdata'), 'utf8')).toBe(readFileSync(`${FIXTURES}/mice__nhanes.csv`, 'utf8'));
  });

  it('writes .tsv tab-separated and reads it back', async () => {
    const src = await readCsv(`${FIXTURES}/datasets__iris.csv`);
    const path = join(dir, 'iris.tsv');
    await writeTable(path, src.table);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('"Sepal.Length"\t"Sepal.Width"\t"Petal.Length"\t"Petal.Width"\t"Species"');
    expectSameValues(src.table, (await readTable(path)).table);
  });

  it('applies kind overrides and missing tokens to Arrow input like CSV would', async () => {
    const csvPath = `${FIXTURES}/MASS__birthwt.csv`;
    const opts = { columns: { race: { kind: 'categorical' as const }, ftv: { missing: ['0'] } } };
    const fromCsv = await readTable(csvPath, opts);
    const path = join(dir, 'birthwt.arrow');
    await writeTable(path, (await readCsv(csvPath)).table);
    const fromArrow = await readTable(path, opts);
    expect(fromArrow.schema).toEqual(fromCsv.schema);
    expectSameValues(fromCsv.table, fromArrow.table);
    await expect(readTable(path, { columns: { race: { kind: 'boolean' } } })).rejects.toThrow(
      /birthwt\.arrow: column "race", row 1: "2" is not a boolean/,
    );
    await expect(readTable(path, { columns: { nope: { kind: 'numeric' } } })).rejects.toThrow(/names column "nope", which the table lacks/);
  });
});

