/**
 * The model lifecycle every run shares, table or image: which checkpoint a run loads, what a checkpoint
 * on disk says about itself.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../errors.js';
import type { NormalizedSpec } from '../spec/parse.js';

/** The checkpoint a sharded run loads: `model.load` if given, else `model.checkpoint`. */
export function checkpointDir(ns: NormalizedSpec): { dir: string; from: 'load' | 'checkpoint' } {
  const m = ns.spec.model ?? {};
  if (m.load) return { dir: m.load, from: 'load' };
  if (m.checkpoint) return { dir: m.checkpoint, from: 'checkpoint' };
  throw new SpecError(`${ns.specFile ?? 'spec'}: model.checkpoint: a sharded run loads a trained model; set model.checkpoint (trained once by \`synthdiff run <spec> --train-only\`) or model.load`);
}

/** The checkpoint's identity (its weights' sha256) and the spec hash it was trained from; undefined if there is none. */
export async function checkpointInfo(dir: string): Promise<{ weights: string; specHash: string } | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { specHash?: string; weights?: { sha256?: string } };
    if (typeof meta.weights?.sha256 !== 'string') return undefined;
    return { weights: meta.weights.sha256, specHash: meta.specHash ?? '' };
  } catch {
    return undefined;
  }
}
