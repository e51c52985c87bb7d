/**
 * `kind: passthrough`: a column (an id) read as text, never modelled, written back verbatim beside the
 * imputed columns, so imputed rows join back to their records.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/io/table-io.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import { cellValue, missingCount } from '../src/table/table.js';
import { runCli } from './helpers/cli.js';

const PBC = resolve('fixtures/tables/survival__pbc.csv');
const quiet = { log: { info() {} } };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-passthrough-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (model: string) => `version: 1
name: pbc-ids
seed: 2
source: { path: ${PBC} }
columns: { id: { kind: passthrough } }
model: { device: cpu, backend: wasm, steps: 30, width: 32, depth: 2, samplerSteps: 4${model} }
tasks:
  - { type: impute, engine: diffusion, draws: 2, output: { path: out/imputed.csv }, completed: { path: out/completed.csv } }
report: { dir: out, html: false }
`;

describe('columns: kind passthrough', () => {
  it('normalizes to passthrough: true with no kind', () => {
    expect(normalizeSpec({ version: 1, name: 't', source: { path: '/d.csv' }, columns: { id: { kind: 'passthrough' } } }).spec.columns).toEqual({ id: { drop: false, passthrough: true } });
  });

  it('keeps the id verbatim in the imputed table and the completed datasets; the model never sees it', async () => {
    await writeFile(join(dir, 'ids.yaml'), spec(''));
    expect((await runCli('run', join(dir, 'ids.yaml'), '-q')).code).toBe(0);
    const source = (await readTable(PBC, quiet)).table;
    const imputed = (await readTable(join(dir, 'out/imputed.csv'), quiet)).table;
    const header = (text: string) => text.slice(0, text.indexOf('\n'));
    expect(header(await readFile(join(dir, 'out/imputed.csv'), 'utf8'))).toBe(header(await readFile(PBC, 'utf8')));
    const ids = (t: typeof source, col = 0) => Array.from({ length: t.nRows }, (_, r) => String(cellValue(t.columns[col]!, r)));
    expect(ids(imputed)).toEqual(ids(source));
    expect(imputed.columns.slice(1).map(missingCount)).toEqual(imputed.columns.slice(1).map(() => 0));
    const long = (await readTable(join(dir, 'out/completed.csv'), quiet)).table;
    expect(long.columns.map((c) => c.name).slice(0, 3)).toEqual(['.imp', '.id', 'id']);
    expect(ids(long, 2)).toEqual([...ids(source), ...ids(source), ...ids(source)]);
    const report = JSON.parse(await readFile(join(dir, 'out/report.json'), 'utf8')) as { data: { columns: number }; model: { encodedDims: number } };
    expect(report.data.columns).toBe(source.columns.length - 1);
  }, 60_000);

  it('is refused where rows stream, in one line', async () => {
    await writeFile(join(dir, 'stream.yaml'), spec(', trainRows: 100').replace(/, completed: \{ path: out\/completed.csv \}/, ''));
    const r = await runCli('run', join(dir, 'stream.yaml'), '-q');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: columns.id.kind: passthrough columns are kept by in-memory runs only (model.trainRows streams the source); use drop: true there');
  });
});
