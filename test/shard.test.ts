import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { initBackend, tf } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { sampleBatch } from '../src/diffusion/samplers.js';
import { readTable } from '../src/io/table-io.js';
import { tableToCsvString } from '../src/io/csv.js';
import { createRng } from '../src/rng.js';
import { parseShard, partPath, shardedTasks, shardRange, taskKey } from '../src/run/shard/shard.js';
import { planTable } from '../src/run/plan.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import type { PipelineSpec } from '../src/spec/types.js';
import { mergeStats, statsLayout, summarizeStats, tableStats } from '../src/stats/shard-stats.js';
import { compactRanges, synthdiffArgv, synthdiffCommand } from '../src/run/shard/slurm.js';
import { existsSync } from 'node:fs';
import { takeRows, type Table } from '../src/table/table.js';

let dir: string;
let stderr = '';
let stdout = '';

async function cli(...args: string[]): Promise<number> {
  const r = await runCli(...args);
  ({ stdout, stderr } = r);
  return r.code;
}

const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, k) => a + k);
const body = (t: Table) => tableToCsvString(t).split('\n').slice(1).join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-shard-'));
  await initBackend({ backend: 'wasm' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the command SLURM jobs run', () => {
  // Runs without a cluster: a moved module once left job scripts pointing at a CLI that did not exist.
  it('names a CLI entry point that exists', () => {
    const entry = synthdiffArgv().at(-1)!;
    expect(entry).toMatch(/cli[\/]main\.(ts|js)$/);
    expect(existsSync(entry)).toBe(true);
    expect(synthdiffCommand().endsWith(entry)).toBe(true);
  });
});

describe('shard arithmetic', () => {
  it('parses i/N and names parts beside the output', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(() => parseShard('8/8')).toThrow('--shard: expected i/N with 0 ≤ i < N (shards count from 0), got "8/8"');
    expect(() => parseShard('x')).toThrow(/--shard/);
    expect(partPath('/a/out/imputed.csv', { index: 1, count: 4 })).toBe('/a/out/imputed.part-1-of-4.csv');
    expect(compactRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
  });
  it('tiles the rows: contiguous, balanced, empty shards allowed', () => {
    for (const [n, N] of [[10, 3], [3, 5], [748, 4], [1, 1]] as const) {
      const r = Array.from({ length: N }, (_, index) => shardRange(n, { index, count: N }));
      expect(r[0]!.start).toBe(0);
      expect(r[N - 1]!.end).toBe(n);
      r.slice(1).forEach((x, i) => expect(x.start).toBe(r[i]!.end));
      expect(Math.max(...r.map((x) => x.end - x.start)) - Math.min(...r.map((x) => x.end - x.start))).toBeLessThanOrEqual(1);
    }
  });
});

describe('shard task keys', () => {
  // Golden keys computed by the spec-reading taskKey before the runners took plans (4d5a495): a finished
  // part recorded by an older synthdiff must still be recognised, or an upgrade reruns every shard. The
  // impute key changed on purpose with the default imputation sampler (edm-stochastic 50 → dpmpp-2m 20):
  // an old part holds other draws, so it must not be taken for the new one.
  it('are computed from the plan exactly as from the written spec before', () => {
    const spec = { version: 1, name: 'k', seed: 7, source: { path: '/data/t.csv' }, split: { holdout: 0.3 }, evaluate: { privacy: true }, model: { checkpoint: '/ck' }, tasks: [{ type: 'generate', rows: 100, output: { path: '/o/g.csv' } }, { type: 'impute', draws: 3, output: { path: '/o/i.csv' } }] } as PipelineSpec;
    const plan = planTable(normalizeSpec(spec));
    // The generate key moved when generation's default became Heun 30 (the key names the sampler steps: shards drawn at 50 must not merge with 30).
    expect(shardedTasks(plan).map((t) => taskKey(plan, t, 'w'))).toEqual([
      '3083e898ae057d02acc752e929d2189ccf71c6ccf64b1dcbb13c80d8577f9100',
      'cc78c220867844744296483970f4aebe6ed869eea8d8dbdd6afbad71cb53d61a',
    ]);
  });
});

