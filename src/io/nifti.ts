/**
 * NIfTI-1 single-file volumes (`.nii`, and `.nii.gz` through node:zlib), the format research pipelines
 * (BIDS, nnU-Net, FSL) read. Written by hand from the NIfTI-1 header definition (nifti1.h: a 348-byte
 * header, 4 extension bytes, then the voxels at vox_offset 352), which needs no package: synthdiff's
 * install stays as it is.
 *
 * Coordinates: NIfTI's world space is RAS+ (+x towards the patient's right, +y anterior, +z superior),
 * DICOM's is LPS+ (+x left, +y posterior); a DICOM affine becomes a NIfTI one by negating its first two rows. Voxel order is x fastest: for slices stored row-major, x = column, y = row, z = slice.
 *
 * Written: 3-D float32 voxels with scl_slope 1, the affine as the sform (code 1, scanner anatomical) and
 * the qform left unset (code 0). Read: 3-D (or 4-D with one volume) uint8, int8, int16, uint16, int32,
 * float32 or float64 voxels in either byte order, scaled by scl_slope/scl_inter; the affine from the sform,
 * else from pixdim alone.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { writeFileAtomic } from './atomic.js';

const HEADER = 348;
const PAIR = 'a header/image pair (.hdr/.img); give a single-file .nii or .nii.gz';
const VOX_OFFSET = 352;
const DATATYPES: Record<number, { bytes: number; integer: boolean; signed: boolean; read: (v: DataView, o: number, le: boolean) => number }> = {
  2: { bytes: 1, integer: true, signed: false, read: (v, o) => v.getUint8(o) },
  4: { bytes: 2, integer: true, signed: true, read: (v, o, le) => v.getInt16(o, le) },
  8: { bytes: 4, integer: true, signed: true, read: (v, o, le) => v.getInt32(o, le) },
  16: { bytes: 4, integer: false, signed: true, read: (v, o, le) => v.getFloat32(o, le) },
  64: { bytes: 8, integer: false, signed: true, read: (v, o, le) => v.getFloat64(o, le) },
  256: { bytes: 1, integer: true, signed: true, read: (v, o) => v.getInt8(o) },
  512: { bytes: 2, integer: true, signed: false, read: (v, o, le) => v.getUint16(o, le) },
};

/** A 3-D volume: nx·ny·nz values, x fastest; `affine` maps voxel (i, j, k, 1) to RAS+ millimetres (4×4, row-major). */
export interface NiftiVolume {
  dims: [number, number, number];
  data: Float32Array;
  /** Voxel size in mm (pixdim[1..3]). */
  pixdim: [number, number, number];
  affine: number[][];
  /** Where the affine came from: the sform, or pixdim alone (no orientation known). */
  affineSource?: 'sform' | 'pixdim';
  description?: string;
  /** How the file stored the voxels (read files only): nifti1.h datatype code and the scaling applied to them. */
  stored?: { datatype: number; integer: boolean; signed: boolean; slope: number; inter: number };
}

/** The RAS+ voxel-to-world affine of a stack of DICOM slices: LPS position + i·Δc·row + j·Δr·column + k·Δz·normal. */
export function affineFromDicom(plane: { position: readonly number[]; orientation: readonly number[] }, spacing: { row: number; column: number; slice: number }, normal: readonly number[]): number[][] {
  const [r0, r1, r2, c0, c1, c2] = plane.orientation as [number, number, number, number, number, number];
  const [px, py, pz] = plane.position as [number, number, number];
  const lps = [
    [r0 * spacing.column, c0 * spacing.row, normal[0]! * spacing.slice, px],
    [r1 * spacing.column, c1 * spacing.row, normal[1]! * spacing.slice, py],
    [r2 * spacing.column, c2 * spacing.row, normal[2]! * spacing.slice, pz],
  ];
  // LPS → RAS: x and y change sign.
  return [lps[0]!.map((v) => -v), lps[1]!.map((v) => -v), lps[2]!, [0, 0, 0, 1]];
}

/** The NIfTI-1 bytes of a volume (uncompressed). */
export function encodeNifti(volume: NiftiVolume): Uint8Array {
  const [nx, ny, nz] = volume.dims;
  if (volume.data.length !== nx * ny * nz) throw new RangeError(`NIfTI: ${nx}×${ny}×${nz} volume needs ${nx * ny * nz} values, got ${volume.data.length}`);
  const buf = new Uint8Array(VOX_OFFSET + volume.data.length * 4);
  const v = new DataView(buf.buffer);
  v.setInt32(0, HEADER, true);
  buf[38] = 'r'.charCodeAt(0);
  [3, nx, ny, nz, 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, 16, true); // datatype FLOAT32
  v.setInt16(72, 32, true); // bitpix
  [1, ...volume.pixdim, 1, 1, 1, 1].forEach((d, i) => v.setFloat32(76 + 4 * i, d, true));
  v.setFloat32(108, VOX_OFFSET, true);
  v.setFloat32(112, 1, true); // scl_slope
  v.setFloat32(116, 0, true); // scl_inter
  buf[123] = 2; // xyzt_units: NIFTI_UNITS_MM
  const description = new TextEncoder().encode((volume.description ?? '').slice(0, 79));
  buf.set(description, 148);
  v.setInt16(252, 0, true); // qform_code: unset
  v.setInt16(254, 1, true); // sform_code: NIFTI_XFORM_SCANNER_ANAT
  volume.affine.slice(0, 3).forEach((row, r) => row.forEach((a, c) => v.setFloat32(280 + 16 * r + 4 * c, a, true)));
  buf.set(new TextEncoder().encode('n+1\0'), 344);
  for (let i = 0; i < volume.data.length; i++) v.setFloat32(VOX_OFFSET + 4 * i, volume.data[i]!, true);
  return buf;
}

