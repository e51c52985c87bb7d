import dcmjs from 'dcmjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DicomError } from '../src/errors.js';
import { parseDicom, readDicomFile } from '../src/io/dicom/index.js';
import { chooseWindow, notMonochrome, prepareSlices } from '../src/io/dicom/preprocess.js';
import { buildSyntheticDicom, element, encodePart10 } from '../src/io/dicom/write.js';
import { displayFromModality, exportedValues, pixelEncoding, syntheticImage } from '../src/run/image/export.js';
import { pearson } from '../src/evaluate/stats.js';

/** Issue 16, pixel semantics: what the image model learns and writes means what the source showed. */
const FIX = fileURLToPath(new URL('../fixtures/dicom/', import.meta.url));

describe('MONOCHROME1', () => {
  it('is learned with larger = brighter (display values), and written back as MONOCHROME1 in the source units', async () => {
    const image = await readDicomFile(join(FIX, 'CR_monochrome1.dcm'));
    expect(image.meta.PhotometricInterpretation).toBe('MONOCHROME1');
    const frame = image.frames[0]!;
    const [slice] = prepareSlices([image], 16);
    // Before issue 16 the slice was modality(): the learned image was the negative of what a viewer shows.
    expect(pearson(slice!.modality, frame.modality())).toBeCloseTo(-1, 6);
    expect(Array.from(slice!.modality)).toEqual(Array.from(frame.display()));
    const [lo, hi] = frame.modalityRange();
    expect(slice!.inversion).toBeCloseTo(lo + hi, 6);

    // Written back: MONOCHROME1, same rescale, the source's stored values; read back: the same display values.
    const { window } = chooseWindow([slice!.modality]);
    const enc = pixelEncoding(window, { rescaleSlope: image.meta.RescaleSlope, rescaleIntercept: image.meta.RescaleIntercept, signed: false, hadRescale: true, inversion: slice!.inversion });
    const bytes = buildSyntheticDicom(syntheticImage(slice!.modality, 16, enc, { window }), { modality: 'CR', seriesDescription: 't', instanceNumber: 1, studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2' });
    const back = await parseDicom(bytes, 'written');
    expect(back.meta.PhotometricInterpretation).toBe('MONOCHROME1');
    expect(Array.from(back.frames[0]!.stored)).toEqual(Array.from(frame.stored, (v) => v & 0xfff));
    const modalityBack = back.frames[0]!.modality();
    for (let i = 0; i < modalityBack.length; i++) expect(modalityBack[i]!).toBeCloseTo(frame.modality()[i]!, 3);
    const displayBack = displayFromModality(modalityBack, enc);
    for (let i = 0; i < displayBack.length; i++) expect(displayBack[i]!).toBeCloseTo(slice!.modality[i]!, 3);
    expect(Array.from(exportedValues(slice!.modality, enc)).every((v, i) => Math.abs(v - slice!.modality[i]!) < 1e-3)).toBe(true);
    // The window written is the display window un-inverted, so a viewer shows the same range.
    expect(back.tag('(0028,1050)')).toBeDefined();
    const center = Number(back.tag('(0028,1050)'));
    expect(center).toBeCloseTo(slice!.inversion! - (window[0] + window[1]) / 2, 2);
  });

  it('a MONOCHROME2 source is unchanged and written as MONOCHROME2', async () => {
    const image = await readDicomFile(join(FIX, 'MR_small.dcm'));
    const [slice] = prepareSlices([image], 64);
    expect(slice!.inversion).toBeUndefined();
    expect(Array.from(slice!.modality)).toEqual(Array.from(image.frames[0]!.modality()));
    const { window } = chooseWindow([slice!.modality]);
    const enc = pixelEncoding(window, { rescaleSlope: 1, rescaleIntercept: 0, signed: true, hadRescale: false });
    const back = await parseDicom(buildSyntheticDicom(syntheticImage(slice!.modality, 64, enc, { window }), { modality: 'MR', seriesDescription: 't', instanceNumber: 1, studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2' }), 'w');
    expect(back.meta.PhotometricInterpretation).toBe('MONOCHROME2');
  });
});

describe('PALETTE COLOR and colour images', () => {
  it('PALETTE COLOR is refused by name, not learned as grey (a file built from MR_small: no palette image in fixtures or shared data)', async () => {
    const mr = readFileSync(join(FIX, 'MR_small.dcm'));
    const dict = dcmjs.data.DicomMessage.readFile(mr.buffer.slice(mr.byteOffset, mr.byteOffset + mr.byteLength) as ArrayBuffer);
    const ds = dict.dict;
    ds['00280004'] = { vr: 'CS', Value: ['PALETTE COLOR'] };
    ds['00280103'] = { vr: 'US', Value: [0] };
    for (const [d, data] of [['00281101', '00281201'], ['00281102', '00281202'], ['00281103', '00281203']] as const) {
      ds[d] = { vr: 'US', Value: [256, 0, 16] };
      ds[data] = { vr: 'OW', Value: [new Uint16Array(256).map((_, i) => i * 257).buffer] };
    }
    const image = await parseDicom(new Uint8Array(dict.write()), 'palette.dcm');
    expect(image.meta.PhotometricInterpretation).toBe('PALETTE COLOR');
    expect(image.meta.SamplesPerPixel).toBe(1);
    expect(() => prepareSlices([image], 16)).toThrow(DicomError);
    expect(() => prepareSlices([image], 16)).toThrow(
      'palette.dcm: PhotometricInterpretation (0028,0004) is PALETTE COLOR: pixel values index a colour lookup table, they are not intensities; image models take MONOCHROME1 or MONOCHROME2',
    );
  });
  it('RGB is refused by name', async () => {
    const image = await readDicomFile(join(FIX, 'SC_rgb_rle.dcm'));
    expect(notMonochrome(image)).toMatch(/SC_rgb_rle\.dcm: image models take monochrome images; this one has 3 samples per pixel \(RGB\)/);
  });
});

/**
 * A minimal valid Enhanced MR Image (2 frames of 4×4, explicit VR LE) built with dcmjs: neither fixtures/ nor
 * ../shared has an enhanced multi-frame file. Frame 2 carries RescaleSlope 2.108 (as a Philips MPRAGE does),
 * its own Pixel Spacing and position in Per-Frame Functional Groups; the shared group has slope 1.
 */
function enhancedMr(): Uint8Array {
  const item = (tags: Record<string, ReturnType<typeof element>>) => tags;
  const perFrame = [
    { slope: '1', intercept: '0', spacing: ['0.5', '0.5'], position: ['0', '0', '0'] },
    { slope: '2.108', intercept: '-10', spacing: ['0.7', '0.8'], position: ['0', '0', '5'] },
  ].map((f) =>
    item({
      '00289145': element('SQ', item({ '00281052': element('DS', f.intercept), '00281053': element('DS', f.slope), '00281054': element('LO', 'US') })),
      '00289110': element('SQ', item({ '00280030': element('DS', ...f.spacing), '00180050': element('DS', '1') })),
      '00209113': element('SQ', item({ '00200032': element('DS', ...f.position) })),
    }),
  );
  const pixels = new Uint16Array(32).map((_, i) => (i % 16) * 10 + 100);
  return encodePart10(
    {
      '00080016': element('UI', '1.2.840.10008.5.1.4.1.1.4.1'),
      '00080018': element('UI', '2.25.16001'),
      '00080060': element('CS', 'MR'),
      '0020000D': element('UI', '2.25.16002'),
      '0020000E': element('UI', '2.25.16003'),
      '00280002': element('US', 1),
      '00280004': element('CS', 'MONOCHROME2'),
      '00280008': element('IS', '2'),
      '00280010': element('US', 4),
      '00280011': element('US', 4),
      '00280100': element('US', 16),
      '00280101': element('US', 12),
      '00280102': element('US', 11),
      '00280103': element('US', 0),
      '52009229': element('SQ', item({
        '00289145': element('SQ', item({ '00281052': element('DS', '0'), '00281053': element('DS', '1'), '00281054': element('LO', 'US') })),
        '00209116': element('SQ', item({ '00200037': element('DS', '1', '0', '0', '0', '1', '0') })),
      })),
      '52009230': element('SQ', ...perFrame),
      '7FE00010': element('OW', pixels.buffer),
    },
    '1.2.840.10008.1.2.1',
  );
}

describe('Enhanced multi-frame: per-frame functional groups', () => {
  it('applies each frame\'s own RescaleSlope/Intercept and Pixel Spacing, and gives each frame its position', async () => {
    const image = await parseDicom(enhancedMr(), 'enhanced.dcm');
    expect(image.meta.NumberOfFrames).toBe(2);
    expect(image.meta.PerFrame).toHaveLength(2);
    const [f1, f2] = image.frames;
    const stored = Array.from(f2!.stored);
    // Before issue 16 both frames used the shared slope 1: frame 2 came out ×1/2.108 too dark.
    expect(Array.from(f1!.modality())).toEqual(Array.from(f1!.stored, (v) => v));
    Array.from(f2!.modality()).forEach((v, i) => expect(v).toBeCloseTo(stored[i]! * 2.108 - 10, 3));
    expect(image.meta.PerFrame!.map((p) => p.PixelSpacing)).toEqual([[0.5, 0.5], [0.7, 0.8]]);
    expect(image.meta.PerFrame!.map((p) => p.ImagePositionPatient)).toEqual([[0, 0, 0], [0, 0, 5]]);
    expect(image.meta.PerFrame![1]!.ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    const slices = prepareSlices([image], 4);
    expect(slices.map((s) => s.pixelSpacing)).toEqual([[0.5, 0.5], [0.7, 0.8]]);
    expect(slices[1]!.modality[0]).toBeCloseTo(stored[0]! * 2.108 - 10, 3);
  });
});

/**
 * A minimal Siemens mosaic built with dcmjs (no mosaic in fixtures/ or shared data): 3 slices of 4×4 tiled
 * into an 8×8 frame (a 2×2 grid, the last tile empty), ImageType …\\MOSAIC and NumberOfImagesInMosaic 3 in
 * the SIEMENS MR HEADER private block (0019,10xx).
 */
function mosaic(): Uint8Array {
  const pixels = new Uint16Array(64);
  for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) {
    const tile = Math.floor(r / 4) * 2 + Math.floor(c / 4);
    pixels[r * 8 + c] = tile < 3 ? (tile + 1) * 100 + (r % 4) * 4 + (c % 4) : 0;
  }
  return encodePart10(
    {
      '00080008': element('CS', 'ORIGINAL', 'PRIMARY', 'M', 'ND', 'MOSAIC'),
      '00080016': element('UI', '1.2.840.10008.5.1.4.1.1.4'),
      '00080018': element('UI', '2.25.16011'),
      '00080060': element('CS', 'MR'),
      '0020000D': element('UI', '2.25.16012'),
      '0020000E': element('UI', '2.25.16013'),
      '00190010': element('LO', 'SIEMENS MR HEADER'),
      '0019100A': element('US', 3),
      '00280002': element('US', 1),
      '00280004': element('CS', 'MONOCHROME2'),
      '00280010': element('US', 8),
      '00280011': element('US', 8),
      '00280030': element('DS', '2', '2'),
      '00280100': element('US', 16),
      '00280101': element('US', 12),
      '00280102': element('US', 11),
      '00280103': element('US', 0),
      '7FE00010': element('OW', pixels.buffer),
    },
    '1.2.840.10008.1.2.1',
  );
}

describe('Siemens mosaic', () => {
  it('is unpacked into its NumberOfImagesInMosaic tiles, each a slice of the volume', async () => {
    const image = await parseDicom(mosaic(), 'mosaic.dcm');
    expect(image.meta.ImageType).toContain('MOSAIC');
    expect(image.meta.NumberOfImagesInMosaic).toBe(3);
    const slices = prepareSlices([image], 4);
    // Before issue 16 the mosaic was one 8×8 image (a single slice of four tiles).
    expect(slices).toHaveLength(3);
    slices.forEach((s, t) => expect(Array.from(s.modality)).toEqual(Array.from({ length: 16 }, (_, i) => (t + 1) * 100 + i)));
    expect(slices.map((s) => s.source)).toEqual(['mosaic.dcm@tile1', 'mosaic.dcm@tile2', 'mosaic.dcm@tile3']);
    expect(slices[0]!.pixelSpacing).toEqual([2, 2]);
  });
});
