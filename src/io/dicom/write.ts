import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from 'dcmjs';
import { createHash } from 'node:crypto';
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';
import { writeFileAtomic } from '../atomic.js';
import { BASIC_PROFILE_CODE } from './profile.js';
import { isValidUid, newUid, SYNTHDIFF_IMPLEMENTATION_CLASS_UID } from './uid.js';

/**
 * Writing DICOM Part 10 files: the synthetic Secondary Capture images synthdiff generates, and the
 * Part 10 encoding (file meta + data set) shared with the de-identifier.
 *
 * Encoding is delegated to dcmjs (adopted because it both parses and writes Part 10 in all native
 * transfer syntaxes, keeps unmodified values byte-exact and handles sequences, padding and group
 * lengths; checked with dcmftest, dcmdump and dciodvfy in tests). Its gaps and our workarounds:
 *  - it cannot write deflated data sets: the de-identifier re-encodes those as explicit VR LE;
 *  - by default it splits encapsulated frames into 20 KiB fragments (wrong for RLE): we write one
 *    fragment per frame;
 *  - it mis-parses sequences stored as UN: see `withDcmjsReadFixes` in deidentify.ts;
 *  - it does not build a file meta header: `encodePart10` does, from the data set.
 * Choosing the SOP class and the attributes that make a valid IOD is ours too.
 */

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const SECONDARY_CAPTURE_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
/** (0002,0013) is SH: at most 16 characters. */
export const IMPLEMENTATION_VERSION_NAME = 'SYNTHDIFF_0.1';
export const SYNTHETIC_PATIENT_NAME = 'SYNTHETIC^SYNTHDIFF';
/** (0012,0063) De-identification Method for synthetic images (LO, ≤ 64 chars). */
export const SYNTHETIC_DEID_METHOD = 'synthdiff synthetic image; no patient data';

/** One frame of a grayscale synthetic image. */
export interface SyntheticImage {
  rows: number;
  columns: number;
  /** rows × columns stored values, row-major. Int16Array needs pixelRepresentation 1, Uint16Array 0. */
  pixels: Int16Array | Uint16Array;
  /** MONOCHROME2 (default: larger is brighter) or MONOCHROME1 (larger is darker, as CR/DX sources). */
  photometricInterpretation?: 'MONOCHROME1' | 'MONOCHROME2';
  /** Significant bits per stored value, 1–16; values must fit. */
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** Rescale Type (0028,1054); default `HU` for CT, otherwise `US` (unspecified). */
  rescaleType?: string;
  windowCenter?: number;
  windowWidth?: number;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing?: readonly [number, number];
  /**
   * Image plane in patient coordinates: Image Position (Patient) (0020,0032) of the first pixel's centre and
   * Image Orientation (Patient) (0020,0037), written with Slice Location (0020,1041) = position · normal.
   * Needs `frameOfReferenceUid` in the meta (the coordinates mean nothing without it).
   */
  plane?: { position: readonly [number, number, number]; orientation: readonly [number, number, number, number, number, number] };
}

export interface SyntheticMeta {
  /** Modality (0008,0060), e.g. `CT`, `MR`, `OT`. */
  modality: string;
  seriesDescription: string;
  instanceNumber: number;
  /** One study UID per synthetic set (`newUid()`), shared by every instance of the set. */
  studyInstanceUid: string;
  /** One series UID per synthetic set (`newUid()`), shared by every instance of the set. */
  seriesInstanceUid: string;
  /** Defaults to a fresh `newUid()`; pass one to know it in advance. */
  sopInstanceUid?: string;
  /** Frame of Reference UID (0020,0052): one per synthetic series whose images carry a `plane`. */
  frameOfReferenceUid?: string;
  seriesNumber?: number;
  /**
   * Study Date/Time (0008,0020/0030): when the synthetic study was made. Pass the same value for
   * every instance of a set. Omitted → left empty (Type 2: "unknown"), which dciodvfy accepts with
   * a DICOMDIR warning.
   */
  studyDateTime?: Date;
  /**
   * Image Laterality (0020,0062): R, L, U (unpaired body part) or B (both). Omitted → Laterality
   * (0020,0060) is written empty, meaning unknown, which dciodvfy accepts with a warning.
   */
  imageLaterality?: 'R' | 'L' | 'U' | 'B';
  /**
   * Patient ID (0010,0020). Defaults to `SYN` + 16 hex digits hashed from the synthetic study UID,
   * so every instance of a set names the same (fictitious) patient and no input identifier is used.
   */
  patientId?: string;
}

export interface WrittenInstance {
  sopInstanceUid: string;
}

/** Build a data element in dcmjs's tag-keyed form. */
export function element(vr: string, ...values: unknown[]): DicomElement {
  return { vr, Value: values };
}

