/**
 * Scenario `sample`: generation throughput of the default table model through the public API
 * (TabularDiffusion.generate: blank table → encode → sampler in 4,096-row chunks → decode).
 *
 * The weights are the untrained initialisation: the cost of a sampler step does not depend on the weight
 * values, and skipping training keeps this scenario about sampling alone. Heun's method calls the network
 * twice per step except the last (2·steps − 1 evaluations); edm-stochastic adds fresh noise before each
 * Heun step (same count); euler-maruyama and dpmpp-2m (DPM-Solver++(2M)) call it once per step.
 */
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import type { BackendName, SamplerName } from '../src/spec/types.js';
import { loadavg } from 'node:os';
import { emit, loadBenchTable, maxRssMB, round, say, timed } from './common.js';

export interface SampleOptions {
  table: string;
  rows: number;
  runs: Array<{ sampler: SamplerName; steps: number }>;
  backend?: BackendName;
  /** wasm threads (default: the library's). */
  threads?: number;
}

export function networkEvaluations(sampler: SamplerName, steps: number): number {
  return sampler === 'euler-maruyama' || sampler === 'dpmpp-2m' ? steps : 2 * steps - 1;
}

export async function runSample(o: SampleOptions): Promise<void> {
  const info = await initBackend({ ...(o.backend ? { backend: o.backend } : {}), ...(o.threads ? { threads: o.threads } : {}) });
  const bt = await loadBenchTable(o.table);
  const model = TabularDiffusion.create(bt.table, { seed: 1 });
  say(`sample: ${model.mlp.depth}×${model.mlp.width} MLP, ${model.encoder.dim} dims, ${o.rows} rows on ${info.detail}`);
  // One short untimed call so backend kernel set-up is not billed to the first sampler.
  await model.generate(64, { seed: 0, sampler: 'heun', steps: 2 });
  for (const run of o.runs) {
    const { value: t, seconds } = await timed(() => model.generate(o.rows, { seed: 3, sampler: run.sampler, steps: run.steps }));
    const nfe = networkEvaluations(run.sampler, run.steps);
    emit({
      scenario: 'sample',
      table: bt.name,
      rows: t.nRows,
      columns: t.columns.length,
      backend: info.name,
      device: info.detail,
      threads: info.threads ?? 1,
      load1: round(loadavg()[0]!, 2),
      steps: run.steps,
      batch: Math.min(4096, o.rows),
      seconds: round(seconds),
      rowsPerSec: round(t.nRows / seconds, 1),
      peakRssMB: maxRssMB(),
      sampler: run.sampler,
      networkEvaluations: nfe,
      mlp: `${model.mlp.depth}x${model.mlp.width}`,
      encodedDims: model.encoder.dim,
      // Rows pushed through the network per second, comparable with train-step's forwardRowsPerSec.
      networkRowsPerSec: round((t.nRows * nfe) / seconds, 0),
    });
  }
  model.dispose();
}
