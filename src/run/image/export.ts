import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { newUid } from '../../io/dicom/uid.js';
import { sliceNormal, writeSyntheticDicom, type SyntheticImage } from '../../io/dicom/write.js';
import type { SlicePlane } from '../../io/dicom/preprocess.js';

/**
 * Synthetic slices (display values: modality units, MONOCHROME1 inverted) → stored DICOM pixel values, and a
 * synthetic series → files.
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
  /**
   * MONOCHROME1 sources: slices are learned with larger = brighter (display values d = c − v, see
   * io/dicom/preprocess.ts); files are written as MONOCHROME1 with modality values v = c − d, so they
   * render like the source and carry its units.
   */
  inversion?: number;
}

export function pixelEncoding(
  displayWindow: readonly [number, number],
  source: { rescaleSlope: number; rescaleIntercept: number; signed: boolean; hadRescale: boolean; inversion?: number },
): PixelEncoding {
  const inversion = source.inversion;
  const window = inversion === undefined ? displayWindow : ([inversion - displayWindow[1], inversion - displayWindow[0]] as const);
  const inv = inversion === undefined ? {} : { inversion };
  const [low, high] = window;
  const m = source.rescaleSlope, b = source.rescaleIntercept;
  const a = (low - b) / m, c = (high - b) / m;
  const lo = Math.floor(Math.min(a, c)), hi = Math.ceil(Math.max(a, c));
  const signed = source.signed || lo < 0;
  const [min, max] = signed ? [-32768, 32767] : [0, 65535];
  if (lo >= min && hi <= max) return { rescaleSlope: m, rescaleIntercept: b, pixelRepresentation: signed ? 1 : 0, writeRescale: source.hadRescale, ...inv };
  return { rescaleSlope: (high - low) / 65535, rescaleIntercept: low, pixelRepresentation: 0, writeRescale: true, ...inv };
}

/**
 * The encoding of synthetic files from a NIfTI source. Integer voxels keep their scl_slope/scl_inter as
 * Rescale Slope/Intercept (as a DICOM source's rescale is kept, when the window fits 16 bits with them);
 * float voxels spread the window over the unsigned 16-bit range, since rounding to whole units would lose
 * a volume scaled to, say, [0, 1].
 */
export function niftiEncoding(displayWindow: readonly [number, number], stored?: { integer: boolean; signed: boolean; slope: number; inter: number }): PixelEncoding {
  if (stored?.integer) return pixelEncoding(displayWindow, { rescaleSlope: stored.slope, rescaleIntercept: stored.inter, signed: stored.signed, hadRescale: stored.slope !== 1 || stored.inter !== 0 });
  const [low, high] = displayWindow;
  return { rescaleSlope: (high - low) / 65535 || 1, rescaleIntercept: low, pixelRepresentation: 0, writeRescale: true };
}

/** Stored values for one slice (display values), rounded and clamped to the encoding's 16-bit range. */
export function storedPixels(values: Float32Array, enc: PixelEncoding): Int16Array | Uint16Array {
  const out = enc.pixelRepresentation === 1 ? new Int16Array(values.length) : new Uint16Array(values.length);
  const [min, max] = enc.pixelRepresentation === 1 ? [-32768, 32767] : [0, 65535];
  const c = enc.inversion;
  for (let i = 0; i < values.length; i++) {
    const v = c === undefined ? values[i]! : c - values[i]!;
    out[i] = Math.min(max, Math.max(min, Math.round((v - enc.rescaleIntercept) / enc.rescaleSlope)));
  }
  return out;
}

/** Display values (larger is brighter) from a written file's modality values. */
export function displayFromModality(modality: Float32Array, enc: PixelEncoding): Float32Array {
  const c = enc.inversion;
  return c === undefined ? modality : Float32Array.from(modality, (v) => c - v);
}

/** The display values a reader recovers from `storedPixels` (what was actually exported). */
export function exportedValues(values: Float32Array, enc: PixelEncoding): Float32Array {
  const stored = storedPixels(values, enc);
  return displayFromModality(Float32Array.from(stored, (s) => s * enc.rescaleSlope + enc.rescaleIntercept), enc);
}

