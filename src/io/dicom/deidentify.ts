import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from 'dcmjs';
import { mkdir, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DicomError } from '../../errors.js';
import { writeFileAtomic } from '../atomic.js';
import { messages } from '../../messages.js';
import { BASIC_PROFILE_CODE, groupRule, profileEntry, type ProfileAction } from './profile.js';
import { BASIC_ONLY, OPTION_CODES, optionAction, SAFE_PRIVATE, type OptionAction, type ProfileOptions } from './profile-options.js';
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
  /** PS3.15 Annex E options (profile-options.ts); default: the Basic Profile alone. */
  profile?: ProfileOptions;
  /** Record what was done to each attribute in `report.actions` (the audit trail). */
  audit?: boolean;
}

export interface DeidentifyReport {
  source: string;
  /** Where the de-identified file was written (`deidentifyFiles` only). */
  output?: string;
  /** The new SOP Instance UID. */
  sopInstanceUid: string;
  /** The de-identified Patient ID, Study and Series Instance UIDs ('' when absent): the output's folders with `layout: patient/study/series`. */
  patientId?: string;
  studyUid?: string;
  seriesUid?: string;
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
  /** Text values cleaned (Clean Descriptors, and C rows of the other options). */
  cleaned: number;
  /** Attributes kept by an option (K). */
  retained: number;
  /** Dates shifted (Retain Longitudinal Temporal Information with modified dates). */
  shifted: number;
  /** The per-patient date shift applied, in days (with `retainLongitudinalTemporal: shift`). It re-identifies dates: never written to the audit trail or report. */
  dateShiftDays?: number;
  /** With `audit`: attribute path → action, e.g. `(0010,0010)` → `Z`, `(0008,1140)[1]/(0008,1155)` → `U`. */
  actions?: Record<string, string>;
}

interface Counts {
  removed: number;
  privateRemoved: number;
  emptied: number;
  replaced: number;
  uidsRemapped: number;
  cleaned: number;
  retained: number;
  shifted: number;
}

/** What the recursive walk needs: the shared remapper, the options, the counts and the audit trail. */
interface Context {
  remapper: UidRemapper;
  options: ProfileOptions;
  counts: Counts;
  /** Identifying strings of this instance (names, IDs, dates), removed from cleaned text. */
  identifiers: RegExp | undefined;
  shiftDays: number;
  actions: Record<string, string> | undefined;
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
  const counts: Counts = { removed: 0, privateRemoved: 0, emptied: 0, replaced: 0, uidsRemapped: 0, cleaned: 0, retained: 0, shifted: 0 };
  const ds = parsed.dict;
  const warnings = residualRiskWarnings(ds);
  const inputTs = stringValues(parsed.meta['00020010'])[0] ?? EXPLICIT_VR_LITTLE_ENDIAN;
  const profile = options.profile ?? BASIC_ONLY;
  // The tile count of a Siemens mosaic is private (0019,xx0A; CSA 0029,xx10): without the safe-private
  // option it goes with the private groups and the output reads as one image of tiles.
  if (!profile.retainSafePrivate && stringValues(ds['00080008']).some((v) => v.trim().toUpperCase() === 'MOSAIC')) warnings.push(messages.deidMosaicCountRemoved());
  // One shift per patient: keyed on the original Patient ID (else name and birth date), before they go.
  const patientKey = stringValues(ds['00100020'])[0]?.trim() || `${personNames(ds['00100010']).join('^')}|${stringValues(ds['00100030'])[0] ?? ''}`;
  const ctx: Context = {
    remapper: options.remapper,
    options: profile,
    counts,
    identifiers: profile.cleanDescriptors || profile.retainPatientCharacteristics || profile.retainDeviceIdentity ? identifyingPattern(ds) : undefined,
    shiftDays: profile.retainLongitudinalTemporal === 'shift' ? options.remapper.dateShiftDays(patientKey) : 0,
    actions: options.audit ? {} : undefined,
  };

