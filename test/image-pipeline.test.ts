import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { readDicomSeries } from '../src/io/dicom/index.js';
import { readNifti } from '../src/io/nifti.js';
import { newUid } from '../src/io/dicom/uid.js';
import { writeSyntheticDicom } from '../src/io/dicom/write.js';
import { splitSlices } from '../src/run/image/labels.js';
import { heldOutVerdict } from '../src/run/image/run.js';
import { createRng } from '../src/rng.js';
import { decodePng } from './helpers/png-decode.js';
import { dciodvfy, dcmftest, HAVE_DCMTK, HAVE_DICOM3TOOLS, skipNote } from './helpers/dicom-validators.js';
import type { ImageRunReport } from '../src/report/model.js';

const BRAIN = resolve(import.meta.dirname, '../fixtures/dicom/brain-mr');

let dir: string;
let stderr = '';

async function run(spec: object): Promise<number> {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(spec));
  stderr = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return await main(['run', path]);
  } finally {
    e.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-image-pipeline-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A tiny, fast configuration of the brain pipeline (the real one is pipelines/brain-mr.yaml). */
function brainSpec(out: string): object {
  return {
    version: 1,
    name: 'brain-tiny',
    seed: 3,
    source: { format: 'dicom', path: BRAIN },
    split: { holdout: 0.2 },
    model: { backend: 'wasm', imageSize: 32, width: 8, steps: 40, batchSize: 8, samplerSteps: 6, flip: true, checkpoint: join(out, 'model') },
    tasks: [
      { type: 'synthesize', count: 4, output: { path: join(out, 'synthetic'), format: 'dicom' } },
      { type: 'deidentify', output: { path: join(out, 'deidentified') } },
      { type: 'synthesize', count: 4, output: { path: join(out, 'synthetic.nii.gz') } },
    ],
    evaluate: { memorization: true },
    report: { dir: out },
  };
}

describe('image pipeline on the brain MR series', () => {
  let out: string;
  let report: ImageRunReport;
  const sourceIds: string[] = [];

  beforeAll(async () => {
    out = join(dir, 'brain');
    const code = await run(brainSpec(out));
    expect(code, stderr).toBe(0);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    const source = await readDicomSeries(BRAIN, { pixels: false });
    for (const im of source[0]!.images) {
      sourceIds.push(im.meta.SOPInstanceUID!, im.meta.StudyInstanceUID!, im.meta.SeriesInstanceUID!);
    }
    // Patient ID and other identifying values of this series (Patient Name is empty in it).
    sourceIds.push(source[0]!.images[0]!.tag('(0010,0020)')!, 'MRS1', '20010316');
    expect(sourceIds).toContain('123565');
  });

  it('writes N synthetic slices that our reader reads back as one MR series at the model resolution', async () => {
    const series = await readDicomSeries(join(out, 'synthetic'));
    expect(series).toHaveLength(1);
    const images = series[0]!.images;
    expect(images.map((i) => i.meta.InstanceNumber)).toEqual([1, 2, 3, 4]);
    expect(new Set(images.map((i) => i.meta.StudyInstanceUID)).size).toBe(1);
    for (const im of images) {
      expect(im.meta).toMatchObject({ Modality: 'MR', Rows: 32, Columns: 32, SOPClassUID: '1.2.840.10008.5.1.4.1.1.7' });
      // 0.859375 mm at 256 px → ×8 at 32 px.
      expect(im.meta.PixelSpacing).toEqual([6.875, 6.875]);
      const v = im.frames[0]!.modality();
      const [lo, hi] = report.images!.window;
      expect(Math.min(...v)).toBeGreaterThanOrEqual(Math.floor(lo));
      expect(Math.max(...v)).toBeLessThanOrEqual(Math.ceil(hi));
    }
    expect(report.tasks[0]).toMatchObject({ type: 'synthesize', files: 4, count: 4 });
  });

  it('writes a synthetic series that stacks into a volume: one frame of reference, positions equally spaced along the normal over the source extent', async () => {
    const [series] = await readDicomSeries(join(out, 'synthetic'));
    expect(series!.orderedBy).toBe('position');
    const images = series!.images;
    const [source] = await readDicomSeries(BRAIN, { pixels: false });
    const orientation = source!.images[0]!.meta.ImageOrientationPatient!;
    const [r0, r1, r2, c0, c1, c2] = orientation;
    const n = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
    const along = (p: readonly number[]) => p[0]! * n[0]! + p[1]! * n[1]! + p[2]! * n[2]!;
    // Position order is InstanceNumber order, and the tags agree with each other.
    expect(images.map((i) => i.meta.InstanceNumber)).toEqual([1, 2, 3, 4]);
    expect(new Set(images.map((i) => i.tag('(0020,0052)'))).size).toBe(1);
    expect(images[0]!.tag('(0020,0052)')).toMatch(/^2\.25\.\d+$/);
    expect(images[0]!.tag('(0020,0052)')).not.toBe(source!.images[0]!.tag('(0020,0052)'));
    const d = images.map((i) => along(i.meta.ImagePositionPatient!));
    for (const im of images) {
      expect(im.meta.ImageOrientationPatient).toEqual(orientation);
      expect(Number(im.tag('(0020,1041)'))).toBeCloseTo(along(im.meta.ImagePositionPatient!), 3);
    }
    const steps = d.slice(1).map((v, i) => v - d[i]!);
    for (const s of steps) expect(s).toBeCloseTo(steps[0]!, 3);
    expect(steps[0]!).toBeGreaterThan(0);
    // Spanning the source slices along the normal, first to last.
    const sd = source!.images.map((i) => along(i.meta.ImagePositionPatient!));
    expect(d[0]!).toBeCloseTo(Math.min(...sd), 3);
    expect(d.at(-1)!).toBeCloseTo(Math.max(...sd), 3);
    // In plane: the centre of the first 32² pixel (8×8 source pixels) is 3.5 source pixels in along both directions.
    const p0 = source!.images.find((i) => along(i.meta.ImagePositionPatient!) === Math.min(...sd))!.meta.ImagePositionPatient!;
    const [rs, cs] = source!.images[0]!.meta.PixelSpacing!;
    for (let k = 0; k < 3; k++) {
      const inPlane = images[0]!.meta.ImagePositionPatient![k]! - p0[k]!;
      expect(inPlane).toBeCloseTo(3.5 * cs * orientation[k]! + 3.5 * rs * orientation[3 + k]!, 3);
    }
  });

  it('writes a synthetic NIfTI volume with the synthetic DICOM series\' geometry (RAS affine) and voxel values', async () => {
    const vol = await readNifti(join(out, 'synthetic.nii.gz'));
    expect(report.tasks[2]).toMatchObject({ type: 'synthesize', files: 1, count: 4 });
    expect(vol.dims).toEqual([32, 32, 4]);
    expect(vol.affineSource).toBe('sform');
    const [series] = await readDicomSeries(join(out, 'synthetic'));
    const dicom = series!.images.map((i) => i.meta);
    const step = Math.hypot(...[0, 1, 2].map((k) => dicom[1]!.ImagePositionPatient![k]! - dicom[0]!.ImagePositionPatient![k]!));
    expect(vol.pixdim[0]).toBeCloseTo(6.875, 4);
    expect(vol.pixdim[1]).toBeCloseTo(6.875, 4);
    expect(vol.pixdim[2]).toBeCloseTo(step, 3);
    // Voxel (i, j, k) of the volume is where pixel (row j, column i) of synthetic file k lies: LPS → RAS.
    const world = (i: number, j: number, k: number) => vol.affine.slice(0, 3).map((r) => r[0]! * i + r[1]! * j + r[2]! * k + r[3]!);
    for (const [i, j, k] of [[0, 0, 0], [31, 0, 3], [5, 17, 2]] as const) {
      const m = dicom[k]!;
      const [r0, r1, r2, c0, c1, c2] = m.ImageOrientationPatient!;
      const [dr, dc] = m.PixelSpacing!;
      const lps = [0, 1, 2].map((a) => m.ImagePositionPatient![a]! + i * dc * [r0, r1, r2][a]! + j * dr * [c0, c1, c2][a]!);
      const ras = world(i, j, k);
      expect(ras[0]!).toBeCloseTo(-lps[0]!, 2);
      expect(ras[1]!).toBeCloseTo(-lps[1]!, 2);
      expect(ras[2]!).toBeCloseTo(lps[2]!, 2);
    }
    const [lo, hi] = report.images!.window;
    expect(Math.min(...vol.data)).toBeGreaterThanOrEqual(Math.floor(lo));
    expect(Math.max(...vol.data)).toBeLessThanOrEqual(Math.ceil(hi));
  });

  it(`synthetic files pass dciodvfy with 0 errors and dcmftest${skipNote('dicom3tools/dcmtk', HAVE_DICOM3TOOLS && HAVE_DCMTK)}`, async () => {
    const files = (await readdir(join(out, 'synthetic'))).map((f) => join(out, 'synthetic', f));
    expect(files).toHaveLength(4);
    if (HAVE_DICOM3TOOLS) for (const f of files) expect(dciodvfy(f).errors, f).toEqual([]);
    if (HAVE_DCMTK) for (const f of files) expect(dcmftest(f).ok, f).toBe(true);
  });

  it('carries no identifier of the source in any output byte (synthetic and de-identified)', async () => {
    for (const sub of ['synthetic', 'deidentified']) {
      const files = await readdir(join(out, sub));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const text = (await readFile(join(out, sub, f))).toString('latin1');
        for (const id of sourceIds) expect(text.includes(id), `${sub}/${f} contains ${id}`).toBe(false);
      }
    }
    expect(report.tasks[1]).toMatchObject({ type: 'deidentify', files: 20 });
    // The report names no source UID or patient either.
    const json = await readFile(join(out, 'report.json'), 'utf8');
    for (const id of sourceIds) expect(json.includes(id)).toBe(false);
  });

  it('reports the memorization check with its calibration and positive control, and image thumbnails', () => {
    const img = report.images!;
    expect(img.slices).toEqual({ total: 20, train: 16, holdout: 4 });
    const mz = img.memorization;
    expect(mz.calibration.holdoutNearest).toHaveLength(4);
    expect(mz.positiveControl.flagged).toBe(true);
    expect(mz.synthetic.nearest).toHaveLength(4);
    expect(mz.synthetic.max).toBeLessThanOrEqual(mz.threshold);
    expect(img.export.blocked).toBe(false);
    expect(img.histogram.real).toHaveLength(img.histogram.edges.length - 1);
    // Synthetic intensities are mapped onto the training pixels' distribution (air at the window's floor
    // included), so the histograms agree even after a short training run.
    expect(img.intensityMatch).toBe('training quantiles, floor by 3×3 box means');
    expect(img.histogram.overlap).toBeGreaterThan(0.97);
    // Image C2ST against the training slices, for the 4 synthetic slices and, as the baseline, the 4 held-out ones.
    expect(img.detection!.synthetic.slicesPerClass).toBe(4);
    expect(img.detection!.heldOutReal!.slicesPerClass).toBe(4);
    for (const d of [img.detection!.synthetic, img.detection!.heldOutReal!]) expect(d.score).toBeGreaterThanOrEqual(0);
    // KID beside it, on the same features: synthetic and held-out slices each against the training slices.
    expect(img.kid!.synthetic).toMatchObject({ subsetSize: 4, features: 74 });
    expect(img.kid!.heldOutReal!.subsetSize).toBe(4);
    for (const k of [img.kid!.synthetic, img.kid!.heldOutReal!]) expect(Number.isFinite(k.kid)).toBe(true);
    // The same two tests with CNNs trained in the run (evaluate/image-cnn.ts), beside the forest ones.
    const cnn = img.cnnDetection!;
    expect(cnn.synthetic).toMatchObject({ slicesPerClass: 4, steps: 150 });
    expect(cnn.heldOutReal!.slicesPerClass).toBe(4);
    for (const d of [cnn.synthetic, cnn.heldOutReal!]) {
      expect(d.definition).toMatch(/^CNN C2ST: /);
      expect(d.foldAucs).toHaveLength(3);
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
    }
    expect(img.cnnKid!.synthetic).toMatchObject({ subsetSize: 4, features: 32 });
    expect(img.cnnKid!.heldOutReal!.subsetSize).toBe(4);
    for (const k of [img.cnnKid!.synthetic, img.cnnKid!.heldOutReal!]) {
      expect(k.definition).toMatch(/rotation/);
      expect(Number.isFinite(k.kid)).toBe(true);
      expect(k.pretextAccuracy).toBeGreaterThan(0.5);
    }
    // Diversity by MS-SSIM: 4 synthetic slices (6 pairs), 4 held-out (6), 16 training (120); 2 scales at 32².
    const ms = img.msSsim!;
    expect([ms.synthetic.pairs, ms.heldOutReal!.pairs, ms.train!.pairs]).toEqual([6, 6, 120]);
    for (const d of [ms.synthetic, ms.heldOutReal!, ms.train!]) {
      expect(d.scales).toBe(2);
      expect(d.mean).toBeGreaterThan(0);
      expect(d.mean).toBeLessThan(1);
    }
    expect(img.grid.real.length).toBe(8);
    expect(img.grid.synthetic.length).toBe(4);
    const png = decodePng(Buffer.from(img.grid.synthetic[0]!.pngBase64, 'base64'));
    expect([png.width, png.height]).toEqual([32, 32]);
    expect(report.model).toMatchObject({ channels: [8, 16, 32, 32], steps: 40, imageSize: 32 });
    // The held-out loss every tenth of the steps; its last point is the reported held-out loss.
    const curve = report.model!.holdoutLossCurve as [number, number][];
    expect(curve.map(([step]) => step)).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
    expect(curve.at(-1)![1]).toBe(report.model!.holdoutLoss);
    expect(report.model!.holdoutLossLowestAt).toBe(curve.reduce((b, p) => (p[1] < b[1] ? p : b))[0]);
    // The brain series has one geometry: by default the model conditions on slice position.
    expect(report.model!.condition).toMatch(/^slice position/);
    expect(report.backend?.name).toBe('wasm');
  });

  it('renders report.html with the image grids and memorization figures', async () => {
    const page = await readFile(join(out, 'report.html'), 'utf8');
    expect(page).toContain('<section id="images">');
    expect(page.match(/href="data:image\/png;base64,/g)?.length).toBe(8 + 4 + 4);
    expect(page).toContain('Near-copy threshold');
    expect(page).toContain('Diversity (mean pairwise MS-SSIM; 1 = all alike)');
    expect(page).toContain('Image CNN C2ST vs training (score, AUC)');
    expect(page).toContain('Image KID on CNN features vs training (± sd over subsets)');
    expect(page).toContain('Export allowed');
    // Beside the privacy gate, whether the slices look real, from the C2STs against held-out real slices.
    expect(page).toMatch(/<strong>Fidelity:<\/strong> (not yet realistic|synthetic slices are no easier)/);
    // The held-out loss through training, summarised with where it was lowest.
    expect(page).toMatch(/<dt>Held-out loss curve<\/dt><dd>[0-9.]+ at 4, [^<]*; lowest \([0-9.]+\) at step \d+<\/dd>/);
    expect(page).not.toContain('Could not render');
    const overview = decodePng(await readFile(join(out, 'images.png')));
    expect(overview.width).toBe(8 * 32 + 7 * 2);
  });

  it('reloads the checkpoint instead of training', async () => {
    const out2 = join(dir, 'brain-reload');
    const spec = brainSpec(out2) as { model: Record<string, unknown>; tasks: unknown[] };
    spec.model = { backend: 'wasm', load: join(out, 'model'), samplerSteps: 6 };
    spec.tasks = [spec.tasks[0]];
    expect(await run(spec), stderr).toBe(0);
    const r: ImageRunReport = JSON.parse(await readFile(join(out2, 'report.json'), 'utf8'));
    expect(r.model).toMatchObject({ steps: 40 });
    expect(r.model!.stepsPerSecond).toBeUndefined(); // not trained in this run
    expect(r.images!.window).toEqual(report.images!.window);
  });

  it('reloads the checkpoint in a fresh process (the backend starts before the checkpoint\'s tensors are made)', async () => {
    const out3 = join(dir, 'brain-reload-fresh');
    const spec = brainSpec(out3) as { model: Record<string, unknown>; tasks: unknown[] };
    spec.model = { backend: 'wasm', load: join(out, 'model'), samplerSteps: 6 };
    spec.tasks = [spec.tasks[0]];
    const path = join(dir, 'reload-fresh.json');
    await writeFile(path, JSON.stringify(spec));
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../src/cli/main.ts'), 'run', path, '--quiet'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(out3, 'report.json'), 'utf8')).model).toMatchObject({ steps: 40 });
  });
});

describe('de-identification only', () => {
  it('needs no model: no backend, no training, 20 de-identified files', async () => {
    const out = join(dir, 'deid-only');
    const code = await run({ version: 1, name: 'deid', source: { format: 'dicom', path: BRAIN }, tasks: [{ type: 'deidentify', output: { path: join(out, 'files') } }], report: { dir: out } });
    expect(code, stderr).toBe(0);
    const r: ImageRunReport = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(r.model).toBeUndefined();
    expect(r.backend).toBeUndefined();
    expect(r.images).toBeUndefined();
    expect(r.data).toMatchObject({ slices: 20, trainSlices: 20, holdoutSlices: 0 });
    expect((await readdir(join(out, 'files'))).filter((f) => f.endsWith('.dcm'))).toHaveLength(20);
  });
});

describe('export gate', () => {
  it('blocks export, writes the report and exits 1 when synthetic images are near-copies', async () => {
    // Training slices all show one pattern and held-out slices a different one, so whatever the model
    // learns is far closer to a training slice than any held-out slice is: every sample is a near-copy.
    const n = 10, size = 16;
    const src = join(dir, 'copies-src');
    const { holdout } = splitSlices(n, 0.2, 5);
    const rng = createRng(1);
    const study = newUid(), series = newUid();
    for (let i = 0; i < n; i++) {
      const pixels = new Uint16Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const pattern = holdout.includes(i) ? (x + y) % 4 < 2 : (x - 8) ** 2 + (y - 8) ** 2 < 30;
          pixels[y * size + x] = (pattern ? 800 : 50) + Math.round(rng.next() * 10);
        }
      }
      await writeSyntheticDicom(join(src, `s${i}.dcm`), { rows: size, columns: size, pixels, bitsStored: 16, pixelRepresentation: 0 }, { modality: 'OT', seriesDescription: 'gate test', instanceNumber: i + 1, studyInstanceUid: study, seriesInstanceUid: series });
    }
    const out = join(dir, 'copies');
    const code = await run({
      version: 1,
      name: 'gate',
      seed: 5,
      source: { format: 'dicom', path: src },
      split: { holdout: 0.2 },
      model: { backend: 'wasm', imageSize: size, width: 8, steps: 60, samplerSteps: 6 },
      tasks: [{ type: 'synthesize', count: 8, output: { path: join(out, 'synthetic') } }],
      report: { dir: out },
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: synthetic DICOM not written: tasks\[0\] synthesize: \d+ of 8 synthetic images .* near-copies/);
    expect(await readdir(join(out, 'synthetic')).catch(() => [])).toEqual([]);
    const r: ImageRunReport = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(r.images!.export.blocked).toBe(true);
    expect(r.images!.memorization.positiveControl.flagged).toBe(true);
    expect(r.tasks[0]).toMatchObject({ files: 0 });
  });
});

/** `n` 8×8 slices of one series without geometry (no Image Position/Orientation) in a new folder under `dir`. */
async function writeTinySeries(name: string, n: number): Promise<string> {
  const src = join(dir, name);
  const study = newUid(), series = newUid();
  for (let i = 0; i < n; i++) {
    const pixels = Uint16Array.from({ length: 64 }, (_, k) => (k * (i + 1)) % 500);
    await writeSyntheticDicom(join(src, `s${i}.dcm`), { rows: 8, columns: 8, pixels, bitsStored: 16, pixelRepresentation: 0 }, { modality: 'OT', seriesDescription: name, instanceNumber: i + 1, studyInstanceUid: study, seriesInstanceUid: series });
  }
  return src;
}

describe('the smallest image size', () => {
  it('model.imageSize 8 runs to the end: MS-SSIM diversity (11×11 windows) is left out of the report, not a crash', async () => {
    const src = await writeTinySeries('size-8', 6);
    const out = join(dir, 'size-8-out');
    const code = await run({
      version: 1,
      name: 'size-8',
      source: { format: 'dicom', path: src },
      split: { holdout: 0.34 },
      model: { backend: 'wasm', imageSize: 8, width: 4, steps: 2, samplerSteps: 2 },
      tasks: [{ type: 'synthesize', count: 2, output: { path: join(out, 'synthetic') } }],
      report: { dir: out },
    });
    expect(stderr).not.toContain('internal error');
    expect(code).toBe(0);
    const r: ImageRunReport = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(r.images!.msSsim).toBeUndefined();
    expect(r.images!.kid).toBeDefined();
    expect(r.images!.cnnKid).toBeDefined();
  });
});

describe('slice-position conditioning', () => {
  it('model.slicePosition: true on slices without a shared geometry stops with one line', async () => {
    const src = await writeTinySeries('no-geometry', 4);
    const code = await run({
      version: 1,
      name: 'no-geometry',
      source: { format: 'dicom', path: src },
      split: { holdout: 0.25 },
      model: { backend: 'wasm', imageSize: 8, width: 4, steps: 2, slicePosition: true },
      tasks: [{ type: 'synthesize', count: 2, output: { path: join(dir, 'no-geometry-out') } }],
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `error: ${src}: model.slicePosition: true conditions on slice position, but these slices carry no common geometry (Image Position and Orientation (Patient) in every slice, one orientation, more than one position); set model.slicePosition: false\n`,
    );
  });
});

describe('image training: periodic checkpoints and resume (issue 17)', () => {
  it('saves while training and resume: true continues from model.checkpoint', async () => {
    const out = join(dir, 'resume');
    const spec = (steps: number, resume: boolean) => ({
      version: 1,
      name: 'brain-resume',
      seed: 3,
      source: { format: 'dicom', path: BRAIN },
      model: { backend: 'wasm', imageSize: 16, width: 8, steps, batchSize: 4, checkpoint: join(out, 'model'), checkpointEvery: 0.00001, resume },
      evaluate: { memorization: true },
    });
    expect(await run(spec(12, true))).toBe(0);
    expect(stderr).toContain(`resume: no checkpoint in ${join(out, 'model')} yet; training from the start`);
    expect(stderr).toMatch(/checkpoint \S+: step \d+ of 12 \(resume: true continues from here\)/);
    let meta = JSON.parse(await readFile(join(out, 'model', 'model.json'), 'utf8'));
    expect(meta).toMatchObject({ state: { step: 12 } });
    expect(meta.inProgress).toBeUndefined();
    expect(await run(spec(16, true))).toBe(0);
    expect(stderr).toContain(`resuming from checkpoint ${join(out, 'model')} (trained 12 steps`);
    meta = JSON.parse(await readFile(join(out, 'model', 'model.json'), 'utf8'));
    expect(meta).toMatchObject({ state: { step: 16 } });
  }, 120_000);
});

describe('a rerun of the same image spec', () => {
  it('reuses the finished model in model.checkpoint (same synthetic pixels), and --force retrains', async () => {
    const out = join(dir, 'rerun-out');
    const path = join(dir, 'rerun.json');
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        name: 'rerun',
        seed: 3,
        source: { format: 'dicom', path: BRAIN },
        split: { holdout: 0.2 },
        model: { backend: 'wasm', imageSize: 16, width: 4, steps: 3, samplerSteps: 2, checkpoint: join(out, 'model') },
        tasks: [{ type: 'synthesize', count: 2, output: { path: join(out, 'synthetic.nii') } }],
        report: { dir: out },
      }),
    );
    const report = async (...args: string[]): Promise<ImageRunReport> => {
      stderr = '';
      const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
      try {
        expect(await main(['run', path, ...args]), stderr).toBe(0);
      } finally {
        e.mockRestore();
      }
      return JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    };
    const first = await report();
    expect(first.model!.stepsPerSecond).toBeDefined();
    const pixels = await readFile(join(out, 'synthetic.nii'));
    const again = await report();
    expect(stderr).toMatch(/holds the model trained from this spec .*; reusing it, not retraining \(--force retrains\)/);
    expect(again.model!.stepsPerSecond).toBeUndefined();
    // Trained, the held-out loss is the curve's last point; reused, it is evaluated afresh: the same figure.
    expect(first.model!.holdoutLoss).toBe((first.model!.holdoutLossCurve as [number, number][]).at(-1)![1]);
    expect(again.model!.holdoutLoss).toBe(first.model!.holdoutLoss);
    expect(await readFile(join(out, 'synthetic.nii'))).toEqual(pixels);
    const forced = await report('--force');
    expect(stderr).not.toMatch(/reusing it/);
    expect(forced.model!.stepsPerSecond).toBeDefined();
  });
});