describe('complete() with row-keyed noise (rowOffset)', () => {
  it.each(['heun', 'euler-maruyama', 'edm-stochastic'] as const)('imputes each row the same in any split of the table (%s)', async (sampler) => {
    const { table } = await readTable('fixtures/tables/mice__boys.csv');
    const model = TabularDiffusion.create(table, { width: 32, depth: 2, seed: 1, train: { steps: 20 } });
    await model.fit(table);
    const opts = { draws: 2, seed: 5, sampler, steps: 6 };
    const whole = await model.complete(table, { ...opts, rowOffset: 0 });
    const cuts = [0, 1, 250, 251, 600, 748];
    const parts = [];
    for (let i = 0; i + 1 < cuts.length; i++) parts.push(await model.complete(takeRows(table, rows(cuts[i]!, cuts[i + 1]!)), { ...opts, rowOffset: cuts[i]!, chunkRows: 64 }));
    for (const m of [0, 1]) expect(parts.map((p) => body(p[m]!)).join('')).toBe(body(whole[m]!));
    // Offsets matter: the same rows at another offset get other noise.
    const shifted = await model.complete(takeRows(table, rows(0, 250)), { ...opts, rowOffset: 1 });
    expect(body(shifted[0]!)).not.toBe(body(parts[0]![0]!) + body(parts[1]![0]!));
    model.dispose();
  });

  it('leaves the default sampler noise as it was: the hook only replaces where draws come from', async () => {
    const { table } = await readTable('fixtures/tables/mice__nhanes.csv');
    const model = TabularDiffusion.create(table, { width: 16, depth: 2, seed: 2, train: { steps: 5 } });
    const D = model.encoder.dim;
    const x0 = tf.zeros([7, D]) as tf.Tensor2D, cond = tf.zeros([7, D]) as tf.Tensor2D;
    for (const sampler of ['heun', 'edm-stochastic', 'euler-maruyama'] as const) {
      const plain = sampleBatch(model.ema, model.edm, x0, cond, { sampler, steps: 4, seed: 9 });
      // The draws sampleEdm makes by default, replayed through the hook.
      const rng = createRng(9);
      const hooked = sampleBatch(model.ema, model.edm, x0, cond, { sampler, steps: 4, seed: 9, noise: (shape) => tf.randomNormal([...shape], 0, 1, 'float32', rng.int(2 ** 31)) });
      expect(Array.from(await hooked.data())).toEqual(Array.from(await plain.data()));
      tf.dispose([plain, hooked]);
    }
    tf.dispose([x0, cond]);
    model.dispose();
  });
});

