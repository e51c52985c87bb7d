/** Worker entry of data-parallel.ts: gradients of the EDM loss for the rows it is handed, on its own wasm backend. */
import { workerData } from 'node:worker_threads';
import { initBackend, tf } from '../../src/backend/index.js';
import { hostView } from '../../src/backend/host-memory.js';
import { batchLayout, type DataParallelWorkerData } from './data-parallel.js';
import { edmLoss } from '../../src/diffusion/denoiser.js';
import { Mlp, parameterShapes } from '../../src/diffusion/network.js';

const d = workerData as DataParallelWorkerData;
const ctrl = new Int32Array(d.ctrl);
const weights = new Float32Array(d.weights);
const grads = new Float32Array(d.grads);
const batch = new Float32Array(d.batch);
const loss = new Float64Array(d.loss);
const L = batchLayout(d.maxRows, d.cfg.dim);
const D = d.cfg.dim;

await initBackend({ backend: 'wasm', threads: 1 });
const shapes = parameterShapes(d.cfg);
const sizes = shapes.map((s) => s.shape.reduce((a, b) => a * b, 1));
const net = Mlp.create(d.cfg, sizes.map((n) => new Float32Array(n)), true, 'dp.');

let seq = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seq);
  const next = Atomics.load(ctrl, 0);
  if (next < 0) break;
  seq = next;
  const B = Atomics.load(ctrl, 1);
  let o = 0;
  tf.tidy(() => net.params.forEach((p, i) => {
    p.assign(tf.tensor(weights.slice(o, o + sizes[i]!), p.shape, 'float32'));
    o += sizes[i]!;
  }));
  const t = (at: number, w: number) => tf.tensor2d(batch.slice(at, at + B * w), [B, w]);
  const x0 = t(L.x0, D), cond = t(L.cond, D), target = t(L.target, D), sigma = t(L.sigma, 1), noise = t(L.noise, D);
  const { value, grads: g } = tf.variableGrads(() => edmLoss(net, d.edm, x0, cond, target, sigma, noise), net.params);
  o = 0;
  for (const p of net.params) {
    const v = hostView(g[p.name]!);
    grads.set(v, o);
    o += v.length;
  }
  loss[0] = value.dataSync()[0]!;
  tf.dispose([x0, cond, target, sigma, noise, value, ...Object.values(g)]);
  Atomics.store(ctrl, 2, seq);
  Atomics.notify(ctrl, 2);
}
