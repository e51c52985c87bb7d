/**
 * `synthdiff slurm`: hand a sharded run to SLURM instead of scheduling anything ourselves.
 *
 * Writes into `<run dir>/slurm/` three batch scripts and a submit script:
 *   train.sbatch   `synthdiff run <spec> --train-only`            (no-op when the checkpoint is current)
 *   shards.sbatch  an array 0…N−1 of `synthdiff run <spec> --shard $SLURM_ARRAY_TASK_ID/N`
 *   merge.sbatch   `synthdiff merge <spec> --shards N`
 *   submit.sh      sbatch --parsable each, chained with --dependency=afterok:<previous job>
 * plus manifest.json (spec, N, and the job ids once submitted) and logs/ for the jobs' output.
 *
 * Resume: a shard whose parts and record are finished is skipped by the shard job itself, and
 * `--submit` asks only for the unfinished array indices, so after a failure resubmitting reruns just
 * the failed shards (and the merge). With `DependencyParameters=kill_invalid_depend` a failed train
 * job cancels the rest of the chain instead of leaving it pending.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SpecError, SynthdiffError } from '../../errors.js';
import { messages } from '../../messages.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { createLogger, type Logger } from '../../report/log.js';
import { checkpointDir, checkpointInfo } from '../model.js';
import { checkOutputs, type OutputTarget } from '../outputs.js';
import { finishedRecord, shardedTasks, shardRecordPath, taskKey, type ShardRef } from './shard.js';
import type { TablePlan } from '../plan.js';
import type { NormalizedSpec } from '../../spec/normalize.js';

export interface SlurmOptions {
  shards: number;
  partition?: string;
  account?: string;
  /** Per job, as sbatch takes them: `--time 2:00:00`, `--mem 8G`, `--cpus-per-task 4`, `--gres gpu:1`. */
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  gres?: string;
  /** Where slurm/ goes; default the spec's report.dir, else `<spec folder>/<name>-run`. */
  runDir?: string;
  /** The command that runs synthdiff on the compute nodes; default this very installation via node. */
  synthdiff?: string;
}

export interface SlurmPlan {
  dir: string;
  spec: string;
  shards: number;
  scripts: { train: string; shards: string; merge: string; submit: string };
  manifest: string;
}

export interface SlurmJobs {
  train: string;
  /** Absent when every shard was already finished. */
  shards?: string;
  /** The array indices submitted. */
  array?: number[];
  merge: string;
}

/** POSIX single-quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * How a compute node starts this synthdiff: node on the built CLI, or — when running from the sources
 * (tests, `tsx`) — node with tsx's loader on src/cli/main.ts. Absolute paths, so a job's working
 * directory and PATH do not matter.
 */
export function synthdiffCommand(): string {
  return synthdiffArgv().map(shellQuote).join(' ');
}

/** The same as an argument vector (for spawning it directly); the CLI entry point is last. */
export function synthdiffArgv(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, '../../cli/main.js');
  if (existsSync(js)) return [process.execPath, js];
  const ts = join(here, '../../cli/main.ts');
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return [process.execPath, '--import', tsx, ts];
}

export function runDirFor(ns: NormalizedSpec, opts: Pick<SlurmOptions, 'runDir'> = {}): string {
  return opts.runDir ?? ns.spec.report?.dir ?? join(ns.spec.outputs.dir, `${ns.spec.name}-run`);
}

const LOGS = { train: 'train-%j.out', shards: 'shard-%a-%A.out', merge: 'merge-%j.out' } as const;

/** sbatch options that name paths: working folder and log file, passed as single arguments. */
function jobPlacement(slurmDir: string, job: keyof typeof LOGS): string[] {
  return [`--chdir=${slurmDir}`, `--output=${join(slurmDir, 'logs', LOGS[job])}`];
}

