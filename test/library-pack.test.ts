/**
 * The published package, as a user gets it: build into a staging folder, `npm pack` it, install the
 * tarball into a fresh ESM project and use it through `import 'synthdiff'` — offline: the project's
 * node_modules holds the extracted tarball and links to this repo's copies of exactly the packed
 * package.json's `dependencies` (no dev dependencies, no optional DICOM peers), so the test also proves
 * that a tabular user needs nothing else.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DICOM_PACKAGES, dicomInstallCommand } from '../src/io/dicom/packages.js';

const ROOT = resolve('.');
/** Backends the ladder probes by dynamic import when the user installs them (README, "GPU"). */
const OPT_IN = ['webgpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

interface PackedFile {
  path: string;
  size: number;
}
interface Manifest {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
}

let tmp: string;
let files: PackedFile[];
let tarball: { size: number; unpackedSize: number };
let app: string;
let manifest: Manifest;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'synthdiff-pack-'));
  const stage = join(tmp, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'schemas', 'native', 'scripts/build-native.mjs']) if (existsSync(f)) cpSync(f, join(stage, f), { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], { stdio: 'pipe' });
  // --ignore-scripts: prepack would rebuild into the repo's dist/.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--offline', '--pack-destination', tmp], { cwd: stage, encoding: 'utf8' });
  const [info] = JSON.parse(out) as [{ filename: string; files: PackedFile[]; size: number; unpackedSize: number }];
  files = info.files;
  tarball = info;
  app = join(tmp, 'app');
  const modules = join(app, 'node_modules');
  mkdirSync(modules, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync('tar', ['xzf', join(tmp, info.filename), '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'synthdiff'));
  manifest = JSON.parse(readFileSync(join(modules, 'synthdiff/package.json'), 'utf8')) as Manifest;
  for (const dep of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir');
  }
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships dist (no source maps), the schema, package.json, README and the native addon\'s source and build script only', () => {
    const outside = files.map((f) => f.path).filter((p) => !/^(dist\/.*\.(js|d\.ts)|schemas\/[^/]+\.json|package\.json|README\.md|LICENSE|native\/blas\.c|scripts\/build-native\.mjs)$/.test(p));
    expect(outside).toEqual([]);
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'schemas/pipeline.schema.json']));
    console.log(`npm pack: ${files.length} files, ${(tarball.size / 1e6).toFixed(2)} MB packed, ${(tarball.unpackedSize / 1e6).toFixed(2)} MB unpacked`);
  });

  it('depends on exactly the packages dist/ imports; @tensorflow pinned to 4.22.0; DICOM packages are optional peers', () => {
    const deps = manifest.dependencies;
    expect(Object.keys(deps).filter((d) => d.startsWith('@tensorflow/')).sort()).toEqual(['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-core']);
    for (const [d, v] of Object.entries({ ...deps, ...manifest.peerDependencies })) if (d.startsWith('@tensorflow/')) expect(v, d).toBe('4.22.0');
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(manifest.peerDependencies).toEqual(DICOM_PACKAGES);
    expect(Object.values(manifest.peerDependenciesMeta).every((m) => m.optional)).toBe(true);
    // Every bare specifier in the shipped JavaScript, static or dynamic, with its package name.
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.js')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+|\brequire\(|createRequire\(import\.meta\.url\)\()'([^'./][^']*)'/gm)) {
            const spec = m[1]!;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk(join(app, 'node_modules/synthdiff/dist'));
    const external = [...imported].filter((p) => !p.startsWith('node:') && !builtinModules.includes(p) && p !== 'synthdiff').sort();
    // tryImport(pkg) in backend/index.ts takes its package names as arguments: the opt-in backends.
    const declared = new Set([...Object.keys(deps), ...Object.keys(manifest.peerDependencies), ...OPT_IN]);
    expect(external.filter((p) => !declared.has(p))).toEqual([]);
    expect(Object.keys(deps).filter((d) => !imported.has(d) && d !== '@tensorflow/tfjs-backend-wasm' && d !== '@tensorflow/tfjs-backend-cpu')).toEqual([]);
  });
});

describe("import 'synthdiff' from a fresh ESM project", () => {
  it('fits, samples and imputes a real table; observed cells stay; DICOM pipelines name the missing packages', () => {
    const fixture = join(ROOT, 'fixtures/tables/mice__nhanes.csv');
    writeFileSync(
      join(app, 'main.mjs'),
      `
import { TabularDiffusion, readTable, tableToRecords, missingCount, isMissing, cellValue, evaluate, renderReportHtml, runPipeline, DicomError } from 'synthdiff';
const { table } = await readTable(${JSON.stringify(fixture)}, { log: { info() {} } });
const model = await TabularDiffusion.fit(table, { seed: 1, steps: 60, width: 32, depth: 2 });
const synthetic = await model.sample(50, { samplerSteps: 8 });
const { table: completed, draws } = await model.impute(table, { draws: 2, samplerSteps: 8 });
let changed = 0;
for (const t of [completed, ...draws])
  table.columns.forEach((c, j) => { for (let i = 0; i < table.nRows; i++) if (!isMissing(c, i) && cellValue(t.columns[j], i) !== cellValue(c, i)) changed++; });
const report = await evaluate({ real: table, synthetic });
let dicom;
try { await runPipeline(${JSON.stringify(join(ROOT, 'pipelines/brain-mr.yaml'))}); } catch (e) { dicom = { dicomError: e instanceof DicomError, message: e.message }; }
console.log(JSON.stringify({
  backend: model.backend.name,
  sample: [synthetic.nRows, synthetic.columns.map((c) => c.name)],
  imputed: [completed.nRows, completed.columns.map(missingCount), draws.length, changed],
  records: tableToRecords(completed).length,
  html: renderReportHtml(report).startsWith('<!DOCTYPE html>'),
  fidelity: typeof report.evaluation?.fidelity?.quality,
  dicom,
}));
`,
    );
    const out = execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8', env: { ...process.env, SYNTHDIFF_THREADS: '1' }, timeout: 60_000 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(r).toEqual({
      backend: 'wasm',
      sample: [50, ['age', 'bmi', 'hyp', 'chl']],
      imputed: [25, [0, 0, 0, 0], 2, 0],
      records: 25,
      html: true,
      fidelity: 'number',
      dicom: { dicomError: true, message: `dcmjs is not installed; DICOM pipelines need the optional DICOM packages: ${dicomInstallCommand()}` },
    });
  }, 60_000);
});
