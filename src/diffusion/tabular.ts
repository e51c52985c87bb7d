import { join } from 'node:path';
import { tf } from '../backend/index.js';
import { ModelError } from '../errors.js';
import { createRng, deriveSeed } from '../rng.js';
import { TableEncoder, type ColumnEncoding, type EncoderOptions } from '../table/encode.js';
import { enforceDependencies, findDependencies, type FunctionalDependency, type LevelScorer } from '../table/dependencies.js';
import { isCategorical, type Column, type Table } from '../table/table.js';
import { EDM_DEFAULTS, type EdmConfig } from './edm.js';
import { initParameters, Mlp, parameterShapes, type MlpConfig } from './network.js';
import { Adam } from './adam.js';
import { readCheckpoint, trainingTensors, writeCheckpoint } from './checkpoint.js';
import { sampleBatch, type SamplerOptions } from './samplers.js';
import { LARGE_IMPUTE_ROWS } from './sampler-name.js';
import { denoise } from './denoiser.js';
import { fitPrivateEncoder, privateHistogramCount, thresholdedColumns } from '../table/private-encode.js';
import { messages } from '../messages.js';
import { ACCOUNTANT, planEncoderNoise, planSgdNoise, PrivacyLedger, type PrivacyPlan, type PrivacyRequest } from './privacy.js';
import { defaultTrainOptions, trainDiffusion, type TrainOptions, type TrainProgress, type TrainState } from './train.js';
import type { SamplerName } from './sampler-name.js';

export interface TabularModelOptions {
  width?: number;
  depth?: number;
  seed?: number;
  encoder?: EncoderOptions;
  /** An encoder fitted elsewhere (e.g. from sketches of a table streamed past once) instead of fitting on `table`. */
  fittedEncoder?: TableEncoder;
  train?: Partial<TrainOptions>;
  /** Fraction of rows kept aside for the validation loss (early stopping). */
  validationFraction?: number;
  /** Find exact relations between discrete columns and enforce them on outputs (default true). */
  dependencies?: boolean;
  /**
   * Train with differential privacy (DP-SGD, privacy.ts): encoders from noisy counts (private-encode.ts),
   * no functional dependencies, no validation slice. `bounds` and `categories` are public knowledge from
   * the spec, which the encoders then need not estimate.
   */
  privacy?: PrivacyRequest & { bounds?: Record<string, { min?: number; max?: number }>; categories?: Record<string, readonly string[]> };
  /**
   * 'impute': the model only serves blended imputations, so where the caller sets no size or steps they
   * come from `imputeSizing` instead of `defaultArchitecture` and `defaultTrainOptions`.
   */
  purpose?: 'impute';
}

