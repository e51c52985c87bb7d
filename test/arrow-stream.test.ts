import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { Message, MessageHeader } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { readArrow, tableToArrowBytes, writeArrow } from '../src/io/arrow.js';
import { ArrowBatchWriter, countArrowRows, readArrowBatches, type ArrowBatch } from '../src/io/arrow-stream.js';
import { readCsv, tableToCsvString } from '../src/io/csv.js';
import { readCsvBatches, type StreamColumn } from '../src/io/csv-stream.js';
import { concatTables } from '../src/run/shard/merge.js';
import { type Column, type Table, cellValue, takeRows } from '../src/table/table.js';
import { fertilityUnavailable, writeFertility } from './helpers/fertility-big.js';

const FIXTURES = 'fixtures/tables';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-arrow-stream-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const schemaOf = (t: Table): StreamColumn[] => t.columns.map((c) => ({ name: c.name, kind: c.kind, ...(c.kind === 'datetime' ? { resolution: c.resolution } : {}) }));

async function collect(path: string, opts: Parameters<typeof readArrowBatches>[1] = {}): Promise<ArrowBatch[]> {
  const out: ArrowBatch[] = [];
  for await (const b of readArrowBatches(path, opts)) out.push(b);
  return out;
}

const csvOf = (batches: readonly ArrowBatch[]): string => tableToCsvString(concatTables(batches.map((b) => b.table)));

/** The IPC messages of a file or stream in order: schema, dictionary (with its id, delta or not), batch (rows). */
function messages(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = bytes[0] === 0x41 ? 8 : 0; // "ARROW1\0\0" before the file format's messages
  const out: string[] = [];
  for (;;) {
    let len = view.getInt32(at, true);
    let pre = 4;
    if (len === -1) (len = view.getInt32(at + 4, true), (pre = 8));
    if (len === 0) return out;
    const m = Message.decode(bytes.subarray(at + pre, at + pre + len));
    if (m.headerType === MessageHeader.Schema) out.push('schema');
    else if (m.isDictionaryBatch()) out.push(`dict ${m.header().id}${m.header().isDelta ? ' delta' : ''} (${m.header().data.length})`);
    else if (m.isRecordBatch()) out.push(`batch (${m.header().length})`);
    at += pre + len + m.bodyLength;
  }
}

