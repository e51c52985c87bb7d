import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pipelineSchemaObject } from '../src/spec/schema.js';
import { closest, specPath, validateSpec } from '../src/spec/parse.js';
import { pipelineSchemaJson } from '../src/spec/write-schema.js';
import { SpecError } from '../src/errors.js';
import { loadSpec, normalizeSpec } from '../src/spec/normalize.js';

const base = { version: 1, name: 't', source: { path: 'x.csv' } };

function errorOf(raw: unknown): string {
  try {
    validateSpec(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error('expected a SpecError');
}

describe('pipeline schema', () => {
  it('is committed up to date (run `npm run schemas` if this fails)', async () => {
    expect(await readFile('schemas/pipeline.schema.json', 'utf8')).toBe(pipelineSchemaJson());
  });
  it('refers to every $defs entry, and only to $defs entries (the types come from the same TypeBox source)', () => {
    const schema = pipelineSchemaObject() as { $defs: object };
    const refs = new Set(JSON.stringify(schema).match(/"\$ref":"[^"]*"/g)!.map((r) => r.slice(8, -1)));
    expect([...refs].sort()).toEqual(Object.keys(schema.$defs).map((d) => `#/$defs/${d}`).sort());
  });
  it('validates every example in pipelines/', async () => {
    const files = (await readdir('pipelines')).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) await expect(loadSpec(`pipelines/${f}`), f).resolves.toBeTruthy();
  });
});

describe('spec errors', () => {
  it('name the spec path and what was expected', () => {
    const raw = { ...base, tasks: [{ type: 'profile', output: { path: 'a' } }, { type: 'generate', rows: 0, output: { path: 'b' } }] };
    expect(errorOf(raw)).toContain('tasks[1].rows: must be a positive integer');
    expect(errorOf({ ...base, tasks: [{ type: 'generate', rows: 2.5, output: { path: 'b' } }] })).toContain('tasks[0].rows: must be a positive integer');
    expect(errorOf({ ...base, split: { holdout: 1.5 } })).toContain('split.holdout: must be < 1');
    expect(errorOf({ ...base, model: { device: 'tpu' } })).toContain('model.device: must be one of "auto", "cpu", "gpu"');
    expect(errorOf({ name: 't', source: { path: 'x' } })).toContain('version: is required');
    expect(errorOf({ ...base, tasks: [{ type: 'explode', output: { path: 'b' } }] })).toContain('tasks[0].type: must be one of profile, generate, impute, synthesize, deidentify');
  });
  it('suggest the closest valid key for typos', () => {
    expect(errorOf({ ...base, tasks: [{ type: 'generate', rowz: 5, rows: 5, output: { path: 'b' } }] })).toContain('tasks[0].rowz: unknown key (did you mean "rows"?)');
    expect(errorOf({ ...base, modle: {} })).toContain('modle: unknown key (did you mean "model"?)');
    expect(closest('zzzzzz', ['rows', 'fixed'])).toBeUndefined();
  });
  it('say which file could not be read or parsed', async () => {
    await expect(loadSpec('pipelines/nope.yaml')).rejects.toThrow('pipelines/nope.yaml: cannot read spec (no such file)');
    await expect(loadSpec('fixtures/spec/bad.yaml')).rejects.toThrow(/bad\.yaml: not valid YAML \(line \d+/);
  });
});

describe('normalizeSpec', () => {
  it('resolves paths against the spec folder and hashes what the model learns from', () => {
    const n = normalizeSpec({ version: 1, name: 't', source: { path: 'd.csv' }, tasks: [{ type: 'profile', output: { path: '../out/s.csv' } }] }, '/a/b/spec.yaml');
    expect(n.spec.source.path).toBe('/a/b/d.csv');
    expect(n.spec.tasks![0]!.output.path).toBe('/a/out/s.csv');
    const m = normalizeSpec({ version: 1, name: 'other', source: { path: 'd.csv' } }, '/a/b/spec.yaml');
    expect(m.hash).toBe(n.hash);
    expect(normalizeSpec({ ...m.written, seed: 3 }).hash).not.toBe(n.hash);
  });
  it('reads spec paths as users write them', () => {
    expect(specPath('/tasks/1/rows')).toBe('tasks[1].rows');
    expect(specPath('')).toBe('(root)');
  });
});
