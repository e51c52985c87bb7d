import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/**
 * XNNPACK's own thread pool for tfjs-backend-wasm in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (`tfjs-backend-wasm-threaded-simd.wasm`, Emscripten
 * pthreads over a shared heap) but switches it off in Node (flag `WASM_HAS_MULTITHREAD_SUPPORT` is false
 * there, tfjs issue 3830). Three things stand in the way, each worked around here before the backend
 * initialises, and nothing else:
 * 1. The pthread workers are started from a Blob URL, which Node's `worker_threads` cannot load: the
 *    worker script (which already has a Node branch) is written to a temporary `.cjs` file instead, with a
 *    two-line shim that resolves the main script (also a Blob) to the package's own factory file.
 * 2. The flag, set to true.
 * 3. The C++ side caps the pool at `emscripten_num_logical_cores() / 2` (it assumes 2 hyperthreads per
 *    core), i.e. `os.cpus().length / 2` in Node, so a 2-core box would get one thread: `os.cpus` reports
 *    2·n entries while the module instantiates, then is restored.
 * XNNPACK splits a matmul's output tiles between threads and every output element is computed by one
 * thread with the same micro-kernel, so results do not depend on the thread count for the kernels the
 * MLP uses; the project's own SIMD kernels (wasm-simd-kernels.ts) run on the calling thread.
 */
const require = createRequire(import.meta.url);

let prepared: number | undefined;

/** Configure the not-yet-initialised wasm backend to run XNNPACK on `threads` threads (≥ 2). */
export function prepareWasmThreads(threads: number, wasm: { setThreadsCount(n: number): void }): void {
  if (prepared !== undefined) return;
  prepared = threads;
  const factoryPath = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  const MAIN = '__synthdiff_wasm_main_script__';
  const workerFile = join(tmpdir(), `synthdiff-wasm-pthread-${process.pid}.cjs`);
  // The shipped text escapes newlines inside string literals as a literal "\n" pair for a Blob; undo that
  // the same way tfjs does before writing it out.
  const shim = `
;(function () {
  var load = global.importScripts;
  global.importScripts = function (f) {
    if (f === ${JSON.stringify(MAIN)}) { global.WasmBackendModuleThreadedSimd = require(${JSON.stringify(factoryPath)}); return; }
    return load(f);
  };
  URL.createObjectURL = function () { return ${JSON.stringify(MAIN)}; };
  URL.revokeObjectURL = function () {};
})();
`;
  writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n') + shim);
  process.once('exit', () => rmSync(workerFile, { force: true }));
  // The only Blob URL the backend asks for in the main thread is the worker script's.
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = () => workerFile;
  const os = require('node:os') as { cpus: () => unknown[] };
  const cpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
  restore = () => {
    os.cpus = cpus;
    URL.createObjectURL = createObjectURL;
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
}

let restore: (() => void) | undefined;

/**
 * Undo the temporary `os.cpus` and `URL.createObjectURL` overrides once the backend has initialised, and
 * unref the pthread workers: a pool thread waits for work forever, which would keep Node from exiting.
 */
export function finishWasmThreads(): void {
  restore?.();
  restore = undefined;
  if (tf.getBackend() !== 'wasm') return;
  const pthreads = (tf.backend() as unknown as { wasm: { PThread?: { unusedWorkers: Unref[]; runningWorkers: Unref[] } } }).wasm.PThread;
  for (const w of [...(pthreads?.unusedWorkers ?? []), ...(pthreads?.runningWorkers ?? [])]) w.unref?.();
}

interface Unref {
  unref?: () => void;
}
