import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';
import type { DicomImage } from './index.js';

/**
 * From DICOM slices to the model's training images and back.
 *
 * Geometry: each slice is padded to a square (centred, with its own background value, so anatomy keeps
 * its aspect ratio) and resampled to `imageSize`²: area averaging when shrinking (each output pixel is the
 * mean of the input area it covers, so no aliasing and the mean intensity is kept), bilinear when growing.
 *
 * Polarity: slices are read with `display()`, so larger is brighter whatever the source's Photometric
 * Interpretation: a MONOCHROME1 slice (CR/DX, low values shown white) is inverted within the rescaled
 * range its BitsStored allows, v' = lo + hi − v, and the slice records that constant (`inversion`) so
 * synthetic images are written back as MONOCHROME1 in the source's own units (run/image/export.ts).
 * PALETTE COLOR and colour images are refused by name: their values are not intensities.
 *
 * Intensity: values in modality units (HU for CT, scanner units for MR) are mapped linearly from a window
 * [low, high] to [−1, 1] and clipped. The window is the spec's `model.window`, or else the 0.5th–99.5th
 * percentiles of all training pixels: robust to a few hot pixels, and shared by all slices so relative
 * brightness between slices is kept. The window is saved with the model; synthetic images map back with
 * the inverse, so they come out in the source's units (values outside the window cannot be produced).
 */

/** Everything needed to map between modality values and model images; saved in the checkpoint. */
export interface ImagePreprocessing {
  imageSize: number;
  /** [low, high] in modality units, mapped to [−1, 1]. */
  window: [number, number];
  windowSource: 'spec' | 'percentiles';
  /** Left-right flips as training augmentation. */
  flip: boolean;
  /**
   * Quantiles (INTENSITY_QUANTILES evenly spaced probabilities, model scale) of all training pixels: the
   * intensity distribution synthetic slices are mapped onto (`matchIntensities`). Absent in checkpoints
   * written before it existed; their samples are left as drawn.
   */
  intensityQuantiles?: number[];
  /**
   * A labelled model's (`model.seriesLabel`): the same quantiles per label, over that label's training
   * pixels, so each label's samples keep its own contrast (pooled quantiles would pull them together).
   */
  labelIntensityQuantiles?: Record<string, number[]>;
}

/** One slice ready for the model, with what is needed to describe it in outputs and reports. */
export interface PreparedSlice {
  /** The file (and frame) it came from. */
  source: string;
  /** imageSize² values in modality units after padding and resampling (padding pixels filled). */
  modality: Float32Array;
  /** [row, column] spacing in mm at imageSize, when the source has Pixel Spacing. */
  pixelSpacing?: [number, number];
  /** MONOCHROME1 sources: lo + hi of the rescaled BitsStored range; `modality` holds lo + hi − value. */
  inversion?: number;
  /**
   * Where the slice lies in the patient, at imageSize (sources with Image Position/Orientation (Patient)
   * and Pixel Spacing; mosaic tiles also need a slice spacing, see `mosaicTilePlanes`): the centre of the
   * first model pixel and the direction cosines.
   */
  plane?: SlicePlane;
}

/** A slice's plane in patient coordinates (mm), as DICOM's Image Plane module states it. */
export interface SlicePlane {
  /** Image Position (Patient): the centre of the first transmitted pixel. */
  position: [number, number, number];
  /** Image Orientation (Patient): row direction (along a row, increasing column) then column direction. */
  orientation: [number, number, number, number, number, number];
}

/**
 * The plane of a slice after `padToSquare` and `resample` to `size`: the model grid's first pixel centre.
 * The square pads the source by (x0, y0) pixels before its first column and row; output pixel 0 covers
 * square pixels [0, s) with s = side / size, so its centre sits at square coordinate (s − 1)/2 on each axis,
 * i.e. source column (s − 1)/2 − x0 and row (s − 1)/2 − y0, and IPP moves by those many column and row
 * spacings along the row and column directions (PS3.3 C.7.6.2.1.1).
 */
