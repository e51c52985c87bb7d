import { tf } from '../backend/index.js';
import { createRng, deriveSeed, permutation, resumeRng, type Rng, type RngState } from '../rng.js';
import { edmClippedGradients, edmGradients, edmLoss } from './denoiser.js';
import { PrivacyLedger, type PrivacyPlan } from './privacy.js';
import { EDM_DEFAULTS, type EdmConfig } from './edm.js';
import { fillTrainingBatch, DEFAULT_MASK_POLICY, type MaskPolicy } from './masks.js';
import type { Mlp } from './network.js';
import type { Adam } from './adam.js';
import { hostMemoryBackend, hostTensor, hostView } from '../backend/host-memory.js';
import { heapOffset, wasmSimdKernels } from '../backend/wasm-simd-kernels.js';

export interface TrainOptions {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Linear warm-up steps, then cosine decay to `finalLrFraction`·lr. */
  warmupSteps: number;
  finalLrFraction: number;
  emaDecay: number;
  /** Evaluate the validation loss every this many steps (0: never). */
  evalEvery: number;
  /** Stop after this many evaluations without improvement (0: never stop early). */
  patience: number;
  seed: number;
  maskPolicy: MaskPolicy;
  edm: EdmConfig;
  /** DP-SGD (privacy.ts): Poisson batches, clipped per-row gradients, Gaussian noise; no validation. */
  privacy?: PrivacyPlan;
}

export function defaultTrainOptions(nRows: number, overrides: Partial<TrainOptions> = {}): TrainOptions {
  const steps = overrides.steps ?? (nRows < 1000 ? 2000 : nRows < 2000 ? 4000 : nRows < 20000 ? 8000 : 12000);
  return {
    steps,
    batchSize: Math.min(nRows, nRows < 2000 ? 256 : 512),
    learningRate: 1e-3,
    warmupSteps: Math.min(500, Math.round(steps * 0.05)),
    finalLrFraction: 0.05,
    emaDecay: 0.999,
    evalEvery: Math.max(100, Math.round(steps / 40)),
    patience: 12,
    seed: 0,
    maskPolicy: DEFAULT_MASK_POLICY,
    edm: EDM_DEFAULTS,
    ...overrides,
  };
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  valLoss?: number;
  stepsPerSec: number;
  etaSec: number;
  lr: number;
  /** DP runs: ε spent so far (encoders included). */
  epsilon?: number;
}

/**
 * Periodic checkpoints while training: every `everyMs` of wall time (checked after each step), `save`
 * gets the state as of that step. The run then survives a kill: resuming continues from the last save.
 */
export interface PeriodicCheckpoint {
  everyMs: number;
  /** Also save after every this many steps (tests checkpoint at a known step). */
  everySteps?: number;
  save: (state: TrainState) => Promise<void>;
}

/** Everything that must survive a checkpoint to resume training exactly where it stopped. */
export interface TrainState {
  step: number;
  bestValLoss: number;
  evalsWithoutImprovement: number;
  /** Seed of the random stream of a run starting at `step` (a fresh start, or a checkpoint without `rng`). */
  rngState: number;
  /**
   * A periodic save's exact place in the stream: the generator's state, its state when the current epoch's
   * row order was drawn (the order is drawn again from it) and the cursor in that order. With these and
   * `bestEma` a resumed run continues bit for bit as the uninterrupted run.
   */
  rng?: RngState;
  orderRng?: RngState;
  cursor?: number;
  /** The EMA weights that validated best so far, restored at the end when later ones did not improve. */
  bestEma?: Float32Array[];
  /** Why the last training call ended (absent in periodic saves, which are taken mid-run). */
  stoppedBy?: StopReason;
}

/** All steps done; the validation loss stopped improving; `model.timeBudget` ran out; the DP budget ε ran out. */
export type StopReason = 'steps' | 'early stopping' | 'timeBudget' | 'privacy budget';

export interface TrainData {
  x: Float32Array;
  observed: Uint8Array;
  nRows: number;
  dimColumn: Int32Array;
  nColumns: number;
}

/** Linear warm-up, then cosine decay to `finalLrFraction`·lr (shared by the table and image models). */
export function learningRateAt(step: number, o: Pick<TrainOptions, 'steps' | 'learningRate' | 'warmupSteps' | 'finalLrFraction'>): number {
  if (step < o.warmupSteps) return (o.learningRate * (step + 1)) / o.warmupSteps;
  const t = (step - o.warmupSteps) / Math.max(1, o.steps - o.warmupSteps);
  return o.learningRate * (o.finalLrFraction + (1 - o.finalLrFraction) * 0.5 * (1 + Math.cos(Math.PI * Math.min(t, 1))));
}

