/**
 * Sharded runs: `synthdiff run <spec> --shard i/N` does shard i (0-based) of every generate and impute
 * task, with a model trained once beforehand (`synthdiff run <spec> --train-only`, or `model.load`).
 *
 * - generate: rows split into N contiguous counts; shard i samples its count with its own seed,
 *   deriveSeed(seed, `task<t>/shard<i>`). Concatenated shards are a valid sample of `rows` rows but not
 *   the rows a single-process run draws (that one seeds the whole task once).
 * - impute: shard i takes input rows [⌊i·n/N⌋, ⌊(i+1)·n/N⌋). Sampler noise is keyed to each row's global
 *   index (`complete`'s `rowOffset`), and the single-process run keys it the same way, so the shards
 *   concatenated equal the single-process imputation byte for byte on a backend whose batched network is
 *   row-wise deterministic (wasm and cpu are; tested). Input and output (CSV or Arrow) stream in record batches
 *   (stream-impute.ts): a shard reads only its rows and memory stays flat in the input's length, so
 *   `--shard 0/1` is also the way to impute one table too big for memory.
 *
 * Each task's shard writes `<stem>.part-<i>-of-<N>.<ext>` beside the task output (and the intervals
 * output), then — last — a record `<stem>.part-<i>-of-<N>.stats.json` with mergeable statistics of the
 * part (see shard-stats.ts). The record marks the part finished: a rerun skips a shard whose record is
 * valid and whose parts are on disk with the recorded sizes, so after a failure only the failed shards
 * are recomputed.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { TabularDiffusion } from '../../diffusion/tabular.js';
import { ModelError, SpecError } from '../../errors.js';
import { messages } from '../../messages.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { countTableRows } from '../../io/table-stream.js';
import { writeTable } from '../../io/table-io.js';
import { createLogger, type Logger } from '../../report/log.js';
import { deriveSeed } from '../../rng.js';
import type { Table } from '../../table/table.js';
import { checkpointDir, checkpointInfo, startBackend } from '../model.js';
import { inputFormat, measuresPrivacy, passthroughColumn, planTable, taskSeed, type TablePlan, type TableTaskPlan } from '../plan.js';
import { canonicalJson } from '../../spec/normalize.js';
import { runData, type RunData } from '../table/data.js';
import { privacyStats, type PrivacyStats } from '../../stats/shard-privacy.js';
import { statsLayout, tableStats, type TableStats } from '../../stats/shard-stats.js';
import { imputeStreamed } from '../table/stream-impute.js';
import { readReferenceStats, referencePath } from '../../stats/reference-stats.js';
import type { ShardTaskReport } from '../../report/model.js';
import type { NormalizedSpec } from '../../spec/normalize.js';
import { checkOutputs } from '../outputs.js';

export interface ShardRef {
  /** 0-based. */
  index: number;
  count: number;
}

/** `--shard 2/8` → { index: 2, count: 8 }. */
export function parseShard(text: string): ShardRef {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count) || !Number.isSafeInteger(count))
    throw new SpecError(messages.shardSyntax(text));
  return { index, count };
}

/** Contiguous, balanced row range of a shard: [⌊i·n/N⌋, ⌊(i+1)·n/N⌋). */
export function shardRange(total: number, s: ShardRef): { start: number; end: number } {
  return { start: Math.floor((s.index * total) / s.count), end: Math.floor(((s.index + 1) * total) / s.count) };
}

