import { missingCount } from '../src/table/table.js';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { readTable, writeTable } from '../src/io/table-io.js';
import { splitTable } from '../src/run/table/source.js';

let dir: string;
let stderr = '';
let stdout = '';

async function cli(...args: string[]): Promise<number> {
  const r = await runCli(...args);
  ({ stdout, stderr } = r);
  return r.code;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('synthdiff CLI', () => {
  it('prints help with examples and exits 0; bad usage exits 2', async () => {
    expect(await cli('--help')).toBe(0);
    expect(stdout).toContain('Examples:');
    expect(await cli('frobnicate')).toBe(2);
    expect(await cli('run')).toBe(2);
  });

  it('inspects a real table as text and JSON', async () => {
    expect(await cli('inspect', 'fixtures/tables/survival__pbc.csv')).toBe(0);
    expect(stdout).toMatch(/stage\s+integer\*\s+6/);
    expect(await cli('inspect', 'fixtures/tables/forcats__gss_cat.csv', '--json')).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.columns.find((c: { name: string }) => c.name === 'relig').categories).toContain('None');
  });

  it('validates the example specs and rejects a bad one with its spec path', async () => {
    expect(await cli('validate', 'pipelines/default.yaml')).toBe(0);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nname: x\nsource: { path: a.csv }\ntasks:\n  - { type: generate, rows: -3, output: { path: o.csv } }\n');
    expect(await cli('validate', bad)).toBe(1);
    expect(stderr).toBe(`error: ${bad}: tasks[0].rows: must be a positive integer\n`);
  });

  it.each([
    ['ragged row', 'fixtures/broken/ragged-short.csv', /line \d+/],
    ['missing file', 'fixtures/broken/does-not-exist.csv', /file not found/],
    ['empty file', 'fixtures/broken/empty.csv', /empty/],
    ['binary junk', 'fixtures/broken/binary-junk.csv', /binary|not text|UTF-8/i],
  ])('gives a one-line error and exit 1 for %s', async (_what, file, msg) => {
    expect(await cli('inspect', file)).toBe(1);
    expect(stderr).toMatch(msg);
    expect(stderr).toContain(file.split('/').pop()!.replace('does-not-exist', 'does-not-exist'));
    expect(stderr.trim().split('\n')).toHaveLength(1);
    if (!file.includes('does-not-exist')) expect(stderr).not.toMatch(/not found/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('runs a pipeline end to end: trains, imputes without touching observed cells, generates, reloads the checkpoint', async () => {
    const spec = join(dir, 'nhanes.yaml');
    const data = resolve('fixtures/tables/mice__nhanes.csv');
    await writeFile(
      spec,
      `version: 1
name: nhanes-smoke
seed: 3
source: { path: ${data} }
columns: { hyp: { kind: categorical } }
model: { steps: 60, width: 32, depth: 2, checkpoint: out/model }
tasks:
  - { type: impute, draws: 2, output: { path: out/imputed.csv }, intervals: { path: out/intervals.csv } }
  - { type: generate, rows: 30, fixed: { hyp: "2" }, output: { path: out/synthetic.arrow } }
report: { dir: out, html: false }
`,
    );
    expect(await cli('run', spec, '--quiet')).toBe(0);
    const imputed = (await readFile(join(dir, 'out/imputed.csv'), 'utf8')).trim().split('\n');
    const original = (await readFile(data, 'utf8')).trim().split('\n');
    expect(imputed).toHaveLength(original.length);
    // Observed cells are byte-identical; missing ones are filled.
    original.slice(1).forEach((line, r) => {
      const a = line.split(','), b = imputed[r + 1]!.split(',');
      a.forEach((cell, j) => {
        if (cell !== '') expect(b[j]!.replace(/"/g, '')).toBe(cell.replace(/"/g, ''));
        else expect(b[j]).not.toBe('');
      });
    });
    const report = JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8'));
    expect(report.backend.name).toBe('wasm');
    expect(report.tasks.map((t: { type: string }) => t.type)).toEqual(['impute', 'generate']);
    // The spec names no sampler: Heun at 30 steps generates, DPM-Solver++(2M) at 20 imputes (10 for a blend's draws from 5,000 rows).
    expect(report.model.sampler).toBe("heun, 30 steps (generate); dpmpp-2m, 20 steps (a blend's draws: 10 from 5,000 rows) (impute)");
    expect(report.tasks[0].blend.drawSampling).toEqual({ sampler: 'dpmpp-2m', steps: 20 });
    expect(await readdir(join(dir, 'out/model'))).toContain('model.json');
    // A second spec loads the checkpoint instead of training and samples the same rows again.
    const again = join(dir, 'again.yaml');
    await writeFile(again, (await readFile(spec, 'utf8')).replace('checkpoint: out/model', 'load: out/model').replace(/\bout\//g, 'out2/').replace('load: out2/model', 'load: out/model'));
    expect(await cli('run', again, '--quiet')).toBe(0);
    expect(await readFile(join(dir, 'out2/synthetic.arrow'))).toEqual(await readFile(join(dir, 'out/synthetic.arrow')));
    expect(await readFile(join(dir, 'out2/imputed.csv'), 'utf8')).toBe(await readFile(join(dir, 'out/imputed.csv'), 'utf8'));
  });

  it('evaluates any two tables without a model and flags a copy of the training data', async () => {
    const { table } = await readTable('fixtures/tables/palmerpenguins__penguins.csv');
    // The file is sorted by species: split at random, as the pipeline does.
    const split = splitTable(table, 0.5, 1);
    await writeTable(join(dir, 'real.csv'), split.train);
    await writeTable(join(dir, 'holdout.csv'), split.holdout!);
    expect(await cli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'real.csv'), '--holdout', join(dir, 'holdout.csv'), '--out', join(dir, 'eval'), '--outputs-anywhere', '-q')).toBe(0);
    const graded = JSON.parse(await readFile(join(dir, 'eval/report.json'), 'utf8'));
    // The report states the real table's missing cells and synthdiff's version, not placeholders.
    expect(graded.data.missingCells).toBe(split.train.columns.reduce((n, c) => n + missingCount(c), 0));
    expect(graded.data.missingCells).toBeGreaterThan(0);
    expect(graded.synthdiff).toBe(JSON.parse(await readFile('package.json', 'utf8')).version);
    const copy = graded.evaluation;
    expect(copy.privacy.dcrShare).toBeGreaterThan(0.95);
    expect(copy.privacy.exactCopyRate).toBe(1);
    expect(copy.fidelity.shapes.score).toBe(1);
    expect(stdout).toMatch(/DCR share\s+(0\.9|1\.0)/);
    // The holdout graded as "synthetic" looks like fresh data from the same source.
    expect(await cli('evaluate', '--real', join(dir, 'real.csv'), '--synthetic', join(dir, 'holdout.csv'), '--holdout', join(dir, 'holdout.csv'), '--out', join(dir, 'eval2'), '--outputs-anywhere', '-q')).toBe(0);
    const fresh = JSON.parse(await readFile(join(dir, 'eval2/report.json'), 'utf8')).evaluation;
    expect(fresh.detection.score).toBeGreaterThan(0.8);
    expect(fresh.outliers.method).toMatch(/Isolation Forest/);
  });

  it('names an unknown column in the spec', async () => {
    const spec = join(dir, 'badcol.yaml');
    await writeFile(spec, `version: 1\nname: x\nsource: { path: ${resolve('fixtures/tables/mice__nhanes.csv')} }\ncolumns: { agee: { kind: categorical } }\ntasks: [{ type: profile, output: { path: s.csv } }]\n`);
    expect(await cli('run', spec, '-q')).toBe(1);
    expect(stderr).toMatch(/agee/);
  });
});
