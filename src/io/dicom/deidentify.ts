import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from 'dcmjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DicomError } from '../../errors.js';
import { writeFileAtomic } from '../atomic.js';
import { messages } from '../../messages.js';
import { BASIC_PROFILE_CODE, groupRule, profileEntry, type ProfileAction } from './profile.js';
import type { SkippedFile } from './series.js';
import { checkPart10Structure } from './structure.js';
import { UidRemapper } from './uid.js';
import { element, encodePart10, EXPLICIT_VR_LITTLE_ENDIAN } from './write.js';

/**
 * De-identification of real DICOM per PS3.15 Annex E, Basic Application Level Confidentiality Profile
 * (Table E.1-1 in `profile.ts`), applied recursively inside every sequence, plus:
 *  - private attributes (odd groups), curve (50xx) and overlay (60xx) groups are removed;
 *  - every UID that identifies an instance (not a standard class/transfer syntax/coding scheme) is
 *    replaced through one `UidRemapper`, so references inside and across files stay consistent;
 *  - the file meta header is rebuilt from scratch (Media Storage SOP Instance UID = the new SOP
 *    Instance UID; source/sending AE titles and private meta information are dropped);
 *  - Patient Identity Removed = YES, De-identification Method and its code sequence (113100) are set.
 *
 * Composite action codes are resolved without knowing each attribute's Type in the IOD, choosing the
 * option that leaks nothing and stays valid whatever the Type:
 *  - X/Z → Z (a zero-length value is valid for Type 2 and 3);
 *  - Z/D, X/D, X/Z/D → D (a dummy value is valid for Type 1, 2 and 3);
 *  - X/Z/U* → keep the sequence and de-identify its items (their UIDs are replaced).
 * Sequences are the exception: we cannot invent meaningful dummy items, and validators reject a
 * zero-item Type 3 sequence, so a sequence under a composite code containing X is removed, unless it
 * is Type 2 somewhere (Acquisition Context Sequence), then emptied. D on a sequence (e.g. Content
 * Sequence) empties it; for SR or presentation states that can break a Type 1 sequence, which we
 * accept over leaking free text.
 * One pair of rows conflicts: Clinical Trial Protocol Ethics Committee Name is D but Type 1C, only
 * permitted while the Approval Number (X) is present, so it is removed with it.
 *
 * Beyond the profile: Person Name (PN) attributes not in the table are emptied, and a few issuer /
 * grouping attributes are removed (`BEYOND_PROFILE`). Not done (the Basic Profile does not require
 * it and we say so in the report): removing text burned into the pixel data.
 */

export const DEIDENTIFICATION_METHOD = 'synthdiff: PS3.15 E.1 Basic Application Confidentiality Profile';
const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
/** Transfer syntaxes with native (not encapsulated) pixel data. */
const NATIVE_TRANSFER_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]);

/**
 * UI attributes that name a class, transfer syntax, coding scheme or resource rather than an
 * instance: replacing them would break the file without protecting anyone. (Any value under the
 * DICOM root 1.2.840.10008 is kept as well, wherever it appears.)
 */
const CLASS_UID_TAGS = new Set([
  '00020002', // Media Storage SOP Class UID
  '00020010', // Transfer Syntax UID
  '00041510', // Referenced SOP Class UID in File
  '00041512', // Referenced Transfer Syntax UID in File
  '00080016', // SOP Class UID
  '0008001A', // Related General SOP Class UID
  '0008001B', // Original Specialized SOP Class UID
  '00080062', // SOP Classes in Study
  '0008010C', // Coding Scheme UID
  '00080117', // Context UID
  '00080118', // Mapping Resource UID
  '00081150', // Referenced SOP Class UID
  '04000010', // MAC Calculation Transfer Syntax UID
]);

/**
 * Sequences under a composite X/… code that are Type 2 in some IOD (Acquisition Context Sequence is
 * Type 2 in the Acquisition Context module of the enhanced image IODs): emptied rather than removed.
 */
const TYPE2_SEQUENCES = new Set(['00400555']);

