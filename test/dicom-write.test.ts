import dcmjs from 'dcmjs';
import type { DicomDataset } from 'dcmjs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomError } from '../src/errors.js';
import {
  buildSyntheticDicom,
  EXPLICIT_VR_LITTLE_ENDIAN,
  SECONDARY_CAPTURE_IMAGE_STORAGE,
  writeSyntheticDicom,
  type SyntheticImage,
  type SyntheticMeta,
} from '../src/io/dicom/write.js';
import { newUid, SYNTHDIFF_IMPLEMENTATION_CLASS_UID } from '../src/io/dicom/uid.js';
import { dciodvfy, dcmdump, dcmftest, HAVE_DCMTK, HAVE_DICOM3TOOLS, skipNote } from './helpers/dicom-validators.js';

const UID_RE = /^2\.25\.(0|[1-9]\d*)$/;

/** A 64×64 CT-like ramp in signed 12-bit stored values, corners at the extremes. */
function ctImage(): SyntheticImage {
  const n = 64;
  const pixels = new Int16Array(n * n);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 37) % 4096) - 2048;
  pixels[0] = -2048;
  pixels[pixels.length - 1] = 2047;
  return {
    rows: n,
    columns: n,
    pixels,
    bitsStored: 12,
    pixelRepresentation: 1,
    rescaleSlope: 1,
    rescaleIntercept: -1024,
    windowCenter: 40,
    windowWidth: 400,
    pixelSpacing: [0.75, 0.75],
  };
}

function parse(bytes: Uint8Array): { meta: DicomDataset; dict: DicomDataset } {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return dcmjs.data.DicomMessage.readFile(buffer);
}

const first = (ds: DicomDataset, tag: string): unknown => ds[tag]?.Value?.[0];