  deidentifyDataset(ds, ctx, '');
  fixEncapsulatedFrames(ds, inputTs, source);
  if (ds['00120081'] && !ds['00120082']) {
    delete ds['00120081']; // Ethics Committee Name: Type 1C, only with the (removed) Approval Number
    counts.removed++;
  }

  // The Patient Identity Removed attribute family (Patient module / SOP Common), with one code per option.
  // De-identification Method is LO: at most 64 characters, so the options are named by their codes.
  const codes = [BASIC_PROFILE_CODE, ...optionCodes(profile).map((c) => ({ ...c, codingSchemeDesignator: 'DCM' }))];
  ds['00120062'] = element('CS', 'YES');
  ds['00120063'] = element('LO', codes.length > 1 ? `synthdiff: PS3.15 E.1 Basic Profile + ${codes.length - 1} option(s) (0012,0064)` : DEIDENTIFICATION_METHOD);
  ds['00120064'] = element(
    'SQ',
    ...codes.map((c) => ({
      '00080100': element('SH', c.codeValue),
      '00080102': element('SH', c.codingSchemeDesignator),
      '00080104': element('LO', c.codeMeaning),
    })),
  );
  // Longitudinal Temporal Information Modified: without the option every date in Table E.1-1 was
  // emptied, replaced by a fixed dummy or removed.
  const temporal = profile.retainLongitudinalTemporal;
  ds['00280303'] = element('CS', temporal === 'shift' ? 'MODIFIED' : temporal === 'full' ? 'UNMODIFIED' : 'REMOVED');

  const sopInstanceUid = stringValues(ds['00080018'])[0];
  if (!sopInstanceUid || !ds['00080016']) {
    throw new DicomError(messages.dicomNotComposite(source));
  }
  // dcmjs reads deflated data sets but cannot write them; explicit VR little endian is the lossless
  // equivalent. Every other transfer syntax is kept so pixel data is copied untouched.
  const outputTs = inputTs === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN ? EXPLICIT_VR_LITTLE_ENDIAN : inputTs;
  let out: Uint8Array;
  try {
    out = encodePart10(ds, outputTs);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    throw new DicomError(messages.dicomCannotEncode(source, (e as Error).message));
  }
  verifyOutput(out, structure, source);
  const extra = { ...(temporal === 'shift' ? { dateShiftDays: ctx.shiftDays } : {}), ...(ctx.actions ? { actions: ctx.actions } : {}) };
  const place = { patientId: stringValues(ds['00100020'])[0] ?? '', studyUid: stringValues(ds['0020000D'])[0] ?? '', seriesUid: stringValues(ds['0020000E'])[0] ?? '' };
  return { bytes: out, report: { source, sopInstanceUid, ...place, ...counts, warnings, ...extra } };
}

export interface DeidentifyFilesOptions {
  /** Defaults to a fresh random remapper shared by all `inputs`. */
  remapper?: UidRemapper;
  /** PS3.15 Annex E options; default: the Basic Profile alone. */
  profile?: ProfileOptions;
  /** Write the audit trail here (JSON): per input its output and the action taken on every attribute; skipped files by name. */
  auditPath?: string;
  /** Write the original → replacement UID map here (CSV). It re-identifies: only where the user asks. */
  uidMapPath?: string;
  /** Said in the audit trail: where the pseudonym secret came from, e.g. `env SYNTHDIFF_DEID_SECRET`. */
  secretSource?: string;
  /**
   * `flat` (default): `<SOPInstanceUID>.dcm` in the output folder; `patient/study/series`:
   * `<PatientID>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm`, all de-identified values.
   */
  layout?: DeidentifyLayout;
}

export type DeidentifyLayout = 'flat' | 'patient/study/series';

