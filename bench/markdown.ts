/**
 * RESULTS.md: rendered from the suite's JSON records, which it also stores (in a collapsed block at the
 * end) so a later `--only X` run can replace X's rows and re-render the rest unchanged. Hand-written text
 * between the notes markers survives re-rendering.
 */
import type { BenchRecord, MachineInfo } from './common.js';

export interface RunMeta {
  scenario: string;
  command: string;
  startedAt: string;
  wallSeconds: number;
  loadavgMean: number;
  loadavgMax: number;
  machine: MachineInfo;
  tfjs: string;
  /** Code measured: git commit (and whether src/ had uncommitted edits). */
  commit?: string;
  settings: Record<string, unknown>;
  failures?: string[];
}

export interface Stored {
  records: BenchRecord[];
  runs: RunMeta[];
  notes: string | undefined;
}

const NOTES_BEGIN = '<!-- notes:begin -->';
const NOTES_END = '<!-- notes:end -->';
const RAW_BEGIN = '```jsonl';

export function parseRecords(md: string): Stored {
  const records: BenchRecord[] = [];
  const runs: RunMeta[] = [];
  const a = md.indexOf(NOTES_BEGIN), b = md.indexOf(NOTES_END);
  const notes = a >= 0 && b > a ? md.slice(a + NOTES_BEGIN.length, b).replace(/^\n|\n$/g, '') : undefined;
  const raw = md.lastIndexOf(RAW_BEGIN);
  if (raw >= 0) {
    const body = md.slice(raw + RAW_BEGIN.length, md.indexOf('```', raw + RAW_BEGIN.length));
    for (const line of body.split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      const o = JSON.parse(line) as { run?: RunMeta } & BenchRecord;
      if (o.run) runs.push(o.run);
      else records.push(o);
    }
  }
  return { records, runs, notes };
}

const fmt = (x: unknown, digits = 2): string => {
  if (x === null || x === undefined || (typeof x === 'number' && !Number.isFinite(x))) return '–';
  if (typeof x !== 'number') return String(x);
  const abs = Math.abs(x);
  if (abs >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  return x.toFixed(digits);
};

/** An accuracy difference in points with its sign, rounded first: a tie that the seeds' float means put a hair below zero reads +0.0, not -0.0. */
export const fmtPts = (delta: number): string => {
  const pts = Math.round(delta * 1000) / 10 || 0;
  return `${pts >= 0 ? '+' : ''}${pts.toFixed(1)} pts`;
};

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function runLine(run: RunMeta | undefined): string {
  if (!run) return '_No run metadata._';
  const m = run.machine;
  const fail = run.failures?.length ? `\n\n**Failures:** ${run.failures.map((f) => `\`${f}\``).join('; ')}` : '';
  return (
    `_Measured ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC with \`${run.command}\` on ${m.cpu} (${m.cores} cores, ${m.memoryGB} GB), ` +
    `Node ${m.node}, tfjs ${run.tfjs}, code ${run.commit ?? 'unknown'}; wall ${fmt(run.wallSeconds, 0)} s; 1-min load average ${run.loadavgMean} mean, ${run.loadavgMax} max._${fail}`
  );
}

const num = (r: BenchRecord, k: string): number => r[k] as number;
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

function trainStepSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const r0 = rs[0]!;
  const intro = `Default table model: ${r0.mlp} MLP (time embedding + 3 hidden layers), ${r0.encodedDims} encoded dims from \`${r0.table}\`, backend wasm (XNNPACK, SIMD; threads per row). ` +
    'Step = EDM-loss gradients + Adam + EMA update (trainDiffusion\'s device work per step); forward = the MLP alone at the same batch; ' +
    'host batch = drawing masks/σ/noise on the CPU and uploading them. Times are medians of the timed repetitions after one warm-up. ' +
    'PyTorch = `bench/peers/torch_step.py` (the same MLP, EDM loss, Adam and EMA on CPU) on the same number of cores: its BLAS pool (OpenBLAS, which `torch.set_num_threads` ' +
    'does not size) set to the thread count, and its own pool at the thread count or at 1, whichever is faster; run right after each unit. Cores used = process CPU time over wall time of the timing loop, ours / PyTorch; ' +
    'units run 1, 2, 1, 2 threads so each comparison sees the same load (load = 1-min load average at the end of the batch).';
  const main = table(
    ['round', 'threads', 'batch', 'step ms', 'PyTorch step ms', 'ours / PyTorch (target ≤ 1.5)', 'forward ms', 'PyTorch forward ms', 'step / forward', 'train rows/s', 'forward rows/s', 'cores used', 'reps', 'load', 'peak RSS MB'],
    rs.map((r) => [
      r.round === undefined ? '–' : String(r.round),
      String(r.threads ?? 1),
      fmt(r.batch, 0),
      fmt(num(r, 'stepMs'), 1),
      r.torchStepMs === undefined ? '–' : fmt(num(r, 'torchStepMs'), 1),
      r.stepOverTorch === undefined ? '–' : `${fmt(num(r, 'stepOverTorch'), 2)} ${num(r, 'stepOverTorch') <= 1.5 ? '✔' : '✘'}`,
      fmt(num(r, 'forwardMs'), 1),
      r.torchForwardMs === undefined ? '–' : fmt(num(r, 'torchForwardMs'), 2),
      fmt(num(r, 'stepOverForward'), 2),
      fmt(r.rowsPerSec, 0),
      fmt(num(r, 'forwardRowsPerSec'), 0),
      r.cpuPerWall === undefined ? '–' : `${fmt(num(r, 'cpuPerWall'), 2)} / ${r.torchCpuPerWall === undefined ? '–' : fmt(num(r, 'torchCpuPerWall'), 2)}`,
      fmt(r.steps, 0),
      r.load1 === undefined ? '–' : fmt(num(r, 'load1'), 2),
      fmt(r.peakRssMB, 0),
    ]),
  );
  // 2 threads over 1 thread, per round and batch (step throughput).
  const speedups: string[][] = [];
  for (const round of [...new Set(rs.map((r) => r.round).filter((x) => x !== undefined))]) {
    for (const B of [...new Set(rs.map((r) => r.batch))]) {
      const one = rs.find((r) => r.round === round && r.batch === B && (r.threads ?? 1) === 1);
      const two = rs.find((r) => r.round === round && r.batch === B && r.threads === 2);
      if (!one || !two) continue;
      const ours = num(one, 'stepMs') / num(two, 'stepMs');
      const torch = one.torchStepMs !== undefined && two.torchStepMs !== undefined ? num(one, 'torchStepMs') / num(two, 'torchStepMs') : undefined;
      speedups.push([String(round), fmt(B, 0), `${fmt(ours, 2)} ${ours >= 1.7 ? '✔' : '✘'}`, torch === undefined ? '–' : fmt(torch, 2)]);
    }
  }
  const sp = speedups.length ? `\n\n2 threads over 1 thread (step throughput; target ≥ 1.7):\n\n${table(['round', 'batch', 'ours', 'PyTorch'], speedups)}` : '';
  return `${intro}\n\n${main}${sp}`;
}

function sampleSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const r0 = rs[0]!;
  const intro = `\`TabularDiffusion.generate\` (encode → sampler in 4,096-row chunks → decode) with the default model for \`${r0.table}\` (${r0.mlp} MLP, ${r0.encodedDims} dims), untrained weights (the cost does not depend on them), backend wasm (XNNPACK, SIMD; threads per row). A sampler step evaluates the time MLP once per batch (one noise level for every row). ` +
    '"network rows/s" = rows × network evaluations per second, comparable with train-step\'s forward rows/s.';
  return `${intro}\n\n${table(
    ['threads', 'sampler', 'steps', 'network evals', 'rows', 'seconds', 'rows/s', 'network rows/s', 'load', 'peak RSS MB'],
    rs.map((r) => [String(r.threads ?? 1), String(r.sampler), fmt(r.steps, 0), fmt(num(r, 'networkEvaluations'), 0), fmt(r.rows, 0), fmt(r.seconds, 1), fmt(r.rowsPerSec, 1), fmt(num(r, 'networkRowsPerSec'), 0), r.load1 === undefined ? '–' : fmt(num(r, 'load1'), 2), fmt(r.peakRssMB, 0)]),
  )}`;
}

function endToEndSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const s = (r: BenchRecord, k: string) => get(r, `stages.${k}.seconds`) as number;
  const evalRows = fmt(Math.max(...rs.map((r) => get(r, 'evaluate.realRows') as number)), 0);
  const steps = fmt(get(rs[0], 'generate.samplerSteps'), 0);
  const imputeWith = `${get(rs[0], 'impute.sampler') ?? 'heun'} ${steps} steps`, generateWith = `${get(rs[0], 'generate.sampler')} ${steps} steps`;
  const intro =
    'load → 80/20 split → train (default architecture and batch for the training rows, **a fixed step budget with early stopping off** — ' +
    `fewer steps than the library default, see the steps column) → impute m = 1 (≤ ${evalRows} unseen holdout rows, 20% of cells hidden MCAR, ${imputeWith}) → ` +
    `generate (min(train rows, ${evalRows}) rows, ${generateWith}); samplers are the pipeline's per-task defaults) → evaluate on ≤ ${evalRows}-row samples. Sampling every row of the large tables is ` +
    'left out on purpose: the `sample` scenario\'s rows/s says what it would cost. Peak RSS is the process high-water mark (getrusage).';
  const timing = table(
    ['table', 'rows × cols', 'train rows', 'MLP', 'steps × batch', 'load s', 'train s', 'steps/s', 'train rows/s', 'impute s', 'generate s', 'gen rows/s', 'evaluate s', 'total s', 'peak RSS MB'],
    rs.map((r) => [
      `\`${r.table}\``,
      `${fmt(r.rows, 0)} × ${r.columns}`,
      fmt(num(r, 'trainRows'), 0),
      String(r.mlp),
      `${r.steps} × ${r.batch}`,
      fmt(s(r, 'load'), 1),
      fmt(s(r, 'train'), 0),
      fmt(num(r, 'stepsPerSec'), 2),
      fmt(r.rowsPerSec, 0),
      `${fmt(s(r, 'impute'), 1)} (${fmt(get(r, 'impute.rows'), 0)} rows)`,
      `${fmt(s(r, 'generate'), 1)} (${fmt(get(r, 'generate.rows'), 0)} rows)`,
      fmt(get(r, 'generate.rowsPerSec'), 1),
      fmt(s(r, 'evaluate'), 1),
      fmt(r.seconds, 0),
      `**${fmt(r.peakRssMB, 0)}**`,
    ]),
  );
  const quality = table(
    ['table', 'impute RMSE (mean/mode)', 'impute accuracy (mean/mode)', 'column shapes (holdout)', 'pair trends (holdout)', 'detection (holdout)'],
    rs.map((r) => [
      `\`${r.table}\``,
      `${fmt(get(r, 'impute.rmse'), 3)} (${fmt(get(r, 'impute.meanModeRmse'), 3)})`,
      `${fmt(get(r, 'impute.accuracy'), 3)} (${fmt(get(r, 'impute.meanModeAccuracy'), 3)})`,
      `${fmt(get(r, 'evaluate.shapes'), 3)} (${fmt(get(r, 'evaluate.holdoutShapes'), 3)})`,
      `${fmt(get(r, 'evaluate.trends'), 3)} (${fmt(get(r, 'evaluate.holdoutTrends'), 3)})`,
      `${fmt(get(r, 'evaluate.detection'), 3)} (${fmt(get(r, 'evaluate.holdoutDetection'), 3)})`,
    ]),
  );
  const rss = table(
    ['table', 'load', 'train', 'impute', 'generate', 'evaluate'],
    rs.map((r) => [`\`${r.table}\``, ...['load', 'train', 'impute', 'generate', 'evaluate'].map((k) => fmt(get(r, `stages.${k}.rssMB`), 0))]),
  );
  const fert = rs.find((r) => r.table === 'AER__Fertility');
  const target = fert ? `\n\n\`AER__Fertility\` peak RSS: **${fmt(fert.peakRssMB, 0)} MB** — target ≤ 2 GB ${fert.peakRssMB <= 2048 ? 'met' : 'NOT met'}.` : '';
  return (
    `${intro}\n\n${timing}${target}\n\nQuality after that budget (in brackets: mean/mode imputation, and the real holdout rows scored as if they were synthetic — what a perfect generator would get). ` +
    `Shapes/trends: SDMetrics-style, 1 = identical; detection: 1 − (2·AUC − 1) of a random-forest C2ST, 1 = indistinguishable.\n\n${quality}\n\n` +
    `Per-stage peak RSS in MB, sampled every 25 ms between awaited tensor reads (a lower bound; the table above has the kernel's figure):\n\n${rss}`
  );
}