export interface CompleteOptions {
  draws?: number;
  seed?: number;
  sampler?: SamplerName;
  steps?: number;
  /** Rows per sampler call; bounds memory. */
  chunkRows?: number;
  /**
   * Key every row's sampler noise to its global row index, `rowOffset` + its index in `table`, instead
   * of to the chunk it falls in. A row then completes identically whether the table is processed whole,
   * in other chunk sizes, as shard rows [rowOffset, …) of a bigger table, or batch by batch from a
   * stream (the batched network is row-wise). Unset: the original chunk-keyed noise.
   */
  rowOffset?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * How the model's missingness flags treat the input's empty cells: `impute` (default) fills every one
   * as if it had been observed; `generate` samples the flags too and leaves a cell empty where the model
   * says the data would have had a hole (generation keeps the data's missingness pattern).
   */
  missingness?: 'impute' | 'generate';
}

const FORMAT = 'synthdiff-tabular/1';

/**
 * Default denoiser size scaled to the table: wider for more rows, as TabDDPM's tuned configs are. Small
 * tables get a narrow net because a wide one memorises them: on survival::pbc (209 training rows) width
 * 256 gave DCR share 0.61 and over-confident imputations (90% intervals covering 65%), width 128 gave
 * 0.53 and 76% (a calibrated 10-draw imputer: 82%), at a cost in detection score (0.70 → 0.62).
 */
export function defaultArchitecture(nRows: number): { width: number; depth: number } {
  // Capped at 512: a 3×1024 net trains at 1.25 steps/s on two wasm cores (bench/RESULTS.md, AER__Fertility),
  // which makes the default run take hours on CPU; pass model.width for more on a GPU.
  return nRows < 1000 ? { width: 128, depth: 3 } : nRows < 5000 ? { width: 256, depth: 3 } : { width: 512, depth: 3 };
}

const LARGE_IMPUTE_MODEL = { width: 128, depth: 3, steps: 600 };
const IMPUTE_MAX_STEPS = 2000;
const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * Size and training steps of a model that only serves a blended imputation (impute/blend.ts), where chained
 * forests and ridge regressions are weighed against it on held-out cells. Chosen by rows, so same spec →
 * same model (a wall-clock budget would not be). At 3×512 × 8,000 steps a 10,545-row table trained for
 * ~13.5 min and its draws took 7.5 min, for a blend no better than the forest alone (bench/RESULTS.md,
 * impute-shared); 3×256 × 2,000 steps trains in ~1 min on two cores. From 5,000 rows, where the forests carry
 * the blend, 3×128 × 600 steps (30+ epochs at batch 512): imputed bytes on gapminder (10,545 × 9) were
 * identical at 600, 1,000 and 2,000 steps, and at width 128 and 256 (two masks; also the 30-column table),
 * at a third of the training and draw time; SLID (7,425 × 5) moved by RMSE +0.0009 and accuracy +0.4 points
 * on two masks at width 128.
 */
export function imputeSizing(nRows: number): { width: number; depth: number; steps: number } {
  if (nRows >= LARGE_IMPUTE_ROWS) return { ...LARGE_IMPUTE_MODEL };
  return { ...defaultArchitecture(nRows), steps: Math.min(defaultTrainOptions(nRows).steps, IMPUTE_MAX_STEPS) };
}

/** imputeSizing's rule in words, for report.json's `sizeChosenBy` / `stepsChosenBy`. */
export const IMPUTE_SIZING_RULE = {
  size: `under 1,000 and from ${thousands(LARGE_IMPUTE_ROWS)}: 3×${LARGE_IMPUTE_MODEL.width}; else 3×256`,
  steps: `${thousands(IMPUTE_MAX_STEPS)} steps at most, ${thousands(LARGE_IMPUTE_MODEL.steps)} from ${thousands(LARGE_IMPUTE_ROWS)} training rows`,
};

/**
 * One masked score model per table: trained once, it generates rows, generates with some columns fixed,
 * and imputes — all three are "complete the missing entries of a table", with generation starting from a
 * table whose cells are all missing but the fixed ones.
 */
export class TabularDiffusion {
  /** What the model was trained from (the run's spec parts, see run/model.ts); saved with the checkpoint. */
  learnedFrom?: Record<string, unknown>;

  private constructor(
    readonly encoder: TableEncoder,
    readonly mlp: MlpConfig,
    readonly net: Mlp,
    readonly ema: Mlp,
    readonly optimizer: Adam,
    public trainOptions: TrainOptions,
    public state: TrainState,
    readonly edm: EdmConfig,
    public specHash = '',
    /** Exact relations between discrete columns of the training table, enforced on every output. */
    readonly dependencies: readonly FunctionalDependency[] = [],
  ) {}

  static create(table: Table, opts: TabularModelOptions = {}): TabularDiffusion {
    if (opts.privacy) return TabularDiffusion.createPrivate(table, opts, opts.privacy);
    const encoder = opts.fittedEncoder ?? TableEncoder.fit(table, opts.encoder);
    const seed = opts.seed ?? 0;
    const sized = opts.purpose === 'impute' ? imputeSizing(table.nRows) : undefined;
    const trainOptions = defaultTrainOptions(table.nRows, { seed, ...(sized ? { steps: sized.steps } : {}), ...opts.train });
    return TabularDiffusion.fresh(encoder, table.nRows, opts, trainOptions, opts.dependencies === false ? [] : findDependencies(table));
  }

