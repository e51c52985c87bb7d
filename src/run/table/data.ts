import { DataError } from '../../errors.js';
import { messages } from '../../messages.js';
import type { Logger } from '../../report/log.js';
import { profileTable, type TableSchema } from '../../table/infer.js';
import type { ColumnSketch } from '../../table/sketch.js';
import { missingCount, type Table } from '../../table/table.js';
import { loadSourceTable, splitTable, type Passthrough } from './source.js';
import { sampleSource } from './stream-source.js';
import type { SourceRead, TablePlan } from '../plan.js';

/** The source as the run sees it: the split tables, counts over the whole source, and how it was read. */
export interface RunData {
  /** `trainRows`: the source row of each training row (in-memory runs). */
  split: { train: Table; holdout: Table | undefined; trainRows?: Int32Array };
  /** The whole source in memory (in-memory runs only). */
  table?: Table;
  /** The source's passthrough columns (in-memory runs only). */
  passthrough?: Passthrough;
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

/** What loading the data needs from the plan. */
export type DataPlan = Pick<TablePlan, 'read' | 'split' | 'trainRows' | 'seed'>;

/** The source as a run sees it: streamed and sampled with `model.trainRows`, else read whole; split by the plan. */
export function runData(plan: DataPlan, log: Logger): Promise<RunData> {
  const { holdout } = plan.split;
  return plan.trainRows ? streamedData(plan.read, { trainRows: plan.trainRows, holdout, seed: plan.seed, log }) : inMemoryData(plan.read, holdout, plan.seed, plan.split.groupBy);
}

async function inMemoryData(read: SourceRead, holdout: number, seed: number, groupBy?: string): Promise<RunData> {
  const loaded = await loadSourceTable(read, groupBy);
  const { table } = loaded;
  const split = splitTable(table, holdout, seed, loaded.groups);
  if (split.train.nRows === 0) throw new DataError(messages.emptyTrainingSplit(read.path, table.nRows, holdout));
  return {
    split,
    table,
    passthrough: loaded.passthrough,
    sampled: false,
    schema: loaded.schema,
    dropped: loaded.dropped,
    rows: table.nRows,
    trainRows: split.train.nRows,
    holdoutRows: split.holdout?.nRows ?? 0,
    missingCells: table.columns.reduce((s, c) => s + missingCount(c), 0),
  };
}

async function streamedData(read: SourceRead, o: { trainRows: number; holdout: number; seed: number; log: Logger }): Promise<RunData> {
  const s = await sampleSource(read, o);
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