export interface DeidentifyOptions {
  /** Shared by every file of a set so that UIDs and Patient IDs map consistently. */
  remapper: UidRemapper;
  /** Names the input in error messages and the report (e.g. its path). */
  source?: string;
}

export interface DeidentifyReport {
  source: string;
  /** Where the de-identified file was written (`deidentifyFiles` only). */
  output?: string;
  /** The new SOP Instance UID. */
  sopInstanceUid: string;
  /** Data elements removed (X actions, private/curve/overlay groups, group lengths), at any depth. */
  removed: number;
  /** Of `removed`, those in private (odd) groups. */
  privateRemoved: number;
  /** Data elements given a zero-length value (Z), including emptied sequences. */
  emptied: number;
  /** Data elements given a dummy value or pseudonym (D). */
  replaced: number;
  /** UID values replaced by the remapper. */
  uidsRemapped: number;
  /** Residual risks the profile does not address, e.g. burned-in annotation. */
  warnings: string[];
}

interface Counts {
  removed: number;
  privateRemoved: number;
  emptied: number;
  replaced: number;
  uidsRemapped: number;
}

/** De-identify one Part 10 file; returns the new file's bytes. */
export function deidentifyDicom(bytes: Uint8Array, options: DeidentifyOptions): Uint8Array {
  return deidentifyDicomWithReport(bytes, options).bytes;
}

/** De-identify one Part 10 file; returns the new file's bytes and what was done. */
export function deidentifyDicomWithReport(bytes: Uint8Array, options: DeidentifyOptions): { bytes: Uint8Array; report: DeidentifyReport } {
  const source = options.source ?? '<memory>';
  // Every element length is checked against the bytes left before dcmjs sees the file (structure.ts).
  const structure = checkPart10Structure(bytes, source);
  const parsed = parsePart10(bytes, source);
  const counts: Counts = { removed: 0, privateRemoved: 0, emptied: 0, replaced: 0, uidsRemapped: 0 };
  const ds = parsed.dict;
  const warnings = residualRiskWarnings(ds);
  const inputTs = stringValues(parsed.meta['00020010'])[0] ?? EXPLICIT_VR_LITTLE_ENDIAN;

  deidentifyDataset(ds, options.remapper, counts);
  fixEncapsulatedFrames(ds, inputTs, source);
  if (ds['00120081'] && !ds['00120082']) {
    delete ds['00120081']; // Ethics Committee Name: Type 1C, only with the (removed) Approval Number
    counts.removed++;
  }

  // The Patient Identity Removed attribute family (Patient module / SOP Common).
  ds['00120062'] = element('CS', 'YES');
  ds['00120063'] = element('LO', DEIDENTIFICATION_METHOD);
  ds['00120064'] = element('SQ', {
    '00080100': element('SH', BASIC_PROFILE_CODE.codeValue),
    '00080102': element('SH', BASIC_PROFILE_CODE.codingSchemeDesignator),
    '00080104': element('LO', BASIC_PROFILE_CODE.codeMeaning),
  });
  // Every date and time in Table E.1-1 was emptied, replaced by a fixed dummy or removed.
  ds['00280303'] = element('CS', 'REMOVED'); // Longitudinal Temporal Information Modified

  const sopInstanceUid = stringValues(ds['00080018'])[0];
  if (!sopInstanceUid || !ds['00080016']) {
    throw new DicomError(`${source}: missing SOP Class UID (0008,0016) or SOP Instance UID (0008,0018); not a composite instance`);
  }
  // dcmjs reads deflated data sets but cannot write them; explicit VR little endian is the lossless
  // equivalent. Every other transfer syntax is kept so pixel data is copied untouched.
  const outputTs = inputTs === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? EXPLICIT_VR_LITTLE_ENDIAN : inputTs;
  let out: Uint8Array;
  try {
    out = encodePart10(ds, outputTs);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    throw new DicomError(`${source}: cannot encode de-identified data set: ${(e as Error).message}`);
  }
  verifyOutput(out, structure, source);
  return { bytes: out, report: { source, sopInstanceUid, ...counts, warnings } };
}

