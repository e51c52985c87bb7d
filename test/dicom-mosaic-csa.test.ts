import { describe, expect, it } from 'vitest';
import { csaNumbers, MAX_CSA_ITEMS, parseCsaHeader, readCsaHeader } from '../src/io/dicom/csa.js';
import { deidentifyDicomWithReport } from '../src/io/dicom/deidentify.js';
import { BASIC_ONLY } from '../src/io/dicom/profile-options.js';
import { UidRemapper } from '../src/io/dicom/uid.js';
import { parseDicom } from '../src/io/dicom/index.js';
import { IMPLICIT_VR_LITTLE_ENDIAN } from '../src/io/dicom/read.js';
import { mosaicTilePlanes, prepareSlices } from '../src/io/dicom/preprocess.js';
import { element, encodePart10 } from '../src/io/dicom/write.js';
import { messages } from '../src/messages.js';
import { createRng } from '../src/rng.js';
import { sliceLevels } from '../src/run/image/export.js';

/**
 * Issue 16, Siemens mosaics: the tile count and slice normal from the CSA image header (0029,xx10), and
 * each tile's own position. No Siemens file with a CSA header is in fixtures/ or ../shared/data, so the
 * headers are built here byte by byte after the layout in src/io/dicom/csa.ts (SPM's, as nibabel documents
 * it); the parser was also checked by hand against nibabel's real headers (83 tags, NumberOfImagesInMosaic
 * 48, tile 1 at (−115, −135.028779, −78.710481) for siemens_dwi_1000.dcm).
 */

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

interface CsaTag {
  name: string;
  vr: string;
  vm: number;
  values: string[];
  /** Items written (Siemens pads to 6 with empty items); default values.length. */
  items?: number;
}