export function syntheticImage(values: Float32Array, size: number, enc: PixelEncoding, display: { window: readonly [number, number]; pixelSpacing?: [number, number]; plane?: SlicePlane }): SyntheticImage {
  const c = enc.inversion;
  // Window Center/Width apply to rescaled (modality) values: the display window, un-inverted for MONOCHROME1.
  const [low, high] = c === undefined ? display.window : [c - display.window[1], c - display.window[0]];
  return {
    rows: size,
    columns: size,
    pixels: storedPixels(values, enc),
    photometricInterpretation: c === undefined ? 'MONOCHROME2' : 'MONOCHROME1',
    bitsStored: 16,
    pixelRepresentation: enc.pixelRepresentation,
    ...(enc.writeRescale ? { rescaleSlope: enc.rescaleSlope, rescaleIntercept: enc.rescaleIntercept } : {}),
    windowCenter: (low + high) / 2,
    windowWidth: Math.max(1, high - low),
    pixelSpacing: display.pixelSpacing,
    ...(display.plane ? { plane: display.plane } : {}),
  };
}

/**
 * The planes of a synthetic series that stacks into a volume spanning the source's: the source slices'
 * common orientation, the in-plane origin of the first source slice along the normal, and positions at
 * `levels` (0 = the first source slice along the normal, 1 = the last) — by default `count` levels evenly
 * spaced, so InstanceNumber order is position order and the spacing is (extent / (count − 1)). Undefined
 * when any source slice lacks a plane or the slices do not share one orientation (different series,
 * projection images): a stack would then claim a geometry the source does not have.
 */
export function syntheticPlanes(source: readonly { plane?: SlicePlane }[], count: number, levels?: readonly number[]): SlicePlane[] | undefined {
  const axis = volumeAxis(source);
  if (!axis) return undefined;
  const { first, orientation, n, extent } = axis;
  const t = levels ?? evenLevels(count);
  return t.map((level) => ({
    position: [first.position[0] + level * extent * n[0], first.position[1] + level * extent * n[1], first.position[2] + level * extent * n[2]],
    orientation: [...orientation],
  }));
}

/** `count` levels evenly over [0, 1] (one slice: the middle). */
export function evenLevels(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (count === 1 ? 0.5 : i / (count - 1)));
}

/**
 * Each source slice's level in the volume, 0 at the first slice along the normal and 1 at the last: the
 * slice-position condition. Undefined where `syntheticPlanes` has no geometry, or every slice lies at one position.
 */
export function sliceLevels(source: readonly { plane?: SlicePlane }[]): number[] | undefined {
  const axis = volumeAxis(source);
  if (!axis || !(axis.extent > 1e-6)) return undefined;
  return source.map((s) => Math.min(1, Math.max(0, (axis.along(s.plane!) - axis.along(axis.first)) / axis.extent)));
}

/** The source slices' common orientation, normal, and first slice and extent along the normal; undefined without one geometry. */
function volumeAxis(source: readonly { plane?: SlicePlane }[]) {
  const planes = source.map((s) => s.plane);
  if (planes.length === 0 || !planes.every((p): p is SlicePlane => p !== undefined)) return undefined;
  const orientation = planes[0]!.orientation;
  if (!planes.every((p) => p.orientation.every((v, i) => Math.abs(v - orientation[i]!) < 1e-4))) return undefined;
  const n = sliceNormal(orientation);
  const along = (p: SlicePlane) => p.position[0] * n[0] + p.position[1] * n[1] + p.position[2] * n[2];
  let first = planes[0]!, last = planes[0]!;
  for (const p of planes) {
    if (along(p) < along(first)) first = p;
    if (along(p) > along(last)) last = p;
  }
  return { first, orientation, n, extent: along(last) - along(first), along };
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
 * are removed first, so the folder holds exactly one consistent series. Several series of one synthetic
 * study (a labelled model's) pass the study's UID, their series numbers, and a shared frame of reference
 * where their positions are in one patient coordinate system.
 */
export async function writeSyntheticSeries(
  dir: string,
  images: readonly SyntheticImage[],
  meta: { modality: string; seriesDescription: string; studyInstanceUid?: string; seriesNumber?: number; frameOfReferenceUid?: string },
): Promise<WrittenSeries> {
  const old = await readdir(dir).catch(() => [] as string[]);
  for (const f of old) if (SYNTHETIC_FILE.test(f)) await rm(join(dir, f), { force: true });
  const studyInstanceUid = meta.studyInstanceUid ?? newUid();
  const seriesInstanceUid = newUid();
  // One frame of reference for the series: its image positions are in one patient coordinate system.
  const frameOfReferenceUid = images.some((im) => im.plane) ? (meta.frameOfReferenceUid ?? newUid()) : undefined;
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
      ...(meta.seriesNumber !== undefined ? { seriesNumber: meta.seriesNumber } : {}),
      studyDateTime,
      ...(frameOfReferenceUid ? { frameOfReferenceUid } : {}),
    });
    files.push(path);
  }
  return { files, studyInstanceUid, seriesInstanceUid };
}
