/**
 * Issue 12: the native addon's kernels alone (native/blas.c), as the wasm backend calls them.
 * - sgemm on the products of a 3×256 step at batch 4,096 (and two at 256), 1 and 2 OpenBLAS threads;
 * - the same 4,096 × 256 × 256 product plain and with a bias and relu;
 * - the noise embedding of a 4,096-row batch (32 frequencies): the addon's sincos against tfjs's wasm Sin
 *   and Cos kernels.
 * Means of `REPS` calls after 10 warm-ups. usage: [REPS=60] npx tsx bench/prototypes/native-kernels.mts
 * (`env -u OPENBLAS_CORETYPE` lets OpenBLAS pick its kernels for the CPU where the environment pins them)
 */
import { initBackend, tf } from '../../src/backend/index.js';
import { nativeBlas } from '../../src/backend/native-blas.js';

const blas = nativeBlas();
if (!blas) throw new Error('native addon not built or SYNTHDIFF_BLAS=off (scripts/build-native.mjs)');
console.log(blas.config());
const REPS = Number(process.env.REPS ?? 60);
const mean = (f: () => void): number => {
  for (let i = 0; i < 10; i++) f();
  const t = performance.now();
  for (let i = 0; i < REPS; i++) f();
  return (performance.now() - t) / REPS;
};
const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);

// [name, transposeA, transposeB, M, K, N]
const shapes: [string, boolean, boolean, number, number, number][] = [
  ['forward, input layer', false, false, 4096, 68, 256],
  ['forward, time layer', false, false, 4096, 64, 256],
  ['forward, hidden layer', false, false, 4096, 256, 256],
  ['forward, output layer', false, false, 4096, 256, 34],
  ['dW, hidden layer', true, false, 256, 4096, 256],
  ['dW, output layer', true, false, 256, 4096, 34],
  ['dW, input layer', true, false, 68, 4096, 256],
  ['dX, hidden layer', false, true, 4096, 256, 256],
  ['dX, output layer', false, true, 4096, 34, 256],
  ['batch 256, hidden layer', false, false, 256, 256, 256],
  ['batch 256, dW hidden', true, false, 256, 256, 256],
];
for (const [name, ta, tb, M, K, N] of shapes) {
  const [a, b, c] = [rand(M * K), rand(K * N), new Float32Array(M * N)];
  const ms = [1, 2].map((th) => {
    blas.setThreads(th);
    return mean(() => blas.sgemm(ta, tb, M, N, K, a, b, c, null, false));
  });
  const gflops = (2 * M * N * K) / ms[0]! / 1e6;
  console.log(`${name.padEnd(24)} ${M}×${K}×${N}: 1 thread ${ms[0]!.toFixed(3)} ms (${gflops.toFixed(0)} GFLOP/s), 2 threads ${ms[1]!.toFixed(3)} ms, ${(ms[0]! / ms[1]!).toFixed(2)}×`);
}
blas.setThreads(1);
{
  const [M, K, N] = [4096, 256, 256];
  const [a, b, c, bias] = [rand(M * K), rand(K * N), new Float32Array(M * N), rand(N)];
  const plain = mean(() => blas.sgemm(false, false, M, N, K, a, b, c, null, false));
  const fused = mean(() => blas.sgemm(false, false, M, N, K, a, b, c, bias, true));
  console.log(`4096×256×256 plain ${plain.toFixed(3)} ms, with bias and relu ${fused.toFixed(3)} ms`);
}
{
  await initBackend({ backend: 'wasm', threads: 1 });
  const c = tf.randomNormal([4096, 1], 0, 1.5, 'float32', 1) as tf.Tensor2D;
  const f = tf.tensor1d(Array.from({ length: 32 }, (_, i) => Math.exp((-Math.log(1000) * i) / 32) * 16));
  const angles = tf.mul(c, f);
  const tfjs = mean(() => tf.tidy(() => [tf.sin(angles), tf.cos(angles)]).forEach((t) => t.dispose()));
  const [cv, fv, out] = [c.dataSync() as Float32Array, f.dataSync() as Float32Array, new Float32Array(4096 * 64)];
  const native = mean(() => blas.sincos(cv, fv, out));
  console.log(`noise embedding 4096 × 32: tfjs wasm Sin + Cos ${tfjs.toFixed(3)} ms, addon sincos ${native.toFixed(3)} ms`);
}