/**
 * One optimisation step on a batch: the EDM loss's gradients (edmGradients: the loss written out, only the
 * network differentiated, off tfjs's tape) and the Adam update. Returns the loss (the caller disposes).
 */
export function edmStep(net: Mlp, optimizer: Adam, edm: EdmConfig, batch: { x0: tf.Tensor2D; cond: tf.Tensor2D; target: tf.Tensor2D; sigma: tf.Tensor2D; noise: tf.Tensor2D }, learningRate: number): tf.Scalar {
  const { grads, loss } = tf.tidy(() => edmGradients(net, edm, batch.x0, batch.cond, batch.target, batch.sigma, batch.noise));
  const named: tf.NamedTensorMap = {};
  net.params.forEach((p, k) => (named[p.name] = grads[k]!));
  optimizer.update(named, learningRate);
  return loss;
}

/**
 * `ema ← decay·ema + (1 − decay)·net`, parameter by parameter, into new tensors (never in place: the wasm
 * backend caches weights packed for matmuls by tensor). One pass per parameter where tensors live in host
 * memory (a SIMD kernel on wasm, a loop on cpu) instead of three kernels; tensor ops on a GPU backend.
 */
export function updateEma(ema: readonly tf.Variable[], net: readonly tf.Variable[], decay: number): void {
  const simd = hostMemoryBackend() ? wasmSimdKernels() : undefined;
  if (simd) {
    tf.tidy(() => ema.forEach((e, i) => e.assign(hostTensor(e.shape, (out) => simd.ema(heapOffset(e), heapOffset(net[i]!), out.byteOffset, e.size, decay, 1 - decay)))));
    return;
  }
  if (!hostMemoryBackend()) {
    tf.tidy(() => ema.forEach((e, i) => e.assign(tf.add(tf.mul(e, decay), tf.mul(net[i]!, 1 - decay)))));
    return;
  }
  const c = 1 - decay;
  tf.tidy(() =>
    ema.forEach((e, i) => {
      const next = hostTensor(e.shape, (out) => {
        const a = hostView(e), p = hostView(net[i]!);
        for (let j = 0; j < out.length; j++) out[j] = a[j]! * decay + p[j]! * c;
      });
      e.assign(next);
    }),
  );
}

interface Batch {
  x0: tf.Tensor2D;
  cond: tf.Tensor2D;
  target: tf.Tensor2D;
  sigma: tf.Tensor2D;
  noise: tf.Tensor2D;
}

/** A periodic checkpoint is due after `done` steps: its wall-clock interval has passed, or its step interval (tests). */
function checkpointDue(checkpoint: PeriodicCheckpoint | undefined, done: number, steps: number, lastSave: number): checkpoint is PeriodicCheckpoint {
  return checkpoint !== undefined && done < steps && (performance.now() - lastSave >= checkpoint.everyMs || (checkpoint.everySteps !== undefined && done % checkpoint.everySteps === 0));
}

function makeBatch(rows: ArrayLike<number>, data: TrainData, rng: Rng, o: TrainOptions, noiseSeed: number): Batch {
  const B = rows.length;
  const D = data.dimColumn.length;
  const buf = { x0: new Float32Array(B * D), cond: new Float32Array(B * D), target: new Float32Array(B * D) };
  fillTrainingBatch(rows, data.x, data.observed, data.dimColumn, data.nColumns, rng, o.maskPolicy, buf);
  const sigma = new Float32Array(B);
  for (let b = 0; b < B; b++) sigma[b] = Math.exp(o.edm.pMean + o.edm.pStd * rng.normal());
  return {
    x0: tf.tensor2d(buf.x0, [B, D]),
    cond: tf.tensor2d(buf.cond, [B, D]),
    target: tf.tensor2d(buf.target, [B, D]),
    sigma: tf.tensor2d(sigma, [B, 1]),
    noise: tf.randomNormal([B, D], 0, 1, 'float32', noiseSeed) as tf.Tensor2D,
  };
}

function disposeBatch(b: Batch): void {
  tf.dispose([b.x0, b.cond, b.target, b.sigma, b.noise]);
}

/**
 * Train `net` (and its EMA copy `ema`) with Adam on the EDM loss. Rows are drawn by epoch-wise shuffles
 * from the seeded generator, so the same seed and data give the same weights on the same backend.
 * The validation batch (rows, masks, σ and noise) is fixed once, so successive validation losses compare.
 */
/** `model.timeBudget`: the wall-clock time (performance.now()) after which training ends at the current step. */
function pastDeadline(deadline: number | undefined): boolean {
  return deadline !== undefined && performance.now() >= deadline;
}

