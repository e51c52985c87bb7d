import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { currentBackend } from '../backend/index.js';
import { ModelError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Adam } from './adam.js';

/**
 * A model checkpoint folder: `model.json` (format, config, training state, tensor index) and
 * `weights-<sha256>.bin` (all float32 tensors back to back). model.json is written last and names its
 * weights file, so a crash mid-save leaves the previous pair intact; no tfjs-node is needed.
 */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface TensorIndex {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

/** The network, its EMA copy and Adam's moments under `net/`, `ema/`, `adam.m/`, `adam.v/`. */
export async function trainingTensors(
  shapes: readonly { name: string; shape: number[] }[],
  net: { read(): Promise<Float32Array[]> },
  ema: { read(): Promise<Float32Array[]> },
  adam: Adam,
): Promise<NamedTensor[]> {
  const moments = await adam.readMoments();
  const named = (prefix: string, values: Float32Array[]) => values.map((data, i) => ({ name: `${prefix}${shapes[i]!.name}`, shape: shapes[i]!.shape, data }));
  return [...named('net/', await net.read()), ...named('ema/', await ema.read()), ...named('adam.m/', moments.m), ...named('adam.v/', moments.v)];
}

export async function writeCheckpoint(dir: string, meta: { format: string } & Record<string, unknown>, tensors: readonly NamedTensor[]): Promise<{ weights: string }> {
  await mkdir(dir, { recursive: true });
  const index: TensorIndex[] = [];
  let offset = 0;
  for (const t of tensors) {
    index.push({ name: t.name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const bytes = new Uint8Array(offset * 4);
  const f32 = new Float32Array(bytes.buffer);
  for (const [i, t] of tensors.entries()) f32.set(t.data, index[i]!.offset);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const weightsFile = `weights-${digest.slice(0, 16)}.bin`;
  await writeFileAtomic(join(dir, weightsFile), bytes);
  const full = { ...meta, savedWith: currentBackend()?.name, weights: { file: weightsFile, sha256: digest, tensors: index } };
  await writeFileAtomic(join(dir, 'model.json'), JSON.stringify(full, null, 1));
  for (const f of await readdir(dir)) if (/^weights-.*\.bin$/.test(f) && f !== weightsFile) await rm(join(dir, f), { force: true });
  return { weights: digest };
}

export interface LoadedCheckpoint<M> {
  meta: M;
  /** The tensors named `${prefix}${name}` for each name, in that order; ModelError if one is missing. */
  get(prefix: string, names: readonly string[]): Float32Array[];
  /** Whether every tensor `${prefix}${name}` is in the checkpoint. */
  has(prefix: string, names: readonly string[]): boolean;
}

/** Read and verify a checkpoint written by `writeCheckpoint`; `what` names the model kind in errors. */
export async function readCheckpoint<M extends { format: string }>(dir: string, format: string, what: string): Promise<LoadedCheckpoint<M>> {
  let meta: M & { weights: { file: string; sha256: string; tensors: TensorIndex[] } };
  try {
    meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  } catch (e) {
    throw new ModelError(`${dir}: not a synthdiff checkpoint (cannot read model.json: ${(e as Error).message.split('\n')[0]})`);
  }
  if (meta.format !== format) throw new ModelError(`${dir}/model.json: format "${meta.format}", expected "${format}" (${what})`);
  const bytes = await readFile(join(dir, meta.weights.file)).catch(() => {
    throw new ModelError(`${dir}: weights file ${meta.weights.file} is missing`);
  });
  if (createHash('sha256').update(bytes).digest('hex') !== meta.weights.sha256) throw new ModelError(`${dir}/${meta.weights.file}: checksum mismatch (corrupt or partial checkpoint)`);
  const f32 = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const byName = new Map(meta.weights.tensors.map((t) => [t.name, t]));
  return {
    meta,
    get: (prefix, names) =>
      names.map((n) => {
        const t = byName.get(`${prefix}${n}`);
        if (!t) throw new ModelError(`${dir}/model.json: tensor ${prefix}${n} missing from the checkpoint`);
        return f32.slice(t.offset, t.offset + t.length);
      }),
    has: (prefix, names) => names.length > 0 && names.every((n) => byName.has(`${prefix}${n}`)),
  };
}
