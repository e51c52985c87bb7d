import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { runCli } from './helpers/cli.js';
import { quiet, writeText } from './helpers/files.js';

const dir = mkdtempSync(join(tmpdir(), 'synthdiff-comma-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string, text: string): string => writeText(dir, name, text);

/**
 * A spreadsheet in a decimal-comma locale that writes comma-separated files quotes the numbers ("1,5"):
 * the quoted column is text, and the note names the decimal comma and the fix, as for a ;-separated file.
 */
describe('quoted numbers with a decimal comma', () => {
  const text = 'x,y,codes\n"1,5",2,"a"\n"12",4,"b"\n"3,25",6,"1,2"\n';
  const note = (p: string) =>
    `${p}: column "x", data row 1: categorical because numbers such as "1,5" use a decimal comma, which is not read as a number; re-export the file with decimal points (R: write.csv rather than write.csv2; pandas: decimal=".")`;

  it('are named with the fix, whole numbers among them or not; a column with other labels is not', async () => {
    const p = tmp('quoted.csv', text);
    const { table, notes } = await readCsv(p, { log: quiet });
    expect(table.columns.map((c) => c.kind)).toEqual(['categorical', 'integer', 'categorical']);
    expect(notes).toEqual([note(p)]);
  });

  it('synthdiff inspect prints the note as a one-line warning', async () => {
    const p = tmp('quoted-cli.csv', text);
    const r = await runCli('inspect', p);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`warning: ${note(p)}\n`);
  });
});

/** Unquoted decimal commas in a comma-separated file split numbers into extra fields: the error names the possibility. */
describe('unquoted numbers with a decimal comma in a comma-separated file', () => {
  it('a row with more fields than the header names the number it may have split', async () => {
    const p = tmp('split.csv', 'weight\n1,5\n2,25\n');
    const r = await runCli('inspect', p);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: ${p}: line 2: expected 1 fields as in the header, got 2: an unquoted delimiter inside a field? If "1,5" is one number written with a decimal comma, re-export the file with decimal points (R: write.csv; pandas: decimal=".") or with ; between fields\n`,
    );
    // Extra fields that are not digits either side of a comma keep the plain message.
    const q = tmp('names.csv', 'id,name\n1,Smith, John\n');
    expect((await runCli('inspect', q)).stderr).toBe(`error: ${q}: line 2: expected 2 fields as in the header, got 3 (an unquoted delimiter inside a field?)\n`);
  });
});
