/**
 * Read one DICOM object: Part 10 files and bare data sets, into metadata plus decoded frames.
 *
 * dicom-parser finds the elements; this module decides the transfer syntax (sniffing it when the file
 * has no File Meta), reads the attributes the toolkit needs with proper types and character sets, and
 * hands Pixel Data to codecs.ts / pixels.ts. Every problem a user can cause (wrong file, truncated file,
 * unsupported encoding, contradictory attributes) is a DicomError naming the file and the tag or UID.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import type { DataSet, Element, Fragment } from 'dicom-parser';
import { DicomError } from '../../errors.js';
import { charsetDecoder, type CharsetDecoder } from './charset.js';
import { decodeFrame, TRANSFER_SYNTAXES, type TransferSyntax } from './codecs.js';
import {
  DicomFrame,
  nativeFrameBits,
  nativeFrameBytes,
  storedArray,
  swapToLittleEndian,
  type PixelDescription,
} from './pixels.js';

// dicom-parser is a webpack UMD bundle: Node's ESM loader cannot see its named exports, so load it as
// CommonJS. Its own index.d.ts types the module.
const dp = createRequire(import.meta.url)('dicom-parser') as typeof import('dicom-parser');

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

/**
 * The attributes the toolkit uses, named by their DICOM keywords (PS3.6) so they can be looked up in the
 * standard. Absent attributes are undefined; defaults the standard defines are applied where noted.
 */
export interface DicomMetadata {
  TransferSyntaxUID: string;
  SpecificCharacterSet?: string;
  SOPClassUID?: string;
  SOPInstanceUID?: string;
  StudyInstanceUID?: string;
  SeriesInstanceUID?: string;
  Modality?: string;
  SeriesDescription?: string;
  InstanceNumber?: number;
  Rows?: number;
  Columns?: number;
  /** 1 when the attribute is absent and there is Pixel Data; 0 when there is no Pixel Data. */
  NumberOfFrames: number;
  SamplesPerPixel?: number;
  PhotometricInterpretation?: string;
  PlanarConfiguration?: number;
  BitsAllocated?: number;
  BitsStored?: number;
  HighBit?: number;
  PixelRepresentation?: number;
  /** Default 1 (identity) when absent. Also read from Enhanced multi-frame shared functional groups. */
  RescaleSlope: number;
  /** Default 0 when absent. */
  RescaleIntercept: number;
  RescaleType?: string;
  WindowCenter?: number[];
  WindowWidth?: number[];
  /** Interpreted with PixelRepresentation (US or SS). */
  PixelPaddingValue?: number;
  PixelPaddingRangeLimit?: number;
  ImagePositionPatient?: [number, number, number];
  ImageOrientationPatient?: [number, number, number, number, number, number];
  /** [row spacing, column spacing] in mm. */
  PixelSpacing?: [number, number];
  SliceThickness?: number;
}

export interface DicomImage {
  /** The path (or label) given; every error and note names it. */
  readonly source: string;
  readonly transferSyntax: TransferSyntax;
  /** False for a bare data set without preamble, 'DICM' and File Meta. */
  readonly hasPart10Header: boolean;
  readonly hasPixelData: boolean;
  readonly meta: DicomMetadata;
  /** Decoded frames (empty without Pixel Data, or when read with `pixels: false`). */
  readonly frames: DicomFrame[];
  /** Things worth knowing that did not stop reading: inferred transfer syntax, charset fallback, … */
  readonly notes: string[];
  /**
   * Any attribute's value as a string, by tag: '(0010,0010)', '0010,0010', '00100010' or 'x00100010'.
   * Text VRs are decoded by Specific Character Set; numbers (US, SS, UL, SL, FL, FD) are formatted and
   * joined with '\'; AT as 'GGGGEEEE'. Undefined when absent, and for sequences and bulk binary (OB, OW, UN…).
   * In Implicit VR files the VR comes from a small built-in dictionary; unknown tags are read as text.
   */
  tag(tag: string): string | undefined;
}

export interface ReadOptions {
  /** Decode Pixel Data (default true). False reads metadata only (fast scanning). */
  pixels?: boolean;
}

