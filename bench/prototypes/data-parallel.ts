/**
 * Data-parallel training steps (issue 12): a batch is split between this thread and worker threads, each
 * computing the EDM loss gradients of its rows on its own single-threaded wasm backend, and the gradients
 * are combined here before the one Adam update. On the two-core box a batch-256 step of the 3×256 MLP
 * took 10.2 ms on one thread and 5.8 ms at batch 128, while XNNPACK's own pool gains ~nothing at that
 * size: the split is where the second core pays.
 *
 * Exchange is through shared memory with Atomics (no message per step): this thread writes the current
 * weights and a worker's rows, bumps a sequence number and wakes the worker; the worker writes its
 * gradient sums and loss and answers with the same number. Gradients are combined as the full batch's
 * loss would weigh them (each part's mean loss times its share of the target entries), in a fixed order,
 * so a run is reproducible for a given seed and worker count.
 */
import { Worker } from 'node:worker_threads';
import { tf } from '../../src/backend/index.js';
import { hostTensor, hostView } from '../../src/backend/host-memory.js';
import type { EdmConfig } from '../../src/diffusion/edm.js';
import { parameterShapes, type Mlp, type MlpConfig } from '../../src/diffusion/network.js';

/** Control words: [0] request sequence (−1: stop), [1] rows in the request, [2] answered sequence. */
const REQ = 0, ROWS = 1, DONE = 2;

export interface HostBatch {
  x0: Float32Array;
  cond: Float32Array;
  target: Float32Array;
  sigma: Float32Array;
  noise: Float32Array;
}

/** What a worker thread needs to start (workerData). */
export interface DataParallelWorkerData {
  cfg: MlpConfig;
  edm: EdmConfig;
  maxRows: number;
  ctrl: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  batch: SharedArrayBuffer;
  loss: SharedArrayBuffer;
}

/** Offsets of each batch field in the shared batch buffer (float32 elements). */
export function batchLayout(maxRows: number, dim: number): { x0: number; cond: number; target: number; noise: number; sigma: number; size: number } {
  const m = maxRows * dim;
  return { x0: 0, cond: m, target: 2 * m, noise: 3 * m, sigma: 4 * m, size: 4 * m + maxRows };
}