  /** A fresh network (sized to the rows unless `opts` says), its EMA copy and optimiser around a fitted encoder. */
  private static fresh(encoder: TableEncoder, rows: number, opts: TabularModelOptions, trainOptions: TrainOptions, dependencies: FunctionalDependency[]): TabularDiffusion {
    const seed = opts.seed ?? 0;
    const base = opts.purpose === 'impute' ? imputeSizing(rows) : defaultArchitecture(rows);
    const mlp: MlpConfig = { dim: encoder.dim, width: opts.width || base.width, depth: opts.depth || base.depth, timeDim: 64 };
    const init = initParameters(mlp, createRng(deriveSeed(seed, 'init')));
    const net = Mlp.create(mlp, init, true, 'net.');
    return new TabularDiffusion(
      encoder,
      mlp,
      net,
      Mlp.create(mlp, init, false, 'ema.'),
      new Adam(net.params),
      trainOptions,
      { step: 0, bestValLoss: Infinity, evalsWithoutImprovement: 0, rngState: deriveSeed(seed, 'train') },
      trainOptions.edm ?? EDM_DEFAULTS,
      '',
      dependencies,
    );
  }

  /**
   * A model to train with (ε, δ)-differential privacy on `table` (the training split): the encoders'
   * noise and DP-SGD's noise multiplier are chosen here so that the planned steps spend exactly the
   * budget (privacy.ts); the plan travels in `trainOptions.privacy` (saved with checkpoints).
   */
  private static createPrivate(table: Table, opts: TabularModelOptions, req: NonNullable<TabularModelOptions['privacy']>): TabularDiffusion {
    if (opts.fittedEncoder) throw new ModelError(messages.privateIncompatible('model.trainRows', 'fits the encoders on sketches of every training row'));
    const n = table.nRows;
    const seed = opts.seed ?? 0;
    const base = defaultTrainOptions(n, { seed, ...opts.train });
    // Poisson sampling amplifies privacy only for q < 1: at most half the rows per expected batch.
    const batchSize = Math.max(1, Math.min(base.batchSize, Math.floor(n / 2)));
    const delta = req.delta ?? 1 / n ** 1.1;
    const clip = req.clip ?? 1;
    const share = req.encoderShare ?? 0.1;
    const pub = { bounds: req.bounds ?? {}, categories: req.categories ?? {} };
    const histograms = privateHistogramCount(table, pub);
    const thresholded = thresholdedColumns(table, pub);
    const enc = planEncoderNoise({ epsilon: req.epsilon, encoderShare: share, delta }, histograms, thresholded.length);
    const q = batchSize / n;
    const sigma = planSgdNoise(req.epsilon, enc.deltaRdp, q, base.steps, enc.z);
    const { encoder, summary } = fitPrivateEncoder(table, { noiseStd: enc.noiseStd, labelDelta: enc.labelDelta, rng: createRng(deriveSeed(seed, 'privacy/encoder')), ...pub });
    const privacy: PrivacyPlan = {
      epsilon: req.epsilon,
      delta,
      clip,
      accountant: ACCOUNTANT,
      noiseMultiplier: sigma,
      sampleRate: q,
      plannedSteps: base.steps,
      deltaRdp: enc.deltaRdp,
      trainingRows: n,
      encoder: { share, epsilon: enc.epsilon, noiseMultiplier: enc.z, noiseStd: enc.noiseStd, histograms: summary.histograms, labelDelta: enc.labelDelta, thresholdedColumns: summary.thresholdedColumns, droppedLabels: summary.droppedLabels, publicRanges: summary.publicRanges },
    };
    // No dependency mining: it reads every row outside the private mechanism.
    return TabularDiffusion.fresh(encoder, n, opts, { ...base, batchSize, evalEvery: 0, patience: 0, privacy }, []);
  }

  /** ε spent by the training so far (encoders included); undefined for a non-private model. */
  get epsilonSpent(): number | undefined {
    const p = this.trainOptions.privacy;
    return p ? new PrivacyLedger(p).epsilonAfter(this.state.step) : undefined;
  }

