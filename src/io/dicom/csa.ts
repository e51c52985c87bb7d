/**
 * Siemens CSA headers: the private CSA Image Header Info (0029,xx10) and Series Header Info (0029,xx20) of
 * creator SIEMENS CSA HEADER, where Siemens keeps NumberOfImagesInMosaic, SliceNormalVector, B_value….
 *
 * Layout (after SPM's spm_dicom_headers.m, as documented by nibabel's doc/source/dicom/siemens_csa.rst),
 * little endian whatever the transfer syntax:
 *   header   SV10 ("CSA2"): 'SV10', 4 unused bytes (04 03 02 01), uint32 n_tags, uint32 unused (77)
 *            CSA1:          uint32 n_tags, uint32 unused (77)
 *   tag      name (64 bytes, NUL-terminated), int32 vm, vr (4 bytes), int32 syngodt, int32 nitems, int32 (77 or 205)
 *   item     4 × int32, then the value, padded to 4 bytes. Its length is the second int32 in SV10, and in
 *            CSA1 the first int32 minus the first tag's nitems (SPM's rule).
 *
 * The bytes come from a file, so every count and length is checked against the bytes left: a truncated or
 * corrupt header gives the tags read before the fault and a note saying where it stopped, never an
 * exception, an endless loop or an allocation larger than the input.
 */
import { messages } from '../../messages.js';

/** Upper bound on n_tags and on a tag's nitems (nibabel's MAX_CSA_ITEMS); real headers have about 100 tags of 6 items. */
export const MAX_CSA_ITEMS = 1000;

const TAG_BYTES = 84;
const ITEM_HEADER_BYTES = 16;
/** VRs whose values are numbers: an empty item ends the list (SV10 pads vm values with empty items). */
const NUMERIC_VRS = new Set(['FL', 'FD', 'DS', 'SS', 'US', 'SL', 'UL', 'IS']);

export interface CsaHeader {
  format: 'SV10' | 'CSA1';
  /** Tag name → its values as text (NUL-terminated, trimmed); numeric values still as text. */
  tags: Map<string, string[]>;
  /** Why reading stopped before the last tag (the tags before the fault are kept). */
  note?: string;
}

/**
 * Read a CSA header. `undefined` with a `note` when the bytes are not a CSA header at all (too short,
 * or a tag count outside 1..MAX_CSA_ITEMS); otherwise the header, possibly partial with a note.
 */
export function readCsaHeader(bytes: Uint8Array): { header?: CsaHeader; note?: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sv10 = bytes.length >= 4 && bytes[0] === 0x53 && bytes[1] === 0x56 && bytes[2] === 0x31 && bytes[3] === 0x30;
  let pos = sv10 ? 8 : 0;
  if (bytes.length < pos + 8) return { note: messages.csaTooShort(bytes.length) };
  const nTags = view.getUint32(pos, true);
  pos += 8;
  if (nTags < 1 || nTags > MAX_CSA_ITEMS) return { note: messages.csaTagCount(nTags, MAX_CSA_ITEMS) };

  const tags = new Map<string, string[]>();
  const header: CsaHeader = { format: sv10 ? 'SV10' : 'CSA1', tags };
  const stop = (note: string) => ({ header: { ...header, note } });
  let firstTagItems = 0;
  for (let t = 0; t < nTags; t++) {
    if (bytes.length - pos < TAG_BYTES) return stop(messages.csaTagCut(t + 1, nTags, pos, bytes.length - pos));
    const name = text(bytes, pos, 64);
    const vm = view.getInt32(pos + 64, true);
    const vr = text(bytes, pos + 68, 4).slice(0, 2);
    const nItems = view.getInt32(pos + 76, true);
    pos += TAG_BYTES;
    if (nItems < 0 || nItems > MAX_CSA_ITEMS) return stop(messages.csaItemCount(name, nItems, MAX_CSA_ITEMS));
    if (t === 0) firstTagItems = nItems;
    // vm 0 means "as many as there are items" (SPM, nibabel).
    const nValues = vm > 0 ? vm : nItems;
    const values: string[] = [];
    let ended = false;
    for (let i = 0; i < nItems; i++) {
      if (bytes.length - pos < ITEM_HEADER_BYTES) return stop(messages.csaItemCut(name, i + 1, pos, bytes.length - pos));
      const length = sv10 ? view.getInt32(pos + 4, true) : view.getInt32(pos, true) - firstTagItems;
      const left = bytes.length - pos - ITEM_HEADER_BYTES;
      if (length < 0 || length > left) return stop(messages.csaItemOverrun(name, i + 1, pos, length, left));
      pos += ITEM_HEADER_BYTES;
      if (!ended && i < nValues) {
        const value = text(bytes, pos, length).trim();
        if (value === '' && NUMERIC_VRS.has(vr)) ended = true;
        else values.push(value);
      }
      // Padding to 4 bytes may run past the end on the last item; the next read checks what is left.
      pos += length + ((4 - (length % 4)) % 4);
    }
    tags.set(name, values);
  }
  return { header };
}

/** The tags of a CSA header, or undefined when the bytes are not one (see `readCsaHeader` for the why). */
export function parseCsaHeader(bytes: Uint8Array): Map<string, string[]> | undefined {
  return readCsaHeader(bytes).header?.tags;
}

/** A tag's values as finite numbers; undefined when absent, empty or any value is not a number. */
export function csaNumbers(tags: ReadonlyMap<string, readonly string[]>, name: string): number[] | undefined {
  const values = tags.get(name);
  if (!values || values.length === 0) return undefined;
  const numbers = values.map((v) => (v === '' ? NaN : Number(v)));
  return numbers.every(Number.isFinite) ? numbers : undefined;
}

/** Latin-1 text of `bytes[at, at + length)` up to the first NUL; the range is clipped to the buffer. */
function text(bytes: Uint8Array, at: number, length: number): string {
  const end = Math.min(bytes.length, at + length);
  let s = '';
  for (let i = at; i < end && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
