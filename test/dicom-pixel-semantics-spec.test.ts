import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicom, readDicomFile, readDicomSeries } from '../src/io/dicom/index.js';
import { element, encodePart10 } from '../src/io/dicom/write.js';
import type { ImageRunReport } from '../src/report/model.js';
import { createRng } from '../src/rng.js';
import { runSpecInDir, tempDir } from './helpers/cli.js';
import { pearson } from '../src/evaluate/stats.js';

/**
 * Issue 16's pixel semantics through a whole spec run (`synthdiff run`): MONOCHROME1 polarity, Enhanced
 * multi-frame per-frame functional groups and Siemens mosaics, each on a source folder built here with
 * dcmjs (fixtures/ and ../shared hold none of them), at budgets of a few seconds. The function-level
 * checks are in dicom-pixel-semantics.test.ts; these fail when the pipeline stops using them.
 */

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const TINY_MODEL = { backend: 'wasm', width: 4, steps: 30, batchSize: 4, samplerSteps: 4 };

/** `synthdiff run` a spec in `dir`: runSpecInDir, its report typed as an image run's. */
async function run(dir: string, spec: object): Promise<{ code: number; stderr: string; report: ImageRunReport }> {
  return runSpecInDir(dir, { version: 1, ...spec }) as Promise<{ code: number; stderr: string; report: ImageRunReport }>;
}

