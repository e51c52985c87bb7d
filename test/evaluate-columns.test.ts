import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

// Three slices of modeldata__credit_data (fixtures/): real, holdout, and a stand-in "synthetic" table whose
// 0/1 column arrives quoted (as some writers do) while the real one's is not, plus an id to leave out.
let dir = '';
const file = (n: string) => join(dir, n);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eval-columns-'));
  const [head, ...rows] = (await readFile(resolve('fixtures/tables/modeldata__credit_data.csv'), 'utf8')).trim().split('\n');
  const flag = (r: string) => (r.includes('"yes"') ? 1 : 0);
  const write = (name: string, part: string[], quoted: boolean) =>
    writeFile(file(name), `"id",${head},"flag"\n${part.map((r, i) => `${i},${r},${quoted ? `"${flag(r)}"` : flag(r)}`).join('\n')}\n`);
  await write('real.csv', rows.slice(0, 600), false);
  await write('holdout.csv', rows.slice(600, 1200), false);
  await write('synthetic.csv', rows.slice(1200, 1800), true);
  await writeFile(file('columns.yaml'), 'columns:\n  id: { drop: true }\n  flag: { kind: categorical }\n');
});

describe('synthdiff evaluate --columns / --target', () => {
  it('without --columns a 0/1 column quoted in one file is refused in one line; with them the tables are read alike', async () => {
    const no = await runCli('evaluate', '--real', file('real.csv'), '--synthetic', file('synthetic.csv'), '-q');
    expect(no.code).not.toBe(0);
    expect(no.stderr).toBe(`error: ${file('synthetic.csv')}: column "flag" is categorical, in the real table it is integer\n`);

    const yes = await runCli('evaluate', '--real', file('real.csv'), '--synthetic', file('synthetic.csv'), '--holdout', file('holdout.csv'), '--columns', file('columns.yaml'), '--target', 'Status', '--json', '-q');
    expect(yes.code, yes.stderr).toBe(0);
    const report = JSON.parse(yes.stdout);
    const names = report.data.schema.columns.map((c: { name: string }) => c.name);
    expect(names).not.toContain('id');
    expect(report.data.schema.columns.find((c: { name: string }) => c.name === 'flag').kind).toBe('categorical');
    expect(report.evaluation.efficacy.target).toBe('Status');
  }, 120_000);

  it('--target needs a holdout and a column of the real table; a bad columns file fails in one line', async () => {
    const a = await runCli('evaluate', '--real', file('real.csv'), '--synthetic', file('synthetic.csv'), '--target', 'Status', '-q');
    expect(a.stderr).toBe('error: --target: ML efficacy tests models trained on real and on synthetic rows against held-out real rows; pass --holdout\n');
    const b = await runCli('evaluate', '--real', file('real.csv'), '--synthetic', file('synthetic.csv'), '--holdout', file('holdout.csv'), '--columns', file('columns.yaml'), '--target', 'Statsu', '-q');
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/^error: --target Statsu: .*real.csv has no such column \(did you mean "Status"\?\)/);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    await writeFile(file('bad.yaml'), 'columns:\n  flag: { kind: label }\n');
    const c = await runCli('evaluate', '--real', file('real.csv'), '--synthetic', file('synthetic.csv'), '--columns', file('bad.yaml'), '-q');
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/^error: .*bad\.yaml: columns\.flag\.kind/);
    expect(c.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
