import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSpecInTempDir } from './helpers/cli.js';

describe('model.timeBudget', () => {
  it('ends training at the budget, before its steps, and says so in report.json', async () => {
    const started = performance.now();
    const r = await runSpecInTempDir('budget-', {
      version: 1,
      name: 'budget',
      seed: 1,
      source: { path: resolve('fixtures/tables/mice__nhanes.csv') },
      split: { holdout: 0 },
      model: { width: 16, depth: 1, steps: 1_000_000, timeBudget: 0.02 },
      tasks: [{ type: 'impute', output: { path: 'imputed.csv' }, engine: 'diffusion' }],
    });
    expect(r.code, r.stderr).toBe(0);
    // A million steps would take hours; the budget (1.2 s) ends it.
    expect((performance.now() - started) / 1000).toBeLessThan(60);
    const report = r.report;
    expect(report.model.steps).toBeGreaterThan(0);
    expect(report.model.steps).toBeLessThan(1_000_000);
    expect(report.model.stoppedBy).toBe('timeBudget');
    expect(report.model.timeBudgetMinutes).toBe(0.02);
    expect(r.stderr).toMatch(/stopped by model\.timeBudget at \d+ of 1000000/);
  }, 90_000);
});