function quantile(values: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Pixel attributes of a 16-bit-allocated, 12-bit unsigned monochrome image. */
function pixelModule(rows: number, columns: number, photometric: 'MONOCHROME1' | 'MONOCHROME2') {
  return {
    '00280002': element('US', 1),
    '00280004': element('CS', photometric),
    '00280010': element('US', rows),
    '00280011': element('US', columns),
    '00280100': element('US', 16),
    '00280101': element('US', 12),
    '00280102': element('US', 11),
    '00280103': element('US', 0),
  };
}

// ── MONOCHROME1 ────────────────────────────────────────────────────────────────────────────────────

const M1_SIZE = 16;
/** Stored values of the MONOCHROME1 source: low stored values are shown white. */
const M1_BACKGROUND = 4000; // shown dark: display 4095 − 4000 = 95
const M1_STRUCTURE = 1000; // shown bright: display 3095

/**
 * `n` CR slices, MONOCHROME1, 12 bits: a bright disk (in display terms) on a dark background, moved a
 * pixel or two per slice, with noise. Displayed (4095 − stored) the disk is 3095 and the background 95;
 * read without the inversion the background would be the brightest thing in the image (4000).
 */
async function writeMonochrome1Series(dir: string, n: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rng = createRng(16);
  for (let i = 0; i < n; i++) {
    const pixels = new Uint16Array(M1_SIZE * M1_SIZE);
    const cx = 7 + (i % 3) - 1, cy = 8 + (i % 2);
    for (let y = 0; y < M1_SIZE; y++) for (let x = 0; x < M1_SIZE; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < 16;
      pixels[y * M1_SIZE + x] = (inside ? M1_STRUCTURE : M1_BACKGROUND) + Math.round(rng.next() * 40 - 20);
    }
    const bytes = encodePart10(
      {
        '00080016': element('UI', '1.2.840.10008.5.1.4.1.1.1'), // CR Image Storage
        '00080018': element('UI', `2.25.1602${i}`),
        '00080060': element('CS', 'CR'),
        '0020000D': element('UI', '2.25.16020'),
        '0020000E': element('UI', '2.25.16021'),
        '00200013': element('IS', String(i + 1)),
        ...pixelModule(M1_SIZE, M1_SIZE, 'MONOCHROME1'),
        '00281052': element('DS', '0'),
        '00281053': element('DS', '1'),
        '7FE00010': element('OW', pixels.buffer),
      },
      EXPLICIT_LE,
    );
    await writeFile(join(dir, `cr${i + 1}.dcm`), bytes);
  }
}

describe('MONOCHROME1 through a spec run', () => {
  it('trains on display values (bright disk, dark background) and writes MONOCHROME1 files with the source\'s polarity', async () => {
    const dir = await tempDir('synthdiff-m1-');
    await writeMonochrome1Series(join(dir, 'src'), 8);
    const { code, stderr, report: r } = await run(dir, {
      name: 'monochrome1',
      seed: 1,
      source: { format: 'dicom', path: 'src' },
      split: { holdout: 0.25 },
      model: { ...TINY_MODEL, imageSize: M1_SIZE },
      tasks: [{ type: 'synthesize', count: 8, output: { path: 'synthetic', format: 'dicom' } }],
      evaluate: { memorization: true },
    });
    expect(code, stderr).toBe(0);
    expect(r.data).toMatchObject({ modality: 'CR', slices: 8, trainSlices: 6, holdoutSlices: 2 });
    // Read side: the window is over display values (background 95, disk 3095). Read as stored (modality)
    // values it would be about [980, 4020], the dark background learned as the brightest pixels.
    const [lo, hi] = r.images!.window;
    expect(lo).toBeLessThan(200);
    expect(hi).toBeGreaterThan(2900);
    expect(hi).toBeLessThan(3300);

    // Write side: MONOCHROME1 again, in the source's units (slope 1, so modality = stored), shown as
    // 4095 − value like the source. Most of every image is background: dark when shown, i.e. high stored
    // values (~4000), as in the source. Dropping the inversion at read or at write leaves a bright background
    // (stored ~95 under MONOCHROME1, or a MONOCHROME2 file).
    const [series] = await readDicomSeries(join(dir, 'synthetic'));
    const synthetic = series!.images;
    const real = await Promise.all((await readdir(join(dir, 'src'))).map((f) => readDicomFile(join(dir, 'src', f))));
    expect(synthetic).toHaveLength(8);
    const shown = (im: (typeof real)[number]) => Float32Array.from(im.frames[0]!.modality(), (v) => 4095 - v);
    for (const im of synthetic) {
      expect(im.meta.PhotometricInterpretation).toBe('MONOCHROME1');
      expect(im.meta.RescaleSlope).toBe(1);
      expect(im.meta.RescaleIntercept).toBe(0);
      const display = shown(im);
      expect(Math.abs(median(display) - 95)).toBeLessThan(300);
      expect(quantile(display, 0.95)).toBeGreaterThan(2000);
    }
    for (const im of real) expect(Math.abs(median(shown(im)) - 95)).toBeLessThan(50);
    // And in space: the synthetic mean image, as shown, correlates with the real one (disk bright in the
    // middle); a polarity lost anywhere makes it the negative.
    const mean = (ims: typeof real) => {
      const out = new Float64Array(M1_SIZE * M1_SIZE);
      for (const im of ims) shown(im).forEach((v, i) => (out[i] += v / ims.length));
      return out;
    };
    expect(pearson(mean(synthetic), mean(real))).toBeGreaterThan(0.1);
  });
});

// ── Enhanced multi-frame ───────────────────────────────────────────────────────────────────────────

const MF_FRAMES = 6;
const MF_SIZE = 8;

/**
 * One Enhanced MR Image (6 frames of 8×8, 12 bits stored 100–163): odd frames RescaleSlope 1, even
 * frames slope 3 and intercept −50 (modality 250–439), in Per-Frame Functional Groups only, as are Pixel
 * Spacing (0.6 × 0.7 mm) and Image Position (z = 0, 2, … 10 mm); the shared group has slope 1 and the
 * orientation. Read with the shared slope alone, every frame would be 100–163.
 */
function enhancedMr(): Uint8Array {
  const perFrame = Array.from({ length: MF_FRAMES }, (_, f) => ({
    '00289145': element('SQ', { '00281052': element('DS', f % 2 ? '-50' : '0'), '00281053': element('DS', f % 2 ? '3' : '1'), '00281054': element('LO', 'US') }),
    '00289110': element('SQ', { '00280030': element('DS', '0.6', '0.7'), '00180050': element('DS', '2') }),
    '00209113': element('SQ', { '00200032': element('DS', '0', '0', String(2 * f)) }),
  }));
  const pixels = new Uint16Array(MF_FRAMES * MF_SIZE * MF_SIZE);
  for (let f = 0; f < MF_FRAMES; f++) for (let i = 0; i < MF_SIZE * MF_SIZE; i++) pixels[f * 64 + i] = 100 + ((i + 7 * f) % 64);
  return encodePart10(
    {
      '00080016': element('UI', '1.2.840.10008.5.1.4.1.1.4.1'),
      '00080018': element('UI', '2.25.16031'),
      '00080060': element('CS', 'MR'),
      '00100020': element('LO', 'PID16031'),
      '0020000D': element('UI', '2.25.16032'),
      '0020000E': element('UI', '2.25.16033'),
      ...pixelModule(MF_SIZE, MF_SIZE, 'MONOCHROME2'),
      '00280008': element('IS', String(MF_FRAMES)),
      '52009229': element('SQ', {
        '00289145': element('SQ', { '00281052': element('DS', '0'), '00281053': element('DS', '1'), '00281054': element('LO', 'US') }),
        '00209116': element('SQ', { '00200037': element('DS', '1', '0', '0', '0', '1', '0') }),
      }),
      '52009230': element('SQ', ...perFrame),
      '7FE00010': element('OW', pixels.buffer),
    },
    EXPLICIT_LE,
  );
}

describe('Enhanced multi-frame through a spec run', () => {
  it('trains on each frame rescaled by its own slope, and takes spacing and positions from the per-frame groups', async () => {
    const dir = await tempDir('synthdiff-mf-');
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'enhanced.dcm'), enhancedMr());
    const { code, stderr, report: r } = await run(dir, {
      name: 'enhanced',
      seed: 2,
      source: { format: 'dicom', path: 'src' },
      split: { holdout: 0.34 },
      model: { ...TINY_MODEL, imageSize: MF_SIZE },
      tasks: [
        { type: 'synthesize', count: 4, output: { path: 'synthetic', format: 'dicom' } },
        { type: 'deidentify', output: { path: 'deidentified' } },
      ],
      evaluate: { memorization: true },
    });
    expect(code, stderr).toBe(0);
    expect(r.data).toMatchObject({ modality: 'MR', files: 1, slices: MF_FRAMES, trainSlices: 4, holdoutSlices: 2 });
    // The window's top is in the slope-3 frames (up to 3 × 163 − 50 = 439); with the shared slope for
    // every frame it would be 163.
    const [lo, hi] = r.images!.window;
    expect(lo).toBeGreaterThanOrEqual(99);
    expect(lo).toBeLessThan(110);
    expect(hi).toBeGreaterThan(400);
    expect(hi).toBeLessThanOrEqual(440);

    // Per-frame Pixel Spacing and Image Position: the synthetic series has the frames' spacing (8² at 8²)
    // and spans their positions, z 0 to 10; without the per-frame groups it would have neither.
    const [series] = await readDicomSeries(join(dir, 'synthetic'));
    const synthetic = series!.images;
    expect(synthetic).toHaveLength(4);
    for (const im of synthetic) expect(im.meta.PixelSpacing).toEqual([0.6, 0.7]);
    const z = synthetic.map((im) => im.meta.ImagePositionPatient![2]!);
    expect(z[0]).toBeCloseTo(0, 3);
    expect(z[3]).toBeCloseTo(10, 3);
    expect(r.model!.condition).toMatch(/^slice position/);

    // The de-identified copy keeps the per-frame rescale: its frames mean what the source's did.
    expect(r.tasks[1]).toMatchObject({ type: 'deidentify', files: 1 });
    const [deid] = (await readdir(join(dir, 'deidentified'))).filter((f) => f.endsWith('.dcm'));
    const source = await parseDicom(enhancedMr(), 'enhanced.dcm');
    const copy = await readDicomFile(join(dir, 'deidentified', deid!));
    expect(copy.tag('(0010,0020)') ?? '').not.toContain('PID16031');
    expect(copy.frames).toHaveLength(MF_FRAMES);
    copy.frames.forEach((f, k) => expect(Array.from(f.modality())).toEqual(Array.from(source.frames[k]!.modality())));
  });
});

