import * as tf from '@tensorflow/tfjs-core';
// Gradients for training (tfjs-core's Node entry registers none; see scripts/vendor-tfjs-gradients.mjs).
import './tfjs-gradients.js';
import type { BackendName, Device } from './names.js';
import { patchWasmTransposedMatMul } from './wasm-matmul.js';
import { nativeBlas, patchWasmNativeMatMul } from './native-blas.js';
import { bridgeWasmConvGradients } from './wasm-conv-bridge.js';
import { finishWasmThreads, prepareWasmThreads } from './wasm-threads.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
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
  /** A human description for logs and reports, e.g. `wasm (XNNPACK, SIMD, 2 threads)`. */
  detail: string;
  /** CPU threads the backend computes on (wasm: XNNPACK's pool, the calling thread included). */
  threads?: number;
}

/**
 * Threads for the wasm backend when the caller names none: `SYNTHDIFF_THREADS` (e.g. `os.availableParallelism()`'s
 * value), else 1. Not every core by default: on the shared 2-core development box (load average 2.6–9)
 * XNNPACK's pool measured slower than one thread — a pool thread that another process has descheduled
 * stalls every matmul (batch-256 step 26 → 125 ms; `npm run bench -- --only train-step`, bench/RESULTS.md).
 */
/** `threads: all` → every core; a count as given. */
export function resolveThreads(t: number | 'all'): number {
  return t === 'all' ? availableParallelism() : t;
}

/** The CLI's --threads: wins over model.threads and SYNTHDIFF_THREADS for the whole process. */
let threadsOverride: number | undefined;
export function overrideThreads(t: number | 'all'): void {
  threadsOverride = resolveThreads(t);
}

export function defaultThreads(): number {
  const env = Number(process.env.SYNTHDIFF_THREADS);
  return Number.isInteger(env) && env >= 1 ? Math.min(env, availableParallelism() * 4) : 1;
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

/**
 * Whether a Vulkan loader (libvulkan.so.1) is installed, on Linux where Dawn's only GPU backend is Vulkan
 * (elsewhere: true). Without one Dawn finds no adapter and prints a native warning with a C++ stack line
 * to stderr, even under `run -q`, so the ladder does not start Dawn at all (an explicit `backend: webgpu`
 * still does). Looks in the usual library folders and LD_LIBRARY_PATH, then asks ldconfig's cache.
 */
export function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/lib/x86_64-linux-gnu',
    '/lib64',
    '/lib',
  ];
  if (dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))) return true;
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      return /\blibvulkan\.so\.1\b/.test(execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }));
    } catch {
      // Not there under this name: try the next.
    }
  }
  return false;
}

/** WebGPU as a rung of the ladder: only where Dawn can find a GPU adapter (see vulkanLoaderFound). */
async function tryWebgpuRung(): Promise<BackendInfo | undefined> {
  return vulkanLoaderFound() ? tryWebgpu() : undefined;
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

async function tryWasm(threads: number): Promise<BackendInfo | undefined> {
  const wasm = (await tryImport('@tensorflow/tfjs-backend-wasm')) as { setThreadsCount(n: number): void; getThreadsCount(): number } | undefined;
  if (!wasm) return undefined;
  patchWasmTransposedMatMul();
  const gemm = patchWasmNativeMatMul(threads);
  bridgeWasmConvGradients();
  // The pool is fixed when the module instantiates: the first initialisation's thread count holds. With
  // the native multiply the threads go to OpenBLAS alone: two pools on the same cores, each spinning while
  // the other works, made a 2-thread step at batch 256 twice as slow as one thread.
  if (threads > 1 && !gemm) prepareWasmThreads(threads, wasm);
  const ok = await tf.setBackend('wasm').catch(() => false);
  finishWasmThreads();
  if (!ok) return undefined;
  const n = wasm.getThreadsCount();
  const plural = (k: number) => `${k} thread${k === 1 ? '' : 's'}`;
  if (gemm) {
    const detail = `wasm (XNNPACK, SIMD, ${plural(n)}; matrix multiplies by ${nativeBlas()!.config()}, ${plural(threads)})`;
    return { name: 'wasm', device: 'cpu', detail, threads: Math.max(n, threads) };
  }
  return { name: 'wasm', device: 'cpu', detail: `wasm (XNNPACK, SIMD, ${plural(n)})`, threads: n };
}

async function tryCpu(): Promise<BackendInfo | undefined> {
  // Registered only when chosen: until a backend is initialised tfjs-core has none, so code that forgets
  // initBackend fails loudly ("No backend found in registry") instead of running on pure JS.
  if (!(await tryImport('@tensorflow/tfjs-backend-cpu'))) return undefined;
  if (!(await tf.setBackend('cpu').catch(() => false))) return undefined;
  return { name: 'cpu', device: 'cpu', detail: 'cpu (pure JavaScript)' };
}

let wantThreads = 1;

const BY_NAME: Record<BackendName, () => Promise<BackendInfo | undefined>> = {
  tensorflow: async () => (await tryTensorflow(true)) ?? tryTensorflow(false),
  webgpu: tryWebgpu,
  wasm: () => tryWasm(wantThreads),
  cpu: tryCpu,
};

export class BackendUnavailableError extends SynthdiffError {
  override name = 'BackendUnavailableError';
}

/**
 * Initialise a backend once per process. An explicit `backend` must work or it is an error (the user
 * asked for it); `device: gpu` must find a GPU; `auto` walks the ladder.
 */
export async function initBackend(opts: { device?: Device; backend?: BackendName; threads?: number } = {}): Promise<BackendInfo> {
  wantThreads = threadsOverride ?? opts.threads ?? defaultThreads();
  const wantKey = `${opts.backend ?? ''}/${opts.device ?? 'auto'}`;
  if (current && (current as BackendInfo & { key?: string }).key === wantKey) return current;
  let ladder: Array<() => Promise<BackendInfo | undefined>>;
  if (opts.backend) ladder = [BY_NAME[opts.backend]];
  else if (opts.device === 'gpu') ladder = [() => tryTensorflow(true), tryWebgpuRung];
  else if (opts.device === 'cpu') ladder = [() => tryTensorflow(false), BY_NAME.wasm, tryCpu];
  else ladder = [() => tryTensorflow(true), tryWebgpuRung, () => tryTensorflow(false), BY_NAME.wasm, tryCpu];
  for (const step of ladder) {
    const info = await step();
    if (info) {
      await tf.ready();
      current = Object.assign(info, { key: wantKey });
      return { name: info.name, device: info.device, detail: info.detail, ...(info.threads ? { threads: info.threads } : {}) };
    }
  }
  throw new BackendUnavailableError(
    opts.backend
      ? `model.backend: "${opts.backend}" is not available here (is its package installed?)`
      : `model.device: no ${opts.device} backend is available (tried ${opts.device === 'gpu' ? 'tfjs-node-gpu, webgpu' : 'the ladder'})`,
  );
}

export function currentBackend(): BackendInfo | undefined {
  return current && { name: current.name, device: current.device, detail: current.detail, ...(current.threads ? { threads: current.threads } : {}) };
}
