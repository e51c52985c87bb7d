/**
 * The SLURM path for real: a one-node cluster on localhost (scripts/slurm/setup-local-cluster.sh, which
 * .ci/run starts before the tests) runs the train job, a 4-shard array and the merge job.
 * Skipped, with the reason, when no cluster answers; SYNTHDIFF_REQUIRE_SLURM=1 (set by .ci/run) turns
 * the skip into a failure so CI cannot pass without having run it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

function clusterUp(): string | undefined {
  // Looked up on PATH rather than run: without a slurm.conf the SLURM tools retry for a minute.
  const onPath = (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'sbatch')));
  if (!onPath) return 'sbatch is not installed (apt-get install slurm-wlm munge, then scripts/slurm/setup-local-cluster.sh)';
  try {
    execFileSync('scontrol', ['ping'], { stdio: 'pipe', timeout: 10_000 });
    const states = execFileSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8', timeout: 10_000 }).trim().split(/\s+/);
    if (!states.some((s) => s === 'idle' || s === 'mix' || s === 'alloc')) return `no usable node (sinfo states: ${states.join(', ') || 'none'})`;
  } catch {
    return 'no SLURM controller answers (start one with scripts/slurm/setup-local-cluster.sh)';
  }
  return undefined;
}

const reason = clusterUp();
if (reason) {
  if (process.env.SYNTHDIFF_REQUIRE_SLURM === '1') throw new Error(`SYNTHDIFF_REQUIRE_SLURM=1 but the SLURM test cannot run: ${reason}`);
  console.warn(`test/slurm.test.ts skipped: ${reason}`);
}

let dir: string;
let stdout = '';
let stderr = '';

async function cli(...args: string[]): Promise<number> {
  const r = await runCli(...args);
  ({ stdout, stderr } = r);
  return r.code;
}

/** Wait until none of the jobs is queued or running any more. */
async function waitForJobs(ids: string[], timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    let out = '';
    try {
      out = execFileSync('squeue', ['-h', '-j', ids.join(','), '-o', '%i %T'], { encoding: 'utf8' }).trim();
    } catch {
      return; // squeue rejects ids that have left the queue
    }
    if (!out) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`jobs ${ids.join(', ')} still queued after ${timeoutMs / 1000} s:\n${execFileSync('squeue', { encoding: 'utf8' })}`);
}

async function jobLogs(run: string): Promise<string> {
  const logs = join(run, 'slurm/logs');
  const names = await readdir(logs).catch(() => [] as string[]);
  const parts = await Promise.all(names.sort().map(async (n) => `--- ${n}\n${(await readFile(join(logs, n), 'utf8')).split('\n').slice(-8).join('\n')}`));
  return parts.join('\n');
}

beforeAll(async () => {
  // A blank in the path: job scripts and sbatch arguments must survive it.
  dir = await mkdtemp(join(tmpdir(), 'synthdiff slurm-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(reason !== undefined)('synthdiff slurm on a local one-node cluster', () => {
  it('train → 4-shard array → merge: the merged imputation equals the single-process run; a lost shard reruns alone', async () => {
    const data = resolve('fixtures/tables/mice__boys.csv');
    const spec = (out: string, model: string) => `version: 1
name: boys-slurm
seed: 5
source: { path: ${data} }
model: { steps: 40, width: 32, depth: 2, ${model}, samplerSteps: 8, backend: wasm }
tasks:
  - { type: impute, engine: diffusion, draws: 2, output: { path: ${out}/imputed.csv }, intervals: { path: ${out}/intervals.csv } }
  - { type: generate, rows: 40, output: { path: ${out}/synthetic.csv } }
report: { dir: ${out}, html: false }
`;
    const specFile = join(dir, 'cluster.yaml');
    await writeFile(specFile, spec('run', 'checkpoint: run/model'));
    const run = join(dir, 'run');

    expect(await cli('slurm', specFile, '--shards', '4', '--submit', '-q'), stderr).toBe(0);
    expect(stdout).toMatch(/submitted: train \d+, shards \d+ \(array 0,1,2,3\), merge \d+/);
    let manifest = JSON.parse(await readFile(join(run, 'slurm/manifest.json'), 'utf8'));
    await waitForJobs([manifest.jobs.train, manifest.jobs.shards, manifest.jobs.merge], 150_000);
    const merged = await readFile(join(run, 'imputed.csv'), 'utf8').catch(async () => {
      throw new Error(`no merged output; job logs:\n${await jobLogs(run)}`);
    });
    expect(await readdir(join(run, 'slurm/logs'))).toHaveLength(6);

    // The single-process imputation with the checkpoint the train job saved.
    const single = join(dir, 'single.yaml');
    await writeFile(single, spec('single', `load: ${join(run, 'model')}`));
    expect(await cli('run', single, '-q')).toBe(0);
    expect(merged).toBe(await readFile(join(dir, 'single/imputed.csv'), 'utf8'));
    expect(await readFile(join(run, 'intervals.csv'), 'utf8')).toBe(await readFile(join(dir, 'single/intervals.csv'), 'utf8'));
    expect((await readFile(join(run, 'synthetic.csv'), 'utf8')).trim().split('\n')).toHaveLength(41);
    // The merge job graded the generated parts against the training data's statistics.
    const report = JSON.parse(await readFile(join(run, 'merge.json'), 'utf8'));
    const gen = report.outputs.find((o: { type: string }) => o.type === 'generate');
    expect(gen.fidelity.shapes.score).toBeGreaterThan(0.3);
    expect(gen.fidelity.trends.pairs.length).toBe(36); // 9 columns: every pair

    // Lose shard 2's part: resubmitting asks SLURM for array index 2 only; the train job does not retrain.
    await unlink(join(run, 'imputed.part-2-of-4.csv'));
    await rm(join(run, 'imputed.csv'));
    const kept = await stat(join(run, 'imputed.part-1-of-4.csv'));
    const model = await stat(join(run, 'model/model.json'));
    expect(await cli('slurm', specFile, '--shards', '4', '--submit', '-q'), stderr).toBe(0);
    manifest = JSON.parse(await readFile(join(run, 'slurm/manifest.json'), 'utf8'));
    expect(manifest.jobs.array).toEqual([2]);
    await waitForJobs([manifest.jobs.train, manifest.jobs.shards, manifest.jobs.merge], 60_000);
    expect(await readFile(join(run, 'imputed.csv'), 'utf8').catch(async () => `no merged output; job logs:\n${await jobLogs(run)}`)).toBe(merged);
    expect((await stat(join(run, 'imputed.part-1-of-4.csv'))).mtimeMs).toBe(kept.mtimeMs);
    expect((await stat(join(run, 'model/model.json'))).mtimeMs).toBe(model.mtimeMs);
  }, 300_000);
});