/** A worker entry under the TypeScript sources needs tsx's loader (Node 20 loads it before --import is ready). */
function startWorker(name: string, workerData: unknown): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./${name}.${ts ? 'ts' : 'js'}`, import.meta.url);
  return ts
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData })
    : new Worker(entry, { workerData });
}

class GradientWorker {
  readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly weights: Float32Array;
  readonly grads: Float32Array;
  private readonly batch: Float32Array;
  private readonly loss: Float64Array;
  private readonly layout: ReturnType<typeof batchLayout>;
  private seq = 0;
  private failed: Error | undefined;

  constructor(cfg: MlpConfig, edm: EdmConfig, maxRows: number, nParams: number) {
    this.layout = batchLayout(maxRows, cfg.dim);
    const data: DataParallelWorkerData = {
      cfg,
      edm,
      maxRows,
      ctrl: new SharedArrayBuffer(4 * 4),
      weights: new SharedArrayBuffer(4 * nParams),
      grads: new SharedArrayBuffer(4 * nParams),
      batch: new SharedArrayBuffer(4 * this.layout.size),
      loss: new SharedArrayBuffer(8),
    };
    this.ctrl = new Int32Array(data.ctrl);
    this.weights = new Float32Array(data.weights);
    this.grads = new Float32Array(data.grads);
    this.batch = new Float32Array(data.batch);
    this.loss = new Float64Array(data.loss);
    this.worker = startWorker('data-parallel-worker', data);
    this.worker.on('error', (e) => (this.failed = e));
    this.worker.unref();
  }

  /** Hand rows [from, to) of `b` to the worker with the current weights, and wake it. */
  start(net: Mlp, b: HostBatch, from: number, to: number, dim: number): void {
    let o = 0;
    for (const p of net.params) {
      const v = hostView(p);
      this.weights.set(v, o);
      o += v.length;
    }
    const L = this.layout;
    this.batch.set(b.x0.subarray(from * dim, to * dim), L.x0);
    this.batch.set(b.cond.subarray(from * dim, to * dim), L.cond);
    this.batch.set(b.target.subarray(from * dim, to * dim), L.target);
    this.batch.set(b.noise.subarray(from * dim, to * dim), L.noise);
    this.batch.set(b.sigma.subarray(from, to), L.sigma);
    Atomics.store(this.ctrl, ROWS, to - from);
    Atomics.store(this.ctrl, REQ, ++this.seq);
    Atomics.notify(this.ctrl, REQ);
  }

  /** Block until the worker answered the last request; its mean loss (gradients in `grads`). */
  finish(): number {
    for (;;) {
      if (Atomics.load(this.ctrl, DONE) === this.seq) return this.loss[0]!;
      if (this.failed) throw this.failed;
      Atomics.wait(this.ctrl, DONE, Atomics.load(this.ctrl, DONE), 1000);
    }
  }

  stop(): Promise<number> {
    Atomics.store(this.ctrl, REQ, -1);
    Atomics.notify(this.ctrl, REQ);
    return this.worker.terminate();
  }
}

/**
 * Gradients of the EDM loss for a batch, split between this thread and `workers` worker threads. The parts
 * are contiguous row ranges of equal size (this thread takes the first); `step` returns the combined
 * gradients keyed by parameter name (for Adam.update, which disposes them) and the batch's mean loss.
 */
export class DataParallelTrainer {
  private readonly workers: GradientWorker[];
  private readonly shapes: { name: string; size: number }[];

  constructor(
    private readonly net: Mlp,
    private readonly edm: EdmConfig,
    maxRows: number,
    workers: number,
  ) {
    this.shapes = parameterShapes(net.cfg).map((p) => ({ name: p.name, size: p.shape.reduce((a, b) => a * b, 1) }));
    const nParams = this.shapes.reduce((a, s) => a + s.size, 0);
    const part = Math.ceil(maxRows / (workers + 1));
    this.workers = Array.from({ length: workers }, () => new GradientWorker(net.cfg, edm, part, nParams));
  }

  /** Row ranges of a batch of B rows: this thread's first, then one per worker. */
  private parts(B: number): [number, number][] {
    const k = this.workers.length + 1;
    const size = Math.ceil(B / k);
    return Array.from({ length: k }, (_, i) => [Math.min(B, i * size), Math.min(B, (i + 1) * size)] as [number, number]);
  }

  step(b: HostBatch, B: number, lossFn: (x0: tf.Tensor2D, cond: tf.Tensor2D, target: tf.Tensor2D, sigma: tf.Tensor2D, noise: tf.Tensor2D) => tf.Scalar): { grads: tf.NamedTensorMap; loss: number } {
    const D = this.net.cfg.dim;
    const parts = this.parts(B);
    parts.slice(1).forEach(([from, to], k) => this.workers[k]!.start(this.net, b, from, to, D));
    const [from, to] = parts[0]!;
    const rows = to - from;
    const t = (a: Float32Array, w: number) => tf.tensor2d(a.subarray(from * w, to * w), [rows, w]);
    const x0 = t(b.x0, D), cond = t(b.cond, D), target = t(b.target, D), sigma = t(b.sigma, 1), noise = t(b.noise, D);
    const { value, grads: mine } = tf.variableGrads(() => lossFn(x0, cond, target, sigma, noise), this.net.params);
    tf.dispose([x0, cond, target, sigma, noise]);
    const myLoss = value.dataSync()[0]!;
    value.dispose();
    // Each part's loss is a mean over its target entries; the batch's is over all of them.
    const weight = parts.map(([f, e]) => {
      let s = 0;
      for (let i = f * D; i < e * D; i++) s += b.target[i]!;
      return s;
    });
    const total = weight.reduce((a, c) => a + c, 0) || 1;
    const losses = [myLoss, ...this.workers.map((w) => w.finish())];
    const grads: tf.NamedTensorMap = {};
    let o = 0;
    for (const [i, p] of this.net.params.entries()) {
      const size = this.shapes[i]!.size;
      const g = mine[p.name]!;
      grads[p.name] = hostTensor(p.shape, (out) => {
        const m = hostView(g);
        const w0 = weight[0]! / total;
        for (let j = 0; j < size; j++) out[j] = m[j]! * w0;
        this.workers.forEach((w, k) => {
          const wk = weight[k + 1]! / total;
          const src = w.grads;
          for (let j = 0; j < size; j++) out[j] += src[o + j]! * wk;
        });
      });
      g.dispose();
      o += size;
    }
    const loss = losses.reduce((a, l, k) => a + (l * weight[k]!) / total, 0);
    return { grads, loss };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
