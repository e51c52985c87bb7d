/**
 * Builds the de-identification canary: a real CT file (pydicom's CT_small.dcm) in which every
 * attribute of PS3.15 Table E.1-1 is set to a unique, VR-valid marker — at the top level, again
 * inside a retained (non-profile) sequence, inside the items of profile sequences, in private
 * elements (plain, UN and a private sequence), in overlay (60xx) and curve (50xx) groups and in the
 * file meta header. A de-identified copy must contain none of the markers.
 *
 * Regenerate the committed fixture with:
 *   npx tsx test/helpers/make-canary.ts
 * which writes fixtures/dicom-deid/canary.dcm and canary-markers.json from fixtures/dicom-deid/CT_small.dcm.
 */
import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from 'dcmjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BASIC_PROFILE } from '../../src/io/dicom/profile.js';

export interface CanaryMarker {
  /** Where it was put: tags joined by `.`, item indices in brackets, e.g. `00082218[0].00100010`. */
  path: string;
  vr: string;
  /** The exact text to search for in output bytes; null for binary numbers (checked by parsing). */
  search: string | null;
  /** For binary numeric VRs: the value written. */
  numeric?: number;
}

export interface Canary {
  bytes: Uint8Array;
  markers: CanaryMarker[];
}

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** Every text marker contains this, so a test can also search for the bare word. */
export const CANARY_WORD = 'CANARY';
/** Root of marker UIDs: not a registered root, obviously fake, VR-valid. */
export const CANARY_UID_ROOT = '1.2.999.12345';

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Generates unique VR-valid marker values and records them. */
class MarkerFactory {
  private n = 0;
  readonly markers: CanaryMarker[] = [];

  element(path: string, vr: string): DicomElement {
    const n = ++this.n;
    const word = `${CANARY_WORD}${pad(n, 4)}`;
    // Dates, times and numbers cannot contain the word; they are unique digit strings instead,
    // chosen so that no marker is a substring of the dummy values the de-identifier writes.
    const da = `${1901 + Math.floor(n / 336)}${pad(1 + (Math.floor(n / 28) % 12), 2)}${pad(1 + (n % 28), 2)}`;
    const tm = `1314${pad(n % 60, 2)}.${pad(n, 6)}`;
    const text = (search: string, value: string = search): DicomElement => {
      this.markers.push({ path, vr, search });
      return { vr, Value: [value] };
    };
    switch (vr) {
      case 'AE':
      case 'CS':
      case 'SH':
      case 'LO':
      case 'ST':
      case 'LT':
      case 'UT':
      case 'UC':
        return text(word);
      case 'PN':
        return text(word, `${word}^DOE`);
      case 'AS':
        return text(`${pad(n % 1000, 3)}W`);
      case 'DA':
        return text(da);
      case 'TM':
        return text(tm);
      case 'DT':
        return text(`${da}${tm}`);
      case 'DS':
        return text(`9${pad(n, 5)}.5`);
      case 'IS':
        return text(`8${pad(n, 5)}`);
      case 'UI':
        return text(`${CANARY_UID_ROOT}.${n}`);
      case 'UR':
        return text(`http://example.invalid/${word}`);
      case 'OB':
      case 'OW':
      case 'OD':
      case 'OF':
      case 'OL':
      case 'OV':
      case 'UN': {
        const bytes = new TextEncoder().encode(`${word}PADPAD`); // 16 bytes: a multiple of every word size
        this.markers.push({ path, vr, search: word });
        return { vr, Value: [bytes.buffer] };
      }
      case 'US':
      case 'SS':
      case 'UL':
      case 'SL':
      case 'FL':
      case 'FD':
      case 'SV':
      case 'UV': {
        const value = 0x4000 + n; // fits every numeric VR
        this.markers.push({ path, vr, search: null, numeric: value });
        return { vr, Value: [value] };
      }
      default:
        throw new Error(`no canary marker for VR ${vr} at ${path}`);
    }
  }

  /** A sequence with one item whose contents are all markers (a coded-entry shape). */
  sequence(path: string): DicomElement {
    return {
      vr: 'SQ',
      Value: [
        {
          '00080100': this.element(`${path}[0].00080100`, 'SH'),
          '00080102': this.element(`${path}[0].00080102`, 'SH'),
          '00080104': this.element(`${path}[0].00080104`, 'LO'),
        },
      ],
    };
  }
}

/** VR of a tag from dcmjs's dictionary, resolving the "US or SS" / "OB or OW" placeholders. */
function dictionaryVr(tag: string): string {
  const entry = dcmjs.data.DicomMetaDictionary.dictionary[`(${tag.slice(0, 4)},${tag.slice(4)})`];
  if (!entry) throw new Error(`tag ${tag} is not in dcmjs's dictionary`);
  return ({ xs: 'US', ox: 'OW', lt: 'OW', up: 'UL' } as Record<string, string>)[entry.vr] ?? entry.vr;
}

/** Profile sequences whose items are kept and de-identified (X/Z/U*): give them referencing items. */
function referencingSequence(f: MarkerFactory, path: string): DicomElement {
  return {
    vr: 'SQ',
    Value: [
      {
        '00081150': { vr: 'UI', Value: [CT_IMAGE_STORAGE] },
        '00081155': f.element(`${path}[0].00081155`, 'UI'),
        '00100010': f.element(`${path}[0].00100010`, 'PN'),
        '00080020': f.element(`${path}[0].00080020`, 'DA'),
        '00290010': f.element(`${path}[0].00290010`, 'LO'), // private creator
        '00291001': f.element(`${path}[0].00291001`, 'LO'),
      },
    ],
  };
}

