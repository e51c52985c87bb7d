#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isUserError } from '../errors.js';
import { messages } from '../messages.js';
import { BackendUnavailableError, overrideThreads } from '../backend/index.js';
import { validateCommand, inspectCommand, evaluateCommand } from './commands.js';
import { mergeCommand, runOrShardCommand, slurmCommand } from './cluster-commands.js';

/** Exit codes: 0 success, 1 a user error (bad spec, bad data) with a one-line message, 2 bad usage. */
export const EXIT = { ok: 0, user: 1, usage: 2 } as const;

function parseThreads(v: string): number | 'all' {
  if (v === 'all') return 'all';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(messages.threadsValue());
  return n;
}

function program(): Command {
  const p = new Command('synthdiff')
    .description('Score-based diffusion for tables and medical scans: impute, generate, synthesize, evaluate.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .exitOverride()
    .option('--threads <n|all>', 'CPU threads for the wasm backend (a count or "all"); wins over model.threads and SYNTHDIFF_THREADS', parseThreads)
    .hook('preAction', (cmd) => {
      const t = cmd.opts<{ threads?: number | 'all' }>().threads;
      if (t !== undefined) overrideThreads(t);
    })
    .showHelpAfterError('(run `synthdiff --help` for usage)')
    .addHelpText(
      'after',
      `
Examples:
  synthdiff run pipelines/default.yaml        train, impute, generate and report as the spec says
  synthdiff validate pipelines/credit.yaml    check a spec without running it
  synthdiff inspect data.csv --json           infer and print the column schema
  synthdiff evaluate --real train.csv --synthetic synth.csv --holdout test.csv --out reports/eval
  synthdiff slurm pipelines/credit.yaml --shards 16 --partition cpu --submit
                                              train once, impute/generate in 16 jobs, merge`,
    );
  p.command('run')
    .description('run a pipeline spec (JSON or YAML)')
    .argument('<spec>', 'pipeline spec file')
    .option('-q, --quiet', 'no progress output')
    .option('--train-only', 'train and save model.checkpoint, nothing else (first step of a sharded run)')
    .option('--shard <i/N>', 'run shard i (0-based) of N of every generate/impute task with the saved model')
    .option('--force', 'retrain even if model.checkpoint holds a finished model of this spec')
    .option('--json', 'print the run report as JSON on stdout (logs stay on stderr)')
    .action(runOrShardCommand);
  p.command('merge')
    .description('join the parts of a sharded run in shard order and merge their statistics')
    .argument('<spec|run-dir>', 'the pipeline spec, or a run dir written by `synthdiff slurm`')
    .option('--shards <N>', 'number of shards (default: from the parts found)')
    .option('--clean', 'delete the parts and their records after a successful merge')
    .option('-q, --quiet', 'no progress output')
    .action(mergeCommand);
  p.command('slurm')
    .description('write SLURM jobs for a sharded run (train → array of N shards → merge), optionally submit them')
    .argument('<spec>', 'pipeline spec file')
    .requiredOption('--shards <N>', 'number of shard jobs in the array')
    .option('--partition <p>', 'sbatch --partition')
    .option('--account <a>', 'sbatch --account')
    .option('--time <t>', 'sbatch --time per job, e.g. 2:00:00')
    .option('--mem <m>', 'sbatch --mem per job, e.g. 16G')
    .option('--cpus-per-task <n>', 'sbatch --cpus-per-task')
    .option('--gres <g>', 'sbatch --gres, e.g. gpu:1')
    .option('--dir <run-dir>', 'where slurm/ goes (default: report.dir)')
    .option('--synthdiff <command>', 'how compute nodes start synthdiff (default: this installation)')
    .option('--submit', 'submit with sbatch, chaining the jobs with afterok dependencies')
    .option('-q, --quiet', 'no progress output')
    .action(slurmCommand);
  p.command('validate')
    .description('validate a pipeline spec against schemas/pipeline.schema.json')
    .argument('<spec>', 'pipeline spec file')
    .option('--json', 'print the result as JSON on stdout ({ valid, ... } or { valid: false, error })')
    .action(validateCommand);
  p.command('inspect')
    .description('infer and print the schema of a CSV or Arrow table')
    .argument('<data>', 'table file (.csv, .tsv, .arrow, ...)')
    .option('--json', 'print the schema as JSON')
    .option('--spec', 'print a pipeline spec columns: block to paste (id-like and constant columns dropped, with why)')
    .addOption(new Option('--delimiter <d>', 'CSV field delimiter').choices([',', ';', 'tab']))
    .option('--missing <tokens...>', 'extra cell texts that mean missing (the empty field always does)')
    .action(inspectCommand);
  p.command('evaluate')
    .description('grade any synthetic table against real data, without a model')
    .requiredOption('--real <file>', 'real (training) table')
    .requiredOption('--synthetic <file>', 'synthetic table to grade')
    .option('--holdout <file>', 'real rows not used for training (enables privacy metrics)')
    .option('--out <dir>', 'write report.json and report.html here (inside the working directory)')
    .option('--outputs-anywhere', 'let --out lie outside the working directory')
    .option('--seed <n>', 'seed for subsampling and classifiers', '0')
    .option('-q, --quiet', 'no progress output')
    .option('--json', 'print the report as JSON on stdout (logs stay on stderr)')
    .option('--fail-on <metric=share,...>', 'privacy gate: exit 1 when a metric exceeds its threshold (dcr, copies, mia; e.g. dcr=0.55,copies=0.05); needs --holdout')
    .option('--no-records', 'keep real rows (the most unusual ones) and local paths (file names only) out of the report')
    .option('--columns <file>', "read all three tables with a spec's columns block (kinds, missing tokens; drop/passthrough columns left out) and its source delimiter/missing; a pipeline spec or a file with just columns:")
    .option('--target <column>', 'ML efficacy on this column: train on real vs synthetic rows, test on the holdout; needs --holdout')
    .action(evaluateCommand);
  return p;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (isUserError(e) || e instanceof BackendUnavailableError) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return EXIT.user;
    }
    throw e;
  }
}

// Run when executed, not when imported by tests.
if (process.argv[1] && /(?:cli[\\/]main\.(?:js|ts)|synthdiff)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