/** Read and decode a DICOM file. */
export async function readDicomFile(path: string, options: ReadOptions = {}): Promise<DicomImage> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new DicomError(`${path}: cannot read file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // A Buffer may be a slice of Node's shared pool: view exactly its bytes, never `buf.buffer` whole.
  return parseDicom(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path, options);
}

/**
 * True when the bytes start like DICOM: a Part 10 preamble + 'DICM', or a plausible first data element.
 * `bytes` may be just the head of a file (140 bytes suffice) when `fileSize` gives the whole length.
 */
export function looksLikeDicom(bytes: Uint8Array, fileSize = bytes.length): boolean {
  return hasPart10Prefix(bytes) || sniffTransferSyntax(bytes, 0, fileSize) !== undefined;
}

/** Parse and decode DICOM bytes; `source` names them in errors (usually the file path). */
export async function parseDicom(bytes: Uint8Array, source: string, options: ReadOptions = {}): Promise<DicomImage> {
  const notes: string[] = [];
  const { dataSet, metaSet, transferSyntaxUID, part10 } = parseDataSets(bytes, source, notes);
  const syntax = TRANSFER_SYNTAXES.get(transferSyntaxUID) ?? {
    uid: transferSyntaxUID,
    name: 'unknown transfer syntax',
    kind: 'unsupported' as const,
    lossless: false,
    explicitVR: true,
    littleEndian: true,
  };
  const attrs = new Attributes(dataSet, metaSet, source, notes);
  const meta = readMetadata(attrs, transferSyntaxUID, source, notes);
  const pixelElement = dataSet.elements['x7fe00010'];
  const frames = pixelElement && options.pixels !== false ? await readFrames(dataSet, pixelElement, meta, syntax, source, notes) : [];
  return {
    source,
    transferSyntax: syntax,
    hasPart10Header: part10,
    hasPixelData: pixelElement !== undefined,
    meta,
    frames,
    notes,
    tag: (t) => attrs.text(normaliseTag(t, source)),
  };
}

// ------------------------------------------------------------------------------------ data sets

interface ParsedDataSets {
  dataSet: DataSet;
  /** File Meta elements, when they are not merged into `dataSet` (File Meta without a transfer syntax). */
  metaSet?: DataSet;
  transferSyntaxUID: string;
  part10: boolean;
}

function hasPart10Prefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

function parseDataSets(bytes: Uint8Array, source: string, notes: string[]): ParsedDataSets {
  // Inflate ourselves (node:zlib, raw deflate per PS3.5 A.5): dicom-parser's built-in Node path calls
  // Buffer methods on what may be a plain Uint8Array. Element offsets then index the inflated array,
  // which dicom-parser keeps as `dataSet.byteArray`; every read below goes through that.
  const inflater = (arr: Uint8Array, at: number | undefined): Uint8Array => {
    const position = at ?? 0; // undefined when dicom-parser was given the syntax rather than File Meta
    let inflated: Uint8Array;
    try {
      inflated = inflateRawSync(arr.subarray(position));
    } catch (e) {
      throw new DicomError(`${source}: Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99) data set does not inflate: ${(e as Error).message}`);
    }
    const full = new Uint8Array(position + inflated.length);
    full.set(arr.subarray(0, position));
    full.set(inflated, position);
    return full;
  };
  const options = { inflater, vrCallback: implicitVr };

  if (hasPart10Prefix(bytes)) {
    const metaSet = guard(source, () => dp.readPart10Header(bytes)) as DataSet & { position: number };
    // dicom-parser reads File Meta until a tag sorts after (0002,FFFF), so a data set that opens with a
    // (0001,xxxx) element, or an implicit VR one, is partly swallowed. The mandatory group length
    // (0002,0000) says exactly where File Meta ends: trust it, and keep only group 0002 in File Meta.
    const groupLength = metaSet.elements['x00020000']?.length === 4 ? metaSet.uint32('x00020000') : undefined;
    if (groupLength !== undefined && 144 + groupLength <= bytes.length) metaSet.position = 144 + groupLength;
    for (const tag of Object.keys(metaSet.elements)) if (!tag.startsWith('x0002')) delete metaSet.elements[tag];
    const tsElement = metaSet.elements['x00020010'];
    // Read the UID ourselves: dicom-parser keeps a trailing NUL pad, then mistakes '1.2.840.10008.1.2\0'
    // for an explicit VR syntax.
    let uid = tsElement ? latin1(bytes.subarray(tsElement.dataOffset, tsElement.dataOffset + tsElement.length)).trim() : '';
    if (!uid) {
      // File Meta without (0002,0010): work out the encoding from the first data set element.
      const sniffed = sniffTransferSyntax(bytes, metaSet.position);
      if (!sniffed) {
        throw new DicomError(
          `${source}: File Meta has no TransferSyntaxUID (0002,0010) and the data set at byte ${metaSet.position} does not start with a readable element`,
        );
      }
      notes.push(`File Meta lacks TransferSyntaxUID (0002,0010); inferred ${sniffed} from the data set`);
      uid = sniffed;
    }
    // Parse the data set on its own (File Meta stays a separate data set), with the syntax we decided.
    const body = bytes.subarray(metaSet.position);
    const dataSet = withoutStandInMeta(guard(source, () => dp.parseDicom(body, { ...options, TransferSyntaxUID: uid })));
    return { dataSet, metaSet, transferSyntaxUID: uid, part10: true };
  }

  const sniffed = sniffTransferSyntax(bytes, 0);
  if (!sniffed) {
    throw new DicomError(
      `${source}: not a DICOM file: no 'DICM' marker at byte 128 and byte 0 does not start a data element ` +
        `(${bytes.length} bytes)`,
    );
  }
  notes.push(`no Part 10 header (preamble, 'DICM', File Meta); inferred ${TRANSFER_SYNTAXES.get(sniffed)?.name} from the first element`);
  const dataSet = withoutStandInMeta(guard(source, () => dp.parseDicom(bytes, { ...options, TransferSyntaxUID: sniffed })));
  if (Object.keys(dataSet.elements).length === 0) throw new DicomError(`${source}: not a DICOM file: no data elements`);
  return { dataSet, transferSyntaxUID: sniffed, part10: false };
}

/**
 * Given a transfer syntax, dicom-parser merges a stand-in (0002,0010) element (a value, no bytes) into the
 * data set. The real one, if any, is in File Meta; drop the stand-in so lookups find that.
 */
function withoutStandInMeta(ds: DataSet): DataSet {
  delete ds.elements['x00020010'];
  return ds;
}

/** Run a dicom-parser call, turning its thrown strings and `{ exception, dataSet }` objects into DicomErrors. */
function guard<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DicomError) throw e;
    const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
    if (inner instanceof DicomError) throw inner;
    const partial = typeof e === 'object' && e !== null && 'dataSet' in e ? (e as { dataSet: DataSet }).dataSet : undefined;
    const message = String(inner instanceof Error ? inner.message : inner).replace(/^dicomParser[.:]\w*:\s*/, '');
    const last = partial ? lastElement(partial) : undefined;
    if (partial && last && last.length !== 0xffffffff && last.dataOffset + last.length > partial.byteArray.length) {
      throw new DicomError(
        `${source}: truncated: element ${formatTag(last.tag)} declares ${last.length} bytes but only ` +
          `${Math.max(0, partial.byteArray.length - last.dataOffset)} remain in the file`,
      );
    }
    const where = last ? ` after element ${formatTag(last.tag)}` : '';
    throw new DicomError(`${source}: truncated or corrupt data set${where}: ${message}`);
  }
}

function lastElement(ds: DataSet): Element | undefined {
  let last: Element | undefined;
  for (const el of Object.values(ds.elements)) if (!last || el.dataOffset > last.dataOffset) last = el;
  return last;
}

const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
const LONG_VRS = new Set('OB OD OF OL OV OW SQ UC UN UR UT SV UV'.split(' '));

/**
 * For a data set without File Meta (or File Meta without transfer syntax): decide the encoding from the
 * first element. The group of the first element is small (0x0008 usually), which tells the byte order;
 * two upper-case letters that form a VR after the tag tell explicit from implicit; and the element's
 * length must fit in the file. Returns undefined for bytes that are not a data set.
 */
function sniffTransferSyntax(bytes: Uint8Array, at: number, size = bytes.length): string | undefined {
  if (bytes.length - at < 8) return undefined;
  const le = bytes[at]! | (bytes[at + 1]! << 8);
  const be = (bytes[at]! << 8) | bytes[at + 1]!;
  const littleEndian = le <= be;
  const group = littleEndian ? le : be;
  // Odd (private) groups are allowed: some files open with one, e.g. (0001,0001) in pydicom's tests.
  if (group > 0x0028) return undefined;
  const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
  const explicit = VRS.has(vr);
  if (!explicit && !littleEndian) return undefined; // there is no implicit VR big endian
  const u16 = (i: number): number => (littleEndian ? bytes[i]! | (bytes[i + 1]! << 8) : (bytes[i]! << 8) | bytes[i + 1]!);
  const u32 = (i: number): number => (littleEndian ? u16(i) + u16(i + 2) * 65536 : u16(i) * 65536 + u16(i + 2));
  let header: number;
  let length: number;
  if (!explicit) {
    header = 8;
    length = u32(at + 4);
  } else if (LONG_VRS.has(vr)) {
    if (bytes.length - at < 12) return undefined;
    header = 12;
    length = u32(at + 8);
  } else {
    header = 8;
    length = u16(at + 6);
  }
  if (length !== 0xffffffff && at + header + length > size) return undefined;
  if (!explicit) return IMPLICIT_VR_LITTLE_ENDIAN;
  return littleEndian ? EXPLICIT_VR_LITTLE_ENDIAN : EXPLICIT_VR_BIG_ENDIAN;
}

// ----------------------------------------------------------------------------------- attributes

/** VRs for the tags we read, needed in Implicit VR data sets where the file does not say. */
const DICTIONARY: Record<string, string> = {
  x00020010: 'UI',
  x00080005: 'CS',
  x00080016: 'UI',
  x00080018: 'UI',
  x00080060: 'CS',
  x00080070: 'LO',
  x0008103e: 'LO',
  x00081030: 'LO',
  x00100010: 'PN',
  x00100020: 'LO',
  x00180050: 'DS',
  x0020000d: 'UI',
  x0020000e: 'UI',
  x00200013: 'IS',
  x00200032: 'DS',
  x00200037: 'DS',
  x00280002: 'US',
  x00280004: 'CS',
  x00280006: 'US',
  x00280008: 'IS',
  x00280010: 'US',
  x00280011: 'US',
  x00280030: 'DS',
  x00280100: 'US',
  x00280101: 'US',
  x00280102: 'US',
  x00280103: 'US',
  x00280120: 'US',
  x00280121: 'US',
  x00281050: 'DS',
  x00281051: 'DS',
  x00281052: 'DS',
  x00281053: 'DS',
  x00281054: 'LO',
  x7fe00010: 'OW',
  x52009229: 'SQ',
  x52009230: 'SQ',
  x00289145: 'SQ',
  x00289110: 'SQ',
  x00209113: 'SQ',
  x00209116: 'SQ',
};

function implicitVr(tag: string): string | undefined {
  return DICTIONARY[tag];
}

const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
const BULK_VRS = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN', 'SQ']);

/** Typed, charset-aware access to a data set (and File Meta kept apart from it). */
class Attributes {
  private readonly charset: CharsetDecoder;

  constructor(
    private readonly ds: DataSet,
    private readonly metaSet: DataSet | undefined,
    private readonly source: string,
    notes: string[],
  ) {
    const scs = this.element('x00080005');
    this.charset = charsetDecoder(scs ? this.rawText(scs.ds, scs.el) : undefined);
    if (this.charset.note) notes.push(this.charset.note);
  }

  element(tag: string): { ds: DataSet; el: Element } | undefined {
    const el = this.ds.elements[tag];
    if (el) return { ds: this.ds, el };
    const m = this.metaSet?.elements[tag];
    return m && this.metaSet ? { ds: this.metaSet, el: m } : undefined;
  }

  private rawText(ds: DataSet, el: Element): string {
    return latin1(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length));
  }

  /** String value with the padding DICOM allows removed (trailing spaces/NULs; leading spaces too for non-text VRs). */
  string(tag: string): string | undefined {
    return this.text(tag)?.trim();
  }

  text(tag: string): string | undefined {
    const found = this.element(tag);
    if (!found) return undefined;
    const { ds, el } = found;
    const vr = el.vr ?? DICTIONARY[tag];
    if (vr && BULK_VRS.has(vr)) return undefined;
    if (vr === 'US' || vr === 'SS' || vr === 'UL' || vr === 'SL' || vr === 'FL' || vr === 'FD') {
      const size = vr === 'FD' ? 8 : vr === 'US' || vr === 'SS' ? 2 : 4;
      const values: number[] = [];
      for (let i = 0; i < Math.floor(el.length / size); i++) {
        const v = vr === 'US' ? ds.uint16(tag, i) : vr === 'SS' ? ds.int16(tag, i) : vr === 'UL' ? ds.uint32(tag, i) : vr === 'SL' ? ds.int32(tag, i) : vr === 'FL' ? ds.float(tag, i) : ds.double(tag, i);
        if (v !== undefined) values.push(v);
      }
      return values.join('\\');
    }
    if (vr === 'AT') {
      const values: string[] = [];
      for (let i = 0; i < Math.floor(el.length / 4); i++) {
        const g = ds.uint16(tag, 2 * i)!;
        const e = ds.uint16(tag, 2 * i + 1)!;
        values.push(hex4(g) + hex4(e));
      }
      return values.join('\\');
    }
    const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const s = !vr || TEXT_VRS.has(vr) ? this.charset.decode(bytes) : latin1(bytes);
    return s.replace(/[\0 ]+$/, '');
  }

  uint16(tag: string): number | undefined {
    const found = this.element(tag);
    if (!found || found.el.length < 2) return undefined;
    return found.ds.uint16(tag);
  }

  /** IS/DS values; invalid numbers → DicomError when `required`, else a note and undefined. */
  numbers(tag: string, name: string, required: boolean, notes?: string[]): number[] | undefined {
    const s = this.string(tag);
    if (s === undefined || s === '') return undefined;
    const values = s.split('\\').map((v) => v.trim());
    const parsed = values.map(Number);
    const bad = values.findIndex((v, i) => v === '' || !Number.isFinite(parsed[i]!));
    if (bad >= 0) {
      const msg = `${name} ${formatTag(tag)} value '${s}' is not numeric`;
      if (required) throw new DicomError(`${this.source}: ${msg}; expected a decimal number`);
      notes?.push(`${msg}; ignored`);
      return undefined;
    }
    return parsed;
  }

  /** First value of a sequence item's attribute, looking in shared functional groups (Enhanced multi-frame). */
  functionalGroup(sequenceTag: string, tag: string): string | undefined {
    const shared = this.ds.elements['x52009229']?.items?.[0]?.dataSet;
    const item = shared?.elements[sequenceTag]?.items?.[0]?.dataSet;
    const el = item?.elements[tag];
    if (!item || !el) return undefined;
    return latin1(item.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).trim();
  }
}

function readMetadata(a: Attributes, transferSyntaxUID: string, source: string, notes: string[]): DicomMetadata {
  const ints = (tag: string, name: string, required: boolean): number | undefined => {
    const v = a.numbers(tag, name, required, notes)?.[0];
    if (v !== undefined && !Number.isInteger(v)) {
      if (required) throw new DicomError(`${source}: ${name} ${formatTag(tag)} is ${v}; expected an integer`);
      return undefined;
    }
    return v;
  };
  const fixed = <N extends number>(tag: string, name: string, n: N): number[] | undefined => {
    const v = a.numbers(tag, name, false, notes);
    return v && v.length >= n ? v.slice(0, n) : undefined;
  };
  const hasPixels = a.element('x7fe00010') !== undefined;
  const pixelRepresentation = a.uint16('x00280103');
  const signed = (v: number | undefined): number | undefined =>
    v !== undefined && pixelRepresentation === 1 && v >= 0x8000 ? v - 0x10000 : v;

  const fg = (seq: string, tag: string): number[] | undefined => {
    const s = a.functionalGroup(seq, tag);
    if (!s) return undefined;
    const v = s.split('\\').map(Number);
    return v.every(Number.isFinite) ? v : undefined;
  };
  const slope = a.numbers('x00281053', 'RescaleSlope', true)?.[0] ?? fg('x00289145', 'x00281053')?.[0] ?? 1;
  const intercept = a.numbers('x00281052', 'RescaleIntercept', true)?.[0] ?? fg('x00289145', 'x00281052')?.[0] ?? 0;
  const frames = ints('x00280008', 'NumberOfFrames', hasPixels);

  const meta: DicomMetadata = {
    TransferSyntaxUID: transferSyntaxUID,
    SpecificCharacterSet: a.string('x00080005'),
    SOPClassUID: a.string('x00080016'),
    SOPInstanceUID: a.string('x00080018'),
    StudyInstanceUID: a.string('x0020000d'),
    SeriesInstanceUID: a.string('x0020000e'),
    Modality: a.string('x00080060'),
    SeriesDescription: a.string('x0008103e'),
    InstanceNumber: ints('x00200013', 'InstanceNumber', false),
    Rows: a.uint16('x00280010'),
    Columns: a.uint16('x00280011'),
    NumberOfFrames: hasPixels ? frames ?? 1 : 0,
    SamplesPerPixel: a.uint16('x00280002'),
    PhotometricInterpretation: a.string('x00280004'),
    PlanarConfiguration: a.uint16('x00280006'),
    BitsAllocated: a.uint16('x00280100'),
    BitsStored: a.uint16('x00280101'),
    HighBit: a.uint16('x00280102'),
    PixelRepresentation: pixelRepresentation,
    RescaleSlope: slope,
    RescaleIntercept: intercept,
    RescaleType: a.string('x00281054'),
    WindowCenter: a.numbers('x00281050', 'WindowCenter', false, notes),
    WindowWidth: a.numbers('x00281051', 'WindowWidth', false, notes),
    PixelPaddingValue: signed(a.uint16('x00280120')),
    PixelPaddingRangeLimit: signed(a.uint16('x00280121')),
    ImagePositionPatient: fixed('x00200032', 'ImagePositionPatient', 3) as DicomMetadata['ImagePositionPatient'],
    ImageOrientationPatient: (fixed('x00200037', 'ImageOrientationPatient', 6) ??
      fg('x00209116', 'x00200037')?.slice(0, 6)) as DicomMetadata['ImageOrientationPatient'],
    PixelSpacing: (fixed('x00280030', 'PixelSpacing', 2) ?? fg('x00289110', 'x00280030')?.slice(0, 2)) as DicomMetadata['PixelSpacing'],
    SliceThickness: a.numbers('x00180050', 'SliceThickness', false, notes)?.[0],
  };
  if (meta.NumberOfFrames < 1 && hasPixels) throw new DicomError(`${source}: NumberOfFrames (0028,0008) is ${meta.NumberOfFrames}; expected at least 1`);
  return meta;
}

// --------------------------------------------------------------------------------------- pixels

async function readFrames(
  ds: DataSet,
  el: Element,
  meta: DicomMetadata,
  syntax: TransferSyntax,
  source: string,
  notes: string[],
): Promise<DicomFrame[]> {
  const need = (value: number | undefined, name: string, tag: string): number => {
    if (value === undefined) throw new DicomError(`${source}: has Pixel Data (7FE0,0010) but no ${name} ${tag}`);
    return value;
  };
  const rows = need(meta.Rows, 'Rows', '(0028,0010)');
  const columns = need(meta.Columns, 'Columns', '(0028,0011)');
  const bitsAllocated = need(meta.BitsAllocated, 'BitsAllocated', '(0028,0100)');
  const samplesPerPixel = meta.SamplesPerPixel ?? 1;
  const bitsStored = meta.BitsStored ?? bitsAllocated;
  const highBit = meta.HighBit ?? bitsStored - 1;
  const photometric = meta.PhotometricInterpretation ?? (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB');
  if (meta.PhotometricInterpretation === undefined) notes.push(`PhotometricInterpretation (0028,0004) missing; assumed ${photometric}`);
  if (rows === 0 || columns === 0) throw new DicomError(`${source}: Rows × Columns (0028,0010/0011) is ${rows}×${columns}; expected non-zero`);
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw new DicomError(`${source}: BitsAllocated (0028,0100) is ${bitsAllocated}; expected 1, 8, 16 or 32`);
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new DicomError(
      `${source}: BitsStored (0028,0101) ${bitsStored} / HighBit (0028,0102) ${highBit} do not fit BitsAllocated ${bitsAllocated}`,
    );
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw new DicomError(`${source}: SamplesPerPixel (0028,0002) is ${samplesPerPixel}; expected 1 or 3`);
  const d: PixelDescription = {
    source,
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: meta.PixelRepresentation === 1 ? 1 : 0,
    photometric,
    planarConfiguration: meta.PlanarConfiguration === 1 ? 1 : 0,
    rescaleSlope: meta.RescaleSlope,
    rescaleIntercept: meta.RescaleIntercept,
    paddingValue: meta.PixelPaddingValue,
    paddingRangeLimit: meta.PixelPaddingRangeLimit,
  };
  const count = meta.NumberOfFrames;

  if (syntax.kind === 'unsupported') {
    throw new DicomError(`${source}: transfer syntax ${syntax.uid} (${syntax.name}) is not supported for Pixel Data`);
  }
  const end = el.dataOffset + el.length;
  if (el.encapsulatedPixelData) {
    if (syntax.kind === 'native' || syntax.kind === 'deflate') {
      throw new DicomError(`${source}: Pixel Data (7FE0,0010) is encapsulated but transfer syntax ${syntax.uid} (${syntax.name}) is uncompressed`);
    }
    const groups = frameFragments(ds.byteArray, readFragments(ds.byteArray, el.dataOffset, source), count, syntax, source);
    const frames: DicomFrame[] = [];
    for (let i = 0; i < count; i++) {
      const encoded = concatFragments(ds.byteArray, groups[i]!);
      const out = await decodeFrame(syntax, encoded, d, photometric, `${source} frame ${i + 1}/${count}`);
      frames.push(new DicomFrame(i, storedArray(out.bytes, d, false), out.photometric ?? photometric, d));
    }
    return frames;
  }

  if (syntax.kind !== 'native' && syntax.kind !== 'deflate') {
    throw new DicomError(`${source}: transfer syntax ${syntax.uid} (${syntax.name}) needs encapsulated Pixel Data (7FE0,0010), found a defined length`);
  }
  if (end > ds.byteArray.length) {
    throw new DicomError(
      `${source}: truncated: Pixel Data (7FE0,0010) declares ${el.length} bytes but only ${ds.byteArray.length - el.dataOffset} remain`,
    );
  }
  const neededBits = count * nativeFrameBits(d);
  if (el.length * 8 < neededBits) {
    throw new DicomError(
      `${source}: Pixel Data (7FE0,0010) holds ${el.length} bytes; ${count} frame(s) of ${rows}×${columns}×${samplesPerPixel} at ${bitsAllocated} bits need ${Math.ceil(neededBits / 8)}`,
    );
  }
  let pixelData = ds.byteArray.subarray(el.dataOffset, end);
  if (!syntax.littleEndian) {
    const vr = el.vr ?? 'OW';
    const word = vr === 'OB' ? 1 : vr === 'OD' ? 8 : vr === 'OL' || vr === 'OF' || bitsAllocated === 32 ? 4 : 2;
    if (word > 1) pixelData = swapToLittleEndian(pixelData, word);
  }
  const frames: DicomFrame[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = nativeFrameBytes(pixelData, i, d);
    const storedDesc = bitsAllocated === 1 ? { ...d, bitsAllocated: 8 } : d; // unpacked to bytes
    frames.push(new DicomFrame(i, storedArray(bytes, storedDesc, d.planarConfiguration === 1), photometric, d));
  }
  return frames;
}

interface Encapsulated {
  /** Basic Offset Table: frame start offsets from the first fragment's item tag (empty when absent). */
  bot: number[];
  /** offset: from the first fragment's item tag; position: absolute start of the fragment's data. */
  fragments: Fragment[];
}

/**
 * Walk the items of encapsulated Pixel Data (PS3.5 A.4) by their lengths. We do not use dicom-parser's
 * fragment list: it finds the end by scanning for the Sequence Delimitation tag, so bytes inside a
 * fragment that happen to spell FFFE,E0DD cut the data short.
 */
function readFragments(bytes: Uint8Array, start: number, source: string): Encapsulated {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const items: Array<{ at: number; position: number; length: number }> = [];
  let pos = start;
  while (pos + 8 <= bytes.length) {
    const group = view.getUint16(pos, true);
    const element = view.getUint16(pos + 2, true);
    const length = view.getUint32(pos + 4, true);
    if (group === 0xfffe && element === 0xe0dd) break;
    if (group !== 0xfffe || element !== 0xe000) {
      throw new DicomError(`${source}: encapsulated Pixel Data (7FE0,0010) has tag (${hex4(group)},${hex4(element)}) at byte ${pos}; expected an Item (FFFE,E000)`);
    }
    if (pos + 8 + length > bytes.length) {
      throw new DicomError(`${source}: truncated: Pixel Data (7FE0,0010) fragment at byte ${pos} declares ${length} bytes, ${bytes.length - pos - 8} remain`);
    }
    items.push({ at: pos, position: pos + 8, length });
    pos += 8 + length;
  }
  const [table, ...rest] = items;
  if (!table) throw new DicomError(`${source}: encapsulated Pixel Data (7FE0,0010) has no Basic Offset Table item`);
  const bot: number[] = [];
  for (let i = 0; i + 4 <= table.length; i += 4) bot.push(view.getUint32(table.position + i, true));
  const first = rest[0]?.at ?? 0;
  return { bot, fragments: rest.map((f) => ({ offset: f.at - first, position: f.position, length: f.length })) };
}

/** Which fragments make up each frame (PS3.5 A.4): by Basic Offset Table, one per frame, or by JPEG SOI. */
function frameFragments(byteArray: Uint8Array, { bot, fragments }: Encapsulated, count: number, syntax: TransferSyntax, source: string): Fragment[][] {
  if (fragments.length === 0) throw new DicomError(`${source}: encapsulated Pixel Data (7FE0,0010) has no fragments`);
  if (count === 1) return [fragments];
  if (bot.length === count) {
    return bot.map((start, i) => {
      const stop = i + 1 < count ? bot[i + 1]! : Infinity;
      return fragments.filter((f) => f.offset >= start && f.offset < stop);
    });
  }
  if (fragments.length === count) return fragments.map((f) => [f]);
  if (syntax.kind === 'jpeg-baseline' || syntax.kind === 'jpeg-extended' || syntax.kind === 'jpeg-lossless') {
    // Without an offset table, each JPEG frame starts with an SOI marker (FFD8) at the start of a fragment.
    const groups: Fragment[][] = [];
    for (const f of fragments) {
      const soi = byteArray[f.position] === 0xff && byteArray[f.position + 1] === 0xd8;
      if (soi || groups.length === 0) groups.push([f]);
      else groups[groups.length - 1]!.push(f);
    }
    if (groups.length === count) return groups;
  }
  throw new DicomError(
    `${source}: encapsulated Pixel Data (7FE0,0010) has ${fragments.length} fragments for ${count} frames and no usable Basic Offset Table`,
  );
}

function concatFragments(byteArray: Uint8Array, fragments: Fragment[]): Uint8Array {
  if (fragments.length === 1) {
    const f = fragments[0]!;
    return byteArray.subarray(f.position, f.position + f.length);
  }
  const out = new Uint8Array(fragments.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of fragments) {
    out.set(byteArray.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

// ------------------------------------------------------------------------------------- helpers

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) break;
    s += String.fromCharCode(bytes[i]!);
  }
  return s;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function formatTag(tag: string): string {
  const t = tag.replace(/^x/, '').toUpperCase();
  return `(${t.slice(0, 4)},${t.slice(4, 8)})`;
}

function normaliseTag(tag: string, source: string): string {
  const hex = tag.replace(/[(),\s]/g, '').replace(/^x/i, '');
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new DicomError(`${source}: tag '${tag}' is not of the form (GGGG,EEEE)`);
  return `x${hex.toLowerCase()}`;
}
