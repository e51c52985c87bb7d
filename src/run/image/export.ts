import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newUid } from '../../io/dicom/uid.js';
import { writeSyntheticDicom, type SyntheticImage } from '../../io/dicom/write.js';

/**
 * Synthetic slices (modality units) → stored DICOM pixel values, and a synthetic series → files.
 *
 * Stored values are 16-bit integers. The source's Rescale Slope/Intercept are kept when the window's range
 * fits in 16 bits with them (so stored values mean what the source's did); otherwise a new slope spreads the
 * window over the unsigned 16-bit range. Signed storage is used when the source was signed or the stored
 * range goes below 0.
 */
export interface PixelEncoding {
  rescaleSlope: number;
  rescaleIntercept: number;
  pixelRepresentation: 0 | 1;
  /** Whether rescale attributes are written (the source had them, or a new slope was needed). */
  writeRescale: boolean;
}

export function pixelEncoding(window: readonly [number, number], source: { rescaleSlope: number; rescaleIntercept: number; signed: boolean; hadRescale: boolean }): PixelEncoding {
  const [low, high] = window;
  const m = source.rescaleSlope, b = source.rescaleIntercept;
  const a = (low - b) / m, c = (high - b) / m;
  const lo = Math.floor(Math.min(a, c)), hi = Math.ceil(Math.max(a, c));
  const signed = source.signed || lo < 0;
  const [min, max] = signed ? [-32768, 32767] : [0, 65535];
  if (lo >= min && hi <= max) return { rescaleSlope: m, rescaleIntercept: b, pixelRepresentation: signed ? 1 : 0, writeRescale: source.hadRescale };
  return { rescaleSlope: (high - low) / 65535, rescaleIntercept: low, pixelRepresentation: 0, writeRescale: true };
}

/** Stored values for one slice, rounded and clamped to the encoding's 16-bit range. */
export function storedPixels(values: Float32Array, enc: PixelEncoding): Int16Array | Uint16Array {
  const out = enc.pixelRepresentation === 1 ? new Int16Array(values.length) : new Uint16Array(values.length);
  const [min, max] = enc.pixelRepresentation === 1 ? [-32768, 32767] : [0, 65535];
  for (let i = 0; i < values.length; i++) out[i] = Math.min(max, Math.max(min, Math.round((values[i]! - enc.rescaleIntercept) / enc.rescaleSlope)));
  return out;
}

/** The modality values a reader recovers from `storedPixels` (what was actually exported). */
export function exportedValues(values: Float32Array, enc: PixelEncoding): Float32Array {
  const stored = storedPixels(values, enc);
  return Float32Array.from(stored, (s) => s * enc.rescaleSlope + enc.rescaleIntercept);
}

export function syntheticImage(values: Float32Array, size: number, enc: PixelEncoding, display: { window: readonly [number, number]; pixelSpacing?: [number, number] }): SyntheticImage {
  const [low, high] = display.window;
  return {
    rows: size,
    columns: size,
    pixels: storedPixels(values, enc),
    bitsStored: 16,
    pixelRepresentation: enc.pixelRepresentation,
    ...(enc.writeRescale ? { rescaleSlope: enc.rescaleSlope, rescaleIntercept: enc.rescaleIntercept } : {}),
    // Window Center/Width apply to rescaled values: show the model's window.
    windowCenter: (low + high) / 2,
    windowWidth: Math.max(1, high - low),
    pixelSpacing: display.pixelSpacing,
  };
}

export const SYNTHETIC_FILE = /^synthetic_\d{4,}\.dcm$/;

export interface WrittenSeries {
  files: string[];
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/**
 * Write one synthetic series into `dir`: a fresh study and series UID for the set, instance numbers 1..N,
 * files `synthetic_0001.dcm`… each written atomically. Files of an earlier synthetic set with that naming
 * are removed first, so the folder holds exactly one consistent series.
 */
export async function writeSyntheticSeries(dir: string, images: readonly SyntheticImage[], meta: { modality: string; seriesDescription: string }): Promise<WrittenSeries> {
  const old = await readdir(dir).catch(() => [] as string[]);
  for (const f of old) if (SYNTHETIC_FILE.test(f)) await rm(join(dir, f), { force: true });
  const studyInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const studyDateTime = new Date();
  const files: string[] = [];
  for (const [i, image] of images.entries()) {
    const path = join(dir, `synthetic_${String(i + 1).padStart(4, '0')}.dcm`);
    await writeSyntheticDicom(path, image, {
      modality: meta.modality,
      seriesDescription: meta.seriesDescription,
      instanceNumber: i + 1,
      studyInstanceUid,
      seriesInstanceUid,
      studyDateTime,
    });
    files.push(path);
  }
  return { files, studyInstanceUid, seriesInstanceUid };
}
