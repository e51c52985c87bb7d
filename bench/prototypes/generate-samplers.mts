// Issue 12, "fewer network evaluations" for GENERATION: can the generate default move from Heun 50 steps
// (99 network evaluations per row) to DPM-Solver++(2M) at 20 steps or fewer at unchanged fidelity?
//
// Per table: synth-shared's seeded 50/50 split of the CSV lines (bench/synth-shared.ts splitCsv, split seed 1),
// ONE TabularDiffusion trained on the whole training half (library default architecture for its rows, a fixed
// step budget, early stopping off), then that same model generates as many rows as the training half with
// each sampler below; every output is written as CSV and graded by ../shared/bench/fidelity/score.py exactly
// as synth-shared does (same train / holdout files, --seed 1, --no-pairs). Heun 50 is drawn with two seeds
// (and dpmpp-2m 20 with two) so the metrics' own seed-to-seed noise is on the page. Generation is timed
// with the wasm backend on 1 thread (rows/s includes decoding and dependency enforcement, as a user sees it).
//
//   npx tsx bench/prototypes/generate-samplers.mts [tables] [trainSteps=4000] [outDir=bench/out/generate-samplers] [runs]
//
// tables: comma-separated ../shared/data/tabular names, each optionally `name@N` = first a seeded sample of N
// data lines (forcats__gss_cat@8000 keeps the training half at 4,000 rows: 3×256 like the other two).
// Resumable: a table's trained model, synthetic CSVs and score JSONs are kept under outDir and reused.
// Prints one JSON line per (table, sampler, steps, seed) and per holdout baseline.
// GENERATE_SAMPLERS_TIMING=3 (with a trained model in outDir): generation timing only, 3 interleaved rounds.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { TabularDiffusion } from '../../src/diffusion/tabular.js';
import type { SamplerName } from '../../src/diffusion/sampler-name.js';
import { readTable, writeTable } from '../../src/io/table-io.js';
import { createRng, deriveSeed } from '../../src/rng.js';
import { REPO_ROOT, round } from '../common.js';
import { headline, score, splitCsv } from '../synth-shared.js';

const SPLIT_SEED = 1;
const tables = (process.argv[2] ?? 'modeldata__credit_data,carData__SLID,forcats__gss_cat@8000').split(',');
const trainSteps = Number(process.argv[3] ?? 4000);
const outDir = resolve(process.argv[4] ?? join(REPO_ROOT, 'bench', 'out', 'generate-samplers'));
const DEFAULT_RUNS: Array<{ sampler: SamplerName; steps: number; seed: number }> = [
  { sampler: 'heun', steps: 50, seed: 1 },
  { sampler: 'heun', steps: 50, seed: 2 },
  { sampler: 'dpmpp-2m', steps: 20, seed: 1 },
  { sampler: 'dpmpp-2m', steps: 15, seed: 1 },
  { sampler: 'dpmpp-2m', steps: 10, seed: 1 },
  { sampler: 'dpmpp-2m', steps: 20, seed: 2 },
];
// Optional 4th argument [runs], e.g. `heun:50:3,dpmpp-2m:20:3`: these runs instead (more seeds on a trained model).
const RUNS = process.argv[5]
  ? process.argv[5].split(',').map((r) => {
      const [sampler, steps, seed] = r.split(':');
      return { sampler: sampler as SamplerName, steps: Number(steps), seed: Number(seed) };
    })
  : DEFAULT_RUNS;
// Heun's last step is a plain Euler step (samplers.ts), hence 2n − 1; DPM-Solver++(2M) reuses the previous
// denoised estimate, one evaluation per step.
const evaluations = (s: SamplerName, n: number) => (s === 'dpmpp-2m' || s === 'euler-maruyama' ? n : 2 * n - 1);
const load1 = () => round(loadavg()[0]!, 2);
// GENERATE_SAMPLERS_TIMING=N: only time the runs (N interleaved rounds, median), no CSVs or scores.
const TIMING_ROUNDS = Number(process.env.GENERATE_SAMPLERS_TIMING ?? 0);

const backend = await initBackend({ backend: 'wasm', threads: 1 });
console.error(`[generate-samplers] backend ${backend.detail}; ${trainSteps} training steps; out ${outDir}`);

