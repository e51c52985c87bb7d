/**
 * Issue 12: where a training step's time goes. One model and batch (credit_data, 3×256 MLP), the step
 * trainDiffusion takes (edmStep + updateEma): tf.profile's kernel times by kernel name for one step, then
 * the mean of 200 steps, and the parts alone (the loss without gradients, the network's forward, the
 * network's gradients on the tape), and each matrix product of one more step with its operand shapes.
 * usage: [TH=threads] [B=batch] npx tsx bench/prototypes/step-profile.mts
 * (with the native multiply, `env -u OPENBLAS_CORETYPE` lets OpenBLAS pick its kernels for the CPU)
 */
import { initBackend, tf } from '../../src/backend/index.js';
import { edmLoss } from '../../src/diffusion/denoiser.js';
import { fillTrainingBatch, DEFAULT_MASK_POLICY } from '../../src/diffusion/masks.js';
import { TabularDiffusion } from '../../src/diffusion/tabular.js';
import { edmStep, updateEma } from '../../src/diffusion/train.js';
import { createRng } from '../../src/rng.js';
import { loadBenchTable } from '../common.js';

const info = await initBackend({ threads: Number(process.env.TH ?? 1) });
console.log(info.detail);
const bt = await loadBenchTable('modeldata__credit_data');
const model = TabularDiffusion.create(bt.table, { width: 256, depth: 3, seed: 1 });
const enc = model.encoder.encode(bt.table);
const x32 = Float32Array.from(enc.x);
const D = model.encoder.dim, C = model.encoder.nMaskColumns, B = Number(process.env.B ?? 256);
const rng = createRng(7);
const rows = Int32Array.from({ length: B }, (_, i) => i % bt.table.nRows);
const buf = { x0: new Float32Array(B * D), cond: new Float32Array(B * D), target: new Float32Array(B * D) };
fillTrainingBatch(rows, x32, enc.observed, model.encoder.dimColumn, C, rng, DEFAULT_MASK_POLICY, buf);
const sig = new Float32Array(B).map(() => Math.exp(model.edm.pMean + model.edm.pStd * rng.normal()));
const batch = {
  x0: tf.tensor2d(buf.x0, [B, D]),
  cond: tf.tensor2d(buf.cond, [B, D]),
  target: tf.tensor2d(buf.target, [B, D]),
  sigma: tf.tensor2d(sig, [B, 1]),
  noise: tf.randomNormal([B, D], 0, 1, 'float32', 3) as tf.Tensor2D,
};
const step = () => {
  const l = edmStep(model.net, model.optimizer, model.edm, batch, 1e-4);
  updateEma(model.ema.params, model.net.params, 0.99);
  l.dataSync();
  l.dispose();
};
for (let i = 0; i < 30; i++) step();
const prof = await tf.profile(() => step());
const by = new Map<string, { n: number; ms: number }>();
for (const k of prof.kernels) {
  const e = by.get(k.name) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += k.kernelTimeMs as number;
  by.set(k.name, e);
}
console.log(`kernels ${prof.kernels.length}, their time ${prof.kernels.reduce((s, k) => s + (k.kernelTimeMs as number), 0).toFixed(2)} ms`);
for (const [k, v] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(`  ${k} ×${v.n} ${v.ms.toFixed(2)} ms`);
const time = (name: string, f: () => void, reps = 200) => {
  for (let i = 0; i < 20; i++) f();
  const t = performance.now();
  for (let i = 0; i < reps; i++) f();
  console.log(`${name}: ${((performance.now() - t) / reps).toFixed(3)} ms`);
};
time('step (edmStep + updateEma)', step);
time('loss alone (no gradients)', () => tf.tidy(() => edmLoss(model.net, model.edm, batch.x0, batch.cond, batch.target, batch.sigma, batch.noise)).dispose());
const input = tf.concat([batch.x0, batch.cond], 1) as tf.Tensor2D;
const cNoise = tf.div(tf.log(batch.sigma), 4) as tf.Tensor2D;
time('network forward', () => tf.tidy(() => model.net.apply(input, cNoise)).dispose());
time('network gradients on the tape', () => {
  const { value, grads } = tf.variableGrads(() => tf.sum(model.net.apply(input, cNoise)) as tf.Scalar);
  tf.dispose([value, ...Object.values(grads)]);
});
// Each matrix product of one more step, with its operand shapes: which ones gain from a second thread.
const products = await tf.profile(() => step());
for (const k of products.kernels) if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul') console.log(`  ${k.name} ${JSON.stringify(k.inputShapes)} ${(k.kernelTimeMs as number).toFixed(2)} ms`);