export interface DeidentifyFilesOptions {
  /** Defaults to a fresh random remapper shared by all `inputs`. */
  remapper?: UidRemapper;
}

/** What `deidentifyFiles` did: one report per file written, plus the inputs skipped and why. */
export type DeidentifyFilesResult = DeidentifyReport[] & { skipped: SkippedFile[] };

/**
 * De-identify `inputs` into `outDir`, one shared remapper for the whole set. Outputs are named by
 * their new SOP Instance UID (input file names often contain patient names) and written atomically.
 * A file that cannot be read or de-identified is skipped and listed with the one-line reason naming it;
 * the rest of the set goes on. When no input could be de-identified, that is an error (nothing useful
 * was written).
 */
export async function deidentifyFiles(inputs: readonly string[], outDir: string, options: DeidentifyFilesOptions = {}): Promise<DeidentifyFilesResult> {
  const remapper = options.remapper ?? new UidRemapper();
  const reports: DeidentifyReport[] = [];
  const skipped: SkippedFile[] = [];
  const written = new Map<string, string>();
  for (const input of inputs) {
    try {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(input);
      } catch (e) {
        throw new DicomError(`${input}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const { bytes: out, report } = deidentifyDicomWithReport(bytes, { remapper, source: input });
      const previous = written.get(report.sopInstanceUid);
      if (previous !== undefined) {
        throw new DicomError(`${input}: has the same SOP Instance UID as ${previous}; their de-identified copies would overwrite each other`);
      }
      written.set(report.sopInstanceUid, input);
      const output = join(outDir, `${report.sopInstanceUid}.dcm`);
      await writeFileAtomic(output, out);
      reports.push({ ...report, output });
    } catch (e) {
      if (!(e instanceof DicomError)) throw e; // an internal bug keeps its stack
      skipped.push({ path: input, reason: e.message });
    }
  }
  if (reports.length === 0 && skipped.length > 0) throw new DicomError(messages.dicomNothingDeidentified(skipped.length, skipped[0]!.reason));
  return Object.assign(reports, { skipped });
}

/**
 * The written bytes must parse back with the same structure check and carry the input's Pixel Data: the
 * same byte count when native; when encapsulated, the same fragment bytes up to one pad byte per input
 * fragment (fragments of one frame are joined and padded to even length). So a run never reports success
 * over a broken copy.
 */
function verifyOutput(out: Uint8Array, input: ReturnType<typeof checkPart10Structure>, source: string): void {
  let check: ReturnType<typeof checkPart10Structure>;
  try {
    check = checkPart10Structure(out, `${source} (de-identified copy)`);
  } catch (e) {
    throw new DicomError(messages.dicomDeidentifiedCopyBroken(source, (e as Error).message));
  }
  const want = input.pixelDataBytes;
  if (want === undefined) return;
  const got = check.pixelDataBytes;
  const slack = input.pixelFragments ?? 0;
  if (got === undefined || got < want || got > want + slack) {
    throw new DicomError(messages.dicomDeidentifiedCopyBroken(source, `Pixel Data (7FE0,0010) has ${got ?? 'no'} bytes, the input ${want}`));
  }
}

function parsePart10(bytes: Uint8Array, source: string): InstanceType<typeof dcmjs.data.DicomDict> {
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    throw new DicomError(`${source}: not a DICOM Part 10 file (no "DICM" after the 128-byte preamble)`);
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return withDcmjsReadFixes(() =>
      // Stop after Pixel Data: everything a valid data set may hold after it (private groups, Data
      // Set Trailing Padding, Digital Signatures) is removed by the profile anyway, and some real
      // files carry megabytes of zero padding there that dcmjs would try to parse as elements.
      dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: true }),
    );
  } catch (e) {
    // One line whatever the file holds: dcmjs quotes raw values (a corrupt charset name) in its messages.
    const message = (e as Error).message.replace(/[\x00-\x1f\x7f]/g, '?');
    if (/multiple character sets/i.test(message)) {
      throw new DicomError(
        `${source}: Specific Character Set (0008,0005) uses ISO 2022 code extensions (${message.replace(/^.*: /, '')}), which are not supported`,
      );
    }
    throw new DicomError(`${source}: cannot parse DICOM: ${message}`);
  }
}

const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const UNDEFINED_LENGTH = 0xffffffff;

/**
 * Runs a dcmjs read with two fixes for sequences stored with VR UN, which real files carry after
 * passing through implicit-VR systems, and the dcmjs logger silenced (it logs every element it cannot
 * type; we report failures ourselves). Patches are applied to dcmjs's shared VR objects only for the
 * duration of this synchronous call, then restored.
 *
 * 1. A standard attribute whose dictionary VR is SQ but which is encoded as UN: PS3.5 §6.2.2 says
 *    its items are in implicit VR little endian; dcmjs parses them as explicit VR and produces
 *    garbage (e.g. a Referenced SOP Instance UID swallowed into a bogus UN element). We parse the
 *    items as implicit VR.
 * 2. A UN element of undefined length (typically a private sequence): dcmjs expects encapsulated
 *    pixel fragments and fails. By §6.2.2 it is a sequence in implicit VR, so we parse it as one;
 *    the element keeps VR UN with items as values (handled in `deidentifyDataset`).
 */
function withDcmjsReadFixes<T>(read: () => T): T {
  const VR = dcmjs.data.ValueRepresentation;
  const sq = VR.createByTypeString('SQ');
  const un = VR.createByTypeString('UN');
  const parseUnknownVr = VR.parseUnknownVr;
  const unRead = un.read;
  const validationLog = dcmjs.log.getLogger('validation.dcmjs');
  const level = validationLog.getLevel();
  VR.parseUnknownVr = (type: string) => {
    const parsed = parseUnknownVr.call(VR, type);
    if (type === 'SQ') parsed.read = (stream, length, _syntax, options) => sq.read(stream, length, IMPLICIT_VR_LITTLE_ENDIAN, options);
    return parsed;
  };
  un.read = function (this: typeof un, stream, length, syntax, options) {
    return length === UNDEFINED_LENGTH ? sq.read(stream, length, IMPLICIT_VR_LITTLE_ENDIAN, options) : unRead.call(this, stream, length, syntax, options);
  };
  validationLog.setLevel('silent', false);
  try {
    return read();
  } finally {
    VR.parseUnknownVr = parseUnknownVr;
    un.read = unRead;
    validationLog.setLevel(level, false);
  }
}

/** Apply the profile to one data set (the top level or a sequence item), in place. */
function deidentifyDataset(ds: DicomDataset, remapper: UidRemapper, counts: Counts): void {
  for (const tag of Object.keys(ds)) {
    const el = ds[tag]!;
    const group = parseInt(tag.slice(0, 4), 16);
    const elementNo = parseInt(tag.slice(4), 16);
    // Group lengths are optional and would be stale after removals; groups 0000 (command) and 0002
    // (file meta) do not belong in a stored data set.
    if (elementNo === 0 || group === 0x0000 || group === 0x0002) {
      delete ds[tag];
      counts.removed++;
      continue;
    }
    if (groupRule(group, elementNo)) {
      delete ds[tag];
      counts.removed++;
      if (group & 1) counts.privateRemoved++;
      continue;
    }
    const entry = profileEntry(tag);
    if (entry) {
      applyAction(ds, tag, el, entry.action, remapper, counts);
    } else if (el.vr === 'SQ' || isUnSequence(el)) {
      if (el.vr === 'UN') el.vr = 'SQ'; // an undefined-length UN read as a sequence (PS3.5 §6.2.2)
      forEachItem(el, (item) => deidentifyDataset(item, remapper, counts));
    } else if (el.vr === 'UI' && !CLASS_UID_TAGS.has(tag)) {
      remapUids(ds, tag, el, remapper, counts);
    } else if (el.vr === 'PN' && hasContent(el)) {
      ds[tag] = element('PN');
      counts.emptied++;
    }
  }
}

function applyAction(ds: DicomDataset, tag: string, el: DicomElement, action: ProfileAction, remapper: UidRemapper, counts: Counts): void {
  if (isUnSequence(el)) el.vr = 'SQ';
  const isSeq = el.vr === 'SQ';
  switch (action) {
    case 'X':
    case 'C': // cleaning is only defined by options we do not implement; removing is the safe subset
      delete ds[tag];
      counts.removed++;
      return;
    case 'K':
      if (isSeq) forEachItem(el, (item) => deidentifyDataset(item, remapper, counts));
      return;
    case 'Z':
      ds[tag] = element(el.vr);
      counts.emptied++;
      return;
    case 'X/Z':
      if (isSeq && !TYPE2_SEQUENCES.has(tag)) {
        delete ds[tag];
        counts.removed++;
      } else {
        ds[tag] = element(el.vr);
        counts.emptied++;
      }
      return;
    case 'U':
      if (el.vr === 'UI' || el.vr === 'UN') remapUids(ds, tag, el, remapper, counts);
      else dummy(ds, tag, el, remapper, counts);
      return;
    case 'X/Z/U*':
      if (isSeq) forEachItem(el, (item) => deidentifyDataset(item, remapper, counts));
      else {
        ds[tag] = element(el.vr);
        counts.emptied++;
      }
      return;
    case 'X/D':
    case 'X/Z/D':
      if (isSeq) {
        if (TYPE2_SEQUENCES.has(tag)) {
          ds[tag] = element('SQ');
          counts.emptied++;
        } else {
          delete ds[tag];
          counts.removed++;
        }
      } else dummy(ds, tag, el, remapper, counts);
      return;
    case 'D':
    case 'Z/D':
      if (isSeq) {
        ds[tag] = element('SQ');
        counts.emptied++;
      } else dummy(ds, tag, el, remapper, counts);
      return;
  }
}

/**
 * A dummy value consistent with the VR (action D). UIDs get a consistent replacement and Patient ID a
 * consistent pseudonym, so that "same patient / same object" survives de-identification; everything
 * else gets a fixed value that says nothing.
 */
function dummy(ds: DicomDataset, tag: string, el: DicomElement, remapper: UidRemapper, counts: Counts): void {
  if (el.vr === 'UI') {
    remapUids(ds, tag, el, remapper, counts);
    return;
  }
  if (tag === '00100020') {
    const id = stringValues(el)[0] ?? '';
    ds[tag] = id.trim() === '' ? element('LO') : element('LO', remapper.pseudonym(id));
    if (id.trim() === '') counts.emptied++;
    else counts.replaced++;
    return;
  }
  const value = DUMMY_BY_VR[el.vr];
  if (value === undefined) {
    ds[tag] = element(el.vr); // binary blobs, AT, UR: no meaningful dummy, so zero length
    counts.emptied++;
  } else {
    ds[tag] = element(el.vr, value);
    counts.replaced++;
  }
}

const DUMMY_BY_VR: Readonly<Record<string, string | number>> = {
  AE: 'DEIDENTIFIED',
  AS: '000Y',
  CS: 'DEIDENTIFIED',
  DA: '19000101',
  DT: '19000101000000',
  TM: '000000',
  DS: '0',
  IS: '0',
  LO: 'DEIDENTIFIED',
  LT: 'DEIDENTIFIED',
  PN: 'DEIDENTIFIED^DEIDENTIFIED', // with a component separator: a bare name is the retired PN form
  SH: 'DEIDENTIFIED',
  ST: 'DEIDENTIFIED',
  UC: 'DEIDENTIFIED',
  UT: 'DEIDENTIFIED',
  US: 0,
  SS: 0,
  UL: 0,
  SL: 0,
  FL: 0,
  FD: 0,
  SV: 0,
  UV: 0,
};

/** Replace every instance UID in a UI (or UI-carrying UN) element; standard UIDs are kept. */
function remapUids(ds: DicomDataset, tag: string, el: DicomElement, remapper: UidRemapper, counts: Counts): void {
  const values = el.vr === 'UN' ? decodeUnText(el) : stringValues(el);
  const mapped = values.map((v) => {
    const uid = v.replace(/[\0 ]+$/, '');
    if (uid === '' || uid.startsWith('1.2.840.10008.')) return uid;
    counts.uidsRemapped++;
    return remapper.map(uid);
  });
  ds[tag] = element('UI', ...mapped);
}

function isUnSequence(el: DicomElement): boolean {
  return el.vr === 'UN' && (el.Value ?? []).some((v) => v !== null && typeof v === 'object' && !(v instanceof ArrayBuffer));
}

function forEachItem(el: DicomElement, fn: (item: DicomDataset) => void): void {
  for (const item of el.Value ?? []) {
    if (item && typeof item === 'object') fn(item as DicomDataset);
  }
}

function stringValues(el: DicomElement | undefined): string[] {
  return (el?.Value ?? []).filter((v): v is string => typeof v === 'string');
}

function hasContent(el: DicomElement): boolean {
  return (el.Value ?? []).some((v) => {
    if (typeof v === 'string') return v.trim() !== '';
    // dcmjs gives PN values as strings or as {Alphabetic, Ideographic, Phonetic} objects.
    return v !== null && v !== undefined && JSON.stringify(v) !== '{}';
  });
}

function decodeUnText(el: DicomElement): string[] {
  const parts: string[] = [];
  for (const v of el.Value ?? []) {
    if (v instanceof ArrayBuffer) parts.push(new TextDecoder('latin1').decode(v));
  }
  return parts.join('').split('\\');
}

/**
 * dcmjs returns encapsulated pixel data as one buffer per fragment when there is no Basic Offset
 * Table, and writes one frame per buffer; for a single-frame image split into several fragments that
 * would write a wrong offset table, so the fragments are joined back into the one frame they encode.
 */
function fixEncapsulatedFrames(ds: DicomDataset, ts: string, source: string): void {
  const pixel = ds['7FE00010'];
  if (!pixel || NATIVE_TRANSFER_SYNTAXES.has(ts)) return;
  const frames = (pixel.Value ?? []).filter((f): f is ArrayBuffer => f instanceof ArrayBuffer);
  const nFrames = Number(stringValues(ds['00280008'])[0] ?? (ds['00280008']?.Value?.[0] as number | undefined) ?? 1);
  if (frames.length === nFrames || frames.length === 0) return;
  if (nFrames === 1) {
    const joined = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
    let at = 0;
    for (const f of frames) {
      joined.set(new Uint8Array(f), at);
      at += f.byteLength;
    }
    ds['7FE00010'] = { vr: pixel.vr, Value: [joined.buffer] };
    return;
  }
  throw new DicomError(
    `${source}: encapsulated pixel data has ${frames.length} fragments for ${nFrames} frames and no Basic Offset Table; ` +
      'cannot re-encapsulate it safely',
  );
}

/** Modalities whose images commonly carry burned-in patient text (ultrasound, screen captures, photos). */
const MODALITIES_WITH_BURNED_IN_TEXT = new Set(['US', 'IVUS', 'XC', 'ES', 'GM', 'OT', 'SC', 'DOC']);

function residualRiskWarnings(ds: DicomDataset): string[] {
  const out: string[] = [];
  const cs = (tag: string): string | undefined => stringValues(ds[tag])[0]?.trim().toUpperCase();
  const burnedIn = cs('00280301');
  if (burnedIn === 'YES') {
    out.push('Burned In Annotation (0028,0301) is YES: identifying text in the pixel data is not removed by the Basic Profile');
  } else if (burnedIn === undefined && MODALITIES_WITH_BURNED_IN_TEXT.has(cs('00080060') ?? '')) {
    out.push(`Burned In Annotation (0028,0301) is absent and modality ${cs('00080060')} often has text in the pixels; check them`);
  }
  if (cs('00280302') === 'YES') {
    out.push('Recognizable Visual Features (0028,0302) is YES: the image itself may identify the patient');
  }
  return out;
}
