/**
 * A structural check of a Part 10 file before dcmjs sees it: every data element's header and value
 * length is checked against the bytes left in its container (file, sequence, item), at every depth,
 * with the same transfer syntax rules dcmjs applies (File Meta in explicit VR little endian, then the
 * data set in the syntax File Meta names, deflated data sets inflated with a size cap).
 *
 * Why: dcmjs trusts lengths. One corrupt VR byte makes it read a UN element whose 4-byte length is taken
 * from the value text (hundreds of MB); it then allocates and decodes that much, which either aborts V8
 * (`FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal`) or writes an 800 MB "de-identified" file. Here
 * such a file is refused with one DicomError naming the file, the tag and the byte offset.
 *
 * The walk stops after top-level Pixel Data (7FE0,0010), as the de-identifier's dcmjs read does.
 */
import { inflateRawSync } from 'node:zlib';
import dcmjs from 'dcmjs';
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';
import { LONG_VRS, VRS } from './read/parse.js';
import { hex4 } from './read/util.js';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const UNDEFINED = 0xffffffff;
/** Sequences nest a few levels in real files; a corrupt file can fake thousands and overflow the stack. */
const MAX_DEPTH = 32;
/** A deflated data set may inflate to at most this many times its stored size (and 2 GiB). */
const MAX_INFLATE_RATIO = 200;

export interface Part10Structure {
  transferSyntaxUid: string;
  /** Byte length of top-level Pixel Data (native), or the summed fragment bytes after the Basic Offset Table (encapsulated). */
  pixelDataBytes?: number;
  /** Encapsulated Pixel Data: the number of fragments after the Basic Offset Table. */
  pixelFragments?: number;
  /** Data elements walked, at every depth. */
  elements: number;
}

interface Syntax {
  implicit: boolean;
  littleEndian: boolean;
}