/** A de-identified value as one folder name: characters outside [A-Za-z0-9._-] become `_`; empty is `unknown`. */
function folderName(value: string | undefined): string {
  const s = (value ?? '').trim().replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? 'unknown' : s;
}

/** What `deidentifyFiles` did: one report per file written, plus the inputs skipped and why. */
export type DeidentifyFilesResult = DeidentifyReport[] & { skipped: SkippedFile[] };

/** Lists the files a de-identification run wrote into its folder, so a re-run replaces them. */
export const DEIDENTIFY_MANIFEST = '.synthdiff-deidentified.json';
/** A file a previous run wrote (manifest entry): `<uid>.dcm`, or three folder names above it (none `.` or `..`). */
const OUTPUT_NAME = /^(?:(?!\.\.?\/)[A-Za-z0-9._-]+\/){0,3}[0-9.]+\.dcm$/;

/**
 * De-identify `inputs` into `outDir`, one shared remapper for the whole set. Outputs are named by
 * their new SOP Instance UID (input file names often contain patient names) and written atomically.
 * A file that cannot be read or de-identified is skipped and listed with the one-line reason naming it;
 * the rest of the set goes on. When no input could be de-identified, that is an error (nothing useful
 * was written).
 *
 * Re-running into the same folder replaces the previous run's files (listed in `DEIDENTIFY_MANIFEST`)
 * rather than adding a second copy of the study under new UIDs. With a keyed remapper the names are the
 * same anyway; without one every run draws new UIDs.
 */
export async function deidentifyFiles(inputs: readonly string[], outDir: string, options: DeidentifyFilesOptions = {}): Promise<DeidentifyFilesResult> {
  const remapper = options.remapper ?? new UidRemapper();
  const profile = options.profile ?? BASIC_ONLY;
  const reports: DeidentifyReport[] = [];
  const skipped: SkippedFile[] = [];
  const written = new Map<string, string>();
  const results: { bytes: Uint8Array; report: DeidentifyReport }[] = [];
  for (const input of inputs) {
    try {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(input);
      } catch (e) {
        throw new DicomError(messages.fileUnreadable(input, (e as NodeJS.ErrnoException).code ?? (e as Error).message));
      }
      const result = deidentifyDicomWithReport(bytes, { remapper, source: input, profile, audit: options.auditPath !== undefined });
      const previous = written.get(result.report.sopInstanceUid);
      if (previous !== undefined) {
        throw new DicomError(messages.dicomSameSopInstance(input, previous));
      }
      written.set(result.report.sopInstanceUid, input);
      results.push(result);
    } catch (e) {
      if (!(e instanceof DicomError)) throw e; // an internal bug keeps its stack
      skipped.push({ path: input, reason: e.message });
    }
  }
  if (results.length === 0 && skipped.length > 0) throw new DicomError(messages.dicomNothingDeidentified(skipped.length, skipped[0]!.reason));
  // Everything de-identified in memory first: only then replace the previous run's files.
  await removePreviousRun(outDir);
  for (const { bytes, report } of results) {
    const folders = options.layout === 'patient/study/series' ? [folderName(report.patientId), folderName(report.studyUid), folderName(report.seriesUid)] : [];
    const output = join(outDir, ...folders, `${report.sopInstanceUid}.dcm`);
    await mkdir(dirname(output), { recursive: true });
    await writeFileAtomic(output, bytes);
    reports.push({ ...report, output });
  }
  await writeFileAtomic(join(outDir, DEIDENTIFY_MANIFEST), `${JSON.stringify({ files: reports.map((r) => relative(outDir, r.output!).split(sep).join('/')) }, null, 2)}\n`);
  if (options.auditPath) await writeFileAtomic(options.auditPath, auditTrail(reports, skipped, profile, remapper, options.secretSource));
  if (options.uidMapPath) {
    const rows = [...remapper.entries()].map(([from, to]) => `${from},${to}`);
    await writeFileAtomic(options.uidMapPath, `original,replacement\n${rows.join('\n')}${rows.length ? '\n' : ''}`);
  }
  return Object.assign(reports, { skipped });
}

