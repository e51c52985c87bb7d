/**
 * Imputation accuracy's chained fills, started before the model trains (run/table/run.ts): the figures are the
 * ones the evaluation computes when it starts them itself, the deferred start waits for the fills before it,
 * and training lets a worker's message in while it runs (a finished fill starts the next one then).
 * Real data: palmerpenguins (fixtures/tables, see PROVENANCE.md).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/backend/index.js';
import { TabularDiffusion } from '../src/diffusion/tabular.js';
import { readTable } from '../src/io/table-io.js';
import { startChainedFills, startChainedFillsAfter } from '../src/impute/blend.js';
import { evaluateTables, imputationEvalSetup } from '../src/run/table/evaluate.js';
import { takeRows, type Table } from '../src/table/table.js';

const quiet = { info: () => undefined, warn: () => undefined, start: () => undefined } as unknown as Parameters<typeof evaluateTables>[2];
let train: Table, holdout: Table;

beforeAll(async () => {
  await initBackend({});
  const { table } = await readTable('fixtures/tables/palmerpenguins__penguins.csv');
  const n = table.nRows, cut = Math.floor(n * 0.7);
  train = takeRows(table, Int32Array.from({ length: cut }, (_, i) => i));
  holdout = takeRows(table, Int32Array.from({ length: n - cut }, (_, i) => cut + i));
});

describe('imputation accuracy with its fills started early', () => {
  it('reports what the evaluation computes when it starts the fills itself', async () => {
    const model = TabularDiffusion.create(train, { seed: 5, width: 32, depth: 2, train: { steps: 60, batchSize: 64 } });
    await model.fit(train);
    const spec = { fraction: 0.2 };
    const setup = imputationEvalSetup(spec, train, holdout, 11);
    const early = startChainedFills(setup.stacked, setup.validation, setup.seed, 'auto');
    const withFills = await evaluateTables({ imputation: spec }, { train, holdout, model, seed: 11, imputationFills: { setup, fills: early } }, quiet);
    const itself = await evaluateTables({ imputation: spec }, { train, holdout, model, seed: 11 }, quiet);
    expect(withFills.imputation!.hiddenCells).toBeGreaterThan(50);
    expect(withFills.imputation).toEqual(itself.imputation);
    // And it waits for the fills it is given rather than starting its own: given fills that never run, it fails.
    const never = startChainedFillsAfter(new Promise<void>((r) => setTimeout(r, 20)), setup.stacked, setup.validation, setup.seed, 'auto');
    never.cancel();
    await expect(evaluateTables({ imputation: spec }, { train, holdout, model, seed: 11, imputationFills: { setup, fills: never } }, quiet)).rejects.toThrow('chained fills cancelled before they started');
    model.dispose();
  });

  it('a deferred start waits for the fills before it and gives the same fills; cancelled before it starts, it rejects', async () => {
    const setup = imputationEvalSetup({ fraction: 0.2 }, train, holdout, 12);
    let released!: () => void;
    const before = new Promise<void>((r) => (released = r));
    const deferred = startChainedFillsAfter(before, setup.stacked, setup.validation, setup.seed, 'forest');
    let settled = false;
    deferred.then(() => (settled = true), () => undefined);
    deferred.help();
    // A whole fill of the same table runs to its end while `before` is pending; the deferred one has not started.
    const b = await startChainedFills(setup.stacked, setup.validation, setup.seed, 'forest');
    expect(settled).toBe(false);
    expect(deferred.progress()).toEqual([0, 0]);
    released();
    const a = await deferred;
    expect(a.forest!.values).toEqual(b.forest!.values);
    expect(deferred.progress()[1]).toBeGreaterThan(0);

    const never = startChainedFillsAfter(new Promise<void>((r) => setTimeout(r, 20)), setup.stacked, setup.validation, setup.seed, 'forest');
    never.cancel();
    await expect(never).rejects.toThrow('chained fills cancelled before they started');
  });
});

describe('training and the event loop', () => {
  it('runs a macrotask while the model trains, not only after it', async () => {
    const steps = 400;
    const model = TabularDiffusion.create(train, { seed: 6, width: 32, depth: 2, train: { steps, batchSize: 64 } });
    let lastStep = 0;
    let seenAt = -1;
    setImmediate(() => (seenAt = lastStep));
    await model.fit(train, { onProgress: (p) => (lastStep = p.step) });
    expect(seenAt).toBeGreaterThanOrEqual(0);
    expect(seenAt).toBeLessThan(steps);
    model.dispose();
  });
});
