/**
 * Big test tables from AER__Fertility (254,654 rows × 8 columns, no missing cells): the file repeated
 * to any number of rows, with a seeded share of cells blanked so imputation has holes to fill.
 * Generated in a temp folder by the tests that need it; never committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createRng } from '../../src/rng.js';

export const FERTILITY_XZ = 'fixtures/tables/AER__Fertility.csv.xz';

/** Why the big-table tests cannot run here, or undefined when they can. */
export function fertilityUnavailable(): string | undefined {
  if (spawnSync('xz', ['--version']).status !== 0) return 'xz is not installed';
  if (!existsSync(FERTILITY_XZ)) return `${FERTILITY_XZ} not found`;
  return undefined;
}

/** Write `rows` data rows: the original rows in order, over and over, each cell blank with probability `holes`. */
export async function writeFertility(path: string, rows: number, opts: { holes?: number; seed?: number } = {}): Promise<void> {
  const text = execFileSync('xz', ['-dkc', FERTILITY_XZ], { maxBuffer: 64 << 20 }).toString('utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const header = lines[0]!;
  const data = lines.slice(1);
  const holes = opts.holes ?? 0;
  const rng = createRng(opts.seed ?? 1);
  const out = createWriteStream(path);
  let buf = `${header}\n`;
  for (let r = 0; r < rows; r++) {
    const line = data[r % data.length]!;
    // No field in this file holds a comma, so splitting on commas is exact.
    buf += holes > 0 ? `${line.split(',').map((f) => (rng.next() < holes ? '' : f)).join(',')}\n` : `${line}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
