/**
 * Objects without pixel data (issue 16): structured reports, RT plans, RT structure sets, presentation
 * states and the like in a de-identified folder are de-identified with the images by the same PS3.15
 * Annex E profile and UID map (SR content trees emptied, as the Basic Profile's D on Content Sequence
 * says), never passed through, and their references to the images follow the images' new UIDs; one that
 * cannot be read as Part 10 is skipped by name. No person name, date, free text or instance UID of the
 * inputs survives in any output. Colour images go the same way, their pixel data copied byte for byte.
 */
import dcmjs from 'dcmjs';
import type { DicomDataset } from 'dcmjs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEIDENTIFY_MANIFEST } from '../src/io/dicom/deidentify.js';
import { SYNTHDIFF_IMPLEMENTATION_CLASS_UID } from '../src/io/dicom/uid.js';
import { element, encodePart10 } from '../src/io/dicom/write.js';
import { runCli, runSpecInTempDir } from './helpers/cli.js';

const FIX = resolve('fixtures/dicom');
/** Copied from fixtures/dicom, and built below (no Part 10 RT Structure Set or presentation state in fixtures or shared data). */
const NON_IMAGES = ['test-SR.dcm', 'reportsi.dcm', 'rtplan.dcm', 'rtstruct-part10.dcm', 'gsps.dcm'];
const RT_STRUCTURE_SET = '1.2.840.10008.5.1.4.1.1.481.3';
const GRAYSCALE_SOFTCOPY_PRESENTATION_STATE = '1.2.840.10008.5.1.4.1.1.11.1';
const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/**
 * fixtures/dicom/rtstruct.dcm (a bare implicit VR data set) as a Part 10 file: 128-byte preamble, DICM and
 * a File Meta group written by dcmjs, then the data set's bytes unchanged.
 */
function rtstructPart10(dataset: Buffer): Buffer {
  const meta: DicomDataset = {
    '00020001': element('OB', new Uint8Array([0x00, 0x01]).buffer),
    '00020002': element('UI', RT_STRUCTURE_SET),
    '00020003': element('UI', '1.2.826.0.1.3680043.8.498.2010020400001'), // its SOP Instance UID (0008,0018)
    '00020010': element('UI', IMPLICIT_VR_LITTLE_ENDIAN),
    '00020012': element('UI', SYNTHDIFF_IMPLEMENTATION_CLASS_UID),
  };
  return Buffer.concat([new Uint8Array(new dcmjs.data.DicomDict(meta).write()), dataset]);
}

