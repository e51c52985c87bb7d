/**
 * A NIfTI-1 volume as an image pipeline's training slices: the slices along its third voxel axis (k), in
 * display values (scl_slope/scl_inter applied by the reader), each padded to a square and resampled to the
 * model's size exactly as a DICOM slice is (io/dicom/preprocess.ts).
 *
 * In-plane order: a slice is shown as a DICOM viewer shows the scanner's own slices, so a model trained
 * on a NIfTI and one trained on the DICOM series it came from see the same pictures. Columns run along
 * voxel axis i and rows along j, each reversed where needed so that the row direction points to the
 * patient's left or posterior (LPS +x or +y), and the column direction posterior, or inferior when it runs
 * head to foot (the top of a sagittal or coronal slice is superior). A converter that stores rows
 * bottom-up (dcm2niix stores LAS: j runs anterior) thus reads back top-down as the DICOM files were.
 *
 * Geometry: with an sform, each slice gets a plane in DICOM's LPS+ patient space (NIfTI's RAS+ with x and
 * y negated: the inverse of nifti.ts's affineFromDicom), so synthetic output carries the volume's spacing
 * and orientation and slice-position conditioning works as for a DICOM series. Without one (pixdim only:
 * NIfTI-1 "method 1", no orientation), slices keep the voxel size but claim no patient position; their
 * level is their index along k.
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { padToSquare, resample, resampledPlane, type PreparedSlice, type SlicePlane } from './dicom/preprocess.js';
import type { NiftiVolume } from './nifti.js';

export interface NiftiSlices {
  slices: PreparedSlice[];
  /** Each slice's level along k, 0 at k = 0 and 1 at the last (one slice: undefined). */
  indexLevels?: number[];
  /** Spacing of the source slices along k, mm (pixdim[3], or the length of the affine's third column). */
  sliceSpacing: number;
  /** Voxel size along i, j, k in mm: the lengths of the affine's columns (with an sform), else pixdim. */
  voxel: [number, number, number];
  /** Whether in-plane axes were reversed to show the slices as DICOM does. */
  reversed: { columns: boolean; rows: boolean };
}

/** RAS+ → LPS+ for a direction or a point: x and y change sign. */
const lps = (v: readonly number[]): [number, number, number] => [-v[0]!, -v[1]!, v[2]!];

/** The index of the largest absolute component. */
const dominant = (v: readonly number[]) => v.reduce((best, x, i) => (Math.abs(x) > Math.abs(v[best]!) ? i : best), 0);

/** Whether a direction (LPS) should be reversed to run as DICOM's convention has it: +x, +y, or −z. */
function reverses(v: readonly number[]): boolean {
  const d = dominant(v);
  return d === 2 ? v[2]! > 0 : v[d]! < 0;
}

/** The slices of `volume` at `size`²; `where` names the file in errors. */
export function niftiSlices(volume: NiftiVolume, where: string, size: number): NiftiSlices {
  const [nx, ny, nz] = volume.dims;
  const a = volume.affine;
  const column = (c: number) => [a[0]![c]!, a[1]![c]!, a[2]![c]!];
  const oriented = volume.affineSource !== 'pixdim';
  const [u, v, w] = [column(0), column(1), column(2)].map(lps) as [[number, number, number], [number, number, number], [number, number, number]];
  const norm = (x: readonly number[]) => Math.hypot(x[0]!, x[1]!, x[2]!);
  // Voxel sizes: from the affine's columns when it orients the volume, else pixdim.
  const [dx, dy, dz] = oriented ? [norm(u), norm(v), norm(w)] : volume.pixdim;
  if (!(dx > 0 && dy > 0)) throw new DataError(messages.niftiUnreadable(where, `the sform's first two columns have zero length (voxel size ${dx}×${dy} mm)`));
  const reversed = { columns: oriented && reverses(u), rows: oriented && reverses(v) };

  // Non-finite voxels (NaN outside a mask is common in float volumes) are background: the volume's minimum.
  let min = Infinity;
  for (const x of volume.data) if (x < min) min = x;
  if (min === Infinity) throw new DataError(messages.niftiUnreadable(where, 'no finite voxel value'));

  const side = Math.max(nx, ny);
  const spacing: [number, number] = [(dy * side) / size, (dx * side) / size];
  const slices: PreparedSlice[] = [];
  for (let k = 0; k < nz; k++) {
    const values = new Float32Array(nx * ny);
    const base = k * nx * ny;
    for (let r = 0; r < ny; r++) {
      const j = reversed.rows ? ny - 1 - r : r;
      for (let c = 0; c < nx; c++) {
        const x = volume.data[base + j * nx + (reversed.columns ? nx - 1 - c : c)]!;
        values[r * nx + c] = Number.isFinite(x) ? x : min;
      }
    }
    let plane: SlicePlane | undefined;
    if (oriented) {
      // The first shown pixel is voxel (i0, j0, k); DICOM's row direction is along a row (increasing column).
      const i0 = reversed.columns ? nx - 1 : 0, j0 = reversed.rows ? ny - 1 : 0;
      const ras = [0, 1, 2].map((r) => a[r]![0]! * i0 + a[r]![1]! * j0 + a[r]![2]! * k + a[r]![3]!);
      const sr = reversed.columns ? -1 / dx : 1 / dx, sc = reversed.rows ? -1 / dy : 1 / dy;
      plane = resampledPlane(
        { position: lps(ras), orientation: [u[0] * sr, u[1] * sr, u[2] * sr, v[0] * sc, v[1] * sc, v[2] * sc] },
        { rows: ny, cols: nx, pixelSpacing: [dy, dx] },
        size,
      );
    }
    slices.push({
      source: `${where} k=${k}`,
      modality: resample(padToSquare(values, ny, nx), side, side, size, size),
      pixelSpacing: spacing,
      ...(plane ? { plane } : {}),
    });
  }
  return {
    slices,
    ...(nz > 1 ? { indexLevels: Array.from({ length: nz }, (_, k) => k / (nz - 1)) } : {}),
    sliceSpacing: dz || 1,
    voxel: [dx, dy, dz || 1],
    reversed,
  };
}