class Walker {
  elements = 0;
  pixelDataBytes: number | undefined;
  pixelFragments: number | undefined;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
    private readonly container: string,
  ) {}

  private u16(at: number, le: boolean): number {
    const b = this.bytes;
    return le ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
  }
  private u32(at: number, le: boolean): number {
    return le ? this.u16(at, true) + this.u16(at + 2, true) * 65536 : this.u16(at, false) * 65536 + this.u16(at + 2, false);
  }
  private fail(message: string): never {
    throw new DicomError(message);
  }

  /**
   * Walk the data set in [start, end). With `untilDelimiter`, stop at an Item Delimitation Item and
   * return the offset after it; otherwise the data set must end exactly at `end`.
   */
  dataset(start: number, end: number, syntax: Syntax, depth: number, top: boolean, untilDelimiter: boolean): number {
    let at = start;
    while (at < end) {
      if (end - at < 8) this.fail(messages.dicomElementCutShort(this.source, at, end - at, this.container));
      const le = syntax.littleEndian;
      const group = this.u16(at, le);
      const element = this.u16(at + 2, le);
      const tag = `(${hex4(group)},${hex4(element)})`;
      if (group === 0xfffe) {
        if (element === 0xe00d && untilDelimiter) return at + 8;
        this.fail(messages.dicomUnexpectedDelimiter(this.source, tag, at));
      }
      let vr: string;
      let header: number;
      let length: number;
      if (syntax.implicit) {
        vr = dictionaryVr(group, element) ?? 'UN';
        header = 8;
        length = this.u32(at + 4, le);
      } else {
        vr = String.fromCharCode(this.bytes[at + 4]!, this.bytes[at + 5]!);
        if (!VRS.has(vr)) this.fail(messages.dicomInvalidVr(this.source, tag, at, vr.replace(/[^\x20-\x7e]/g, '?')));
        if (LONG_VRS.has(vr)) {
          if (end - at < 12) this.fail(messages.dicomElementCutShort(this.source, at, end - at, this.container));
          header = 12;
          length = this.u32(at + 8, le);
        } else {
          header = 8;
          length = this.u16(at + 6, le);
        }
      }
      this.elements++;
      const valueStart = at + header;
      const isPixelData = group === 0x7fe0 && element === 0x0010; // top level, or an icon image in an item
      // A UN element whose tag is a standard sequence is read by the de-identifier as implicit VR items;
      // in implicit VR, dcmjs reads an unknown tag of undefined length as a sequence.
      const unSequence = !syntax.implicit && vr === 'UN' && dictionaryVr(group, element) === 'SQ';
      const asSequence = vr === 'SQ' || unSequence || (syntax.implicit && length === UNDEFINED && vr === 'UN' && !isPixelData);
      const itemSyntax: Syntax = vr === 'UN' ? { implicit: true, littleEndian: true } : syntax;
      if (length === UNDEFINED) {
        if (isPixelData && !syntax.implicit && (vr === 'OB' || vr === 'OW')) {
          const fragments = this.fragments(valueStart, end, syntax, tag);
          at = fragments.end;
          if (!top) continue;
          this.pixelDataBytes = fragments.bytes;
          this.pixelFragments = fragments.count;
          return at; // Pixel Data is the last element read
        }
        if (!(asSequence || vr === 'UN')) this.fail(messages.dicomUndefinedLength(this.source, tag, at, vr));
        if (depth >= MAX_DEPTH) this.fail(messages.dicomNestedTooDeep(this.source, tag, at, MAX_DEPTH));
        at = this.items(valueStart, end, undefined, itemSyntax, depth + 1, tag);
        continue;
      }
      if (length > end - valueStart) this.fail(messages.dicomLengthOverrun(this.source, tag, at, length, Math.max(0, end - valueStart), this.container));
      if (asSequence && length > 0) {
        if (depth >= MAX_DEPTH) this.fail(messages.dicomNestedTooDeep(this.source, tag, at, MAX_DEPTH));
        this.items(valueStart, valueStart + length, valueStart + length, itemSyntax, depth + 1, tag);
      }
      at = valueStart + length;
      if (isPixelData && top) {
        this.pixelDataBytes = length;
        return at;
      }
    }
    if (untilDelimiter) this.fail(messages.dicomUnterminated(this.source, 'item', start, this.container));
    return at;
  }

  /** Items of a sequence: defined length (`end` = `limit`) or undefined (until the Sequence Delimitation Item). */
  private items(start: number, end: number, limit: number | undefined, syntax: Syntax, depth: number, seqTag: string): number {
    let at = start;
    const le = syntax.littleEndian;
    while (limit === undefined || at < limit) {
      if (end - at < 8) {
        if (limit === undefined) this.fail(messages.dicomUnterminated(this.source, `sequence ${seqTag}`, start, this.container));
        this.fail(messages.dicomElementCutShort(this.source, at, end - at, this.container));
      }
      const group = this.u16(at, le);
      const element = this.u16(at + 2, le);
      const length = this.u32(at + 4, le);
      if (group === 0xfffe && element === 0xe0dd && limit === undefined) return at + 8;
      if (group !== 0xfffe || element !== 0xe000) this.fail(messages.dicomExpectedItem(this.source, seqTag, `(${hex4(group)},${hex4(element)})`, at));
      const valueStart = at + 8;
      if (length === UNDEFINED) {
        at = this.dataset(valueStart, end, syntax, depth, false, true);
      } else {
        if (length > end - valueStart) this.fail(messages.dicomLengthOverrun(this.source, `item of ${seqTag}`, at, length, end - valueStart, this.container));
        this.dataset(valueStart, valueStart + length, syntax, depth, false, false);
        at = valueStart + length;
      }
    }
    return at;
  }

  /** Encapsulated Pixel Data: items of defined length up to the Sequence Delimitation Item. */
  private fragments(start: number, end: number, syntax: Syntax, tag: string): { end: number; bytes: number; count: number } {
    let at = start;
    let total = 0;
    let count = -1; // the first item is the Basic Offset Table
    for (;;) {
      if (end - at < 8) this.fail(messages.dicomUnterminated(this.source, `encapsulated Pixel Data ${tag}`, start, this.container));
      const group = this.u16(at, syntax.littleEndian);
      const element = this.u16(at + 2, syntax.littleEndian);
      const length = this.u32(at + 4, syntax.littleEndian);
      if (group === 0xfffe && element === 0xe0dd) return { end: at + 8, bytes: total, count: Math.max(0, count) };
      if (group !== 0xfffe || element !== 0xe000) this.fail(messages.dicomExpectedItem(this.source, tag, `(${hex4(group)},${hex4(element)})`, at));
      if (length > end - at - 8) this.fail(messages.dicomLengthOverrun(this.source, `fragment of ${tag}`, at, length, Math.max(0, end - at - 8), this.container));
      if (count >= 0) total += length;
      count++;
      at += 8 + length;
    }
  }
}

