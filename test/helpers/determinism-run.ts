/**
 * Child process for test/determinism.test.ts: train a small model on mice__nhanes for a few steps and
 * sample from it, on the wasm backend with `SYNTHDIFF_THREADS` threads; prints one JSON line with the
 * thread count and SHA-256 digests of the trained weights and of each sampler's output.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { TabularDiffusion } from '../../src/diffusion/tabular.js';
import { readTable } from '../../src/io/table-io.js';

const info = await initBackend({ backend: 'wasm' });
const { table } = await readTable(join(import.meta.dirname, '../../fixtures/tables/mice__nhanes.csv'));
const model = TabularDiffusion.create(table, { width: 64, depth: 2, seed: 5, train: { steps: 25, batchSize: 16, patience: 0 } });
await model.fit(table);
const digest = (xs: ArrayLike<number>[]) => {
  const h = createHash('sha256');
  for (const x of xs) h.update(new Uint8Array(Float32Array.from(x).buffer));
  return h.digest('hex').slice(0, 16);
};
const weights = digest(await model.ema.read());
const out: Record<string, string> = {};
for (const sampler of ['heun', 'dpmpp-2m', 'edm-stochastic'] as const) {
  const t = await model.generate(300, { seed: 9, sampler, steps: 6 });
  const h = createHash('sha256');
  for (const c of t.columns) h.update(new Uint8Array('values' in c ? c.values.buffer : c.codes.buffer));
  out[sampler] = h.digest('hex').slice(0, 16);
}
process.stdout.write(`${JSON.stringify({ threads: info.threads, weights, ...out })}\n`);
model.dispose();
