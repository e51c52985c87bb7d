import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** Run the CLI in-process, capturing what it writes; returns the exit code it would exit with. */
export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

let specs = 0;
/** Write `spec` as a JSON file of its own in `dir` (relative paths in it resolve there); returns its path. */
export async function writeSpec(dir: string, spec: object): Promise<string> {
  const path = join(dir, `spec-${++specs}.json`);
  await writeFile(path, JSON.stringify(spec));
  return path;
}

/** `synthdiff run` a spec written by writeSpec, with any extra CLI arguments. */
export async function runSpec(dir: string, spec: object, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli('run', await writeSpec(dir, spec), ...args);
}

/** A fresh temporary folder, removed when the test finishes. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * `synthdiff run` a spec in `dir` (relative paths resolve there), its report written to report/ without HTML,
 * with any extra CLI arguments: the exit, log and report.json (empty when the run failed).
 */
export async function runSpecInDir(dir: string, spec: object, ...args: string[]): Promise<{ code: number; stderr: string; report: Record<string, any> }> {
  const r = await runSpec(dir, { report: { dir: 'report', html: false }, ...spec }, ...args);
  const report = r.code === 0 ? JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8')) : {};
  return { code: r.code, stderr: r.stderr, report };
}

/** runSpecInDir in a fresh temporary folder (tempDir), which it also returns. */
export async function runSpecInTempDir(prefix: string, spec: object, ...args: string[]): Promise<{ dir: string; code: number; stderr: string; report: Record<string, any> }> {
  const dir = await tempDir(prefix);
  return { dir, ...(await runSpecInDir(dir, spec, ...args)) };
}
