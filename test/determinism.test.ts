/**
 * Same seed + same thread count → byte-identical outputs: training and sampling run twice in fresh
 * processes (the wasm thread pool is fixed per process) at 1 and at 2 threads, and the SHA-256 of the
 * trained weights and of each sampler's generated table must match between the two runs (and, as measured,
 * between 1 and 2 threads).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function run(threads: number): Record<string, string | number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/determinism-run.ts')], {
    encoding: 'utf8',
    env: { ...process.env, SYNTHDIFF_THREADS: String(threads) },
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`determinism-run (${threads} threads) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string | number>;
}

describe('determinism', () => {
  it('two runs with the same seed and thread count give byte-identical weights and samples (1 and 2 threads)', () => {
    const [a1, b1, a2, b2] = [run(1), run(1), run(2), run(2)];
    expect([a1.threads, a2.threads]).toEqual([1, 2]);
    expect(b1).toEqual(a1);
    expect(b2).toEqual(a2);
    // XNNPACK gives each output element to one thread, so the thread count does not change the values either.
    expect({ ...a2, threads: 1 }).toEqual(a1);
  }, 300_000);
});
