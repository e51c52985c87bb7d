import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomSeries } from '../src/io/dicom/index.js';
import { sliceNormal } from '../src/io/dicom/write.js';
import { readNifti, type NiftiVolume } from '../src/io/nifti.js';
import { niftiSlices } from '../src/io/nifti-slices.js';
import { niftiEncoding } from '../src/run/image/export.js';
import type { ImageRunReport } from '../src/report/model.js';
import { runSpec } from './helpers/cli.js';

/**
 * Issue 16, "NIfTI in": a NIfTI-1 volume as an image pipeline's source. The fixture is the brain MR series
 * of fixtures/dicom/brain-mr converted by dcm2niix and cropped by nibabel (fixtures/nifti/PROVENANCE.md);
 * its reference values come from nibabel, so our reader is checked against an independent one, and its
 * slices against the DICOM pixels at the same patient position.
 */
const FIXTURE = resolve(import.meta.dirname, '../fixtures/nifti/brain-mr.nii.gz');
const BRAIN = resolve(import.meta.dirname, '../fixtures/dicom/brain-mr');

interface Reference {
  shape: [number, number, number];
  datatype: number;
  sformCode: number;
  sform: number[][];
  sha256: string;
  samples: { ijk: [number, number, number]; value: number }[];
  min: number;
  max: number;
}

