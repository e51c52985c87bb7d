/**
 * Training that survives a kill (issue 17): with `model.checkpoint`, training saves a checkpoint every
 * `model.checkpointEvery` minutes (atomically, as the final save); SIGKILL the CLI after the first one and
 * rerun with `resume: true`: it continues from that step and finishes with the weights of the run that was
 * never killed. A checkpoint saved mid-training is refused by a sharded run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointInfo } from '../src/run/model.js';
import { runShard } from '../src/run/shard/shard.js';
import { loadSpec } from '../src/spec/normalize.js';
import { createLogger } from '../src/report/log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-resume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MAIN = resolve('src/cli/main.ts');
const STEPS = 4000;

/** Run the CLI in a child process; `until` (a stderr pattern) kills it with SIGKILL at its first match. */
function cli(args: string[], until?: RegExp): Promise<{ code: number | null; signal: string | null; stderr: string; match?: RegExpMatchArray }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: resolve('.'), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let match: RegExpMatchArray | undefined;
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (until && !match) {
        match = stderr.match(until) ?? undefined;
        if (match) child.kill('SIGKILL');
      }
    });
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stderr, ...(match ? { match } : {}) }));
  });
}

describe('periodic checkpoints and resume (issue 17)', () => {
  it('a run killed after its first periodic checkpoint resumes from that step and completes', async () => {
    const spec = join(dir, 'spec.yaml');
    await writeFile(
      spec,
      `version: 1\nname: resume\nseed: 3\noutputsAnywhere: true\nsource: { path: ${resolve('fixtures/tables/survival__pbc.csv')} }\n` +
        `columns: { id: { drop: true } }\n` +
        `model: { device: cpu, width: 16, depth: 1, steps: ${STEPS}, batchSize: 32, checkpoint: model, checkpointEvery: 0.005, resume: true }\n`,
    );
    const killed = await cli(['run', spec], /checkpoint \S+: step (\d+) of (\d+)/);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toContain('resume: no checkpoint in');
    const savedAt = Number(killed.match![1]);
    expect(savedAt).toBeGreaterThan(0);
    expect(savedAt).toBeLessThan(STEPS);
    const partial = await checkpointInfo(join(dir, 'model'));
    expect(partial).toMatchObject({ inProgress: true });
    expect(partial!.step).toBeGreaterThanOrEqual(savedAt);

    // A sharded run must not load a half-trained model.
    await expect(runShard(await loadSpec(spec), { index: 0, count: 2 }, { log: createLogger({ quiet: true }) })).rejects.toThrow(/training stopped at step \d+ \(a checkpoint saved mid-training\)/);

    const resumed = await cli(['run', spec, '-q']);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const meta = JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8')) as { inProgress?: boolean; state: { step: number } };
    expect(meta.inProgress).toBeUndefined();
    expect(meta.state.step).toBeGreaterThan(partial!.step);
    expect(meta.state.step).toBeLessThanOrEqual(STEPS);

    // Killed and resumed, the run is the uninterrupted one bit for bit (net, EMA, Adam moments).
    const straight = join(dir, 'straight.yaml');
    await writeFile(straight, (await readFile(spec, 'utf8')).replace('checkpoint: model, checkpointEvery: 0.005, resume: true', 'checkpoint: straight'));
    expect((await cli(['run', straight, '-q'])).code).toBe(0);
    expect((await checkpointInfo(join(dir, 'straight')))!.weights).toBe((await checkpointInfo(join(dir, 'model')))!.weights);

    // Not quiet: the resumed run says where it started.
    const again = await cli(['run', spec]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`resuming from checkpoint ${join(dir, 'model')} (trained ${meta.state.step} steps`);
  }, 120_000);
});
