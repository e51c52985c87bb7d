import * as tf from '@tensorflow/tfjs';
import type { BackendName, Device } from './names.js';
import { patchWasmTransposedMatMul } from './wasm-matmul.js';
import { bridgeWasmConvGradients } from './wasm-conv-bridge.js';
import { SynthdiffError } from '../errors.js';

/**
 * The backend ladder. This is the only module that imports a compute backend package; everything else
 * uses `tf` from here. `auto` prefers a GPU (tfjs-node-gpu, then WebGPU through Dawn), then native
 * TensorFlow on CPU (tfjs-node), then wasm (SIMD), then the pure-JS cpu backend.
 */
export { tf };

export interface BackendInfo {
  /** The tfjs backend name actually in use (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  name: BackendName;
  device: 'cpu' | 'gpu';
  /** A human description for logs and reports, e.g. `wasm (SIMD, 1 thread)`. */
  detail: string;
}

let current: BackendInfo | undefined;

async function tryImport(pkg: string): Promise<unknown> {
  try {
    return await import(pkg);
  } catch {
    return undefined;
  }
}

async function tryTensorflow(gpu: boolean): Promise<BackendInfo | undefined> {
  if (!(await tryImport(gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'))) return undefined;
  if (!(await tf.setBackend('tensorflow'))) return undefined;
  return { name: 'tensorflow', device: gpu ? 'gpu' : 'cpu', detail: gpu ? 'tensorflow (tfjs-node-gpu, CUDA)' : 'tensorflow (tfjs-node, native CPU)' };
}

async function tryWebgpu(): Promise<BackendInfo | undefined> {
  const dawn = (await tryImport('webgpu')) as { create: (o: string[]) => unknown; globals: object } | undefined;
  if (!dawn) return undefined;
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  Object.assign(globalThis, dawn.globals);
  g.navigator ??= {};
  g.navigator.gpu ??= dawn.create([]);
  const gpu = g.navigator.gpu as { requestAdapter(): Promise<{ info?: { vendor?: string; description?: string } } | null> };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return undefined;
  if (!(await tryImport('@tensorflow/tfjs-backend-webgpu'))) return undefined;
  if (!(await tf.setBackend('webgpu').catch(() => false))) return undefined;
  const desc = adapter.info?.description || adapter.info?.vendor || 'adapter';
  return { name: 'webgpu', device: 'gpu', detail: `webgpu (Dawn, ${desc})` };
}

async function tryWasm(): Promise<BackendInfo | undefined> {
  const wasm = (await tryImport('@tensorflow/tfjs-backend-wasm')) as { setThreadsCount?: (n: number) => void } | undefined;
  if (!wasm) return undefined;
  patchWasmTransposedMatMul();
  bridgeWasmConvGradients();
  if (!(await tf.setBackend('wasm').catch(() => false))) return undefined;
  return { name: 'wasm', device: 'cpu', detail: 'wasm (XNNPACK, SIMD)' };
}

async function tryCpu(): Promise<BackendInfo | undefined> {
  await tf.setBackend('cpu');
  return { name: 'cpu', device: 'cpu', detail: 'cpu (pure JavaScript)' };
}

const BY_NAME: Record<BackendName, () => Promise<BackendInfo | undefined>> = {
  tensorflow: async () => (await tryTensorflow(true)) ?? tryTensorflow(false),
  webgpu: tryWebgpu,
  wasm: tryWasm,
  cpu: tryCpu,
};

export class BackendUnavailableError extends SynthdiffError {
  override name = 'BackendUnavailableError';
}

/**
 * Initialise a backend once per process. An explicit `backend` must work or it is an error (the user
 * asked for it); `device: gpu` must find a GPU; `auto` walks the ladder.
 */
export async function initBackend(opts: { device?: Device; backend?: BackendName } = {}): Promise<BackendInfo> {
  const wantKey = `${opts.backend ?? ''}/${opts.device ?? 'auto'}`;
  if (current && (current as BackendInfo & { key?: string }).key === wantKey) return current;
  let ladder: Array<() => Promise<BackendInfo | undefined>>;
  if (opts.backend) ladder = [BY_NAME[opts.backend]];
  else if (opts.device === 'gpu') ladder = [() => tryTensorflow(true), tryWebgpu];
  else if (opts.device === 'cpu') ladder = [() => tryTensorflow(false), tryWasm, tryCpu];
  else ladder = [() => tryTensorflow(true), tryWebgpu, () => tryTensorflow(false), tryWasm, tryCpu];
  for (const step of ladder) {
    const info = await step();
    if (info) {
      await tf.ready();
      current = Object.assign(info, { key: wantKey });
      return { name: info.name, device: info.device, detail: info.detail };
    }
  }
  throw new BackendUnavailableError(
    opts.backend
      ? `model.backend: "${opts.backend}" is not available here (is its package installed?)`
      : `model.device: no ${opts.device} backend is available (tried ${opts.device === 'gpu' ? 'tfjs-node-gpu, webgpu' : 'the ladder'})`,
  );
}

export function currentBackend(): BackendInfo | undefined {
  return current && { name: current.name, device: current.device, detail: current.detail };
}
