import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { readTable } from '../src/io/table-io.js';

const BROKEN = 'fixtures/broken';

// The substring each broken input's DataError must contain (also listed in fixtures/broken/README.md).
const EXPECTED: Record<string, string> = {
  'bad-quote-unclosed.csv': 'line 3: a quoted field opened in this record is never closed',
  'bad-quote-multiline.csv': 'line 4 (in the record that starts on line 3): text after a closing quote',
  'bad-quote-after-closing.csv': 'line 3: text after a closing quote',
  'bad-quote-in-field.csv': 'line 3: a quote inside an unquoted field',
  'ragged-long.csv': 'line 4: expected 3 fields as in the header, got 4',
  'ragged-short.csv': 'line 3: expected 3 fields as in the header, got 2',
  'empty.csv': 'file is empty; expected a header line of column names',
  'blank-lines.csv': 'file is empty',
  'header-only.csv': 'line 1: header only, no data rows',
  'binary-junk.csv': 'line 2: NUL byte at offset 6; this is a binary file, not CSV text',
  'latin1.csv': 'line 2: byte 0xfc at offset 13 is not valid UTF-8',
  'utf16.csv': 'is UTF-16 text; re-save it as UTF-8',
  'gzipped.csv': 'is gzip-compressed; decompress it first',
  'duplicate-header.csv': 'line 1: column name "a" appears twice (columns 1 and 3)',
  'empty-header.csv': 'line 1: column 1 has an empty name (a row-names column?',
  'not-arrow.arrow': 'not Arrow IPC data',
  'truncated.arrow': 'corrupt or truncated Arrow file',
  'truncated.arrows': 'corrupt or truncated Arrow stream',
};

async function failure(path: string): Promise<Error> {
  try {
    await readTable(path);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${path} was read without error`);
}

describe('broken inputs', () => {
  it('covers every file in fixtures/broken', () => {
    const files = readdirSync(BROKEN).filter((f) => f !== 'README.md').sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s → DataError "%s"', async (file, substring) => {
    const path = `${BROKEN}/${file}`;
    const err = await failure(path);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message.startsWith(`${path}: `)).toBe(true);
    expect(err.message).toContain(substring);
    expect(err.message).not.toContain('\n');
  });
});

describe('unreadable paths', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synthdiff-broken-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says when the file does not exist or is a directory', async () => {
    expect((await failure(join(dir, 'missing.csv'))).message).toBe(`${join(dir, 'missing.csv')}: file not found`);
    const sub = join(dir, 'folder.csv');
    mkdirSync(sub);
    expect((await failure(sub)).message).toBe(`${sub}: not a regular file; expected a CSV file`);
    expect((await failure(join(dir, 'missing.arrow'))).message).toBe(`${join(dir, 'missing.arrow')}: file not found`);
  });

  // Root reads any file whatever its mode, so there is nothing to check there.
  it.skipIf(process.getuid?.() === 0)('says when the file is not readable', async () => {
    const locked = join(dir, 'locked.csv');
    writeFileSync(locked, 'a\n1\n');
    chmodSync(locked, 0);
    expect((await failure(locked)).message).toBe(`${locked}: permission denied`);
  });

  it('names the other formats it recognises under a .csv name', async () => {
    const cases: [string, number[], string][] = [
      ['x.csv', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2], 'is xz-compressed'],
      ['book.csv', [0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0], 'is a zip archive (an .xlsx workbook?)'],
      ['t.csv', [...Buffer.from('ARROW1'), 0, 0], "is an Arrow IPC file; read it as format 'arrow'"],
      ['p.csv', [...Buffer.from('PAR1'), 0, 0], 'is a Parquet file'],
    ];
    for (const [name, bytes, text] of cases) {
      const p = join(dir, name);
      writeFileSync(p, Uint8Array.from(bytes));
      const err = await failure(p);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message.startsWith(`${p}: ${text}`), err.message).toBe(true);
    }
  });
});