describe('writeSyntheticDicom', () => {
  let dir: string;
  const studyInstanceUid = newUid();
  const seriesInstanceUid = newUid();
  const files: string[] = [];
  const image = ctImage();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthdiff-write-'));
    for (let i = 1; i <= 3; i++) {
      const meta: SyntheticMeta = { modality: 'CT', seriesDescription: 'synthdiff test', instanceNumber: i, studyInstanceUid, seriesInstanceUid };
      const path = join(dir, `img${i}.dcm`);
      await writeSyntheticDicom(path, image, meta);
      files.push(path);
    }
    // Same image with the two optional attributes that silence dciodvfy's remaining warnings.
    const path = join(dir, 'complete.dcm');
    await writeSyntheticDicom(path, image, {
      modality: 'CT',
      seriesDescription: 'synthdiff test',
      instanceNumber: 4,
      studyInstanceUid,
      seriesInstanceUid,
      studyDateTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      imageLaterality: 'U',
    });
    files.push(path);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes atomically: only the requested files, no temp files left', async () => {
    expect((await readdir(dir)).sort()).toEqual(['complete.dcm', 'img1.dcm', 'img2.dcm', 'img3.dcm']);
  });

  it('writes Part 10 Secondary Capture in explicit VR little endian with a complete file meta header', async () => {
    const { meta, dict } = parse(await readFile(files[0]!));
    expect(first(meta, '00020002')).toBe(SECONDARY_CAPTURE_IMAGE_STORAGE);
    expect(first(meta, '00020003')).toBe(first(dict, '00080018'));
    expect(first(meta, '00020010')).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
    expect(first(meta, '00020012')).toBe(SYNTHDIFF_IMPLEMENTATION_CLASS_UID);
    expect(first(meta, '00020013')).toBe('SYNTHDIFF_0.1');
    expect(first(dict, '00080016')).toBe(SECONDARY_CAPTURE_IMAGE_STORAGE);
    expect(first(dict, '00080064')).toBe('SYN');
    expect(dict['00080008']?.Value).toEqual(['DERIVED', 'SECONDARY']);
    expect(first(dict, '00280301')).toBe('NO');
    expect(first(dict, '00120062')).toBe('YES');
    const code = dict['00120064']?.Value?.[0] as DicomDataset;
    expect([first(code, '00080100'), first(code, '00080102'), first(code, '00080104')]).toEqual([
      '113100',
      'DCM',
      'Basic Application Confidentiality Profile',
    ]);
    expect(first(dict, '00280004')).toBe('MONOCHROME2');
    expect(first(dict, '00280002')).toBe(1);
    expect([first(dict, '00280100'), first(dict, '00280101'), first(dict, '00280102'), first(dict, '00280103')]).toEqual([16, 12, 11, 1]);
    expect(first(dict, '00100010')).toEqual({ Alphabetic: 'SYNTHETIC^SYNTHDIFF' });
  });

  it('reads back identical pixel values', async () => {
    for (const f of files) {
      const { dict } = parse(await readFile(f));
      const raw = dict['7FE00010']!.Value![0] as ArrayBuffer;
      const view = new DataView(raw);
      const back = Int16Array.from({ length: raw.byteLength / 2 }, (_, i) => view.getInt16(i * 2, true));
      expect(back).toEqual(image.pixels);
    }
  });

  it('uses 2.25 UIDs of at most 64 characters, one study and series per set, a unique SOP Instance UID per file', async () => {
    const sops = new Set<string>();
    const patients = new Set<unknown>();
    for (const f of files) {
      const { dict } = parse(await readFile(f));
      for (const tag of ['00080018', '0020000D', '0020000E']) {
        const uid = first(dict, tag) as string;
        expect(uid).toMatch(UID_RE);
        expect(uid.length).toBeLessThanOrEqual(64);
      }
      expect(first(dict, '0020000D')).toBe(studyInstanceUid);
      expect(first(dict, '0020000E')).toBe(seriesInstanceUid);
      sops.add(first(dict, '00080018') as string);
      patients.add(first(dict, '00100020'));
    }
    expect(sops.size).toBe(files.length);
    expect(patients.size).toBe(1); // one fictitious patient per synthetic study
  });

  it.skipIf(!HAVE_DICOM3TOOLS)(`passes dciodvfy with 0 errors${skipNote('dicom3tools', HAVE_DICOM3TOOLS)}`, () => {
    for (const f of files) {
      const r = dciodvfy(f);
      expect(r.output).toContain('SCImage');
      expect(r.errors, r.output).toEqual([]);
    }
    // With a study date and image laterality there is nothing left to warn about.
    expect(dciodvfy(files[3]!).warnings).toEqual([]);
  });

  it.skipIf(!HAVE_DCMTK)(`passes dcmftest and dcmdump reads it, pixels identical${skipNote('dcmtk', HAVE_DCMTK)}`, async () => {
    for (const f of files) {
      expect(dcmftest(f).ok).toBe(true);
      const dump = dcmdump(['-q', f]);
      expect(dump.status, dump.stderr).toBe(0);
      expect(dump.stdout).toContain('=SecondaryCaptureImageStorage');
      expect(dump.stdout).toContain('=LittleEndianExplicit');
    }
    // dcmtk's own decoding of the pixel data (+W writes it raw, in host byte order).
    const out = await mkdtemp(join(tmpdir(), 'synthdiff-dcmdump-'));
    try {
      expect(dcmdump(['-q', '+W', out, files[0]!]).status).toBe(0);
      const [raw] = await readdir(out);
      const bytes = await readFile(join(out, raw!));
      if (endianness() === 'LE') {
        expect(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)).toEqual(image.pixels);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('buildSyntheticDicom', () => {
  const meta: SyntheticMeta = { modality: 'MR', seriesDescription: 'u16', instanceNumber: 1, studyInstanceUid: newUid(), seriesInstanceUid: newUid() };

  it('round-trips unsigned 16-bit data without rescale or window', () => {
    const pixels = Uint16Array.from({ length: 8 * 5 }, (_, i) => (i * 1663) % 65536);
    const { dict } = parse(buildSyntheticDicom({ rows: 8, columns: 5, pixels, bitsStored: 16, pixelRepresentation: 0 }, meta));
    const raw = dict['7FE00010']!.Value![0] as ArrayBuffer;
    const view = new DataView(raw);
    expect(Uint16Array.from({ length: pixels.length }, (_, i) => view.getUint16(i * 2, true))).toEqual(pixels);
    expect([first(dict, '00280010'), first(dict, '00280011'), first(dict, '00280103')]).toEqual([8, 5, 0]);
    expect(dict['00281052']).toBeUndefined();
    expect(dict['00281050']).toBeUndefined();
  });

  it('rejects images that cannot be encoded as promised, naming the problem', () => {
    const base: SyntheticImage = { rows: 2, columns: 2, pixels: new Int16Array(4), bitsStored: 12, pixelRepresentation: 1 };
    const bad: [Partial<SyntheticImage>, RegExp][] = [
      [{ pixels: new Int16Array(3) }, /rows × columns = 4/],
      [{ pixels: Int16Array.of(0, 0, 0, 2048) }, /pixel 3 = 2048 does not fit 12 bits stored/],
      [{ pixelRepresentation: 0 }, /does not match Int16Array/],
      [{ bitsStored: 17 }, /bitsStored/],
      [{ windowCenter: 1 }, /both windowCenter and windowWidth/],
      [{ rescaleSlope: 0 }, /rescaleSlope/],
    ];
    for (const [patch, message] of bad) {
      expect(() => buildSyntheticDicom({ ...base, ...patch } as SyntheticImage, meta)).toThrow(DicomError);
      expect(() => buildSyntheticDicom({ ...base, ...patch } as SyntheticImage, meta)).toThrow(message);
    }
    expect(() => buildSyntheticDicom(base, { ...meta, studyInstanceUid: '1.2.03' })).toThrow(/not a valid UID/);
    expect(() => buildSyntheticDicom(base, { ...meta, modality: 'ct' })).toThrow(/modality/);
  });
});
