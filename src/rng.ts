/**
 * Seeded pseudo-random numbers. Seeds are explicit parameters, never module state, so the same spec and
 * seed give the same output.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** The generator's whole state: `resumeRng(state)` continues the stream exactly from here. */
  state(): RngState;
}

/** mulberry32's 32-bit word and Box–Muller's cached second normal (JSON-safe). */
export interface RngState {
  a: number;
  spare: number | null;
}

/** mulberry32 (Tommy Ettinger): a 32-bit state generator, fast and good enough for sampling/shuffling. */
export function createRng(seed: number): Rng {
  return resumeRng({ a: ((seed >>> 0) ^ 0x9e3779b9) >>> 0, spare: null });
}

/** A generator that continues exactly where the one whose `state()` this is stood. */
export function resumeRng(from: RngState): Rng {
  let a = from.a >>> 0;
  let spare: number | null = from.spare;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // Box–Muller; 1 - u keeps log away from 0.
      const u = 1 - next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    int(n: number) {
      return Math.floor(next() * n);
    },
    state: () => ({ a, spare }),
  };
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Derive an independent child seed (e.g. per task or shard) from a parent seed and a label. */
export function deriveSeed(seed: number, label: string | number): number {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  const s = String(label);
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return createRng(h).int(2 ** 31);
}
