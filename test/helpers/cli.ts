import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vi } from 'vitest';
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