/** Write a volume to `path` (.nii, or gzip-compressed for .nii.gz), atomically. */
export async function writeNifti(path: string, volume: NiftiVolume): Promise<void> {
  const bytes = encodeNifti(volume);
  await writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}

/** A header/image pair's file names (Analyze 7.5 and NIfTI-1 pairs), refused by name before reading. */
export const NIFTI_PAIR = /\.(hdr|img)(\.gz)?$/i;

/** Read a single-file NIfTI-1 volume (`.nii` or `.nii.gz`; gzip is recognised by its magic bytes). */
export async function readNifti(path: string): Promise<NiftiVolume> {
  if (NIFTI_PAIR.test(path)) throw new DataError(messages.niftiUnreadable(path, PAIR));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DataError(messages.niftiUnreadable(path, (e as NodeJS.ErrnoException).code ?? String(e)));
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError(messages.niftiUnreadable(path, `gzip: ${(e as Error).message}`));
    }
  }
  return decodeNifti(bytes, path);
}

/** Parse NIfTI-1 bytes; `where` names the file in errors. */
export function decodeNifti(bytes: Uint8Array, where: string): NiftiVolume {
  const fail = (why: string): never => {
    throw new DataError(messages.niftiUnreadable(where, why));
  };
  if (bytes.length < VOX_OFFSET) fail(`${bytes.length} bytes, shorter than a NIfTI-1 header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = v.getInt32(0, true) === HEADER;
  if (!le && v.getInt32(0, false) !== HEADER) fail('sizeof_hdr is not 348 (not NIfTI-1; NIfTI-2 is not read)');
  const magic = String.fromCharCode(bytes[344]!, bytes[345]!, bytes[346]!);
  if (magic === 'ni1') fail(PAIR);
  if (magic !== 'n+1') fail(`magic "${magic}" is not n+1`);
  const dim = Array.from({ length: 8 }, (_, i) => v.getInt16(40 + 2 * i, le));
  const rank = dim[0]!;
  if (rank < 2 || rank > 7) fail(`dim[0] = ${rank}, expected 2–7`);
  if (dim.slice(4, rank + 1).some((d) => d > 1)) fail(`a ${rank}-D image with ${dim.slice(4, rank + 1).join('×')} volumes; one 3-D volume is read`);
  const dims: [number, number, number] = [dim[1]!, dim[2]!, rank >= 3 ? dim[3]! : 1];
  if (dims.some((d) => !(d >= 1))) fail(`dimensions ${dims.join('×')} must be ≥ 1`);
  const datatype = v.getInt16(70, le);
  const type = DATATYPES[datatype] ?? fail(`datatype ${datatype} is not read (uint8, int8, int16, uint16, int32, float32, float64 are)`);
  const offset = Math.round(v.getFloat32(108, le));
  const n = dims[0] * dims[1] * dims[2];
  if (offset < VOX_OFFSET - 4 || offset + n * type.bytes > bytes.length) fail(`${n} voxels of ${type.bytes} bytes from offset ${offset} need ${offset + n * type.bytes} bytes, the file has ${bytes.length}`);
  let slope = v.getFloat32(112, le);
  let inter = v.getFloat32(116, le);
  if (slope === 0 || !Number.isFinite(slope)) slope = 1; // nifti1.h: scl_slope 0 means unscaled
  if (!Number.isFinite(inter)) inter = 0;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = type.read(v, offset + i * type.bytes, le) * slope + inter;
  const pixdim: [number, number, number] = [1, 2, 3].map((i) => Math.abs(v.getFloat32(76 + 4 * i, le)) || 1) as [number, number, number];
  const sform = v.getInt16(254, le);
  const affine =
    sform > 0
      ? [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => v.getFloat32(280 + 16 * r + 4 * c, le))).concat([[0, 0, 0, 1]])
      : [[pixdim[0], 0, 0, 0], [0, pixdim[1], 0, 0], [0, 0, pixdim[2], 0], [0, 0, 0, 1]];
  const description = new TextDecoder().decode(bytes.subarray(148, 228)).replace(/\0.*$/s, '');
  const stored = { datatype, integer: type.integer, signed: type.signed, slope, inter };
  return { dims, data, pixdim, affine, affineSource: sform > 0 ? 'sform' : 'pixdim', ...(description ? { description } : {}), stored };
}
