/**
 * Training on tables bigger than memory (`model.trainRows`): one streaming pass that splits rows by a
 * per-row coin, fits encoders on every training row with sketches, and keeps a reservoir sample.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksStatistic } from '../src/evaluate/fidelity.js';
import { readCsv } from '../src/io/csv.js';
import { runTablePipeline } from '../src/run/table/run.js';
import { rowUnit, sampleSource } from '../src/run/table/stream-source.js';
import { createLogger } from '../src/report/log.js';
import { deriveSeed } from '../src/rng.js';
import { TableEncoder } from '../src/table/encode.js';
import { isCategorical, type Table } from '../src/table/table.js';
import type { PipelineSpec } from '../src/spec/types.js';
import { fertilityUnavailable, writeFertility } from './helpers/fertility-big.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import { sourceRead } from '../src/run/plan.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-stream-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quiet = () => createLogger({ quiet: true });

function spec(out: string, model: PipelineSpec['model'], extra: Partial<PipelineSpec> = {}): PipelineSpec {
  return {
    version: 1,
    name: 'stream-train',
    seed: 7,
    source: { path: 'fixtures/tables/survival__pbc.csv' },
    columns: { id: { drop: true }, status: { kind: 'categorical' }, stage: { kind: 'categorical' } },
    model: { device: 'cpu', backend: 'wasm', steps: 40, width: 32, depth: 2, ...model },
    tasks: [
      { type: 'impute', engine: 'diffusion', draws: 2, output: { path: join(out, 'imputed.csv') }, intervals: { path: join(out, 'iv.csv') } },
      { type: 'generate', rows: 40, output: { path: join(out, 'syn.csv') } },
    ],
    ...extra,
  } as PipelineSpec;
}

describe('streamed training source', () => {
  it('equals the in-memory run byte for byte when the sample holds every row', async () => {
    const a = join(dir, 'mem'), b = join(dir, 'streamed');
    const ra = await runTablePipeline(normalizeSpec(spec(a, {})), { log: quiet() });
    const rb = await runTablePipeline(normalizeSpec(spec(b, { trainRows: 10_000 })), { log: quiet() });
    for (const f of ['imputed.csv', 'iv.csv', 'syn.csv']) expect(await readFile(join(b, f), 'utf8')).toBe(await readFile(join(a, f), 'utf8'));
    expect(rb.data.rows).toBe(418);
    expect(rb.data.sample?.trainRows).toBe(418);
    expect(ra.data.sample).toBeUndefined();
  });

  it('splits by a per-row coin: about the asked share, the same rows for the same seed', async () => {
    const s = spec(dir, { trainRows: 100 });
    const one = await sampleSource(sourceRead(normalizeSpec(s)), { trainRows: 100, holdout: 0.3, seed: 3 });
    const two = await sampleSource(sourceRead(normalizeSpec(s)), { trainRows: 100, holdout: 0.3, seed: 3 });
    expect(one.rows).toBe(418);
    expect(one.trainRows + one.holdoutRows).toBe(418);
    const expected = Array.from({ length: 418 }, (_, r) => rowUnit(deriveSeed(3, 'split'), r) < 0.3).filter(Boolean).length;
    expect(one.holdoutRows).toBe(expected);
    expect(Math.abs(one.holdoutRows / 418 - 0.3)).toBeLessThan(0.06);
    expect(one.train.nRows).toBe(100);
    expect(one.holdout!.nRows).toBe(100);
    expect(JSON.stringify(one.train)).toBe(JSON.stringify(two.train));
    // Sketches count every training row, not only the sampled ones.
    expect(one.sketches[0]!.observed + one.sketches[0]!.missing).toBe(one.trainRows);
  });

  it('infers kinds from every row, as readCsv does: leading-zero codes first seen after row 10,000 keep their zeros (issue 17)', async () => {
    const path = join(dir, 'late-zeros.csv');
    const lines = ['zip,y', ...Array.from({ length: 10_500 }, (_, i) => `${i < 10_000 ? 10_000 + i : `0${4000 + i - 10_000}`},${i % 3 === 0 ? 'a' : 'b'}`)];
    await writeFile(path, `${lines.join('\n')}\n`);
    const s = { ...spec(dir, { trainRows: 20_000 }), source: { path }, columns: {} } as PipelineSpec;
    const streamed = await sampleSource(sourceRead(normalizeSpec(s)), { trainRows: 20_000, holdout: 0, seed: 1 });
    const whole = await readCsv(path);
    expect(streamed.columns.map((c) => c.kind)).toEqual(whole.table.columns.map((c) => c.kind));
    const zip = streamed.train.columns[0]!;
    expect(zip.kind).toBe('categorical');
    expect(isCategorical(zip) && zip.categories.includes('04400')).toBe(true);
  });

  it('a stray token late in a numeric column gives the same kind on both paths, and a cell that does not read as a forced kind names its line, row and spec key', async () => {
    const path = join(dir, 'late-text.csv');
    const lines = ['x,y', ...Array.from({ length: 50 }, (_, i) => `${i},${i % 3 === 0 ? 'a' : 'b'}`), 'oops,a'];
    await writeFile(path, `${lines.join('\n')}\n`);
    const s = { ...spec(dir, { trainRows: 10 }), source: { path }, columns: {} } as PipelineSpec;
    const silent = { info() {} };
    expect((await sampleSource(sourceRead(normalizeSpec(s)), { trainRows: 10, holdout: 0, seed: 1, headRows: 20 })).columns[0]!.kind).toBe((await readCsv(path, { log: silent })).table.columns[0]!.kind);
    const forced = { ...s, columns: { x: { kind: 'integer' } } } as PipelineSpec;
    await expect(sampleSource(sourceRead(normalizeSpec(forced)), { trainRows: 10, holdout: 0, seed: 1 })).rejects.toThrow(`${path}: line 52 (data row 51), column "x": "oops" is not an integer, the kind set for it in the spec (columns.<name>.kind)`);
  });

  it.skipIf(fertilityUnavailable())('AER__Fertility sorted by age: a uniform sample and sketch-fitted quantiles within 0.2% rank of the exact fit', async () => {
    const raw = join(dir, 'fertility.csv'), sorted = join(dir, 'fertility-by-age.csv');
    await writeFertility(raw, 254_654);
    const { table } = await readCsv(raw);
    // Sorted by age: a shuffle buffer would train on the young first; a reservoir must not care.
    const age = table.columns.find((c) => c.name === 'age')! as Extract<Table['columns'][number], { values: Float64Array }>;
    const order = Int32Array.from({ length: table.nRows }, (_, i) => i).sort((p, q) => age.values[p]! - age.values[q]!);
    const text = (await readFile(raw, 'utf8')).split('\n');
    await writeFile(sorted, `${text[0]}\n${Array.from(order, (r) => text[r + 1]).join('\n')}\n`);

    const s = { ...spec(dir, { trainRows: 20_000 }), source: { path: sorted }, columns: {} } as PipelineSpec;
    const sampled = await sampleSource(sourceRead(normalizeSpec(s)), { trainRows: 20_000, holdout: 0.5, seed: 11 });
    expect(sampled.rows).toBe(254_654);
    expect(sampled.train.nRows).toBe(20_000);
    expect(Math.abs(sampled.trainRows / 254_654 - 0.5)).toBeLessThan(0.005);
    // Uniform over the file: the sample's age distribution matches the whole file's (KS of a 20k sample: ~0.01).
    const sAge = sampled.train.columns.find((c) => c.name === 'age')! as typeof age;
    expect(ksStatistic(sAge.values, age.values)).toBeLessThan(0.02);
    // Categorical shares too.
    for (const c of sampled.train.columns.filter(isCategorical)) {
      const full = table.columns.find((x) => x.name === c.name)! as typeof c;
      const share = (t: typeof c, label: string) => t.codes.filter((k) => k >= 0 && t.categories[k] === label).length / t.codes.length;
      for (const label of full.categories) expect(Math.abs(share(c, label) - share(full, label))).toBeLessThan(0.02);
    }
    // Encoder quantiles from the sketches vs the exact in-memory fit on the same training rows.
    const trainRows = Int32Array.from({ length: table.nRows }, (_, r) => r).filter((r) => rowUnit(deriveSeed(11, 'split'), r) >= 0.5);
    expect(trainRows.length).toBe(sampled.trainRows);
    const sortedTable: Table = { nRows: table.nRows, columns: table.columns.map((c) => (isCategorical(c) ? { ...c, codes: Int32Array.from(order, (r) => c.codes[r]!) } : { ...c, values: Float64Array.from(order, (r) => c.values[r]!) })) };
    const exactTrain: Table = { nRows: trainRows.length, columns: sortedTable.columns.map((c) => (isCategorical(c) ? { ...c, codes: Int32Array.from(trainRows, (r) => c.codes[r]!) } : { ...c, values: Float64Array.from(trainRows, (r) => c.values[r]!) })) };
    const exact = TableEncoder.fit(exactTrain).columns;
    const sketched = TableEncoder.fromSketches(sampled.sketches).columns;
    sketched.forEach((e, j) => {
      const x = exact[j]!;
      if (e.type !== 'quantile' || x.type !== 'quantile') return expect(e).toEqual(x);
      expect([e.min, e.max]).toEqual([x.min, x.max]);
      const col = (exactTrain.columns[j] as typeof age).values.slice().sort();
      const n = col.length;
      let worst = 0;
      e.quantiles.forEach((q, i) => {
        // Distance from the quantile's target rank to the nearest rank holding q.
        let lo = 0, hi = n;
        while (lo < hi) { const m = (lo + hi) >> 1; if (col[m]! < q) lo = m + 1; else hi = m; }
        let lo2 = lo, hi2 = n;
        while (lo2 < hi2) { const m = (lo2 + hi2) >> 1; if (col[m]! <= q) lo2 = m + 1; else hi2 = m; }
        const t = (i / (e.quantiles.length - 1)) * (n - 1);
        worst = Math.max(worst, t < lo ? lo - t : t > lo2 - 1 ? t - (lo2 - 1) : 0);
      });
      expect(worst / n).toBeLessThan(0.002);
    });
  }, 120_000);
});

// Training from a streamed source keeps memory flat in the row count: the pass holds one read batch,
// the sketches and the reservoir, never the table.
describe.skipIf(fertilityUnavailable() !== undefined)('streamed training memory (AER__Fertility)', () => {
  const main = resolve('src/cli/main.ts');
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const report = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxRSS '+process.resourceUsage().maxRSS+'\\n'))";
  const synthdiff = (...args: string[]): { mb: number; stderr: string } => {
    const r = spawnSync(process.execPath, ['--import', tsx, '--import', report, main, ...args], { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`synthdiff ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
    return { mb: Number(/maxRSS (\d+)/.exec(r.stderr)![1]) / 1024, stderr: r.stderr };
  };
  const spec = (input: string, out: string) => `version: 1
name: fertility-train-stream
seed: 4
source: { path: ${input} }
split: { holdout: 0.2 }
model: { steps: 20, width: 32, depth: 2, trainRows: 20000, checkpoint: ${out}/model, backend: wasm }
tasks:
  - { type: generate, rows: 100, output: { path: ${out}/synthetic.csv } }
`;

  it('peak RSS training from 1M rows stays within 1.5× of the 254,654-row run; the checkpoint carries reference statistics', async () => {
    await writeFertility(join(dir, 'base.csv'), 254_654, { holes: 0.01, seed: 5 });
    await writeFertility(join(dir, 'big.csv'), 1_000_000, { holes: 0.01, seed: 5 });
    await writeFile(join(dir, 'base.yaml'), spec('base.csv', 'base'));
    await writeFile(join(dir, 'big.yaml'), spec('big.csv', 'big'));
    const base = synthdiff('run', 'base.yaml', '--train-only');
    const big = synthdiff('run', 'big.yaml', '--train-only');
    console.info(`streamed training peak RSS: ${base.mb.toFixed(0)} MB at 254,654 rows, ${big.mb.toFixed(0)} MB at 1,000,000 rows (×${(big.mb / base.mb).toFixed(2)})`);
    expect(big.stderr).toMatch(/loaded \S*big\.csv: 1000000 rows × 8 columns, \d+ missing cells; train 8\d{5}, holdout 1\d{5} \(model trains on a uniform sample of 20000 training rows, encoders on all of them\)/);
    expect(big.mb / base.mb).toBeLessThanOrEqual(1.5);
    const ref = JSON.parse(await readFile(join(dir, 'big/model/reference.stats.json'), 'utf8'));
    expect(ref.train.rows).toBe(20_000);
    expect(ref.holdout.rows).toBe(20_000);
  }, 240_000);
});
