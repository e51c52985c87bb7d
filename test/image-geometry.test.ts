import { describe, expect, it } from 'vitest';
import { resampledPlane } from '../src/io/dicom/preprocess.js';
import { buildSyntheticDicom } from '../src/io/dicom/write.js';
import { syntheticPlanes } from '../src/run/image/export.js';

/** Issue 16: synthetic series carry consistent geometry (Image Plane, Frame of Reference). */
const axial = [1, 0, 0, 0, 1, 0] as [number, number, number, number, number, number];

describe('synthetic slice geometry', () => {
  it('moves Image Position (Patient) to the first model pixel after square padding and resampling', () => {
    // 4 rows × 2 columns, 1 mm: padded to 4×4 with one column before; at 2² each output pixel covers 2×2
    // square pixels, the first centred at square (0.5, 0.5) = source column −0.5, row 0.5.
    expect(resampledPlane({ position: [10, 20, 30], orientation: axial }, { rows: 4, cols: 2, pixelSpacing: [1, 1] }, 2).position).toEqual([9.5, 20.5, 30]);
    // Sagittal (row direction +y, column direction −z): steps go along the direction cosines, scaled by spacing.
    const sag = [0, 1, 0, 0, 0, -1] as [number, number, number, number, number, number];
    expect(resampledPlane({ position: [5, 0, 0], orientation: sag }, { rows: 8, cols: 8, pixelSpacing: [2, 0.5] }, 2).position).toEqual([5, 0.75, -3]);
    // Same size: unchanged.
    expect(resampledPlane({ position: [1, 2, 3], orientation: axial }, { rows: 4, cols: 4, pixelSpacing: [1, 1] }, 4).position).toEqual([1, 2, 3]);
  });

  it('spaces synthetic planes evenly over the source extent along the normal, or gives none', () => {
    const src = [7, 1, 4].map((z) => ({ plane: { position: [2, 3, z] as [number, number, number], orientation: axial } }));
    expect(syntheticPlanes(src, 4)!.map((p) => p.position)).toEqual([[2, 3, 1], [2, 3, 3], [2, 3, 5], [2, 3, 7]]);
    expect(syntheticPlanes(src, 1)!.map((p) => p.position)).toEqual([[2, 3, 4]]);
    expect(syntheticPlanes(src, 2, [0.25, 1])!.map((p) => p.position)).toEqual([[2, 3, 2.5], [2, 3, 7]]);
    expect(syntheticPlanes([...src, {}], 4)).toBeUndefined();
    expect(syntheticPlanes([...src, { plane: { position: [0, 0, 0], orientation: [0, 1, 0, 0, 0, -1] } }], 4)).toBeUndefined();
  });

  it('refuses a plane without a frame of reference, and a degenerate orientation', () => {
    const image = { rows: 1, columns: 1, pixels: Uint16Array.of(1), bitsStored: 16, pixelRepresentation: 0 as const, plane: { position: [0, 0, 0] as const, orientation: axial } };
    const meta = { modality: 'MR', seriesDescription: 's', instanceNumber: 1, studyInstanceUid: '2.25.1', seriesInstanceUid: '2.25.2' };
    expect(() => buildSyntheticDicom(image, meta)).toThrow('<memory>: cannot write synthetic image: an image plane needs a frameOfReferenceUid');
    expect(() => buildSyntheticDicom({ ...image, plane: { position: [0, 0, 0], orientation: [1, 0, 0, 1, 0, 0] } }, { ...meta, frameOfReferenceUid: '2.25.3' })).toThrow(
      'cannot write synthetic image: plane.orientation must be two orthogonal unit vectors',
    );
    expect(buildSyntheticDicom(image, { ...meta, frameOfReferenceUid: '2.25.3' }).length).toBeGreaterThan(132);
  });
});
