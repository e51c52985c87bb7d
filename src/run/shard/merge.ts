/**
 * `synthdiff merge`: join the parts of a sharded run into each task's output, in shard order, and merge
 * the shards' statistics into global summaries without reading the data again.
 *
 * CSV parts are concatenated as bytes (the header once; every part's header must be the same), so
 * merging costs one pass over the files and constant memory. Arrow parts are copied record batch by
 * record batch (categories united by label in one growing dictionary per column; memory is one batch). Every output is written to a temp
 * sibling and renamed, so readers never see a half-merged file, and a merge can simply be rerun.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { DataError } from '../../errors.js';
import { messages } from '../../messages.js';
import { readArrowBatches } from '../../io/arrow-stream.js';
import { openTableWriter } from '../../io/table-stream.js';
import { prepareTemp, renameOver, writeError, writeFileAtomic } from '../../io/atomic.js';
import { writeReport } from '../report-file.js';
import { formatFromPath } from '../../io/table-io.js';
import { createLogger, type Logger } from '../../report/log.js';
import { isCategorical, stackedText, type Column, type Table } from '../../table/table.js';
import { finishedRecord, partPath, shardedTasks, shardRecordPath, type ShardRecord, type ShardRef } from './shard.js';
import { planTable, type TablePlan } from '../plan.js';
import { mergeStats, summarizeStats, type TableStats } from '../../stats/shard-stats.js';
import { fidelityFromStats } from '../../stats/merged-fidelity.js';
import type { ReferenceStats } from '../../stats/reference-stats.js';
import { mergePrivacyStats, privacyReport } from '../../stats/shard-privacy.js';
import type { PrivacyReport, MergedFidelity, MergeReport, MergedOutput } from '../../report/model.js';
import type { NormalizedSpec } from '../../spec/normalize.js';
import { checkOutputs } from '../outputs.js';

export const MERGED_FORMAT = 'synthdiff-merged/1';

/** `out/imputed.csv` → `out/imputed.stats.json`. */
export function mergedStatsPath(output: string): string {
  return join(dirname(output), `${basename(output, extname(output))}.stats.json`);
}

const RECORD_RE = /^(.*)\.part-(\d+)-of-(\d+)\.stats\.json$/;

/** Shard counts for which records of `output` exist beside it. */
async function shardCountsFor(output: string): Promise<number[]> {
  const stem = basename(output, extname(output));
  const names = await readdir(dirname(output)).catch(() => [] as string[]);
  const counts = new Set<number>();
  for (const n of names) {
    const m = RECORD_RE.exec(n);
    if (m && m[1] === stem) counts.add(Number(m[3]));
  }
  return [...counts].sort((a, b) => a - b);
}

/**
 * Merge every generate/impute task of a spec. `shards` picks N when parts for several shard counts lie
 * beside an output; otherwise N is read from the records found.
 */

export async function mergeSpec(ns: NormalizedSpec, opts: MergeOptions = {}): Promise<MergedOutput[]> {
  checkOutputs(ns);
  return mergePlan(planTable(ns), opts);
}

type MergeOptions = { shards?: number; log?: Logger; clean?: boolean; renderHtml?: (report: MergeReport) => string };

/** `mergeSpec` on a table plan (its outputs already checked). */
export async function mergePlan(plan: TablePlan, opts: MergeOptions = {}): Promise<MergedOutput[]> {
  const log = opts.log ?? createLogger();
  const results: MergedOutput[] = [];
  const spec = plan.specFile ?? '<spec>';
  for (const task of shardedTasks(plan)) {
    const t = task.index;
    let count = opts.shards;
    if (count === undefined) {
      const found = await shardCountsFor(task.output.path);
      if (found.length === 0) throw new DataError(messages.mergeNoRecords(t, task.type, task.output.path, spec));
      if (found.length > 1) throw new DataError(messages.mergeShardCounts(t, task.type, found, task.output.path));
      count = found[0]!;
    }
    results.push(await mergeOutput(task.output.path, count, { log, clean: opts.clean, spec, task: t }));
  }
  if (results.length === 0) throw new DataError(messages.mergeNoTask(spec));
  if (plan.report) {
    const report: MergeReport = { synthdiff: 'merge', name: plan.name, specHash: plan.hash, mergedAt: new Date().toISOString(), outputs: results };
    await writeReport(report, plan.report, opts.renderHtml, log, { name: 'merge' });
  }
  return results;
}

