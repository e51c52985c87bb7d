/**
 * The library's model: `await TabularDiffusion.fit(table)`, `model.sample(n)`, `model.impute(table, { draws })`,
 * in the spirit of SDV's synthesizers and scikit-learn's imputers. A thin facade over what `synthdiff run`
 * uses — the masked score model (diffusion/tabular.ts), the pooling of draws (run/table/intervals.ts) and
 * the backend ladder (backend/index.ts) — with the spec's defaults, so a script and a pipeline with the same
 * seed and settings train the same model.
 *
 * The compute backend starts lazily, on the first call that needs one, by the same ladder as a run
 * (`auto`: a GPU if one is installed and usable, else wasm). It never lands silently on tfjs's pure-JS
 * backend: that takes `backend: 'cpu'`.
 */
import { initBackend, type BackendInfo } from '../backend/index.js';
import type { BackendName, Device } from '../backend/names.js';
import { TabularDiffusion as TabularModel } from '../diffusion/tabular.js';
import { generateSampling, imputeSampling, type SamplerName } from '../diffusion/sampler-name.js';
import type { TrainProgress } from '../diffusion/train.js';
import { DataError, ModelError } from '../errors.js';
import { messages } from '../messages.js';
import { assertObservedUnchanged, cellIntervals } from '../run/table/intervals.js';
import { deriveSeed } from '../rng.js';
import { retypeColumn } from '../table/infer.js';
import type { Column, Table } from '../table/table.js';

/** Where the model computes; default `device: 'auto'`. Process-wide: tfjs holds one backend at a time. */
export interface BackendOptions {
  /** `auto` (default): a GPU if one is usable, else wasm. `cpu`: never a GPU. `gpu`: a GPU or an error. */
  device?: Device;
  /** One backend by name (`wasm`, `webgpu`, `tensorflow`, `cpu`); an error if it is not available. */
  backend?: BackendName;
  /** wasm threads (default: `SYNTHDIFF_THREADS`, else 1). */
  threads?: number;
}

export interface FitOptions extends BackendOptions {
  /** Seeds initialisation, training and every later `sample`/`impute` that names no seed (default 0). */
  seed?: number;
  /** Denoiser size; defaults scale with the table's rows (as `synthdiff run`). */
  width?: number;
  depth?: number;
  /** Training steps, batch size, learning rate; defaults scale with rows. */
  steps?: number;
  batchSize?: number;
  learningRate?: number;
  /** Bounds applied to generated and imputed values, per numeric column (the spec's `columns.<name>.min/max`). */
  bounds?: Record<string, { min?: number; max?: number }>;
  onProgress?: (p: TrainProgress) => void;
}

export interface SamplingOptions {
  /** Default: derived from the model's seed and how many calls came before, so repeated calls differ. */
  seed?: number;
  sampler?: SamplerName;
  /** Sampler steps (default: 30 to generate with the default sampler, Heun; 20 to impute with its default, DPM-Solver++(2M); 50 for a named sampler). */
  samplerSteps?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SampleOptions extends SamplingOptions {
  /** Pin columns to a value in every row (conditional generation), e.g. `{ sex: 'F' }`. */
  fixed?: Record<string, string | number | boolean>;
}

export interface ImputeOptions extends SamplingOptions {
  /** m multiple imputations (default 1). */
  draws?: number;
}

export interface ImputeResult {
  /** The completed table: for one draw that draw; for m, the pooled point estimate (mean; mode for labels). */
  table: Table;
  /**
   * The m completed datasets, each a plausible filling of every hole (observed cells identical in all).
   * Analyse each and pool with Rubin's rules (see the README) for standard errors that count the
   * uncertainty of the imputation.
   */
  draws: Table[];
  /** For m > 1, one row per imputed cell: row, column, estimate, mean, sd, 5% and 95% of the draws, share. */
  intervals?: Table;
}


/** Start (or reuse) the compute backend; auto never settles on tfjs's pure-JS backend unasked. */
export async function ensureBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const info = await initBackend({ ...(opts.device ? { device: opts.device } : {}), ...(opts.backend ? { backend: opts.backend } : {}), ...(opts.threads ? { threads: opts.threads } : {}) });
  if (info.name === 'cpu' && opts.backend !== 'cpu') throw new ModelError(messages.pureJsBackendRefused());
  return info;
}

export class TabularDiffusion {
  private calls = 0;

  private constructor(
    /** The trained score model (diffusion/tabular.ts), for what the facade does not wrap. */
    readonly model: TabularModel,
    /** The backend it computes on. */
    readonly backend: BackendInfo,
  ) {}

