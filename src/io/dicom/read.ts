/**
 * Read one DICOM object: Part 10 files and bare data sets, into metadata plus decoded frames.
 *
 * dicom-parser finds the elements; this module decides the transfer syntax (sniffing it when the file
 * has no File Meta), reads the attributes the toolkit needs with proper types and character sets, and
 * hands Pixel Data to codecs.ts / pixels.ts. Every problem a user can cause (wrong file, truncated file,
 * unsupported encoding, contradictory attributes) is a DicomError naming the file and the tag or UID.
 *
 * The parts live in ./read/, one per section: parse.ts (data sets, transfer syntax), attributes.ts (typed
 * attribute access), metadata.ts (DicomMetadata), pixels.ts (frames and fragments), util.ts.
 */
import { readFile } from 'node:fs/promises';
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';
import { TRANSFER_SYNTAXES, type TransferSyntax } from './codecs.js';
import { DicomFrame } from './pixels.js';
import { hasPart10Prefix, parseDataSets, sniffTransferSyntax } from './read/parse.js';
import { Attributes } from './read/attributes.js';
import { DicomMetadata, readMetadata } from './read/metadata.js';
import { readFrames } from './read/pixels.js';
import { normaliseTag } from './read/util.js';
export { EXPLICIT_VR_BIG_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from './read/parse.js';
export type { DicomMetadata } from './read/metadata.js';

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
    throw new DicomError(messages.dicomCannotReadFile(path, (e as NodeJS.ErrnoException).code ?? String(e)));
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
  try {
    return await parseDicomUnguarded(bytes, source, options);
  } catch (e) {
    // dicom-parser throws plain strings when an accessor runs past the buffer (e.g. a File Meta cut inside
    // an element); those are the file's fault, not ours. Errors (internal bugs) keep their stack.
    if (typeof e === 'string') throw new DicomError(messages.dicomCorruptDataSet(source, e.replace(/^dicomParser[.:]\w*:\s*/, '')));
    throw e;
  }
}

async function parseDicomUnguarded(bytes: Uint8Array, source: string, options: ReadOptions): Promise<DicomImage> {
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