describe('the held-out loss line after training', () => {
  it('says whether more steps would help, by where the held-out loss is lowest', () => {
    // brain-mr at 64², 1,600 steps and 2,400 (bench/RESULTS.md, tenth session), as two short curves.
    expect(heldOutVerdict([[800, 0.2254], [1600, 0.215]])).toBe(
      'held-out loss (EMA, fixed σ) during training, by step: 800 0.2254, 1600 0.2150; lowest at the last step: more model.steps would likely help',
    );
    expect(heldOutVerdict([[800, 0.2254], [1600, 0.215], [2400, 0.2321]])).toBe(
      'held-out loss (EMA, fixed σ) during training, by step: 800 0.2254, 1600 0.2150, 2400 0.2321; lowest at step 1600 of 2400: later steps fit the training slices more than new ones, so more model.steps would not help',
    );
    // brain-mr seed 8 at 800 steps: lowest at 640, and the last 1.4% above it: flat, not a turn.
    expect(heldOutVerdict([[640, 0.2237], [720, 0.225], [800, 0.2269]])).toBe(
      'held-out loss (EMA, fixed σ) during training, by step: 640 0.2237, 720 0.2250, 800 0.2269; lowest at step 640 of 800 and within 2% of it since: flat, more model.steps would help little',
    );
  });
});
