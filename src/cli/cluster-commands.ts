/**
 * CLI handlers for sharded and cluster runs: `run --train-only`, `run --shard i/N`, `merge`, `slurm`.
 * A plain `run` goes straight to `runCommand`.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpecError } from '../errors.js';
import { messages } from '../messages.js';
import { runTablePipeline } from '../run/table/run.js';
import { mergeDir, mergeSpec } from '../run/shard/merge.js';
import { renderMergeHtml } from '../report/html.js';
import { checkpointInfo } from '../run/model.js';
import { planTable } from '../run/plan.js';
import { parseShard, runShard } from '../run/shard/shard.js';
import { runDirFor, submitSlurm, writeSlurmScripts } from '../run/shard/slurm.js';
import { createLogger } from '../report/log.js';
import { runCommand } from './commands.js';
import type { MergedOutput } from '../report/model.js';
import { loadSpec } from '../spec/normalize.js';

export interface RunOptions {
  quiet?: boolean;
  shard?: string;
  trainOnly?: boolean;
  force?: boolean;
  json?: boolean;
}

export async function runOrShardCommand(specPath: string, opts: RunOptions): Promise<void> {
  if (opts.shard !== undefined && opts.trainOnly) throw new SpecError(messages.flagsExclusive('--shard and --train-only', 'train once, then run the shards'));
  if (opts.shard === undefined && !opts.trainOnly) return runCommand(specPath, opts);
  if (opts.json) throw new SpecError(messages.jsonWithShardRun(opts.shard !== undefined ? '--shard' : '--train-only'));
  const log = createLogger({ quiet: opts.quiet });
  const ns = await loadSpec(specPath);
  if (ns.spec.kind === 'image') throw new SpecError(messages.dicomSourceInTablePipeline(ns.spec.source.path, ns.spec.source.format));
  if (opts.shard !== undefined) {
    await runShard(ns, parseShard(opts.shard), { log });
    return;
  }
  const m = ns.spec.model;
  if (!m.checkpoint) throw new SpecError(messages.trainOnlyNeedsCheckpoint(specPath));
  if (m.load && !m.resume) {
    log.info(`model.load ${m.load}: the model is trained already; nothing to train (the shards load it)`);
    return;
  }
  const info = await checkpointInfo(m.checkpoint);
  if (!opts.force && !m.resume && info && !info.inProgress && info.specHash === ns.hash) {
    // Resubmitting a chain after a failed shard must not retrain (and so invalidate every finished part).
    log.info(`checkpoint ${m.checkpoint} is up to date with this spec (${ns.hash.slice(0, 12)}); not retraining (--force retrains)`);
    return;
  }
  await runTablePipeline(ns, { log, trainOnly: true, force: opts.force });
}

export async function mergeCommand(target: string, opts: { shards?: string; clean?: boolean; quiet?: boolean }): Promise<void> {
  const log = createLogger({ quiet: opts.quiet });
  const shards = opts.shards === undefined ? undefined : Number(opts.shards);
  if (shards !== undefined && !(Number.isSafeInteger(shards) && shards >= 1)) throw new SpecError(messages.flagNotPositiveInteger('--shards', opts.shards!));
  let results: MergedOutput[];
  if (existsSync(target) && statSync(target).isDirectory()) {
    // A run dir written by `synthdiff slurm` names its spec; any other folder is searched for shard records.
    const manifest = [join(target, 'slurm', 'manifest.json'), join(target, 'manifest.json')].find(existsSync);
    if (manifest) {
      const m = JSON.parse(await readFile(manifest, 'utf8')) as { spec: string; shards: number };
      results = await mergeSpec(await loadSpec(m.spec), { shards: shards ?? m.shards, log, clean: opts.clean, renderHtml: renderMergeHtml });
    } else results = await mergeDir(target, { shards, log, clean: opts.clean });
  } else results = await mergeSpec(await loadSpec(target), { shards, log, clean: opts.clean, renderHtml: renderMergeHtml });
  for (const r of results) process.stdout.write(`${r.output}: ${r.rows} rows from ${r.shards} shard${r.shards > 1 ? 's' : ''}${r.intervals ? ` (+ ${r.intervals})` : ''}; statistics ${r.statsFile}\n`);
}

export async function slurmCommand(
  specPath: string,
  opts: { shards: string; partition?: string; account?: string; time?: string; mem?: string; cpusPerTask?: string; gres?: string; dir?: string; synthdiff?: string; submit?: boolean; quiet?: boolean },
): Promise<void> {
  const log = createLogger({ quiet: opts.quiet });
  const shards = Number(opts.shards);
  if (!(Number.isSafeInteger(shards) && shards >= 1)) throw new SpecError(messages.flagNotPositiveInteger('--shards', opts.shards));
  const cpus = opts.cpusPerTask === undefined ? undefined : Number(opts.cpusPerTask);
  if (cpus !== undefined && !(Number.isSafeInteger(cpus) && cpus >= 1)) throw new SpecError(messages.flagNotPositiveInteger('--cpus-per-task', opts.cpusPerTask!));
  const ns = await loadSpec(specPath);
  const plan = await writeSlurmScripts(ns, {
    shards,
    partition: opts.partition,
    account: opts.account,
    time: opts.time,
    mem: opts.mem,
    cpusPerTask: cpus,
    gres: opts.gres,
    ...(opts.dir !== undefined ? { runDir: resolve(opts.dir) } : {}),
    synthdiff: opts.synthdiff,
  });
  process.stdout.write(`wrote ${plan.dir}/{train.sbatch,shards.sbatch,merge.sbatch,submit.sh} (${shards} shards; run dir ${runDirFor(ns, opts.dir !== undefined ? { runDir: resolve(opts.dir) } : {})})\n`);
  if (!opts.submit) {
    process.stdout.write(`submit with: ${plan.scripts.submit}   (or: synthdiff slurm ${specPath} --shards ${shards} --submit)\n`);
    return;
  }
  const jobs = await submitSlurm(planTable(ns), plan, { log });
  process.stdout.write(`submitted: train ${jobs.train}${jobs.shards ? `, shards ${jobs.shards} (array ${jobs.array!.join(',')})` : ''}, merge ${jobs.merge}; logs in ${plan.dir}/logs\n`);
}
