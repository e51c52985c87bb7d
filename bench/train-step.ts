/**
 * Scenario `train-step`: what one optimisation step of the default table denoiser costs, next to one
 * forward pass at the same batch, so "a training step ≤ 5× a forward pass" can be read off directly.
 *
 * The network, optimizer and batch contents are the real ones (TabularDiffusion.create on the table,
 * fillTrainingBatch over its encoded rows); only the loop around them is ours, so each phase can be timed
 * alone:
 * - forward: F(input, c_noise), the MLP alone (what a sampler pays per network evaluation);
 * - step: gradients of the EDM loss + the Adam update + the EMA update, i.e. trainDiffusion's per-step
 *   device work;
 * - host batch: drawing masks/noise levels on the CPU and uploading them, which trainDiffusion also pays.
 * Every timed call ends with a read of its result, so asynchronous backends are timed to completion.
 * Forward and step calls are timed interleaved (forward, step, forward, step, …), so the ratio compares
 * the two under the same machine load.
 */
import { initBackend, tf } from '../src/backend/index.js';
import { fillTrainingBatch, DEFAULT_MASK_POLICY } from '../src/diffusion/masks.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { edmStep, updateEma } from '../src/diffusion/train.js';
import { createRng } from '../src/rng.js';
import type { BackendName } from '../src/spec/types.js';
import { emit, loadBenchTable, maxRssMB, REPO_ROOT, round, say } from './common.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';

export interface TrainStepOptions {
  table: string;
  batches: number[];
  /** Timed repetitions per batch size (parallel to `batches`); each size also gets one untimed warm-up call. */
  reps: number[];
  backend?: BackendName;
  width?: number;
  depth?: number;
  /** wasm threads (default: the library's, every core). */
  threads?: number;
  /** Also time PyTorch (bench/peers/torch_step.py, CPU, the same thread count) right after each batch. */
  torch?: boolean;
  /** A label for repeated runs (1, 2, …) so interleaved repeats can be told apart. */
  round?: number;
}

/** PyTorch's figures for one batch (bench/peers/torch_step.py): its faster pool setting on `threads` cores. */
interface TorchStep {
  stepMs: number;
  forwardMs: number;
  /** Process CPU time over wall time of its timed calls: the cores it really used. */
  cpuPerWall: number;
  /** PyTorch's own pool in the faster setting (its BLAS pool is at `threads` either way). */
  intraOpThreads: number;
  blasThreads: number | null;
  torch: string;
}

/** PyTorch's step/forward for one batch, or undefined when `/usr/bin/python3 -c 'import torch'` fails. */
function torchStep(dim: number, width: number, depth: number, batch: number, reps: number, threads: number): TorchStep | undefined {
  const script = join(REPO_ROOT, 'bench/peers/torch_step.py');
  const args = [script, '--dim', String(dim), '--width', String(width), '--depth', String(depth), '--batch', String(batch), '--reps', String(reps), '--threads', String(threads)];
  const r = spawnSync(process.env.SYNTHDIFF_TORCH_PYTHON ?? '/usr/bin/python3', args, { encoding: 'utf8' });
  if (r.status !== 0) {
    say(`train-step: PyTorch peer unavailable (${(r.stderr || String(r.error)).trim().split('\n').pop()})`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchStep;
}

/** Median and mean of a list of wall times in ms. */
function summary(all: number[]): { median: number; mean: number; all: number[] } {
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, mean: all.reduce((s, v) => s + v, 0) / all.length, all };
}

/** Wall time of `reps` calls after one warm-up call, in ms per call (median, robust to a noisy neighbour). */
async function timeMs(reps: number, f: () => Promise<void>): Promise<{ median: number; mean: number; all: number[] }> {
  await f();
  const all: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    all.push(performance.now() - t0);
  }
  return summary(all);
}

/**
 * `timeMs` for two functions at once, their calls interleaved (f, g, f, g, …) after one warm-up call of
 * each, so both see the same machine load: on a shared box a ratio of two timings taken minutes apart
 * measures the neighbours as much as the code. Each timed f is preceded by an untimed one: g (a training
 * step) replaces the weights, and on wasm the first matmul with new weights packs them, which a sampler
 * (fixed weights) pays once, not per call.
 */
async function timeInterleaved(reps: number, f: () => Promise<void>, g: () => Promise<void>): Promise<[ReturnType<typeof summary>, ReturnType<typeof summary>]> {
  await f();
  await g();
  const fs: number[] = [], gs: number[] = [];
  for (let i = 0; i < reps; i++) {
    await f();
    let t0 = performance.now();
    await f();
    fs.push(performance.now() - t0);
    t0 = performance.now();
    await g();
    gs.push(performance.now() - t0);
  }
  return [summary(fs), summary(gs)];
}

