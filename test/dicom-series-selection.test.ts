import { runSpec } from './helpers/cli.js';
import { copyFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomSeries } from '../src/io/dicom/index.js';
import { selectSeries } from '../src/io/dicom/series.js';
import type { ImageRunReport } from '../src/report/model.js';

/** Issue 16: which series of a folder a pipeline uses, from the spec (`source.series`). */
const FIX = fileURLToPath(new URL('../fixtures/dicom/', import.meta.url));

let work: string;
let src: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'synthdiff-series-'));
  src = join(work, 'src');
  await mkdir(src);
  for (const f of ['brain_001.dcm', 'brain_002.dcm', 'brain_003.dcm']) copyFileSync(join(FIX, 'brain-mr', f), join(src, f));
  copyFileSync(join(FIX, 'CT_small.dcm'), join(src, 'ct.dcm'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const run = (spec: object) => runSpec(work, spec);

describe('source.series', () => {
  it('selectSeries keeps the series matching every key given', async () => {
    const list = await readDicomSeries(src);
    expect(list.map((s) => s.modality).sort()).toEqual(['CT', 'MR']);
    const mr = list.find((s) => s.modality === 'MR')!;
    expect(selectSeries(list, { modality: ['mr'] }).selected.map((s) => s.seriesUid)).toEqual([mr.seriesUid]);
    expect(selectSeries(list, { uid: [mr.seriesUid], modality: ['CT'] }).selected).toHaveLength(0);
    expect(selectSeries(list, { description: /^$/ }).selected.length + selectSeries(list, { description: /^$/ }).dropped.length).toBe(2);
  });

  it('a pipeline de-identifies only the selected series and names the ones left out', async () => {
    const out = join(work, 'ct-only');
    const { code, stderr } = await run({ version: 1, name: 's', source: { format: 'dicom', path: src, series: { modality: ['CT'] } }, tasks: [{ type: 'deidentify', output: { path: join(out, 'files') } }], report: { dir: out } });
    expect(code, stderr).toBe(0);
    expect((await readdir(join(out, 'files'))).filter((f) => f.endsWith('.dcm'))).toHaveLength(1);
    const report: ImageRunReport = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.data).toMatchObject({ series: 1, files: 1, modality: 'CT' });
    expect(stderr).toMatch(/source\.series: left out series [\d.]+ MR /);
  });

  it('no matching series is a one-line error listing what the folder has; a bad pattern and a table source are spec errors', async () => {
    const spec = (series: object, format = 'dicom') => ({ version: 1, name: 's', source: { format, path: src, series }, tasks: [{ type: 'deidentify', output: { path: join(work, 'none') } }] });
    const none = await run(spec({ modality: ['US'] }));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(new RegExp(`${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no series matches source\\.series \\(found: [\\d.]+ (CT|MR) ".*" \\(\\d+\\); `));
    const bad = await run(spec({ description: '([' }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('source.series.description: "([" is not a regular expression');
    const table = await run({ version: 1, name: 't', source: { path: join(work, 'x.csv'), series: { modality: ['MR'] } } });
    expect(table.code).toBe(1);
    expect(table.stderr).toContain(`source.series: ${join(work, 'x.csv')} is a table; series selection is for DICOM sources (source.format: dicom)`);
  });
});
