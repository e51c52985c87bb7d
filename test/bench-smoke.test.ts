/**
 * Smoke test of the benchmark harness (not a benchmark: CI never runs `npm run bench`). Runs the suite in
 * --quick mode on the small penguins fixture — a few training steps, 4 sampler steps, no R/Python peers so
 * it stays well under 30 s — and checks that every scenario printed well-formed JSON records and that the
 * Markdown report was written and re-reads losslessly. Where R mice and scikit-learn are installed, one
 * tiny impute-peers unit also runs them for real, to prove their output is read back and scored.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtPts, parseRecords, renderMarkdown } from '../bench/markdown.js';
import type { BenchRecord } from '../bench/common.js';
import { PEERS, peerUnavailable } from '../bench/impute-peers.js';
import { mergeRecords } from '../bench/run.js';

const ROOT = resolve(import.meta.dirname, '..');
let dir: string;
let records: BenchRecord[] = [];
let markdown = '';
let status: number | null = null;
let stderr = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-bench-smoke-'));
  const out = join(dir, 'RESULTS.md');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--no-peers', '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    // Generous: the suite shares a 2-core box whose load average reaches 8–10 (the quick run takes ~30 s idle).
    timeout: 240_000,
  });
  status = r.status;
  stderr = r.stderr;
  records = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchRecord);
  markdown = await readFile(out, 'utf8').catch(() => '');
}, 270_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bench harness (--quick)', () => {
  it('exits 0 and prints JSON records for every scenario', () => {
    expect(status, stderr.slice(-2000)).toBe(0);
    const scenarios = new Set(records.map((r) => r.scenario));
    expect([...scenarios].sort()).toEqual(['end-to-end', 'impute-peers', 'sample', 'scale', 'train-step']);
    for (const r of records) {
      for (const k of ['scenario', 'table', 'rows', 'columns', 'backend', 'device', 'steps', 'batch', 'seconds', 'rowsPerSec', 'peakRssMB']) expect(r, k).toHaveProperty(k);
      expect(r.peakRssMB).toBeGreaterThan(0);
    }
  });

  it('measures what each scenario promises', () => {
    const steps = records.filter((r) => r.scenario === 'train-step');
    expect(steps.map((r) => r.batch)).toEqual([64, 256]);
    for (const r of steps) {
      expect(r.stepMs as number).toBeGreaterThan(0);
      expect(r.forwardMs as number).toBeGreaterThan(0);
      expect(r.stepOverForward).toBeCloseTo((r.stepMs as number) / (r.forwardMs as number), 1);
    }
    expect(records.filter((r) => r.scenario === 'sample').map((r) => r.sampler)).toEqual(['heun', 'edm-stochastic', 'dpmpp-2m']);
    const e2e = records.find((r) => r.scenario === 'end-to-end')!;
    expect(Object.keys(e2e.stages as object)).toEqual(['load', 'train', 'impute', 'generate', 'evaluate']);
    expect(e2e.steps).toBe(10);
    // scale: the streamed path reads every row but trains on the reservoir sample only.
    const scale = records.filter((r) => r.scenario === 'scale');
    expect(scale.map((r) => `${r.mode} ${r.rows}`)).toEqual(['streamed 20000', 'streamed 60000', 'in-memory 20000', 'in-memory 60000']);
    for (const r of scale.filter((x) => x.mode === 'streamed')) {
      expect(r.sampleRows).toBe(5000);
      expect(Math.abs((r.trainRowsSeen as number) / r.rows - 0.8)).toBeLessThan(0.02);
    }
    const methods = records.filter((r) => r.scenario === 'impute-peers').map((r) => r.method);
    expect(methods).toEqual(expect.arrayContaining(['synthdiff', 'mean-mode', 'mice', 'sklearn-iterative', 'sklearn-knn']));
    const ours = records.find((r) => r.method === 'synthdiff')!;
    expect(ours.rmse as number).toBeGreaterThan(0);
    // Ours is what a user gets: `synthdiff run` with an impute task at the defaults.
    expect(ours.engine).toBe('auto');
    expect(ours.unimputed).toBe(0);
    // --no-peers: the suite says the peers were skipped rather than dropping them.
    expect(records.find((r) => r.method === 'mice')!.skipped).toMatch(/no-peers/);
  });

  it('writes the Markdown report with machine, command and every section', () => {
    expect(markdown).toContain('# synthdiff benchmarks');
    expect(markdown).toMatch(/Machine: .+, \d+ cores/);
    expect(markdown).toContain('npm run bench -- --quick --no-peers');
    for (const s of ['train-step', 'sample', 'end-to-end', 'impute-peers']) expect(markdown).toContain(`(\`${s}\`)`);
    expect(markdown).toContain('| round | threads | batch | step ms | PyTorch step ms | ours / PyTorch');
    expect(markdown).toContain('ours / best peer');
  });

  it('stores its raw records so a partial re-run can re-render, keeping hand-written notes', () => {
    const stored = parseRecords(markdown);
    expect(stored.records).toHaveLength(records.length);
    expect(stored.runs.map((r) => r.scenario)).toEqual(['train-step', 'sample', 'end-to-end', 'impute-peers', 'scale']);
    const withNotes = renderMarkdown(stored.records, stored.runs, 'A hand-written observation.');
    const again = parseRecords(withNotes);
    expect(again.notes).toBe('A hand-written observation.');
    expect(again.records).toEqual(stored.records);
  });

  it('re-measuring some tables of impute-shared keeps the other tables and names both runs; other scenarios are replaced whole', () => {
    const stored = parseRecords(markdown);
    const run0 = stored.runs[0]!;
    const rec = (scenario: string, table: string, seed: number, rmse: number): BenchRecord => ({ scenario, table, seed, rmse, rows: 10, columns: 2, backend: 'peer', device: 'cpu', steps: null, batch: null, seconds: 1, rowsPerSec: null, peakRssMB: 1 });
    const old = { ...run0, scenario: 'impute-shared', command: 'old run' };
    const now = { ...run0, scenario: 'impute-shared', command: 'new run' };
    const previous = {
      records: [rec('impute-shared', 'a', 1, 0.5), rec('impute-shared', 'b', 1, 0.6), rec('impute-shared', 'b', 2, 0.7), rec('train-step', 'x', 1, 0)],
      runs: [old, { ...run0, scenario: 'train-step', command: 'old step' }],
    };
    const merged = mergeRecords(previous, [rec('impute-shared', 'b', 1, 0.4), rec('train-step', 'y', 1, 0)], [now, { ...run0, scenario: 'train-step', command: 'new step' }]);
    expect(merged.records.map((r) => `${r.scenario} ${r.table} ${r.seed} ${r.rmse}`)).toEqual(['impute-shared a 1 0.5', 'impute-shared b 2 0.7', 'impute-shared b 1 0.4', 'train-step y 1 0']);
    expect(merged.runs.map((r) => r.command)).toEqual(['old run', 'new run', 'new step']);
    // Every table measured again: the old run is no longer named.
    const all = mergeRecords(previous, [rec('impute-shared', 'a', 1, 0), rec('impute-shared', 'b', 1, 0), rec('impute-shared', 'b', 2, 0)], [now]);
    expect(all.runs.map((r) => r.command)).toEqual(['old step', 'new run']);
    expect(renderMarkdown(merged.records, merged.runs, undefined)).toMatch(/`old run`[^\n]*\n\n_Measured [^\n]*`new run`/);
    // Records that name their run: a run none of the kept records comes from is no longer named.
    const at = (r: BenchRecord, run: string): BenchRecord => ({ ...r, runStartedAt: run });
    const first = { ...old, startedAt: 'T1', command: 'first' }, second = { ...old, startedAt: 'T2', command: 'second' }, third = { ...old, startedAt: 'T3', command: 'third' };
    const named = mergeRecords(
      { records: [at(rec('impute-shared', 'a', 1, 0.5), 'T1'), at(rec('impute-shared', 'b', 1, 0.6), 'T2')], runs: [first, second] },
      [at(rec('impute-shared', 'b', 1, 0.4), 'T3')],
      [third],
    );
    expect(named.runs.map((r) => r.command)).toEqual(['first', 'third']);
  });

  const missingPeer = PEERS.map((p) => peerUnavailable(p)).find(Boolean);
  it.skipIf(missingPeer !== undefined)('runs the installed peers on identical masks and scores them', () => {
    const unit = { scenario: 'impute-peers', table: join(ROOT, 'fixtures/tables/palmerpenguins__penguins.csv'), seed: 1, steps: 5, draws: 2, samplerSteps: 2, peers: true };
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/scenario.ts', JSON.stringify(unit)], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const rs = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchRecord);
    const by = new Map(rs.map((x) => [x.method as string, x]));
    const base = by.get('mean-mode')!;
    for (const p of PEERS) {
      const x = by.get(p)!;
      expect(x.failed, p).toBeUndefined();
      expect(x.unimputed, p).toBe(0);
      // Penguin measurements predict each other well: any working peer beats the column means.
      expect(x.rmse as number, p).toBeLessThan(base.rmse as number);
      expect(x.hiddenCells).toBe(base.hiddenCells);
    }
  }, 270_000);
});

describe('bench Markdown numbers', () => {
  it('prints an accuracy tie as +0.0 pts even where the seeds’ float means put it a hair below zero', () => {
    const tie = (0.3 + 0.2 + 0.1) / 3 - (0.1 + 0.2 + 0.3) / 3;
    expect(tie).not.toBe(0);
    expect(fmtPts(tie)).toBe('+0.0 pts');
    expect(fmtPts(-0.003)).toBe('-0.3 pts');
    expect(fmtPts(0.045)).toBe('+4.5 pts');
  });
});

describe('synth-shared: never-seen combinations', () => {
  it('counts rows pairing a country with a continent the training half never gives it, and none in its own rows', async () => {
    const { unseenCombinations } = await import('../bench/synth-shared.js');
    const dir = await mkdtemp(join(tmpdir(), 'synthdiff-combos-'));
    try {
      const train = join(ROOT, 'fixtures/tables/dslabs__gapminder.csv');
      const lines = (await readFile(train, 'utf8')).trimEnd().split('\n');
      const head = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
      const [ci, ki] = [head.indexOf('country'), head.indexOf('continent')];
      // 200 real rows, then the first 10 of them moved to a continent their country never has.
      const rows = lines.slice(1, 201).map((l) => l.split(','));
      const moved = rows.slice(0, 10).map((r) => r.map((v, j) => (j === ki ? (r[ki] === '"Europe"' ? '"Asia"' : '"Europe"') : v)));
      expect(rows[0]![ci]).not.toBe('');
      const synthetic = join(dir, 'synthetic.csv');
      writeFileSync(synthetic, [lines[0], ...rows.map((r) => r.join(',')), ...moved.map((r) => r.join(','))].join('\n') + '\n');
      const [r, own] = await unseenCombinations(train, synthetic, train);
      expect(r!.dependencies).toBe(3);
      expect(r!.rows).toBe(10);
      expect(r!.share).toBeCloseTo(10 / 210, 4);
      expect(own!.rows).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
