/**
 * Scenario `scale`: how time and memory grow with rows, training from AER__Fertility repeated to 254,654 /
 * 1 M / 5 M rows (1% of cells blanked), generated into the temp folder on first use (not committed).
 *
 * - `streamed` is `model.trainRows`: one pass over the CSV (split by per-row coin, encoder sketches over
 *   every training row, reservoir of `trainRows` rows) → encoder from the sketches → train on the sample.
 * - `in-memory` is the default path: read the whole CSV, split, fit, train — shown for contrast where it fits.
 * Training is a fixed small budget (`steps`, default architecture for the sample): the scenario measures
 * the data path, not model quality.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { sampleSource } from '../src/run/table/stream-source.js';
import { loadSourceTable, splitTable } from '../src/run/table/source.js';
import type { BackendName, PipelineSpec } from '../src/spec/types.js';
import { TableEncoder } from '../src/table/encode.js';
import { fertilityUnavailable, writeFertility } from '../test/helpers/fertility-big.js';
import { emit, maxRssMB, round, say, timed } from './common.js';
import { sourceRead } from '../src/run/plan.js';
import { normalizeSpec } from '../src/spec/normalize.js';

export interface ScaleOptions {
  rows: number;
  mode: 'streamed' | 'in-memory';
  trainRows: number;
  steps: number;
  backend?: BackendName;
}

export async function fertilityFile(rows: number): Promise<string> {
  const why = fertilityUnavailable();
  if (why) throw new Error(`scale: ${why}`);
  const dir = join(tmpdir(), 'synthdiff-bench');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `fertility-${rows}.csv`);
  if (!existsSync(path)) {
    say(`scale: writing ${path}`);
    await writeFertility(`${path}.tmp`, rows, { holes: 0.01, seed: 5 });
    const { rename } = await import('node:fs/promises');
    await rename(`${path}.tmp`, path);
  }
  return path;
}

export async function runScale(o: ScaleOptions): Promise<void> {
  const path = await fertilityFile(o.rows);
  const info = await initBackend(o.backend ? { backend: o.backend } : {});
  const started = performance.now();
  const spec = { version: 1, name: 'scale', seed: 4, source: { path } } as PipelineSpec;
  const data = await timed(async () => {
    if (o.mode === 'streamed') {
      const s = await sampleSource(sourceRead(normalizeSpec(spec)), { trainRows: o.trainRows, holdout: 0.2, seed: 4 });
      return { train: s.train, encoder: TableEncoder.fromSketches(s.sketches), columns: s.columns.length, trainSeen: s.trainRows };
    }
    const { table } = await loadSourceTable(sourceRead(normalizeSpec(spec)));
    const { train } = splitTable(table, 0.2, 4);
    return { train, encoder: undefined, columns: table.columns.length, trainSeen: train.nRows };
  });
  const { train, encoder, columns, trainSeen } = data.value;
  const model = TabularDiffusion.create(train, { seed: 4, ...(encoder ? { fittedEncoder: encoder } : {}), train: { steps: o.steps, patience: 0 } });
  const fit = await timed(() => model.fit(train));
  const rssMB = maxRssMB();
  say(`scale ${o.mode} ${o.rows} rows: data ${data.seconds.toFixed(1)} s, train ${fit.seconds.toFixed(1)} s, peak RSS ${rssMB} MB`);
  emit({
    scenario: 'scale',
    table: 'AER__Fertility (repeated)',
    rows: o.rows,
    columns,
    backend: info.name,
    device: info.detail,
    steps: o.steps,
    batch: model.trainOptions.batchSize,
    seconds: round((performance.now() - started) / 1000, 2),
    // Rows read, split, sketched and sampled per second of the data stage.
    rowsPerSec: round(o.rows / data.seconds, 0),
    peakRssMB: rssMB,
    mode: o.mode,
    trainRowsSeen: trainSeen,
    sampleRows: train.nRows,
    dataSeconds: round(data.seconds, 2),
    trainSeconds: round(fit.seconds, 2),
    mlp: `${model.mlp.depth}x${model.mlp.width}`,
  });
  model.dispose();
}
