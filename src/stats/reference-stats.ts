/**
 * The training data's mergeable statistics, kept beside a checkpoint (`reference.stats.json`) so a
 * sharded run's merge can grade its synthetic parts without reading the training table again — which,
 * for a table bigger than memory, it could not. Written by the run that trains and saves the model; the
 * layout in it is the one every shard counts its part on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import type { ColumnEncoding } from '../table/encode.js';
import type { Table } from '../table/table.js';
import { STATS_FORMAT, statsLayout, tableStats, type StatsLayout, type TableStats } from './shard-stats.js';

export const REFERENCE_FORMAT = 'synthdiff-reference/1';

export interface ReferenceStats {
  format: typeof REFERENCE_FORMAT;
  /** The checkpoint weights' sha256 these belong to. */
  weights: string;
  layout: StatsLayout;
  train: TableStats;
  holdout?: TableStats;
}

export function referencePath(checkpointDir: string): string {
  return join(checkpointDir, 'reference.stats.json');
}

/** Count the training (and holdout) table on a layout whose pair bins follow the training table's range. */
export function referenceStats(encodings: readonly ColumnEncoding[], train: Table, holdout: Table | undefined, weights: string): ReferenceStats {
  const layout = statsLayout(encodings, train);
  return { format: REFERENCE_FORMAT, weights, layout, train: tableStats(train, layout), ...(holdout && holdout.nRows > 0 ? { holdout: tableStats(holdout, layout) } : {}) };
}

export async function writeReferenceStats(checkpointDir: string, ref: ReferenceStats): Promise<string> {
  const path = referencePath(checkpointDir);
  await writeFileAtomic(path, `${JSON.stringify(ref)}\n`);
  return path;
}

/** The reference beside a checkpoint, if there is one for these weights. */
export async function readReferenceStats(checkpointDir: string, weights: string): Promise<ReferenceStats | undefined> {
  try {
    const ref = JSON.parse(await readFile(referencePath(checkpointDir), 'utf8')) as ReferenceStats;
    if (ref.format !== REFERENCE_FORMAT || ref.weights !== weights || ref.train?.format !== STATS_FORMAT) return undefined;
    return ref;
  } catch {
    return undefined;
  }
}
