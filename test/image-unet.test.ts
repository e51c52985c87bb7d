import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu'; // the pure-JS backend these tests compare wasm against
import { initBackend, tf } from '../src/backend/index.js';
import { defaultChannels, ImageDiffusion } from '../src/diffusion/image.js';
import { initParameters, parameterShapes, UNet, type UNetConfig } from '../src/diffusion/unet.js';
import { readDicomSeries } from '../src/io/dicom/index.js';
import { chooseWindow, normalize, prepareSlices, type ImagePreprocessing } from '../src/io/dicom/preprocess.js';
import { createRng } from '../src/rng.js';

const BRAIN = resolve(import.meta.dirname, '../fixtures/dicom/brain-mr');

let dir: string;
beforeAll(async () => {
  // The point of these tests is training on wasm, the CPU backend that needs the conv-gradient bridge.
  const info = await initBackend({ backend: 'wasm' });
  expect(info.name).toBe('wasm');
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-unet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Brain slices at `size`², normalised to [−1, 1] with a percentile window. */
async function brainSlices(size: number, count: number): Promise<{ images: Float32Array[]; prep: ImagePreprocessing }> {
  const series = await readDicomSeries(BRAIN);
  const slices = prepareSlices(series[0]!.images.slice(4, 4 + count), size);
  const w = chooseWindow(slices.map((s) => s.modality));
  return { images: slices.map((s) => normalize(s.modality, w.window)), prep: { imageSize: size, ...w, flip: true } };
}

describe('wasm convolution gradients', () => {
  const cases: { x: number[]; w: number[]; strides: number | [number, number]; pad: 'same' | 'valid' | number }[] = [
    { x: [2, 9, 7, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], w: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 2], w: [5, 3, 2, 3], strides: 1, pad: 'valid' },
    { x: [2, 10, 9, 3], w: [3, 3, 3, 2], strides: [2, 1], pad: 'same' },
    { x: [2, 10, 9, 3], w: [3, 3, 3, 2], strides: 1, pad: 2 },
    { x: [1, 6, 6, 4], w: [1, 1, 4, 5], strides: 1, pad: 'same' },
  ];

  it.each(cases)('match the cpu backend for x $x, filter $w, strides $strides, pad $pad', async ({ x: xs, w: ws, strides, pad }) => {
    const rng = createRng(xs.length * 31 + ws[0]!);
    const xv = Float32Array.from({ length: xs.reduce((a, b) => a * b) }, () => rng.normal());
    const wv = Float32Array.from({ length: ws.reduce((a, b) => a * b) }, () => rng.normal());
    const grads = () =>
      tf.tidy(() => {
        const f = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(x, w, strides, pad)));
        const [gx, gw] = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([tf.tensor(xv, xs), tf.tensor(wv, ws)]);
        return [gx!.dataSync().slice(), gw!.dataSync().slice()];
      });
    expect(tf.getBackend()).toBe('wasm');
    const before = tf.memory().numTensors;
    const [wasmDx, wasmDw] = grads();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const [cpuDx, cpuDw] = grads();
    await tf.setBackend('wasm');
    const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let d = 0, s = 0;
      for (let i = 0; i < a.length; i++) {
        d = Math.max(d, Math.abs(a[i]! - b[i]!));
        s = Math.max(s, Math.abs(b[i]!));
      }
      return d / s;
    };
    expect(relErr(wasmDx!, cpuDx!)).toBeLessThan(1e-5);
    expect(relErr(wasmDw!, cpuDw!)).toBeLessThan(1e-5);
  });

  it('bridges channels-first filter gradients to the cpu kernel', async () => {
    const x = tf.randomNormal([2, 3, 6, 5], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([2, 4, 6, 5], 0, 1, 'float32', 2);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap;
    const onWasm = (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor).dataSync().slice();
    await tf.setBackend('cpu');
    const onCpu = (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor(x.dataSync(), x.shape), dy: tf.tensor(dy.dataSync(), dy.shape) }, attrs) as tf.Tensor).dataSync();
    await tf.setBackend('wasm');
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });
});

