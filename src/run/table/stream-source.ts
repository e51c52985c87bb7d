/**
 * Training data from a table too big for memory (`model.trainRows`): one streaming pass over the source
 * that
 * - splits rows into train and holdout by a hash of (seed, row index) — a per-row coin, so the split
 *   needs neither the row count nor a permutation held in memory;
 * - fits the encoders on every training row with mergeable sketches (KLL quantiles, label counts;
 *   src/table/sketch.ts);
 * - keeps a uniform random sample of at most `trainRows` training rows (and as many holdout rows) with
 *   reservoir sampling (Vitter's Algorithm R, seeded).
 *
 * Why a reservoir rather than a streamed shuffle buffer: the model then trains on an exactly uniform
 * sample whatever the file's order, while a shuffle buffer only mixes rows within its window — hospital
 * and warehouse exports are usually sorted (by date, site or patient id), and a window-mixed stream
 * trains the model on one end of the file at a time. The sample also serves as the evaluation's
 * "real" table. Memory is O(trainRows × columns) plus one read batch, whatever the file's length.
 *
 * Both formats stream in record batches. CSV column kinds are inferred from every row in a first
 * streaming pass (`inferCsvKinds`), so they never depend on where a value first appears; Arrow columns are typed by the file's schema, overridden by the spec.
 */
import { DataError } from '../../errors.js';
import { readArrowBatches } from '../../io/arrow-stream.js';
import { inferCsvKinds, readCsvBatches, readCsvHeader, type StreamColumn } from '../../io/csv-stream.js';
import { readTableBatches } from '../../io/table-stream.js';
import { formatFromPath, type TableFormat } from '../../io/table-io.js';
import type { Logger } from '../../report/log.js';
import { createRng, deriveSeed, type Rng } from '../../rng.js';
import { messages } from '../../messages.js';
import type { SourceRead } from '../plan.js';
import { ColumnSketch } from '../../table/sketch.js';
import { isCategorical, type Column, type Table } from '../../table/table.js';

export const DEFAULT_HEAD_ROWS = 10_000;

