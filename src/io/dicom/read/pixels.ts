/** Pixel Data: native and encapsulated (fragments, Basic Offset Table) frames, handed to codecs.ts / pixels.ts. */
import type { DataSet, Element, Fragment } from 'dicom-parser';
import { DicomError } from '../../../errors.js';
import { messages } from '../../../messages.js';
import { decodeFrame, type TransferSyntax } from '../codecs.js';
import { DicomFrame, nativeFrameBits, nativeFrameBytes, storedArray, swapToLittleEndian, type PixelDescription } from '../pixels.js';
import { DicomMetadata } from './metadata.js';
import { hex4 } from './util.js';

export async function readFrames(
  ds: DataSet,
  el: Element,
  meta: DicomMetadata,
  syntax: TransferSyntax,
  source: string,
  notes: string[],
): Promise<DicomFrame[]> {
  const need = (value: number | undefined, name: string, tag: string): number => {
    if (value === undefined) throw new DicomError(messages.dicomPixelAttributeMissing(source, name, tag));
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
  if (rows === 0 || columns === 0) throw new DicomError(messages.dicomZeroSize(source, rows, columns));
  if (![1, 8, 16, 32].includes(bitsAllocated)) throw new DicomError(messages.dicomBitsAllocated(source, bitsAllocated));
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    throw new DicomError(messages.dicomBitsStored(source, bitsStored, highBit, bitsAllocated));
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) throw new DicomError(messages.dicomSamplesPerPixel(source, samplesPerPixel));
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
    throw new DicomError(messages.dicomSyntaxUnsupported(source, syntax.uid, syntax.name));
  }
  const end = el.dataOffset + el.length;
  if (el.encapsulatedPixelData) {
    if (syntax.kind === 'native' || syntax.kind === 'deflate') {
      throw new DicomError(messages.dicomEncapsulatedUncompressed(source, syntax.uid, syntax.name));
    }
    const groups = frameFragments(ds.byteArray, readFragments(ds.byteArray, el.dataOffset, source), count, syntax, source);
    const frames: DicomFrame[] = [];
    for (let i = 0; i < count; i++) {
      const encoded = concatFragments(ds.byteArray, groups[i]!);
      const out = await decodeFrame(syntax, encoded, d, photometric, `${source} frame ${i + 1}/${count}`);
      frames.push(new DicomFrame(i, storedArray(out.bytes, d, false), out.photometric ?? photometric, frameDescription(d, meta, i)));
    }
    return frames;
  }

  if (syntax.kind !== 'native' && syntax.kind !== 'deflate') {
    throw new DicomError(messages.dicomNeedsEncapsulated(source, syntax.uid, syntax.name));
  }
  if (end > ds.byteArray.length) {
    throw new DicomError(messages.dicomPixelDataTruncated(source, el.length, ds.byteArray.length - el.dataOffset));
  }
  const neededBits = count * nativeFrameBits(d);
  if (el.length * 8 < neededBits) {
    throw new DicomError(messages.dicomPixelDataShort(source, el.length, count, rows, columns, samplesPerPixel, bitsAllocated, Math.ceil(neededBits / 8)));
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
    frames.push(new DicomFrame(i, storedArray(bytes, storedDesc, d.planarConfiguration === 1), photometric, frameDescription(d, meta, i)));
  }
  return frames;
}

/** A frame's description: its own Rescale Slope/Intercept when Per-Frame Functional Groups give them. */
function frameDescription(d: PixelDescription, meta: DicomMetadata, i: number): PixelDescription {
  const own = meta.PerFrame?.[i];
  return own ? { ...d, rescaleSlope: own.RescaleSlope, rescaleIntercept: own.RescaleIntercept } : d;
}

export interface Encapsulated {
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
export function readFragments(bytes: Uint8Array, start: number, source: string): Encapsulated {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const items: Array<{ at: number; position: number; length: number }> = [];
  let pos = start;
  while (pos + 8 <= bytes.length) {
    const group = view.getUint16(pos, true);
    const element = view.getUint16(pos + 2, true);
    const length = view.getUint32(pos + 4, true);
    if (group === 0xfffe && element === 0xe0dd) break;
    if (group !== 0xfffe || element !== 0xe000) {
      throw new DicomError(messages.dicomFragmentNotItem(source, `(${hex4(group)},${hex4(element)})`, pos));
    }
    if (pos + 8 + length > bytes.length) {
      throw new DicomError(messages.dicomFragmentTruncated(source, pos, length, bytes.length - pos - 8));
    }
    items.push({ at: pos, position: pos + 8, length });
    pos += 8 + length;
  }
  const [table, ...rest] = items;
  if (!table) throw new DicomError(messages.dicomNoOffsetTableItem(source));
  const bot: number[] = [];
  for (let i = 0; i + 4 <= table.length; i += 4) bot.push(view.getUint32(table.position + i, true));
  const first = rest[0]?.at ?? 0;
  return { bot, fragments: rest.map((f) => ({ offset: f.at - first, position: f.position, length: f.length })) };
}

/** Which fragments make up each frame (PS3.5 A.4): by Basic Offset Table, one per frame, or by JPEG SOI. */
export function frameFragments(byteArray: Uint8Array, { bot, fragments }: Encapsulated, count: number, syntax: TransferSyntax, source: string): Fragment[][] {
  if (fragments.length === 0) throw new DicomError(messages.dicomNoFragments(source));
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
  throw new DicomError(messages.dicomFramesUnassignable(source, fragments.length, count));
}

export function concatFragments(byteArray: Uint8Array, fragments: Fragment[]): Uint8Array {
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