/** Format a number as a DS value (≤ 16 characters). */
export function formatDS(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`DS value must be finite, got ${n}`);
  let s = String(n);
  for (let p = 15; s.length > 16 && p > 0; p--) s = String(Number(n.toPrecision(p)));
  if (s.length > 16) s = n.toExponential(9);
  return s;
}

/**
 * The Part 10 bytes of a synthetic Secondary Capture image. Pure apart from fresh random UIDs; see
 * `writeSyntheticDicom` for writing it to disk.
 */
export function buildSyntheticDicom(image: SyntheticImage, meta: SyntheticMeta, where = '<memory>'): Uint8Array {
  validateImage(image, where);
  validateMeta(meta, image, where);
  const sopInstanceUid = meta.sopInstanceUid ?? newUid();
  const seriesDescription = meta.seriesDescription;
  const ds: DicomDataset = {
    // SOP Common
    '00080016': element('UI', SECONDARY_CAPTURE_IMAGE_STORAGE),
    '00080018': element('UI', sopInstanceUid),
    // General Image: the pixels are computed, not acquired, and carry no burned-in text.
    '00080008': element('CS', 'DERIVED', 'SECONDARY'),
    '00200013': element('IS', String(meta.instanceNumber)),
    '00200020': element('CS'), // Patient Orientation, Type 2C: unknown for a synthetic image
    '00280301': element('CS', 'NO'), // Burned In Annotation
    // Patient: fictitious, Type 2 values empty where there is nothing true to say.
    '00100010': element('PN', SYNTHETIC_PATIENT_NAME),
    '00100020': element('LO', meta.patientId ?? syntheticPatientId(meta.studyInstanceUid)),
    '00100030': element('DA'),
    '00100040': element('CS'),
    '00120062': element('CS', 'YES'), // Patient Identity Removed
    '00120063': element('LO', SYNTHETIC_DEID_METHOD),
    '00120064': element('SQ', {
      '00080100': element('SH', BASIC_PROFILE_CODE.codeValue),
      '00080102': element('SH', BASIC_PROFILE_CODE.codingSchemeDesignator),
      '00080104': element('LO', BASIC_PROFILE_CODE.codeMeaning),
    }),
    // General Study: dates and times are Type 2 and left empty rather than invented.
    '0020000D': element('UI', meta.studyInstanceUid),
    '00080020': meta.studyDateTime ? element('DA', formatDA(meta.studyDateTime)) : element('DA'),
    '00080030': meta.studyDateTime ? element('TM', formatTM(meta.studyDateTime)) : element('TM'),
    '00080090': element('PN'),
    '00200010': element('SH', 'SYNTHETIC'), // Study ID: a constant, nothing to identify
    '00080050': element('SH'),
    // General Series
    '00080060': element('CS', meta.modality),
    '0020000E': element('UI', meta.seriesInstanceUid),
    '00200011': element('IS', String(meta.seriesNumber ?? 1)),
    '0008103E': element('LO', seriesDescription),
    // Laterality is Type 2C (paired body parts) unless Image Laterality is sent.
    ...(meta.imageLaterality ? { '00200062': element('CS', meta.imageLaterality) } : { '00200060': element('CS') }),
    // General Equipment + SC Equipment: Conversion Type SYN = synthetic image.
    '00080070': element('LO', 'synthdiff'),
    '00080064': element('CS', 'SYN'),
    '00181016': element('LO', 'synthdiff'),
    '00181019': element('LO', IMPLEMENTATION_VERSION_NAME),
    // Image Pixel
    '00280002': element('US', 1),
    '00280004': element('CS', image.photometricInterpretation ?? 'MONOCHROME2'),
    '00280010': element('US', image.rows),
    '00280011': element('US', image.columns),
    '00280100': element('US', 16),
    '00280101': element('US', image.bitsStored),
    '00280102': element('US', image.bitsStored - 1),
    '00280103': element('US', image.pixelRepresentation),
    '7FE00010': element('OW', littleEndianBytes(image.pixels)),
  };
  if (image.pixelSpacing) {
    ds['00280030'] = element('DS', formatDS(image.pixelSpacing[0]), formatDS(image.pixelSpacing[1]));
  }
  if (image.plane) {
    // Image Plane and Frame of Reference modules (PS3.3 C.7.6.2, C.7.4.1): a synthetic series stacks
    // into a volume. Position Reference Indicator is Type 2: empty, no anatomical landmark is claimed.
    const { position, orientation } = image.plane;
    ds['00200032'] = element('DS', ...position.map(formatDS));
    ds['00200037'] = element('DS', ...orientation.map(formatDS));
    ds['00201041'] = element('DS', formatDS(sliceLocation(image.plane)));
    ds['00200052'] = element('UI', meta.frameOfReferenceUid);
    ds['00201040'] = element('LO');
  }
  if (image.rescaleSlope !== undefined || image.rescaleIntercept !== undefined) {
    // Modality LUT module: Rescale Type is Type 1C, required whenever Rescale Intercept is present.
    ds['00281052'] = element('DS', formatDS(image.rescaleIntercept ?? 0));
    ds['00281053'] = element('DS', formatDS(image.rescaleSlope ?? 1));
    ds['00281054'] = element('LO', image.rescaleType ?? (meta.modality === 'CT' ? 'HU' : 'US'));
  }
  if (image.windowCenter !== undefined && image.windowWidth !== undefined) {
    ds['00281050'] = element('DS', formatDS(image.windowCenter));
    ds['00281051'] = element('DS', formatDS(image.windowWidth));
  }
  if (/[^\x20-\x7e]/.test(seriesDescription + meta.modality)) {
    // dcmjs encodes text VRs as UTF-8; declare it so readers decode the same characters.
    ds['00080005'] = element('CS', 'ISO_IR 192');
  }
  return encodePart10(ds, EXPLICIT_VR_LITTLE_ENDIAN);
}