/** A python that has pyarrow (SYNTHDIFF_PYARROW_PYTHON, else python3 on the PATH or /usr/bin), if any. */
function pyarrowPython(): string | undefined {
  for (const py of [process.env.SYNTHDIFF_PYARROW_PYTHON, 'python3', '/usr/bin/python3']) {
    if (py && spawnSync(py, ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0) return py;
  }
  return undefined;
}

describe('reading Arrow in record batches', () => {
  const files = ['mice__boys.csv', 'modeldata__credit_data.csv', 'forcats__gss_cat.csv', 'carData__SLID.csv', 'palmerpenguins__penguins.csv'];
  it.each(files)('batches of a written file equal the whole table, file and stream (%s)', async (file) => {
    const { table } = await readCsv(`${FIXTURES}/${file}`);
    const whole = tableToCsvString(table);
    for (const format of ['file', 'stream'] as const) {
      const path = join(dir, `${file}.${format === 'file' ? 'arrow' : 'arrows'}`);
      await writeArrow(path, table, { format });
      const batches = await collect(path, { batchRows: 333 });
      // One record batch (≤ 65,536 rows) sliced into batches of 333 rows.
      expect(batches.map((b) => b.start)).toEqual(Array.from({ length: Math.ceil(table.nRows / 333) }, (_, i) => i * 333));
      expect(batches.every((b) => b.table.nRows === Math.min(333, table.nRows - b.start))).toBe(true);
      expect(batches[0]!.table.columns.map((c) => [c.name, c.kind])).toEqual(table.columns.map((c) => [c.name, c.kind]));
      expect(csvOf(batches)).toBe(whole);
      expect(await countArrowRows(path)).toBe(table.nRows);
      expect(messages(await readFile(path)).filter((m) => m.startsWith('batch'))).toEqual([`batch (${table.nRows})`]);
    }
  });

  it('yields a row range, and one empty batch with the columns for an empty range', async () => {
    const { table } = await readCsv(`${FIXTURES}/forcats__gss_cat.csv`);
    const lines = tableToCsvString(table).split('\n');
    const rows = (from: number, to: number) => takeRows(table, Array.from({ length: to - from }, (_, i) => from + i));
    // Several record batches (writer batches of 700), so ranges cross record batch boundaries.
    for (const format of ['file', 'stream'] as const) {
      const path = join(dir, `gss-range.${format}`);
      const w = await ArrowBatchWriter.open(path, { format });
      for (let at = 0; at < table.nRows; at += 700) await w.write(rows(at, Math.min(table.nRows, at + 700)));
      await w.close();
      expect(messages(await readFile(path)).filter((m) => m.startsWith('batch'))).toHaveLength(8);
      const got = await collect(path, { batchRows: 500, start: 1234, end: 2345 });
      // Slices of ≤ 500 rows within each record batch: 1234–1400, 1400–1900, 1900–2100, 2100–2345.
      expect(got.map((b) => [b.start, b.table.nRows])).toEqual([[1234, 166], [1400, 500], [1900, 200], [2100, 245]]);
      expect(csvOf(got).split('\n').slice(1, -1)).toEqual(lines.slice(1235, 2346));
      for (const [start, end] of [[5000, undefined], [9999, undefined], [10, 10]] as const) {
        const empty = await collect(path, { start, end });
        expect(empty.map((b) => [b.start, b.table.nRows])).toEqual([[start, 0]]);
        expect(empty[0]!.table.columns.map((c) => [c.name, c.kind])).toEqual(table.columns.map((c) => [c.name, c.kind]));
      }
      expect(csvOf(await collect(path, { end: 3 }))).toBe(lines.slice(0, 4).join('\n') + '\n');
      // Leaving early closes the file; reading again works.
      for await (const b of readArrowBatches(path, { batchRows: 10 })) if (b.start >= 20) break;
      expect(await countArrowRows(path)).toBe(5000);
    }
    // A stream with a schema and no batch (apache-arrow reads a placeholder batch there).
    const schemaOnly = join(dir, 'schema-only.arrows');
    await writeFile(schemaOnly, tableToArrowBytes(takeRows(table, []), 'stream'));
    expect((await collect(schemaOnly)).map((b) => [b.start, b.table.nRows, b.table.columns.length])).toEqual([[0, 0, table.columns.length]]);
    expect(await countArrowRows(schemaOnly)).toBe(0);
  });

  it('names the file: missing, not Arrow, truncated file and stream', async () => {
    await expect(collect(join(dir, 'nope.arrow'))).rejects.toThrow(`${join(dir, 'nope.arrow')}: file not found`);
    await expect(countArrowRows(join(dir, 'nope.arrow'))).rejects.toThrow(DataError);
    const csv = join(dir, 'text.arrow');
    await writeFile(csv, 'a,b\n1,2\n');
    await expect(collect(csv)).rejects.toThrow(`${csv}: not Arrow IPC data`);
    const empty = join(dir, 'empty.arrow');
    await writeFile(empty, '');
    await expect(collect(empty)).rejects.toThrow(`${empty}: file is empty`);

    const { table } = await readCsv(`${FIXTURES}/carData__SLID.csv`);
    const big = concatTables([table, table, table, table, table, table, table, table, table, table]); // 74,250 rows: 2 record batches
    for (const format of ['file', 'stream'] as const) {
      const bytes = tableToArrowBytes(big, format);
      // Cut inside the schema, a dictionary, batch bodies; last, the file's closing magic or the stream's
      // last body (a stream cut exactly between two messages reads as a shorter stream: no marker tells).
      for (const keep of [100, Math.floor(bytes.length * 0.3), Math.floor(bytes.length * 0.97), bytes.length - (format === 'file' ? 3 : 9)]) {
        const path = join(dir, `cut-${keep}.${format}`);
        await writeFile(path, bytes.subarray(0, keep));
        const err = await collect(path).then(() => undefined, (e: unknown) => e);
        expect(err, `${format} cut at ${keep}`).toBeInstanceOf(DataError);
        expect((err as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: corrupt or truncated Arrow ${format}: `));
        expect((err as Error).message).not.toContain('\n');
        await expect(countArrowRows(path), `${format} cut at ${keep}`).rejects.toThrow(DataError);
      }
    }
  });
});

describe('writing Arrow in record batches', () => {
  /** Penguins split as readCsvBatches splits it (per-batch categories), with a boolean and datetimes added. */
  async function penguinBatches(rows: number): Promise<{ whole: Table; batches: Table[] }> {
    const path = `${FIXTURES}/palmerpenguins__penguins.csv`;
    const { table } = await readCsv(path);
    const extend = (t: Table, offset: number): Table => {
      const sex = t.columns.find((c) => c.name === 'sex') as Column & { codes: Int32Array; categories: readonly string[] };
      // Boolean labels as a batch read from CSV has them: sorted, only those present.
      const present = [...new Set(Array.from(sex.codes).filter((k) => k >= 0).map((k) => (sex.categories[k] === 'male' ? 'TRUE' : 'FALSE')))].sort();
      const male: Column = { name: 'male', kind: 'boolean', categories: present, codes: sex.codes.map((k) => (k < 0 ? -1 : present.indexOf(sex.categories[k] === 'male' ? 'TRUE' : 'FALSE'))) };
      const day = Date.UTC(2007, 10, 11);
      const measured: Column = { name: 'measured', kind: 'datetime', resolution: 'date', values: Float64Array.from({ length: t.nRows }, (_, i) => ((offset + i) % 17 === 5 ? NaN : day + (offset + i) * 86_400_000)) };
      const stamp: Column = { name: 'stamp', kind: 'datetime', resolution: 'datetime', values: Float64Array.from({ length: t.nRows }, (_, i) => day + (offset + i) * 3_600_123) };
      return { nRows: t.nRows, columns: [...t.columns, male, measured, stamp] };
    };
    const batches: Table[] = [];
    for await (const b of readCsvBatches(path, { columns: schemaOf(table), batchRows: rows })) batches.push(extend(b.table, b.start));
    return { whole: extend(table, 0), batches };
  }

  it.each(['file', 'stream'] as const)('batches written one by one read back as the concatenated table (%s), with delta dictionaries', async (format) => {
    // Species are sorted in the file: Chinstrap first appears in the 3rd batch of 100; sex and the
    // measurements have missing cells.
    const { whole, batches } = await penguinBatches(100);
    expect(batches.map((b) => (b.columns[0] as { categories: readonly string[] }).categories)).toEqual([['Adelie'], ['Adelie', 'Gentoo'], ['Chinstrap', 'Gentoo'], ['Chinstrap']]);
    const path = join(dir, `penguins-batched.${format === 'file' ? 'arrow' : 'arrows'}`);
    const w = await ArrowBatchWriter.open(path);
    expect(w.format).toBe(format);
    for (const b of batches) await w.write(b);
    await w.close();
    const back = await readArrow(path);
    expect(back.format).toBe(format);
    expect(tableToCsvString(back.table)).toBe(tableToCsvString(whole));
    expect(back.table.columns.map((c) => c.kind)).toEqual(whole.columns.map((c) => c.kind));
    // One dictionary per categorical column (ids 0, 1, 6), grown by deltas; never a replacement.
    const msgs = messages(await readFile(path));
    expect(msgs.filter((m) => m.startsWith('dict 0'))).toEqual(['dict 0 (1)', 'dict 0 delta (1)', 'dict 0 delta (1)']);
    const ids = [...new Set(msgs.filter((m) => m.startsWith('dict')).map((m) => m.split(' ')[1]))];
    expect(ids).toEqual(['0', '1', '6']);
    for (const id of ids) {
      const whole = msgs.filter((m) => m.startsWith(`dict ${id} (`));
      expect(whole).toHaveLength(1);
      expect(msgs.indexOf(whole[0]!)).toBeLessThan(msgs.indexOf('batch (100)'));
    }
    expect(msgs.filter((m) => m.startsWith('batch'))).toEqual(['batch (100)', 'batch (100)', 'batch (100)', 'batch (44)']);
    // …and the batch reader gives the same rows back.
    expect(csvOf(await collect(path, { batchRows: 64 }))).toBe(tableToCsvString(whole));
    expect(await countArrowRows(path)).toBe(344);
  });

  it('keeps one schema: Int64 integers, the first batch’s boolean labels mapped by label, kinds that fit', async () => {
    const path = join(dir, 'schema.arrow');
    const w = await ArrowBatchWriter.open(path);
    const part = (n: number, int: number[], flags: string[], codes: number[], numKind: 'numeric' | 'integer', res: 'date' | 'datetime'): Table => ({
      nRows: n,
      columns: [
        { name: 'n', kind: 'integer', values: Float64Array.from(int) },
        { name: 'flag', kind: 'boolean', categories: flags, codes: Int32Array.from(codes) },
        { name: 'x', kind: numKind, values: Float64Array.from({ length: n }, (_, i) => i + 0.5 * +(numKind === 'numeric')) },
        { name: 'when', kind: 'datetime', resolution: res, values: Float64Array.from({ length: n }, (_, i) => 86_400_000 * (i + 1)) },
      ],
    });
    await w.write(part(2, [1, NaN], ['no', 'yes'], [1, -1], 'numeric', 'datetime'));
    // Beyond Int32, labels in the other order, an integer batch into a numeric column, dates into a datetime one.
    await w.write(part(2, [2 ** 40, -3], ['yes', 'no'], [0, 1], 'integer', 'date'));
    await expect(w.write(part(1, [1], ['false', 'true'], [1], 'numeric', 'datetime'))).rejects.toThrow(
      `${path}: row 5, column "flag": boolean label "true" is neither of the labels the first batch fixed (no/yes)`,
    );
    await expect(w.write({ nRows: 0, columns: [] })).rejects.toThrow(/^internal: batch columns changed/);
    const fine = part(1, [1], ['no', 'yes'], [1], 'numeric', 'datetime');
    const retyped = (j: number, c: Column): Table => ({ nRows: 1, columns: fine.columns.map((x, i) => (i === j ? c : x)) });
    await expect(w.write(retyped(0, { name: 'n', kind: 'numeric', values: Float64Array.of(1.5) }))).rejects.toThrow('internal: column "n" changed from integer to numeric');
    await expect(w.write(retyped(1, { name: 'flag', kind: 'categorical', categories: ['yes'], codes: Int32Array.of(0) }))).rejects.toThrow('internal: column "flag" changed from boolean to categorical');
    await w.close();
    const back = (await readArrow(path)).table;
    expect(back.columns.map((c) => [c.name, c.kind])).toEqual([['n', 'integer'], ['flag', 'boolean'], ['x', 'numeric'], ['when', 'datetime']]);
    expect(back.columns.map((c) => Array.from({ length: back.nRows }, (_, r) => cellValue(c, r)))).toEqual([
      [1, null, 2 ** 40, -3],
      ['yes', null, 'yes', 'no'],
      [0.5, 1.5, 0, 1],
      [86_400_000, 172_800_000, 86_400_000, 172_800_000],
    ]);
    expect(back.columns[1]).toMatchObject({ categories: ['no', 'yes'] });
    expect(tableToCsvString(back).split('\n')[1]).toBe('1,"yes",0.5,"1970-01-02T00:00:00.000Z"');
  });

  it('completes a one-label boolean first batch to its known pair; a first batch that fails fixes nothing', async () => {
    const path = join(dir, 'one-label.arrow');
    const w = await ArrowBatchWriter.open(path);
    const t = (labels: string[], codes: number[], n: number[]): Table => ({
      nRows: codes.length,
      columns: [
        { name: 'ok', kind: 'boolean', categories: labels, codes: Int32Array.from(codes) },
        { name: 'n', kind: 'integer', values: Float64Array.from(n) },
      ],
    });
    await expect(w.write(t(['x'], [0], [1]))).rejects.toThrow(`${path}: boolean column "ok": cannot tell the label pair from "x" in the first batch`);
    await expect(w.write(t(['yes'], [0], [Infinity]))).rejects.toThrow(`${path}: row 1, column "n": integer column holds Infinity, which Arrow Int64 cannot store`);
    await w.write(t(['yes'], [0, -1], [1, 2])); // as readCsvBatches gives a batch with only "yes"
    await w.write(t(['no'], [0], [3]));
    await w.close();
    const back = (await readArrow(path)).table;
    expect(back.columns[0]).toMatchObject({ kind: 'boolean', categories: ['no', 'yes'] });
    expect(tableToCsvString(back)).toBe('"ok","n"\n"yes",1\n,2\n"no",3\n');
  });

  it('abort leaves no file, close before any batch is an internal error', async () => {
    const sub = join(dir, 'aborted');
    const path = join(sub, 'out.arrows');
    const w = await ArrowBatchWriter.open(path);
    await w.write((await readCsv(`${FIXTURES}/datasets__iris.csv`)).table);
    await w.abort();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(sub)).toEqual([]);
    const empty = await ArrowBatchWriter.open(path);
    await expect(empty.close()).rejects.toThrow(/^internal: .*closed before any batch/);
    await empty.abort();
    expect(readdirSync(sub)).toEqual([]);
  });

  it('writes an empty first batch as the schema, and labels that come later as deltas', async () => {
    const path = `${FIXTURES}/datasets__iris.csv`;
    const { table } = await readCsv(path);
    const part = async (start: number, end: number): Promise<Table> => {
      for await (const b of readCsvBatches(path, { columns: schemaOf(table), start, end })) return b.table;
      throw new Error('no batch');
    };
    for (const format of ['file', 'stream'] as const) {
      const out = join(dir, `late.${format}`);
      const w = await ArrowBatchWriter.open(out, { format });
      for (const [a, b] of [[0, 0], [0, 2], [98, 102]] as const) await w.write(await part(a, b));
      await w.close();
      // apache-arrow's file writer leaves the schema to the footer (no schema message after the magic).
      expect(messages(await readFile(out))).toEqual(['schema', 'dict 4 (0)', 'batch (0)', 'dict 4 delta (1)', 'batch (2)', 'dict 4 delta (2)', 'batch (4)'].slice(format === 'file' ? 1 : 0));
      expect(tableToCsvString((await readArrow(out)).table)).toBe(tableToCsvString(takeRows(table, [0, 1, 98, 99, 100, 101])));
    }
  });

  const py = pyarrowPython();
  if (!py) console.warn('test/arrow-stream.test.ts: skipping the pyarrow check: no python with pyarrow (set SYNTHDIFF_PYARROW_PYTHON)');
  it.skipIf(!py)('pyarrow reads the delta-dictionary file and stream we write', async () => {
    const { whole, batches } = await penguinBatches(100);
    const plain = { nRows: whole.nRows, columns: whole.columns.filter((c) => c.kind !== 'datetime') };
    const expected: Record<string, unknown[]> = Object.fromEntries(plain.columns.map((c) => [c.name, Array.from({ length: plain.nRows }, (_, r) => cellValue(c, r))]));
    // pyarrow has no synthdiff labels: a Bool reads as true/false.
    expected.male = expected.male!.map((v) => (v === null ? null : v === 'TRUE'));
    for (const format of ['file', 'stream'] as const) {
      const path = join(dir, `pyarrow.${format}`);
      const w = await ArrowBatchWriter.open(path, { format });
      for (const b of batches) await w.write({ nRows: b.nRows, columns: b.columns.filter((c) => c.kind !== 'datetime') });
      await w.close();
      const script = `import json, sys, pyarrow.ipc as ipc
r = ipc.open_${format}(sys.argv[1])
t = r.read_all()
print(json.dumps({'deltas': r.stats.num_dictionary_deltas, 'replaced': r.stats.num_replaced_dictionaries, 'columns': t.to_pydict()}))`;
      const out = spawnSync(py!, ['-c', script, path], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const got = JSON.parse(out.stdout) as { deltas: number; replaced: number; columns: Record<string, unknown[]> };
      expect(got.deltas).toBe(messages(await readFile(path)).filter((m) => m.includes('delta')).length);
      expect(got.deltas).toBeGreaterThanOrEqual(2); // Gentoo, then Chinstrap
      expect(got.replaced).toBe(0);
      expect(got.columns).toEqual(expected);
    }
  });
});

// The big AER__Fertility table (254,654 rows): several record batches, and memory.
const unavailable = fertilityUnavailable();
if (unavailable) console.warn(`test/arrow-stream.test.ts: skipping the AER__Fertility tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('AER__Fertility (254,654 rows)', () => {
  let fertility: Table;
  beforeAll(async () => {
    await writeFertility(join(dir, 'fertility.csv'), 254_654, { holes: 0.01, seed: 5 });
    fertility = (await readCsv(join(dir, 'fertility.csv'))).table;
  }, 60_000);

  it('a file written by writeArrow comes back in several batches (file and stream)', async () => {
    const whole = tableToCsvString(fertility);
    for (const format of ['file', 'stream'] as const) {
      const path = join(dir, `fertility.${format}`);
      await writeArrow(path, fertility, { format });
      const msgs = messages(await readFile(path));
      expect(msgs.filter((m) => m.startsWith('batch'))).toEqual(['batch (65536)', 'batch (65536)', 'batch (65536)', 'batch (58046)']);
      expect(msgs.filter((m) => m.startsWith('dict')).every((m) => !m.includes('delta'))).toBe(true);
      expect(msgs.filter((m) => m.startsWith('dict'))).toHaveLength(fertility.columns.filter((c) => c.kind === 'categorical').length);
      const batches = await collect(path);
      expect(batches.map((b) => [b.start, b.table.nRows])).toEqual([[0, 65536], [65536, 65536], [131072, 65536], [196608, 58046]]);
      expect(csvOf(batches) === whole).toBe(true);
      expect(tableToCsvString((await readArrow(path)).table) === whole).toBe(true);
      expect(await countArrowRows(path)).toBe(254_654);
      const mid = await collect(path, { start: 65_000, end: 140_000, batchRows: 50_000 });
      expect(mid.map((b) => [b.start, b.table.nRows])).toEqual([[65000, 536], [65536, 50000], [115536, 15536], [131072, 8928]]);
    }
  }, 60_000);

  it('peak memory reading a 2M-row file batch by batch stays well below reading it whole', async () => {
    const path = join(dir, 'fertility-x8.arrow');
    const w = await ArrowBatchWriter.open(path);
    for (let i = 0; i < 8; i++) await w.write(fertility);
    await w.close();
    const streamPath = join(dir, 'fertility-x8.arrows');
    const ws = await ArrowBatchWriter.open(streamPath);
    for (let i = 0; i < 8; i++) await ws.write(fertility);
    await ws.close();
    const child = join(dir, 'read-child.mts');
    const url = (p: string) => JSON.stringify(pathToFileURL(resolve(p)).href);
    await writeFile(
      child,
      `const [mode, path] = process.argv.slice(2);
const { readArrow } = await import(${url('src/io/arrow.ts')});
const { readArrowBatches } = await import(${url('src/io/arrow-stream.ts')});
const before = process.resourceUsage().maxRSS;
let rows = 0;
if (mode === 'whole') rows = (await readArrow(path)).table.nRows;
else for await (const b of readArrowBatches(path)) rows += b.table.nRows;
process.stdout.write(JSON.stringify({ rows, before: before / 1024, peak: process.resourceUsage().maxRSS / 1024 }));
`,
    );
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const run = (mode: string, file: string): { rows: number; before: number; peak: number } => {
      const r = spawnSync(process.execPath, ['--import', tsx, child, mode, file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`child ${mode} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
      return JSON.parse(r.stdout);
    };
    const whole = run('whole', path);
    const batched = run('batches', path);
    const streamed = run('batches', streamPath);
    console.info(
      `Arrow read peak RSS, 2,037,232 rows (${fertility.columns.length} columns): whole ${whole.peak.toFixed(0)} MB ` +
        `(+${(whole.peak - whole.before).toFixed(0)} over the loaded process), in batches ${batched.peak.toFixed(0)} MB (+${(batched.peak - batched.before).toFixed(0)}) file, ` +
        `${streamed.peak.toFixed(0)} MB (+${(streamed.peak - streamed.before).toFixed(0)}) stream`,
    );
    for (const r of [whole, batched, streamed]) expect(r.rows).toBe(8 * 254_654);
    for (const r of [batched, streamed]) {
      expect(r.peak).toBeLessThan(whole.peak / 2);
      expect(r.peak - r.before).toBeLessThan((whole.peak - whole.before) / 3);
    }
  }, 60_000);
});
