/**
 * model.threads and the CLI's --threads (issue 12): the wasm backend runs on the count asked for, the CLI
 * wins over the spec, the report says which count ran, and the output bytes do not depend on it.
 * Fresh processes: a backend's thread pool is fixed once it starts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const NHANES = resolve(import.meta.dirname, '../fixtures/tables/mice__nhanes.csv');

function spec(dir: string, threads?: number | 'all'): string {
  const path = join(dir, 'spec.json');
  const model = { steps: 30, width: 32, depth: 2, ...(threads !== undefined ? { threads } : {}) };
  writeFileSync(path, JSON.stringify({ version: 1, name: 'threads', seed: 3, source: { path: NHANES }, model, tasks: [{ type: 'generate', rows: 40, output: { path: 'out.csv' } }], report: { dir: 'rep', html: false } }));
  return path;
}

function run(dir: string, ...args: string[]): { threads: number; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', spec(dir, args[0] === 'spec2' ? 2 : undefined), '-q', ...args.slice(1)], { cwd: resolve(import.meta.dirname, '..'), encoding: 'utf8', env: { ...process.env, SYNTHDIFF_THREADS: '' } });
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(dir, 'rep', 'report.json'), 'utf8')) as { backend: { threads: number } };
  return { threads: report.backend.threads, out: readFileSync(join(dir, 'out.csv'), 'utf8') };
}

describe('threads', () => {
  it('model.threads: 2 runs on 2 threads, --threads 1 wins over it, and the outputs are byte-identical', () => {
    const a = run(mkdtempSync(join(tmpdir(), 'thr-')), 'spec2');
    const b = run(mkdtempSync(join(tmpdir(), 'thr-')), 'spec2', '--threads', '1');
    const c = run(mkdtempSync(join(tmpdir(), 'thr-')), 'none');
    expect([a.threads, b.threads, c.threads]).toEqual([2, 1, 1]);
    expect(a.out).toBe(b.out);
    expect(b.out).toBe(c.out);
  }, 120_000);

  it('refuses a thread count that is not a positive integer or "all", in the CLI and in the spec', async () => {
    const bad = await runCli('run', 'x.json', '--threads', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`option '--threads <n|all>' argument '0' is invalid. expected a positive integer or "all"`);
    const dir = mkdtempSync(join(tmpdir(), 'thr-'));
    const path = spec(dir);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"steps":30', '"steps":30,"threads":"many"'));
    const v = await runCli('validate', path);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/model\.threads/);
  });
});