/** Little-endian byte writer for hand-built CSA headers. */
class Bytes {
  private readonly out: number[] = [];
  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.out.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  /** `text` in `size` bytes, NUL-filled; without `size`, padded to 4 bytes. */
  str(text: string, size?: number): this {
    const n = size ?? text.length + ((4 - (text.length % 4)) % 4);
    for (let i = 0; i < n; i++) this.out.push(i < text.length ? text.charCodeAt(i) : 0);
    return this;
  }
  get length(): number {
    return this.out.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/**
 * A CSA header. Item headers carry the length only where each format reads it (SV10: the second int32;
 * CSA1: the first int32, plus the first tag's nitems) and junk elsewhere, so reading the wrong one shows.
 */
function csa(format: 'SV10' | 'CSA1', tags: readonly CsaTag[]): Uint8Array {
  const b = new Bytes();
  if (format === 'SV10') b.str('SV10').u32(0x01020304);
  b.u32(tags.length).u32(77);
  const firstItems = tags[0]?.items ?? tags[0]?.values.length ?? 0;
  for (const tag of tags) {
    const items = tag.items ?? tag.values.length;
    b.str(tag.name, 64).u32(tag.vm).str(tag.vr, 4).u32(3).u32(items).u32(tag.vm > 0 ? 77 : 205);
    for (let i = 0; i < items; i++) {
      const value = i < tag.values.length ? `${tag.values[i]}\0` : '';
      if (format === 'SV10') b.u32(0x0badf00d).u32(value.length).u32(77).u32(0x0badf00d);
      else b.u32(value.length + firstItems).u32(0x0badf00d).u32(77).u32(0x0badf00d);
      b.str(value);
    }
  }
  return b.done();
}

/** Tags as Siemens writes them: numeric lists padded with empty items, strings with vm 0, odd lengths. */
const TAGS: CsaTag[] = [
  { name: 'EchoLinePosition', vr: 'IS', vm: 1, values: ['32'], items: 6 },
  { name: 'ICE_Dims', vr: 'LO', vm: 1, values: ['X_1_1_1_1_1_1_1_1_1_1_1_31'], items: 6 },
  { name: 'NumberOfImagesInMosaic', vr: 'US', vm: 1, values: ['3'], items: 6 },
  { name: 'SliceNormalVector', vr: 'FD', vm: 3, values: ['-0.48000000', '0.36000000', '-0.80000000'], items: 6 },
  { name: 'B_matrix', vr: 'FD', vm: 6, values: [], items: 0 },
  { name: 'ImageHistory', vr: 'ST', vm: 0, values: ['ChannelMixing:ND=true', 'ComplexAdding', 'Distortion Correction'] },
  { name: 'ImaAbsTablePosition', vr: 'SL', vm: 3, values: ['0', '0', '-1259'], items: 6 },
];
const EXPECTED = new Map<string, string[]>([
  ['EchoLinePosition', ['32']],
  ['ICE_Dims', ['X_1_1_1_1_1_1_1_1_1_1_1_31']],
  ['NumberOfImagesInMosaic', ['3']],
  ['SliceNormalVector', ['-0.48000000', '0.36000000', '-0.80000000']],
  ['B_matrix', []],
  ['ImageHistory', ['ChannelMixing:ND=true', 'ComplexAdding', 'Distortion Correction']],
  ['ImaAbsTablePosition', ['0', '0', '-1259']],
]);

describe('CSA header parser', () => {
  it('puts each field where the SV10 layout says', () => {
    const bytes = csa('SV10', [{ name: 'NumberOfImagesInMosaic', vr: 'US', vm: 1, values: ['48'], items: 2 }]);
    const view = new DataView(bytes.buffer);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('SV10');
    expect(Array.from(bytes.subarray(4, 8))).toEqual([4, 3, 2, 1]);
    expect([view.getUint32(8, true), view.getUint32(12, true)]).toEqual([1, 77]);
    expect(String.fromCharCode(...bytes.subarray(16, 16 + 22))).toBe('NumberOfImagesInMosaic');
    // vm, vr, syngodt, nitems, xx; then item 1's four int32s, its 3 bytes '48\0' and one byte of padding.
    expect([view.getInt32(80, true), String.fromCharCode(...bytes.subarray(84, 86)), view.getInt32(92, true), view.getInt32(96, true)]).toEqual([1, 'US', 2, 77]);
    expect(view.getInt32(104, true)).toBe(3);
    expect(String.fromCharCode(...bytes.subarray(116, 118))).toBe('48');
    expect(bytes.length).toBe(116 + 4 + 16);
    expect(parseCsaHeader(bytes)).toEqual(new Map([['NumberOfImagesInMosaic', ['48']]]));
  });

  it('reads a multi-tag SV10 header: multi-valued items, vm 0 lists, empty padding items, odd lengths', () => {
    const read = readCsaHeader(csa('SV10', TAGS));
    expect(read.note).toBeUndefined();
    expect(read.header?.format).toBe('SV10');
    expect(read.header?.note).toBeUndefined();
    expect(read.header?.tags).toEqual(EXPECTED);
    expect(csaNumbers(read.header!.tags, 'SliceNormalVector')).toEqual([-0.48, 0.36, -0.8]);
    expect(csaNumbers(read.header!.tags, 'NumberOfImagesInMosaic')).toEqual([3]);
    expect(csaNumbers(read.header!.tags, 'B_matrix')).toBeUndefined();
    expect(csaNumbers(read.header!.tags, 'ImageHistory')).toBeUndefined();
  });

  it('reads the older CSA1 format (no SV10 prefix, item length = first int32 − the first tag\'s nitems)', () => {
    const read = readCsaHeader(csa('CSA1', TAGS));
    expect(read.header?.format).toBe('CSA1');
    expect(read.header?.note).toBeUndefined();
    expect(read.header?.tags).toEqual(EXPECTED);
  });

  it('reads a header that is a view into a larger buffer (as dicom-parser hands it over)', () => {
    const bytes = csa('SV10', TAGS);
    const big = new Uint8Array(bytes.length + 7).fill(0xee);
    big.set(bytes, 3);
    expect(parseCsaHeader(big.subarray(3, 3 + bytes.length))).toEqual(EXPECTED);
  });

  it('is not a CSA header: too short, or a tag count of 0 or beyond the limit', () => {
    expect(readCsaHeader(new Uint8Array(0))).toEqual({ note: messages.csaTooShort(0) });
    expect(readCsaHeader(new Uint8Array([0x53, 0x56, 0x31, 0x30, 4, 3, 2, 1, 0, 0]))).toEqual({ note: messages.csaTooShort(10) });
    expect(readCsaHeader(new Bytes().str('SV10').u32(0x01020304).u32(0).u32(77).done())).toEqual({ note: messages.csaTagCount(0, MAX_CSA_ITEMS) });
    expect(readCsaHeader(new Bytes().u32(0xffffffff).u32(77).done())).toEqual({ note: messages.csaTagCount(4294967295, MAX_CSA_ITEMS) });
    expect(parseCsaHeader(new Bytes().u32(0xffffffff).u32(77).done())).toBeUndefined();
  });

  for (const format of ['SV10', 'CSA1'] as const) {
    it(`${format}: every truncation gives the complete tags before the cut and a note, never a throw`, () => {
      const full = csa(format, TAGS);
      const started = performance.now();
      for (let length = 0; length <= full.length; length++) {
        const read = readCsaHeader(full.slice(0, length));
        const tags = read.header?.tags ?? new Map<string, string[]>();
        // Each tag read is whole and right; an incomplete one is left out.
        for (const [name, values] of tags) expect(values, `${name} at length ${length}`).toEqual(EXPECTED.get(name));
        expect([...tags.keys()]).toEqual([...EXPECTED.keys()].slice(0, tags.size));
        if (tags.size < EXPECTED.size) expect(read.note ?? read.header?.note, `length ${length}`).toBeDefined();
      }
      // Cut inside the last (empty) item's 16-byte header: 11 of its bytes are left.
      expect(readCsaHeader(full.slice(0, full.length - 5)).header?.note).toBe(
        `stops at tag ImaAbsTablePosition item 6: byte ${full.length - 16} has 11 bytes left, an item needs 16; the tags before it are used`,
      );
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  }

  it('survives random byte corruption (seeded): no throw, bounded output, fast', () => {
    const rng = createRng(16);
    const started = performance.now();
    for (const format of ['SV10', 'CSA1'] as const) {
      const full = csa(format, TAGS);
      for (let trial = 0; trial < 3000; trial++) {
        const bytes = full.slice(0, full.length - rng.int(Math.min(64, full.length)));
        for (let k = 1 + rng.int(8); k > 0; k--) bytes[rng.int(bytes.length)] = rng.int(256);
        // Lengths and counts near the int32 limits, where an unchecked reader would overrun or spin.
        if (trial % 10 === 0) new DataView(bytes.buffer).setInt32(4 * rng.int(bytes.length >> 2), [0x7fffffff, -1, -0x80000000, 1001][rng.int(4)]!, true);
        const read = readCsaHeader(bytes);
        const tags = read.header?.tags;
        if (!tags) {
          expect(read.note).toBeDefined();
          continue;
        }
        expect(tags.size).toBeLessThanOrEqual(MAX_CSA_ITEMS);
        let chars = 0;
        for (const values of tags.values()) for (const v of values) chars += v.length;
        expect(chars).toBeLessThanOrEqual(bytes.length);
      }
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

// ── Mosaic files ──────────────────────────────────────────────────────────────────────────────────

interface MosaicOptions {
  /** NumberOfImagesInMosaic in SIEMENS MR HEADER (0019,xx0A). */
  mrHeaderCount?: number;
  /** The CSA image header's bytes, at (0029,1010) under SIEMENS CSA HEADER (0029,0010). */
  csaHeader?: Uint8Array;
  /** Image Plane attributes. */
  plane?: { position: number[]; orientation: number[]; spacing: [number, number]; thickness?: number; between?: number };
  transferSyntax?: string;
}

/**
 * A Siemens mosaic of 3 tiles of 4 rows × 6 columns in a 2×2 grid (8 × 12, the last tile empty): tile t
 * holds (t + 1)·100 + its pixel index, so a tile taken from the wrong place shows.
 */
function mosaicFile(options: MosaicOptions): Uint8Array {
  const tr = 4, tc = 6, rows = 2 * tr, cols = 2 * tc;
  const pixels = new Uint16Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const tile = Math.floor(r / tr) * 2 + Math.floor(c / tc);
    pixels[r * cols + c] = tile < 3 ? (tile + 1) * 100 + (r % tr) * tc + (c % tc) : 0;
  }
  const p = options.plane;
  return encodePart10(
    {
      '00080008': element('CS', 'ORIGINAL', 'PRIMARY', 'M', 'ND', 'MOSAIC'),
      '00080016': element('UI', '1.2.840.10008.5.1.4.1.1.4'),
      '00080018': element('UI', '2.25.16061'),
      '00080060': element('CS', 'MR'),
      '0020000D': element('UI', '2.25.16062'),
      '0020000E': element('UI', '2.25.16063'),
      ...(options.mrHeaderCount !== undefined ? { '00190010': element('LO', 'SIEMENS MR HEADER'), '0019100A': element('US', options.mrHeaderCount) } : {}),
      ...(options.csaHeader ? { '00290010': element('LO', 'SIEMENS CSA HEADER'), '00291010': element('OB', options.csaHeader.slice().buffer) } : {}),
      ...(p
        ? {
            '00200032': element('DS', ...p.position.map(String)),
            '00200037': element('DS', ...p.orientation.map(String)),
            '00280030': element('DS', String(p.spacing[0]), String(p.spacing[1])),
            ...(p.thickness !== undefined ? { '00180050': element('DS', String(p.thickness)) } : {}),
            ...(p.between !== undefined ? { '00180088': element('DS', String(p.between)) } : {}),
          }
        : {}),
      '00280002': element('US', 1),
      '00280004': element('CS', 'MONOCHROME2'),
      '00280010': element('US', rows),
      '00280011': element('US', cols),
      '00280100': element('US', 16),
      '00280101': element('US', 12),
      '00280102': element('US', 11),
      '00280103': element('US', 0),
      '7FE00010': element('OW', pixels.buffer),
    },
    options.transferSyntax ?? EXPLICIT_LE,
  );
}

const tileValues = (t: number) => Array.from({ length: 24 }, (_, i) => (t + 1) * 100 + i);
/** Tiles of 4×6 padded to 6×6 and kept at 6²: the modality values of the 4 real rows (rows 1–4 of the square). */
const realRows = (values: Float32Array) => Array.from(values.subarray(6, 30));

describe('Siemens mosaic with the tile count only in the CSA header', () => {
  for (const [label, transferSyntax] of [['explicit VR', EXPLICIT_LE], ['implicit VR', IMPLICIT_VR_LITTLE_ENDIAN]] as const) {
    it(`(${label}) unpacks into NumberOfImagesInMosaic tiles with the right pixels`, async () => {
      const image = await parseDicom(mosaicFile({ csaHeader: csa('SV10', TAGS), transferSyntax }), 'csa-mosaic.dcm');
      expect(image.notes).toEqual([]);
      expect(image.meta.NumberOfImagesInMosaic).toBe(3);
      expect(image.meta.SliceNormalVector).toEqual([-0.48, 0.36, -0.8]);
      const slices = prepareSlices([image], 6);
      // Before: no (0019,xx0A), so one 8×12 image of four tiles.
      expect(slices.map((s) => s.source)).toEqual(['csa-mosaic.dcm@tile1', 'csa-mosaic.dcm@tile2', 'csa-mosaic.dcm@tile3']);
      slices.forEach((s, t) => expect(realRows(s.modality)).toEqual(tileValues(t)));
    });
  }

  it('takes the count from a CSA1 header too', async () => {
    const image = await parseDicom(mosaicFile({ csaHeader: csa('CSA1', TAGS) }), 'csa1.dcm');
    expect(image.meta.NumberOfImagesInMosaic).toBe(3);
    expect(prepareSlices([image], 6)).toHaveLength(3);
  });

  it('prefers (0019,xx0A) when both have it', async () => {
    const image = await parseDicom(mosaicFile({ mrHeaderCount: 4, csaHeader: csa('SV10', TAGS) }), 'both.dcm');
    expect(image.meta.NumberOfImagesInMosaic).toBe(4);
  });

  it('with the count in neither, or a corrupt CSA header, reads one image and says why', async () => {
    const none = await parseDicom(mosaicFile({}), 'none.dcm');
    expect(none.meta.NumberOfImagesInMosaic).toBeUndefined();
    expect(none.notes).toEqual([messages.dicomMosaicNoImageCount()]);
    expect(prepareSlices([none], 6)).toHaveLength(1);

    const full = csa('SV10', TAGS);
    const cut = await parseDicom(mosaicFile({ csaHeader: full.slice(0, 400) }), 'cut.dcm');
    const read = readCsaHeader(full.slice(0, 400));
    expect(read.header!.tags.has('NumberOfImagesInMosaic')).toBe(false);
    expect(cut.notes).toEqual([messages.dicomCsaHeaderUnread('(0029,1010)', read.header!.note!), messages.dicomMosaicNoImageCount()]);
    expect(cut.meta.NumberOfImagesInMosaic).toBeUndefined();

    const garbage = await parseDicom(mosaicFile({ csaHeader: new Uint8Array(64).fill(0xff) }), 'garbage.dcm');
    // The wording, verbatim (src/messages.ts).
    expect(garbage.notes).toEqual([
      'Siemens CSA image header (0029,1010) (SIEMENS CSA HEADER): not read: declares 4294967295 tags; expected 1 to 1000',
      'ImageType says MOSAIC but NumberOfImagesInMosaic is missing (neither (0019,xx0A) of SIEMENS MR HEADER nor the CSA image header (0029,xx10) has it); read as one image',
    ]);
  });

  it('a SliceNormalVector that is no direction is ignored with a note', async () => {
    const tags = TAGS.map((t) => (t.name === 'SliceNormalVector' ? { ...t, values: ['0', '0', '0'] } : t));
    const image = await parseDicom(mosaicFile({ csaHeader: csa('SV10', tags) }), 'zero.dcm');
    expect(image.meta.SliceNormalVector).toBeUndefined();
    expect(image.notes).toEqual(['Siemens CSA SliceNormalVector [0, 0, 0] is not a direction; the normal of ImageOrientationPatient is used']);
  });
});

describe('each mosaic tile has its own position', () => {
  // Row spacing 2 mm, column spacing 3 mm and an 8×12 mosaic of 4×6 tiles, so swapping rows for columns
  // anywhere (spacing, cosine or mosaic size) moves tile 1.
  const spacing: [number, number] = [2, 3];

  it('axial: tile 1 = IPP + row cosine·3 mm·(12 − 6)/2 + column cosine·2 mm·(8 − 4)/2, then SpacingBetweenSlices along the normal', async () => {
    const plane = { position: [-100, -50, 20], orientation: [1, 0, 0, 0, 1, 0], spacing, thickness: 4, between: 5 };
    const planes = mosaicTilePlanes({ position: [-100, -50, 20], orientation: [1, 0, 0, 0, 1, 0], pixelSpacing: spacing, mosaicRows: 8, mosaicCols: 12, tileRows: 4, tileCols: 6, count: 3, sliceSpacing: 5 });
    expect(planes.map((p) => p.position)).toEqual([[-91, -46, 20], [-91, -46, 25], [-91, -46, 30]]);

    // Through a file (count in the CSA header, with no SliceNormalVector): the same positions, moved by the
    // padding of the 4×6 tile to a 6×6 square (one row: −2 mm along the column cosine).
    const tags = TAGS.filter((t) => t.name !== 'SliceNormalVector');
    const image = await parseDicom(mosaicFile({ csaHeader: csa('SV10', tags), plane }), 'axial.dcm');
    expect(image.meta.SpacingBetweenSlices).toBe(5);
    const slices = prepareSlices([image], 6);
    expect(slices.map((s) => s.plane!.position)).toEqual([[-91, -48, 20], [-91, -48, 25], [-91, -48, 30]]);
    expect(slices.every((s) => s.plane!.orientation.join() === '1,0,0,0,1,0')).toBe(true);
    // What slice-position conditioning and volume stacking see: three distinct levels, in tile order.
    expect(sliceLevels(slices)).toEqual([0, 0.5, 1]);
  });

  it('oblique, SliceThickness when there is no SpacingBetweenSlices, tiles advancing along the CSA SliceNormalVector', async () => {
    const orientation = [0.6, 0.8, 0, -0.64, 0.48, 0.6]; // row × column = (0.48, −0.36, 0.8)
    const plane = { position: [10, 20, 30], orientation, spacing, thickness: 2.5 };
    // Tile 1: (10, 20, 30) + 9·(0.6, 0.8, 0) + 4·(−0.64, 0.48, 0.6) = (12.84, 29.12, 32.4).
    // The CSA normal (−0.48, 0.36, −0.8) points against row × column: each tile is 2.5·that further on.
    const expected = [[12.84, 29.12, 32.4], [11.64, 30.02, 30.4], [10.44, 30.92, 28.4]];
    const image = await parseDicom(mosaicFile({ csaHeader: csa('SV10', TAGS), plane }), 'oblique.dcm');
    expect(image.meta.SpacingBetweenSlices).toBeUndefined();
    const fromMeta = mosaicTilePlanes({
      position: image.meta.ImagePositionPatient!, orientation: image.meta.ImageOrientationPatient!, pixelSpacing: image.meta.PixelSpacing!,
      mosaicRows: 8, mosaicCols: 12, tileRows: 4, tileCols: 6, count: 3, sliceSpacing: image.meta.SliceThickness!, sliceNormal: image.meta.SliceNormalVector,
    });
    fromMeta.forEach((p, k) => p.position.forEach((v, i) => expect(v).toBeCloseTo(expected[k]![i]!, 9)));
    // Through prepareSlices: the 6×6 square's first pixel is one row before the tile's (−2 mm along the column cosine).
    const slices = prepareSlices([image], 6);
    slices.forEach((s, k) => s.plane!.position.forEach((v, i) => expect(v).toBeCloseTo(expected[k]![i]! - 2 * orientation[3 + i]!, 9)));
    // Tile 1 is the last along row × column, the normal the stack is measured on.
    expect(sliceLevels(slices)!.map((l) => Number(l.toFixed(9)))).toEqual([1, 0.5, 0]);

    // Without the CSA vector the tiles advance along row × column instead.
    const along = mosaicTilePlanes({ position: [10, 20, 30], orientation: orientation as [number, number, number, number, number, number], pixelSpacing: spacing, mosaicRows: 8, mosaicCols: 12, tileRows: 4, tileCols: 6, count: 3, sliceSpacing: 2.5 });
    along[2]!.position.forEach((v, i) => expect(v).toBeCloseTo([15.24, 27.32, 36.4][i]!, 9));
  });

  it('without a slice spacing (or without Image Plane attributes) tiles get no plane rather than a shared one', async () => {
    const noSpacing = await parseDicom(mosaicFile({ csaHeader: csa('SV10', TAGS), plane: { position: [0, 0, 0], orientation: [1, 0, 0, 0, 1, 0], spacing } }), 'a.dcm');
    expect(prepareSlices([noSpacing], 6).map((s) => s.plane)).toEqual([undefined, undefined, undefined]);
    const noPlane = await parseDicom(mosaicFile({ csaHeader: csa('SV10', TAGS) }), 'b.dcm');
    expect(prepareSlices([noPlane], 6).map((s) => s.plane)).toEqual([undefined, undefined, undefined]);
  });

  it('a SpacingBetweenSlices of 0 falls back to SliceThickness; a negative one counts by its size (the normal gives the direction)', async () => {
    const tags = TAGS.filter((t) => t.name !== 'SliceNormalVector');
    const z = async (between: number) => {
      const image = await parseDicom(mosaicFile({ csaHeader: csa('SV10', tags), plane: { position: [0, 0, 0], orientation: [1, 0, 0, 0, 1, 0], spacing, thickness: 4, between } }), 'z.dcm');
      return prepareSlices([image], 6).map((s) => s.plane!.position[2]);
    };
    expect(await z(0)).toEqual([0, 4, 8]);
    expect(await z(-5)).toEqual([0, 5, 10]);
  });
});

describe('de-identifying a mosaic', () => {
  it('warns that the tile count goes with the private attributes, unless retainSafePrivate keeps (0019,xx0A)', async () => {
    const file = mosaicFile({ mrHeaderCount: 3, csaHeader: csa('SV10', TAGS) });
    const deid = (retainSafePrivate: boolean) =>
      deidentifyDicomWithReport(file, { remapper: new UidRemapper({ secret: 'site' }), profile: { ...BASIC_ONLY, retainSafePrivate }, source: 'mosaic.dcm' });
    const plain = deid(false);
    expect(plain.report.warnings).toContain(messages.deidMosaicCountRemoved());
    expect(messages.deidMosaicCountRemoved()).toBe(
      'ImageType is MOSAIC: its tile count (NumberOfImagesInMosaic, private (0019,xx0A) and the CSA header) is removed with the private attributes, so the output reads as one image of tiles; deid.retainSafePrivate keeps (0019,xx0A)',
    );
    expect((await parseDicom(plain.bytes, 'out.dcm')).meta.NumberOfImagesInMosaic).toBeUndefined();
    const kept = deid(true);
    expect(kept.report.warnings).not.toContain(messages.deidMosaicCountRemoved());
    const image = await parseDicom(kept.bytes, 'out.dcm');
    expect(image.meta.NumberOfImagesInMosaic).toBe(3);
    expect(prepareSlices([image], 6)).toHaveLength(3);
  });
});
