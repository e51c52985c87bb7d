/**
 * Outputs never destroy inputs (issue 17): every output stays inside the spec's folder or its
 * `outputDir` unless `outputsAnywhere: true`; none lands on the source; no two share a path; a path that
 * cannot be written is a one-line error. `validate` refuses the same and prints where each output goes.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { checkOutputs } from '../src/run/outputs.js';
import { normalizeSpec } from '../src/spec/normalize.js';
import { messages } from '../src/messages.js';

let root: string;
let specDir: string;
const SOURCE = 'id,x,g\n1,1.5,a\n2,2.5,b\n3,,a\n4,4.5,b\n';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthdiff-outputs-'));
  specDir = join(root, 'project');
  await mkdir(specDir);
  await writeFile(join(specDir, 'data.csv'), SOURCE);
  await writeFile(join(root, 'victim.csv'), 'do not overwrite\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A profile-only spec (no model: fast) in the project folder; `extra` lines are appended at the top level. */
async function spec(name: string, outputs: string[], extra = ''): Promise<string> {
  const tasks = outputs.map((o) => `  - { type: profile, output: { path: ${JSON.stringify(o)} } }`).join('\n');
  const path = join(specDir, `${name}.yaml`);
  await writeFile(path, `version: 1\nname: ${name}\nsource: { path: data.csv }\n${extra}tasks:\n${tasks}\n`);
  return path;
}

describe('output paths (issue 17)', () => {
  it('refuses an output outside the spec folder in validate and run, and leaves the file alone', async () => {
    const s = await spec('escape', ['../victim.csv']);
    for (const args of [['validate', s], ['run', s, '-q']]) {
      const r = await runCli(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: ${s}: ${messages.outputOutside('tasks[0].output.path', join(root, 'victim.csv'), specDir)}\n`);
    }
    expect(await readFile(join(root, 'victim.csv'), 'utf8')).toBe('do not overwrite\n');
  });

  it('outputsAnywhere: true opts out; an explicit outputDir moves the fence', async () => {
    const anywhere = await spec('anywhere', ['../out/schema.csv'], 'outputsAnywhere: true\n');
    expect((await runCli('run', anywhere, '-q')).code).toBe(0);
    expect(await readFile(join(root, 'out', 'schema.csv'), 'utf8')).toContain('column');
    const fenced = await spec('fenced', ['../out/ok.csv'], 'outputDir: ../out\n');
    expect((await runCli('validate', fenced)).code).toBe(0);
    const outside = await spec('outside', ['schema.csv'], 'outputDir: ../out\n');
    const r = await runCli('validate', outside);
    expect(r.stderr).toBe(`error: ${outside}: ${messages.outputOutside('tasks[0].output.path', join(specDir, 'schema.csv'), join(root, 'out'))}\n`);
  });

  it('refuses an output through a symbolic link that leaves the folder', async () => {
    await symlink(root, join(specDir, 'up'));
    const s = await spec('link', ['up/victim.csv']);
    const r = await runCli('validate', s);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is outside');
  });

  it('refuses an output onto the source, even with outputsAnywhere', async () => {
    const s = await spec('onto-source', ['data.csv'], 'outputsAnywhere: true\n');
    for (const cmd of ['validate', 'run']) {
      const r = await runCli(cmd, s);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: ${s}: ${messages.outputIsInput('tasks[0].output.path', join(specDir, 'data.csv'), 'source.path')}\n`);
    }
    expect(await readFile(join(specDir, 'data.csv'), 'utf8')).toBe(SOURCE);
  });

  it('refuses two outputs onto one path', async () => {
    const s = await spec('twice', ['out/a.csv', 'out/b.csv', 'out/./a.csv']);
    const r = await runCli('validate', s);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${s}: ${messages.outputTwice('tasks[2].output.path', join(specDir, 'out', 'a.csv'), 'tasks[0].output.path')}\n`);
  });

  it('an output that is a folder, or under a regular file, is a one-line error with exit 1 (was: internal error, exit 70)', async () => {
    await mkdir(join(specDir, 'a-folder.csv'));
    const folder = await spec('folder', ['a-folder.csv']);
    let r = await runCli('run', folder, '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${folder}: ${messages.outputIsFolder('tasks[0].output.path', join(specDir, 'a-folder.csv'))}\n`);
    const under = await spec('under', ['data.csv/schema.csv']);
    r = await runCli('run', under, '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${under}: ${messages.outputUnderFile('tasks[0].output.path', join(specDir, 'data.csv', 'schema.csv'), join(specDir, 'data.csv'))}\n`);
  });

  it('validate prints where every output goes', async () => {
    const s = join(specDir, 'all.yaml');
    await writeFile(
      s,
      'version: 1\nname: all\nsource: { path: data.csv }\nmodel: { checkpoint: out/model }\ntasks:\n' +
        '  - { type: impute, draws: 2, output: { path: out/imputed.csv }, intervals: { path: out/iv.csv } }\nreport: { dir: out, html: false }\n',
    );
    const r = await runCli('validate', s);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').slice(2);
    expect(r.stdout.split('\n')[1]).toBe(`source ${join(specDir, 'data.csv')}: 3 columns, every column the spec names is there`);
    expect(lines[0]).toBe(`writes (inside ${specDir}):`);
    expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['tasks[0].output.path', join(specDir, 'out', 'imputed.csv')],
      ['tasks[0].intervals.path', join(specDir, 'out', 'iv.csv')],
      ['model.checkpoint', `${join(specDir, 'out', 'model')}/`],
      ['report.dir', `${join(specDir, 'out')}/`],
      ['report.dir (report.json)', join(specDir, 'out', 'report.json')],
    ]);
  });

  it('a spec built in code with no file is fenced only by an explicit outputDir', () => {
    const base = { version: 1 as const, name: 'c', source: { path: join(specDir, 'data.csv') }, tasks: [{ type: 'profile' as const, output: { path: join(root, 'elsewhere.csv') } }] };
    expect(checkOutputs(normalizeSpec(base)).map((t) => t.path)).toEqual([join(root, 'elsewhere.csv')]);
    expect(() => checkOutputs(normalizeSpec({ ...base, outputDir: specDir }))).toThrow('is outside');
  });

  it('an image task writing into its DICOM source folder, or around it, is refused', () => {
    const image = (output: string) =>
      normalizeSpec({ version: 1, name: 'i', source: { path: 'dcm', format: 'dicom' }, tasks: [{ type: 'deidentify', output: { path: output } }], report: { dir: 'report' } }, join(specDir, 'img.yaml'));
    expect(() => checkOutputs(image('dcm/deidentified'))).toThrow(messages.outputIsInput('tasks[0].output.path', join(specDir, 'dcm', 'deidentified'), 'source.path'));
    expect(() => checkOutputs(image('.'))).toThrow(messages.outputIsInput('tasks[0].output.path', specDir, 'source.path'));
    expect(checkOutputs(image('deidentified')).map((t) => t.what)).toContain('tasks[0].output.path');
  });
});