/** The dictionary VR dcmjs would use for a tag ('SQ', 'UI', …), undefined for unknown (e.g. private) tags. */
function dictionaryVr(group: number, element: number): string | undefined {
  return (dcmjs.data.DicomMetaDictionary.dictionary as Record<string, { vr?: string } | undefined>)[`(${hex4(group)},${hex4(element)})`]?.vr;
}

/** Check a Part 10 file's structure (see the module comment); throws a one-line DicomError on the first fault. */
export function checkPart10Structure(bytes: Uint8Array, source: string): Part10Structure {
  if (bytes.length < 132 || bytes[128] !== 0x44 || bytes[129] !== 0x49 || bytes[130] !== 0x43 || bytes[131] !== 0x4d) {
    throw new DicomError(messages.dicomNotPart10(source));
  }
  const file = new Walker(bytes, source, 'file');
  // File Meta: explicit VR little endian, opened by its group length (dcmjs requires it).
  const le: Syntax = { implicit: false, littleEndian: true };
  if (bytes.length < 144 || bytes[132] !== 0x02 || bytes[133] !== 0x00 || bytes[134] !== 0x00 || bytes[135] !== 0x00 || bytes[136] !== 0x55 || bytes[137] !== 0x4c) {
    throw new DicomError(messages.dicomNoMetaGroupLength(source));
  }
  const metaLength = bytes[140]! + bytes[141]! * 256 + bytes[142]! * 65536 + bytes[143]! * 16777216;
  const metaEnd = 144 + metaLength;
  if (metaLength > bytes.length - 144) throw new DicomError(messages.dicomLengthOverrun(source, '(0002,0000)', 132, metaLength, bytes.length - 144, 'file'));
  file.dataset(144, metaEnd, le, 0, false, false);
  const transferSyntaxUid = metaString(bytes, 144, metaEnd);
  if (!transferSyntaxUid) throw new DicomError(messages.dicomNoTransferSyntax(source));

  let body = bytes;
  let start = metaEnd;
  let container = 'file';
  if (transferSyntaxUid === DEFLATED) {
    const cap = Math.min(2 ** 31 - 1, Math.max(1 << 20, (bytes.length - metaEnd) * MAX_INFLATE_RATIO));
    try {
      body = inflateRawSync(bytes.subarray(metaEnd), { maxOutputLength: cap });
    } catch (e) {
      throw new DicomError(messages.dicomDoesNotInflate(source, (e as Error).message));
    }
    start = 0;
    container = 'inflated data set';
  }
  const syntax: Syntax =
    transferSyntaxUid === IMPLICIT_LE ? { implicit: true, littleEndian: true } : { implicit: false, littleEndian: transferSyntaxUid !== EXPLICIT_BE };
  const walker = new Walker(body, source, container);
  walker.dataset(start, body.length, syntax, 0, true, false);
  return { transferSyntaxUid, pixelDataBytes: walker.pixelDataBytes, pixelFragments: walker.pixelFragments, elements: file.elements + walker.elements };
}

/** Transfer Syntax UID (0002,0010) from File Meta in [start, end), already walked. */
function metaString(bytes: Uint8Array, start: number, end: number): string | undefined {
  let at = start;
  while (at + 8 <= end) {
    const group = bytes[at]! | (bytes[at + 1]! << 8);
    const element = bytes[at + 2]! | (bytes[at + 3]! << 8);
    const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
    const long = LONG_VRS.has(vr);
    const header = long ? 12 : 8;
    const length = long ? bytes[at + 8]! + bytes[at + 9]! * 256 + bytes[at + 10]! * 65536 + bytes[at + 11]! * 16777216 : bytes[at + 6]! | (bytes[at + 7]! << 8);
    if (group === 0x0002 && element === 0x0010) {
      let s = '';
      for (const b of bytes.subarray(at + header, at + header + length)) if (b !== 0) s += String.fromCharCode(b);
      return s.trim() || undefined;
    }
    if (length === UNDEFINED) return undefined;
    at += header + length;
  }
  return undefined;
}
