/**
 * Thin wrappers over the external DICOM validators the tests use when installed: dicom3tools'
 * dciodvfy (IOD conformance) and dcmtk's dcmftest / dcmdump (Part 10 structure, independent parse).
 * CI installs both (`.ci/run`); locally, tests that need them skip with a message.
 */
import { spawnSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

export const HAVE_DICOM3TOOLS = hasTool('dciodvfy');
export const HAVE_DCMTK = hasTool('dcmftest') && hasTool('dcmdump');

export function skipNote(tool: string, have: boolean): string {
  return have ? '' : ` (SKIPPED: ${tool} not installed; CI installs it via .ci/run)`;
}

export interface IodReport {
  errors: string[];
  warnings: string[];
  output: string;
}

/** Run dciodvfy; its verdicts are the lines starting with `Error` / `Warning` (it prints to stderr). */
export function dciodvfy(path: string): IodReport {
  const r = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  const lines = output.split('\n');
  return {
    errors: lines.filter((l) => l.startsWith('Error')),
    warnings: lines.filter((l) => l.startsWith('Warning')),
    output,
  };
}

/** dcmftest prints `yes: <file>` and exits 0 for a valid Part 10 file. */
export function dcmftest(path: string): { ok: boolean; output: string } {
  const r = spawnSync('dcmftest', [path], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && output.startsWith('yes:'), output };
}

export function dcmdump(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('dcmdump', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