/** Uniform in [0, 1) from (seed, row): the coin that puts a row in the holdout. */
export function rowUnit(seed: number, row: number): number {
  let h = Math.imul((seed ^ 0x2545f491) >>> 0, 0x9e3779b1) ^ Math.imul(row >>> 0, 0x85ebca6b) ^ Math.imul(Math.floor(row / 2 ** 32) + 0x27d4eb2f, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** A fixed-capacity uniform sample of the rows offered to it (Algorithm R), with its own label dictionaries. */
export class Reservoir {
  private readonly values: (Float64Array | undefined)[];
  private readonly codes: (Int32Array | undefined)[];
  private readonly labels: Map<string, number>[];
  private readonly rng: Rng;
  /** Rows offered so far. */
  seen = 0;

  constructor(
    private readonly columns: readonly StreamColumn[],
    readonly capacity: number,
    seed: number,
  ) {
    const cat = (c: StreamColumn) => c.kind === 'categorical' || c.kind === 'boolean';
    this.values = columns.map((c) => (cat(c) ? undefined : new Float64Array(capacity)));
    this.codes = columns.map((c) => (cat(c) ? new Int32Array(capacity) : undefined));
    this.labels = columns.map(() => new Map());
    this.rng = createRng(seed);
  }

  /** Offer rows `rows` of `batch` (columns in this reservoir's order), in order. */
  offer(batch: Table, rows: ArrayLike<number>): void {
    // Per column: the batch's label codes in this reservoir's dictionary, made on first use.
    const maps: (Int32Array | undefined)[] = new Array(this.columns.length);
    for (let i = 0; i < rows.length; i++) {
      const slot = this.seen < this.capacity ? this.seen : this.rng.int(this.seen + 1);
      this.seen++;
      if (slot >= this.capacity) continue;
      const r = rows[i]!;
      batch.columns.forEach((col, j) => {
        if (!isCategorical(col)) {
          this.values[j]![slot] = col.values[r]!;
          return;
        }
        let map = maps[j];
        if (!map) {
          const dict = this.labels[j]!;
          map = maps[j] = Int32Array.from(col.categories, (l) => {
            let k = dict.get(l);
            if (k === undefined) dict.set(l, (k = dict.size));
            return k;
          });
        }
        const k = col.codes[r]!;
        this.codes[j]![slot] = k < 0 ? -1 : map[k]!;
      });
    }
  }

  /** The sample as a table; categories sorted as the CSV reader sorts them, so encoders see the same order. */
  table(): Table {
    const n = Math.min(this.seen, this.capacity);
    const columns = this.columns.map((c, j): Column => {
      const v = this.values[j];
      if (v) {
        const values = v.slice(0, n);
        if (c.kind === 'datetime') return { name: c.name, kind: 'datetime', values, resolution: c.resolution ?? 'datetime' };
        return { name: c.name, kind: c.kind as 'numeric' | 'integer', values };
      }
      const dict = this.labels[j]!;
      const used = new Set<number>();
      for (let r = 0; r < n; r++) if (this.codes[j]![r]! >= 0) used.add(this.codes[j]![r]!);
      const byId = [...dict].filter(([, k]) => used.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const remap = new Int32Array(dict.size).fill(-1);
      byId.forEach(([, k], i) => (remap[k] = i));
      const codes = Int32Array.from(this.codes[j]!.subarray(0, n), (k) => (k < 0 ? -1 : remap[k]!));
      return { name: c.name, kind: c.kind as 'categorical' | 'boolean', codes, categories: byId.map(([l]) => l) };
    });
    return { nRows: n, columns };
  }
}

export interface SampledSource {
  /** Uniform sample of at most `trainRows` training rows: what the model trains on and evaluation compares with. */
  train: Table;
  /** Uniform sample of at most `trainRows` holdout rows; undefined without a holdout. */
  holdout: Table | undefined;
  /** One sketch per column over every training row: what the encoders are fitted on. */
  sketches: ColumnSketch[];
  columns: StreamColumn[];
  dropped: string[];
  format: TableFormat;
  /** Counts over the whole source. */
  rows: number;
  trainRows: number;
  holdoutRows: number;
  missingCells: number;
  seconds: number;
}

function csvOptions(src: SourceRead) {
  return { delimiter: src.delimiter, missing: src.missing };
}

/** Column kinds of a CSV from every row (`inferCsvKinds`: what readCsv infers), with the spec's per-column overrides. `headRows` is no longer used. */
export async function inferStreamColumns(src: SourceRead, path: string, headRows = DEFAULT_HEAD_ROWS): Promise<{ columns: StreamColumn[]; dropped: string[] }> {
  const header = await readCsvHeader(path, csvOptions(src));
  const specCols = src.columns;
  for (const name of Object.keys(specCols)) if (!header.includes(name)) throw new DataError(messages.specColumnMissing(`columns.${name}`, path, header));
  const dropped = header.filter((n) => specCols[n]?.drop);
  const names = header.filter((n) => !specCols[n]?.drop);
  const { kinds } = await inferCsvKinds(path, { ...csvOptions(src), columns: header.map((name) => ({ name, kind: specCols[name]?.kind, missing: specCols[name]?.missing })) });
  const columns = names.map((name): StreamColumn => {
    const { kind, resolution } = kinds[header.indexOf(name)]!;
    return { name, kind, ...(kind === 'datetime' ? { resolution: resolution ?? 'datetime' } : {}), ...(specCols[name]?.missing ? { missing: specCols[name]!.missing } : {}) };
  });
  return { columns, dropped };
}

/** Column kinds of an Arrow source from its schema (first row), with the spec's per-column overrides. */
async function arrowStreamColumns(src: SourceRead, path: string): Promise<{ columns: StreamColumn[]; dropped: string[] }> {
  let first: Table | undefined;
  for await (const b of readArrowBatches(path, { end: 1 })) first = b.table;
  const specCols = src.columns;
  const names = first!.columns.map((c) => c.name);
  for (const name of Object.keys(specCols)) if (!names.includes(name)) throw new DataError(messages.specColumnMissing(`columns.${name}`, path, names));
  const dropped = names.filter((n) => specCols[n]?.drop);
  const columns = first!.columns
    .filter((c) => !specCols[c.name]?.drop)
    .map((c): StreamColumn => {
      const kind = specCols[c.name]?.kind ?? c.kind;
      const resolution = kind === 'datetime' ? (c.kind === 'datetime' ? c.resolution : 'datetime') : undefined;
      return { name: c.name, kind, ...(resolution ? { resolution } : {}), ...(specCols[c.name]?.missing ? { missing: specCols[c.name]!.missing } : {}) };
    });
  return { columns, dropped };
}

/**
 * Stream the spec's source once: split, sketch and sample (see the module comment). `trainRows` caps
 * each sample; `holdout` is the fraction of rows held out (0 for none).
 */
export async function sampleSource(
  src: SourceRead,
  opts: { trainRows: number; holdout: number; seed: number; headRows?: number; batchRows?: number; log?: Logger },
): Promise<SampledSource> {
  const t0 = performance.now();
  const path = src.path;
  const format: TableFormat = src.format ?? formatFromPath(path);
  let columns: StreamColumn[];
  let dropped: string[];
  let batches: AsyncIterable<{ start: number; table: Table }>;
  if (format === 'csv') {
    const headRows = opts.headRows ?? DEFAULT_HEAD_ROWS;
    ({ columns, dropped } = await inferStreamColumns(src, path, headRows));
    batches = readCsvBatches(path, {
      ...csvOptions(src),
      columns,
      drop: dropped,
      batchRows: opts.batchRows,
      kindOrigin: 'the kind set for it in the spec (columns.<name>.kind)',
    });
  } else {
    ({ columns, dropped } = await arrowStreamColumns(src, path));
    batches = readTableBatches(path, 'arrow', { columns, drop: dropped, missing: src.missing, batchRows: opts.batchRows });
  }

  const sketches = columns.map((c) => new ColumnSketch(c.name, c.kind, { seed: deriveSeed(opts.seed, `sketch/${c.name}`), resolution: c.resolution }));
  const train = new Reservoir(columns, opts.trainRows, deriveSeed(opts.seed, 'reservoir/train'));
  const hold = opts.holdout > 0 ? new Reservoir(columns, opts.trainRows, deriveSeed(opts.seed, 'reservoir/holdout')) : undefined;
  const splitSeed = deriveSeed(opts.seed, 'split');
  let rows = 0, missingCells = 0;
  for await (const { start, table } of batches) {
    const trainIdx: number[] = [], holdIdx: number[] = [];
    for (let r = 0; r < table.nRows; r++) (hold && rowUnit(splitSeed, start + r) < opts.holdout ? holdIdx : trainIdx).push(r);
    const ti = Int32Array.from(trainIdx);
    table.columns.forEach((c, j) => sketches[j]!.add(c, ti));
    train.offer(table, ti);
    hold?.offer(table, holdIdx);
    rows += table.nRows;
    for (const c of table.columns) {
      if (isCategorical(c)) for (const k of c.codes) missingCells += k < 0 ? 1 : 0;
      else for (const v of c.values) missingCells += Number.isNaN(v) ? 1 : 0;
    }
    opts.log?.progress('sample', rows, rows, `rows read (train ${train.seen}, holdout ${hold?.seen ?? 0})`);
  }
  if (rows === 0) throw new DataError(messages.noDataRows(path));
  if (train.seen === 0) throw new DataError(messages.emptyTrainingSplit(path, rows, opts.holdout));
  opts.log?.done('sample', `(${rows} rows: train ${train.seen}, sampled ${Math.min(train.seen, opts.trainRows)}; holdout ${hold?.seen ?? 0})`);
  return {
    train: train.table(),
    holdout: hold && hold.seen > 0 ? hold.table() : undefined,
    sketches,
    columns,
    dropped,
    format,
    rows,
    trainRows: train.seen,
    holdoutRows: hold?.seen ?? 0,
    missingCells,
    seconds: (performance.now() - t0) / 1000,
  };
}
