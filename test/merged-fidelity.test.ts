/**
 * The fidelity report a sharded run's merge computes from mergeable statistics alone, against
 * fidelity.ts computed on the whole tables in memory: TVComplement and real-edge pair trends equal,
 * KSComplement inside the bracket the histograms allow.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnPairTrends, columnShapes } from '../src/evaluate/fidelity.js';
import { readTable } from '../src/io/table-io.js';
import { fidelityFromStats, ksFromHistograms } from '../src/stats/merged-fidelity.js';
import { mergeStats, statsLayout, tableStats } from '../src/stats/shard-stats.js';
import { splitTable } from '../src/run/table/source.js';
import { loadSourceTable } from '../src/run/table/source.js';
import { createRng, deriveSeed, permutation } from '../src/rng.js';
import { dcr } from '../src/evaluate/privacy.js';
import { TableEncoder } from '../src/table/encode.js';
import { isCategorical, takeRows, type Table } from '../src/table/table.js';
import { runCli } from './helpers/cli.js';
import type { MergedFidelity } from '../src/report/model.js';
import { loadSpec } from '../src/spec/normalize.js';
import { sourceRead } from '../src/run/plan.js';

const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, k) => a + k);

/** The synthetic table with one continuous column shuffled: same shapes, broken pair trends. */
function shuffled(t: Table, seed: number): Table {
  const j = t.columns.findIndex((c) => !isCategorical(c));
  const perm = permutation(t.nRows, createRng(seed));
  return { nRows: t.nRows, columns: t.columns.map((c, k) => (k === j && !isCategorical(c) ? { ...c, values: Float64Array.from(perm, (r) => c.values[r]!) } : c)) };
}

/** Merged-statistics fidelity of `synthetic` (counted in uneven parts) vs `real`. */
function merged(real: Table, synthetic: Table): MergedFidelity {
  const layout = statsLayout(TableEncoder.fit(real).columns, real);
  const cuts = [0, Math.floor(synthetic.nRows / 7), Math.floor(synthetic.nRows / 7), Math.floor(synthetic.nRows / 2), synthetic.nRows];
  const parts = cuts.slice(1).map((end, i) => tableStats(takeRows(synthetic, rows(cuts[i]!, end)), layout));
  return fidelityFromStats(tableStats(real, layout), mergeStats(JSON.parse(JSON.stringify(parts))));
}

function expectMatchesInMemory(f: MergedFidelity, real: Table, synthetic: Table): void {
  const shapes = columnShapes(real, synthetic);
  shapes.columns.forEach((c, j) => {
    const m = f.shapes.columns[j]!;
    expect(m.column).toBe(c.column);
    if (c.metric === 'TVComplement') expect(Math.abs(m.score - c.score)).toBeLessThanOrEqual(5e-5 + 1e-12);
    else {
      // The exact KSComplement lies in the bracket; the bracket is narrow (one quantile bin's share).
      expect(c.score).toBeGreaterThanOrEqual(m.range![0] - 5e-5);
      expect(c.score).toBeLessThanOrEqual(m.range![1] + 5e-5);
      expect(m.range![1] - m.range![0]).toBeLessThan(0.01);
    }
  });
  expect(f.shapes.score).toBeGreaterThanOrEqual(shapes.score - 0.005);
  const trends = columnPairTrends(real, synthetic, { binning: 'real' });
  expect(f.trends.skipped).toBe(0);
  expect(f.trends.pairs.length).toBe(trends.pairs.length);
  trends.pairs.forEach((p, k) => {
    const m = f.trends.pairs[k]!;
    expect([m.a, m.b, m.metric]).toEqual([p.column1, p.column2, p.metric]);
    if (Number.isNaN(p.score)) expect(m.score).toBeNaN();
    else expect(Math.abs(m.score - p.score)).toBeLessThanOrEqual(5e-5 + 1e-12);
  });
  expect(Math.abs(f.trends.score - trends.score)).toBeLessThanOrEqual(5e-5 + 1e-12);
}

describe('fidelity from merged statistics', () => {
  it('brackets KS exactly between the value at the edges and the in-bin bound', () => {
    expect(ksFromHistograms([5, 0, 5], [5, 0, 5])).toEqual({ ks: 0, upper: 0.5 });
    expect(ksFromHistograms([0, 10, 0], [5, 0, 5])).toEqual({ ks: 0.5, upper: 0.5 });
    expect(ksFromHistograms([10, 0, 0], [0, 0, 10])).toEqual({ ks: 1, upper: 1 });
  });

  it.each(['modeldata__credit_data.csv', 'mice__boys.csv', 'forcats__gss_cat.csv', 'palmerpenguins__penguins.csv'])(
    'equals fidelity.ts on whole tables: holdout and a trend-broken holdout vs train (%s)',
    async (file) => {
      const { table } = await readTable(`fixtures/tables/${file}`);
      const { train, holdout } = splitTable(table, 0.5, 3);
      expectMatchesInMemory(merged(train, holdout!), train, holdout!);
      const broken = shuffled(holdout!, 5);
      const f = merged(train, broken);
      expectMatchesInMemory(f, train, broken);
      // The planted fault shows: trends drop, shapes do not.
      expect(f.trends.score).toBeLessThan(merged(train, holdout!).trends.score);
    },
  );
});

