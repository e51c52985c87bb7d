/**
 * Seeded byte mutations for fuzzing readers (bench/fuzz.ts and test/fuzz-io.test.ts): flip, delete,
 * duplicate, truncate (near the end more often: most of a real file's structure survives) or insert
 * random bytes or format tokens.
 */
import type { Rng } from '../src/rng.js';

export function mutate(bytes: Uint8Array, rng: Rng, tokens: readonly string[]): Uint8Array {
  const out = Array.from(bytes);
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(tokens.length ? 6 : 5)) {
      case 0:
        if (out.length) out[Math.min(at, out.length - 1)] = rng.int(256);
        break;
      case 1:
        out.splice(at, 1 + rng.int(16));
        break;
      case 2:
        out.splice(at, 0, ...out.slice(at, at + 1 + rng.int(64)));
        break;
      case 3:
        // Truncate near the end more often than near the start: most of a real file's structure survives.
        out.length = Math.min(out.length, Math.max(at, out.length - 1 - rng.int(256)));
        break;
      case 4:
        out.splice(at, 0, ...Array.from({ length: 1 + rng.int(8) }, () => rng.int(256)));
        break;
      default:
        out.splice(at, 0, ...Buffer.from(tokens[rng.int(tokens.length)]!, 'latin1'));
    }
  }
  return Uint8Array.from(out);
}