/** Write the job scripts and manifest; nothing is submitted. */
export async function writeSlurmScripts(ns: NormalizedSpec, opts: SlurmOptions): Promise<SlurmPlan> {
  if (!ns.specFile) throw new SpecError(messages.slurmSpecNotFile());
  if (!Number.isSafeInteger(opts.shards) || opts.shards < 1) throw new SpecError(messages.flagNotPositiveInteger('--shards', opts.shards));
  if (!ns.spec.model.checkpoint && !ns.spec.model.load)
    throw new SpecError(messages.slurmNeedsCheckpoint(ns.specFile));
  if (!ns.spec.tasks.some((t) => t.type === 'generate' || t.type === 'impute'))
    throw new SpecError(messages.slurmNothingToShard(ns.specFile));
  const dir = join(runDirFor(ns, opts), 'slurm');
  const logs = join(dir, 'logs');
  // The job folder is fenced like the spec's own outputs (outputDir / the spec's folder, unless
  // outputsAnywhere), and may not land on an input or another output: checked before anything is written.
  const what = opts.runDir === undefined ? 'slurm folder' : '--dir';
  const files = ['train.sbatch', 'shards.sbatch', 'merge.sbatch', 'submit.sh', 'manifest.json'].map((f): OutputTarget => ({ what: `${what} (slurm/${f})`, path: join(dir, f), kind: 'file' }));
  checkOutputs(ns, [{ what: `${what} (slurm/)`, path: dir, kind: 'folder' }, ...files, { what: `${what} (slurm/logs/)`, path: logs, kind: 'folder' }]);
  await mkdir(logs, { recursive: true });
  const cmd = opts.synthdiff ?? synthdiffCommand();
  const spec = shellQuote(ns.specFile);
  const name = ns.spec.name.replace(/[^A-Za-z0-9_.-]/g, '_');
  const N = opts.shards;
  const header = (job: string, out: string, extra: string[] = []): string =>
    [
      '#!/bin/bash',
      `#SBATCH --job-name=${name}-${job}`,
      // The log path and working folder go on sbatch's command line (submit.sh), not here: #SBATCH
      // lines are split on blanks, and run folders may have them.
      `# log: ${join(logs, out)}`,
      ...(opts.partition ? [`#SBATCH --partition=${opts.partition}`] : []),
      ...(opts.account ? [`#SBATCH --account=${opts.account}`] : []),
      ...(opts.time ? [`#SBATCH --time=${opts.time}`] : []),
      ...(opts.mem ? [`#SBATCH --mem=${opts.mem}`] : []),
      ...(opts.cpusPerTask ? [`#SBATCH --cpus-per-task=${opts.cpusPerTask}`] : []),
      ...(opts.gres ? [`#SBATCH --gres=${opts.gres}`] : []),
      ...extra,
      `# Written by \`synthdiff slurm ${ns.specFile} --shards ${N}\`; submit all three with submit.sh.`,
      'set -euo pipefail',
      '',
    ].join('\n');
  const scripts = { train: join(dir, 'train.sbatch'), shards: join(dir, 'shards.sbatch'), merge: join(dir, 'merge.sbatch'), submit: join(dir, 'submit.sh') };
  await writeFileAtomic(scripts.train, `${header('train', LOGS.train)}# Trains once and saves model.checkpoint; exits at once if the checkpoint already matches the spec.\nexec ${cmd} run ${spec} --train-only\n`);
  await writeFileAtomic(
    scripts.shards,
    `${header('shard', LOGS.shards, [`#SBATCH --array=0-${N - 1}`])}# Shard i of every generate/impute task; a finished shard (valid part + record) is skipped.\nexec ${cmd} run ${spec} --shard "\${SLURM_ARRAY_TASK_ID}/${N}"\n`,
  );
  await writeFileAtomic(scripts.merge, `${header('merge', LOGS.merge)}# Concatenates the parts in shard order and merges their statistics.\nexec ${cmd} merge ${spec} --shards ${N}\n`);
  await writeFileAtomic(
    scripts.submit,
    [
      '#!/bin/bash',
      '# Submit train → shard array → merge, each waiting for the previous to succeed (afterok).',
      'set -euo pipefail',
      'cd "$(dirname "$0")"',
      `train=$(sbatch --parsable ${jobPlacement(dir, 'train').map(shellQuote).join(' ')} train.sbatch); train=\${train%%;*}`,
      `shards=$(sbatch --parsable ${jobPlacement(dir, 'shards').map(shellQuote).join(' ')} --dependency=afterok:$train shards.sbatch); shards=\${shards%%;*}`,
      `merge=$(sbatch --parsable ${jobPlacement(dir, 'merge').map(shellQuote).join(' ')} --dependency=afterok:$shards merge.sbatch); merge=\${merge%%;*}`,
      'echo "train $train, shards $shards (array of ' + String(N) + '), merge $merge"',
      '',
    ].join('\n'),
  );
  for (const s of Object.values(scripts)) await chmod(s, 0o755);
  const manifest = join(dir, 'manifest.json');
  await writeFileAtomic(manifest, `${JSON.stringify({ format: 'synthdiff-slurm/1', spec: ns.specFile, specHash: ns.hash, shards: N, scripts, writtenAt: new Date().toISOString() }, null, 2)}\n`);
  return { dir, spec: ns.specFile, shards: N, scripts, manifest };
}