/** Every profile attribute, each with a fresh marker, into `ds`. */
function fillProfile(f: MarkerFactory, ds: DicomDataset, prefix: string, nested: boolean): void {
  for (const { tag, action } of BASIC_PROFILE) {
    const group = tag.slice(0, 4);
    // Command-group (0000) attributes exist only in DIMSE messages, which validators parse as
    // implicit VR: a stored file cannot carry them. Meta (0002) attributes go in the meta header;
    // the end-of-data-set elements (FFFA, FFFC) only at the top level.
    if (group === '0000' || group === '0002') continue;
    if (nested && (group === 'FFFA' || group === 'FFFC')) continue;
    const path = prefix + tag;
    const vr = dictionaryVr(tag);
    if (vr === 'SQ') ds[tag] = action === 'X/Z/U*' ? referencingSequence(f, path) : f.sequence(path);
    else ds[tag] = f.element(path, vr);
  }
}

function privateElements(f: MarkerFactory, ds: DicomDataset, prefix: string): void {
  ds['00290010'] = f.element(`${prefix}00290010`, 'LO'); // private creator
  ds['00291001'] = f.element(`${prefix}00291001`, 'LO');
  ds['00291002'] = f.element(`${prefix}00291002`, 'UN');
  ds['00291003'] = {
    vr: 'SQ',
    Value: [{ '00100010': f.element(`${prefix}00291003[0].00100010`, 'PN'), '00100020': f.element(`${prefix}00291003[0].00100020`, 'LO') }],
  };
}

export function buildCanary(source: Uint8Array): Canary {
  const buffer = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength) as ArrayBuffer;
  const dict = dcmjs.data.DicomMessage.readFile(buffer);
  const f = new MarkerFactory();
  const ds = dict.dict;

  fillProfile(f, ds, '', false);
  // SOP Instance UID must match the meta header's Media Storage SOP Instance UID.
  const sopInstanceUid = (ds['00080018']!.Value as string[])[0]!;

  // A retained, non-profile sequence (Anatomic Region) whose item holds every profile attribute
  // again, its own profile sequences (two levels deep) and private elements: proves recursion.
  const nestedItem: DicomDataset = {
    '00080100': { vr: 'SH', Value: ['T-D1100'] },
    '00080102': { vr: 'SH', Value: ['SRT'] },
    '00080104': { vr: 'LO', Value: ['Head'] },
  };
  fillProfile(f, nestedItem, '00082218[0].', true);
  privateElements(f, nestedItem, '00082218[0].');
  ds['00082218'] = { vr: 'SQ', Value: [nestedItem] };

  privateElements(f, ds, '');

  // Overlay plane 6000 and curve 5000: whole groups must go.
  ds['60000010'] = { vr: 'US', Value: [128] };
  ds['60000011'] = { vr: 'US', Value: [128] };
  ds['60000022'] = f.element('60000022', 'LO'); // Overlay Description
  ds['60000040'] = { vr: 'CS', Value: ['G'] };
  ds['60000050'] = { vr: 'SS', Value: [1, 1] };
  ds['60000100'] = { vr: 'US', Value: [1] };
  ds['60000102'] = { vr: 'US', Value: [0] };
  ds['60003000'] = f.element('60003000', 'OW'); // Overlay Data
  ds['60004000'] = f.element('60004000', 'LT'); // Overlay Comments
  ds['50000005'] = { vr: 'US', Value: [1] };
  ds['50000022'] = f.element('50000022', 'LO'); // Curve Description
  ds['50003000'] = f.element('50003000', 'OW'); // Curve Data

  const meta: DicomDataset = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [CT_IMAGE_STORAGE] },
    '00020003': { vr: 'UI', Value: [sopInstanceUid] },
    '00020010': { vr: 'UI', Value: [EXPLICIT_LE] },
    '00020012': f.element('00020012', 'UI'), // Implementation Class UID
    '00020013': f.element('00020013', 'SH'), // Implementation Version Name
    '00020016': f.element('00020016', 'AE'), // Source AE Title
    '00020017': f.element('00020017', 'AE'), // Sending AE Title
    '00020018': f.element('00020018', 'AE'), // Receiving AE Title
    '00020100': f.element('00020100', 'UI'), // Private Information Creator UID
    '00020102': f.element('00020102', 'OB'), // Private Information
  };
  const out = new dcmjs.data.DicomDict(meta);
  out.dict = ds;
  return { bytes: new Uint8Array(out.write()), markers: f.markers };
}

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'dicom-deid');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { bytes, markers } = buildCanary(readFileSync(join(FIXTURE_DIR, 'CT_small.dcm')));
  writeFileSync(join(FIXTURE_DIR, 'canary.dcm'), bytes);
  writeFileSync(join(FIXTURE_DIR, 'canary-markers.json'), `${JSON.stringify({ markers }, null, 1)}\n`);
  console.log(`wrote canary.dcm (${bytes.length} bytes) with ${markers.length} markers`);
}
