import { tf } from '../../src/backend/index.js';
import { Adam } from '../../src/diffusion/adam.js';
import { EDM_DEFAULTS } from '../../src/diffusion/edm.js';
import { Mlp, initParameters, type MlpConfig } from '../../src/diffusion/network.js';
import { edmStep, updateEma } from '../../src/diffusion/train.js';
import { createRng } from '../../src/rng.js';

/** The small denoiser the fast-path tests drive: 6 data dimensions, 3 hidden layers of 32. */
export const TINY_MLP: MlpConfig = { dim: 6, width: 32, depth: 3, timeDim: 8 };

/**
 * One training step as trainDiffusion takes it (edmStep on a 40-row batch, then updateEma) and one sampler
 * step (the EMA network at one noise level), on TINY_MLP; everything it made is disposed. The fast-path tests
 * read their kernel counters around it. Returns the parameter count, the loss and the sampler output's shape.
 */
export function tinyTrainingAndSamplerStep(prefix: string): { nParams: number; loss: number; outShape: number[] } {
  const cfg = TINY_MLP, D = cfg.dim, B = 40;
  const net = Mlp.create(cfg, initParameters(cfg, createRng(1)), true, `${prefix}.`);
  const ema = Mlp.create(cfg, initParameters(cfg, createRng(1)), false, `${prefix}-ema.`);
  const opt = new Adam(net.params);
  const rng = createRng(2);
  const cond = tf.tensor2d(Float32Array.from({ length: B * D }, () => (rng.next() < 0.3 ? 1 : 0)), [B, D]);
  const batch = {
    x0: tf.randomNormal([B, D], 0, 1, 'float32', 1) as tf.Tensor2D,
    cond,
    target: tf.sub(1, cond) as tf.Tensor2D,
    sigma: tf.exp(tf.randomNormal([B, 1], -0.5, 1.4, 'float32', 2)) as tf.Tensor2D,
    noise: tf.randomNormal([B, D], 0, 1, 'float32', 3) as tf.Tensor2D,
  };
  const lossT = edmStep(net, opt, EDM_DEFAULTS, batch, 1e-3);
  updateEma(ema.params, net.params, 0.9);
  const input = tf.concat([batch.x0, batch.cond], 1) as tf.Tensor2D;
  const out = tf.tidy(() => ema.applyAtNoiseLevel(input, 0.3));
  const result = { nParams: net.params.length, loss: lossT.dataSync()[0]!, outShape: out.shape };
  tf.dispose([lossT, out, input, ...Object.values(batch)]);
  opt.dispose();
  net.dispose();
  ema.dispose();
  return result;
}
