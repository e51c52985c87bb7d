/**
 * Imputation batch by batch: read a CSV or Arrow batch → impute → write it (CSV or Arrow), so memory
 * stays flat in the number of rows. Each batch is completed with noise keyed to its rows' global indices (`rowOffset`), so the
 * result equals imputing the whole table at once, byte for byte, whatever the batch size.
 */
import type { TabularDiffusion } from '../../diffusion/tabular.js';
import { streamColumnsFor } from '../../io/csv-stream.js';
import { openTableWriter, readTableBatches, type TableBatchOptions } from '../../io/table-stream.js';
import type { TableFormat } from '../../io/table-io.js';
import type { Logger } from '../../report/log.js';
import type { SamplerName } from '../../spec/types.js';
import type { SourceRead } from '../plan.js';
import { missingCount, type Table } from '../../table/table.js';
import { assertObservedUnchanged, cellIntervals } from './intervals.js';
import { mergeStats, statsLayout, tableStats, type StatsLayout, type TableStats } from '../../stats/shard-stats.js';

export interface StreamImputeOptions {
  input: string;
  /** Formats; default from the extensions. */
  inputFormat?: TableFormat;
  output: string;
  outputFormat?: TableFormat;
  intervals?: string;
  intervalsFormat?: TableFormat;
  draws: number;
  seed: number;
  sampling: { sampler?: SamplerName; steps?: number };
  /** Input data rows [start, end) (a shard's range); default all. */
  start?: number;
  end?: number;
  batchRows?: number;
  /** The layout to count the output's statistics on (default: the encoder's). */
  layout?: StatsLayout;
  log: Logger;
  label: string;
}

/** The batch-reading options for reading `read` against the model's columns. */
export function batchOptionsFor(read: SourceRead, model: TabularDiffusion): Pick<TableBatchOptions, 'columns' | 'drop' | 'delimiter' | 'missing'> {
  const columnMissing = Object.fromEntries(Object.entries(read.columns).map(([k, c]) => [k, c.missing]));
  return {
    columns: streamColumnsFor(model.encoder.columns as readonly { name: string; kind: Table['columns'][number]['kind']; resolution?: 'date' | 'datetime' }[], columnMissing),
    drop: Object.entries(read.columns).filter(([, c]) => c.drop).map(([k]) => k),
    delimiter: read.delimiter,
    missing: read.missing,
  };
}

/** Impute `input` rows [start, end) into `output` (and `intervals`) batch by batch; returns what was done. */
export async function imputeStreamed(
  model: TabularDiffusion,
  read: SourceRead,
  o: StreamImputeOptions,
): Promise<{ rows: { start: number; end: number }; imputedCells: number; stats: TableStats }> {
  const layout = o.layout ?? statsLayout(model.encoder.columns);
  const out = await openTableWriter(o.output, o.outputFormat);
  // As in the in-memory path, intervals exist only for more than one draw.
  const iv = o.intervals && o.draws > 1 ? await openTableWriter(o.intervals, o.intervalsFormat) : undefined;
  let stats: TableStats | undefined;
  let imputedCells = 0;
  const start = o.start ?? 0;
  let end = start;
  try {
    for await (const batch of readTableBatches(o.input, o.inputFormat, { ...batchOptionsFor(read, model), batchRows: o.batchRows, start: o.start, end: o.end })) {
      const t = batch.table;
      const filled = await model.complete(t, { draws: o.draws, seed: o.seed, rowOffset: batch.start, ...o.sampling });
      const { point, intervals } = cellIntervals(t, filled);
      assertObservedUnchanged(t, point);
      await out.write(point);
      if (iv && intervals) await iv.write(withGlobalRows(intervals, batch.start));
      const s = tableStats(point, layout);
      stats = stats ? mergeStats([stats, s]) : s;
      imputedCells += t.columns.reduce((a, c) => a + missingCount(c), 0);
      end = batch.start + t.nRows;
      o.log.progress(o.label, end - start, o.end !== undefined && Number.isFinite(o.end) ? o.end - start : end - start, `rows (${imputedCells} cells imputed)`);
    }
    await out.close();
    await iv?.close();
  } catch (e) {
    await out.abort();
    await iv?.abort();
    throw e;
  }
  return { rows: { start, end }, imputedCells, stats: stats! };
}

/** Interval tables number rows from 1 within a batch; the batch starts at `offset` in the input. */
export function withGlobalRows(intervals: Table, offset: number): Table {
  const [row, ...rest] = intervals.columns;
  if (!row || row.name !== 'row' || !('values' in row)) return intervals;
  return { nRows: intervals.nRows, columns: [{ ...row, values: row.values.map((v) => v + offset) }, ...rest] };
}