/** A minimal Grayscale Softcopy Presentation State on `image` (its study, patient and one referenced instance), with a creator's name and dates. */
function presentationState(image: DicomDataset): Uint8Array {
  const first = (tag: string): unknown => (image[tag] as Element).Value![0];
  return encodePart10(
    {
      '00080016': element('UI', GRAYSCALE_SOFTCOPY_PRESENTATION_STATE),
      '00080018': element('UI', '1.2.826.0.1.3680043.8.498.16016.1'),
      '00080020': element('DA', '20240105'),
      '00080030': element('TM', '101500'),
      '00080050': element('SH', 'ACC16016'),
      '00080060': element('CS', 'PR'),
      '00080090': element('PN', { Alphabetic: 'Referring^Rachel' }),
      '00081115': element('SQ', {
        '00081140': element('SQ', { '00081150': element('UI', first('00080016')), '00081155': element('UI', first('00080018')) }),
        '0020000E': element('UI', first('0020000E')),
      }),
      '00100010': element('PN', first('00100010')),
      '00100020': element('LO', first('00100020')),
      '00100030': element('DA', '19700314'),
      '0020000D': element('UI', first('0020000D')),
      '0020000E': element('UI', '1.2.826.0.1.3680043.8.498.16016.2'),
      '00200010': element('SH', 'STUDY16016'),
      '00700080': element('CS', 'WINDOW'),
      '00700081': element('LO', 'Window set by Dr Watson'),
      '00700082': element('DA', '20240106'),
      '00700083': element('TM', '111500'),
      '00700084': element('PN', { Alphabetic: 'Watson^John' }),
    },
    '1.2.840.10008.1.2.1',
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-deid-nonimage-'));
  await mkdir(join(dir, 'in'));
  for (const f of ['MR_small.dcm', 'test-SR.dcm', 'reportsi.dcm', 'rtplan.dcm', 'rtstruct.dcm']) await copyFile(join(FIX, f), join(dir, 'in', f));
  await writeFile(join(dir, 'in', 'rtstruct-part10.dcm'), rtstructPart10(await readFile(join(FIX, 'rtstruct.dcm'))));
  await writeFile(join(dir, 'in', 'gsps.dcm'), presentationState(parse(await readFile(join(FIX, 'MR_small.dcm')))));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Element = { vr: string; Value?: unknown[] };
const parse = (bytes: Buffer): DicomDataset => dcmjs.data.DicomMessage.readFile(new Uint8Array(bytes).buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict;

/** Every value that identifies someone or something in the file: person names, dates, free text, instance UIDs. */
function identifiers(ds: DicomDataset, out = new Set<string>()): Set<string> {
  for (const [tag, el] of Object.entries(ds as Record<string, Element>)) {
    if (el.vr === 'SQ') {
      for (const item of (el.Value ?? []) as DicomDataset[]) identifiers(item, out);
      continue;
    }
    // Class UIDs and the Coding Scheme Identification Sequence's UID, name and organisation (0008,010C,
    // 0008,0115, 0008,0116) describe standards, not a patient or an instance.
    const standard = ['0008010C', '00080115', '00080116', '00080016', '00081150', '00020002', '00020010', '00020012'].includes(tag);
    if (!['PN', 'DA', 'DT', 'UT', 'LT', 'ST', 'UI'].includes(el.vr) || standard) continue;
    for (const v of el.Value ?? []) {
      const s = v && typeof v === 'object' ? (v as { Alphabetic?: string }).Alphabetic : v == null ? undefined : String(v);
      if (s && s.length >= 6 && !s.startsWith('1.2.840.10008')) out.add(s);
    }
  }
  return out;
}

/** The first value of `tag` in `ds`, or in the first item of each sequence on `path` before it. */
function valueAt(ds: DicomDataset, ...path: string[]): unknown {
  let at = ds;
  for (const seq of path.slice(0, -1)) at = (at[seq] as Element).Value![0] as DicomDataset;
  return (at[path.at(-1)!] as Element | undefined)?.Value?.[0];
}

describe('de-identifying a folder with SR, RT plan, RT structure set, presentation state and images (issue 16)', () => {
  it('de-identifies the objects without pixel data too, leaking none of their identifiers; their references follow the image', async () => {
    const spec = join(dir, 'spec.yaml');
    await writeFile(spec, `version: 1\nname: deid\nsource: { path: in, format: dicom }\ntasks:\n  - { type: deidentify, output: { path: out }, audit: { path: audit.json }, uidMap: { path: uids.csv } }\n`);
    const r = await runCli('run', spec);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`tasks[0] deidentify: skipped ${join(dir, 'in', 'rtstruct.dcm')}: not a DICOM Part 10 file`);
    expect(r.stderr).toContain('de-identified 6 files');

    const names = (await readdir(join(dir, 'out'))).filter((f) => f.endsWith('.dcm'));
    const outputs = await Promise.all(names.map((f) => readFile(join(dir, 'out', f))));
    const parsed = outputs.map(parse);
    const classes = parsed.map((d) => valueAt(d, '00080016')).sort();
    // Comprehensive SR, Basic Text SR, MR image, GSPS, RT Structure Set, RT Plan: each kept its SOP class.
    expect(classes).toEqual([
      '1.2.840.10008.5.1.4.1.1.11.1',
      '1.2.840.10008.5.1.4.1.1.4',
      '1.2.840.10008.5.1.4.1.1.481.3',
      '1.2.840.10008.5.1.4.1.1.481.5',
      '1.2.840.10008.5.1.4.1.1.88.11',
      '1.2.840.10008.5.1.4.1.1.88.33',
    ]);
    for (const d of parsed) expect((d['00120062'] as Element).Value).toEqual(['YES']); // Patient Identity Removed

    const text = outputs.map((b) => b.toString('latin1')).join('\n');
    for (const f of NON_IMAGES) {
      const ids = identifiers(parse(await readFile(join(dir, 'in', f))));
      expect(ids.size, f).toBeGreaterThan(3);
      expect([...ids].filter((s) => text.includes(s)), f).toEqual([]);
    }

    // The presentation state still points at the image, by the image's new UIDs, and names the same pseudonymous patient.
    const bySopClass = (uid: string) => parsed.find((d) => valueAt(d, '00080016') === uid)!;
    const mr = bySopClass('1.2.840.10008.5.1.4.1.1.4');
    const pr = bySopClass(GRAYSCALE_SOFTCOPY_PRESENTATION_STATE);
    expect(valueAt(pr, '00081115', '0020000E')).toBe(valueAt(mr, '0020000E'));
    expect(valueAt(pr, '00081115', '00081140', '00081155')).toBe(valueAt(mr, '00080018'));
    expect(valueAt(pr, '00081115', '00081140', '00081150')).toBe('1.2.840.10008.5.1.4.1.1.4'); // a class UID: kept
    expect(valueAt(pr, '0020000D')).toBe(valueAt(mr, '0020000D'));
    expect(valueAt(pr, '00100020')).toBe(valueAt(mr, '00100020'));
    expect(valueAt(pr, '00100020')).not.toBe('4MR1');
    expect(valueAt(pr, '00700084')).toEqual({ Alphabetic: 'DEIDENTIFIED^DEIDENTIFIED' }); // Content Creator's Name: Z/D → dummy
    expect(pr['00700082']).toBeUndefined(); // Presentation Creation Date: X

    // The structure set's references agree with each other and with the UID map (original → replacement).
    const rt = bySopClass(RT_STRUCTURE_SET);
    const uidMap = new Map(
      (await readFile(join(dir, 'uids.csv'), 'utf8'))
        .trim()
        .split('\n')
        .slice(1)
        .map((row) => row.split(',') as [string, string]),
    );
    const frame = valueAt(rt, '30060010', '00200052');
    expect(frame).toBe(uidMap.get('1.2.826.0.1.3680043.8.498.2010020400001.2'));
    const rois = (rt['30060020'] as Element).Value as DicomDataset[];
    expect(rois).toHaveLength(3);
    for (const roi of rois) expect(valueAt(roi, '30060024')).toBe(frame);
    expect(valueAt(rt, '30060010', '30060012', '00081155')).toBe(uidMap.get('1.2.826.0.1.3680043.8.498.2010020400001.2.1'));
    expect(valueAt(rt, '30060010', '30060012', '30060014', '0020000E')).toBe(uidMap.get('1.2.826.0.1.3680043.8.498.2010020400001.2.1.1'));
    expect(valueAt(rt, '00080018')).toBe(uidMap.get('1.2.826.0.1.3680043.8.498.2010020400001'));

    // The audit trail lists each of them with its output.
    const audit = JSON.parse(await readFile(join(dir, 'audit.json'), 'utf8')) as { files: { input: string; output: string }[]; skipped: { path: string }[] };
    expect(audit.files.map((f) => f.input.split('/').pop()).sort()).toEqual(['MR_small.dcm', ...NON_IMAGES].sort());
    expect(audit.skipped.map((s) => s.path.split('/').pop())).toEqual(['rtstruct.dcm']);
  }, 60_000);

  it('layout: patient/study/series writes <PatientID>/<StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm, and a re-run replaces it', async () => {
    const spec = join(dir, 'layout.yaml');
    const write = (layout: string) =>
      writeFile(spec, `version: 1\nname: deid\nsource: { path: in, format: dicom }\ntasks:\n  - { type: deidentify, output: { path: tree }, secret: { env: SYNTHDIFF_TEST_SECRET }, layout: ${layout} }\n`);
    process.env.SYNTHDIFF_TEST_SECRET = 'layout-test';
    try {
      await write('patient/study/series');
      expect((await runCli('run', spec, '-q')).code).toBe(0);
      const files = (await readdir(join(dir, 'tree'), { recursive: true })).filter((f) => f.endsWith('.dcm')).sort();
      expect(files).toHaveLength(6);
      for (const f of files) {
        const parts = f.split('/');
        expect(parts).toHaveLength(4);
        const d = parse(await readFile(join(dir, 'tree', f)));
        const v = (tag: string) => String((d[tag] as Element | undefined)?.Value?.[0] ?? '');
        // Each folder is the file's own de-identified value.
        expect(parts).toEqual([v('00100020') || 'unknown', v('0020000D'), v('0020000E'), `${v('00080018')}.dcm`]);
      }
      // The manifest (what a re-run removes) lists the relative paths.
      const manifest = JSON.parse(await readFile(join(dir, 'tree', DEIDENTIFY_MANIFEST), 'utf8')) as { files: string[] };
      expect([...manifest.files].sort()).toEqual(files);

      // Re-run flat into the same folder: the tree of the previous run is gone, folders and all.
      await write('flat');
      expect((await runCli('run', spec, '-q')).code).toBe(0);
      const after = await readdir(join(dir, 'tree'), { recursive: true });
      expect(after.filter((f) => f.endsWith('.dcm')).every((f) => !f.includes('/'))).toBe(true);
      expect(after.filter((f) => f.endsWith('.dcm'))).toHaveLength(6);
      expect(after.filter((f) => !f.endsWith('.dcm') && !f.endsWith('.json'))).toEqual([]);
    } finally {
      delete process.env.SYNTHDIFF_TEST_SECRET;
    }
  }, 60_000);
});

/** Pixel Data (7FE0,0010) as one byte string: a native value, or an encapsulated value's fragments joined. */
function pixelBytes(ds: DicomDataset): Buffer {
  return Buffer.concat(((ds['7FE00010'] as Element).Value as ArrayBuffer[]).map((b) => new Uint8Array(b)));
}

describe('colour images through a deidentify spec run; the secret from a file; the UID map only when asked (issue 16)', () => {
  const COLOUR = ['SC_rgb_rle.dcm', 'SC_ybr_full_422_uncompressed.dcm', 'MR_small.dcm'];
  const SECRET = 'colour run secret';
  let src: string;
  beforeAll(async () => {
    src = join(dir, 'colour');
    await mkdir(src);
    for (const f of COLOUR) await copyFile(join(FIX, f), join(src, f));
  });
  const task = (extra: object) => ({ version: 1, name: 'deid-colour', source: { path: src, format: 'dicom' }, tasks: [{ type: 'deidentify', output: { path: 'out' }, audit: { path: 'audit.json' }, ...extra }] });
  const outputs = async (at: string) => Object.fromEntries(await Promise.all((await readdir(at)).filter((f) => f.endsWith('.dcm')).map(async (f) => [f, parse(await readFile(join(at, f)))] as const)));

  it('RGB (RLE), YBR_FULL_422 and MR: exit 0, three outputs, no identifier left, Patient Identity Removed YES, pixel data byte for byte', async () => {
    const secretFile = join(dir, 'secret.txt');
    await writeFile(secretFile, `${SECRET}\n`); // the trailing newline an editor leaves is not part of the secret
    const { dir: run, code, stderr, report } = await runSpecInTempDir('synthdiff-deid-colour-', task({ secret: { file: secretFile }, uidMap: { path: 'uids.csv' } }));
    expect(code, stderr).toBe(0);
    expect(report.tasks[0]).toMatchObject({ type: 'deidentify', files: 3, skipped: [], pseudonyms: `keyed (secret from file ${secretFile})` });
    const out = await outputs(join(run, 'out'));
    expect(Object.keys(out)).toHaveLength(3);

    const audit = JSON.parse(await readFile(join(run, 'audit.json'), 'utf8')) as { pseudonyms: string; files: { input: string; output: string }[] };
    expect(audit.pseudonyms).toBe(`keyed (HMAC-SHA256, secret from file ${secretFile}): stable across runs and sites with the same secret`);
    const text = (await Promise.all(Object.keys(out).map((f) => readFile(join(run, 'out', f), 'latin1')))).join('\n');
    for (const f of COLOUR) {
      const input = parse(await readFile(join(FIX, f)));
      const written = await readFile(audit.files.find((a) => a.input === join(src, f))!.output);
      const output = parse(written);
      expect((output['00120062'] as Element).Value, f).toEqual(['YES']); // Patient Identity Removed
      // Its own copy holds none of its identifiers; no copy holds any of its UIDs. (Free text is checked against
      // its own copy only: MR_small's Image Comments "Uncompressed" is part of a DCM code meaning in the YBR file.)
      const ids = [...identifiers(input)];
      expect(ids.length, f).toBeGreaterThan(3);
      expect(ids.filter((s) => written.toString('latin1').includes(s)), f).toEqual([]);
      expect(ids.filter((s) => /^\d+(\.\d+)+$/.test(s) && text.includes(s)), f).toEqual([]);
      expect(valueAt(output, '00280004'), f).toBe(valueAt(input, '00280004')); // RGB / YBR_FULL_422 / MONOCHROME2
      expect(pixelBytes(output).equals(pixelBytes(input)), f).toBe(true);
    }

    // uidMap: given, so written; every instance UID of the inputs maps to what the outputs carry.
    const rows = (await readFile(join(run, 'uids.csv'), 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('original,replacement');
    const map = new Map(rows.slice(1).map((r) => r.split(',') as [string, string]));
    const mr = parse(await readFile(join(FIX, 'MR_small.dcm')));
    expect(Object.keys(out)).toContain(`${map.get(valueAt(mr, '00080018') as string)}.dcm`);
    for (const f of COLOUR.slice(0, 2)) expect(Object.keys(out)).toContain(`${map.get(valueAt(parse(await readFile(join(FIX, f))), '00080018') as string)}.dcm`);
    // The secret is in no output, report or audit trail.
    const everything = [text, JSON.stringify(report), JSON.stringify(audit), rows.join('\n')].join('\n');
    expect(everything).not.toContain(SECRET);
  }, 60_000);

  it('secret.file gives the pseudonyms of the same secret in an environment variable; without uidMap no map is written', async () => {
    const secretFile = join(dir, 'secret-2.txt');
    await writeFile(secretFile, `${SECRET}\n`);
    const fromFile = await runSpecInTempDir('synthdiff-deid-colour-', task({ secret: { file: secretFile } }));
    process.env.SYNTHDIFF_TEST_COLOUR_SECRET = SECRET;
    let fromEnv: Awaited<ReturnType<typeof runSpecInTempDir>>;
    try {
      fromEnv = await runSpecInTempDir('synthdiff-deid-colour-', task({ secret: { env: 'SYNTHDIFF_TEST_COLOUR_SECRET' } }));
    } finally {
      delete process.env.SYNTHDIFF_TEST_COLOUR_SECRET;
    }
    expect([fromFile.code, fromEnv.code]).toEqual([0, 0]);
    expect(fromFile.report.tasks[0].pseudonyms).toBe(`keyed (secret from file ${secretFile})`);
    expect(fromEnv.report.tasks[0].pseudonyms).toBe('keyed (secret from environment variable SYNTHDIFF_TEST_COLOUR_SECRET)');
    const a = await outputs(join(fromFile.dir, 'out'));
    const b = await outputs(join(fromEnv.dir, 'out'));
    // Same file names (new SOP Instance UIDs), and the same UIDs and Patient ID pseudonym inside.
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(Object.keys(a)).toHaveLength(3);
    for (const f of Object.keys(a)) {
      for (const tag of ['00080018', '0020000D', '0020000E', '00100020']) expect(valueAt(a[f]!, tag), `${f} ${tag}`).toBe(valueAt(b[f]!, tag));
    }
    // Another secret in the file: other pseudonyms (the file is what is read).
    await writeFile(secretFile, 'another secret\n');
    const other = await runSpecInTempDir('synthdiff-deid-colour-', task({ secret: { file: secretFile } }));
    expect(other.code).toBe(0);
    expect(Object.keys(await outputs(join(other.dir, 'out'))).filter((f) => f in a)).toEqual([]);
    // uidMap not given: no map anywhere in the run's folder.
    for (const run of [fromFile, fromEnv, other]) expect((await readdir(run.dir, { recursive: true })).filter((f) => f.endsWith('.csv'))).toEqual([]);
  }, 60_000);
});