describe('synthdiff run --shard / merge', () => {
  const data = resolve('fixtures/tables/mice__boys.csv');
  const spec = (out: string, model: string) => `version: 1
name: boys-shards
seed: 11
source: { path: ${data} }
model: { steps: 40, width: 32, depth: 2, ${model}, samplerSteps: 8 }
tasks:
  - { type: profile, output: { path: ${out}/schema.csv } }
  - { type: impute, engine: diffusion, draws: 3, output: { path: ${out}/imputed.csv }, intervals: { path: ${out}/intervals.csv } }
  - { type: generate, rows: 90, output: { path: ${out}/synthetic.arrow } }
report: { dir: ${out}, html: false }
`;

  it('refuses to shard without a trained checkpoint, with the command that trains it', async () => {
    const s = join(dir, 'untrained.yaml');
    await writeFile(s, spec('untrained', 'checkpoint: untrained/model'));
    expect(await cli('run', s, '--shard', '0/2', '-q')).toBe(1);
    expect(stderr).toBe(`error: model.checkpoint ${join(dir, 'untrained/model')}: no trained checkpoint there yet; train it once with \`synthdiff run ${s} --train-only\` before running shards\n`);
    expect(await cli('run', s, '--shard', '0/2', '--train-only')).toBe(1);
    expect(stderr).toMatch(/^error: --shard and --train-only: pick one/);
  });

  it('4 imputation shards concatenate to the single-process imputation; stats merge; a lost shard reruns alone', async () => {
    const sharded = join(dir, 'sharded.yaml');
    await writeFile(sharded, spec('sharded', 'checkpoint: sharded/model'));
    expect(await cli('run', sharded, '--train-only', '-q')).toBe(0);
    // A second --train-only finds the checkpoint current and does not retrain.
    const ckpt = await stat(join(dir, 'sharded/model/model.json'));
    expect(await cli('run', sharded, '--train-only')).toBe(0);
    expect(stderr).toMatch(/is up to date with this spec/);
    expect((await stat(join(dir, 'sharded/model/model.json'))).mtimeMs).toBe(ckpt.mtimeMs);

    for (let i = 0; i < 4; i++) expect(await cli('run', sharded, '--shard', `${i}/4`, '-q')).toBe(0);
    expect(await cli('merge', sharded, '-q')).toBe(0);
    expect(stdout).toContain(`${join(dir, 'sharded/imputed.csv')}: 748 rows from 4 shards`);

    // The single-process run with the same checkpoint imputes the same bytes.
    const single = join(dir, 'single.yaml');
    await writeFile(single, spec('single', `load: ${join(dir, 'sharded/model')}`));
    expect(await cli('run', single, '-q')).toBe(0);
    expect(await readFile(join(dir, 'sharded/imputed.csv'), 'utf8')).toBe(await readFile(join(dir, 'single/imputed.csv'), 'utf8'));
    expect(await readFile(join(dir, 'sharded/intervals.csv'), 'utf8')).toBe(await readFile(join(dir, 'single/intervals.csv'), 'utf8'));

    // Generation: 90 rows in 4 parts with per-shard seeds (not the single run's rows, by design).
    const synth = (await readTable(join(dir, 'sharded/synthetic.arrow'))).table;
    expect(synth.nRows).toBe(90);

    // Merged statistics equal those of the merged files, recomputed from scratch.
    const model = await TabularDiffusion.load(join(dir, 'sharded/model'));
    const layout = statsLayout(model.encoder.columns);
    model.dispose();
    for (const [out, file] of [['imputed.csv', 'imputed.stats.json'], ['synthetic.arrow', 'synthetic.stats.json']]) {
      const merged = JSON.parse(await readFile(join(dir, 'sharded', file), 'utf8'));
      const direct = summarizeStats(tableStats((await readTable(join(dir, 'sharded', out))).table, layout));
      expect(merged.summary.rows).toBe(direct.rows);
      merged.summary.columns.forEach((c: Record<string, unknown>, j: number) => {
        const d = direct.columns[j]! as Record<string, unknown>;
        for (const k of ['mean', 'sd', 'min', 'max'] as const) if (typeof d[k] === 'number') expect(Math.abs((c[k] as number) - (d[k] as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(d[k] as number)));
        expect(c.histogram ?? c.frequencies).toEqual(d.histogram ?? d.frequencies);
      });
      merged.summary.correlations.forEach((c: { pearson: number }, k: number) => expect(Math.abs(c.pearson - direct.correlations[k]!.pearson!)).toBeLessThan(1e-9));
    }

    // Resume: lose shard 2's imputed part; rerunning every shard recomputes only that one.
    await unlink(join(dir, 'sharded/imputed.part-2-of-4.csv'));
    expect(await cli('merge', sharded, '-q')).toBe(1);
    expect(stderr).toMatch(/imputed\.csv: shard 2 of 4 not finished .* rerun it \(`synthdiff run .*sharded\.yaml --shard 2\/4`\), then merge again/);
    const before = await stat(join(dir, 'sharded/imputed.part-1-of-4.csv'));
    let skipped = 0;
    for (let i = 0; i < 4; i++) {
      expect(await cli('run', sharded, '--shard', `${i}/4`)).toBe(0);
      skipped += (stderr.match(/finished part found, skipped/g) ?? []).length;
    }
    expect(skipped).toBe(7); // 4 shards × 2 tasks, less the lost one
    expect((await stat(join(dir, 'sharded/imputed.part-1-of-4.csv'))).mtimeMs).toBe(before.mtimeMs);
    expect(await cli('merge', join(dir, 'sharded'), '-q')).toBe(0);
    expect(await readFile(join(dir, 'sharded/imputed.csv'), 'utf8')).toBe(await readFile(join(dir, 'single/imputed.csv'), 'utf8'));
  });

  it('merges statistics exactly as mergeStats does for the recorded parts', async () => {
    const recs = await Promise.all([0, 1, 2, 3].map(async (i) => JSON.parse(await readFile(join(dir, `sharded/imputed.part-${i}-of-4.stats.json`), 'utf8'))));
    const merged = JSON.parse(await readFile(join(dir, 'sharded/imputed.stats.json'), 'utf8'));
    expect(merged.stats).toEqual(JSON.parse(JSON.stringify(mergeStats(recs.map((r) => r.stats)))));
    expect(recs.map((r) => r.rows)).toEqual([{ start: 0, end: 187 }, { start: 187, end: 374 }, { start: 374, end: 561 }, { start: 561, end: 748 }]);
  });
});
