import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, writeSpec } from './helpers/cli.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { splitTable } from '../src/run/table/source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-json-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `--json`: stdout is one JSON object, logs stay on stderr; a plain run ends with its headline scores. */
describe('--json and headline scores', () => {
  it('validate --json prints the result, or { valid: false, error } with exit 1', async () => {
    const ok = await runCli('validate', 'pipelines/default.yaml', '--json');
    expect(ok.code).toBe(0);
    const v = JSON.parse(ok.stdout);
    expect(v).toMatchObject({ spec: 'pipelines/default.yaml', valid: true, tasks: ['profile', 'impute', 'generate'] });
    expect(v.source.columns).toContain('bili');
    expect(v.writes.map((w: { what: string }) => w.what)).toContain('report.dir');
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nname: x\nsource: { path: a.csv }\ntasks:\n  - { type: generate, rows: -3, output: { path: o.csv } }\n');
    const no = await runCli('validate', bad, '--json');
    expect(no.code).toBe(1);
    expect(JSON.parse(no.stdout)).toEqual({ spec: bad, valid: false, error: `${bad}: tasks[0].rows: must be a positive integer` });
    expect(no.stderr).toBe(`error: ${bad}: tasks[0].rows: must be a positive integer\n`);
  });

  it('evaluate --json prints the report only', async () => {
    const { table } = await readTable('fixtures/tables/palmerpenguins__penguins.csv');
    const split = splitTable(table, 0.5, 1);
    await writeTable(join(dir, 'real.csv'), split.train);
    await writeTable(join(dir, 'holdout.csv'), split.holdout!);
    const r = await runCli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'real.csv'), '--holdout', join(dir, 'holdout.csv'), '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.evaluation.privacy.dcrShare).toBeGreaterThan(0.95);
    expect(report.evaluation.detection.score).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/^DCR share/m);
  });

  it('run prints headline scores at its end; run --json prints the report instead', async () => {
    const spec = await writeSpec(dir, {
      version: 1,
      name: 'nhanes-json',
      seed: 3,
      source: { path: resolve('fixtures/tables/mice__nhanes.csv') },
      columns: { hyp: { kind: 'categorical' } },
      split: { holdout: 0.4 },
      model: { steps: 40, width: 16, depth: 1 },
      tasks: [{ type: 'generate', rows: 20, output: { path: 'out/synthetic.csv' } }],
      evaluate: { fidelity: true, detection: true, privacy: true, imputation: { fraction: 0.2, mechanism: 'mcar' } },
    });
    const plain = await runCli('run', spec, '--quiet');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^column-pair trends \d\.\d{3}/m);
    expect(plain.stdout).toMatch(/^detection {10}\d\.\d{3} {2}\(AUC/m);
    expect(plain.stdout).toMatch(/^DCR share {10}\d\.\d{3}/m);
    expect(plain.stdout).toMatch(/^imputation RMSE {4}\d\.\d{3} {2}\(mean \d\.\d{3}, knn \d\.\d{3}; \d+ hidden cells, in sd units\)$/m);
    const json = await runCli('run', spec, '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.name).toBe('nhanes-json');
    expect(report.evaluation.imputation.overall.rmse.synthdiff).toBeGreaterThan(0);
    // Progress and log lines went to stderr, not into the JSON.
    expect(json.stderr).toMatch(/synthdiff: pipeline "nhanes-json"/);
    const shard = await runCli('run', spec, '--json', '--train-only');
    expect(shard.code).toBe(1);
    expect(shard.stderr).toBe(`error: --json: prints a whole run's report; not with --train-only\n`);
  });
});