/** Merge whatever sharded outputs have records in `dir` (and its sub-folders, three levels deep). */
export async function mergeDir(dir: string, opts: { shards?: number; log?: Logger; clean?: boolean } = {}): Promise<MergedOutput[]> {
  const log = opts.log ?? createLogger();
  const groups = new Map<string, { output: string; counts: Set<number>; task: number }>();
  const walk = async (d: string, depth: number): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isDirectory() && depth < 3) await walk(join(d, e.name), depth + 1);
      else if (e.isFile() && RECORD_RE.test(e.name)) {
        const rec = JSON.parse(await readFile(join(d, e.name), 'utf8').catch(() => 'null')) as ShardRecord | null;
        if (!rec?.output) continue;
        const g = groups.get(rec.output) ?? { output: rec.output, counts: new Set<number>(), task: rec.task };
        g.counts.add(rec.shard.count);
        groups.set(rec.output, g);
      }
    }
  };
  await walk(resolve(dir), 0);
  if (groups.size === 0) throw new DataError(messages.mergeDirNoRecords(dir));
  const results: MergedOutput[] = [];
  for (const g of [...groups.values()].sort((a, b) => a.task - b.task)) {
    const counts = opts.shards !== undefined ? [opts.shards] : [...g.counts];
    if (counts.length > 1) throw new DataError(messages.mergeDirShardCounts(g.output, counts));
    results.push(await mergeOutput(g.output, counts[0]!, { log, clean: opts.clean, task: g.task }));
  }
  return results;
}

/** Merge the N parts of one task output (and its intervals output) and their statistics. */
export async function mergeOutput(output: string, count: number, opts: { log?: Logger; clean?: boolean; spec?: string; task?: number } = {}): Promise<MergedOutput> {
  const log = opts.log ?? createLogger();
  const shards: ShardRef[] = Array.from({ length: count }, (_, index) => ({ index, count }));
  const records: ShardRecord[] = [];
  const missing: number[] = [];
  for (const s of shards) {
    const rec = await finishedRecord(shardRecordPath(output, s), { shard: s });
    if (rec) records.push(rec);
    else missing.push(s.index);
  }
  if (missing.length) {
    const how = opts.spec ? ` (\`synthdiff run ${opts.spec} --shard ${missing[0]}/${count}\`)` : '';
    throw new DataError(messages.mergeShardsUnfinished(output, missing, count, how));
  }
  const first = records[0]!;
  records.forEach((r, i) => {
    if (r.key !== first.key) throw new DataError(messages.mergeShardSettings(output, i, count));
    if (i > 0 && r.rows.start !== records[i - 1]!.rows.end) throw new DataError(messages.mergeShardsGap(output, i, r.rows.start, records[i - 1]!.rows.end));
  });
  const t0 = performance.now();
  await concatParts(shards.map((s) => partPath(output, s)), output);
  let intervals: string | undefined;
  if (first.intervals) {
    intervals = first.intervals;
    await concatParts(shards.map((s) => partPath(intervals!, s)), intervals);
  }
  const stats: TableStats = mergeStats(records.map((r) => r.stats), output);
  const summary = summarizeStats(stats);
  const graded = first.type === 'generate' ? await gradeAgainstReference(first.reference, stats) : {};
  if (graded.fidelity) {
    const f = graded.fidelity;
    log.info(`fidelity from merged statistics: shapes ${f.shapes.score} (exact value in [${f.shapes.range.join(', ')}]), trends ${f.trends.score} (real-edge bins)${f.holdoutBaseline ? `; holdout ${f.holdoutBaseline.shapes} / ${f.holdoutBaseline.trends}` : ''}`);
  } else if (graded.fidelityNote) log.info(`fidelity: ${graded.fidelityNote}`);
  let privacy: PrivacyReport | undefined;
  if (first.type === 'generate' && records.some((r) => r.privacy)) {
    const merged = mergePrivacyStats(records.map((r) => r.privacy));
    if (merged) {
      privacy = privacyReport(merged);
      log.info(`privacy from merged statistics: DCR share ${privacy.dcrShare}, exact copies ${privacy.exactCopyRate} (holdout's own rate ${privacy.holdoutExactCopyRate}), membership AUC ${privacy.membershipAuc}`);
    } else log.info('privacy: the shards measured it against different tables or not all of them did; rerun the shards to merge it');
  }
  const statsFile = mergedStatsPath(output);
  await writeFileAtomic(statsFile, `${JSON.stringify({ format: MERGED_FORMAT, task: first.task, type: first.type, output, shards: count, rows: stats.rows, key: first.key, summary, stats }, null, 1)}\n`);
  log.info(`merged ${count} part${count > 1 ? 's' : ''} into ${output} (${stats.rows} rows, ${((performance.now() - t0) / 1000).toFixed(2)} s); statistics in ${statsFile}`);
  if (opts.clean) {
    for (const s of shards) {
      await rm(partPath(output, s), { force: true });
      if (intervals) await rm(partPath(intervals, s), { force: true });
      await rm(shardRecordPath(output, s), { force: true });
    }
  }
  return { task: first.task, type: first.type, output, ...(intervals ? { intervals } : {}), shards: count, rows: stats.rows, statsFile, summary, ...graded, ...(privacy ? { privacy } : {}) };
}