  /** Train (or continue training up to `trainOptions.steps`) on the table's observed cells. */
  async fit(
    table: Table,
    opts: {
      validationFraction?: number;
      onProgress?: (p: TrainProgress) => void;
      checkpoint?: { dir: string; everyMs: number; everySteps?: number; onSaved?: (state: TrainState) => void };
      /** performance.now() after which training ends at the current step (`model.timeBudget`). */
      deadline?: number;
    } = {},
  ): Promise<TrainState> {
    const enc = this.encoder.encode(table);
    const n = table.nRows;
    // A private model has no validation slice: early stopping on it would read rows outside DP-SGD.
    const nVal = this.trainOptions.privacy ? 0 : n >= 50 ? Math.max(1, Math.round(n * (opts.validationFraction ?? 0.1))) : 0;
    // The validation slice is a seeded random subset, the same on every resume.
    const order = Array.from({ length: n }, (_, i) => i);
    const rng = createRng(deriveSeed(this.trainOptions.seed, 'validation'));
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const pick = (idx: number[]) => {
      const D = this.encoder.dim, C = this.encoder.nMaskColumns;
      const x = new Float32Array(idx.length * D), observed = new Uint8Array(idx.length * C);
      idx.forEach((r, i) => {
        x.set(enc.x.subarray(r * D, (r + 1) * D), i * D);
        observed.set(enc.observed.subarray(r * C, (r + 1) * C), i * C);
      });
      return { x, observed, nRows: idx.length, dimColumn: this.encoder.dimColumn, nColumns: C };
    };
    const val = nVal ? pick(order.slice(0, nVal)) : undefined;
    const train = pick(order.slice(nVal));
    const ck = opts.checkpoint;
    const periodic = ck && {
      everyMs: ck.everyMs,
      ...(ck.everySteps !== undefined ? { everySteps: ck.everySteps } : {}),
      save: async (state: TrainState) => {
        const done = this.state;
        this.state = state;
        try {
          await this.save(ck.dir, { inProgress: true });
        } finally {
          this.state = done;
        }
        ck.onSaved?.(state);
      },
    };
    this.state = await trainDiffusion(this.net, this.ema, this.optimizer, train, val, this.trainOptions, this.state, opts.onProgress, periodic, opts.deadline);
    return this.state;
  }

  /**
   * Fill every missing cell of `table`, `draws` times. Observed cells are copied from the input, never
   * decoded, so they are unchanged bit for bit.
   */
  async complete(table: Table, opts: CompleteOptions = {}): Promise<Table[]> {
    const draws = opts.draws ?? 1;
    const enc = this.encoder.encode(table);
    const n = table.nRows, D = this.encoder.dim, C = this.encoder.nMaskColumns;
    const condDims = new Float32Array(n * D);
    for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) condDims[i * D + d] = enc.observed[i * C + this.encoder.dimColumn[d]!]!;
    const freeFlags = opts.missingness === 'generate';
    this.encoder.flagColumns.forEach((j) => {
      const f = this.encoder.columns[j]!.missingDim!;
      for (let i = 0; i < n; i++) {
        if (enc.observed[i * C + j]) continue;
        // Imputation fills a hole as if the cell had been observed (flag −1, conditioned); generation
        // samples the flag with the values and leaves the cell empty where it comes out positive.
        if (freeFlags) condDims[i * D + f] = 0;
        else enc.x[i * D + f] = -1;
      }
    });
    const chunk = opts.chunkRows ?? 4096;
    const seed = opts.seed ?? this.trainOptions.seed;
    const sampler: SamplerOptions = { sampler: opts.sampler ?? 'heun', steps: opts.steps ?? 50, seed: 0 };
    const out: Table[] = [];
    // Row-keyed noise makes rows independent, so rows without a missing cell (nothing to sample; their
    // output is their input) are skipped — on a table with few holes most of the sampler's work.
    const rows = opts.rowOffset === undefined ? undefined : rowsWithFreeDims(condDims, n, D);
    const nSample = rows ? rows.length : n;
    for (let m = 0; m < draws; m++) {
      const x = rows ? Float32Array.from(enc.x) : new Float32Array(n * D);
      for (let start = 0; start < nSample; start += chunk) {
        const end = Math.min(nSample, start + chunk);
        let s: tf.Tensor2D;
        if (rows) {
          const idx = rows.subarray(start, end);
          const x0 = tf.tensor2d(gatherRows(enc.x, idx, D), [end - start, D]);
          const cond = tf.tensor2d(gatherRows(condDims, idx, D), [end - start, D]);
          s = sampleBatch(this.ema, this.edm, x0, cond, { ...sampler, noise: rowKeyedNoise(seed, m, idx, opts.rowOffset!, D) });
          const v = (await s.data()) as Float32Array;
          idx.forEach((r, k) => x.set(v.subarray(k * D, (k + 1) * D), r * D));
          tf.dispose([x0, cond]);
        } else {
          const x0 = tf.tensor2d(Float32Array.from(enc.x.subarray(start * D, end * D)), [end - start, D]);
          const cond = tf.tensor2d(condDims.subarray(start * D, end * D), [end - start, D]);
          s = sampleBatch(this.ema, this.edm, x0, cond, { ...sampler, seed: deriveSeed(seed, `draw${m}/rows${start}`) });
          x.set((await s.data()) as Float32Array, start * D);
          tf.dispose([x0, cond]);
        }
        s.dispose();
        opts.onProgress?.(m * nSample + end, draws * nSample);
      }
      const completed = mergeObserved(table, this.encoder.decode(x, n, { flagsToMissing: freeFlags }));
      enforceDependencies(table, completed, this.dependencies, this.levelScorer(x, completed));
      out.push(completed);
    }
    return out;
  }

