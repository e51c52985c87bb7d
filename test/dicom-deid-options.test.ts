import { runSpec } from './helpers/cli.js';
import dcmjs from 'dcmjs';
import type { DicomDataset } from 'dcmjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanText, deidentifyDicomWithReport, deidentifyFiles, DEIDENTIFY_MANIFEST, shiftDateValue } from '../src/io/dicom/deidentify.js';
import { BASIC_ONLY, OPTION_TAGS, type ProfileOptions } from '../src/io/dicom/profile-options.js';
import { BASIC_PROFILE } from '../src/io/dicom/profile.js';
import { UidRemapper } from '../src/io/dicom/uid.js';
import type { ImageRunReport } from '../src/report/model.js';

/** Issue 16: the PS3.15 Annex E options, keyed pseudonyms and date shift, audit trail, re-runs. */
const FIX = fileURLToPath(new URL('../fixtures/dicom/', import.meta.url));
const CORRUPT = join(FIX, 'corrupt', 'chrRuss_bad-vr-00080014.dcm');

/** MR_small with identifying text and dates, patient characteristics, a device serial and private blocks. */
function patientFile(opts: { patientId: string; name: string; studyDate: string; sop: string }): Uint8Array {
  const mr = readFileSync(join(FIX, 'MR_small.dcm'));
  const dict = dcmjs.data.DicomMessage.readFile(mr.buffer.slice(mr.byteOffset, mr.byteOffset + mr.byteLength) as ArrayBuffer);
  const ds = dict.dict;
  const set = (tag: string, vr: string, ...v: unknown[]) => (ds[tag] = { vr, Value: v });
  set('00100010', 'PN', { Alphabetic: opts.name });
  set('00100020', 'LO', opts.patientId);
  set('00080018', 'UI', opts.sop);
  dict.meta['00020003'] = { vr: 'UI', Value: [opts.sop] };
  set('00080020', 'DA', opts.studyDate);
  set('00080022', 'DA', opts.studyDate);
  set('00080023', 'DA', '20240110');
  set('00081030', 'LO', `Brain MRI ${opts.name.split('^')[0]} ${opts.studyDate} MRN 12345678`);
  set('0008103E', 'LO', 'T2 AXIAL');
  set('00101010', 'AS', '041Y');
  set('00100040', 'CS', 'F');
  set('00101030', 'DS', '61.5');
  set('00181000', 'LO', 'SN-4711');
  set('00190010', 'LO', 'SIEMENS MR HEADER');
  set('0019100C', 'IS', '1000');
  set('00191008', 'LO', 'operator note');
  set('00290010', 'LO', 'SIEMENS CSA HEADER');
  set('00291010', 'OB', new Uint8Array([1, 2, 3, 4]).buffer);
  return new Uint8Array(dict.write());
}

function parse(bytes: Uint8Array): DicomDataset {
  const log = dcmjs.log.getLogger('validation.dcmjs');
  log.setLevel('silent', false);
  return dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict;
}
const v = (ds: DicomDataset, tag: string): unknown => ds[tag]?.Value?.[0];
const codes = (ds: DicomDataset): string[] => (ds['00120064']?.Value ?? []).map((i) => (i as DicomDataset)['00080100']!.Value![0] as string);

const A1 = patientFile({ patientId: 'PAT-A', name: 'DOE^JANE', studyDate: '20240105', sop: '1.2.3.4.100.1' });
const A2 = patientFile({ patientId: 'PAT-A', name: 'DOE^JANE', studyDate: '20240305', sop: '1.2.3.4.100.2' });
const B1 = patientFile({ patientId: 'PAT-B', name: 'ROE^RICHARD', studyDate: '20240105', sop: '1.2.3.4.100.3' });

function deid(bytes: Uint8Array, profile: Partial<ProfileOptions>, remapper = new UidRemapper({ secret: 'site secret' })) {
  const { bytes: out, report } = deidentifyDicomWithReport(bytes, { remapper, profile: { ...BASIC_ONLY, ...profile }, audit: true });
  return { ds: parse(out), report };
}

