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
import { inputFormat, passthroughColumn, planTable, tableSampling, taskSeed, type TableTaskPlan } from '../plan.js';
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
    throw new SpecError(`--shard: expected i/N with 0 ≤ i < N (shards count from 0), got "${text}"`);
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




/** What identifies a shard's part of task `t`: the task as written, seed, sampler and the checkpoint's weights. */
export function taskKey(ns: NormalizedSpec, t: number, weights: string): string {
  const task = ns.written.tasks![t]!;
  const sampling = tableSampling(ns)[task.type === 'generate' ? 'generate' : 'impute'];
  // Privacy measured in the shard is part of what a finished part carries (added only when on, so older records stay valid).
  const privacy = task.type === 'generate' && measuresPrivacy(ns.spec) ? { privacy: true } : {};
  return createHash('sha256').update(canonicalJson({ task, seed: ns.seed, sampler: sampling.sampler, samplerSteps: sampling.steps, weights, ...privacy })).digest('hex');
}

/** Generate shards measure privacy when the spec evaluates it and has a holdout to compare with. */
export function measuresPrivacy(spec: Pick<NormalizedSpec['spec'], 'evaluate' | 'split'>): boolean {
  return Boolean(spec.evaluate?.privacy) && spec.split.holdout > 0;
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
  const log = opts.log ?? createLogger();
  checkOutputs(ns);
  const ckpt = checkpointDir(ns);
  const info = await checkpointInfo(ckpt.dir);
  if (!info)
    throw new ModelError(`model.${ckpt.from} ${ckpt.dir}: no trained checkpoint there yet; train it once with \`synthdiff run ${ns.specFile ?? '<spec>'} --train-only\` before running shards`);
  if (info.inProgress)
    throw new ModelError(`model.${ckpt.from} ${ckpt.dir}: training stopped at step ${info.step} (a checkpoint saved mid-training); finish it with \`synthdiff run ${ns.specFile ?? '<spec>'} --train-only\` and model.resume: true before running shards`);
  if (ckpt.from === 'checkpoint' && info.specHash && info.specHash !== ns.hash)
    throw new ModelError(`model.checkpoint ${ckpt.dir}: trained from a different spec (hash ${info.specHash.slice(0, 12)}, this spec ${ns.hash.slice(0, 12)}); retrain with \`synthdiff run ${ns.specFile ?? '<spec>'} --train-only\``);
  const plan = planTable(ns);
  const completed = plan.tasks.find((t) => t.type === 'impute' && t.completed);
  if (completed) throw new SpecError(messages.completedNotInMemory(completed.index, 'a shard streams its rows'));
  const passthrough = passthroughColumn(ns);
  if (passthrough) throw new SpecError(messages.passthroughNotInMemory(passthrough, 'a shard streams its rows'));
  const label0 = `shard ${shard.index}/${shard.count}`;
  log.info(`synthdiff: pipeline "${plan.name}" ${label0} (spec ${plan.hash.slice(0, 12)}, seed ${plan.seed})`);

  // Decide what is left before loading anything: a finished shard costs no model load at all.
  const todo: number[] = [];
  const reports: ShardTaskReport[] = [];
  for (const task of plan.tasks) {
    const t = task.index;
    if (task.type === 'profile') {
      log.info(`tasks[${t}] profile: skipped in a sharded run (the plain run writes it)`);
      continue;
    }
    const rec = await finishedRecord(shardRecordPath(task.output.path, shard), { key: taskKey(ns, t, info.weights), task: t, shard });
    if (rec) {
      log.info(`tasks[${t}] ${task.type} ${label0}: finished part found, skipped (${rec.rows.end - rec.rows.start} rows)`);
      reports.push({ task: t, type: task.type, output: partPath(task.output.path, shard), rows: rec.rows.end - rec.rows.start, skipped: true, seconds: 0 });
    } else todo.push(t);
  }
  if (todo.length === 0) return reports;

  await startBackend(ns.spec.model, log);
  const model = await TabularDiffusion.load(ckpt.dir);
  try {
    log.info(`loaded model ${ckpt.dir} (trained ${model.state.step} steps)`);
    // Count every part on the reference's layout, so merge can grade the parts against the training data.
    const reference = await readReferenceStats(ckpt.dir, info.weights);
    const layout = reference?.layout ?? statsLayout(model.encoder.columns);
    if (!reference) log.info(`note: no ${referencePath(ckpt.dir)} for this checkpoint; merge will summarise the parts but not grade them against the training data`);
    // The training and holdout rows, loaded once if a generate task measures privacy.
    let reference0: RunData | undefined;
    for (const t of todo) {
      const task = plan.tasks[t] as Extract<TableTaskPlan, { type: 'generate' | 'impute' }>;
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
        if (measuresPrivacy(ns.spec)) {
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
        key: taskKey(ns, t, info.weights),
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