  /** How strongly the encoded sample `x` (row-major n × dim) leans to each level of a discrete column. */
  private levelScorer(x: Float32Array, completed: Table): LevelScorer {
    const D = this.encoder.dim;
    const index = new Map(this.encoder.columns.map((e, j) => [e.name, j]));
    return (column, row, level) => {
      const j = index.get(column)!;
      const e = this.encoder.columns[j]!;
      if (e.type === 'quantile') return -Math.abs((completed.columns[j] as { values: Float64Array }).values[row]! - Number(level));
      const k = e.categories.indexOf(level);
      if (k < 0) return -Infinity;
      const base = row * D + e.offset;
      if (e.type === 'onehot') return x[base + k]!;
      let s = 0;
      for (let d = 0; d < e.width; d++) s += x[base + d]! * ((k >> d) & 1 ? 1 : -1);
      return s;
    };
  }

  /** Generate `rows` new records; `fixed` pins columns to given values in every row. */
  async generate(rows: number, opts: CompleteOptions & { fixed?: Record<string, string | number | boolean> } = {}): Promise<Table> {
    const [t] = await this.complete(blankTable(this.encoder.columns, rows, opts.fixed ?? {}), { missingness: 'generate', ...opts, draws: 1 });
    return t!;
  }

  /**
   * Write the checkpoint; returns its weights' sha256 (the checkpoint's identity). `inProgress` marks a
   * periodic save taken mid-training: `resume: true` continues from it, a sharded run refuses it.
   */
  async save(dir: string, opts: { inProgress?: boolean } = {}): Promise<{ weights: string }> {
    const { bestEma, ...state } = this.state;
    const shapes = parameterShapes(this.mlp);
    const meta = {
      format: FORMAT,
      specHash: this.specHash,
      ...(this.learnedFrom ? { learnedFrom: this.learnedFrom } : {}),
      mlp: this.mlp,
      edm: this.edm,
      encoder: this.encoder.toJSON(),
      dependencies: this.dependencies,
      trainOptions: this.trainOptions,
      state,
      adamStep: this.optimizer.step,
      ...(opts.inProgress ? { inProgress: true } : {}),
    };
    const best = (bestEma ?? []).map((data, i) => ({ name: `ema.best/${shapes[i]!.name}`, shape: shapes[i]!.shape, data }));
    return writeCheckpoint(dir, meta, [...(await trainingTensors(shapes, this.net, this.ema, this.optimizer)), ...best]);
  }

