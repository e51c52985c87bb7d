import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';

/**
 * Write a file so that readers see either the old content or the new, never a half-written file:
 * write a sibling temp file, then rename over the target (atomic within one filesystem).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = await prepareTemp(path);
  try {
    await writeFile(tmp, data);
    await renameOver(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw writeError(path, e);
  }
}

/** Make `path`'s folder and return a fresh temp sibling to write (see freshTempSibling); faults as writeError says. */
export async function prepareTemp(path: string): Promise<string> {
  try {
    await mkdir(dirname(path), { recursive: true });
    return await freshTempSibling(path);
  } catch (e) {
    throw writeError(path, e);
  }
}

/** The last step of an atomic write: the finished temp file takes `path`'s name; faults as writeError says. */
export async function renameOver(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (e) {
    throw writeError(path, e);
  }
}

/**
 * A filesystem fault met while writing `path` as a one-line DataError naming it (a folder where the file
 * goes, a file in the way of its folder, no permission, a full disk); anything else passes through.
 */
export function writeError(path: string, e: unknown): unknown {
  if (e instanceof DataError) return e;
  switch ((e as NodeJS.ErrnoException | undefined)?.code) {
    case 'EISDIR':
      return new DataError(messages.writeIsFolder(path));
    case 'ENOTDIR':
    case 'EEXIST':
      return new DataError(messages.writeFileInTheWay(path));
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new DataError(messages.writePermissionDenied(path));
    case 'ENOSPC':
    case 'EDQUOT':
      return new DataError(messages.writeNoSpace(path));
    default:
      return e;
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
