import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/io/table-io.js';
import { chooseGenerateEngines } from '../src/run/table/generate.js';
import type { TablePlan } from '../src/run/plan.js';
import { createLogger } from '../src/report/log.js';
import { cartSynthesize, copyAllowance, duplicateRate } from '../src/synth/cart.js';
import { CART_LEAVES, DCR_SHARE_LIMIT, tuneCartLeaf, validationDcrBar } from '../src/synth/tune.js';
import { cellValue, column, isCategorical, type Table } from '../src/table/table.js';
import { runSpec } from './helpers/cli.js';
import { labels } from './helpers/columns.js';
import { writeFertility } from './helpers/fertility-big.js';

const GAPMINDER = resolve('fixtures/tables/dslabs__gapminder.csv');
const SLID = resolve('fixtures/tables/carData__SLID.csv');
const CREDIT = resolve('fixtures/tables/modeldata__credit_data.csv');

function missingShare(t: Table, name: string): number {
  const c = column(t, name);
  const v = isCategorical(c) ? Array.from(c.codes, (k) => k < 0) : Array.from(c.values, Number.isNaN);
  return v.filter(Boolean).length / t.nRows;
}

describe('the leaf validation (tuneCartLeaf)', () => {
  it('grades each leaf on two folds, half A fitted against half B and B against A, and holds the mean to the bar of both halves', async () => {
    const slid = (await readTable(SLID)).table;
    const choice = tuneCartLeaf(slid, { seed: 3, leaves: [50, 400] });
    const { fit, unseen } = choice.validationRows;
    expect(fit + unseen).toBe(slid.nRows);
    expect(choice.folds).toBe(2);
    // The standard error of a share read on both halves' draws, not on one half's.
    expect(choice.dcrShareLimit).toBe(Math.round(validationDcrBar(DCR_SHARE_LIMIT, fit + unseen) * 1e4) / 1e4);
    expect(choice.dcrShareLimit).toBeGreaterThan(Math.round(validationDcrBar(DCR_SHARE_LIMIT, fit) * 1e4) / 1e4);
    for (const t of choice.trials) {
      expect(t.folds).toHaveLength(2);
      const [a, b] = t.folds!;
      // Two fits of two halves: not one fold counted twice.
      expect(a!.dcrShare === b!.dcrShare && a!.detection === b!.detection).toBe(false);
      const mean = (a!.dcrShare * fit + b!.dcrShare * unseen) / (fit + unseen);
      expect(Math.abs(t.dcrShare - mean)).toBeLessThan(2e-4);
      expect(t.private).toBe(t.dcrShare <= choice.dcrShareLimit);
    }
  }, 120_000);
});

