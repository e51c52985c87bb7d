import { readFile } from 'node:fs/promises';
import { tf } from '../backend/index.js';
import type { RunHeader } from '../report/model.js';

/** synthdiff's version, from package.json: what every report states it was produced by. */
export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The header every run report starts with, from the plan's identity (name, spec file and hash, seed). */
export async function runHeader(plan: { name: string; specFile?: string; hash: string; seed: number }, timings: Record<string, number>): Promise<RunHeader> {
  return {
    synthdiff: await packageVersion(),
    name: plan.name,
    specFile: plan.specFile,
    specHash: plan.hash,
    seed: plan.seed,
    startedAt: new Date().toISOString(),
    versions: { node: process.versions.node, tfjs: tf.version_core },
    timings,
  };
}

export const secondsSince = (t0: number): number => Math.round((performance.now() - t0) / 10) / 100;