export function resampledPlane(plane: SlicePlane, source: { rows: number; cols: number; pixelSpacing: readonly [number, number] }, size: number): SlicePlane {
  const side = Math.max(source.rows, source.cols);
  const x0 = Math.floor((side - source.cols) / 2), y0 = Math.floor((side - source.rows) / 2);
  const s = side / size;
  const dc = ((s - 1) / 2 - x0) * source.pixelSpacing[1];
  const dr = ((s - 1) / 2 - y0) * source.pixelSpacing[0];
  const [r0, r1, r2, c0, c1, c2] = plane.orientation;
  const [px, py, pz] = plane.position;
  return { position: [px + dc * r0 + dr * c0, py + dc * r1 + dr * c1, pz + dc * r2 + dr * c2], orientation: [...plane.orientation] };
}

/** Why an image cannot be a grey-level training slice (colour, palette), or undefined when it can. */
export function notMonochrome(image: DicomImage): string | undefined {
  const spp = image.meta.SamplesPerPixel ?? 1;
  const pi = image.meta.PhotometricInterpretation;
  if (pi === 'PALETTE COLOR') {
    return `${image.source}: PhotometricInterpretation (0028,0004) is PALETTE COLOR: pixel values index a colour lookup table, they are not intensities; image models take MONOCHROME1 or MONOCHROME2`;
  }
  if (spp !== 1) return `${image.source}: image models take monochrome images; this one has ${spp} samples per pixel (${pi ?? 'colour'})`;
  return undefined;
}

/** Monochrome frames of a series in modality units, square-padded and resampled to `size`. */
export function prepareSlices(images: readonly DicomImage[], size: number): PreparedSlice[] {
  const out: PreparedSlice[] = [];
  for (const image of images) {
    const refused = notMonochrome(image);
    if (refused) throw new DicomError(refused);
    image.frames.forEach((frame, f) => {
      const inversion = frame.photometric === 'MONOCHROME1' ? frame.modalityRange()[0] + frame.modalityRange()[1] : undefined;
      const name = `${image.source}${image.frames.length > 1 ? ` frame ${f + 1}` : ''}`;
      const mosaic = image.meta.NumberOfImagesInMosaic;
      if (mosaic !== undefined) {
        // A Siemens mosaic: the slices of a volume tiled row by row in a ceil(√n) × ceil(√n) grid.
        const meta = image.meta;
        const tiles = mosaicTiles(frame.display(), meta.Rows!, meta.Columns!, mosaic, name);
        const spacing = meta.PixelSpacing;
        const position = meta.PerFrame?.[f]?.ImagePositionPatient ?? meta.ImagePositionPatient;
        const orientation = meta.ImageOrientationPatient;
        // Magnitude only (some writers store SpacingBetweenSlices negative): the normal gives the direction.
        const sliceSpacing = [meta.SpacingBetweenSlices, meta.SliceThickness].map((v) => Math.abs(v ?? 0)).find((v) => v > 0);
        const planes = spacing && position && orientation && sliceSpacing !== undefined && tiles.length > 0
          ? mosaicTilePlanes({ position, orientation, pixelSpacing: spacing, mosaicRows: meta.Rows!, mosaicCols: meta.Columns!, tileRows: tiles[0]!.rows, tileCols: tiles[0]!.cols, count: tiles.length, sliceSpacing, sliceNormal: meta.SliceNormalVector })
          : undefined;
        for (const [t, tile] of tiles.entries()) {
          const { values, rows, cols } = tile;
          const side = Math.max(rows, cols);
          out.push({
            source: `${image.source}${image.frames.length > 1 ? `#${f + 1}` : ''}@tile${t + 1}`,
            modality: resample(padToSquare(fillPadding(values, `${name} tile ${t + 1}`), rows, cols), side, side, size, size),
            pixelSpacing: spacing ? [(spacing[0] * side) / size, (spacing[1] * side) / size] : undefined,
            ...(inversion !== undefined ? { inversion } : {}),
            ...(planes && spacing ? { plane: resampledPlane(planes[t]!, { rows, cols, pixelSpacing: spacing }, size) } : {}),
          });
        }
        return;
      }
      const rows = image.meta.Rows!, cols = image.meta.Columns!;
      const values = fillPadding(frame.display(), name);
      const side = Math.max(rows, cols);
      const square = padToSquare(values, rows, cols);
      const perFrame = image.meta.PerFrame?.[f];
      const spacing = perFrame?.PixelSpacing ?? image.meta.PixelSpacing; // Enhanced multi-frame: per frame
      const position = perFrame?.ImagePositionPatient ?? image.meta.ImagePositionPatient;
      const orientation = perFrame?.ImageOrientationPatient ?? image.meta.ImageOrientationPatient;
      out.push({
        source: image.frames.length > 1 ? `${image.source}#${f + 1}` : image.source,
        modality: resample(square, side, side, size, size),
        // The square's pixels are isotropic only when the source's are; each axis scales by side/size.
        pixelSpacing: spacing ? [(spacing[0] * side) / size, (spacing[1] * side) / size] : undefined,
        ...(inversion !== undefined ? { inversion } : {}),
        ...(spacing && position && orientation ? { plane: resampledPlane({ position, orientation }, { rows, cols, pixelSpacing: spacing }, size) } : {}),
      });
    });
  }
  return out;
}