export async function trainDiffusion(
  net: Mlp,
  ema: Mlp,
  optimizer: Adam,
  train: TrainData,
  val: TrainData | undefined,
  o: TrainOptions,
  state: TrainState,
  onProgress?: (p: TrainProgress) => void,
  checkpoint?: PeriodicCheckpoint,
  deadline?: number,
): Promise<TrainState> {
  if (o.privacy) return trainPrivately(net, ema, optimizer, train, o, o.privacy, state, onProgress, checkpoint, deadline);
  const rng = state.rng ? resumeRng(state.rng) : createRng(state.rngState);
  let lastSave = performance.now();
  const vars = net.params;
  const valBatch = val && val.nRows > 0 ? makeBatch(Array.from({ length: Math.min(val.nRows, 2048) }, (_, i) => i), val, createRng(o.seed ^ 0x5eed), o, o.seed ^ 0xbeef) : undefined;
  const valLoss = async (): Promise<number> => {
    const l = tf.tidy(() => edmLoss(ema, o.edm, valBatch!.x0, valBatch!.cond, valBatch!.target, valBatch!.sigma, valBatch!.noise));
    const v = (await l.data())[0]!;
    l.dispose();
    return v;
  };
  let orderRng = state.rng && state.orderRng ? state.orderRng : rng.state();
  let order = permutation(train.nRows, state.rng && state.orderRng ? resumeRng(orderRng) : rng);
  let cursor = state.rng && state.cursor !== undefined ? state.cursor : 0;
  const rows = new Int32Array(Math.min(o.batchSize, train.nRows));
  const started = performance.now();
  const startStep = state.step;
  let lossSum = 0, lossCount = 0, lastLoss = NaN;
  let best = state.bestValLoss, stale = state.evalsWithoutImprovement;
  let bestEma = state.bestEma;
  const logEvery = Math.max(1, Math.min(50, Math.round(o.steps / 100)));
  let step = state.step;
  let stoppedBy: StopReason = 'steps';
  for (; step < o.steps; step++) {
    for (let b = 0; b < rows.length; b++) {
      if (cursor === train.nRows) {
        orderRng = rng.state();
        order = permutation(train.nRows, rng);
        cursor = 0;
      }
      rows[b] = order[cursor++]!;
    }
    const batch = makeBatch(rows, train, rng, o, rng.int(2 ** 31));
    const lr = learningRateAt(step, o);
    const loss = edmStep(net, optimizer, o.edm, batch, lr);
    disposeBatch(batch);
    // EMA with the usual warm-up (decay grows with the step) so short runs are not dominated by init.
    updateEma(ema.params, vars, Math.min(o.emaDecay, (1 + step) / (10 + step)));
    const done = step + 1;
    if (done % logEvery === 0 || done === o.steps) {
      lossSum += (await loss.data())[0]!;
      lossCount++;
      // Let the event loop run: a wasm tensor's data resolves within the microtask queue, so a worker's message
      // (the blend's chained fills done, the next fills to start) would otherwise wait for the end of training.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    loss.dispose();
    let v: number | undefined;
    if (valBatch && o.evalEvery > 0 && (done % o.evalEvery === 0 || done === o.steps)) {
      v = await valLoss();
      if (v < best * 0.999) {
        best = v;
        stale = 0;
        bestEma = await ema.read();
      } else stale++;
    }
    if (onProgress && (done % logEvery === 0 || v !== undefined || done === o.steps)) {
      const elapsed = (performance.now() - started) / 1000;
      const sps = (done - startStep) / Math.max(elapsed, 1e-9);
      if (lossCount) lastLoss = lossSum / lossCount;
      onProgress({ step: done, steps: o.steps, loss: lastLoss, valLoss: v, stepsPerSec: sps, etaSec: (o.steps - done) / sps, lr });
      lossSum = 0;
      lossCount = 0;
    }
    if (o.patience > 0 && stale >= o.patience) stoppedBy = 'early stopping';
    else if (pastDeadline(deadline)) stoppedBy = 'timeBudget';
    if (stoppedBy !== 'steps') {
      step++;
      break;
    }
    if (checkpointDue(checkpoint, done, o.steps, lastSave)) {
      // The random stream is only read, not drawn from (a run with checkpoints trains exactly as one
      // without), and saved whole: the resumed run draws what this one draws next.
      const at = { rng: rng.state(), orderRng, cursor, ...(bestEma ? { bestEma } : {}) };
      await checkpoint.save({ step: done, bestValLoss: best, evalsWithoutImprovement: stale, rngState: state.rngState, ...at });
      lastSave = performance.now();
    }
  }
  // Sample from the EMA weights that validated best, not merely the last ones.
  if (bestEma && stale > 0) ema.assign(bestEma);
  if (valBatch) disposeBatch(valBatch);
  return { step, bestValLoss: best, evalsWithoutImprovement: stale, rngState: rng.int(2 ** 31), stoppedBy };
}

/**
 * DP-SGD (Abadi et al. 2016) with Adam on the per-row EDM loss: every step draws a Poisson batch (each
 * training row independently with probability q, so the batch size varies), sums the rows' gradients
 * clipped to norm C (ghost clipping, Mlp.clippedGradients), adds N(0, (σC)²) noise from the seeded
 * stream, and divides by the expected batch q·n. There is no validation slice and no early stopping
 * (both would read rows outside the mechanism): the run trains the planned steps, stopping before any
 * step the ledger says would spend more than ε, and samples from the last EMA weights (post-processing).
 */
async function trainPrivately(
  net: Mlp,
  ema: Mlp,
  optimizer: Adam,
  train: TrainData,
  o: TrainOptions,
  plan: PrivacyPlan,
  state: TrainState,
  onProgress?: (p: TrainProgress) => void,
  checkpoint?: PeriodicCheckpoint,
  deadline?: number,
): Promise<TrainState> {
  // Resumed as the non-private loop resumes: the random stream continues where the checkpoint left it.
  const rng = state.rng ? resumeRng(state.rng) : createRng(state.rngState);
  const ledger = new PrivacyLedger(plan);
  let lastSave = performance.now();
  const n = train.nRows;
  const q = plan.sampleRate;
  const expected = q * n;
  const noiseStd = plan.noiseMultiplier * plan.clip;
  const started = performance.now();
  const startStep = state.step;
  const logEvery = Math.max(1, Math.min(50, Math.round(o.steps / 100)));
  const rows: number[] = [];
  let lossSum = 0, rowSum = 0;
  let step = state.step;
  let stoppedBy: StopReason = 'steps';
  for (; step < o.steps; step++) {
    if (ledger.epsilonAfter(step + 1) > plan.epsilon * (1 + 1e-9)) {
      stoppedBy = 'privacy budget';
      break;
    }
    rows.length = 0;
    for (let i = 0; i < n; i++) if (rng.next() < q) rows.push(i);
    const noiseSeed = rng.int(2 ** 31);
    const lr = learningRateAt(step, o);
    let loss: tf.Scalar | undefined;
    let grads: tf.Tensor[];
    if (rows.length) {
      const batch = makeBatch(rows, train, rng, o, rng.int(2 ** 31));
      const r = tf.tidy(() => {
        const g = edmClippedGradients(net, o.edm, batch.x0, batch.cond, batch.target, batch.sigma, batch.noise, plan.clip);
        return { grads: g.grads, loss: g.loss };
      });
      disposeBatch(batch);
      grads = r.grads;
      loss = r.loss;
    } else grads = net.params.map((p) => tf.zeros(p.shape));
    const named: tf.NamedTensorMap = {};
    tf.tidy(() => {
      net.params.forEach((p, k) => {
        const noise = tf.randomNormal(p.shape, 0, noiseStd, 'float32', deriveSeed(noiseSeed, k));
        named[p.name] = tf.keep(tf.div(tf.add(grads[k]!, noise), expected));
      });
    });
    tf.dispose(grads);
    optimizer.update(named, lr);
    updateEma(ema.params, net.params, Math.min(o.emaDecay, (1 + step) / (10 + step)));
    const done = step + 1;
    if (loss) {
      lossSum += (await loss.data())[0]!;
      rowSum += rows.length;
      loss.dispose();
    }
    if (onProgress && (done % logEvery === 0 || done === o.steps)) {
      const elapsed = (performance.now() - started) / 1000;
      const sps = (done - startStep) / Math.max(elapsed, 1e-9);
      onProgress({ step: done, steps: o.steps, loss: rowSum ? lossSum / rowSum : NaN, stepsPerSec: sps, etaSec: (o.steps - done) / sps, lr, epsilon: ledger.epsilonAfter(done) });
      lossSum = 0;
      rowSum = 0;
    }
    if (checkpointDue(checkpoint, done, o.steps, lastSave)) {
      await checkpoint.save({ step: done, bestValLoss: Infinity, evalsWithoutImprovement: 0, rngState: state.rngState, rng: rng.state() });
      lastSave = performance.now();
    }
    if (pastDeadline(deadline)) {
      stoppedBy = 'timeBudget';
      step++;
      break;
    }
  }
  return { step, bestValLoss: Infinity, evalsWithoutImprovement: 0, rngState: rng.int(2 ** 31), stoppedBy };
}
