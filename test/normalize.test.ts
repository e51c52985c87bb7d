import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec, normalizeSpec } from '../src/spec/normalize.js';

const PIPELINES = resolve('pipelines');
const GOLDEN = resolve('test/golden/normalized');

/** The normalized spec with paths relative to the spec's folder, so the golden file is the same on every machine. */
function portable(value: unknown, baseDir: string): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'string' && v.startsWith('/') ? relative(baseDir, v) || '.' : v)));
}

describe('normalize: golden normalized specs for every example in pipelines/', async () => {
  const files = (await readdir(PIPELINES)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  it('has examples', () => expect(files.length).toBeGreaterThan(0));
  for (const file of files) {
    it(`${file} normalizes to test/golden/normalized/${basename(file).replace(/\.\w+$/, '.json')}`, async () => {
      const ns = await loadSpec(join(PIPELINES, file));
      const text = `${JSON.stringify(portable({ spec: ns.spec, hash: ns.hash }, ns.baseDir), null, 2)}\n`;
      const golden = join(GOLDEN, basename(file).replace(/\.\w+$/, '.json'));
      // A new example writes its golden file once; a changed one fails and leaves `-changed` beside it.
      if (!existsSync(golden)) await writeFile(golden, text);
      const want = await readFile(golden, 'utf8');
      if (want !== text) await writeFile(golden.replace(/\.json$/, '-changed.json'), text);
      expect(text).toBe(want);
    });
  }
});

describe('normalize: defaults', () => {
  const base = { version: 1 as const, name: 't', source: { path: 'd.csv' } };
  it('fills every default once', () => {
    const { spec } = normalizeSpec({ ...base, tasks: [{ type: 'impute', output: { path: 'o.csv' } }], evaluate: { imputation: { fraction: 0.2 } }, report: { dir: 'r' } }, '/a/spec.yaml');
    expect(spec.kind).toBe('table');
    expect(spec.seed).toBe(0);
    expect(spec.split).toEqual({ holdout: 0 });
    expect(spec.tasks[0]).toEqual({ type: 'impute', draws: 1, engine: 'auto', output: { path: '/a/o.csv' } });
    expect(spec.evaluate).toEqual({ fidelity: false, detection: false, privacy: false, outliers: false, memorization: false, imputation: { fraction: 0.2, mechanism: 'mcar' } });
    expect(spec.report).toEqual({ dir: '/a/r', html: true });
    expect(spec.model).toEqual({ declared: false, device: 'auto', resume: false, sampling: { generate: { sampler: 'heun', steps: 30 }, impute: { sampler: 'dpmpp-2m', steps: 20, byRows: true } }, flip: false });
  });
  it('imputes with DPM-Solver++(2M) at 20 steps (by rows in a blend) unless the spec names a sampler; samplerSteps alone sets both uses', () => {
    const task = { tasks: [{ type: 'impute' as const, output: { path: 'o.csv' } }] };
    const named = normalizeSpec({ ...base, ...task, model: { sampler: 'heun' } }, '/a/spec.yaml').spec.model;
    expect(named.sampling).toEqual({ generate: { sampler: 'heun', steps: 50 }, impute: { sampler: 'heun', steps: 50 } });
    const steps = normalizeSpec({ ...base, ...task, model: { samplerSteps: 8 } }, '/a/spec.yaml').spec.model;
    expect(steps.sampling).toEqual({ generate: { sampler: 'heun', steps: 8 }, impute: { sampler: 'dpmpp-2m', steps: 8 } });
  });
  it('image pipelines: one sampler, 24 steps, a fifth held out when synthesis is checked', () => {
    const { spec } = normalizeSpec({ ...base, source: { path: 'dcm', format: 'dicom' }, tasks: [{ type: 'synthesize', count: 4, output: { path: 'o' } }] }, '/a/spec.yaml');
    expect(spec.kind).toBe('image');
    expect(spec.split.holdout).toBe(0.2);
    expect(spec.model.sampling).toEqual({ generate: { sampler: 'heun', steps: 24 }, impute: { sampler: 'heun', steps: 24 } });
    expect(normalizeSpec({ ...base, source: { path: 'dcm', format: 'dicom' }, tasks: [{ type: 'deidentify', output: { path: 'o' } }] }).spec.split.holdout).toBe(0);
  });
  it('keeps an empty evaluate section as no evaluation, and the hash of the spec as written', () => {
    const a = normalizeSpec({ ...base, evaluate: {} });
    expect(a.spec.evaluate).toBeUndefined();
    expect(a.hash).toBe(normalizeSpec(base).hash);
    expect(a.written.evaluate).toEqual({});
  });
});
