import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DataError,
  ModelError,
  TabularDiffusion,
  cellValue,
  isMissing,
  missingCount,
  readTable,
  tableFromColumns,
  tableFromRecords,
  tableToRecords,
  type Table,
} from '../src/index.js';
import { missingDicomPackage, dicomInstallCommand } from '../src/io/dicom/packages.js';

const FIXTURES = 'fixtures/tables';
const quiet = { log: { info() {} } };

/** Every cell as tableToRecords gives it, Dates as epoch ms, so tables compare with toEqual. */
function cells(t: Table): unknown[][] {
  return tableToRecords(t).map((r) => Object.values(r).map((v) => (v instanceof Date ? v.getTime() : v)));
}

describe('tables from data in memory', () => {
  // Every small real fixture: its records (what JSON or a database driver hands over) give back the table
  // the CSV reader gave — same kinds, same cells.
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.csv'));
  it.each(files)('%s: tableFromRecords(tableToRecords(readTable)) keeps kinds and cells', async (file) => {
    const { table } = await readTable(join(FIXTURES, file), quiet);
    const back = tableFromRecords(tableToRecords(table));
    expect(back.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(table.columns.map((c) => `${c.name}:${c.kind}`));
    expect(back.columns.map(missingCount)).toEqual(table.columns.map(missingCount));
    expect(cells(back)).toEqual(cells(table));
  });

  it('infers kinds from JS values: numbers, booleans, Dates, ISO strings, labels; null/undefined/NaN are missing', () => {
    const t = tableFromRecords([
      { id: 'a', age: 34, bmi: 21.5, smoker: true, seen: new Date('2021-03-04'), at: '2021-03-04T10:00:00Z', code: '007' },
      { id: 'b', age: null, bmi: NaN, smoker: false, seen: new Date('2022-01-31'), at: '2021-03-05T11:30:00Z', code: '010' },
      { id: 'c', age: 51, smoker: undefined, seen: null, at: null, code: null },
    ]);
    expect(t.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['id:categorical', 'age:integer', 'bmi:numeric', 'smoker:boolean', 'seen:datetime', 'at:datetime', 'code:categorical']);
    expect(t.columns.map(missingCount)).toEqual([0, 1, 2, 1, 1, 1, 1]);
    expect(tableToRecords(t)[0]).toEqual({ id: 'a', age: 34, bmi: 21.5, smoker: true, seen: new Date('2021-03-04'), at: new Date('2021-03-04T10:00:00Z'), code: '007' });
    expect((t.columns[4] as { resolution: string }).resolution).toBe('date');
  });

  it('a column of numeric strings is text, as a quoted CSV column is, unless a kind is forced', () => {
    expect(tableFromColumns({ grade: ['1', '2', '10'] }).columns[0]!.kind).toBe('categorical');
    const forced = tableFromColumns({ grade: ['1', '2', '10', 'NA'] }, { columns: { grade: { kind: 'integer' } }, missing: ['NA'] });
    expect(forced.columns[0]!.kind).toBe('integer');
    expect([0, 1, 2, 3].map((r) => cellValue(forced.columns[0]!, r))).toEqual([1, 2, 10, null]);
    expect(tableFromColumns({ x: Float64Array.of(1.5, NaN, 3) }).columns[0]!.kind).toBe('numeric');
  });

  it('says where a cell or a column is wrong, in one line', () => {
    expect(() => tableFromRecords([{ a: 1 }, { a: { b: 2 } as unknown as number }])).toThrow(new DataError('records[1].a: expected a number, string, boolean, Date or null, got an object'));
    expect(() => tableFromColumns({ a: [1, 2], b: [1] })).toThrow(new DataError('columns.b: 1 values, but column "a" has 2; every column needs one value per row'));
    expect(() => tableFromColumns({ a: [1, [2]] as unknown as number[] })).toThrow('columns.a[1]: expected a number, string, boolean, Date or null, got an array');
    expect(() => tableFromColumns({})).toThrow('tableFromColumns: no columns; expected at least one named column');
    expect(() => tableFromRecords([])).toThrow('tableFromRecords: no columns; expected at least one named column');
    expect(() => tableFromColumns({ a: [] })).toThrow('the table has no rows; expected at least one');
    expect(() => tableFromColumns({ grade: ['1', 'x'] }, { columns: { grade: { kind: 'integer' } } })).toThrow('column "grade", row 2: "x" is not an integer');
  });
});

describe('TabularDiffusion (the library model)', () => {
  it('fits on records, samples, imputes m draws by column name, passing other columns through', async () => {
    const { table } = await readTable(join(FIXTURES, 'mice__nhanes.csv'), quiet);
    const records = tableToRecords(table);
    const model = await TabularDiffusion.fit(tableFromRecords(records), { seed: 3, steps: 40, width: 32, depth: 2 });
    try {
      expect(model.backend.name).toBe('wasm');
      expect(model.columns).toEqual([
        { name: 'age', kind: 'integer' },
        { name: 'bmi', kind: 'numeric' },
        { name: 'hyp', kind: 'integer' },
        { name: 'chl', kind: 'integer' },
      ]);
      const s = await model.sample(7, { samplerSteps: 6 });
      expect(s.nRows).toBe(7);
      expect(s.columns.map((c) => c.name)).toEqual(['age', 'bmi', 'hyp', 'chl']);
      // Columns in another order, an id the model never saw, and an all-missing column that reads as numeric.
      const input = tableFromRecords(records.map((r, i) => ({ patient: `p${i}`, chl: r.chl, hyp: null, bmi: r.bmi, age: r.age } as Record<string, number | string | null>)));
      const r = await model.impute(input, { draws: 3, samplerSteps: 6 });
      expect(r.draws).toHaveLength(3);
      expect(r.table.columns.map((c) => c.name)).toEqual(['patient', 'chl', 'hyp', 'bmi', 'age']);
      for (const t of [r.table, ...r.draws]) {
        expect(t.columns.map(missingCount)).toEqual([0, 0, 0, 0, 0]);
        // Observed cells unchanged, the id passed through.
        input.columns.forEach((c, j) => {
          for (let i = 0; i < input.nRows; i++) if (!isMissing(c, i)) expect(cellValue(t.columns[j]!, i)).toBe(cellValue(c, i));
        });
      }
      expect(r.intervals!.nRows).toBe(input.columns.reduce((s, c) => s + missingCount(c), 0));
      // Same seed, same draws; no seed: a fresh one per call.
      const again = await model.impute(input, { draws: 1, samplerSteps: 6, seed: 9 });
      expect(cells((await model.impute(input, { draws: 1, samplerSteps: 6, seed: 9 })).table)).toEqual(cells(again.table));
      expect(cells(await model.sample(7, { samplerSteps: 6 }))).not.toEqual(cells(s));
      // Unnamed, generation is Heun at 30 steps; a sampler named without steps takes 50.
      const byDefault = cells(await model.sample(7, { seed: 5 }));
      expect(byDefault).toEqual(cells(await model.sample(7, { seed: 5, sampler: 'heun', samplerSteps: 30 })));
      expect(byDefault).not.toEqual(cells(await model.sample(7, { seed: 5, sampler: 'heun' })));
      expect(cells(await model.sample(7, { seed: 5, sampler: 'heun' }))).toEqual(cells(await model.sample(7, { seed: 5, sampler: 'heun', samplerSteps: 50 })));
    } finally {
      model.dispose();
    }
  });

  it('refuses bad arguments in one line', async () => {
    const t = tableFromColumns({ x: [1, 2, 3, 4, 5, 6], y: ['a', 'b', 'a', 'b', 'a', 'b'] });
    const model = await TabularDiffusion.fit(t, { steps: 2, width: 8, depth: 1 });
    try {
      await expect(model.sample(0)).rejects.toThrow(new ModelError('sample: rows must be a positive integer, got 0'));
      await expect(model.impute(t, { draws: 1.5 })).rejects.toThrow(new ModelError('impute: draws must be a positive integer, got 1.5'));
      await expect(model.impute(tableFromColumns({ x: [1, null] }))).rejects.toThrow(new DataError('impute: the table has no column "y", which the model was fitted on (columns: x)'));
      await expect(model.impute(tableFromColumns({ x: ['low', null], y: ['a', null] }))).rejects.toThrow(
        'impute: column "x" is categorical, the model learnt it as integer, and it cannot be read so: column "x", row 1: "low" is not an integer',
      );
    } finally {
      model.dispose();
    }
  });
});

describe('the optional DICOM packages', () => {
  it('a missing one is one line naming the install command', () => {
    const e = Object.assign(new Error("Cannot find package 'dcmjs' imported from /x/dist/io/dicom/write.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(missingDicomPackage(e)?.message).toBe(
      'dcmjs is not installed; DICOM pipelines need the optional DICOM packages: npm install @cornerstonejs/codec-charls@1.2.7 @cornerstonejs/codec-libjpeg-turbo-8bit@1.2.8 @cornerstonejs/codec-openjpeg@1.3.6 dcmjs@0.51.1 dicom-parser@1.8.21 jpeg-lossless-decoder-js@2.1.2',
    );
    const sub = Object.assign(new Error("Cannot find module '@cornerstonejs/codec-charls/decodewasmjs'"), { code: 'MODULE_NOT_FOUND' });
    expect(missingDicomPackage(sub)?.message).toMatch(/^@cornerstonejs\/codec-charls is not installed;/);
    expect(missingDicomPackage(Object.assign(new Error("Cannot find package 'yaml'"), { code: 'ERR_MODULE_NOT_FOUND' }))).toBeUndefined();
    expect(dicomInstallCommand()).toContain('dcmjs@0.51.1');
  });
});
