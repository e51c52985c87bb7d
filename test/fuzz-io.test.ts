/**
 * A short fuzz corpus over CSV and Arrow (issue 17): seeded mutants of small fixture files go through
 * the whole-table and the batch readers. Each must read, or fail with a one-line DataError that names
 * the file; none may crash with another error, hang, or grow memory without bound.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { tableToArrowBytes } from '../src/io/arrow.js';
import { readCsv } from '../src/io/csv.js';
import { readTable } from '../src/io/table-io.js';
import { readTableBatches } from '../src/io/table-stream.js';
import { createRng } from '../src/rng.js';
import { mutate } from '../bench/mutate.js';

const MUTANTS_PER_SEED = 70; // × 3 seed files = 210 mutants
const HANG_MS = 5_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthdiff-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CSV_TOKENS = ['"', '""', ',', ';', '\t', '\n', '\r\n', '\r', 'NA', '-0', '9007199254740993', '\u00e9', '\xff', '\u0000', '\ufeff'];


async function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} took over ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Undefined when both readers read the file, else the first failure's message; throws on a crash. */
async function attempt(path: string, columns: { name: string; kind: 'numeric' | 'integer' | 'categorical' }[]): Promise<string | undefined> {
  const fault = (e: unknown): string => {
    if (!(e instanceof DataError)) throw new Error(`${path}: crash: ${(e as Error)?.stack ?? String(e)}`);
    return e.message;
  };
  let message: string | undefined;
  try {
    await withDeadline(readTable(path, { log: { info() {} } }), `readTable ${path}`);
  } catch (e) {
    message = fault(e);
  }
  try {
    await withDeadline(
      (async () => {
        for await (const _ of readTableBatches(path, undefined, { columns, batchRows: 16, log: { info() {} } }));
      })(),
      `readTableBatches ${path}`,
    );
  } catch (e) {
    message ??= fault(e);
    expect(fault(e).startsWith(`${path}: `)).toBe(true);
  }
  return message;
}

describe('fuzzed CSV and Arrow inputs', () => {
  it(`${3 * MUTANTS_PER_SEED} mutants: no crash, no hang, one-line errors naming the file, bounded memory`, async () => {
    const csvText = readFileSync('fixtures/fuzz/penguins-40.csv');
    const { table } = await readCsv('fixtures/fuzz/penguins-40.csv');
    const columns = table.columns.map((c) => ({ name: c.name, kind: c.kind === 'integer' || c.kind === 'numeric' ? c.kind : ('categorical' as const) }));
    const seeds: [string, Uint8Array, boolean][] = [
      ['csv', csvText, true],
      ['arrow', tableToArrowBytes(table, 'file'), false],
      ['arrows', tableToArrowBytes(table, 'stream'), false],
    ];
    const rss0 = process.memoryUsage().rss;
    let failures = 0;
    let reads = 0;
    for (const [ext, bytes, csv] of seeds) {
      const rng = createRng(17 + ext.length);
      for (let i = 0; i < MUTANTS_PER_SEED; i++) {
        const path = join(dir, `m${i}.${ext}`);
        writeFileSync(path, mutate(bytes, rng, csv ? CSV_TOKENS : []));
        const message = await attempt(path, columns);
        if (message === undefined) {
          reads++;
          continue;
        }
        failures++;
        expect(message.startsWith(`${path}: `), message).toBe(true);
        expect(message, message).not.toContain('\n');
        // Library text is translated into places, not passed through.
        expect(message, message).not.toMatch(/Cannot (destructure|read prop)|undefined|is not a function|RangeError|Offset is outside/);
      }
    }
    expect(reads + failures).toBe(3 * MUTANTS_PER_SEED);
    expect(failures).toBeGreaterThan(50);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(512 * 2 ** 20);
  }, 120_000);
});

describe('Arrow files the library hangs on (found by bench/fuzz.ts, issue 17)', () => {
  it.each([
    ['a dictionary block whose metadata overruns itself (9-18 s)', 'fixtures/fuzz/dictionary-block-overrun.arrow'],
    ['a record batch block at a message of no type (no answer in 100 s)', 'fixtures/fuzz/message-of-no-type.arrow'],
  ])('%s: refused by both readers in well under a second, naming the file', async (_what, path) => {
    for (const read of [() => readTable(path), async () => {
      for await (const _ of readTableBatches(path, undefined, { columns: [], batchRows: 16 }));
    }]) {
      const t0 = performance.now();
      await expect(read()).rejects.toThrow(new DataError(`${path}: corrupt or truncated Arrow file: the footer or schema cannot be decoded`));
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});