describe('PS3.15 Annex E options', () => {
  it('the option columns name only Table E.1-1 rows (the cross-checked transcription)', () => {
    const basic = new Set(BASIC_PROFILE.map((e) => e.tag));
    const all = [...OPTION_TAGS.LONGITUDINAL, ...OPTION_TAGS.UIDS, ...OPTION_TAGS.DESCRIPTORS, ...OPTION_TAGS.PATIENT_CHARACTERISTICS.map(([t]) => t), ...OPTION_TAGS.DEVICE_IDENTITY.map(([t]) => t)];
    expect(all.filter((t) => !basic.has(t))).toEqual([]);
    expect([OPTION_TAGS.LONGITUDINAL.length, OPTION_TAGS.UIDS.length, OPTION_TAGS.DESCRIPTORS.length, OPTION_TAGS.PATIENT_CHARACTERISTICS.length, OPTION_TAGS.DEVICE_IDENTITY.length]).toEqual([165, 59, 125, 13, 57]);
  });

  it('Basic Profile alone: dates emptied, characteristics, descriptors, device serial and every private attribute gone', () => {
    const { ds } = deid(A1, {});
    expect(v(ds, '00080020') ?? '').toBe(''); // Z: zero length
    for (const t of ['00101010', '00101030', '00081030', '0008103E', '0019100C', '00190010', '00291010']) expect(ds[t], t).toBeUndefined();
    expect(v(ds, '00280303')).toBe('REMOVED');
    expect(codes(ds)).toEqual(['113100']);
  });

  it('retainLongitudinalTemporal: shift moves every date of a patient by one keyed number of days; intervals survive', () => {
    const a1 = deid(A1, { retainLongitudinalTemporal: 'shift' });
    const a2 = deid(A2, { retainLongitudinalTemporal: 'shift' });
    const b1 = deid(B1, { retainLongitudinalTemporal: 'shift' });
    const days = a1.report.dateShiftDays!;
    expect(days).toBeLessThan(0);
    expect(a2.report.dateShiftDays).toBe(days); // same patient, same shift
    expect(b1.report.dateShiftDays).not.toBe(days); // another patient (a 1 in 3652 chance to collide; fixed by the secret)
    expect(v(a1.ds, '00080020')).toBe(shiftDateValue('20240105', 'DA', days));
    expect(v(a1.ds, '00080020')).not.toBe('20240105');
    const dayNo = (d: string) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)) / 86_400_000;
    expect(dayNo(v(a2.ds, '00080020') as string) - dayNo(v(a1.ds, '00080020') as string)).toBe(dayNo('20240305') - dayNo('20240105'));
    expect(dayNo(v(a1.ds, '00080023') as string) - dayNo(v(a1.ds, '00080020') as string)).toBe(5);
    // Keyed: another remapper with the same secret shifts the same; another secret does not.
    expect(deid(A1, { retainLongitudinalTemporal: 'shift' }, new UidRemapper({ secret: 'site secret' })).report.dateShiftDays).toBe(days);
    expect(deid(A1, { retainLongitudinalTemporal: 'shift' }, new UidRemapper({ secret: 'other secret' })).report.dateShiftDays).not.toBe(days);
    expect(v(a1.ds, '00280303')).toBe('MODIFIED');
    expect(codes(a1.ds)).toEqual(['113100', '113107']);
    expect(a1.report.actions!['(0008,0020)']).toBe('shift'); // the audit never says by how much
  });

  it('retainLongitudinalTemporal: full keeps dates', () => {
    const { ds } = deid(A1, { retainLongitudinalTemporal: 'full' });
    expect(v(ds, '00080020')).toBe('20240105');
    expect(v(ds, '00280303')).toBe('UNMODIFIED');
  });

  it('retainPatientCharacteristics keeps age, sex and weight; retainDeviceIdentity keeps the device serial', () => {
    const { ds } = deid(A1, { retainPatientCharacteristics: true, retainDeviceIdentity: true });
    expect([v(ds, '00101010'), v(ds, '00100040'), Number(v(ds, '00101030'))]).toEqual(['041Y', 'F', 61.5]);
    expect(v(ds, '00181000')).toBe('SN-4711');
    expect(codes(ds)).toEqual(['113100', '113108', '113109']);
    expect(v(ds, '00120063')).toBe('synthdiff: PS3.15 E.1 Basic Profile + 2 option(s) (0012,0064)');
    expect((v(ds, '00120063') as string).length).toBeLessThanOrEqual(64); // LO (dciodvfy flagged a longer one)
  });

  it('retainSafePrivate keeps the Siemens b-value and its private creator, and nothing else private', () => {
    const { ds, report } = deid(A1, { retainSafePrivate: true });
    expect(v(ds, '00190010')).toBe('SIEMENS MR HEADER');
    expect(Number(v(ds, '0019100C'))).toBe(1000);
    for (const t of ['00191008', '00290010', '00291010']) expect(ds[t], t).toBeUndefined();
    expect(report.actions!['(0019,100C)']).toBe('K retainSafePrivate');
  });

  it('cleanDescriptors keeps descriptions with the patient name, dates and long numbers removed', () => {
    const { ds } = deid(A1, { cleanDescriptors: true });
    expect(v(ds, '00081030')).toBe('Brain MRI * * MRN *');
    expect(v(ds, '0008103E')).toBe('T2 AXIAL');
    expect(cleanText('follow-up 03/04/2023 for Jane Doe', /(?<![\p{L}\p{N}])(?:Jane|Doe)(?![\p{L}\p{N}])/giu)).toBe('follow-up * for * *');
  });

  it('retainUids keeps the instance UIDs', () => {
    expect(v(deid(A1, { retainUids: true }).ds, '00080018')).toBe('1.2.3.4.100.1');
    expect(v(deid(A1, {}).ds, '00080018')).not.toBe('1.2.3.4.100.1');
  });
});