async function removePreviousRun(outDir: string): Promise<void> {
  let previous: unknown;
  try {
    previous = JSON.parse(await readFile(join(outDir, DEIDENTIFY_MANIFEST), 'utf8'));
  } catch {
    return; // no earlier run here (or an unreadable manifest: leave the folder alone)
  }
  const files = (previous as { files?: unknown }).files;
  if (!Array.isArray(files)) return;
  for (const f of files) {
    if (typeof f !== 'string' || !OUTPUT_NAME.test(f)) continue;
    await rm(join(outDir, f), { force: true });
    // The patient/study/series folders it leaves empty go too (rmdir refuses a folder that is not).
    const parts = f.split('/');
    for (let k = parts.length - 1; k > 0; k--) await rmdir(join(outDir, ...parts.slice(0, k))).catch(() => undefined);
  }
}

/** The audit trail: what was done, to which file, under which options; never an original value. */
function auditTrail(reports: DeidentifyReport[], skipped: SkippedFile[], profile: ProfileOptions, remapper: UidRemapper, secretSource: string | undefined): string {
  return `${JSON.stringify(
    {
      profile: 'DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile',
      options: profile,
      pseudonyms: remapper.deterministic ? `keyed (HMAC-SHA256, secret from ${secretSource ?? 'the caller'}): stable across runs and sites with the same secret` : 'random for this run',
      legend: { X: 'removed', Z: 'emptied', D: 'dummy value', U: 'UID replaced', 'U*': 'sequence kept, its UIDs replaced', K: 'kept (option)', C: 'cleaned (option)', shift: 'date shifted by whole days (per patient)' },
      files: reports.map((r) => ({ input: r.source, output: r.output, sopInstanceUid: r.sopInstanceUid, warnings: r.warnings, actions: r.actions })),
      skipped,
    },
    null,
    2,
  )}\n`;
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
    throw new DicomError(messages.dicomNotPart10(source));
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
      throw new DicomError(messages.dicomIso2022(source, message.replace(/^.*: /, '')));
    }
    throw new DicomError(messages.dicomCannotParse(source, message));
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

/** Apply the profile (and chosen options) to one data set (the top level or a sequence item), in place. */
function deidentifyDataset(ds: DicomDataset, ctx: Context, path: string): void {
  const { counts } = ctx;
  const safePrivate = ctx.options.retainSafePrivate ? safePrivateTags(ds) : undefined;
  for (const tag of Object.keys(ds)) {
    const el = ds[tag]!;
    const at = `${path}(${tag.slice(0, 4)},${tag.slice(4)})`;
    const note = (action: string): void => {
      if (ctx.actions) ctx.actions[at] = action;
    };
    const group = parseInt(tag.slice(0, 4), 16);
    const elementNo = parseInt(tag.slice(4), 16);
    // Group lengths are optional and would be stale after removals; groups 0000 (command) and 0002
    // (file meta) do not belong in a stored data set.
    if (elementNo === 0 || group === 0x0000 || group === 0x0002) {
      delete ds[tag];
      counts.removed++;
      note('X');
      continue;
    }
    if (safePrivate?.has(tag.toUpperCase())) {
      counts.retained++;
      note('K retainSafePrivate');
      continue;
    }
    if (groupRule(group, elementNo)) {
      delete ds[tag];
      counts.removed++;
      if (group & 1) counts.privateRemoved++;
      note('X');
      continue;
    }
    const entry = profileEntry(tag);
    const option = entry ? optionAction(tag.toUpperCase(), ctx.options) : undefined;
    if (option && applyOption(ds, tag, el, option, ctx, at, note)) continue;
    if (entry) {
      note(applyAction(ds, tag, el, entry.action, ctx, at));
    } else if (el.vr === 'SQ' || isUnSequence(el)) {
      if (el.vr === 'UN') el.vr = 'SQ'; // an undefined-length UN read as a sequence (PS3.5 §6.2.2)
      forEachItem(el, (item, i) => deidentifyDataset(item, ctx, `${at}[${i + 1}]/`));
    } else if (el.vr === 'UI' && !CLASS_UID_TAGS.has(tag)) {
      if (ctx.options.retainUids) {
        counts.retained++;
        note('K retainUids');
      } else {
        remapUids(ds, tag, el, ctx);
        note('U');
      }
    } else if (el.vr === 'PN' && hasContent(el)) {
      ds[tag] = element('PN');
      counts.emptied++;
      note('Z');
    }
  }
}