/**
 * Unpack a Siemens mosaic frame into its `n` tiles: a grid of ceil(√n) tiles per side, filled row by row,
 * each (rows / side) × (columns / side). Tiles past `n` in the last row are empty and dropped.
 */
export function mosaicTiles(values: Float32Array, rows: number, cols: number, n: number, where: string): { values: Float32Array; rows: number; cols: number }[] {
  const side = Math.ceil(Math.sqrt(n));
  if (rows % side !== 0 || cols % side !== 0) {
    throw new DicomError(messages.dicomMosaicGrid(where, n, rows, cols, side));
  }
  const tr = rows / side, tc = cols / side;
  return Array.from({ length: n }, (_, t) => {
    const r0 = Math.floor(t / side) * tr, c0 = (t % side) * tc;
    const out = new Float32Array(tr * tc);
    for (let r = 0; r < tr; r++) out.set(values.subarray((r0 + r) * cols + c0, (r0 + r) * cols + c0 + tc), r * tc);
    return { values: out, rows: tr, cols: tc };
  });
}

/** What places a mosaic's tiles in the patient: the mosaic frame's Image Plane attributes and the tile layout. */
export interface MosaicGeometry {
  /** Image Position (Patient) as stored: the first pixel of a mosaic-sized frame centred on tile 1, not tile 1's own. */
  position: readonly [number, number, number];
  orientation: readonly [number, number, number, number, number, number];
  /** [row spacing, column spacing] in mm. */
  pixelSpacing: readonly [number, number];
  mosaicRows: number;
  mosaicCols: number;
  tileRows: number;
  tileCols: number;
  count: number;
  /** Centre-to-centre distance of the tiles' slices (SpacingBetweenSlices, else SliceThickness), mm. */
  sliceSpacing: number;
  /** The CSA SliceNormalVector: which way the tiles advance. */
  sliceNormal?: readonly [number, number, number];
}

/**
 * Each tile's own plane (first pixel centre, orientation). Siemens stores the position of a frame as large
 * as the mosaic centred on tile 1, so tile 1 starts (mosaicCols − tileCols)/2 columns and
 * (mosaicRows − tileRows)/2 rows further in (nibabel MosaicWrapper.image_position, dcm2niix); tile k lies
 * k·sliceSpacing along the slice normal. The normal is row × column cosines, pointed as the CSA
 * SliceNormalVector points when there is one: Siemens orders tiles along it, which may be against the
 * cross product, and its rounded values are used for the sign only (as nibabel's SiemensWrapper.slice_normal).
 */
export function mosaicTilePlanes(g: MosaicGeometry): SlicePlane[] {
  const [r0, r1, r2, c0, c1, c2] = g.orientation;
  const dc = (g.pixelSpacing[1] * (g.mosaicCols - g.tileCols)) / 2;
  const dr = (g.pixelSpacing[0] * (g.mosaicRows - g.tileRows)) / 2;
  const first = [g.position[0] + r0 * dc + c0 * dr, g.position[1] + r1 * dc + c1 * dr, g.position[2] + r2 * dc + c2 * dr];
  const csa = g.sliceNormal;
  const unit = (v: readonly number[]) => {
    const norm = Math.hypot(v[0]!, v[1]!, v[2]!);
    return norm > 1e-9 ? v.map((x) => x / norm) : undefined;
  };
  // Degenerate cosines (parallel or zero) leave only the CSA vector, else no direction at all.
  let n = unit([r1 * c2 - r2 * c1, r2 * c0 - r0 * c2, r0 * c1 - r1 * c0]) ?? (csa && unit(csa)) ?? [0, 0, 0];
  if (csa && n[0]! * csa[0] + n[1]! * csa[1] + n[2]! * csa[2] < 0) n = n.map((v) => -v);
  return Array.from({ length: g.count }, (_, k) => ({
    position: [0, 1, 2].map((i) => first[i]! + k * g.sliceSpacing * n[i]!) as [number, number, number],
    orientation: [...g.orientation] as SlicePlane['orientation'],
  }));
}

