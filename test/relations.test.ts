/**
 * Exact relations between numeric columns (src/table/relations.ts): found where the data has one (BMI =
 * weight / height² in mice__boys), not where it has none, and used to fill a missing target from its
 * observed inputs, from the library and from the CLI.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hideCells } from '../src/impute/blend.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { applyNumericRelations, findNumericRelations } from '../src/table/relations.js';
import type { NumericColumn, Table } from '../src/table/table.js';
import { createRng } from '../src/rng.js';
import { runSpec, runSpecInTempDir } from './helpers/cli.js';

const fixture = (name: string): string => resolve(`fixtures/tables/${name}.csv`);
const col = (t: Table, name: string) => t.columns.find((c) => c.name === name) as NumericColumn;

describe('exact numeric relations', () => {
  it('finds BMI = weight / height² in mice__boys as a log-linear relation, each way round', async () => {
    const { table } = await readTable(fixture('mice__boys'));
    const rel = findNumericRelations(table);
    const bmi = rel.find((r) => r.target === 'bmi')!;
    expect(bmi.form).toBe('log');
    expect([...bmi.inputs].sort()).toEqual(['hgt', 'wgt']);
    const coef = (name: string) => bmi.coefs[bmi.inputs.indexOf(name)]!;
    expect(coef('hgt')).toBeCloseTo(-2, 2);
    expect(coef('wgt')).toBeCloseTo(1, 2);
    expect(bmi.intercept).toBeCloseTo(Math.log(1e4), 2);
    expect(bmi.maxResidual).toBeLessThan(0.01);
    expect(rel.map((r) => r.target).sort()).toEqual(['bmi', 'hgt', 'wgt']);
  });

  it('finds BMI among 40 more columns too, where pairs are searched among the best single inputs', async () => {
    const { table } = await readTable(fixture('mice__boys'));
    const rng = createRng(3);
    const noise = Array.from({ length: 40 }, (_, k): NumericColumn => ({ name: `noise${k}`, kind: 'numeric', values: Float64Array.from({ length: table.nRows }, () => 10 + rng.normal()) }));
    const wide: Table = { nRows: table.nRows, columns: [...noise.slice(0, 20), ...table.columns, ...noise.slice(20)] };
    const bmi = findNumericRelations(wide).find((r) => r.target === 'bmi')!;
    expect([...bmi.inputs].sort()).toEqual(['hgt', 'wgt']);
    expect(bmi.form).toBe('log');
  });

  it.each(['datasets__airquality', 'palmerpenguins__penguins', 'MASS__birthwt', 'modeldata__credit_data'])('finds none in %s', async (name) => {
    const { table } = await readTable(fixture(name));
    expect(findNumericRelations(table)).toEqual([]);
  });

  it("finds survival__pbc's id as the row number, and fills a hidden id from its row", async () => {
    const { table } = await readTable(fixture('survival__pbc'));
    const rel = findNumericRelations(table);
    expect(rel).toEqual([expect.objectContaining({ target: 'id', inputs: [], byRow: true, form: 'linear', maxResidual: 0 })]);
    expect(rel[0]!.intercept).toBeCloseTo(1, 9);
    expect(rel[0]!.coefs[0]).toBeCloseTo(1, 9);
    const rows = [0, 57, 200, 417];
    const masked = hideCells(table, table.columns.map((c) => (c.name === 'id' ? rows : [])));
    const { table: out } = applyNumericRelations(masked, masked, findNumericRelations(masked));
    expect(rows.map((i) => col(out, 'id').values[i])).toEqual(rows.map((i) => i + 1));
  });

  it('fills a hidden BMI from observed height and weight, and only there', async () => {
    const { table } = await readTable(fixture('mice__boys'));
    const [hgt, wgt, bmi] = ['hgt', 'wgt', 'bmi'].map((n) => col(table, n));
    const j = (n: string) => table.columns.findIndex((c) => c.name === n);
    const complete = Array.from({ length: table.nRows }, (_, i) => i).filter((i) => ![hgt, wgt, bmi].some((c) => Number.isNaN(c!.values[i]!)));
    const bmiRows = complete.filter((_, k) => k % 5 === 0);
    const bothRows = complete.filter((_, k) => k % 5 === 1);
    const masked = hideCells(table, table.columns.map((c) => (c.name === 'bmi' ? [...bmiRows, ...bothRows] : c.name === 'hgt' ? bothRows : [])));
    // Stand-in fills (the column means) where the relation does not apply.
    const filled: Table = { nRows: masked.nRows, columns: masked.columns.map((c) => (c.kind === 'numeric' ? { ...c, values: Float64Array.from(c.values, (v) => (Number.isNaN(v) ? -1 : v)) } : c)) };
    const { table: out, cells } = applyNumericRelations(masked, filled, findNumericRelations(masked));
    const got = col(out, 'bmi').values;
    for (const i of bmiRows) expect(Math.abs(got[i]! - bmi!.values[i]!), `row ${i}`).toBeLessThan(0.015);
    for (const i of bothRows) expect(got[i]).toBe(-1); // its height is missing too: the relation cannot say
    // hgt's own relation (from wgt and bmi) cannot fill the rows where bmi is hidden as well.
    for (const i of bothRows) expect(col(out, 'hgt').values[i]).toBe(-1);
    expect(cells.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(bmiRows.length);
    for (let i = 0; i < table.nRows; i++) if (!Number.isNaN(col(masked, 'bmi').values[i]!)) expect(got[i]).toBe(col(masked, 'bmi').values[i]);
    expect(out.columns[j('age')]).toBe(filled.columns[j('age')]);
  });

  it.each(['trees', 'diffusion'])('holds in every row generated from the CLI (engine %s), within the rounding of the data', async (engine) => {
    const { dir, code, stderr, report } = await runSpecInTempDir('relations-gen-', {
      version: 1,
      name: 'relations-generate',
      seed: 2,
      source: { path: fixture('mice__boys') },
      split: { holdout: 0 },
      model: { width: 32, depth: 1, steps: 100, samplerSteps: 4 },
      tasks: [{ type: 'generate', rows: 400, engine, output: { path: 'synthetic.csv' } }],
    });
    expect(code, stderr).toBe(0);
    const task = report.tasks.find((t: { type: string }) => t.type === 'generate');
    expect(task.relations).toHaveLength(1);
    expect([task.relations[0].target, ...task.relations[0].inputs].sort()).toEqual(['bmi', 'hgt', 'wgt']);
    const { table: out } = await readTable(join(dir, 'synthetic.csv'));
    const [hgt, wgt, bmi] = ['hgt', 'wgt', 'bmi'].map((n) => col(out, n).values);
    let rows = 0;
    for (let i = 0; i < out.nRows; i++) {
      if ([hgt, wgt, bmi].some((v) => Number.isNaN(v![i]!))) continue;
      rows++;
      // The training rows' own agreement: BMI to two decimals, within 0.3% of weight / height².
      expect(Math.abs(bmi![i]! / (wgt![i]! / (hgt![i]! / 100) ** 2) - 1), `row ${i}`).toBeLessThan(0.003);
    }
    expect(rows).toBeGreaterThan(50);
    expect(rows).toBe(task.relations[0].rows);
  }, 120_000);

  it('fills them end to end from the CLI and says so in report.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relations-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const { table } = await readTable(fixture('mice__boys'));
    const [hgt, wgt, bmi] = ['hgt', 'wgt', 'bmi'].map((n) => col(table, n));
    const rows = Array.from({ length: table.nRows }, (_, i) => i).filter((i) => ![hgt, wgt, bmi].some((c) => Number.isNaN(c!.values[i]!)) && i % 7 === 3);
    await writeTable(join(dir, 'masked.csv'), hideCells(table, table.columns.map((c) => (c.name === 'bmi' ? rows : []))));
    const r = await runSpec(dir, {
      version: 1,
      name: 'relations',
      seed: 1,
      source: { path: join(dir, 'masked.csv') },
      tasks: [{ type: 'impute', engine: 'ridge', output: { path: 'imputed.csv' } }],
      report: { dir: 'report', html: false },
    });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    const task = report.tasks.find((t: { type: string }) => t.type === 'impute');
    const rel = task.blend.relations.find((x: { target: string }) => x.target === 'bmi');
    expect(rel).toMatchObject({ form: 'log' });
    expect(rel.cellsFilled).toBeGreaterThanOrEqual(rows.length);
    const { table: out } = await readTable(join(dir, 'imputed.csv'));
    for (const i of rows) expect(Math.abs(col(out, 'bmi').values[i]! - bmi!.values[i]!), `row ${i}`).toBeLessThan(0.015);
  }, 60_000);
});