  /** Train a model on `table`'s observed cells (missing cells are fine: the model learns around them). */
  static async fit(table: Table, opts: FitOptions = {}): Promise<TabularDiffusion> {
    const backend = await ensureBackend(opts);
    const seed = opts.seed ?? 0;
    const train = {
      ...(opts.steps ? { steps: opts.steps } : {}),
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      ...(opts.learningRate ? { learningRate: opts.learningRate } : {}),
    };
    const model = TabularModel.create(table, {
      seed,
      ...(opts.width ? { width: opts.width } : {}),
      ...(opts.depth ? { depth: opts.depth } : {}),
      ...(opts.bounds ? { encoder: { bounds: opts.bounds } } : {}),
      train,
    });
    try {
      await model.fit(table, opts.onProgress ? { onProgress: opts.onProgress } : {});
    } catch (e) {
      model.dispose();
      throw e;
    }
    return new TabularDiffusion(model, backend);
  }

  /** A model saved by `save` or by a run's `model.checkpoint`. */
  static async load(dir: string, opts: BackendOptions = {}): Promise<TabularDiffusion> {
    const backend = await ensureBackend(opts);
    return new TabularDiffusion(await TabularModel.load(dir), backend);
  }

  /** The columns the model was fitted on, with their kinds. */
  get columns(): { name: string; kind: Column['kind'] }[] {
    return this.model.encoder.columns.map((c) => ({ name: c.name, kind: c.kind }));
  }

  /** `rows` new records, with the columns, kinds and missingness pattern of the training table. */
  async sample(rows: number, opts: SampleOptions = {}): Promise<Table> {
    if (!Number.isInteger(rows) || rows < 1) throw new ModelError(messages.sampleRows(rows));
    return this.model.generate(rows, {
      seed: opts.seed ?? deriveSeed(this.model.trainOptions.seed, `sample/${this.calls++}`),
      ...generateSampling(opts.sampler, opts.samplerSteps),
      ...(opts.fixed ? { fixed: opts.fixed } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  }

  /**
   * Fill every missing cell of `table`. Columns are matched by name; columns the model was not fitted on
   * are passed through unchanged (ids, free text). Observed cells are never changed.
   */
  async impute(table: Table, opts: ImputeOptions = {}): Promise<ImputeResult> {
    const draws = opts.draws ?? 1;
    if (!Number.isInteger(draws) || draws < 1) throw new ModelError(messages.imputeDraws(draws));
    const { modelled, rebuild } = this.conform(table);
    const filled = await this.model.complete(modelled, {
      draws,
      seed: opts.seed ?? deriveSeed(this.model.trainOptions.seed, `impute/${this.calls++}`),
      ...imputeSampling(opts.sampler, opts.samplerSteps),
      // Noise keyed to each row's index, as `synthdiff run` imputes: a row completes the same whatever else is in the table.
      rowOffset: 0,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const { point, intervals } = cellIntervals(modelled, filled);
    assertObservedUnchanged(modelled, point);
    return { table: rebuild(point), draws: filled.map(rebuild), ...(intervals ? { intervals } : {}) };
  }

  /** Save to a folder `TabularDiffusion.load` (or a spec's `model.load`) reads. */
  async save(dir: string): Promise<void> {
    await this.model.save(dir);
  }

  /** Free the model's tensors. */
  dispose(): void {
    this.model.dispose();
  }

  /**
   * The model's columns of `table`, in the model's order and kinds, and how to put an output back into
   * `table`'s column order with the other columns as they were.
   */
  private conform(table: Table): { modelled: Table; rebuild: (t: Table) => Table } {
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const names = this.model.encoder.columns.map((e) => e.name);
    const columns = this.model.encoder.columns.map((e): Column => {
      const c = byName.get(e.name);
      if (!c) throw new DataError(messages.imputeColumnMissing(e.name, table.columns.map((x) => x.name)));
      if (c.kind === e.kind) return c;
      try {
        return retypeColumn(c, { kind: e.kind });
      } catch (err) {
        if (err instanceof DataError) throw new DataError(messages.imputeKind(e.name, c.kind, e.kind, err.message));
        throw err;
      }
    });
    const modelled: Table = { nRows: table.nRows, columns };
    const rebuild = (t: Table): Table => {
      const out = new Map(t.columns.map((c) => [c.name, c]));
      return { nRows: t.nRows, columns: table.columns.map((c) => (names.includes(c.name) ? out.get(c.name)! : c)) };
    };
    return { modelled, rebuild };
  }
}