const PEER_NAMES: Record<string, string> = {
  synthdiff: 'synthdiff',
  mice: 'R mice (pmm)',
  'sklearn-iterative': 'IterativeImputer',
  'sklearn-knn': 'KNNImputer',
  'mean-mode': 'mean/mode',
  'knn-gower (ours, k=5)': 'kNN-Gower',
};
const EXTERNAL = ['mice', 'sklearn-iterative', 'sklearn-knn'];
const METHOD_ORDER = ['synthdiff', ...EXTERNAL, 'mean-mode', 'knn-gower (ours, k=5)'];

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function imputePeersSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const tables = [...new Set(rs.map((r) => r.table))];
  const methods = METHOD_ORDER.filter((m) => rs.some((r) => r.method === m));
  const of = (t: string, m: string) => rs.filter((r) => r.table === t && r.method === m);
  const avg = (t: string, m: string, k: 'rmse' | 'accuracy' | 'seconds'): number => mean(of(t, m).map((r) => r[k] as number).filter((v) => typeof v === 'number' && Number.isFinite(v)));
  const ours = rs.find((r) => r.method === 'synthdiff');
  const intro =
    'Identical masks: 30% of the observed cells hidden MCAR (`hideCells(table, 0.3, seed)`), one holey CSV per table × seed given to every method; ' +
    'all completed tables scored by synthdiff\'s `imputationErrors` on the same hidden cells. RMSE: numeric cells standardized by the column sd (lower is better); ' +
    'accuracy: categorical cells (higher is better). Mean over seeds ' +
    `${[...new Set(rs.map((r) => r.seed as number))].join(', ')}. ` +
    `synthdiff: \`synthdiff run\` on the holey CSV with one impute task at the defaults (engine ${ours?.engine ?? 'auto'}, ${ours?.draws ?? '?'} draws; per-table model figures below the timing table). ` +
    'mice: m = 5, mice defaults (pmm numeric, logreg/polyreg factors, maxit 5), pooled mean/mode. IterativeImputer: BayesianRidge, max_iter 10, ' +
    'sample_posterior False, z-scored numerics, categoricals ordinal-coded then rounded (one-hot collapses to the mode: a row\'s dummies are missing together); ' +
    'KNNImputer: k = 5 on z-scored numerics and one-hot categoricals (majority label). '  +
    'mean/mode and kNN-Gower (VIM-style hot deck) are in-process references. "ours / best peer" uses the three external peers only.';
  const rmseRows = tables.map((t) => {
    const r0 = rs.find((r) => r.table === t)!;
    const peerBest = Math.min(...EXTERNAL.map((m) => avg(t, m, 'rmse')).filter(Number.isFinite));
    const bestName = EXTERNAL.find((m) => avg(t, m, 'rmse') === peerBest);
    const o = avg(t, 'synthdiff', 'rmse');
    return [
      `\`${t}\``,
      `${fmt(r0.rows, 0)} × ${r0.columns}`,
      `${fmt(mean(of(t, 'synthdiff').map((r) => r.hiddenNumeric as number)), 0)} / ${fmt(mean(of(t, 'synthdiff').map((r) => r.hiddenCategorical as number)), 0)}`,
      ...methods.map((m) => {
        const v = avg(t, m, 'rmse');
        return v === peerBest && EXTERNAL.includes(m) ? `**${fmt(v, 3)}**` : fmt(v, 3);
      }),
      Number.isFinite(peerBest) ? `${fmt(o / peerBest, 2)}${o <= peerBest ? ' ✔' : ''}` : '–',
      bestName ? PEER_NAMES[bestName]! : '–',
    ];
  });
  const accTables = tables.filter((t) => rs.some((r) => r.table === t && Number(r.hiddenCategorical) > 0));
  const accRows = accTables.map((t) => {
    const peerBest = Math.max(...EXTERNAL.map((m) => avg(t, m, 'accuracy')).filter(Number.isFinite));
    const o = avg(t, 'synthdiff', 'accuracy');
    return [
      `\`${t}\``,
      ...methods.map((m) => {
        const v = avg(t, m, 'accuracy');
        return v === peerBest && EXTERNAL.includes(m) ? `**${fmt(v, 3)}**` : fmt(v, 3);
      }),
      Number.isFinite(peerBest) && Number.isFinite(o) ? fmtPts(o - peerBest) : '–',
    ];
  });
  const timeRows = tables.map((t) => [`\`${t}\``, ...methods.map((m) => fmt(avg(t, m, 'seconds'), 1))]);
  const oursTrain = tables.map((t) => {
    const o = of(t, 'synthdiff');
    return `\`${t}\`: ${o[0]?.mlp} MLP, steps by ${o[0]?.stepsChosenBy}, ${fmt(mean(o.map((r) => r.steps as number)), 0)} steps (mean) at batch ${o[0]?.batch}, train ${fmt(mean(o.map((r) => r.trainSeconds as number)), 1)} s + impute ${fmt(mean(o.map((r) => r.imputeSeconds as number)), 1)} s`;
  });
  const detail = table(
    ['table', 'seed', 'method', 'RMSE', 'accuracy', 'unimputed', 'seconds', 'note'],
    rs.map((r) => [
      `\`${r.table}\``,
      String(r.seed),
      PEER_NAMES[r.method as string] ?? String(r.method),
      fmt(r.rmse, 3),
      fmt(r.accuracy, 3),
      fmt(r.unimputed, 0),
      fmt(r.seconds, 1),
      String(r.skipped ? `skipped: ${r.skipped}` : r.failed ? `failed: ${r.failed}` : r.method === 'synthdiff' ? `${r.steps} steps` : ''),
    ]),
  );
  const skipped = [...new Set(rs.filter((r) => r.skipped || r.failed).map((r) => `${PEER_NAMES[r.method as string]}: ${r.skipped ?? r.failed}`))];
  return (
    `${intro}\n\n**RMSE (standardized numeric cells; bold = best external peer)**\n\n${table(['table', 'rows × cols', 'hidden num / cat (per seed)', ...methods.map((m) => PEER_NAMES[m]!), 'ours / best peer', 'best peer'], rmseRows)}\n\n` +
    (accRows.length ? `**Categorical accuracy (bold = best external peer)**\n\n${table(['table', ...methods.map((m) => PEER_NAMES[m]!), 'ours − best peer'], accRows)}\n\n` : '') +
    `**Wall seconds per table × seed (mean; synthdiff = training + ${ours?.draws ?? '?'} draws)**\n\n${table(['table', ...methods.map((m) => PEER_NAMES[m]!)], timeRows)}\n\n` +
    `synthdiff training per table: ${oursTrain.join('; ')}.\n\n` +
    (skipped.length ? `Skipped / failed peers: ${skipped.join('; ')}.\n\n` : '') +
    `<details><summary>Per seed</summary>\n\n${detail}\n\n</details>`
  );
}