/**
 * Padding pixels (PixelPaddingValue) come out of `modality()` as NaN; they are background, so they take
 * the smallest real value of the slice. A slice with no real value at all is an error.
 */
export function fillPadding(values: Float32Array, where: string): Float32Array {
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  if (min === Infinity) throw new DicomError(messages.dicomAllPadding(where));
  const out = Float32Array.from(values);
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i]!)) out[i] = min;
  return out;
}

/** Centre the image in a square of side max(rows, cols), filling with its minimum (its background). */
export function padToSquare(values: Float32Array, rows: number, cols: number): Float32Array {
  if (rows === cols) return values;
  const side = Math.max(rows, cols);
  let min = Infinity;
  for (const v of values) if (v < min) min = v;
  const out = new Float32Array(side * side).fill(min);
  const y0 = Math.floor((side - rows) / 2), x0 = Math.floor((side - cols) / 2);
  for (let y = 0; y < rows; y++) out.set(values.subarray(y * cols, (y + 1) * cols), (y0 + y) * side + x0);
  return out;
}

/** Per-output-pixel source indices and weights along one axis. */
interface AxisWeights {
  index: Int32Array[];
  weight: Float32Array[];
}

/** Area weights: output pixel i covers source [i·s, (i+1)·s), s = n/m; each source pixel weighs by overlap. */
function areaWeights(n: number, m: number): AxisWeights {
  const s = n / m;
  const index: Int32Array[] = [], weight: Float32Array[] = [];
  for (let i = 0; i < m; i++) {
    const a = i * s, b = (i + 1) * s;
    const idx: number[] = [], w: number[] = [];
    for (let j = Math.floor(a); j < Math.min(n, Math.ceil(b)); j++) {
      const overlap = Math.min(b, j + 1) - Math.max(a, j);
      if (overlap > 1e-9) {
        idx.push(j);
        w.push(overlap / s);
      }
    }
    index.push(Int32Array.from(idx));
    weight.push(Float32Array.from(w));
  }
  return { index, weight };
}

/** Bilinear weights with half-pixel centres (the convention of most image libraries), edges clamped. */
function bilinearWeights(n: number, m: number): AxisWeights {
  const s = n / m;
  const index: Int32Array[] = [], weight: Float32Array[] = [];
  for (let i = 0; i < m; i++) {
    const c = Math.min(n - 1, Math.max(0, (i + 0.5) * s - 0.5));
    const j0 = Math.floor(c), j1 = Math.min(n - 1, j0 + 1), t = c - j0;
    index.push(Int32Array.from(j1 === j0 ? [j0] : [j0, j1]));
    weight.push(Float32Array.from(j1 === j0 ? [1] : [1 - t, t]));
  }
  return { index, weight };
}

/** Resample a row-major image to dstH × dstW, separably: area when shrinking an axis, bilinear when growing. */
export function resample(src: Float32Array, srcH: number, srcW: number, dstH: number, dstW: number): Float32Array {
  if (srcH === dstH && srcW === dstW) return Float32Array.from(src);
  const wy = dstH <= srcH ? areaWeights(srcH, dstH) : bilinearWeights(srcH, dstH);
  const wx = dstW <= srcW ? areaWeights(srcW, dstW) : bilinearWeights(srcW, dstW);
  // Rows first (srcH × dstW), then columns.
  const tmp = new Float32Array(srcH * dstW);
  for (let y = 0; y < srcH; y++) {
    for (let x = 0; x < dstW; x++) {
      const idx = wx.index[x]!, w = wx.weight[x]!;
      let s = 0;
      for (let k = 0; k < idx.length; k++) s += src[y * srcW + idx[k]!]! * w[k]!;
      tmp[y * dstW + x] = s;
    }
  }
  const out = new Float32Array(dstH * dstW);
  for (let y = 0; y < dstH; y++) {
    const idx = wy.index[y]!, w = wy.weight[y]!;
    for (let x = 0; x < dstW; x++) {
      let s = 0;
      for (let k = 0; k < idx.length; k++) s += tmp[idx[k]! * dstW + x]! * w[k]!;
      out[y * dstW + x] = s;
    }
  }
  return out;
}

