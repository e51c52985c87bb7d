import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The train-step bench's PyTorch reference (bench/peers/torch_step.py) on the cores it is given. Debian's
 * PyTorch multiplies through OpenBLAS, whose pool `torch.set_num_threads` does not size: before the script
 * sized it, its "1 thread" step ran the GEMMs on every core, and every ours/PyTorch ratio was against two
 * cores. Skipped where the Debian PyTorch is not installed (CI installs only what the tests need).
 */
const PYTHON = process.env.SYNTHDIFF_TORCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = resolve('bench/peers/torch_step.py');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
/** Whether torch's process maps OpenBLAS (Debian's does, as libblas.so.3): then its pool must be read back. */
const openBlas = hasTorch && spawnSync(PYTHON, ['-c', "import torch; print('openblas' in open('/proc/self/maps').read())"], { encoding: 'utf8' }).stdout.trim() === 'True';

function peer(threads: number): Record<string, any> {
  const r = spawnSync(PYTHON, [SCRIPT, '--dim', '8', '--width', '32', '--depth', '2', '--batch', '64', '--reps', '3', '--threads', String(threads)], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '7' } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('PyTorch train-step reference', () => {
  it.skipIf(!hasTorch)('sizes the BLAS pool from --threads, whatever the environment says, and reports the cores it used', () => {
    const one = peer(1);
    expect(one.threads).toBe(1);
    expect(one.intraOpThreads).toBe(1);
    // null only where torch's BLAS is not OpenBLAS (nothing then to size).
    if (openBlas) expect(one.blasThreads).not.toBeNull();
    if (one.blasThreads !== null) expect(one.blasThreads).toBe(1);
    expect(one.cpuPerWall).toBeGreaterThan(0);
    expect(one.tried).toHaveLength(1);

    const two = peer(2);
    expect(two.threads).toBe(2);
    if (two.blasThreads !== null) expect(two.blasThreads).toBe(2);
    // Its own pool at 2 and at 1, the faster kept.
    expect(two.tried.map((t: { intraOpThreads: number }) => t.intraOpThreads)).toEqual([2, 1]);
    expect(two.stepMs).toBe(Math.min(...two.tried.map((t: { stepMs: number }) => t.stepMs)));
  }, 120_000);
});