/** The slice normal of an Image Orientation (Patient): row direction × column direction. */
export function sliceNormal(orientation: readonly number[]): [number, number, number] {
  const [r0, r1, r2, c0, c1, c2] = orientation as [number, number, number, number, number, number];
  return [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
}

/** Slice Location as synthdiff writes it: the distance of the image plane along its normal, position · normal. */
export function sliceLocation(plane: NonNullable<SyntheticImage['plane']>): number {
  const n = sliceNormal(plane.orientation);
  return plane.position[0] * n[0] + plane.position[1] * n[1] + plane.position[2] * n[2];
}

/** Write one synthetic Secondary Capture instance to `path`, atomically. */
export async function writeSyntheticDicom(path: string, image: SyntheticImage, meta: SyntheticMeta): Promise<WrittenInstance> {
  const sopInstanceUid = meta.sopInstanceUid ?? newUid();
  const bytes = buildSyntheticDicom(image, { ...meta, sopInstanceUid }, path);
  await writeFileAtomic(path, bytes);
  return { sopInstanceUid };
}

/** DA value (YYYYMMDD) of a date, in UTC. */
function formatDA(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** TM value (HHMMSS) of a time, in UTC. */
function formatTM(d: Date): string {
  return d.toISOString().slice(11, 19).replace(/:/g, '');
}

/** A fictitious Patient ID that is the same for every instance of one synthetic study. */
export function syntheticPatientId(studyInstanceUid: string): string {
  return `SYN${createHash('sha256').update(studyInstanceUid).digest('hex').slice(0, 16).toUpperCase()}`;
}

/**
 * Encode a data set as a Part 10 file: 128-byte preamble, `DICM`, a fresh file meta group (version,
 * SOP class and instance taken from the data set, transfer syntax, synthdiff's implementation class
 * UID and version name) and the data set in `transferSyntaxUid`. Nothing from an input's meta header
 * survives, so source/sending AE titles and private meta information cannot leak through it.
 */
export function encodePart10(dataset: DicomDataset, transferSyntaxUid: string): Uint8Array {
  const sopClass = firstString(dataset['00080016']);
  const sopInstance = firstString(dataset['00080018']);
  if (!sopClass || !sopInstance) {
    throw new DicomError(messages.dicomWriteNoSop());
  }
  const meta: DicomDataset = {
    '00020001': element('OB', new Uint8Array([0x00, 0x01]).buffer),
    '00020002': element('UI', sopClass),
    '00020003': element('UI', sopInstance),
    '00020010': element('UI', transferSyntaxUid),
    '00020012': element('UI', SYNTHDIFF_IMPLEMENTATION_CLASS_UID),
    '00020013': element('SH', IMPLEMENTATION_VERSION_NAME),
  };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = dataset;
  // One fragment per frame: some transfer syntaxes (RLE) require it and all others allow it.
  return new Uint8Array(dict.write({ fragmentMultiframe: false }));
}

function firstString(el: DicomElement | undefined): string | undefined {
  const v = el?.Value?.[0];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Stored values as little-endian 16-bit words, whatever the host's byte order. */
function littleEndianBytes(pixels: Int16Array | Uint16Array): ArrayBuffer {
  const out = new ArrayBuffer(pixels.length * 2);
  const view = new DataView(out);
  if (pixels instanceof Int16Array) for (let i = 0; i < pixels.length; i++) view.setInt16(i * 2, pixels[i]!, true);
  else for (let i = 0; i < pixels.length; i++) view.setUint16(i * 2, pixels[i]!, true);
  return out;
}

function validateImage(img: SyntheticImage, where: string): void {
  const fail = (what: string): never => {
    throw new DicomError(messages.dicomSyntheticInvalid(where, what));
  };
  for (const [k, v] of [['rows', img.rows], ['columns', img.columns]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) fail(`${k} must be an integer in 1..65535, got ${v}`);
  }
  if (img.pixels.length !== img.rows * img.columns) {
    fail(`expected rows × columns = ${img.rows * img.columns} pixels (one frame), got ${img.pixels.length}`);
  }
  if (!Number.isInteger(img.bitsStored) || img.bitsStored < 1 || img.bitsStored > 16) {
    fail(`bitsStored must be an integer in 1..16, got ${img.bitsStored}`);
  }
  const signed = img.pixels instanceof Int16Array;
  if (signed !== (img.pixelRepresentation === 1)) {
    fail(`pixelRepresentation ${img.pixelRepresentation} does not match ${signed ? 'Int16Array' : 'Uint16Array'} pixels`);
  }
  const lo = signed ? -(2 ** (img.bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (img.bitsStored - 1) - 1 : 2 ** img.bitsStored - 1;
  for (let i = 0; i < img.pixels.length; i++) {
    const v = img.pixels[i]!;
    if (v < lo || v > hi) fail(`pixel ${i} = ${v} does not fit ${img.bitsStored} bits stored (range ${lo}..${hi})`);
  }
  if ((img.windowCenter === undefined) !== (img.windowWidth === undefined)) fail('give both windowCenter and windowWidth, or neither');
  if (img.windowWidth !== undefined && !(img.windowWidth >= 1)) fail(`windowWidth must be ≥ 1, got ${img.windowWidth}`);
  if (img.rescaleSlope !== undefined && (img.rescaleSlope === 0 || !Number.isFinite(img.rescaleSlope))) {
    fail(`rescaleSlope must be finite and non-zero, got ${img.rescaleSlope}`);
  }
  if (img.pixelSpacing && !img.pixelSpacing.every((s) => Number.isFinite(s) && s > 0)) fail('pixelSpacing values must be > 0');
  if (img.plane) {
    const { position, orientation } = img.plane;
    if (position.length !== 3 || !position.every(Number.isFinite)) fail('plane.position must be 3 finite numbers (mm)');
    if (orientation.length !== 6 || !orientation.every(Number.isFinite)) fail('plane.orientation must be 6 finite direction cosines');
    const n = sliceNormal(orientation);
    if (!(Math.hypot(...n) > 0.99)) fail('plane.orientation must be two orthogonal unit vectors');
  }
}

function validateMeta(meta: SyntheticMeta, image: SyntheticImage, where: string): void {
  const fail = (what: string): never => {
    throw new DicomError(messages.dicomSyntheticInvalid(where, what));
  };
  if (image.plane && meta.frameOfReferenceUid === undefined) fail('an image plane needs a frameOfReferenceUid');
  for (const [k, v] of [
    ['studyInstanceUid', meta.studyInstanceUid],
    ['seriesInstanceUid', meta.seriesInstanceUid],
    ['sopInstanceUid', meta.sopInstanceUid],
    ['frameOfReferenceUid', meta.frameOfReferenceUid],
  ] as const) {
    if (v !== undefined && !isValidUid(v)) fail(`${k} is not a valid UID: ${JSON.stringify(v)}`);
  }
  if (!/^[A-Z0-9 _]{1,16}$/.test(meta.modality)) fail(`modality must be a DICOM CS value such as CT, MR or OT, got ${JSON.stringify(meta.modality)}`);
  if (!Number.isInteger(meta.instanceNumber) || meta.instanceNumber < 0) fail(`instanceNumber must be a non-negative integer, got ${meta.instanceNumber}`);
  if (meta.seriesNumber !== undefined && (!Number.isInteger(meta.seriesNumber) || meta.seriesNumber < 0)) {
    fail(`seriesNumber must be a non-negative integer, got ${meta.seriesNumber}`);
  }
  if (meta.seriesDescription.length > 64) fail('seriesDescription exceeds 64 characters (LO)');
  if (/[\\\0-\x1f]/.test(meta.seriesDescription)) fail('seriesDescription must not contain backslashes or control characters');
  if (meta.studyDateTime !== undefined && Number.isNaN(meta.studyDateTime.getTime())) fail('studyDateTime is an invalid Date');
  if (meta.imageLaterality !== undefined && !['R', 'L', 'U', 'B'].includes(meta.imageLaterality)) {
    fail(`imageLaterality must be R, L, U or B, got ${JSON.stringify(meta.imageLaterality)}`);
  }
  if (meta.patientId !== undefined && (meta.patientId.length > 64 || /[\\\0-\x1f]/.test(meta.patientId))) {
    fail('patientId must be ≤ 64 characters without backslashes or control characters');
  }
}
