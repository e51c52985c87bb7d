import { readFile } from 'node:fs/promises';
import { tf } from '../backend/index.js';
import type { RunHeader } from '../report/model.js';
import type { NormalizedSpec } from '../spec/normalize.js';

/** synthdiff's version, from package.json: what every report states it was produced by. */
export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function runHeader(ns: NormalizedSpec, timings: Record<string, number>): Promise<RunHeader> {
  return {
    synthdiff: await packageVersion(),
    name: ns.spec.name,
    specFile: ns.specFile,
    specHash: ns.hash,
    seed: ns.seed,
    startedAt: new Date().toISOString(),
    versions: { node: process.versions.node, tfjs: tf.version_core },
    timings,
  };
}

export const secondsSince = (t0: number): number => Math.round((performance.now() - t0) / 10) / 100;