/**
 * Apply an option's action (K, C or a date shift); false when it does not apply to this VR, so the
 * Basic Profile action stands (e.g. C on an AE title: there is no cleaning of a network name).
 */
function applyOption(ds: DicomDataset, tag: string, el: DicomElement, option: OptionAction, ctx: Context, at: string, note: (a: string) => void): boolean {
  const { counts } = ctx;
  if (isUnSequence(el)) el.vr = 'SQ';
  if (option.action === 'K') {
    counts.retained++;
    note(`K ${option.option}`);
    // A kept sequence's items still go through the profile (a code sequence may hold a person's name).
    if (el.vr === 'SQ') forEachItem(el, (item, i) => deidentifyDataset(item, ctx, `${at}[${i + 1}]/`));
    return true;
  }
  if (option.action === 'shift') {
    if (el.vr === 'TM') {
      counts.retained++;
      note('K retainLongitudinalTemporal (time of day; dates shift by whole days)');
      return true;
    }
    if (el.vr !== 'DA' && el.vr !== 'DT') return false;
    const shifted = stringValues(el).map((v) => shiftDateValue(v, el.vr, ctx.shiftDays));
    if (shifted.some((v) => v === undefined)) {
      ds[tag] = element(el.vr);
      counts.emptied++;
      note('Z (unparseable date)');
    } else {
      ds[tag] = element(el.vr, ...(shifted as string[]));
      counts.shifted++;
      note('shift'); // never the number of days: with it, the true dates come back
    }
    return true;
  }
  // C: clean text; clean a sequence by de-identifying its items; anything else falls back to the profile.
  if (el.vr === 'SQ') {
    counts.retained++;
    note(`C ${option.option} (items de-identified)`);
    forEachItem(el, (item, i) => deidentifyDataset(item, ctx, `${at}[${i + 1}]/`));
    return true;
  }
  if (!TEXT_VRS.has(el.vr)) return false;
  const values = stringValues(el);
  const cleaned = values.map((v) => cleanText(v, ctx.identifiers));
  const changed = cleaned.some((v, i) => v !== values[i]);
  ds[tag] = element(el.vr, ...cleaned);
  counts.cleaned++;
  note(`C ${option.option}${changed ? ' (identifying text removed)' : ' (nothing identifying found)'}`);
  return true;
}

const TEXT_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC']);