describe('deidentifyFiles: keyed pseudonyms, audit trail, re-runs', () => {
  let work: string;
  let inputs: string[];
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'synthdiff-deid-options-'));
    inputs = ['a1.dcm', 'a2.dcm', 'b1.dcm'].map((f) => join(work, f));
    [A1, A2, B1].forEach((b, i) => writeFileSync(inputs[i]!, b));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('the same secret gives the same files in two runs and two folders; a re-run does not duplicate the study', async () => {
    const one = join(work, 'one');
    const two = join(work, 'two');
    const r1 = await deidentifyFiles(inputs, one, { remapper: new UidRemapper({ secret: 's' }) });
    const r2 = await deidentifyFiles(inputs, two, { remapper: new UidRemapper({ secret: 's' }) });
    const names = async (d: string) => (await readdir(d)).filter((f) => f.endsWith('.dcm')).sort();
    expect(await names(one)).toEqual(await names(two));
    expect(r1.map((r) => r.sopInstanceUid)).toEqual(r2.map((r) => r.sopInstanceUid));
    expect(v(parse(await readFile(r1[0]!.output!)), '00100020')).toBe(v(parse(await readFile(r2[0]!.output!)), '00100020'));
    // Without a secret every run draws new UIDs: the previous run's files are replaced, not kept beside.
    const three = join(work, 'three');
    await deidentifyFiles(inputs, three);
    const first = await names(three);
    await deidentifyFiles(inputs, three);
    const second = await names(three);
    expect(second).toHaveLength(3);
    expect(second).not.toEqual(first);
    expect(JSON.parse(await readFile(join(three, DEIDENTIFY_MANIFEST), 'utf8')).files.sort()).toEqual(second);
  });

  it('writes an audit trail: per input its output and the action per tag, skipped files by name, no original value', async () => {
    const out = join(work, 'audited');
    const audit = join(work, 'audit.json');
    const uidMap = join(work, 'uids.csv');
    const result = await deidentifyFiles([...inputs, CORRUPT], out, {
      remapper: new UidRemapper({ secret: 's' }),
      profile: { ...BASIC_ONLY, retainLongitudinalTemporal: 'shift', cleanDescriptors: true },
      auditPath: audit,
      uidMapPath: uidMap,
      secretSource: 'environment variable X',
    });
    const text = await readFile(audit, 'utf8');
    const trail = JSON.parse(text);
    expect(trail.files).toHaveLength(3);
    expect(trail.files[0]).toMatchObject({ input: inputs[0], output: result[0]!.output });
    expect(trail.files[0].actions).toMatchObject({ '(0010,0010)': 'Z', '(0010,0020)': 'D', '(0008,0018)': 'U', '(0008,0020)': 'shift', '(0019,100C)': 'X', '(0008,1030)': 'C cleanDescriptors (identifying text removed)' });
    expect(trail.skipped).toEqual([{ path: CORRUPT, reason: `${CORRUPT}: (0008,0014) at byte 380: invalid VR "uI" (corrupt file)` }]);
    expect(trail.options.retainLongitudinalTemporal).toBe('shift');
    expect(trail.pseudonyms).toMatch(/^keyed .*environment variable X/);
    for (const secret of ['DOE', 'JANE', 'PAT-A', '20240105', String(result[0]!.dateShiftDays)]) expect(text).not.toContain(secret);
    // The UID map is written where asked, and is the one file that links back.
    expect(await readFile(uidMap, 'utf8')).toContain('1.2.3.4.100.1,');
  });
});

