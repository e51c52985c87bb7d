import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { TFJS_CORE_VERSION } from '../src/backend/tfjs-gradients.js';

/**
 * synthdiff depends on @tensorflow/tfjs-core, whose Node entry registers no gradients; the backend module
 * loads them from src/backend/tfjs-gradients.ts, bundled from tfjs-core by scripts/vendor-tfjs-gradients.mjs.
 */
describe('vendored tfjs-core gradients', () => {
  const core = 'node_modules/@tensorflow/tfjs-core';
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('come from the installed tfjs-core (rerun npm run vendor:tfjs-gradients after an upgrade)', () => {
    const installed = (JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as { version: string }).version;
    expect(TFJS_CORE_VERSION).toBe(installed);
    expect(tf.version_core).toBe(installed);
  });

  it("register a gradient for every kernel tfjs-core's register_all_gradients does", () => {
    // Each gradients/<Kernel>_grad.js holds `kernelName: <Kernel>` for one kernel name constant.
    const names = readdirSync(join(core, 'dist/gradients'))
      .filter((f) => f.endsWith('_grad.js'))
      .flatMap((f) => [...readFileSync(join(core, 'dist/gradients', f), 'utf8').matchAll(/kernelName: (\w+)/g)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThan(100);
    const kernels = tf as unknown as Record<string, unknown>;
    const missing = names.map((n) => kernels[n]).filter((k) => typeof k !== 'string' || tf.getGradient(k) === undefined);
    expect(missing).toEqual([]);
  });

  it('differentiate through the ops the model trains with, on the same engine', () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.div(tf.square(tf.sub(v, 1)), 2)))(x);
    expect(Array.from(g.dataSync())).toEqual([-0.5, -2, 1]);
    tf.dispose([x, g]);
  });
});