describe('U-Net', () => {
  it.each([
    { imageSize: 16, channels: [4, 8] },
    { imageSize: 32, channels: [4, 8, 16] },
  ])('maps [B, $imageSize, $imageSize, 1] to the same shape (channels $channels) and starts at F = 0', ({ imageSize, channels }) => {
    const cfg: UNetConfig = { imageSize, channels, timeDim: 16, inChannels: 1 };
    const net = UNet.create(cfg, initParameters(cfg, createRng(1)), false);
    const out = tf.tidy(() => {
      const y = net.apply(tf.randomNormal([3, imageSize, imageSize, 1]) as tf.Tensor4D, tf.tensor1d([-1, 0, 1]));
      return { shape: y.shape, maxAbs: tf.max(tf.abs(y)).dataSync()[0]! };
    });
    expect(out.shape).toEqual([3, imageSize, imageSize, 1]);
    // The output conv is zero-initialised: the denoiser starts as c_skip·x.
    expect(out.maxAbs).toBe(0);
    expect(net.parameterCount).toBe(parameterShapes(cfg).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0));
    net.dispose();
  });

  it('leaves no tensor behind once disposed (the initial values are freed when the variables take them)', () => {
    const cfg: UNetConfig = { imageSize: 16, channels: [4, 8], timeDim: 16, inChannels: 1 };
    const before = tf.memory().numTensors;
    UNet.create(cfg, initParameters(cfg, createRng(1)), true).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('defaults to up to four levels, down to no less than 4² pixels', () => {
    expect(defaultChannels('cpu', 64)).toEqual([16, 32, 64, 64]);
    expect(defaultChannels('gpu', 64)).toEqual([32, 64, 128, 128]);
    expect(defaultChannels('cpu', 16, 8)).toEqual([8, 16, 32]);
    expect(defaultChannels('cpu', 20)).toEqual([16, 32, 64]);
    expect(defaultChannels('cpu', 18)).toEqual([16, 32]);
  });

  it('rejects an image size the levels cannot halve', () => {
    expect(() => parameterShapes({ imageSize: 18, channels: [4, 8, 16], timeDim: 16, inChannels: 1 })).toThrow(/divisible by 2\^2/);
  });
});

describe('ImageDiffusion', () => {
  it('keeps the tensor count flat across training steps and sampling', async () => {
    const { images, prep } = await brainSlices(16, 4);
    const model = ImageDiffusion.create(prep, { channels: [4, 8], seed: 1, train: { steps: 2, batchSize: 4 } });
    await model.fit(images);
    const afterTwo = tf.memory().numTensors;
    model.trainOptions = { ...model.trainOptions, steps: 6 };
    await model.fit(images);
    expect(tf.memory().numTensors).toBe(afterTwo);
    const samples = await model.sample(3, { seed: 1, steps: 3 });
    expect(samples).toHaveLength(3);
    expect(tf.memory().numTensors).toBe(afterTwo);
    model.dispose();
  });

  it('reduces the loss when training a tiny model on downsampled brain slices', async () => {
    const { images, prep } = await brainSlices(16, 6);
    const model = ImageDiffusion.create(prep, { channels: [8, 16], seed: 3, train: { steps: 120, batchSize: 8, learningRate: 2e-3 } });
    const before = await model.evaluateLoss(images, 5);
    await model.fit(images);
    const after = await model.evaluateLoss(images, 5);
    expect(after).toBeLessThan(0.6 * before);
    const curve = model.state.lossCurve;
    expect(curve.at(-1)![1]).toBeLessThan(curve[0]![1]);
    model.dispose();
  });

  it('records the held-out loss through training without changing the weights, and keeps the curve across a resume', async () => {
    const { images, prep } = await brainSlices(16, 6);
    const train = images.slice(0, 4), held = images.slice(4);
    const options = { channels: [4, 8], seed: 6, train: { steps: 20, batchSize: 4 } };
    const plain = ImageDiffusion.create(prep, options);
    await plain.fit(train);
    const watched = ImageDiffusion.create(prep, options);
    const seen: number[] = [];
    await watched.fit(train, { heldOut: { images: held, seed: 9, every: 6, onLoss: (step) => seen.push(step) }, checkpoint: { dir: join(dir, 'held-half'), everyMs: Infinity, everySteps: 10 } });
    // Every 6 steps and at the last; the last point is the finished EMA model's held-out loss.
    expect(watched.state.heldOutCurve!.map(([step]) => step)).toEqual([6, 12, 18, 20]);
    expect(seen).toEqual([6, 12, 18, 20]);
    expect(watched.state.heldOutCurve!.at(-1)![1]).toBe(await watched.evaluateLoss(held, 9));
    expect(plain.state.heldOutCurve).toBeUndefined();
    // The curve draws nothing from the training stream: the same weights with or without it.
    expect(await watched.net.read()).toEqual(await plain.net.read());
    expect(await watched.ema.read()).toEqual(await plain.ema.read());
    // A periodic save carries the curve so far; the resumed run ends with the whole curve.
    const resumed = await ImageDiffusion.load(join(dir, 'held-half'));
    expect(resumed.state.heldOutCurve!.map(([step]) => step)).toEqual([6]);
    await resumed.fit(train, { heldOut: { images: held, seed: 9, every: 6 } });
    expect(resumed.state.heldOutCurve).toEqual(watched.state.heldOutCurve);
    for (const m of [plain, watched, resumed]) m.dispose();
  });

  it('resumed from a checkpoint at N/2, ends bit for bit as the uninterrupted run (issue 17)', async () => {
    const { images, prep } = await brainSlices(16, 5);
    // 5 images in batches of 4 with flips, a loss-curve entry every 2 steps: the save at step 51 falls mid-epoch and between entries.
    const options = { channels: [4, 8], seed: 4, train: { steps: 100, batchSize: 4 } };
    const whole = ImageDiffusion.create({ ...prep, flip: true }, options);
    await whole.fit(images, { checkpoint: { dir: join(dir, 'half'), everyMs: Infinity, everySteps: 51 } });
    await whole.save(join(dir, 'whole'));
    const resumed = await ImageDiffusion.load(join(dir, 'half'));
    expect(resumed.state.step).toBe(51);
    await resumed.fit(images);
    await resumed.save(join(dir, 'resumed'));
    const sha = async (k: string) => (JSON.parse(await readFile(join(dir, k, 'model.json'), 'utf8')) as { weights: { sha256: string } }).weights.sha256;
    expect(await sha('resumed')).toBe(await sha('whole'));
    expect(resumed.state).toEqual(whole.state);
    whole.dispose();
    resumed.dispose();
  });

  it('saves and loads a checkpoint that samples the same images', async () => {
    const { images, prep } = await brainSlices(16, 3);
    const model = ImageDiffusion.create(prep, { channels: [4, 8], seed: 2, train: { steps: 5, batchSize: 4 } });
    await model.fit(images);
    await model.save(join(dir, 'model'));
    const loaded = await ImageDiffusion.load(join(dir, 'model'));
    expect(loaded.preprocessing).toEqual(prep);
    expect(loaded.state.step).toBe(5);
    const [a] = await model.sample(1, { seed: 9, steps: 4 });
    const [b] = await loaded.sample(1, { seed: 9, steps: 4 });
    expect(Array.from(b!)).toEqual(Array.from(a!));
    model.dispose();
    loaded.dispose();
  });
});
