/** Typed, charset-aware attribute access, with the VRs of the tags we read for Implicit VR data sets. */
import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from '../../../errors.js';
import { messages } from '../../../messages.js';
import { charsetDecoder, type CharsetDecoder } from '../charset.js';
import { latin1, hex4, formatTag } from './util.js';

/** VRs for the tags we read, needed in Implicit VR data sets where the file does not say. */
export const DICTIONARY: Record<string, string> = {
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

export function implicitVr(tag: string): string | undefined {
  return DICTIONARY[tag];
}

export const TEXT_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
export const BULK_VRS = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN', 'SQ']);

/** Typed, charset-aware access to a data set (and File Meta kept apart from it). */
export class Attributes {
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
      const msg = messages.dicomValueNotNumeric(name, formatTag(tag), s);
      if (required) throw new DicomError(messages.dicomNotDecimal(this.source, msg));
      notes?.push(`${msg}; ignored`);
      return undefined;
    }
    return parsed;
  }

  /**
   * The tag of a private element: `creator` reserves a block (gggg,00bb) in `group`, the element is
   * (gggg,bbee). Undefined when no block of the group is reserved by that creator.
   */
  privateTag(group: string, creator: string, elementByte: number): string | undefined {
    for (let block = 0x10; block <= 0xff; block++) {
      const b = block.toString(16).padStart(2, '0');
      if (this.string(`x${group}00${b}`) === creator) return `x${group}${b}${elementByte.toString(16).padStart(2, '0')}`;
    }
    return undefined;
  }

  /** Items in Per-Frame Functional Groups (5200,9230); 0 when absent. */
  perFrameItems(): number {
    return this.ds.elements['x52009230']?.items?.length ?? 0;
  }

  /**
   * An attribute inside a functional group macro (Enhanced multi-frame, PS3.3 C.7.6.16): with `frame`, the
   * Per-Frame Functional Groups item of that frame (5200,9230); without, the Shared one (5200,9229).
   */
  functionalGroup(sequenceTag: string, tag: string, frame?: number): string | undefined {
    const groups = frame === undefined ? this.ds.elements['x52009229']?.items?.[0]?.dataSet : this.ds.elements['x52009230']?.items?.[frame]?.dataSet;
    const item = groups?.elements[sequenceTag]?.items?.[0]?.dataSet;
    const el = item?.elements[tag];
    if (!item || !el) return undefined;
    return latin1(item.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).trim();
  }
}