/** Merged synthetic statistics against the training data's, when the shards counted on the reference's layout. */
async function gradeAgainstReference(reference: string | undefined, stats: TableStats): Promise<{ fidelity?: MergedFidelity; fidelityNote?: string }> {
  if (!reference) return { fidelityNote: 'the checkpoint has no reference statistics (train with model.checkpoint set to write them); summaries only' };
  let ref: ReferenceStats;
  try {
    ref = JSON.parse(await readFile(reference, 'utf8')) as ReferenceStats;
  } catch {
    return { fidelityNote: `${reference} is gone or unreadable; summaries only` };
  }
  if (JSON.stringify(ref.layout) !== JSON.stringify(stats.layout)) return { fidelityNote: `${reference} was counted on other bins than the parts (retrained since?); rerun the shards` };
  return { fidelity: fidelityFromStats(ref.train, stats, ref.holdout) };
}

/** Concatenate table files in order into `target`, atomically; the format follows the extension. */
export async function concatParts(parts: readonly string[], target: string): Promise<void> {
  if (formatFromPath(target) === 'csv') return concatCsv(parts, target);
  return concatArrow(parts, target);
}

/** Arrow parts record batch by record batch into one file: memory is one batch, not the output. */
async function concatArrow(parts: readonly string[], target: string): Promise<void> {
  const writer = await openTableWriter(target, 'arrow');
  let first: { names: string[]; categorical: boolean[] } | undefined;
  try {
    for (const p of parts) {
      for await (const { table } of readArrowBatches(p)) {
        const names = table.columns.map((c) => c.name), categorical = table.columns.map(isCategorical);
        first ??= { names, categorical };
        if (names.join('\u0000') !== first.names.join('\u0000') || categorical.some((c, j) => c !== first!.categorical[j]))
          throw new DataError(messages.mergePartColumns(p, names, first.names));
        await writer.write(table);
      }
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** Byte-level CSV concatenation: the first part whole, then each part after its header line. */
async function concatCsv(parts: readonly string[], target: string): Promise<void> {
  const tmp = await prepareTemp(target);
  const fh = await open(tmp, 'w').catch((e: unknown) => {
    throw writeError(target, e);
  });
  try {
    let header: Buffer | undefined;
    for (const p of parts) {
      let pending: Buffer | undefined = Buffer.alloc(0);
      for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        if (pending === undefined) {
          await fh.write(chunk);
          continue;
        }
        // Still reading this part's header line (column names never hold a newline in our writer's output).
        pending = Buffer.concat([pending, chunk]);
        const nl = pending.indexOf(0x0a);
        if (nl < 0) continue;
        const head = pending.subarray(0, nl + 1);
        if (header === undefined) {
          header = Buffer.from(head);
          await fh.write(header);
        } else if (!head.equals(header)) {
          throw new DataError(messages.mergePartHeader(p, head.toString('utf8').trim().slice(0, 80)));
        }
        await fh.write(pending.subarray(nl + 1));
        pending = undefined;
      }
      if (pending !== undefined && pending.length > 0) throw new DataError(messages.mergePartTruncated(p));
    }
    await fh.close();
    await renameOver(tmp, target);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw writeError(target, e);
  }
}

/** Row-wise concatenation; categorical columns get the union of the parts' labels, in first-seen order. */
export function concatTables(tables: readonly Table[], names: readonly string[] = tables.map((_, i) => `part ${i}`)): Table {
  const first = tables[0];
  if (!first) throw new DataError(messages.mergeNoParts());
  const nRows = tables.reduce((s, t) => s + t.nRows, 0);
  const columns = first.columns.map((c0, j): Column => {
    tables.forEach((t, i) => {
      const c = t.columns[j];
      if (!c || c.name !== c0.name || isCategorical(c) !== isCategorical(c0))
        throw new DataError(messages.mergePartColumn(names[i]!, j + 1, c, c0));
    });
    if (isCategorical(c0)) {
      const labels: string[] = [];
      const index = new Map<string, number>();
      const codes = new Int32Array(nRows);
      let o = 0;
      for (const t of tables) {
        const c = t.columns[j] as typeof c0;
        const map = c.categories.map((l) => {
          let k = index.get(l);
          if (k === undefined) (index.set(l, (k = labels.length)), labels.push(l));
          return k;
        });
        for (let r = 0; r < t.nRows; r++) codes[o++] = c.codes[r]! < 0 ? -1 : map[c.codes[r]!]!;
      }
      return { name: c0.name, kind: c0.kind, codes, categories: labels };
    }
    const values = new Float64Array(nRows);
    let o = 0;
    for (const t of tables) {
      values.set((t.columns[j] as typeof c0).values, o);
      o += t.nRows;
    }
    return { ...c0, values, ...stackedText(tables.map((t) => t.columns[j] as typeof c0)) };
  });
  return { nRows, columns };
}