describe('generate engine trees (sequential CART)', () => {
  it('generates a country→continent table from the CLI with no impossible pairs, the data grid and its missingness', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cart-'));
    const r = await runSpec(dir, {
      version: 1,
      name: 'gapminder-trees',
      seed: 5,
      source: { path: GAPMINDER },
      split: { holdout: 0.5 },
      tasks: [{ type: 'generate', rows: 3000, engine: 'trees', output: { path: 'synthetic.csv' } }],
      report: { dir: 'report', html: false },
    });
    expect(r.code, r.stderr).toBe(0);
    const real = (await readTable(GAPMINDER)).table;
    const syn = (await readTable(join(dir, 'synthetic.csv'))).table;
    expect(syn.nRows).toBe(3000);

    // The rule of the data: one continent (and region) per country; none broken.
    const continentOf = new Map<string, string>();
    const [rc, rk] = [labels(real, 'country'), labels(real, 'continent')];
    rc.forEach((c, i) => c && rk[i] && continentOf.set(c, rk[i]!));
    const [sc, sk] = [labels(syn, 'country'), labels(syn, 'continent')];
    const broken = sc.filter((c, i) => c && sk[i] && continentOf.get(c) !== sk[i]).length;
    expect(broken).toBe(0);

    // Donor values: every number is one the data holds (decimals and grid kept).
    for (const name of ['life_expectancy', 'fertility', 'gdp']) {
      const seen = new Set(Array.from((column(real, name) as { values: Float64Array }).values).filter((v) => !Number.isNaN(v)));
      const off = Array.from((column(syn, name) as { values: Float64Array }).values).filter((v) => !Number.isNaN(v) && !seen.has(v));
      expect(off.length, name).toBe(0);
    }
    // Missing cells are generated too, in about the data's share (gdp: 28% missing).
    expect(Math.abs(missingShare(syn, 'gdp') - missingShare(real, 'gdp'))).toBeLessThan(0.05);
    expect(Math.abs(missingShare(syn, 'infant_mortality') - missingShare(real, 'infant_mortality'))).toBeLessThan(0.05);

    const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8'));
    expect(report.generator.engines['tasks[0]']).toBe('trees');
    expect(CART_LEAVES).toContain(report.generator.trees.minLeaf);
    expect(report.generator.trees.validation.trials.length).toBeGreaterThanOrEqual(3);
    // The leaf's figures are the means of two folds, each reported.
    expect(report.generator.trees.validation.folds).toBe(2);
    for (const t of report.generator.trees.validation.trials) expect(t.folds).toHaveLength(2);
    expect(report.generator.trees.dependencies).toContain('country → continent');
    expect(report.tasks[0].engine).toBe('trees');
    // No task needed the diffusion model, so none was trained.
    expect(report.model).toBeUndefined();
  }, 120_000);

  it('is deterministic, holds fixed values and caps exact copies of training rows below the data\'s own rate', async () => {
    const slid = (await readTable(SLID)).table;
    const a = cartSynthesize(slid, 2000, { seed: 9, minLeaf: 20 });
    const b = cartSynthesize(slid, 2000, { seed: 9, minLeaf: 20 });
    expect(a.table).toEqual(b.table);
    expect(cartSynthesize(slid, 2000, { seed: 10, minLeaf: 20 }).table).not.toEqual(a.table);

    // SLID repeats rows (few columns, rounded values): copies are allowed up to 0.8 × that rate, not beyond.
    const own = duplicateRate(slid);
    expect(own).toBeGreaterThan(0.1);
    expect(a.copies.allowedRate).toBeCloseTo(0.8 * own, 10);
    expect(copyAllowance(own)).toBeCloseTo(0.8 * own, 10);
    expect(a.copies.kept / 2000).toBeLessThanOrEqual(a.copies.allowedRate);
    // Counted on the output itself, not on the engine's own tally: rows equal to some training row.
    const key = (t: Table, i: number) => JSON.stringify(t.columns.map((c) => cellValue(c, i)));
    const seen = new Set(Array.from({ length: slid.nRows }, (_, i) => key(slid, i)));
    const copies = Array.from({ length: 2000 }, (_, i) => key(a.table, i)).filter((k) => seen.has(k)).length;
    expect(copies).toBe(a.copies.kept);
    expect(copies / 2000).toBeLessThanOrEqual(0.8 * own);
    expect(a.copies.redrawn).toBeGreaterThan(0);

    const women = cartSynthesize(slid, 500, { seed: 9, minLeaf: 20, fixed: { sex: 'Female' } });
    expect(new Set(labels(women.table, 'sex'))).toEqual(new Set(['Female']));
    expect(women.order[0]).toBe('sex');
  });

  it('keeps a table of mostly repeated rows as it is: the copy margin shrinks near 1, so few rows are redrawn and pair shares hold (AER__Fertility)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cart-fert-'));
    const csv = join(dir, 'fertility.csv');
    await writeFertility(csv, 20_000);
    const real = (await readTable(csv)).table;
    const own = duplicateRate(real);
    expect(own).toBeGreaterThan(0.8);
    expect(copyAllowance(own)).toBeCloseTo(own - 0.2 * (1 - own), 10);
    const r = cartSynthesize(real, 20_000, { seed: 3, minLeaf: 400 });
    expect(r.copies.kept / 20_000).toBeLessThanOrEqual(copyAllowance(own));
    const share = (t: Table, a: string, x: string, b: string, y: string): number => {
      const u = labels(t, a);
      const v = labels(t, b);
      return u.filter((l, i) => l === x && v[i] === y).length / t.nRows;
    };
    for (const [a, x, b, y] of [['morekids', 'yes', 'gender1', 'male'], ['morekids', 'yes', 'afam', 'no'], ['hispanic', 'yes', 'morekids', 'no'], ['morekids', 'yes', 'gender2', 'male']] as const) {
      expect(Math.abs(share(r.table, a, x, b, y) - share(real, a, x, b, y)), `${a}=${x} & ${b}=${y}`).toBeLessThan(0.01);
    }
  }, 60_000);

  it('shifts donors along their leaf\'s linear fit: a sharp relation survives a large leaf, on values the data holds (gapminder)', async () => {
    const real = (await readTable(GAPMINDER)).table;
    const corr = (t: Table, a: string, b: string): number => {
      const x = (column(t, a) as { values: Float64Array }).values;
      const y = (column(t, b) as { values: Float64Array }).values;
      const ok = Array.from(x.keys()).filter((i) => !Number.isNaN(x[i]!) && !Number.isNaN(y[i]!));
      const mean = (v: Float64Array) => ok.reduce((s, i) => s + v[i]!, 0) / ok.length;
      const [mx, my] = [mean(x), mean(y)];
      let [sxy, sxx, syy] = [0, 0, 0];
      for (const i of ok) {
        sxy += (x[i]! - mx) * (y[i]! - my);
        sxx += (x[i]! - mx) ** 2;
        syy += (y[i]! - my) ** 2;
      }
      return sxy / Math.sqrt(sxx * syy);
    };
    const target = corr(real, 'infant_mortality', 'life_expectancy');
    const shifted = cartSynthesize(real, 5000, { seed: 4, minLeaf: 400 }).table;
    const plain = cartSynthesize(real, 5000, { seed: 4, minLeaf: 400, shift: false }).table;
    // Measured: real -0.9185, plain -0.9034, shifted -0.9136.
    expect(Math.abs(corr(shifted, 'infant_mortality', 'life_expectancy') - target)).toBeLessThan(Math.abs(corr(plain, 'infant_mortality', 'life_expectancy') - target) / 2);
    const seen = new Set(Array.from((column(real, 'life_expectancy') as { values: Float64Array }).values));
    expect(Array.from((column(shifted, 'life_expectancy') as { values: Float64Array }).values).filter((v) => !Number.isNaN(v) && !seen.has(v))).toEqual([]);
    expect(missingShare(shifted, 'infant_mortality')).toBeCloseTo(missingShare(real, 'infant_mortality'), 1);
  });

  it('auto runs trees where the validated leaf is private and faithful (SLID), and the diffusion model where it is not (credit_data)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cart-auto-'));
    const spec = (path: string, out: string) => ({
      version: 1,
      name: 'auto',
      seed: 5,
      source: { path },
      split: { holdout: 0.5 },
      model: { width: 16, depth: 1, steps: 20 },
      tasks: [{ type: 'generate', rows: 200, output: { path: `${out}.csv` } }],
      report: { dir: out, html: true },
    });
    expect((await runSpec(dir, spec(SLID, 'slid'))).code).toBe(0);
    const slid = JSON.parse(await readFile(join(dir, 'slid', 'report.json'), 'utf8'));
    expect(slid.tasks[0].engine).toBe('trees');
    expect(slid.generator.why).toMatch(/^trees: leaf \d+: the highest validation detection score/);
    expect(slid.model).toBeUndefined();
    const slidPage = await readFile(join(dir, 'slid', 'report.html'), 'utf8');
    expect(slidPage).toContain('<h3>Generator</h3>');
    expect(slidPage).toContain('No diffusion model: no task needed one');

    // credit_data: no leaf is both private and faithful (bench/RESULTS.md), and it is no panel.
    expect((await runSpec(dir, spec(CREDIT, 'gap'))).code).toBe(0);
    const gap = JSON.parse(await readFile(join(dir, 'gap', 'report.json'), 'utf8'));
    expect(gap.tasks[0].engine).toBe('diffusion');
    expect(gap.generator.why).toMatch(/auto → diffusion/);
    expect(gap.generator.panel).toBeUndefined();
    expect(gap.model.steps).toBe(20);
    expect(gap.model.stepsChosenBy).toBe('model.steps');
    expect(gap.model.sizeChosenBy).toBe('model.width / model.depth');
    expect(gap.model.stoppedBy).toBe('steps');
  }, 120_000);

  it('auto keeps private runs on the diffusion model, and refuses trees and panel by name there', () => {
    const slid = { nRows: 0, columns: [] } as Table;
    const plan = (engine: string) => ({ seed: 1, model: { privacy: { epsilon: 3 } }, tasks: [{ type: 'generate', index: 0, engine }] }) as unknown as TablePlan;
    const log = createLogger({ quiet: true });
    const auto = chooseGenerateEngines(plan('auto'), slid, log);
    expect(auto.engines.get(0)).toBe('diffusion');
    expect(auto.why).toMatch(/differential privacy/);
    expect(() => chooseGenerateEngines(plan('trees'), slid, log)).toThrow('model.privacy: tasks[0].engine: trees draws real training values as donors; a differentially private run cannot use it');
    expect(() => chooseGenerateEngines(plan('panel'), slid, log)).toThrow('model.privacy: tasks[0].engine: panel interpolates real training values; a differentially private run cannot use it');
  });
});

describe('CartSynthesizer (library)', () => {
  it('fits with a validated leaf, samples deterministically, and refuses an unknown fixed label in one line', async () => {
    const { CartSynthesizer, readTable: read } = await import('../src/index.js');
    const slid = (await read(SLID)).table;
    const synth = CartSynthesizer.fit(slid, { seed: 3 });
    expect(CART_LEAVES).toContain(synth.minLeaf);
    expect(synth.validation!.trials.length).toBeGreaterThanOrEqual(3);
    const a = synth.sample(300, { seed: 1 });
    expect(a.nRows).toBe(300);
    expect(synth.sample(300, { seed: 1 })).toEqual(a);
    expect(() => synth.sample(10, { fixed: { sex: 'Other' } })).toThrow('fixed.sex: "Other" is not a value of the column (values: Female, Male)');
  });
});