export async function runTrainStep(o: TrainStepOptions): Promise<void> {
  const info = await initBackend({ ...(o.backend ? { backend: o.backend } : {}), ...(o.threads ? { threads: o.threads } : {}) });
  const bt = await loadBenchTable(o.table);
  const model = TabularDiffusion.create(bt.table, { width: o.width ?? 256, depth: o.depth ?? 3, seed: 1 });
  const enc = model.encoder.encode(bt.table);
  // The model trains on float32 copies of the (float64) encoded matrix, as TabularDiffusion.fit makes.
  const x32 = Float32Array.from(enc.x);
  const D = model.encoder.dim, C = model.encoder.nMaskColumns;
  const edm = model.edm;
  say(`train-step: ${bt.name} → ${D} encoded dims, ${model.mlp.depth}×${model.mlp.width} MLP on ${info.detail}`);
  const rng = createRng(7);
  for (const [bi, B] of o.batches.entries()) {
    const reps = o.reps[bi] ?? 3;
    // Real rows (cycled when the batch is larger than the table) with the training mask policy.
    const rows = Int32Array.from({ length: B }, (_, i) => i % bt.table.nRows);
    const buf = { x0: new Float32Array(B * D), cond: new Float32Array(B * D), target: new Float32Array(B * D) };
    const sig = new Float32Array(B);
    const makeBatch = () => {
      fillTrainingBatch(rows, x32, enc.observed, model.encoder.dimColumn, C, rng, DEFAULT_MASK_POLICY, buf);
      for (let b = 0; b < B; b++) sig[b] = Math.exp(edm.pMean + edm.pStd * rng.normal());
      return {
        x0: tf.tensor2d(buf.x0, [B, D]),
        cond: tf.tensor2d(buf.cond, [B, D]),
        target: tf.tensor2d(buf.target, [B, D]),
        sigma: tf.tensor2d(sig, [B, 1]),
        noise: tf.randomNormal([B, D], 0, 1, 'float32', rng.int(2 ** 31)) as tf.Tensor2D,
      };
    };
    const batch = makeBatch();
    const input = tf.concat([batch.x0, batch.cond], 1) as tf.Tensor2D;
    const cNoise = tf.div(tf.log(batch.sigma), 4) as tf.Tensor2D;

    const host = await timeMs(Math.min(reps, 5), async () => {
      const b = makeBatch();
      await b.noise.data();
      tf.dispose(Object.values(b));
    });
    let k = 0;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const [forward, step] = await timeInterleaved(
      reps,
      async () => {
        const f = tf.tidy(() => model.net.apply(input, cNoise));
        await f.data();
        f.dispose();
      },
      async () => {
        const loss = edmStep(model.net, model.optimizer, edm, batch, 1e-4);
        // The EMA update trainDiffusion runs (the same function), so the step is the loop's device work.
        updateEma(model.ema.params, model.net.params, Math.min(0.999, (1 + k) / (10 + k)));
        k++;
        await loss.data();
        loss.dispose();
      },
    );
    const cpu = process.cpuUsage(cpu0);
    // Cores the interleaved loop used (CPU time over its wall time, warm-up calls included), as PyTorch's figure.
    const cpuPerWall = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
    tf.dispose([...Object.values(batch), input, cNoise]);
    const stepMs = step.median, fwdMs = forward.median;
    const peer = o.torch ? torchStep(D, model.mlp.width, model.mlp.depth, B, reps, info.threads ?? 1) : undefined;
    emit({
      scenario: 'train-step',
      table: bt.name,
      rows: B,
      columns: bt.table.columns.length,
      backend: info.name,
      device: info.detail,
      threads: info.threads ?? 1,
      steps: reps,
      batch: B,
      seconds: round((step.all.reduce((s, v) => s + v, 0)) / 1000, 3),
      rowsPerSec: round((B / stepMs) * 1000, 0),
      peakRssMB: maxRssMB(),
      encodedDims: D,
      mlp: `${model.mlp.depth}x${model.mlp.width}`,
      stepMs: round(stepMs, 2),
      forwardMs: round(fwdMs, 2),
      stepOverForward: round(stepMs / fwdMs, 2),
      hostBatchMs: round(host.median, 2),
      forwardRowsPerSec: round((B / fwdMs) * 1000, 0),
      stepMsAll: step.all.map((v) => round(v, 1)),
      ...(o.round ? { round: o.round } : {}),
      load1: round(loadavg()[0]!, 2),
      cpuPerWall: round(cpuPerWall, 2),
      ...(peer
        ? { torchStepMs: peer.stepMs, torchForwardMs: peer.forwardMs, torchVersion: peer.torch, stepOverTorch: round(stepMs / peer.stepMs, 2), torchCpuPerWall: peer.cpuPerWall, torchIntraOpThreads: peer.intraOpThreads, torchBlasThreads: peer.blasThreads }
        : {}),
    });
  }
  model.dispose();
}