const SECTIONS: Array<[string, string, (rs: BenchRecord[]) => string]> = [
  ['train-step', 'Training step vs forward pass', trainStepSection],
  ['sample', 'Sampling throughput', sampleSection],
  ['end-to-end', 'End to end', endToEndSection],
  ['impute-peers', 'Imputation vs peers', imputePeersSection],
  ['impute-shared', 'Imputation on the shared yardsticks', imputeSharedSection],
  ['synth-shared', 'Synthesis on the shared yardstick', synthSharedSection],
  ['scale', 'Memory and time vs rows', scaleSection],
];

/** Peers of the shared yardsticks (`../shared/bench/impute/peers.py`); mean_mode and mice_first are references. */
const SHARED_PEERS = ['missforest', 'mice', 'iterative_bayesridge', 'iterative_extratrees', 'knn', 'vim_knn'];

function imputeSharedSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const tables = [...new Set(rs.map((r) => r.table))];
  const seeds = [...new Set(rs.map((r) => r.seed as number))].sort();
  const avg = (t: string, m: string, k: 'rmse' | 'accuracy' | 'seconds'): number => mean(rs.filter((r) => r.table === t && r.method === m).map((r) => r[k] as number).filter((v) => typeof v === 'number' && Number.isFinite(v)));
  const intro =
    '`../shared/bench/impute`: `mask.py` hides 30% of the observed cells MCAR; `peers.py` runs the peers on the same masked.csv; ' +
    '`score.py` scores every completed table (RMSE on numeric cells standardized by the observed sd, lower is better; accuracy on labels). ' +
    `Ours: \`synthdiff run\` on a spec with the masked table as source, mask.py's kinds, one impute task (engine auto). Mean over seeds ${seeds.join(', ')}. ` +
    '"best peer" = the best of missForest, mice, IterativeImputer (BayesianRidge, ExtraTrees), KNNImputer and VIM kNN on that table.';
  const rows = tables.map((t) => {
    const r0 = rs.find((r) => r.table === t)!;
    const best = (k: 'rmse' | 'accuracy') => {
      const vals = SHARED_PEERS.map((m) => [m, avg(t, m, k)] as const).filter(([, v]) => Number.isFinite(v));
      return vals.length ? vals.reduce((a, b) => (k === 'rmse' ? (b[1] < a[1] ? b : a) : b[1] > a[1] ? b : a)) : undefined;
    };
    const br = best('rmse'), ba = best('accuracy');
    const o = avg(t, 'synthdiff', 'rmse'), oa = avg(t, 'synthdiff', 'accuracy');
    // Per seed: is ours at or below that seed's best peer RMSE (the mean can hide a lost seed)?
    const tSeeds = [...new Set(rs.filter((r) => r.table === t && r.method === 'synthdiff').map((r) => r.seed as number))].sort();
    const wins = tSeeds.filter((sd) => {
      const at = (m: string): number => (rs.find((r) => r.table === t && r.seed === sd && r.method === m)?.rmse as number | null | undefined) ?? NaN;
      const peers = SHARED_PEERS.map(at).filter(Number.isFinite);
      return peers.length > 0 && Number.isFinite(at('synthdiff')) && at('synthdiff') <= Math.min(...peers);
    }).length;
    return [
      `\`${t}\``,
      `${fmt(r0.rows, 0)} × ${r0.columns}`,
      `${tSeeds.join(', ')} (${wins}/${tSeeds.length})`,
      fmt(o, 3),
      br ? `${fmt(br[1], 3)} (${br[0]})` : '–',
      br && Number.isFinite(o) ? `${fmt(o / br[1], 3)}${o <= br[1] ? ' ✔' : ''}` : '–',
      fmt(oa, 3),
      ba ? `${fmt(ba[1], 3)} (${ba[0]})` : '–',
      ba && Number.isFinite(oa) ? fmtPts(oa - ba[1]) : '–',
      fmt(avg(t, 'synthdiff', 'seconds'), 1),
      br ? fmt(avg(t, br[0], 'seconds'), 1) : '–',
    ];
  });
  return `${intro}\n\n${table(['table', 'rows × cols', 'seeds (ours ≤ best peer RMSE)', 'RMSE ours', 'RMSE best peer', 'ours / best', 'acc ours', 'acc best peer', 'Δ acc', 'ours s', 'best peer s'], rows)}`;
}

function synthSharedSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const tables = [...new Set(rs.map((r) => r.table))];
  const seeds = [...new Set(rs.map((r) => r.seed as number))].sort();
  const avg = (t: string, m: string, k: string): number => mean(rs.filter((r) => r.table === t && r.method === m).map((r) => r[k] as number).filter((v) => typeof v === 'number' && Number.isFinite(v)));
  const intro =
    '`../shared/bench/fidelity/score.py` on a seeded 50/50 split of each table: ours = `synthdiff run` on the training half with one generate task ' +
    `(as many rows); holdout = the held-out half scored as if it were synthetic (what fresh real rows score). Mean over seeds ${seeds.join(', ')}. ` +
    'Detection: 1 − (2·AUC − 1) of a 3-fold C2ST, higher is better (bar ≥ 0.80 with HistGradientBoosting). DCR share: synthetic rows closer to train than to holdout (bar ≤ 0.52). ' +
    'Engine: what `generate` with `engine: auto` ran (trees = sequential CART at the validated leaf size). Trends Δ: ours − holdout (bar within 0.01). Copies: synthetic rows equal to a training row, beside the holdout\'s own rate. ' +
    'Never-seen combinations: rows pairing levels of functionally dependent columns of the training half (country → continent) as no training row does (evaluate/validity.ts; bar 0), beside the holdout half read the same way, and how many dependencies the training half has.';
  const rows = tables.map((t) => {
    const r0 = rs.find((r) => r.table === t && r.method === 'synthdiff') ?? rs.find((r) => r.table === t)!;
    const d = avg(t, 'synthdiff', 'trends') - avg(t, 'holdout', 'trends');
    return [
      `\`${t}\``,
      `${fmt(r0.rows, 0)} × ${r0.columns}`,
      [...new Set(rs.filter((r) => r.table === t && r.method === 'synthdiff').map((r) => String(r.engine ?? 'diffusion')))].join(', '),
      `${fmt(avg(t, 'synthdiff', 'detectionHGB'), 3)} / ${fmt(avg(t, 'holdout', 'detectionHGB'), 3)}`,
      fmt(avg(t, 'synthdiff', 'detectionLR'), 3),
      fmt(avg(t, 'synthdiff', 'shapes'), 3),
      `${fmt(avg(t, 'synthdiff', 'trends'), 3)} (${d >= 0 ? '+' : ''}${fmt(d, 3)})`,
      fmt(avg(t, 'synthdiff', 'dcrShare'), 3),
      `${fmt(avg(t, 'synthdiff', 'exactCopies'), 4)} / ${fmt(avg(t, 'holdout', 'holdoutCopies'), 4)}`,
      fmt(avg(t, 'synthdiff', 'missingnessMin'), 3),
      Number.isFinite(avg(t, 'synthdiff', 'unseenCombinations'))
        ? `${fmt(avg(t, 'synthdiff', 'unseenCombinations'), 4)} / ${fmt(avg(t, 'holdout', 'unseenCombinations'), 4)} (${fmt(avg(t, 'synthdiff', 'dependencies'), 0)})`
        : '–',
      fmt(avg(t, 'synthdiff', 'seconds'), 0),
    ];
  });
  return `${intro}\n\n${table(['table', 'train rows × cols', 'engine (auto chose)', 'detection HGB ours / holdout', 'detection LR', 'shapes', 'trends (Δ vs holdout)', 'DCR share', 'copies ours / holdout', 'missingness (worst column)', 'never-seen combinations ours / holdout (dependencies)', 'run s'], rows)}`;
}