/** The p-th percentiles (0–100, linear interpolation) of all values of all images together. */
export function percentiles(images: readonly Float32Array[], ps: readonly number[]): number[] {
  const all = new Float32Array(images.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of images) {
    all.set(a, o);
    o += a.length;
  }
  all.sort();
  return ps.map((p) => {
    const r = (p / 100) * (all.length - 1);
    const lo = Math.floor(r), hi = Math.min(all.length - 1, lo + 1);
    return all[lo]! + (all[hi]! - all[lo]!) * (r - lo);
  });
}

/** The intensity window: the spec's, else the 0.5th–99.5th percentiles of the training slices. */
export function chooseWindow(training: readonly Float32Array[], specWindow?: readonly number[]): { window: [number, number]; windowSource: 'spec' | 'percentiles' } {
  if (specWindow) {
    const [low, high] = specWindow as [number, number];
    if (!(high > low)) throw new DicomError(messages.windowOrder(low, high));
    return { window: [low, high], windowSource: 'spec' };
  }
  const [low, high] = percentiles(training, [0.5, 99.5]) as [number, number];
  // A constant image set would give a zero-width window; widen it so the mapping stays invertible.
  return { window: high > low ? [low, high] : [low - 0.5, low + 0.5], windowSource: 'percentiles' };
}

/** Modality values → model values: window [low, high] → [−1, 1], clipped. */
export function normalize(values: Float32Array, window: readonly [number, number]): Float32Array {
  const [low, high] = window;
  const scale = 2 / (high - low);
  return values.map((v) => Math.min(1, Math.max(-1, (v - low) * scale - 1)));
}

/** Model values → modality values, the inverse of `normalize` (model output is clipped to [−1, 1] first). */
export function denormalize(values: Float32Array, window: readonly [number, number]): Float32Array {
  const [low, high] = window;
  const half = (high - low) / 2;
  return values.map((v) => low + (Math.min(1, Math.max(-1, v)) + 1) * half);
}

/** Mirror a square image left to right. */
export function flipLeftRight(values: Float32Array, size: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = values[y * size + size - 1 - x]!;
  return out;
}

/** How many quantiles of the training pixels a model keeps for `matchIntensities`. */
export const INTENSITY_QUANTILES = 1001;

/** The INTENSITY_QUANTILES quantiles of all pixels of `images` together (linear interpolation). */
export function intensityQuantiles(images: readonly Float32Array[]): number[] {
  const all = new Float32Array(images.reduce((n, im) => n + im.length, 0));
  let at = 0;
  for (const im of images) {
    all.set(im, at);
    at += im.length;
  }
  all.sort();
  return Array.from({ length: INTENSITY_QUANTILES }, (_, k) => {
    const pos = (k / (INTENSITY_QUANTILES - 1)) * (all.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, all.length - 1);
    return all[lo]! + (pos - lo) * (all[hi]! - all[lo]!);
  });
}

/** Half-width of the box whose mean ranks pixels for the floor in `matchIntensities` (1: 3×3). */
const FLOOR_SMOOTHING_RADIUS = 1;