  static async load(dir: string): Promise<TabularDiffusion> {
    const { meta, get, has } = await readCheckpoint<{
      format: string;
      specHash: string;
      mlp: MlpConfig;
      edm: EdmConfig;
      encoder: { columns: ColumnEncoding[] };
      trainOptions: TrainOptions;
      state: TrainState;
      adamStep: number;
      dependencies?: FunctionalDependency[];
      learnedFrom?: Record<string, unknown>;
    }>(dir, FORMAT, 'a table model checkpoint');
    const names = parameterShapes(meta.mlp).map((s) => s.name);
    const net = Mlp.create(meta.mlp, get('net/', names), true, 'net.');
    const model = new TabularDiffusion(
      TableEncoder.fromJSON(meta.encoder),
      meta.mlp,
      net,
      Mlp.create(meta.mlp, get('ema/', names), false, 'ema.'),
      new Adam(net.params, meta.adamStep, undefined, undefined, undefined, { m: get('adam.m/', names), v: get('adam.v/', names) }),
      meta.trainOptions,
      // JSON has no Infinity: a checkpoint saved before the first validation holds null.
      { ...meta.state, bestValLoss: meta.state.bestValLoss ?? Infinity, ...(has('ema.best/', names) ? { bestEma: get('ema.best/', names) } : {}) },
      meta.edm,
      meta.specHash,
      meta.dependencies ?? [],
    );
    if (meta.learnedFrom) model.learnedFrom = meta.learnedFrom;
    return model;
  }

  dispose(): void {
    this.net.dispose();
    this.ema.dispose();
    this.optimizer.dispose();
  }
}

/** murmur3's 32-bit finaliser applied to `h ^ v`: folds one more integer into a hash. */
function mix32(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Standard-normal noise for the given rows, where global row g = offset + row gets, for its k-th draw,
 * values that depend only on (seed, draw, g, k): a small generator per row, so no row's noise depends
 * on which other rows share its batch.
 */
function rowKeyedNoise(seed: number, draw: number, rows: Int32Array, offset: number, D: number): (shape: readonly number[], k: number) => tf.Tensor {
  return (shape, k) => {
    const v = new Float32Array(rows.length * D);
    const base = mix32(mix32(seed >>> 0, draw), k);
    rows.forEach((row, r) => {
      const g = offset + row;
      const rng = createRng(mix32(mix32(base, g >>> 0), Math.floor(g / 2 ** 32)));
      for (let d = 0; d < D; d++) v[r * D + d] = rng.normal();
    });
    return tf.tensor(v, [...shape]);
  };
}

/** Indices of rows with at least one dimension to sample (cond 0). */
function rowsWithFreeDims(condDims: Float32Array, n: number, D: number): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < D; d++) {
      if (condDims[i * D + d] === 0) {
        rows.push(i);
        break;
      }
    }
  }
  return Int32Array.from(rows);
}

/** The given rows of a row-major n × D matrix, as float32 for the network. */
function gatherRows(m: Float32Array | Float64Array, rows: Int32Array, D: number): Float32Array {
  const out = new Float32Array(rows.length * D);
  rows.forEach((r, k) => {
    for (let d = 0; d < D; d++) out[k * D + d] = m[r * D + d]!;
  });
  return out;
}

/** Observed cells from `input`, the rest from `decoded`: the guarantee that imputation never edits data. */
function mergeObserved(input: Table, decoded: Table): Table {
  const columns = input.columns.map((c, j): Column => {
    const d = decoded.columns[j]!;
    if (isCategorical(c)) {
      const dc = d as typeof c;
      const codes = Int32Array.from(c.codes, (v, i) => (v >= 0 ? v : dc.codes[i]!));
      // A decoded column uses the encoder's category list; re-code into the input's if they differ.
      if (c.categories !== dc.categories && c.categories.join('\u0000') !== dc.categories.join('\u0000')) {
        const index = new Map(c.categories.map((k, i) => [k, i]));
        const cats = [...c.categories];
        for (let i = 0; i < codes.length; i++) {
          if (c.codes[i]! >= 0) continue;
          const label = dc.categories[dc.codes[i]!]!;
          let k = index.get(label);
          if (k === undefined) {
            k = cats.length;
            cats.push(label);
            index.set(label, k);
          }
          codes[i] = k;
        }
        return { ...c, codes, categories: cats };
      }
      return { ...c, codes };
    }
    const dv = (d as typeof c).values;
    return { ...c, values: Float64Array.from(c.values, (v, i) => (Number.isNaN(v) ? dv[i]! : v)) };
  });
  return { nRows: input.nRows, columns };
}