function scaleSection(rs: BenchRecord[]): string {
  if (!rs.length) return '_Not run._';
  const base = (mode: string) => rs.filter((r) => r.mode === mode).sort((a, b) => a.rows - b.rows)[0];
  const intro =
    'Training data path on AER__Fertility repeated to more rows (1% of cells blanked). **streamed** = `model.trainRows`: one pass ' +
    '(per-row train/holdout coin, KLL/label sketches of every training row, reservoir sample) → encoder from the sketches → train on the sample; ' +
    '**in-memory** = read the whole table, split, fit. A fixed small step budget: this measures the data path, not model quality. ' +
    '"vs smallest" = peak RSS over the same mode\'s smallest run.';
  return `${intro}\n\n${table(
    ['mode', 'rows', 'training rows seen', 'sample rows', 'data s', 'rows/s (data)', 'train s', 'MLP', 'peak RSS MB', 'vs smallest'],
    [...rs].sort((a, b) => String(a.mode).localeCompare(String(b.mode)) || a.rows - b.rows).map((r) => [
      String(r.mode),
      fmt(r.rows, 0),
      fmt(num(r, 'trainRowsSeen'), 0),
      fmt(num(r, 'sampleRows'), 0),
      fmt(num(r, 'dataSeconds'), 1),
      fmt(r.rowsPerSec, 0),
      fmt(num(r, 'trainSeconds'), 1),
      String(r.mlp),
      fmt(r.peakRssMB, 0),
      `${fmt(r.peakRssMB / base(String(r.mode))!.peakRssMB, 2)}×`,
    ]),
  )}`;
}

