/**
 * Issue 12 prototype: a training step split between this thread and one worker thread (data-parallel.ts),
 * against the same step on this thread alone, alternating, on one model and batch (credit_data, 3×256 MLP,
 * wasm, one XNNPACK thread each). Prints the loss and gradients of both ways (they must agree to rounding)
 * and the median step times.
 *
 *   npx tsx bench/prototypes/data-parallel-step.mts [BATCHES, default 256,512,1024,256,512,1024]
 */
import { initBackend, tf } from '../../src/backend/index.js';
import { edmLoss } from '../../src/diffusion/denoiser.js';
import { fillTrainingBatch, DEFAULT_MASK_POLICY } from '../../src/diffusion/masks.js';
import { TabularDiffusion } from '../../src/diffusion/tabular.js';
import { updateEma } from '../../src/diffusion/train.js';
import { DataParallelTrainer } from './data-parallel.js';
import { createRng, permutation } from '../../src/rng.js';
import { loadBenchTable } from '../common.js';
await initBackend({ backend: 'wasm', threads: Number(process.env.MAIN_THREADS ?? 1) });
const bt = await loadBenchTable('modeldata__credit_data');
const model = TabularDiffusion.create(bt.table, { width: 256, depth: 3, seed: 1 });
const enc = model.encoder.encode(bt.table);
const x32 = Float32Array.from(enc.x);
const D = model.encoder.dim, C = model.encoder.nMaskColumns, edm = model.edm;
const rng = createRng(7);
const dp = new DataParallelTrainer(model.net, edm, 4096, 1);
for (const B of (process.argv[2] ?? '256,512,1024,256,512,1024').split(',').map(Number)) {
  const rows = permutation(bt.table.nRows, rng).subarray(0, B);
  const buf = { x0: new Float32Array(B * D), cond: new Float32Array(B * D), target: new Float32Array(B * D) };
  fillTrainingBatch(rows, x32, enc.observed, model.encoder.dimColumn, C, rng, DEFAULT_MASK_POLICY, buf);
  const sigma = new Float32Array(B); for (let b = 0; b < B; b++) sigma[b] = Math.exp(edm.pMean + edm.pStd * rng.normal());
  const noiseT = tf.randomNormal([B, D], 0, 1, 'float32', 5); const noise = Float32Array.from(noiseT.dataSync() as Float32Array);
  const hb = { ...buf, sigma, noise };
  const T = { x0: tf.tensor2d(buf.x0, [B, D]), cond: tf.tensor2d(buf.cond, [B, D]), target: tf.tensor2d(buf.target, [B, D]), sigma: tf.tensor2d(sigma, [B, 1]), noise: noiseT as tf.Tensor2D };
  const lossFn = (a: tf.Tensor2D, c: tf.Tensor2D, t: tf.Tensor2D, s: tf.Tensor2D, n: tf.Tensor2D) => edmLoss(model.net, edm, a, c, t, s, n);
  // equivalence of gradients
  const full = tf.variableGrads(() => lossFn(T.x0, T.cond, T.target, T.sigma, T.noise), model.net.params);
  const split = dp.step(hb, B, lossFn);

  let maxd = 0, maxv = 0;
  for (const p of model.net.params) { const a = full.grads[p.name]!.dataSync(), b = split.grads[p.name]!.dataSync(); let nn=0; for (let j = 0; j < a.length; j++) { if (Number.isNaN(a[j]!) || Number.isNaN(b[j]!)) { nn++; continue; } maxd = Math.max(maxd, Math.abs(a[j]! - b[j]!)); maxv = Math.max(maxv, Math.abs(a[j]!)); } if (nn) console.log(`  ${p.name}: ${nn} of ${a.length} gradient entries NaN in this harness (both ways; see bench/RESULTS.md)`); }
  console.log(`B=${B} loss full ${full.value.dataSync()[0]} split ${split.loss}; max grad diff ${maxd.toExponential(2)} of max ${maxv.toExponential(2)}`);
  tf.dispose([full.value, ...Object.values(full.grads), ...Object.values(split.grads)]);
  const reps = 100; const one: number[] = [], two: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    const l = model.optimizer.minimize(() => lossFn(T.x0, T.cond, T.target, T.sigma, T.noise), 1e-5);
    updateEma(model.ema.params, model.net.params, 0.999); l.dataSync(); l.dispose();
    one.push(performance.now() - t0);
    t0 = performance.now();
    const s = dp.step(hb, B, lossFn); model.optimizer.update(s.grads, 1e-5);
    updateEma(model.ema.params, model.net.params, 0.999);
    two.push(performance.now() - t0);
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  console.log(`B=${B}: one thread ${med(one).toFixed(2)} ms, data-parallel 2 ${med(two).toFixed(2)} ms, ratio ${(med(one) / med(two)).toFixed(2)}x`);
  tf.dispose(Object.values(T));
}
await dp.close();
