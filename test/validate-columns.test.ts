/**
 * `synthdiff validate` (and `run`, before training) read the source's header: a column the spec names
 * that is not there — an override, the efficacy target, a fixed column — fails at once, with a did-you-mean;
 * a fixed value the column never takes fails before training.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const CREDIT = resolve('fixtures/tables/modeldata__credit_data.csv');
const COLUMNS = 'Status, Seniority, Home, Time, Age, Marital, Records, Job, Expenses, Income, Assets, Debt, Amount, Price';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function spec(name: string, body: string): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, `version: 1\nname: ${name}\nsource: { path: ${CREDIT} }\nmodel: { steps: 5, width: 8, depth: 1, checkpoint: out/${name} }\n${body}`);
  return path;
}

describe('spec columns against the source header', () => {
  it.each([
    ['override', 'columns: { Inocme: { min: 0 } }\ntasks: []\n', `columns.Inocme: ${CREDIT} has no such column (did you mean "Income"?) (columns: ${COLUMNS})`],
    ['target', 'split: { holdout: 0.3 }\nevaluate: { efficacy: { target: status } }\ntasks: []\n', `evaluate.efficacy.target: ${CREDIT} has no such column (did you mean "Status"?) (columns: ${COLUMNS})`],
    ['fixed', 'tasks:\n  - { type: generate, rows: 5, fixed: { Hom: rent }, output: { path: out/s.csv } }\n', `tasks[0].fixed.Hom: ${CREDIT} has no such column (did you mean "Home"?) (columns: ${COLUMNS})`],
    ['dropped', 'columns: { Status: { drop: true } }\nsplit: { holdout: 0.3 }\nevaluate: { efficacy: { target: Status } }\ntasks: []\n', 'evaluate.efficacy.target: column "Status" has drop: true in columns, so the model never sees it'],
  ])('%s: validate and run fail in one line, before training or writing', async (name, body, message) => {
    const s = await spec(name, body);
    for (const cmd of ['validate', 'run']) {
      const r = await runCli(...(cmd === 'run' ? [cmd, s, '-q'] : [cmd, s]));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: ${message}\n`);
    }
    expect(existsSync(join(dir, 'out', name))).toBe(false);
  });

  it('a fixed value the column never takes fails before training', async () => {
    const s = await spec('value', 'tasks:\n  - { type: generate, rows: 5, fixed: { Home: rnet }, output: { path: out/s.csv } }\n');
    expect((await runCli('validate', s)).code).toBe(0);
    const r = await runCli('run', s, '-q');
    expect(r.stderr).toBe('error: tasks[0].fixed.Home: "rnet" is not a value of the column (did you mean "rent"?) (values: ignore, other, owner, parents, priv, rent)\n');
    expect(existsSync(join(dir, 'out', 'value'))).toBe(false);
  });
});