const DEFAULT_NOTES = '_No notes yet: write observations here; re-running the suite keeps this block._';

export function renderMarkdown(records: BenchRecord[], runs: RunMeta[], notes: string | undefined): string {
  const last = runs[runs.length - 1];
  const m = last?.machine;
  const backends = [...new Set(records.map((r) => r.device))].join('; ');
  const head = [
    '# synthdiff benchmarks',
    '',
    'Measured by `npm run bench` (bench/run.ts; `--quick` for a smoke run, `--only <scenario>` to re-measure one section). ' +
      'Every number is a measurement from the run named in its section, not an estimate.',
    '',
    m ? `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB RAM, ${m.platform}; Node ${m.node}; tfjs ${last!.tfjs}; backend: ${backends || '–'}.` : '',
    '',
    'The CPU is shared with other engineers\' builds and tests, so wall times are upper bounds for an idle machine. Each section gives the ' +
      '1-minute load average during its run; the benchmark itself (one busy thread: wasm runs single-threaded in Node) accounts for about 1.0 of it.',
    '',
    NOTES_BEGIN,
    notes ?? DEFAULT_NOTES,
    NOTES_END,
  ];
  const body = SECTIONS.map(([key, title, render]) => {
    const rs = records.filter((r) => r.scenario === key);
    // Table-keyed scenarios can hold rows from several runs (bench/run.ts writeReport): each is named.
    const own = runs.filter((r) => r.scenario === key);
    if (!rs.length && !own.length) return `## ${title} (\`${key}\`)\n\n_Not run yet._`;
    return `## ${title} (\`${key}\`)\n\n${own.length ? own.map(runLine).join('\n\n') : runLine(undefined)}\n\n${render(rs)}`;
  });
  const raw = ['<details><summary>Raw records (JSON lines; the suite re-reads them to re-render)</summary>', '', RAW_BEGIN, ...runs.map((r) => JSON.stringify({ run: r })), ...records.map((r) => JSON.stringify(r)), '```', '', '</details>'];
  return `${[...head, '', ...body.flatMap((b) => [b, '']), ...raw].join('\n')}\n`;
}
