import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Write a file so that readers see either the old content or the new, never a half-written file:
 * write a sibling temp file, then rename over the target (atomic within one filesystem).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = await freshTempSibling(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

// Temp names carry their writer: `.<name>.tmp-<host>-<pid>-<random>`, so a later run can tell a killed
// writer's leftovers (same host, process gone) from a live writer's file, and only removes the former.
const HOST = hostname().replace(/[^A-Za-z0-9_]/g, '_') || 'host';
const TEMP_RE = /\.tmp-([A-Za-z0-9_]+)-(\d+)-[0-9a-f]{8}$/;

/** A temp path beside `path`, matched by the `*.tmp-*` ignore rule, naming this host and process. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** `tempSibling`, after removing the stale temp files of earlier writers of `path` (see removeStaleTemps). */
export async function freshTempSibling(path: string): Promise<string> {
  await removeStaleTemps(path);
  return tempSibling(path);
}

/**
 * Remove temp siblings of `path` left by killed writers: only names this module makes, written on this
 * host by a process that no longer exists. Another live process's temp file, one from another host
 * (a shared filesystem) or one in an older naming cannot be proven stale and is left alone. Returns
 * the removed paths; never fails the write it precedes.
 */
export async function removeStaleTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = TEMP_RE.exec(name.slice(prefix.length - '.tmp-'.length));
    if (!m || m[1] !== HOST) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      await rm(join(dir, name), { force: true });
      removed.push(join(dir, name));
    } catch {
      // Someone else removed or locked it: nothing to clean.
    }
  }
  return removed;
}

/** Whether a process with this id exists on this host (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