// ── Siemens mosaic ─────────────────────────────────────────────────────────────────────────────────

/**
 * A Siemens mosaic: 6 slices of 8×8 tiled in a 3×3 grid (24×24, the last three tiles empty),
 * ImageType …\MOSAIC and NumberOfImagesInMosaic 6 in the SIEMENS MR HEADER private block, 2 mm pixels.
 */
function mosaic(): Uint8Array {
  const n = 6, tile = 8, grid = 3, side = tile * grid;
  const pixels = new Uint16Array(side * side);
  for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) {
    const t = Math.floor(r / tile) * grid + Math.floor(c / tile);
    const y = r % tile, x = c % tile;
    // Each slice: a square whose size grows through the volume on a dim background.
    pixels[r * side + c] = t < n ? (Math.abs(x - 3.5) < 1 + t * 0.5 && Math.abs(y - 3.5) < 1 + t * 0.5 ? 900 : 100) + ((x + y + t) % 5) : 0;
  }
  return encodePart10(
    {
      '00080008': element('CS', 'ORIGINAL', 'PRIMARY', 'M', 'ND', 'MOSAIC'),
      '00080016': element('UI', '1.2.840.10008.5.1.4.1.1.4'),
      '00080018': element('UI', '2.25.16041'),
      '00080060': element('CS', 'MR'),
      '0020000D': element('UI', '2.25.16042'),
      '0020000E': element('UI', '2.25.16043'),
      '00190010': element('LO', 'SIEMENS MR HEADER'),
      '0019100A': element('US', n),
      ...pixelModule(side, side, 'MONOCHROME2'),
      '00280030': element('DS', '2', '2'),
      '7FE00010': element('OW', pixels.buffer),
    },
    EXPLICIT_LE,
  );
}

