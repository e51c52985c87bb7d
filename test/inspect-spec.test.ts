import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-inspect-spec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `synthdiff inspect data --spec`: a columns: block to paste, identifiers and constant columns dropped with why. */
describe('inspect --spec', () => {
  it('flags pbc id as an identifier and integer codes, and the block validates as a spec', async () => {
    const r = await runCli('inspect', 'fixtures/tables/survival__pbc.csv', '--spec');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('# columns of fixtures/tables/survival__pbc.csv as read (418 rows): paste into a pipeline spec and edit');
    expect(lines).toContain('  id: { drop: true }          # id-like: 418 distinct values in 418 rows; kind: passthrough keeps it beside imputed rows');
    expect(lines).toContain('  stage: { kind: integer }    # possibly categorical: 4 distinct integer codes; kind: categorical if they are labels');
    expect(lines).toContain('  age: { kind: numeric }');
    const { columns } = parse(r.stdout) as { columns: Record<string, object> };
    expect(Object.keys(columns)).toHaveLength(20);
    const spec = join(dir, 'pbc.yaml');
    await writeFile(spec, `version: 1\nname: pasted\nsource: { path: ${resolve('fixtures/tables/survival__pbc.csv')} }\n${r.stdout}`);
    expect((await runCli('validate', spec)).code).toBe(0);
  });

  it('drops constant and empty columns, quotes names YAML would misread', async () => {
    const csv = join(dir, 'odd.csv');
    const rows = Array.from({ length: 12 }, (_, i) => `P${String(i + 1).padStart(3, '0')},${i % 3},x,,${20 + (i % 5)},${i * 7}`);
    await writeFile(csv, `patient,yes,site,empty,my col,score\n${rows.join('\n')}\n`);
    const r = await runCli('inspect', csv, '--spec');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `# columns of ${csv} as read (12 rows): paste into a pipeline spec and edit`,
        'columns:',
        '  patient: { drop: true }      # id-like: 12 distinct values in 12 rows; kind: passthrough keeps it beside imputed rows',
        '  "yes": { kind: integer }     # possibly categorical: 3 distinct integer codes; kind: categorical if they are labels',
        '  site: { drop: true }         # constant: "x" in every row',
        '  empty: { drop: true }        # empty: every cell is missing',
        '  "my col": { kind: integer }  # possibly categorical: 5 distinct integer codes; kind: categorical if they are labels',
        '  score: { kind: integer }',
        '',
      ].join('\n'),
    );
    expect(Object.keys((parse(r.stdout) as { columns: object }).columns)).toEqual(['patient', 'yes', 'site', 'empty', 'my col', 'score']);
    const both = await runCli('inspect', csv, '--spec', '--json');
    expect(both.code).toBe(1);
    expect(both.stderr).toBe('error: --json and --spec: pick one (the schema as JSON, or a spec columns: block)\n');
  });
});