/** `src` reduced to a seeded sample of `n` data lines (original order kept), written to `dest`. */
function sampleLines(src: string, dest: string, n: number): void {
  const lines = readFileSync(src, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [header, ...rows] = lines;
  const rng = createRng(deriveSeed(SPLIT_SEED, 'generate-samplers-subsample'));
  const idx = rows.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  writeFileSync(dest, `${header}\n${idx.slice(0, n).sort((a, b) => a - b).map((i) => rows[i]).join('\n')}\n`);
}

for (const spec of tables) {
  const [name, cap] = spec.split('@') as [string, string | undefined];
  const dir = join(outDir, `${name}${cap ? `-${cap}` : ''}-s${SPLIT_SEED}`);
  mkdirSync(dir, { recursive: true });
  let src = resolve(REPO_ROOT, '..', 'shared', 'data', 'tabular', `${name}.csv`);
  if (cap) {
    const sub = join(dir, `${name}-${cap}.csv`);
    if (!existsSync(sub)) sampleLines(src, sub, Number(cap));
    src = sub;
  }
  const { train, holdout, trainRows } = splitCsv(src, dir, SPLIT_SEED);
  const { table } = await readTable(train);
  const common = { table: spec, trainRows, columns: table.columns.length };

  const baseFile = join(dir, 'score-holdout.json');
  if (!existsSync(baseFile)) writeFileSync(baseFile, JSON.stringify(score(train, holdout, holdout, undefined, SPLIT_SEED)));
  console.log(JSON.stringify({ ...common, method: 'holdout (real rows never trained on)', ...headline(JSON.parse(readFileSync(baseFile, 'utf8'))) }));

  const modelDir = join(dir, 'model');
  let model: TabularDiffusion;
  let trainSeconds: number | null = null;
  if (existsSync(join(modelDir, 'model.json'))) {
    model = await TabularDiffusion.load(modelDir);
    console.error(`[generate-samplers] ${spec}: loaded ${modelDir} (${model.state.step} steps)`);
  } else {
    model = TabularDiffusion.create(table, { seed: SPLIT_SEED, train: { steps: trainSteps, patience: 0 } });
    console.error(`[generate-samplers] ${spec}: training ${model.mlp.depth}×${model.mlp.width}, ${model.encoder.dim} dims, ${trainSteps} steps at batch ${model.trainOptions.batchSize}, load ${load1()}`);
    const t0 = performance.now();
    await model.fit(table);
    trainSeconds = round((performance.now() - t0) / 1000, 1);
    await model.save(modelDir);
    writeFileSync(join(dir, 'train-seconds.json'), JSON.stringify({ trainSeconds, load1: load1() }));
  }
  if (trainSeconds === null && existsSync(join(dir, 'train-seconds.json'))) trainSeconds = JSON.parse(readFileSync(join(dir, 'train-seconds.json'), 'utf8')).trainSeconds;
  const mlp = `${model.mlp.depth}x${model.mlp.width}`;
  // One tiny draw first, so wasm kernel set-up is not charged to the first timed sampler.
  await model.generate(64, { seed: 99, sampler: 'dpmpp-2m', steps: 2 });

  if (TIMING_ROUNDS > 0) {
    // Timing only: every run generates the training half's rows once per round, rounds interleaved so a
    // change in the shared machine's load falls on all samplers alike; the median of the rounds is printed.
    const seconds = RUNS.map(() => [] as number[]);
    for (let round_ = 0; round_ < TIMING_ROUNDS; round_++) {
      for (const [k, r] of RUNS.entries()) {
        const t1 = performance.now();
        await model.generate(trainRows, { seed: r.seed, sampler: r.sampler, steps: r.steps });
        seconds[k]!.push((performance.now() - t1) / 1000);
      }
    }
    for (const [k, r] of RUNS.entries()) {
      const med = [...seconds[k]!].sort((a, b) => a - b)[Math.floor(TIMING_ROUNDS / 2)]!;
      console.log(JSON.stringify({ ...common, mlp, what: `timing, median of ${TIMING_ROUNDS} interleaved rounds`, sampler: r.sampler, steps: r.steps, evaluations: evaluations(r.sampler, r.steps), generateSeconds: seconds[k]!.map((x) => round(x, 2)), rowsPerSec: Math.round(trainRows / med), load1: load1() }));
    }
    model.dispose();
    continue;
  }
  for (const r of RUNS) {
    const tag = `${r.sampler}-${r.steps}-seed${r.seed}`;
    const csv = join(dir, `${tag}.csv`), scoreFile = join(dir, `score-${tag}.json`), timeFile = join(dir, `time-${tag}.json`);
    if (!existsSync(csv) || !existsSync(timeFile)) {
      const loadBefore = load1();
      const t1 = performance.now();
      const syn = await model.generate(trainRows, { seed: r.seed, sampler: r.sampler, steps: r.steps });
      const seconds = (performance.now() - t1) / 1000;
      await writeTable(csv, syn);
      writeFileSync(timeFile, JSON.stringify({ seconds: round(seconds, 2), rowsPerSec: Math.round(trainRows / seconds), load1: loadBefore }));
    }
    if (!existsSync(scoreFile)) writeFileSync(scoreFile, JSON.stringify(score(train, csv, holdout, undefined, SPLIT_SEED)));
    const time = JSON.parse(readFileSync(timeFile, 'utf8')) as { seconds: number; rowsPerSec: number; load1: number };
    console.log(JSON.stringify({ ...common, mlp, trainSteps: model.state.step, trainSeconds, sampler: r.sampler, steps: r.steps, evaluations: evaluations(r.sampler, r.steps), seed: r.seed, generateSeconds: time.seconds, rowsPerSec: time.rowsPerSec, loadAtGenerate: time.load1, ...headline(JSON.parse(readFileSync(scoreFile, 'utf8'))) }));
  }
  model.dispose();
}