/**
 * Synthetic slices mapped onto the training pixels' intensity distribution (histogram matching over all the
 * slices together: each pixel keeps its rank among the pooled synthetic pixels and takes the training
 * quantile at that rank). The sampler leaves what real slices hold at the window's floor a few hundredths
 * above it (−0.97 to −0.99 where real pixels are exactly −1): a detector finds that offset in one pixel, and a
 * reader thresholding at the floor finds nothing there. One map for the whole batch keeps differences between slices.
 *
 * With `size` (square slices of that side), the floor is chosen where it is in real slices: in one piece.
 * Real floor pixels form regions (zero fill outside the acquired field of view, air clipped by the window)
 * while the sampler leaves them as noise around the floor, so ranking raw values sends some of that region
 * above the floor and other dark pixels onto it (brain-mr: edge cells of −0.98 to −0.99 where real ones
 * are exactly −1). The training pixels' floor share (the quantiles still at the floor) goes instead to the
 * pixels whose 3×3 box mean ranks lowest (5×5 and 7×7 did no better on brain-mr), and the other pixels
 * take the training quantiles above the floor in the order of their raw values.
 */
export function matchIntensities(images: readonly Float32Array[], quantiles: readonly number[], size?: number): Float32Array[] {
  const n = images.reduce((s, im) => s + im.length, 0);
  if (n === 0) return images.map((im) => im.slice());
  const value = new Float32Array(n);
  let at = 0;
  for (const im of images) {
    value.set(im, at);
    at += im.length;
  }
  const last = quantiles.length - 1;
  const quantileAt = (pos: number): number => {
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, last);
    return quantiles[lo]! + (pos - lo) * (quantiles[hi]! - quantiles[lo]!);
  };
  // Rank by value, index breaking ties, so the map is a function of the pixels alone.
  const byValue = (a: number, b: number) => value[a]! - value[b]! || a - b;
  const out = new Float32Array(n);
  // The training quantiles 0..atFloor are the floor: that share of the training pixels sits exactly on it.
  let atFloor = 0;
  while (atFloor < last && quantiles[atFloor + 1]! <= quantiles[0]!) atFloor++;
  const floorCount = size === undefined ? 0 : Math.round((atFloor / Math.max(1, last)) * n);
  if (floorCount === 0 || floorCount >= n) {
    const order = new Uint32Array(n).map((_, i) => i).sort(byValue);
    order.forEach((i, r) => (out[i] = quantileAt(n > 1 ? (r / (n - 1)) * last : last / 2)));
  } else {
    const smooth = new Float32Array(n);
    at = 0;
    for (const im of images) {
      if (im.length !== size! * size!) throw new RangeError(`matchIntensities: a slice of ${im.length} pixels is not ${size}×${size}`);
      smooth.set(boxMean(im, size!, FLOOR_SMOOTHING_RADIUS), at);
      at += im.length;
    }
    // The floor: the lowest box means (raw value, then index, breaking ties).
    const bySmooth = new Uint32Array(n).map((_, i) => i).sort((a, b) => smooth[a]! - smooth[b]! || byValue(a, b));
    const floor = new Uint8Array(n);
    for (let r = 0; r < floorCount; r++) {
      floor[bySmooth[r]!] = 1;
      out[bySmooth[r]!] = quantiles[0]!;
    }
    // The rest by raw rank onto the quantiles above the floor, the brightest on the training maximum.
    const rest = new Uint32Array(n - floorCount);
    let m = 0;
    for (let i = 0; i < n; i++) if (!floor[i]) rest[m++] = i;
    rest.sort(byValue);
    rest.forEach((i, j) => (out[i] = quantileAt(atFloor + ((j + 1) / m) * (last - atFloor))));
  }
  at = 0;
  return images.map((im) => {
    const part = out.slice(at, at + im.length);
    at += im.length;
    return part;
  });
}

/** The mean over the (2r+1)² box around each pixel of a square image, the box cut at the edges. */
function boxMean(img: Float32Array, size: number, r: number): Float32Array {
  // Summed-area table with a zero first row and column.
  const w = size + 1;
  const sat = new Float64Array(w * w);
  for (let y = 0; y < size; y++) {
    let row = 0;
    for (let x = 0; x < size; x++) {
      row += img[y * size + x]!;
      sat[(y + 1) * w + x + 1] = sat[y * w + x + 1]! + row;
    }
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const y0 = Math.max(0, y - r), y1 = Math.min(size, y + r + 1);
    for (let x = 0; x < size; x++) {
      const x0 = Math.max(0, x - r), x1 = Math.min(size, x + r + 1);
      out[y * size + x] = (sat[y1 * w + x1]! - sat[y0 * w + x1]! - sat[y1 * w + x0]! + sat[y0 * w + x0]!) / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}