describe('Siemens mosaic through a spec run', () => {
  it('trains on the 6 tiles as 6 slices at the tile\'s resolution, not on one 24×24 image', async () => {
    const dir = await tempDir('synthdiff-mosaic-');
    await mkdir(join(dir, 'src'));
    await writeFile(join(dir, 'src', 'mosaic.dcm'), mosaic());
    const { code, stderr, report: r } = await run(dir, {
      name: 'mosaic',
      seed: 3,
      source: { format: 'dicom', path: 'src' },
      split: { holdout: 0.34 },
      model: { ...TINY_MODEL, imageSize: 8 },
      tasks: [{ type: 'synthesize', count: 2, output: { path: 'synthetic', format: 'dicom' } }],
      evaluate: { memorization: true },
    });
    // One image would not even split: a held-out set needs two slices.
    expect(code, stderr).toBe(0);
    expect(r.data).toMatchObject({ files: 1, sourceRows: 24, sourceColumns: 24, slices: 6, trainSlices: 4, holdoutSlices: 2 });
    expect(r.images!.slices).toEqual({ total: 6, train: 4, holdout: 2 });
    expect(r.images!.grid.real).toHaveLength(4);
    // The empty tiles are not slices: nothing trained on is all zero, so the window starts at the background.
    expect(r.images!.window[0]).toBeGreaterThanOrEqual(99);
    // Tile pixels (2 mm) at 8² stay 2 mm; the 24×24 mosaic shrunk to 8² would claim 6 mm.
    const [series] = await readDicomSeries(join(dir, 'synthetic'));
    for (const im of series!.images) {
      expect(im.meta).toMatchObject({ Rows: 8, Columns: 8 });
      expect(im.meta.PixelSpacing).toEqual([2, 2]);
    }
  });
});