/** Returns the action code recorded in the audit trail. */
function applyAction(ds: DicomDataset, tag: string, el: DicomElement, action: ProfileAction, ctx: Context, at: string): string {
  const { counts } = ctx;
  const recurse = (): void => forEachItem(el, (item, i) => deidentifyDataset(item, ctx, `${at}[${i + 1}]/`));
  if (isUnSequence(el)) el.vr = 'SQ';
  const isSeq = el.vr === 'SQ';
  switch (action) {
    case 'X':
    case 'C': // cleaning is only defined by options we do not implement; removing is the safe subset
      delete ds[tag];
      counts.removed++;
      return 'X';
    case 'K':
      if (isSeq) recurse();
      return 'K';
    case 'Z':
      ds[tag] = element(el.vr);
      counts.emptied++;
      return 'Z';
    case 'X/Z':
      if (isSeq && !TYPE2_SEQUENCES.has(tag)) {
        delete ds[tag];
        counts.removed++;
        return 'X';
      }
      ds[tag] = element(el.vr);
      counts.emptied++;
      return 'Z';
    case 'U':
      if (el.vr === 'UI' || el.vr === 'UN') remapUids(ds, tag, el, ctx);
      else dummy(ds, tag, el, ctx);
      return 'U';
    case 'X/Z/U*':
      if (isSeq) {
        recurse();
        return 'U*';
      }
      ds[tag] = element(el.vr);
      counts.emptied++;
      return 'Z';
    case 'X/D':
    case 'X/Z/D':
      if (isSeq) {
        if (TYPE2_SEQUENCES.has(tag)) {
          ds[tag] = element('SQ');
          counts.emptied++;
          return 'Z';
        }
        delete ds[tag];
        counts.removed++;
        return 'X';
      }
      dummy(ds, tag, el, ctx);
      return 'D';
    case 'D':
    case 'Z/D':
      if (isSeq) {
        ds[tag] = element('SQ');
        counts.emptied++;
        return 'Z';
      }
      dummy(ds, tag, el, ctx);
      return 'D';
  }
}

/**
 * A dummy value consistent with the VR (action D). UIDs get a consistent replacement and Patient ID a
 * consistent pseudonym, so that "same patient / same object" survives de-identification; everything
 * else gets a fixed value that says nothing.
 */
