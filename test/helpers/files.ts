import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A logger that drops notes (readers take `{ log }`). */
export const quiet = { info() {} };

/** Write `text` to `dir/name` and return the path. */
export function writeText(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
