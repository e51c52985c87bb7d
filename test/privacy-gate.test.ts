import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runSpec } from './helpers/cli.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { splitTable } from '../src/run/table/source.js';
import { parseFailOn } from '../src/run/privacy-gate.js';
import { specErrorMessage } from './helpers/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-gate-'));
  const { table } = await readTable('fixtures/tables/palmerpenguins__penguins.csv');
  const split = splitTable(table, 0.5, 1);
  await writeTable(join(dir, 'real.csv'), split.train);
  await writeTable(join(dir, 'holdout.csv'), split.holdout!);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluate --fail-on: a privacy gate', () => {
  it('parses metric=share lists and names a bad part in one line', () => {
    expect(parseFailOn('dcr=0.55,copies=0.05')).toEqual({ dcr: 0.55, copies: 0.05 });
    expect(parseFailOn(' MIA = 0.6 ')).toEqual({ mia: 0.6 });
    expect(specErrorMessage(() => parseFailOn('dcr'))).toBe('--fail-on: "dcr" is not metric=threshold (metrics: dcr, copies, mia; e.g. dcr=0.55,copies=0.05)');
    expect(specErrorMessage(() => parseFailOn('copis=0.1'))).toBe('--fail-on: unknown metric "copis" (did you mean "copies"?) (metrics: dcr, copies, mia)');
    expect(specErrorMessage(() => parseFailOn('dcr=55%'))).toBe('--fail-on dcr: expected a share between 0 and 1, got "55%"');
    expect(specErrorMessage(() => parseFailOn('dcr=1.5'))).toBe('--fail-on dcr: expected a share between 0 and 1, got "1.5"');
  });

  it('a copy of the training rows fails: exit 1, one line, the report written with a banner', async () => {
    const out = join(dir, 'copy');
    const r = await runCli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'real.csv'), '--holdout', join(dir, 'holdout.csv'), '--out', out, '--outputs-anywhere', '-q', '--fail-on', 'dcr=0.55,copies=0.05');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: privacy gate failed: DCR share (0\.9\d*|1) > 0\.55, exact copies 1 > 0\.05 \(--fail-on dcr=0\.55,copies=0\.05\)\n$/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.evaluation.gate).toMatchObject({ thresholds: { dcr: 0.55, copies: 0.05 }, passed: false });
    expect(report.evaluation.gate.breaches.map((b: { metric: string }) => b.metric)).toEqual(['dcr', 'copies']);
    const page = await readFile(join(out, 'report.html'), 'utf8');
    expect(page).toMatch(/<p class="gate gate-fail" id="privacy-gate">Privacy gate failed: DCR share [\d.]+ &gt; 0\.55, exact copies 1 &gt; 0\.05\./);
  });

  it('fresh rows pass and say so; the gate needs a holdout', async () => {
    const r = await runCli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'holdout.csv'), '--holdout', join(dir, 'holdout.csv'), '--fail-on', 'dcr=0.55,copies=0.05');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('privacy gate passed: DCR share ≤ 0.55, exact copies ≤ 0.05 (--fail-on dcr=0.55,copies=0.05)\n');
    const no = await runCli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'real.csv'), '--fail-on', 'dcr=0.55');
    expect(no.code).toBe(1);
    expect(no.stderr).toBe('error: --fail-on: the privacy metrics compare the synthetic rows with held-out real rows; pass --holdout\n');
  });
});

describe('real records out of the report', () => {
  it('evaluate --no-records leaves the most unusual real rows out', async () => {
    const withRows = await runCli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'holdout.csv'), '--json', '-q');
    expect(JSON.parse(withRows.stdout).evaluation.outliers.topReal).toHaveLength(10);
    const out = join(dir, 'norecords');
    const r = await runCli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'holdout.csv'), '--no-records', '--out', out, '--outputs-anywhere', '-q');
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.evaluation.outliers.topReal).toEqual([]);
    expect(report.evaluation.outliers.realRecordsWithheld).toBe(true);
    expect(report.evaluation.outliers.topSynthetic).toHaveLength(10);
    const page = await readFile(join(out, 'report.html'), 'utf8');
    expect(page).toContain('Real records withheld from this report');
    expect(page).not.toContain('Most unusual real rows');
    // Nor where the data lives: file names only.
    expect(JSON.stringify(report)).not.toContain(dir);
    expect(page).not.toContain(dir);
    expect(JSON.stringify(report)).toContain('"real.csv"');
  });

  it('report.records: false in a spec does the same for a run', async () => {
    const run = await runSpec(dir, {
      version: 1,
      name: 'records',
      seed: 2,
      source: { path: resolve('fixtures/tables/mice__nhanes.csv') },
      split: { holdout: 0.4 },
      model: { steps: 20, width: 16, depth: 1 },
      evaluate: { outliers: true },
      report: { dir: 'run', html: true, records: false },
    }, '-q');
    expect(run.code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'run/report.json'), 'utf8'));
    expect(report.evaluation.outliers.topReal).toEqual([]);
    expect(report.evaluation.outliers.realRecordsWithheld).toBe(true);
    expect(await readFile(join(dir, 'run/report.html'), 'utf8')).not.toContain('Most unusual real rows');
    expect(JSON.stringify(report)).not.toContain(dir);
    expect(JSON.stringify(report)).not.toContain(resolve('fixtures'));
    expect(report.data.source).toBe('mice__nhanes.csv');
  });
});