describe('the deidentify task in a pipeline spec', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'synthdiff-deid-spec-'));
    await mkdir(join(work, 'src'));
    writeFileSync(join(work, 'src', 'a1.dcm'), A1);
    writeFileSync(join(work, 'src', 'b1.dcm'), B1);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });
  const run = (spec: object) => runSpec(work, spec);
  const spec = (task: object) => ({ version: 1, name: 'deid', source: { format: 'dicom', path: 'src' }, tasks: [{ type: 'deidentify', output: { path: 'out' }, ...task }], report: { dir: 'report' } });

  it('options, a secret from the environment and the audit path come from the spec', async () => {
    process.env.SYNTHDIFF_TEST_DEID_SECRET = 'pipeline secret';
    try {
      const { code, stderr } = await run(spec({ options: { retainLongitudinalTemporal: 'shift', retainSafePrivate: true }, secret: { env: 'SYNTHDIFF_TEST_DEID_SECRET' }, audit: { path: 'audit.json' } }));
      expect(code, stderr).toBe(0);
    } finally {
      delete process.env.SYNTHDIFF_TEST_DEID_SECRET;
    }
    const report: ImageRunReport = JSON.parse(await readFile(join(work, 'report', 'report.json'), 'utf8'));
    expect(report.tasks[0]).toMatchObject({ type: 'deidentify', files: 2, shifted: expect.any(Number), pseudonyms: 'keyed (secret from environment variable SYNTHDIFF_TEST_DEID_SECRET)' });
    expect(report.tasks[0]!.options).toMatchObject({ retainLongitudinalTemporal: 'shift', retainSafePrivate: true, cleanDescriptors: false });
    const expected = deidentifyDicomWithReport(A1, { remapper: new UidRemapper({ secret: 'pipeline secret' }), source: 'x' }).report.sopInstanceUid;
    expect(await readdir(join(work, 'out'))).toContain(`${expected}.dcm`);
    expect(JSON.parse(await readFile(join(work, 'audit.json'), 'utf8')).files).toHaveLength(2);
    expect(JSON.stringify(report)).not.toContain('pipeline secret');
  });

  it('a missing secret is a one-line spec error naming the task and the variable', async () => {
    delete process.env.SYNTHDIFF_TEST_DEID_MISSING;
    const { code, stderr } = await run(spec({ secret: { env: 'SYNTHDIFF_TEST_DEID_MISSING' } }));
    expect(code).toBe(1);
    expect(stderr).toContain('tasks[0].secret.env: environment variable SYNTHDIFF_TEST_DEID_MISSING is not set or empty');
  });

  it('the spec refuses an unknown option and a secret given both ways', async () => {
    expect((await run(spec({ options: { retainDates: true } }))).code).toBe(1);
    expect((await run(spec({ secret: { env: 'A', file: 'b' } }))).code).toBe(1);
  });
});
