import { resolve } from 'node:path';
import { readDicomSeries } from '../../src/io/dicom/index.js';
import { chooseWindow, normalize, prepareSlices } from '../../src/io/dicom/preprocess.js';

/** The brain-MR fixture series (20 real slices) at `size`², windowed as a run windows them (percentiles) and scaled to [0, 1]. */
export async function brainSlices(size: number): Promise<Float32Array[]> {
  const series = await readDicomSeries(resolve(import.meta.dirname, '../../fixtures/dicom/brain-mr'));
  const slices = prepareSlices(series[0]!.images, size).map((s) => s.modality);
  const { window } = chooseWindow(slices);
  return slices.map((s) => normalize(s, window));
}