/** Array indices with an unfinished task part (all of them until the checkpoint matches the spec). */
export async function unfinishedShards(plan: TablePlan, count: number): Promise<number[]> {
  const ckpt = checkpointDir(plan);
  const info = await checkpointInfo(ckpt.dir);
  const all = Array.from({ length: count }, (_, i) => i);
  if (!info || (ckpt.from === 'checkpoint' && info.specHash !== plan.hash)) return all;
  const out: number[] = [];
  for (const i of all) {
    const shard: ShardRef = { index: i, count };
    for (const task of shardedTasks(plan)) {
      if (!(await finishedRecord(shardRecordPath(task.output.path, shard), { key: taskKey(plan, task, info.weights), task: task.index, shard }))) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

function sbatch(args: string[]): Promise<string> {
  return new Promise((resolveId, reject) => {
    execFile('sbatch', ['--parsable', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new SynthdiffError(messages.sbatchNotFound()));
        return reject(new SynthdiffError(messages.sbatchFailed(args, (stderr || err.message).trim().split('\n').pop()!)));
      }
      // --parsable prints "<id>" or "<id>;<cluster>".
      resolveId(stdout.trim().split(';')[0]!);
    });
  });
}

/**
 * Submit the chain: train, then the unfinished shard indices as an array (afterok:train), then the
 * merge (afterok:array, or afterok:train when nothing is left to shard). Records the ids in the manifest.
 */
export async function submitSlurm(table: TablePlan, plan: SlurmPlan, opts: { log?: Logger } = {}): Promise<SlurmJobs> {
  const log = opts.log ?? createLogger();
  const todo = await unfinishedShards(table, plan.shards);
  const train = await sbatch([...jobPlacement(plan.dir, 'train'), plan.scripts.train]);
  let shards: string | undefined;
  if (todo.length) {
    shards = await sbatch([...jobPlacement(plan.dir, 'shards'), `--dependency=afterok:${train}`, `--array=${compactRanges(todo)}`, plan.scripts.shards]);
  } else log.info(`all ${plan.shards} shards are finished; submitting only the merge`);
  const merge = await sbatch([...jobPlacement(plan.dir, 'merge'), `--dependency=afterok:${shards ?? train}`, plan.scripts.merge]);
  const jobs: SlurmJobs = { train, ...(shards ? { shards, array: todo } : {}), merge };
  await writeFileAtomic(plan.manifest, `${JSON.stringify({ format: 'synthdiff-slurm/1', spec: plan.spec, specHash: table.hash, shards: plan.shards, scripts: plan.scripts, jobs, submittedAt: new Date().toISOString() }, null, 2)}\n`);
  return jobs;
}

/** [0,1,2,5,7,8] → "0-2,5,7-8" (sbatch's --array syntax). */
export function compactRanges(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(j > i ? `${xs[i]}-${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return out.join(',');
}
