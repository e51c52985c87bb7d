/**
 * Multiple imputation as mice users practise it: an impute task's `completed` output holds the input and
 * the m completed datasets in mice's long format (.imp, .id), which R's mice reads back with as.mids and
 * pools with Rubin's rules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { readTable } from '../src/io/table-io.js';
import { longFormat } from '../src/table/long.js';
import { cellValue, isMissing, missingCount, type Table } from '../src/table/table.js';
import { runCli } from './helpers/cli.js';

const NHANES = resolve('fixtures/tables/mice__nhanes.csv');
const quiet = { log: { info() {} } };
const hasMice = spawnSync('Rscript', ['-e', 'suppressMessages(library(mice))'], { stdio: 'ignore' }).status === 0;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-completed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (model: string) => `version: 1
name: nhanes-mi
seed: 4
source: { path: ${NHANES} }
model: { device: cpu, backend: wasm, steps: 40, width: 32, depth: 2, samplerSteps: 6${model} }
tasks:
  - { type: impute, engine: diffusion, draws: 3, output: { path: out/imputed.csv }, completed: { path: out/completed.csv } }
`;

/** Rows [k·n, (k+1)·n) of the long table's columns after .imp and .id. */
function block(long: Table, k: number, n: number): Table {
  return { nRows: n, columns: long.columns.slice(2).map((c) => ('codes' in c ? { ...c, codes: c.codes.slice(k * n, (k + 1) * n) } : { ...c, values: c.values.slice(k * n, (k + 1) * n) })) };
}

describe('impute task: completed (mice long format)', () => {
  it('writes the input as .imp 0 and the m draws as .imp 1..m; the pooled output is their mean', async () => {
    await writeFile(join(dir, 'mi.yaml'), spec(''));
    expect((await runCli('run', join(dir, 'mi.yaml'), '-q')).code).toBe(0);
    const input = (await readTable(NHANES, quiet)).table;
    const long = (await readTable(join(dir, 'out/completed.csv'), quiet)).table;
    const pooled = (await readTable(join(dir, 'out/imputed.csv'), quiet)).table;
    const n = input.nRows;
    expect(long.nRows).toBe(4 * n);
    expect(long.columns.map((c) => c.name)).toEqual(['.imp', '.id', 'age', 'bmi', 'hyp', 'chl']);
    expect(Array.from({ length: 4 * n }, (_, r) => cellValue(long.columns[0]!, r))).toEqual(Array.from({ length: 4 * n }, (_, r) => Math.floor(r / n)));
    expect(Array.from({ length: 4 * n }, (_, r) => cellValue(long.columns[1]!, r))).toEqual(Array.from({ length: 4 * n }, (_, r) => (r % n) + 1));
    const draws = [1, 2, 3].map((k) => block(long, k, n));
    expect(block(long, 0, n).columns.map(missingCount)).toEqual(input.columns.map(missingCount));
    input.columns.forEach((c, j) => {
      for (let i = 0; i < n; i++) {
        const drawn = draws.map((d) => cellValue(d.columns[j]!, i) as number);
        expect(cellValue(block(long, 0, n).columns[j]!, i)).toBe(cellValue(c, i));
        if (!isMissing(c, i)) for (const v of drawn) expect(v).toBe(cellValue(c, i));
        else {
          expect(drawn.every((v) => v !== null)).toBe(true);
          // The pooled table is the draws' mean (integers too, as the intervals' estimate).
          expect(cellValue(pooled.columns[j]!, i) as number).toBeCloseTo(drawn.reduce((s, v) => s + v, 0) / 3, 6);
        }
      }
    });
  }, 60_000);

  it.skipIf(!hasMice)("R's mice reads it with as.mids and pools an analysis with Rubin's rules", () => {
    const r = `suppressMessages(library(mice)); long <- read.csv(${JSON.stringify(join(dir, 'out/completed.csv'))}, check.names = FALSE)
imp <- as.mids(long); p <- summary(pool(with(imp, lm(chl ~ age + bmi))))
cat(imp$m, nrow(p), all(is.finite(p$std.error)), sum(is.na(complete(imp, 2))), "\\n")`;
    expect(execFileSync('Rscript', ['-e', r], { encoding: 'utf8' }).trim()).toBe('3 3 TRUE 0');
  });

  it('is refused where rows stream (model.trainRows), and where a column is already called .imp', async () => {
    await writeFile(join(dir, 'stream.yaml'), spec(', trainRows: 20'));
    const r = await runCli('run', join(dir, 'stream.yaml'), '-q');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: tasks[0].completed: the completed datasets are written by in-memory runs only (model.trainRows streams the source); drop completed or run without it');
    const t: Table = { nRows: 1, columns: [{ name: '.imp', kind: 'numeric', values: Float64Array.of(1) }] };
    expect(() => longFormat(t, [t])).toThrow(new DataError('the table already has a column ".imp"; the long format adds .imp and .id (rename that column)'));
  });
});