let dir: string;
let reference: Reference;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-nifti-source-'));
  reference = JSON.parse(await readFile(FIXTURE.replace(/\.nii\.gz$/, '.reference.json'), 'utf8'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture's header and voxels, decompressed, with `edit` applied to a copy; written gzipped to `name` in the test folder. */
async function editedFixture(name: string, edit: (bytes: Buffer, view: DataView) => Buffer | void): Promise<string> {
  const bytes = gunzipSync(await readFile(FIXTURE));
  const out = edit(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)) ?? bytes;
  const path = join(dir, name);
  await writeFile(path, name.endsWith('.gz') ? gzipSync(out) : out);
  return path;
}

/** LPS position of pixel (row r, column c) of a slice plane with [row, column] spacing. */
function pixelPosition(plane: { position: readonly number[]; orientation: readonly number[] }, spacing: readonly number[], r: number, c: number): number[] {
  const o = plane.orientation;
  return [0, 1, 2].map((a) => plane.position[a]! + c * spacing[1]! * o[a]! + r * spacing[0]! * o[3 + a]!);
}

describe('reading the dcm2niix fixture', () => {
  it('gives the voxels, shape and sform nibabel gives', async () => {
    const vol = await readNifti(FIXTURE);
    expect(vol.dims).toEqual(reference.shape);
    expect(vol.affineSource).toBe('sform');
    expect(vol.stored).toMatchObject({ datatype: reference.datatype, integer: true, signed: true, slope: 1, inter: 0 });
    vol.affine.forEach((row, r) => row.forEach((v, c) => expect(v).toBeCloseTo(reference.sform[r]![c]!, 4)));
    const bytes = Buffer.from(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength); // float32, little endian on x86
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(reference.sha256);
    const [nx, ny] = vol.dims;
    for (const { ijk: [i, j, k], value } of reference.samples) expect(vol.data[i + nx * (j + ny * k)]).toBe(value);
  });

  it('slices along the third axis, shown as the DICOM files show them: every pixel is the DICOM pixel at its patient position', async () => {
    const vol = await readNifti(FIXTURE);
    const [nx, ny, nz] = vol.dims;
    // At the padded square's own size there is no resampling: values are the voxels.
    const { slices, reversed } = niftiSlices(vol, FIXTURE, ny);
    expect(slices).toHaveLength(nz);
    // dcm2niix stores rows bottom-up (LAS); shown as DICOM does, rows are reversed and columns are not.
    expect(reversed).toEqual({ columns: false, rows: true });
    const [series] = await readDicomSeries(BRAIN);
    const images = series!.images;
    const meta = images[0]!.meta;
    const orientation = meta.ImageOrientationPatient!;
    const n = sliceNormal(orientation);
    const along = (p: readonly number[]) => p[0]! * n[0]! + p[1]! * n[1]! + p[2]! * n[2]!;
    const [rs, cs] = meta.PixelSpacing!;
    const byPosition = [...images].sort((a, b) => along(a.meta.ImagePositionPatient!) - along(b.meta.ImagePositionPatient!));
    const pad = (ny - nx) / 2; // padToSquare centres the 200 columns in 232
    let compared = 0, differ = 0, offGrid = 0;
    for (const [k, s] of slices.entries()) {
      // Same orientation as the scanner's files, to float32 precision of the sform.
      s.plane!.orientation.forEach((v, a) => expect(v).toBeCloseTo(orientation[a]!, 4));
      expect(s.pixelSpacing![0]).toBeCloseTo(rs, 4);
      // Slice k is the DICOM series' slice k + 2 in position order (the crop). dcm2niix's sform puts the
      // slices on one grid 7.071 mm apart; the scanner's gaps vary (6.96–7.07 mm), so along the normal a
      // slice lies up to 1.3 mm from its file's position, within the plane under 0.1 mm.
      const image = byPosition[k + 2]!;
      expect(Math.abs(along(image.meta.ImagePositionPatient!) - along(s.plane!.position))).toBeLessThan(1.3);
      const ipp = image!.meta.ImagePositionPatient!;
      const dicom = image!.frames[0]!.display();
      for (let r = 0; r < ny; r++) {
        for (let c = pad; c < pad + nx; c++) {
          const p = pixelPosition(s.plane!, s.pixelSpacing!, r, c); // c counts from the padded square's first column
          const d = [0, 1, 2].map((a) => p[a]! - ipp[a]!);
          const col = (d[0]! * orientation[0]! + d[1]! * orientation[1]! + d[2]! * orientation[2]!) / cs;
          const row = (d[0]! * orientation[3]! + d[1]! * orientation[4]! + d[2]! * orientation[5]!) / rs;
          offGrid = Math.max(offGrid, Math.abs(col - Math.round(col)) + Math.abs(row - Math.round(row)));
          // Pixel Padding Value (0028,0120) is 0 in these files: our DICOM reader gives NaN there, dcm2niix keeps 0.
          const want = dicom[Math.round(row) * meta.Columns! + Math.round(col)]!;
          if (s.modality[r * ny + c] !== (Number.isNaN(want) ? 0 : want)) differ++;
          compared++;
        }
      }
      // Spelled out: slice k is rows 0–231, columns 28–227 of its DICOM slice (the crop, in the DICOM's own row order).
      for (const [r, c] of [[116, 100], [200, 50], [30, 150]] as const) expect(s.modality[r * ny + pad + c]).toBe(dicom[r * 256 + 28 + c]);
    }
    // Every voxel of the volume, each equal to its DICOM pixel; pixel centres within 0.15 pixel of each other.
    expect({ compared, differ }).toEqual({ compared: nx * ny * nz, differ: 0 });
    expect(offGrid).toBeLessThan(0.15);
    // In order along the normal, one sform step apart.
    const levels = slices.map((s) => along(s.plane!.position));
    for (let k = 1; k < nz; k++) expect(levels[k]! - levels[k - 1]!).toBeCloseTo(7.071, 3);
  });

  it('applies scl_slope and scl_inter', async () => {
    const path = await editedFixture('scaled.nii.gz', (_, v) => {
      v.setFloat32(112, 0.5, true);
      v.setFloat32(116, 100, true);
    });
    const vol = await readNifti(path);
    const [nx, ny] = vol.dims;
    for (const { ijk: [i, j, k], value } of reference.samples) expect(vol.data[i + nx * (j + ny * k)]).toBe(value * 0.5 + 100);
    expect(vol.stored).toMatchObject({ slope: 0.5, inter: 100 });
    // Synthetic DICOM files from it keep that scaling as Rescale Slope/Intercept.
    expect(niftiEncoding([100, 600], vol.stored)).toEqual({ rescaleSlope: 0.5, rescaleIntercept: 100, pixelRepresentation: 1, writeRescale: true });
    // Float voxels spread the window over 16 bits instead of rounding to whole units.
    expect(niftiEncoding([0, 1], { integer: false, signed: true, slope: 1, inter: 0 })).toEqual({ rescaleSlope: 1 / 65535, rescaleIntercept: 0, pixelRepresentation: 0, writeRescale: true });
  });
});

describe('slice order and geometry of a synthetic volume (would fail on the wrong axis or a flip)', () => {
  // 4×3×2 voxels, each holding 100·k + 10·j + i, so a value names the voxel it came from.
  const volume = (affine: number[][] | undefined): NiftiVolume => ({
    dims: [4, 3, 2],
    data: Float32Array.from({ length: 24 }, (_, n) => 100 * Math.floor(n / 12) + 10 * Math.floor((n % 12) / 4) + (n % 4)),
    pixdim: [2, 3, 5],
    affine: affine ?? [[2, 0, 0, 0], [0, 3, 0, 0], [0, 0, 5, 0], [0, 0, 0, 1]],
    affineSource: affine ? 'sform' : 'pixdim',
  });
  const shown = (s: { modality: Float32Array }) => Array.from(s.modality);

  it('RAS storage (i towards the right, j anterior): both in-plane axes reversed, the planes in LPS', () => {
    const { slices, reversed, indexLevels } = niftiSlices(volume([[2, 0, 0, 10], [0, 3, 0, 20], [0, 0, 5, 30], [0, 0, 0, 1]]), 'ras.nii', 4);
    expect(reversed).toEqual({ columns: true, rows: true });
    // Slice k = 1 at its own size (3 rows padded to 4×4 below, with the slice's minimum): rows j = 2, 1, 0, columns i = 3…0.
    expect(shown(slices[1]!)).toEqual([123, 122, 121, 120, 113, 112, 111, 110, 103, 102, 101, 100, 100, 100, 100, 100]);
    expect(shown(slices[0]!).slice(0, 4)).toEqual([23, 22, 21, 20]);
    // Row direction: towards patient left (+x LPS), column direction posterior (+y LPS).
    expect(slices[1]!.plane!.orientation.map((v) => v + 0)).toEqual([1, 0, 0, 0, 1, 0]);
    // The first shown pixel is voxel (3, 2, 1): RAS (16, 26, 35) → LPS (−16, −26, 35).
    expect(slices[1]!.plane!.position.map((v) => v + 0)).toEqual([-16, -26, 35]);
    expect(slices[1]!.pixelSpacing).toEqual([3, 2]);
    expect(indexLevels).toEqual([0, 1]);
  });

  it('pixdim only (no sform): voxel order as stored, no patient position, levels from the slice index', () => {
    const { slices, reversed, indexLevels, voxel } = niftiSlices(volume(undefined), 'pixdim.nii', 4);
    expect(reversed).toEqual({ columns: false, rows: false });
    expect(shown(slices[0]!)).toEqual([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 0, 0, 0, 0]);
    expect(slices[0]!.plane).toBeUndefined();
    expect(voxel).toEqual([2, 3, 5]);
    expect(indexLevels).toEqual([0, 1]);
  });
});

describe('a NIfTI source through the CLI', () => {
  let out: string;
  let report: ImageRunReport;
  let stderr: string;
  // Names a header's free-text fields might carry; the source copy plants them (descrip, aux_file, intent_name).
  const markers = ['DOE^JANE^MRN4417', 'PID-9931-AUX', 'ACC77313'];

  beforeAll(async () => {
    const source = await editedFixture('brain-named.nii.gz', (b) => {
      b.fill(0, 148, 252);
      b.write(markers[0]!, 148, 'latin1'); // descrip, 80 bytes
      b.write(markers[1]!, 228, 'latin1'); // aux_file, 24 bytes
      b.fill(0, 328, 344);
      b.write(markers[2]!, 328, 'latin1'); // intent_name, 16 bytes
    });
    expect((await readNifti(source)).description).toBe(markers[0]);
    out = join(dir, 'run');
    const r = await runSpec(dir, {
      version: 1,
      name: 'brain-nifti-tiny',
      seed: 3,
      source: { path: source }, // format from the extension: nifti
      split: { holdout: 0.2 },
      model: { backend: 'wasm', imageSize: 32, width: 8, steps: 40, batchSize: 8, samplerSteps: 6, flip: true },
      tasks: [
        { type: 'synthesize', count: 4, output: { path: join(out, 'synthetic') } },
        { type: 'synthesize', count: 4, output: { path: join(out, 'synthetic.nii.gz') } },
      ],
      report: { dir: out, html: false },
    });
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
  }, 300_000);

  it('trains on the 16 slices along the third axis, conditioned on their position', () => {
    expect(stderr).toContain(`loaded ${join(dir, 'brain-named.nii.gz')}: a 200×232×16 NIfTI volume (0.859×0.859×7.071 mm voxels; geometry from the sform), the slices along its third axis (rows reversed to show as DICOM does); 16 slices at 32²; train 13, held out 3;`);
    expect(report.data).toMatchObject({ series: 1, files: 1, modality: 'OT', sourceRows: 232, sourceColumns: 200, slices: 16, trainSlices: 13, holdoutSlices: 3, skippedFiles: 0 });
    expect(report.model!.condition).toMatch(/^slice position/);
    expect(report.images!.export.blocked).toBe(false);
  });

  it('writes a DICOM series with the volume\'s geometry: the scanner\'s orientation, spacing scaled to 32², spanning its slices', async () => {
    const [series] = await readDicomSeries(join(out, 'synthetic'));
    const images = series!.images;
    expect(images).toHaveLength(4);
    const [source] = await readDicomSeries(BRAIN, { pixels: false });
    const orientation = source!.images[0]!.meta.ImageOrientationPatient!;
    const n = sliceNormal(orientation);
    const along = (p: readonly number[]) => p[0]! * n[0]! + p[1]! * n[1]! + p[2]! * n[2]!;
    const sourceLevels = source!.images.map((im) => along(im.meta.ImagePositionPatient!)).sort((a, b) => a - b);
    for (const im of images) {
      expect(im.meta).toMatchObject({ Modality: 'OT', Rows: 32, Columns: 32 });
      im.meta.ImageOrientationPatient!.forEach((v, a) => expect(v).toBeCloseTo(orientation[a]!, 4));
      // 232 source pixels of 0.859375 mm over 32 pixels.
      im.meta.PixelSpacing!.forEach((v) => expect(v).toBeCloseTo((232 * 0.859375) / 32, 4));
    }
    // From the volume's first slice (the source's 3rd, within 0.2 mm) over its 15 sform steps of 7.071 mm, evenly.
    const d = images.map((im) => along(im.meta.ImagePositionPatient!));
    expect(Math.abs(d[0]! - sourceLevels[2]!)).toBeLessThan(0.2);
    for (let i = 1; i < 4; i++) expect(d[i]! - d[i - 1]!).toBeCloseTo((15 * 7.071068) / 3, 2);
  });

  it('writes a NIfTI volume with the same geometry (RAS), carrying none of the source header\'s text', async () => {
    const vol = await readNifti(join(out, 'synthetic.nii.gz'));
    expect(vol.dims).toEqual([32, 32, 4]);
    expect(vol.pixdim[0]).toBeCloseTo((232 * 0.859375) / 32, 4);
    expect(vol.pixdim[2]).toBeCloseTo((15 * 7.071068) / 3, 2);
    expect(vol.description).toBe('synthdiff synthetic volume; no patient data');
    const [series] = await readDicomSeries(join(out, 'synthetic'));
    const m = series!.images[0]!.meta;
    // Voxel (0, 0, 0) is the first synthetic file's first pixel: LPS → RAS.
    expect(vol.affine[0]![3]).toBeCloseTo(-m.ImagePositionPatient![0]!, 2);
    expect(vol.affine[1]![3]).toBeCloseTo(-m.ImagePositionPatient![1]!, 2);
    expect(vol.affine[2]![3]).toBeCloseTo(m.ImagePositionPatient![2]!, 2);
    // De-identification: descrip, aux_file and intent_name of the source are in no output byte, nor in the report.
    const files = [join(out, 'report.json'), ...(await readdir(join(out, 'synthetic'))).map((f) => join(out, 'synthetic', f))];
    const text = [gunzipSync(await readFile(join(out, 'synthetic.nii.gz'))).toString('latin1'), ...(await Promise.all(files.map((f) => readFile(f, 'latin1'))))];
    for (const t of text) for (const marker of markers) expect(t.includes(marker), marker).toBe(false);
    expect(gunzipSync(await readFile(join(out, 'synthetic.nii.gz'))).subarray(228, 252).every((b) => b === 0)).toBe(true); // aux_file empty
    expect(gunzipSync(await readFile(join(out, 'synthetic.nii.gz'))).subarray(328, 344).every((b) => b === 0)).toBe(true); // intent_name empty
  });
});

describe('a NIfTI source without an sform (pixdim only)', () => {
  it('conditions on the slice index and keeps the voxel sizes: synthetic slices span the source\'s extent along k', async () => {
    const source = await editedFixture('no-sform.nii', (_, v) => {
      v.setInt16(252, 0, true); // qform_code
      v.setInt16(254, 0, true); // sform_code
    });
    const out = join(dir, 'no-sform');
    const r = await runSpec(dir, {
      version: 1,
      name: 'no-sform',
      seed: 4,
      source: { path: source },
      model: { backend: 'wasm', imageSize: 16, width: 4, steps: 4, samplerSteps: 3 },
      tasks: [{ type: 'synthesize', count: 3, output: { path: join(out, 'synthetic.nii') } }],
      report: { dir: out, html: false },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(0.859×0.859×7.071 mm voxels; no sform: voxel sizes only, no patient position), the slices along its third axis; 16 slices at 16²');
    const report: ImageRunReport = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.model!.condition).toMatch(/^slice position/);
    const vol = await readNifti(join(out, 'synthetic.nii'));
    expect(vol.dims).toEqual([16, 16, 3]);
    expect(vol.pixdim[0]).toBeCloseTo((232 * 0.859375) / 16, 4);
    expect(vol.pixdim[2]).toBeCloseTo((15 * 7.071068) / 2, 3);
  }, 120_000);
});

describe('NIfTI sources it refuses, in one line naming the file', () => {
  /** The run's one line of error (after the pipeline's header line). */
  const errorLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));
  const tiny = (source: object) => ({ version: 1, name: 'refuse', source, model: { backend: 'wasm', imageSize: 8, width: 4, steps: 1 }, tasks: [{ type: 'synthesize', count: 2, output: { path: join(dir, 'refused-out') } }] });

  it('a 4-D volume, a header/image pair and a truncated file', async () => {
    const fourD = await editedFixture('fmri.nii', (_, v) => {
      v.setInt16(40, 4, true);
      v.setInt16(48, 3, true);
    });
    let r = await runSpec(dir, tiny({ path: fourD }));
    expect([r.code, errorLine(r.stderr)]).toEqual([1, [`error: ${fourD}: cannot read as a NIfTI-1 volume: a 4-D image with 3 volumes; one 3-D volume is read`]]);

    const hdr = await editedFixture('pair.hdr', (b) => b.subarray(0, 348));
    r = await runSpec(dir, tiny({ path: hdr, format: 'nifti' }));
    expect([r.code, errorLine(r.stderr)]).toEqual([1, [`error: ${hdr}: cannot read as a NIfTI-1 volume: a header/image pair (.hdr/.img); give a single-file .nii or .nii.gz`]]);

    const cut = await editedFixture('cut.nii', (b) => b.subarray(0, 100_000));
    r = await runSpec(dir, tiny({ path: cut }));
    expect([r.code, errorLine(r.stderr)]).toEqual([1, [`error: ${cut}: cannot read as a NIfTI-1 volume: 742400 voxels of 2 bytes from offset 352 need 1485152 bytes, the file has 100000`]]);

    const cutGz = join(dir, 'cut.nii.gz');
    await writeFile(cutGz, (await readFile(FIXTURE)).subarray(0, 50_000));
    r = await runSpec(dir, tiny({ path: cutGz }));
    expect([r.code, errorLine(r.stderr)]).toEqual([1, [`error: ${cutGz}: cannot read as a NIfTI-1 volume: gzip: unexpected end of file`]]);
  });
});
