/** The attributes the toolkit uses (DicomMetadata), read and checked against each other. */
import { DicomError } from '../../../errors.js';
import { messages } from '../../../messages.js';
import { csaNumbers, readCsaHeader } from '../csa.js';
import { Attributes } from './attributes.js';
import { formatTag } from './util.js';

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
  /** ImageType (0008,0008) values. */
  ImageType?: string[];
  /** Spacing Between Slices (0018,0088), centre to centre, in mm. */
  SpacingBetweenSlices?: number;
  /**
   * Siemens mosaics (ImageType contains MOSAIC): the number of slices tiled into each frame, from the
   * private NumberOfImagesInMosaic (0019,xx0A) of creator SIEMENS MR HEADER, else from the CSA image
   * header (0029,xx10) of creator SIEMENS CSA HEADER.
   */
  NumberOfImagesInMosaic?: number;
  /**
   * Siemens mosaics: the CSA image header's SliceNormalVector, as stored: the direction in which the
   * mosaic's tiles advance (it may point against the normal of ImageOrientationPatient).
   */
  SliceNormalVector?: [number, number, number];
  /**
   * Enhanced multi-frame: each frame's own values from Per-Frame Functional Groups (5200,9230), falling back
   * to the Shared Functional Groups / top-level values above. Undefined for files without the sequence.
   */
  PerFrame?: FrameAttributes[];
}

/** Attributes a frame of an Enhanced multi-frame image may carry in its functional groups. */
export interface FrameAttributes {
  /** Pixel Value Transformation (0028,9145). */
  RescaleSlope: number;
  RescaleIntercept: number;
  /** Pixel Measures (0028,9110). */
  PixelSpacing?: [number, number];
  /** Plane Position (Patient) (0020,9113). */
  ImagePositionPatient?: [number, number, number];
  /** Plane Orientation (Patient) (0020,9116). */
  ImageOrientationPatient?: [number, number, number, number, number, number];
}

export function readMetadata(a: Attributes, transferSyntaxUID: string, source: string, notes: string[]): DicomMetadata {
  const ints = (tag: string, name: string, required: boolean): number | undefined => {
    const v = a.numbers(tag, name, required, notes)?.[0];
    if (v !== undefined && !Number.isInteger(v)) {
      if (required) throw new DicomError(messages.dicomNotInteger(source, name, formatTag(tag), v));
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

  const fg = (seq: string, tag: string, frame?: number): number[] | undefined => {
    const s = a.functionalGroup(seq, tag, frame);
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
    SpacingBetweenSlices: a.numbers('x00180088', 'SpacingBetweenSlices', false, notes)?.[0],
  };
  meta.ImageType = a.string('x00080008')?.split('\\').map((v) => v.trim().toUpperCase());
  if (meta.ImageType?.includes('MOSAIC')) {
    const tag = a.privateTag('0019', 'SIEMENS MR HEADER', 0x0a);
    const found = tag ? a.element(tag) : undefined;
    // US in explicit VR files; in implicit VR the private VR is unknown: two bytes are a US, else text.
    const mr = !tag || !found ? undefined : found.el.length === 2 ? a.uint16(tag) : Number(a.string(tag));
    const csa = csaImageHeader(a, notes);
    // Anonymisers and converters often drop (0019,xx0A) and keep the CSA header, which Siemens always writes.
    const n = validCount(mr) ?? validCount(csa && csaNumbers(csa, 'NumberOfImagesInMosaic')?.[0]);
    if (n !== undefined) meta.NumberOfImagesInMosaic = n;
    else notes.push(messages.dicomMosaicNoImageCount());
    const normal = csa?.get('SliceNormalVector');
    if (normal && normal.length > 0) {
      const v = csaNumbers(csa!, 'SliceNormalVector');
      if (v && v.length === 3 && Math.hypot(v[0]!, v[1]!, v[2]!) > 1e-6) meta.SliceNormalVector = v as [number, number, number];
      else notes.push(messages.dicomCsaSliceNormal(normal));
    }
  }
  const perFrame = a.perFrameItems();
  if (perFrame > 0) {
    if (perFrame !== meta.NumberOfFrames) notes.push(`Per-Frame Functional Groups (5200,9230) has ${perFrame} items for ${meta.NumberOfFrames} frames; frames without an item use the shared values`);
    meta.PerFrame = Array.from({ length: meta.NumberOfFrames }, (_, f): FrameAttributes => {
      const slopeF = fg('x00289145', 'x00281053', f)?.[0];
      const interceptF = fg('x00289145', 'x00281052', f)?.[0];
      return {
        RescaleSlope: slopeF ?? slope,
        RescaleIntercept: interceptF ?? intercept,
        PixelSpacing: (fg('x00289110', 'x00280030', f)?.slice(0, 2) ?? meta.PixelSpacing) as FrameAttributes['PixelSpacing'],
        ImagePositionPatient: (fg('x00209113', 'x00200032', f)?.slice(0, 3) ?? fg('x00209113', 'x00200032')?.slice(0, 3) ?? meta.ImagePositionPatient) as FrameAttributes['ImagePositionPatient'],
        ImageOrientationPatient: (fg('x00209116', 'x00200037', f)?.slice(0, 6) ?? meta.ImageOrientationPatient) as FrameAttributes['ImageOrientationPatient'],
      };
    });
  }
  if (meta.NumberOfFrames < 1 && hasPixels) throw new DicomError(messages.dicomNumberOfFrames(source, meta.NumberOfFrames));
  return meta;
}

function validCount(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The tags of the CSA Image Header Info (0029,xx10, SIEMENS CSA HEADER); undefined when absent or unreadable (with a note). */
function csaImageHeader(a: Attributes, notes: string[]): Map<string, string[]> | undefined {
  const tag = a.privateTag('0029', 'SIEMENS CSA HEADER', 0x10);
  const found = tag ? a.element(tag) : undefined;
  if (!tag || !found) return undefined;
  const { ds, el } = found;
  const { header, note } = readCsaHeader(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length));
  const why = header?.note ?? note;
  if (why) notes.push(messages.dicomCsaHeaderUnread(formatTag(tag), why));
  return header?.tags;
}
