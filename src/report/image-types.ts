import type { IntensityHistogram } from '../evaluate/image-fidelity.js';
import type { MemorizationResult } from '../evaluate/memorization.js';

/**
 * The `images` section of an image pipeline's report.json: what the HTML report shows for DICOM runs.
 * Thumbnails are small 8-bit grayscale PNGs (base64, no `data:` prefix), each displayed with the same
 * intensity window (the model's), so real and synthetic brightness compare directly.
 */

/** One labelled thumbnail; the shape `imageGrid` in report/svg.ts takes. */
export interface ImageThumb {
  label: string;
  pngBase64: string;
}

export interface ImageReport {
  modality: string;
  /** Training resolution (square). */
  imageSize: number;
  /** Intensity window [low, high] in modality units mapped to the model's [−1, 1], and where it came from. */
  window: [number, number];
  windowSource: 'spec' | 'percentiles';
  slices: { total: number; train: number; holdout: number };
  grid: {
    /** Training slices at model resolution. */
    real: ImageThumb[];
    /** Synthetic slices, labelled with their index and the NCC to their nearest training slice. */
    synthetic: ImageThumb[];
    /** For each synthetic thumbnail, its nearest training slice (mirrored when that matched better). */
    nearestTraining: ImageThumb[];
    /** All of the above in one picture: real row(s) on top, synthetic below. */
    overview: ImageThumb;
  };
  histogram: IntensityHistogram;
  diversity: { definition: string; synthetic: number; real: number };
  memorization: MemorizationResult;
  /** Whether the synthetic DICOM was written. */
  export: { blocked: boolean; reason?: string };
}
