/**
 * Where a run writes, checked before it writes anything: every output (task outputs and intervals,
 * `model.checkpoint`, `report.dir`) stays inside the spec's folder or its `outputDir` unless the spec
 * says `outputsAnywhere: true`; no output lands on an input (the source, an impute task's `input`); no
 * two outputs share a path; and each output's path can be written (a table output is not a folder, no
 * output sits under a regular file). `synthdiff validate` prints the list; every run checks it first.
 *
 * Paths are compared after resolving symbolic links of the parts that exist, so a link inside the
 * folder that points out of it does not let an output escape.
 *
 * A spec built in code (no spec file) confines its outputs only when it names `outputDir`: its "folder"
 * would be the process's working directory, which says nothing about where the caller meant to write.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { SpecError } from '../errors.js';
import { messages } from '../messages.js';
import { synthesizeFormat, type NormalizedSpec } from '../spec/normalize.js';

export interface OutputTarget {
  /** The spec key that names it, as users read their spec: `tasks[1].output.path`, `report.dir`. */
  what: string;
  /** Absolute. */
  path: string;
  /** A table file, or a folder the run fills (DICOM outputs, a checkpoint, the report). */
  kind: 'file' | 'folder';
}

/** Every path a run of this spec writes to, in spec order. */
export function outputTargets(ns: NormalizedSpec): OutputTarget[] {
  const { spec } = ns;
  const out: OutputTarget[] = [];
  spec.tasks.forEach((t, i) => {
    // A synthetic NIfTI volume is one file; DICOM outputs are folders of files.
    const folder = (t.type === 'synthesize' && synthesizeFormat(t.output) === 'dicom') || t.type === 'deidentify';
    out.push({ what: `tasks[${i}].output.path`, path: t.output.path, kind: folder ? 'folder' : 'file' });
    if (t.type === 'impute' && t.intervals) out.push({ what: `tasks[${i}].intervals.path`, path: t.intervals.path, kind: 'file' });
    if (t.type === 'impute' && t.completed) out.push({ what: `tasks[${i}].completed.path`, path: t.completed.path, kind: 'file' });
  });
  if (spec.model.checkpoint) out.push({ what: 'model.checkpoint', path: spec.model.checkpoint, kind: 'folder' });
  if (spec.report) {
    out.push({ what: 'report.dir', path: spec.report.dir, kind: 'folder' });
    out.push({ what: 'report.dir (report.json)', path: join(spec.report.dir, 'report.json'), kind: 'file' });
    if (spec.report.html) out.push({ what: 'report.dir (report.html)', path: join(spec.report.dir, 'report.html'), kind: 'file' });
  }
  return out;
}

/** The folder outputs must stay inside; undefined when they may go anywhere (see the module comment). */
export function outputRoot(ns: NormalizedSpec): string | undefined {
  if (ns.spec.outputs.anywhere) return undefined;
  if (!ns.specFile && ns.written.outputDir === undefined) return undefined;
  return ns.spec.outputs.dir;
}

/** `path` with the symbolic links of its existing part resolved (the rest appended as written). */
export function canonicalPath(path: string): string {
  const rest: string[] = [];
  let p = path;
  for (;;) {
    try {
      return join(realpathSync(p), ...rest.reverse());
    } catch {
      const up = dirname(p);
      if (up === p) return path;
      rest.push(basename(p));
      p = up;
    }
  }
}

function inside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith(`..${sep}`));
}

type Kind = 'file' | 'folder' | 'other' | undefined;
function kindOf(path: string): Kind {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

/** The nearest existing ancestor of `path` that is not a folder (a regular file in the way), if any. */
function fileInTheWay(path: string): string | undefined {
  for (let p = dirname(path); ; p = dirname(p)) {
    const k = kindOf(p);
    if (k === 'folder') return undefined;
    if (k !== undefined) return p;
    if (dirname(p) === p) return undefined;
  }
}

/**
 * Check every output of the spec (see the module comment); returns them. Throws SpecError naming the
 * spec file (if any), the spec key, the path and what is wrong, in one line.
 */
export function checkOutputs(ns: NormalizedSpec, extra: readonly OutputTarget[] = []): OutputTarget[] {
  // Errors name the spec file first (as its schema errors do) when there is one.
  const refuse = (message: string) => new SpecError(ns.specFile ? `${ns.specFile}: ${message}` : message);
  const targets = outputTargets(ns);
  const root = outputRoot(ns);
  const inputs: { what: string; path: string; fileOnly?: true }[] = [{ what: 'source.path', path: ns.spec.source.path }];
  // The spec file is an input too (a DICOM folder may hold it: only the file itself is refused).
  if (ns.specFile) inputs.push({ what: 'the spec file', path: ns.specFile, fileOnly: true });
  ns.spec.tasks.forEach((t, i) => {
    if (t.type === 'impute' && t.input) inputs.push({ what: `tasks[${i}].input`, path: t.input });
  });
  // An image task's DICOM folder may neither hold the source series nor sit inside it (the next run would read its own output).
  const nested = (t: OutputTarget) => ns.spec.kind === 'image' && t.what.startsWith('tasks[');
  checkTargets([...targets, ...extra], { inputs, nested, refuse, outside: (t) => messages.outputOutside(t.what, t.path, root!), ...(root ? { root } : {}) });
  return targets;
}

/**
 * The checks of `checkOutputs` on any list of outputs: inside `root` (if given), not onto an input (nor,
 * where `nested` says so, inside one or around one), no two onto one path, writable as their kind. Used
 * for the outputs CLI flags name too (`evaluate --out`, `slurm --dir`).
 */
export function checkTargets(
  targets: readonly OutputTarget[],
  o: { root?: string; inputs: readonly { what: string; path: string; fileOnly?: true }[]; nested?: (t: OutputTarget) => boolean; refuse: (message: string) => Error; outside: (t: OutputTarget) => string },
): void {
  const { refuse } = o;
  const rootReal = o.root && canonicalPath(o.root);
  const inputs = o.inputs.map((i) => ({ ...i, path: canonicalPath(i.path) }));
  const seen = new Map<string, string>();
  for (const t of targets) {
    const real = canonicalPath(t.path);
    if (rootReal && !inside(rootReal, real)) throw refuse(o.outside(t));
    const nested = o.nested?.(t) ?? false;
    const input = inputs.find((i) => i.path === real || (nested && !i.fileOnly && (inside(real, i.path) || inside(i.path, real))));
    if (input) throw refuse(messages.outputIsInput(t.what, t.path, input.what));
    const first = seen.get(real);
    if (first) throw refuse(messages.outputTwice(t.what, t.path, first));
    seen.set(real, t.what);
    const blocker = fileInTheWay(real);
    if (blocker) throw refuse(messages.outputUnderFile(t.what, t.path, blocker));
    const k = kindOf(real);
    if (t.kind === 'file' && k === 'folder') throw refuse(messages.outputIsFolder(t.what, t.path));
    if (t.kind === 'folder' && k !== undefined && k !== 'folder') throw refuse(messages.outputNotFolder(t.what, t.path));
  }
}
