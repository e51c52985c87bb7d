/**
 * The model lifecycle every run shares, table or image: start the backend, load a checkpoint or create
 * a model, train it (unless loaded and not resumed), save it. Also which checkpoint a sharded run loads
 * and what a checkpoint on disk says about itself.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend, resolveThreads, type BackendInfo } from '../backend/index.js';
import { ModelError, SpecError } from '../errors.js';
import { messages } from '../messages.js';
import type { Logger } from '../report/log.js';
import type { ModelPlan } from './plan.js';
import { secondsSince } from './header.js';

/** What the lifecycle needs of a model class (TabularDiffusion, ImageDiffusion). */
export interface LifecycleModel {
  specHash?: string;
  learnedFrom?: Record<string, unknown>;
  trainOptions: { steps: number };
  state: { step: number };
  save(dir: string): Promise<unknown>;
}

export async function startBackend(m: Pick<ModelPlan, 'device' | 'backend' | 'threads'>, log: Logger): Promise<BackendInfo> {
  const info = await initBackend({ device: m.device, backend: m.backend, ...(m.threads !== undefined ? { threads: resolveThreads(m.threads) } : {}) });
  log.info(`backend: ${info.detail}`);
  return info;
}

/**
 * Load (`m.load`) or create the model, then train it unless it was loaded and not resumed.
 * `loadedDetail` adds to the "loaded model" line; `fit` trains and logs its progress.
 */
export async function prepareModel<M extends LifecycleModel>(
  m: ModelPlan,
  specHash: string,
  log: Logger,
  how: {
    load: (dir: string) => Promise<M>;
    create: () => M;
    loadedDetail?: (model: M) => string;
    onLoaded?: (model: M) => void;
    describeTraining: (model: M) => string;
    fit: (model: M) => Promise<void>;
  },
  /** `checkpointSource(m, specHash)` when the caller needed it earlier (the image run loads before preprocessing). */
  source?: CheckpointSource,
): Promise<{ model: M; trained: boolean; seconds: number }> {
  const t0 = performance.now();
  let model: M;
  const { from, reused } = source ?? (await checkpointSource(m, specHash));
  if (from) {
    model = await how.load(from);
    log.info(
      reused
        ? `model.checkpoint ${from} holds the model trained from this spec (${specHash.slice(0, 12)}, ${model.state.step} steps); reusing it, not retraining (--force retrains)`
        : `${m.load ? 'loaded model' : 'resuming from checkpoint'} ${from} (trained ${model.state.step} steps${how.loadedDetail?.(model) ?? ''})`,
    );
    how.onLoaded?.(model);
    // Continuing to train a model on other data, columns or settings is refused (a checkpoint from before
    // `learnedFrom` was saved can only be told apart by hash: then a note, as for `load` without resume).
    const other = m.resume && model.learnedFrom ? firstDifference(model.learnedFrom, m.learnedFrom) : undefined;
    if (other) throw new ModelError(messages.resumeFromOtherSpec(m.load ? 'model.load' : 'model.checkpoint', from, other.path, other.was, other.now));
    if (model.specHash && model.specHash !== specHash) log.info(`note: the checkpoint was trained from a different spec (hash ${model.specHash.slice(0, 12)})`);
    if (m.resume) model.learnedFrom ??= m.learnedFrom;
  } else {
    if (m.resume && m.checkpoint) log.info(`resume: no checkpoint in ${m.checkpoint} yet; training from the start`);
    model = how.create();
    model.specHash = specHash;
    model.learnedFrom = m.learnedFrom;
  }
  let trained = false;
  if (!reused && (!m.load || m.resume)) {
    if (m.resumeSteps) model.trainOptions = { ...model.trainOptions, steps: m.resumeSteps };
    log.info(how.describeTraining(model));
    log.start('train');
    await how.fit(model);
    trained = true;
  }
  return { model, trained, seconds: secondsSince(t0) };
}

/** Where a model comes from: a folder to load (absent: create one), and whether that is a rerun's reuse. */
export interface CheckpointSource {
  from?: string;
  reused: boolean;
}

/**
 * `model.load`; else `model.checkpoint` when it holds the finished model of this spec (a rerun, with
 * `reuseCheckpoint`) or, with `resume: true`, any save there: the last periodic save of a killed run, or
 * a finished model (then there is nothing left to train).
 */
export async function checkpointSource(m: ModelPlan, specHash: string): Promise<CheckpointSource> {
  const reused = !m.load && !m.resume && m.reuseCheckpoint && m.checkpoint ? await finishedFor(m.checkpoint, specHash) : false;
  const from = m.load ?? (reused || (m.resume && m.checkpoint && (await checkpointInfo(m.checkpoint))) ? m.checkpoint : undefined);
  return { ...(from ? { from } : {}), reused };
}

/** Whether `dir` holds a finished model (not a periodic save of a run still training) trained from `specHash`. */
async function finishedFor(dir: string, specHash: string): Promise<boolean> {
  const info = await checkpointInfo(dir);
  return info !== undefined && !info.inProgress && info.specHash === specHash;
}

/** The first spec path (sorted) where `was` and `now` differ, with both values as JSON ("unset" if absent). */
export function firstDifference(was: unknown, now: unknown, path = ''): { path: string; was: string; now: string } | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(was) && isObject(now)) {
    for (const k of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort()) {
      const d = firstDifference(was[k], now[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
  return show(was) === show(now) ? undefined : { path, was: show(was), now: show(now) };
}

/** Save to `m.checkpoint` if the plan has one; returns the directory saved to and what `save` returned. */
export async function saveModel<R>(model: { save(dir: string): Promise<R> }, m: Pick<ModelPlan, 'checkpoint'>, log: Logger): Promise<{ dir: string; saved: R } | undefined> {
  if (!m.checkpoint) return undefined;
  const saved = await model.save(m.checkpoint);
  log.info(`saved checkpoint ${m.checkpoint}`);
  return { dir: m.checkpoint, saved };
}

/** The checkpoint a sharded run loads: `model.load` if given, else `model.checkpoint`. */
export function checkpointDir(plan: { model?: Pick<ModelPlan, 'load' | 'checkpoint'>; specFile?: string }): { dir: string; from: 'load' | 'checkpoint' } {
  const m = plan.model;
  if (m?.load) return { dir: m.load, from: 'load' };
  if (m?.checkpoint) return { dir: m.checkpoint, from: 'checkpoint' };
  throw new SpecError(messages.shardNeedsCheckpoint(plan.specFile ?? 'spec'));
}

/**
 * The checkpoint's identity (its weights' sha256), the spec hash it was trained from, and whether it was
 * saved mid-training (`inProgress`: a periodic save whose run has not finished); undefined if there is none.
 */
export async function checkpointInfo(dir: string): Promise<{ weights: string; specHash: string; inProgress: boolean; step: number } | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { specHash?: string; weights?: { sha256?: string }; inProgress?: boolean; state?: { step?: number } };
    if (typeof meta.weights?.sha256 !== 'string') return undefined;
    return { weights: meta.weights.sha256, specHash: meta.specHash ?? '', inProgress: meta.inProgress === true, step: meta.state?.step ?? 0 };
  } catch {
    return undefined;
  }
}