describe('synthdiff merge grades sharded generation', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthdiff-merged-fidelity-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('4 generate shards: merge.json fidelity equals the in-memory metrics on the merged file and the training half', async () => {
    const specPath = join(dir, 'credit.yaml');
    await writeFile(
      specPath,
      `version: 1
name: credit-shards
seed: 5
source: { path: ${join(process.cwd(), 'fixtures/tables/modeldata__credit_data.csv')} }
split: { holdout: 0.5 }
model: { device: cpu, backend: wasm, steps: 60, width: 32, depth: 2, samplerSteps: 8, checkpoint: out/model }
tasks:
  - { type: generate, rows: 700, output: { path: out/synthetic.csv } }
evaluate: { privacy: true }
report: { dir: out }
`,
    );
    expect((await runCli('run', specPath, '--train-only', '-q')).code).toBe(0);
    for (let i = 0; i < 4; i++) expect((await runCli('run', specPath, '--shard', `${i}/4`, '-q')).code).toBe(0);
    const r = await runCli('merge', specPath);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/fidelity from merged statistics: shapes 0\.\d+ \(exact value in \[0\.\d+, 0\.\d+\]\), trends 0\.\d+ \(real-edge bins\); holdout/);
    const report = JSON.parse(await readFile(join(dir, 'out/merge.json'), 'utf8'));
    const f = report.outputs[0].fidelity as MergedFidelity;
    expect(f.holdoutBaseline?.shapes).toBeGreaterThan(0.9);
    // merge.html: the run report's fidelity views, drawn from the merged statistics, self-contained.
    const page = await readFile(join(dir, 'out/merge.html'), 'utf8');
    expect(page).toContain('<section id="fidelity-0"><h2>Fidelity · tasks[0] generate</h2>');
    expect(page).toContain(f.shapes.score.toFixed(3));
    expect(page.match(/<svg/g)!.length).toBeGreaterThanOrEqual(1 + f.distributions.length);
    expect(page).not.toMatch(/<script|https?:\/\//);

    const ns = await loadSpec(specPath);
    const { train } = splitTable((await loadSourceTable(sourceRead(ns))).table, 0.5, ns.seed);
    const synthetic = (await readTable(join(dir, 'out/synthetic.csv'))).table;
    expect(synthetic.nRows).toBe(700);
    // Same column order and category lists as the training half, for fidelity.ts's same-schema check.
    const aligned: Table = {
      nRows: synthetic.nRows,
      columns: train.columns.map((c) => {
        const s = synthetic.columns.find((x) => x.name === c.name)!;
        if (!isCategorical(c) || !isCategorical(s)) return s;
        const at = new Map(c.categories.map((l, k) => [l, k]));
        return { ...c, codes: Int32Array.from(s.codes, (k) => (k < 0 ? -1 : at.get(s.categories[k]!)!)) };
      }),
    };
    expectMatchesInMemory(f, train, aligned);

    // Privacy from per-shard sums, sketches and element-wise minima = dcr() on the whole merged output.
    const { holdout } = splitTable((await loadSourceTable(sourceRead(ns))).table, 0.5, ns.seed);
    const alignedHoldout = holdout!;
    const whole = dcr(aligned, train, alignedHoldout, { seed: deriveSeed(ns.seed, 'dcr') });
    const p = report.outputs[0].privacy;
    expect(p.dcrShare).toBeCloseTo(whole.dcrShare, 4);
    expect(p.exactCopyRate).toBeCloseTo(whole.exactCopyRate, 4);
    expect(p.holdoutExactCopyRate).toBeCloseTo(whole.holdoutExactCopyRate, 4);
    expect(p.membershipAuc).toBeCloseTo(whole.membershipAuc, 4);
    expect(p.medianDcrTrain).toBeCloseTo(whole.summary.dcrTrain.quantiles.p50, 5);
    expect(p.medianDcrHoldout).toBeCloseTo(whole.summary.dcrHoldout.quantiles.p50, 5);
    expect(p.nndrMedian).toBeCloseTo(whole.summary.nndr.quantiles.p50, 4);
    expect(p.dcrHistogram.train.reduce((a: number, b: number) => a + b, 0)).toBe(700);
    expect(page).toContain('<section id="privacy-0"><h2>Privacy · tasks[0] generate</h2>');
  }, 120_000);
});
