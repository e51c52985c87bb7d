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
    // A DICOM folder may hold the spec file (only the file itself is an input that must not be written).
    const beside = normalizeSpec({ version: 1, name: 'i', source: { path: '../dcm', format: 'dicom' }, outputsAnywhere: true, tasks: [{ type: 'deidentify', output: { path: '.' } }] }, join(specDir, 'img.yaml'));
    expect(checkOutputs(beside).map((t) => t.path)).toEqual([specDir]);
  });

  it('an output onto the spec file itself is refused', async () => {
    const s = await spec('self', ['self.yaml'], 'outputsAnywhere: true\n');
    const before = await readFile(s, 'utf8');
    expect(await runCli('run', s, '-q')).toMatchObject({ code: 1, stderr: `error: ${s}: ${messages.outputIsInput('tasks[0].output.path', s, 'the spec file')}\n` });
    expect(await readFile(s, 'utf8')).toBe(before);
  });
});

describe('outputs named on the command line (issue 17)', () => {
  const tables = async () => {
    const real = join(root, 'real.csv'), synth = join(root, 'synth.csv');
    await writeFile(real, 'x,g\n' + Array.from({ length: 40 }, (_, i) => `${i % 7},${'ab'[i % 2]}`).join('\n') + '\n');
    await writeFile(synth, 'x,g\n' + Array.from({ length: 40 }, (_, i) => `${(i * 3) % 7},${'ab'[(i >> 1) % 2]}`).join('\n') + '\n');
    return { real, synth };
  };

  it('evaluate --out stays inside the working directory unless --outputs-anywhere, and never onto an input', async () => {
    const { real, synth } = await tables();
    const out = join(root, 'eval');
    const outside = await runCli('evaluate', '--real', real, '--synthetic', synth, '--out', out, '-q');
    expect(outside).toMatchObject({ code: 1, stdout: '', stderr: `error: ${messages.cliOutputOutside('--out', out, process.cwd())}\n` });
    expect(outside.stderr).toBe(`error: --out: ${out} is outside the working directory ${process.cwd()} (write inside it, or pass --outputs-anywhere)\n`);
    await expect(readFile(join(out, 'report.json'))).rejects.toThrow(/ENOENT/);

    // Onto an input, or under one (a file): refused whatever the fence.
    expect(await runCli('evaluate', '--real', real, '--synthetic', synth, '--out', synth, '--outputs-anywhere', '-q')).toMatchObject({
      code: 1,
      stderr: `error: --out: ${synth} is --synthetic; writing it would overwrite the input (choose another output path)\n`,
    });
    expect(await runCli('evaluate', '--real', real, '--synthetic', synth, '--out', join(real, 'eval'), '--outputs-anywhere', '-q')).toMatchObject({
      code: 1,
      stderr: `error: --out: ${join(real, 'eval')} cannot be written: ${real} is a file, not a folder\n`,
    });
    expect((await readFile(real, 'utf8')).startsWith('x,g\n')).toBe(true);

    const ok = await runCli('evaluate', '--real', real, '--synthetic', synth, '--out', out, '--outputs-anywhere', '-q');
    expect(ok.code).toBe(0);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))).toHaveProperty('evaluation');
  }, 60_000);

  /** A spec slurm accepts: a checkpoint and a generate task, in the project folder. */
  async function shardable(name: string, extra = '', source = 'data.csv'): Promise<string> {
    const path = join(specDir, `${name}.yaml`);
    await writeFile(path, `version: 1\nname: ${name}\nsource: { path: ${source}, format: csv }\n${extra}model: { checkpoint: ${name}-model }\ntasks:\n  - { type: generate, rows: 4, output: { path: ${name}.csv } }\n`);
    return path;
  }

  it('slurm --dir is fenced like the spec\'s outputs and never lands on an input', async () => {
    const s = await shardable('sl');
    const away = join(root, 'jobs');
    const r = await runCli('slurm', s, '--shards', '2', '--dir', away, '-q');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`error: ${s}: ${messages.outputOutside('--dir (slurm/)', join(away, 'slurm'), specDir)}\n`);
    await expect(readFile(join(away, 'slurm', 'train.sbatch'))).rejects.toThrow(/ENOENT/);

    // Inside the spec's folder it is written.
    const inside = join(specDir, 'jobs');
    expect((await runCli('slurm', s, '--shards', '2', '--dir', inside, '-q')).code).toBe(0);
    expect(await readFile(join(inside, 'slurm', 'train.sbatch'), 'utf8')).toContain('--train-only');

    // outputsAnywhere: true lifts the fence for the job folder too.
    const free = await shardable('free', 'outputsAnywhere: true\n');
    expect((await runCli('slurm', free, '--shards', '2', '--dir', away, '-q')).code).toBe(0);

    // A job file onto the source: refused before anything is written.
    await mkdir(join(specDir, 'run', 'slurm'), { recursive: true });
    await writeFile(join(specDir, 'run', 'slurm', 'manifest.json'), SOURCE);
    const onto = await shardable('onto', '', 'run/slurm/manifest.json');
    expect(await runCli('slurm', onto, '--shards', '2', '--dir', join(specDir, 'run'), '-q')).toMatchObject({
      code: 1,
      stderr: `error: ${onto}: ${messages.outputIsInput('--dir (slurm/manifest.json)', join(specDir, 'run', 'slurm', 'manifest.json'), 'source.path')}\n`,
    });
    expect(await readFile(join(specDir, 'run', 'slurm', 'manifest.json'), 'utf8')).toBe(SOURCE);
    await expect(readFile(join(specDir, 'run', 'slurm', 'train.sbatch'))).rejects.toThrow(/ENOENT/);
  });
});