/** `out/imputed.csv` → `out/imputed.part-0-of-4.csv`. */
export function partPath(path: string, s: ShardRef): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.part-${s.index}-of-${s.count}${ext}`);
}

/** `out/imputed.csv` → `out/imputed.part-0-of-4.stats.json`: the record that marks a part finished. */
export function shardRecordPath(outputPath: string, s: ShardRef): string {
  return join(dirname(outputPath), `${basename(outputPath, extname(outputPath))}.part-${s.index}-of-${s.count}.stats.json`);
}

export const SHARD_FORMAT = 'synthdiff-shard/1';

export interface ShardRecord {
  format: typeof SHARD_FORMAT;
  /** Index of the task in the spec's `tasks`. */
  task: number;
  type: 'generate' | 'impute';
  shard: ShardRef;
  /** Generate: this shard's rows within the task's `rows`; impute: the input rows it imputed. */
  rows: { start: number; end: number };
  /** The task output this is a part of (absolute), and the intervals output if any. */
  output: string;
  intervals?: string;
  /** The training data's statistics on the layout this part was counted on (absolute path), if any. */
  reference?: string;
  /** Identifies what produced the part: the task, sampler settings, seed and the checkpoint's weights. */
  key: string;
  /** The part files, relative to this record's folder, with their sizes when finished. */
  parts: { path: string; bytes: number }[];
  seconds: number;
  stats: TableStats;
  /** Generate parts, when the spec evaluates privacy: mergeable DCR statistics (shard-privacy.ts). */
  privacy?: PrivacyStats;
}




export type ShardedTask = Extract<TableTaskPlan, { type: 'generate' | 'impute' }>;

/** What identifies a shard's part of a task: the task as written, seed, sampler and the checkpoint's weights. */
export function taskKey(plan: Pick<TablePlan, 'seed' | 'evaluate' | 'split'>, task: ShardedTask, weights: string): string {
  const { sampler, steps } = task.sampling;
  // Privacy measured in the shard is part of what a finished part carries (added only when on, so older records stay valid).
  const privacy = task.type === 'generate' && measuresPrivacy(plan) ? { privacy: true } : {};
  return createHash('sha256').update(canonicalJson({ task: task.written, seed: plan.seed, sampler, samplerSteps: steps, weights, ...privacy })).digest('hex');
}

/** A table plan's generate and impute tasks: the ones a sharded run splits. */
export function shardedTasks(plan: Pick<TablePlan, 'tasks'>): ShardedTask[] {
  return plan.tasks.filter((t): t is ShardedTask => t.type === 'generate' || t.type === 'impute');
}

/** The shard's record if it is valid and every part it lists is on disk with its recorded size. */
export async function finishedRecord(recordPath: string, expect?: { key?: string; task?: number; shard?: ShardRef }): Promise<ShardRecord | undefined> {
  let rec: ShardRecord;
  try {
    rec = JSON.parse(await readFile(recordPath, 'utf8')) as ShardRecord;
  } catch {
    return undefined;
  }
  if (rec.format !== SHARD_FORMAT || !rec.stats || !Array.isArray(rec.parts)) return undefined;
  if (expect?.key !== undefined && rec.key !== expect.key) return undefined;
  if (expect?.task !== undefined && rec.task !== expect.task) return undefined;
  if (expect?.shard && (rec.shard?.index !== expect.shard.index || rec.shard?.count !== expect.shard.count)) return undefined;
  for (const p of rec.parts) {
    const size = await stat(resolve(dirname(recordPath), p.path)).then((s) => s.size, () => -1);
    if (size !== p.bytes) return undefined;
  }
  return rec;
}

/**
 * Run shard `shard` of every generate and impute task of the spec with the trained checkpoint. Profile
 * tasks, evaluation and the report are left to the plain run and to `synthdiff merge`.
 */
export async function runShard(ns: NormalizedSpec, shard: ShardRef, opts: { log?: Logger; batchRows?: number } = {}): Promise<ShardTaskReport[]> {
  checkOutputs(ns);
  return runShardPlan(planTable(ns), shard, opts);
}

/** `runShard` on a table plan (its outputs already checked). */
export async function runShardPlan(plan: TablePlan, shard: ShardRef, opts: { log?: Logger; batchRows?: number } = {}): Promise<ShardTaskReport[]> {
  const log = opts.log ?? createLogger();
  const spec = plan.specFile ?? '<spec>';
  const ckpt = checkpointDir(plan);
  const info = await checkpointInfo(ckpt.dir);
  if (!info)
    throw new ModelError(messages.shardNoCheckpoint(ckpt.from, ckpt.dir, spec));
  if (info.inProgress)
    throw new ModelError(messages.shardCheckpointUnfinished(ckpt.from, ckpt.dir, info.step, spec));
  if (ckpt.from === 'checkpoint' && info.specHash && info.specHash !== plan.hash)
    throw new ModelError(messages.shardCheckpointOtherSpec(ckpt.dir, info.specHash.slice(0, 12), plan.hash.slice(0, 12), spec));
  const completed = plan.tasks.find((t) => t.type === 'impute' && t.completed);
  if (completed) throw new SpecError(messages.completedNotInMemory(completed.index, 'a shard streams its rows'));
  const passthrough = passthroughColumn(plan.read.columns);
  if (passthrough) throw new SpecError(messages.passthroughNotInMemory(passthrough, 'a shard streams its rows'));
  const label0 = `shard ${shard.index}/${shard.count}`;
  log.info(`synthdiff: pipeline "${plan.name}" ${label0} (spec ${plan.hash.slice(0, 12)}, seed ${plan.seed})`);

  // Decide what is left before loading anything: a finished shard costs no model load at all.
  const todo: ShardedTask[] = [];
  const reports: ShardTaskReport[] = [];
  for (const task of plan.tasks) {
    const t = task.index;
    if (task.type === 'profile') {
      log.info(`tasks[${t}] profile: skipped in a sharded run (the plain run writes it)`);
      continue;
    }
    const rec = await finishedRecord(shardRecordPath(task.output.path, shard), { key: taskKey(plan, task, info.weights), task: t, shard });
    if (rec) {
      log.info(`tasks[${t}] ${task.type} ${label0}: finished part found, skipped (${rec.rows.end - rec.rows.start} rows)`);
      reports.push({ task: t, type: task.type, output: partPath(task.output.path, shard), rows: rec.rows.end - rec.rows.start, skipped: true, seconds: 0 });
    } else todo.push(task);
  }
  if (todo.length === 0) return reports;

  await startBackend(plan.model!, log);
  const model = await TabularDiffusion.load(ckpt.dir);
  try {
    log.info(`loaded model ${ckpt.dir} (trained ${model.state.step} steps)`);
    // Count every part on the reference's layout, so merge can grade the parts against the training data.
    const reference = await readReferenceStats(ckpt.dir, info.weights);
    const layout = reference?.layout ?? statsLayout(model.encoder.columns);
    if (!reference) log.info(`note: no ${referencePath(ckpt.dir)} for this checkpoint; merge will summarise the parts but not grade them against the training data`);
    // The training and holdout rows, loaded once if a generate task measures privacy.
    let reference0: RunData | undefined;
    for (const task of todo) {
      const t = task.index;
      const label = `${task.label} ${label0}`;
      const t0 = performance.now();
      log.start(label);
      const out = partPath(task.output.path, shard);
      const written: string[] = [out];
      let part: Table | undefined;
      let stats: TableStats | undefined;
      let privacy: PrivacyStats | undefined;
      let rows: { start: number; end: number };
      if (task.type === 'generate') {
        rows = shardRange(task.rows, shard);
        part = await model.generate(rows.end - rows.start, {
          seed: taskSeed(plan.seed, t, shard.index),
          fixed: task.fixed,
          ...task.sampling,
          onProgress: (d, n) => log.progress(label, d, n, 'rows'),
        });
        await writeTable(out, part, task.output.format);
        if (measuresPrivacy(plan)) {
          log.info(`${label}: privacy (DCR of this part's rows vs the training and holdout rows)`);
          const ref = (reference0 ??= await runData(plan, log)).split;
          if (ref.holdout) privacy = privacyStats(part, ref.train, ref.holdout, deriveSeed(plan.seed, 'dcr'));
        }
      } else {
        const format = inputFormat(task.read);
        // The blend's chained engines need the whole table; a shard imputes its rows with the model alone.
        if (task.engine !== 'diffusion') log.info(`${label}: engine ${task.engine} → diffusion (a shard imputes its rows alone; set engine: diffusion for shards that equal the single-process run)`);
        // One shard of many needs the row count for its range; a single shard streams the whole file.
        const range = shard.count === 1 ? { start: 0, end: undefined } : shardRange(await countTableRows(task.read.path, format, { delimiter: task.read.delimiter }), shard);
        const r = await imputeStreamed(model, task.read, {
          input: task.read.path,
          inputFormat: format,
          output: out,
          outputFormat: task.output.format,
          ...(task.intervals ? { intervals: partPath(task.intervals.path, shard), intervalsFormat: task.intervals.format } : {}),
          draws: task.draws,
          seed: task.seed,
          sampling: task.sampling,
          ...range,
          batchRows: opts.batchRows,
          layout,
          log,
          label,
        });
        if (task.intervals && task.draws > 1) written.push(partPath(task.intervals.path, shard));
        rows = r.rows;
        stats = r.stats;
        log.info(`${label}: ${r.imputedCells} cells imputed (streamed in batches)`);
      }
      log.done(label, `(${rows.end - rows.start} rows)`);
      const recordPath = shardRecordPath(task.output.path, shard);
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      const record: ShardRecord = {
        format: SHARD_FORMAT,
        task: t,
        type: task.type,
        shard,
        rows,
        output: task.output.path,
        ...(task.type === 'impute' && task.intervals && task.draws > 1 ? { intervals: task.intervals.path } : {}),
        ...(reference ? { reference: resolve(referencePath(ckpt.dir)) } : {}),
        key: taskKey(plan, task, info.weights),
        parts: await Promise.all(written.map(async (p) => ({ path: relative(dirname(recordPath), p), bytes: (await stat(p)).size }))),
        seconds,
        stats: stats ?? tableStats(part!, layout),
        ...(privacy ? { privacy } : {}),
      };
      // Written last: its presence with matching part sizes is what marks the shard's task finished.
      await writeFileAtomic(recordPath, `${JSON.stringify(record)}\n`);
      log.info(`${label}: wrote ${out}`);
      reports.push({ task: t, type: task.type, output: out, rows: rows.end - rows.start, skipped: false, seconds });
    }
  } finally {
    model.dispose();
  }
  return reports.sort((a, b) => a.task - b.task);
}

