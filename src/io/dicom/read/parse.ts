/** Find the data sets: Part 10 files and bare data sets, File Meta, the transfer syntax (sniffed when the file has no File Meta). */
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from '../../../errors.js';
import { messages } from '../../../messages.js';
import { TRANSFER_SYNTAXES } from '../codecs.js';
import { implicitVr } from './attributes.js';
import { latin1, formatTag } from './util.js';

// dicom-parser is a webpack UMD bundle: Node's ESM loader cannot see its named exports, so load it as
// CommonJS. Its own index.d.ts types the module.
export const dp = createRequire(import.meta.url)('dicom-parser') as typeof import('dicom-parser');

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

export interface ParsedDataSets {
  dataSet: DataSet;
  /** File Meta elements, when they are not merged into `dataSet` (File Meta without a transfer syntax). */
  metaSet?: DataSet;
  transferSyntaxUID: string;
  part10: boolean;
}

export function hasPart10Prefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

export function parseDataSets(bytes: Uint8Array, source: string, notes: string[]): ParsedDataSets {
  // Inflate ourselves (node:zlib, raw deflate per PS3.5 A.5): dicom-parser's built-in Node path calls
  // Buffer methods on what may be a plain Uint8Array. Element offsets then index the inflated array,
  // which dicom-parser keeps as `dataSet.byteArray`; every read below goes through that.
  const inflater = (arr: Uint8Array, at: number | undefined): Uint8Array => {
    const position = at ?? 0; // undefined when dicom-parser was given the syntax rather than File Meta
    let inflated: Uint8Array;
    try {
      inflated = inflateRawSync(arr.subarray(position));
    } catch (e) {
      throw new DicomError(messages.dicomDeflatedNoInflate(source, (e as Error).message));
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
        throw new DicomError(messages.dicomNoTransferSyntaxNoElement(source, metaSet.position));
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
    throw new DicomError(messages.dicomNotDicom(source, bytes.length));
  }
  notes.push(`no Part 10 header (preamble, 'DICM', File Meta); inferred ${TRANSFER_SYNTAXES.get(sniffed)?.name} from the first element`);
  const dataSet = withoutStandInMeta(guard(source, () => dp.parseDicom(bytes, { ...options, TransferSyntaxUID: sniffed })));
  if (Object.keys(dataSet.elements).length === 0) throw new DicomError(messages.dicomNoElements(source));
  return { dataSet, transferSyntaxUID: sniffed, part10: false };
}

/**
 * Given a transfer syntax, dicom-parser merges a stand-in (0002,0010) element (a value, no bytes) into the
 * data set. The real one, if any, is in File Meta; drop the stand-in so lookups find that.
 */
export function withoutStandInMeta(ds: DataSet): DataSet {
  delete ds.elements['x00020010'];
  return ds;
}

/** Run a dicom-parser call, turning its thrown strings and `{ exception, dataSet }` objects into DicomErrors. */
export function guard<T>(source: string, f: () => T): T {
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
      throw new DicomError(messages.dicomElementTruncated(source, formatTag(last.tag), last.length, Math.max(0, partial.byteArray.length - last.dataOffset)));
    }
    throw new DicomError(messages.dicomCorruptDataSet(source, message, last && formatTag(last.tag)));
  }
}

export function lastElement(ds: DataSet): Element | undefined {
  let last: Element | undefined;
  for (const el of Object.values(ds.elements)) if (!last || el.dataOffset > last.dataOffset) last = el;
  return last;
}

export const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);
export const LONG_VRS = new Set('OB OD OF OL OV OW SQ UC UN UR UT SV UV'.split(' '));

/**
 * For a data set without File Meta (or File Meta without transfer syntax): decide the encoding from the
 * first element. The group of the first element is small (0x0008 usually), which tells the byte order;
 * two upper-case letters that form a VR after the tag tell explicit from implicit; and the element's
 * length must fit in the file. Returns undefined for bytes that are not a data set.
 */
export function sniffTransferSyntax(bytes: Uint8Array, at: number, size = bytes.length): string | undefined {
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