/** A table of `rows` all-missing rows except the `fixed` columns; generation is completing it. */
export function blankTable(encodings: readonly ColumnEncoding[], rows: number, fixed: Record<string, string | number | boolean>): Table {
  for (const k of Object.keys(fixed))
    if (!encodings.some((e) => e.name === k)) throw new ModelError(`fixed.${k}: no such column (columns: ${encodings.map((e) => e.name).join(', ')})`);
  const columns = encodings.map((e): Column => {
    const v = fixed[e.name];
    if (e.type === 'quantile') {
      if (v !== undefined && typeof v !== 'number') throw new ModelError(`fixed.${e.name}: expected a number for ${e.kind} column, got ${JSON.stringify(v)}`);
      const values = new Float64Array(rows).fill(v === undefined ? NaN : v);
      return e.kind === 'datetime' ? { name: e.name, kind: 'datetime', values, resolution: e.resolution ?? 'datetime' } : { name: e.name, kind: e.kind, values };
    }
    let code = -1;
    if (v !== undefined) {
      code = e.categories.indexOf(String(v));
      if (code < 0) throw new ModelError(`fixed.${e.name}: "${String(v)}" is not a category the model knows (${e.categories.slice(0, 12).join(', ')}${e.categories.length > 12 ? ', …' : ''})`);
    }
    return { name: e.name, kind: e.kind, codes: new Int32Array(rows).fill(code), categories: e.categories };
  });
  return { nRows: rows, columns };
}

/**
 * Per-record outlier score from the diffusion model (as in DTE, Livernoche et al. 2024, "On Diffusion
 * Modeling for Anomaly Detection"): noise each record at several σ, denoise it unconditionally, and
 * average the reconstruction error over noise levels. Each level's error is divided by its median over
 * `reference` rows (the training data), so every level counts alike and 1 means "typical".
 */
export async function denoisingScores(model: TabularDiffusion, tables: readonly Table[], opts: { reference: Table; seed: number; sigmas?: number[]; repeats?: number }): Promise<Float64Array[]> {
  const sigmas = opts.sigmas ?? [0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
  const repeats = opts.repeats ?? 2;
  const raw = async (t: Table): Promise<Float64Array[]> => {
    const enc = model.encoder.encode(t);
    const n = t.nRows, D = model.encoder.dim, C = model.encoder.nMaskColumns;
    const obsDims = new Float32Array(n * D);
    for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) obsDims[i * D + d] = enc.observed[i * C + model.encoder.dimColumn[d]!]!;
    const perSigma = sigmas.map(() => new Float64Array(n));
    const chunk = 4096;
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const x0 = tf.tensor2d(Float32Array.from(enc.x.subarray(start * D, end * D)), [end - start, D]);
      const obs = tf.tensor2d(obsDims.subarray(start * D, end * D), [end - start, D]);
      const cond = tf.zerosLike(x0) as tf.Tensor2D;
      for (const [k, s] of sigmas.entries()) {
        for (let r = 0; r < repeats; r++) {
          const err = tf.tidy(() => {
            const noise = tf.randomNormal(x0.shape, 0, 1, 'float32', deriveSeed(opts.seed, `${k}/${r}/${start}`));
            const xs = tf.add(x0, tf.mul(noise, s)) as tf.Tensor2D;
            const den = denoise(model.ema, model.edm, xs, x0, cond, s);
            const e = tf.mul(tf.square(tf.sub(den, x0)), obs);
            return tf.div(tf.sum(e, 1), tf.maximum(tf.sum(obs, 1), 1));
          });
          const v = (await err.data()) as Float32Array;
          err.dispose();
          for (let i = 0; i < v.length; i++) perSigma[k]![start + i]! += v[i]! / repeats;
        }
      }
      tf.dispose([x0, obs, cond]);
    }
    return perSigma;
  };
  const ref = await raw(opts.reference);
  const medians = ref.map((e) => {
    const s = Float64Array.from(e).sort();
    return Math.max(s[Math.floor(s.length / 2)]!, 1e-12);
  });
  const out: Float64Array[] = [];
  for (const t of tables) {
    const per = await raw(t);
    const score = new Float64Array(t.nRows);
    per.forEach((e, k) => e.forEach((v, i) => (score[i]! += v / medians[k]! / sigmas.length)));
    out.push(score);
  }
  return out;
}