function dummy(ds: DicomDataset, tag: string, el: DicomElement, ctx: Context): void {
  const { remapper, counts } = ctx;
  if (el.vr === 'UI') {
    remapUids(ds, tag, el, ctx);
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
function remapUids(ds: DicomDataset, tag: string, el: DicomElement, ctx: Context): void {
  const { remapper, counts } = ctx;
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

function forEachItem(el: DicomElement, fn: (item: DicomDataset, index: number) => void): void {
  (el.Value ?? []).forEach((item, i) => {
    if (item && typeof item === 'object' && !(item instanceof ArrayBuffer)) fn(item as DicomDataset, i);
  });
}

/** The CID 7050 codes of the chosen options, in a fixed order. */
function optionCodes(p: ProfileOptions): { codeValue: string; codeMeaning: string }[] {
  const keys = [
    p.cleanDescriptors && 'cleanDescriptors',
    p.retainLongitudinalTemporal && `retainLongitudinalTemporal:${p.retainLongitudinalTemporal}`,
    p.retainPatientCharacteristics && 'retainPatientCharacteristics',
    p.retainDeviceIdentity && 'retainDeviceIdentity',
    p.retainUids && 'retainUids',
    p.retainSafePrivate && 'retainSafePrivate',
  ].filter((k): k is string => typeof k === 'string');
  return keys.map((k) => OPTION_CODES[k]!);
}

/**
 * Tags of private attributes on the safe list in this data set, with the private creator elements that
 * reserve their blocks (PS3.5 §7.8.1: creator (gggg,00xx) reserves elements (gggg,xx00–xxFF)).
 */
function safePrivateTags(ds: DicomDataset): Set<string> {
  const keep = new Set<string>();
  for (const tag of Object.keys(ds)) {
    const group = parseInt(tag.slice(0, 4), 16);
    const el = parseInt(tag.slice(4), 16);
    if (!(group & 1) || el < 0x1000) continue;
    const block = el >> 8;
    const creatorTag = `${tag.slice(0, 4)}00${block.toString(16).toUpperCase().padStart(2, '0')}`.toUpperCase();
    const creatorEl = ds[creatorTag] ?? ds[creatorTag.toLowerCase()];
    const creator = creatorEl ? (creatorEl.vr === 'UN' ? decodeUnText(creatorEl)[0] : stringValues(creatorEl)[0])?.replace(/[\0 ]+$/, '').trim() : undefined;
    if (creator && SAFE_PRIVATE.some((s) => s.group === group && s.element === (el & 0xff) && s.creator === creator)) {
      keep.add(tag.toUpperCase());
      keep.add(creatorTag);
    }
  }
  return keep;
}

/** Person name components from a PN element (string or {Alphabetic, Ideographic, Phonetic} values). */
function personNames(el: DicomElement | undefined): string[] {
  return (el?.Value ?? []).flatMap((v) => {
    if (typeof v === 'string') return [v];
    if (v && typeof v === 'object' && !(v instanceof ArrayBuffer)) return Object.values(v as Record<string, unknown>).filter((x): x is string => typeof x === 'string');
    return [];
  });
}

/** Attributes whose values identify the patient (or staff) and must not survive in cleaned text. */
const IDENTIFYING_TEXT_TAGS = ['00100020', '00101000', '00080050', '00080080', '00081010', '00100030', '00380010', '00200010'];

/**
 * One case-insensitive pattern matching this instance's identifying strings: every person name
 * component (any PN attribute at the top level), IDs, accession number, institution, station, birth date.
 */
function identifyingPattern(ds: DicomDataset): RegExp | undefined {
  const words = new Set<string>();
  for (const [tag, el] of Object.entries(ds)) {
    const values = el.vr === 'PN' ? personNames(el) : IDENTIFYING_TEXT_TAGS.includes(tag.toUpperCase()) ? stringValues(el) : [];
    for (const v of values) {
      for (const part of v.split(/[\^=,]+/)) {
        const t = part.trim();
        if (t.length >= 2) words.add(t);
        for (const w of t.split(/\s+/)) if (w.length >= 2) words.add(w);
      }
    }
  }
  if (words.size === 0) return undefined;
  const escaped = [...words].sort((a, b) => b.length - a.length).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/**
 * Clean Descriptors (PS3.15 E.3.5), done conservatively: the instance's own identifying strings, anything
 * date-like and digit runs of 5 or more (IDs, phone numbers) become `*`; the rest of the description
 * (sequence names, body part, contrast) is kept. A heuristic: it cannot know a name it was not given.
 */
export function cleanText(value: string, identifiers: RegExp | undefined): string {
  let out = identifiers ? value.replace(identifiers, '*') : value;
  out = out
    .replace(/\b(?:19|20)\d{2}[-./]?(?:0[1-9]|1[0-2])[-./]?(?:0[1-9]|[12]\d|3[01])\b/g, '*')
    .replace(/\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b/g, '*')
    .replace(/\d{5,}/g, '*');
  return out;
}

/** Shift a DA (YYYYMMDD, or a range A-B) or DT (date part) by whole days; undefined when it does not parse. */
export function shiftDateValue(value: string, vr: string, days: number): string | undefined {
  const v = value.trim();
  if (v === '') return v;
  const shiftDa = (d: string): string | undefined => {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(d);
    if (!m) return undefined;
    const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
    if (Number.isNaN(t)) return undefined;
    const s = new Date(t + days * 86_400_000);
    return `${String(s.getUTCFullYear()).padStart(4, '0')}${String(s.getUTCMonth() + 1).padStart(2, '0')}${String(s.getUTCDate()).padStart(2, '0')}`;
  };
  if (vr === 'DA') {
    const parts = v.split('-');
    if (parts.length > 2) return undefined;
    const shifted = parts.map((p) => (p === '' ? '' : shiftDa(p)));
    return shifted.some((p) => p === undefined) ? undefined : shifted.join('-');
  }
  // DT: YYYYMMDD[HHMMSS[.F]][&ZZXX]; a DT with only a year or month is too coarse to shift by days.
  if (!/^\d{8}/.test(v)) return undefined;
  const date = shiftDa(v.slice(0, 8));
  return date === undefined ? undefined : date + v.slice(8);
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
  throw new DicomError(messages.dicomCannotReencapsulate(source, frames.length, nFrames));
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
