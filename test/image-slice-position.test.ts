import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../src/backend/index.js';
import { ImageDiffusion } from '../src/diffusion/image.js';
import { ModelError } from '../src/errors.js';
import { evenLevels, sliceLevels } from '../src/run/image/export.js';
import { createRng } from '../src/rng.js';

/** Issue 16: the image model conditions on the slice's level in its volume, so synthetic slices cover the levels. */
const SIZE = 8;

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-slice-position-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A toy "volume" whose anatomy moves with the level: a bright bar at row round(level·7), the rest dark. */
function slice(level: number, rng: { normal(): number }): Float32Array {
  const row = Math.round(level * (SIZE - 1));
  return Float32Array.from({ length: SIZE * SIZE }, (_, i) => (Math.floor(i / SIZE) === row ? 0.8 : -0.8) + 0.02 * rng.normal());
}

/** The row with the highest mean value. */
function brightestRow(im: Float32Array): number {
  let best = 0, bestMean = -Infinity;
  for (let r = 0; r < SIZE; r++) {
    const m = im.subarray(r * SIZE, (r + 1) * SIZE).reduce((a, v) => a + v, 0) / SIZE;
    if (m > bestMean) [best, bestMean] = [r, m];
  }
  return best;
}

describe('slice-position conditioning', () => {
  it('levels run 0 → 1 along the slice normal, whatever the input order', () => {
    const axial = [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number];
    const at = (z: number) => ({ plane: { position: [0, 0, z] as [number, number, number], orientation: axial } });
    expect(sliceLevels([at(30), at(10), at(20), at(15)])).toEqual([1, 0, 0.5, 0.25]);
    expect(sliceLevels([at(3), at(3)])).toBeUndefined(); // one position: no volume to span
    expect(sliceLevels([at(3), {}])).toBeUndefined();
    expect(evenLevels(5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(evenLevels(1)).toEqual([0.5]);
  });

  it('draws, at each level, the slice that lies there (and survives a checkpoint)', async () => {
    const rng = createRng(2);
    const levels = Array.from({ length: 32 }, (_, i) => (i % 8) / 7);
    const images = levels.map((l) => slice(l, rng));
    const prep = { imageSize: SIZE, window: [0, 1] as [number, number], windowSource: 'spec' as const, flip: false };
    const model = ImageDiffusion.create(prep, { channels: [8, 8], seed: 1, slicePosition: true, train: { steps: 500, batchSize: 16, learningRate: 3e-3 } });
    expect(model.slicePosition).toBe(true);
    const before = tf.memory().numTensors;
    await model.fit(images, { levels });
    expect(tf.memory().numTensors).toBe(before);
    const wanted = [0, 2 / 7, 5 / 7, 1, 0, 2 / 7, 5 / 7, 1];
    const drawn = await model.sample(wanted.length, { seed: 4, steps: 12, levels: wanted });
    const rows = drawn.map(brightestRow);
    console.info(`slice-position model: bright row at levels ${wanted.map((l) => l.toFixed(2)).join(', ')}: ${rows.join(', ')} (wanted ${wanted.map((l) => Math.round(l * 7)).join(', ')})`);
    // Within one row of the level's bar everywhere (an unconditional model cannot tell which bar is asked for).
    for (const [i, r] of rows.entries()) expect(Math.abs(r - Math.round(wanted[i]! * 7)), `level ${wanted[i]}`).toBeLessThanOrEqual(1);
    // Saved and loaded, it still conditions.
    await model.save(join(dir, 'm'));
    const loaded = await ImageDiffusion.load(join(dir, 'm'));
    expect(loaded.slicePosition).toBe(true);
    expect(await loaded.sample(wanted.length, { seed: 4, steps: 12, levels: wanted })).toEqual(drawn);
    // Levels are required by a conditioned model, refused by others, and checked.
    await expect(loaded.sample(2, { seed: 1 })).rejects.toThrow(new ModelError('sampling: this image model conditions on slice position; give one level in [0, 1] per image (2), got none'));
    await expect(loaded.sample(1, { seed: 1, levels: [1.5] })).rejects.toThrow('sampling: slice level 1.5 is outside [0, 1]');
    const plain = ImageDiffusion.create(prep, { channels: [8, 8], seed: 1 });
    await expect(plain.sample(1, { seed: 1, levels: [0] })).rejects.toThrow('sampling: this image model does not condition on slice position; it takes no levels');
    model.dispose();
    loaded.dispose();
    plain.dispose();
  }, 120_000);
});
