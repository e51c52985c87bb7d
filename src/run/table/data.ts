import type { Logger } from '../../report/log.js';
import type { NormalizedSpec } from '../../spec/parse.js';
import { profileTable, type TableSchema } from '../../table/infer.js';
import type { ColumnSketch } from '../../table/sketch.js';
import { missingCount, type Table } from '../../table/table.js';
import { loadSourceTable, splitTable } from './source.js';
import { sampleSource } from './stream-source.js';

/** The source as the run sees it: the split tables, counts over the whole source, and how it was read. */
export interface RunData {
  split: { train: Table; holdout: Table | undefined };
  /** The whole source in memory (in-memory runs only). */
  table?: Table;
  /** Encoder sketches over every training row (streamed runs only). */
  sketches?: ColumnSketch[];
  sampled: boolean;
  schema: TableSchema;
  dropped: string[];
  rows: number;
  trainRows: number;
  holdoutRows: number;
  missingCells: number;
}

/** The source as a run sees it: streamed and sampled with `model.trainRows`, else read whole; split by the spec. */
export function runData(spec: NormalizedSpec['spec'], seed: number, log: Logger): Promise<RunData> {
  const holdout = spec.split?.holdout ?? 0;
  return spec.model?.trainRows ? streamedData(spec, { trainRows: spec.model.trainRows, holdout, seed, log }) : inMemoryData(spec, holdout, seed);
}

async function inMemoryData(spec: NormalizedSpec['spec'], holdout: number, seed: number): Promise<RunData> {
  const loaded = await loadSourceTable(spec);
  const { table } = loaded;
  const split = splitTable(table, holdout, seed);
  return {
    split,
    table,
    sampled: false,
    schema: loaded.schema,
    dropped: loaded.dropped,
    rows: table.nRows,
    trainRows: split.train.nRows,
    holdoutRows: split.holdout?.nRows ?? 0,
    missingCells: table.columns.reduce((s, c) => s + missingCount(c), 0),
  };
}

async function streamedData(spec: NormalizedSpec['spec'], o: { trainRows: number; holdout: number; seed: number; log: Logger }): Promise<RunData> {
  const s = await sampleSource(spec, o);
  return {
    split: { train: s.train, holdout: s.holdout },
    sketches: s.sketches,
    sampled: true,
    schema: profileTable(s.train),
    dropped: s.dropped,
    rows: s.rows,
    trainRows: s.trainRows,
    holdoutRows: s.holdoutRows,
    missingCells: s.missingCells,
  };
}
