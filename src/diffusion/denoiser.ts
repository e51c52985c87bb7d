import { tf } from '../backend/index.js';
import { preconditioning, type EdmConfig } from './edm.js';
import type { Mlp } from './network.js';

/**
 * The preconditioned denoiser D(x; σ) = c_skip·x + c_out·F(c_in·x, c_noise) (EDM eq. 7), with CSDI-style
 * conditioning: conditioning dimensions are fed clean, and the mask itself is an input.
 */
export function networkInput(xNoisy: tf.Tensor2D, x0: tf.Tensor2D, cond: tf.Tensor2D, cIn: tf.Tensor | number): tf.Tensor2D {
  const free = tf.sub(1, cond);
  const values = tf.add(tf.mul(tf.mul(xNoisy, cIn), free), tf.mul(x0, cond));
  return tf.concat([values, cond], 1) as tf.Tensor2D;
}

/** D(x; σ) for one σ shared by the whole batch (sampling). Call inside tf.tidy. */
export function denoise(net: Mlp, edm: EdmConfig, x: tf.Tensor2D, x0: tf.Tensor2D, cond: tf.Tensor2D, sigma: number): tf.Tensor2D {
  const { cSkip, cOut, cIn, cNoise } = preconditioning(sigma, edm.sigmaData);
  const f = net.applyAtNoiseLevel(networkInput(x, x0, cond, cIn), cNoise);
  return tf.add(tf.mul(x, cSkip), tf.mul(f, cOut)) as tf.Tensor2D;
}

/**
 * EDM training loss for a batch with per-row σ [B,1]: ‖F − (x₀ − c_skip·x_σ)/c_out‖² over target entries,
 * which equals EDM's λ(σ)-weighted denoising loss. Returns the mean over target entries.
 */
export function edmLoss(net: Mlp, edm: EdmConfig, x0: tf.Tensor2D, cond: tf.Tensor2D, target: tf.Tensor2D, sigma: tf.Tensor2D, noise: tf.Tensor2D): tf.Scalar {
  const { cIn, cSkip, cOut, cNoise } = edmCoefficients(sigma, edm.sigmaData);
  const xNoisy = tf.add(x0, tf.mul(sigma, noise)) as tf.Tensor2D;
  const f = net.apply(networkInput(xNoisy, x0, cond, cIn), cNoise as tf.Tensor2D);
  const fTarget = tf.div(tf.sub(x0, tf.mul(cSkip, xNoisy)), cOut);
  const err = tf.mul(tf.square(tf.sub(f, fTarget)), target);
  return tf.div(tf.sum(err), tf.maximum(tf.sum(target), 1)) as tf.Scalar;
}

/**
 * The EDM loss of `edmLoss` and its parameter gradients, off the tape: ∂loss/∂F = 2·(F − F*)·target /
 * max(Σ target, 1) is written out, so only the network is differentiated (by its own backward,
 * Mlp.gradients). Gradients in parameter order. Call inside tf.tidy.
 */
export function edmGradients(net: Mlp, edm: EdmConfig, x0: tf.Tensor2D, cond: tf.Tensor2D, target: tf.Tensor2D, sigma: tf.Tensor2D, noise: tf.Tensor2D): { grads: tf.Tensor[]; loss: tf.Scalar } {
  const { cIn, cSkip, cOut, cNoise } = edmCoefficients(sigma, edm.sigmaData);
  const xNoisy = tf.add(x0, tf.mul(sigma, noise)) as tf.Tensor2D;
  const fTarget = tf.div(tf.sub(x0, tf.mul(cSkip, xNoisy)), cOut);
  const entries = tf.maximum(tf.sum(target), 1);
  return net.gradients(networkInput(xNoisy, x0, cond, cIn), cNoise as tf.Tensor2D, (f) => {
    const e = tf.sub(f, fTarget);
    const diff = tf.mul(e, target);
    return { dy: tf.div(tf.mul(diff, 2), entries) as tf.Tensor2D, loss: tf.div(tf.sum(tf.mul(diff, e)), entries) as tf.Scalar };
  });
}

/**
 * EDM Table 1 preconditioning as tensors for a per-sample σ (any shape that broadcasts against the data,
 * e.g. [B,1] for tables or [B,1,1,1] for images). Call inside tf.tidy.
 */
export function edmCoefficients(sigma: tf.Tensor, sigmaData: number): { cIn: tf.Tensor; cSkip: tf.Tensor; cOut: tf.Tensor; cNoise: tf.Tensor } {
  const sd2 = sigmaData * sigmaData;
  const s2 = tf.add(tf.square(sigma), sd2);
  const cIn = tf.rsqrt(s2);
  return { cIn, cSkip: tf.div(sd2, s2), cOut: tf.mul(tf.mul(sigma, sigmaData), cIn), cNoise: tf.div(tf.log(sigma), 4) };
}

/**
 * DP-SGD's view of the EDM loss: each row's own loss ℓᵢ = Σ_d target·(F − F*)² / max(Σ_d target, 1) (the
 * mean over its target entries; the batch loss above pools entries across rows, which ties rows
 * together), and the clipped sum of the rows' gradients (Mlp.clippedGradients). Returns the clipped
 * gradient sum, the per-row gradient norms before clipping and Σᵢ ℓᵢ. Call inside tf.tidy, off the tape.
 */
export function edmClippedGradients(
  net: Mlp,
  edm: EdmConfig,
  x0: tf.Tensor2D,
  cond: tf.Tensor2D,
  target: tf.Tensor2D,
  sigma: tf.Tensor2D,
  noise: tf.Tensor2D,
  clip: number,
): { grads: tf.Tensor[]; norms: tf.Tensor1D; loss: tf.Scalar } {
  const { cIn, cSkip, cOut, cNoise } = edmCoefficients(sigma, edm.sigmaData);
  const xNoisy = tf.add(x0, tf.mul(sigma, noise)) as tf.Tensor2D;
  const fTarget = tf.div(tf.sub(x0, tf.mul(cSkip, xNoisy)), cOut);
  const perRow = tf.reshape(tf.maximum(tf.sum(target, 1), 1), [-1, 1]);
  return net.clippedGradients(networkInput(xNoisy, x0, cond, cIn), cNoise as tf.Tensor2D, (f) => {
    const diff = tf.mul(tf.sub(f, fTarget), target);
    return { dy: tf.div(tf.mul(diff, 2), perRow) as tf.Tensor2D, loss: tf.sum(tf.div(tf.square(diff), perRow)) as tf.Scalar };
  }, clip);
}
