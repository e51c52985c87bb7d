import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors.js';
import { affineFromDicom, decodeNifti, encodeNifti, readNifti, writeNifti, type NiftiVolume } from '../src/io/nifti.js';

/** Issue 16: NIfTI-1 volumes out (synthetic series) and in, by hand from nifti1.h. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synthdiff-nifti-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const volume: NiftiVolume = {
  dims: [3, 2, 2],
  data: Float32Array.from({ length: 12 }, (_, i) => i * 1.5 - 3),
  pixdim: [0.5, 0.75, 2],
  affine: [[-0.5, 0, 0, 10], [0, -0.75, 0, 20], [0, 0, 2, -30], [0, 0, 0, 1]],
  description: 'test volume',
};

describe('NIfTI-1', () => {
  it('writes the header fields where nifti1.h puts them', () => {
    const b = encodeNifti(volume);
    const v = new DataView(b.buffer);
    expect(v.getInt32(0, true)).toBe(348);
    expect(Array.from({ length: 8 }, (_, i) => v.getInt16(40 + 2 * i, true))).toEqual([3, 3, 2, 2, 1, 1, 1, 1]);
    expect([v.getInt16(70, true), v.getInt16(72, true)]).toEqual([16, 32]); // FLOAT32, 32 bits
    expect(Array.from({ length: 4 }, (_, i) => v.getFloat32(76 + 4 * i, true))).toEqual([1, 0.5, 0.75, 2]);
    expect(v.getFloat32(108, true)).toBe(352);
    expect([v.getInt16(252, true), v.getInt16(254, true)]).toEqual([0, 1]); // qform unset, sform scanner anatomical
    expect(Array.from({ length: 4 }, (_, i) => v.getFloat32(280 + 4 * i, true))).toEqual([-0.5, 0, 0, 10]);
    expect(Array.from({ length: 4 }, (_, i) => v.getFloat32(312 + 4 * i, true))).toEqual([0, 0, 2, -30]);
    expect(Buffer.from(b.subarray(344, 348)).toString('latin1')).toBe('n+1\0');
    expect(b.length).toBe(352 + 12 * 4);
    expect(v.getFloat32(352 + 4 * 11, true)).toBe(13.5);
  });

  it('round-trips .nii and .nii.gz', async () => {
    for (const name of ['v.nii', 'v.nii.gz']) {
      await writeNifti(join(dir, name), volume);
      const back = await readNifti(join(dir, name));
      expect(back).toEqual({ ...volume, affineSource: 'sform', stored: { datatype: 16, integer: false, signed: true, slope: 1, inter: 0 } });
    }
    const gz = await readFile(join(dir, 'v.nii.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
  });

  it('reads big-endian int16 scaled by scl_slope/scl_inter, and pixdim without an sform', () => {
    // Built field by field here, independently of the writer: 2×2×1 int16, big-endian, slope 2, inter −1.
    const b = new Uint8Array(352 + 8);
    const v = new DataView(b.buffer);
    v.setInt32(0, 348, false);
    [3, 2, 2, 1, 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + 2 * i, d, false));
    v.setInt16(70, 4, false);
    v.setInt16(72, 16, false);
    [1, 0.9, 0.9, 3].forEach((d, i) => v.setFloat32(76 + 4 * i, d, false));
    v.setFloat32(108, 352, false);
    v.setFloat32(112, 2, false);
    v.setFloat32(116, -1, false);
    b.set(Buffer.from('n+1\0', 'latin1'), 344);
    [-5, 0, 7, 32767].forEach((x, i) => v.setInt16(352 + 2 * i, x, false));
    const vol = decodeNifti(b, 'be.nii');
    expect(Array.from(vol.data)).toEqual([-11, -1, 13, 65533]);
    expect(vol.dims).toEqual([2, 2, 1]);
    expect(vol.affineSource).toBe('pixdim');
    expect(vol.affine[2]).toEqual([0, 0, 3, 0]);
  });

  it('refuses what it cannot read in one line naming the file', async () => {
    const good = encodeNifti(volume);
    const pair = Uint8Array.from(good);
    pair.set(Buffer.from('ni1\0', 'latin1'), 344);
    expect(() => decodeNifti(pair, 'a.hdr')).toThrow(new DataError('a.hdr: cannot read as a NIfTI-1 volume: a header/image pair (.hdr/.img); give a single-file .nii or .nii.gz'));
    const fourD = Uint8Array.from(good);
    new DataView(fourD.buffer).setInt16(40, 4, true);
    new DataView(fourD.buffer).setInt16(48, 2, true);
    expect(() => decodeNifti(fourD, 'f.nii')).toThrow('f.nii: cannot read as a NIfTI-1 volume: a 4-D image with 2 volumes; one 3-D volume is read');
    expect(() => decodeNifti(good.subarray(0, 360), 't.nii')).toThrow('t.nii: cannot read as a NIfTI-1 volume: 12 voxels of 4 bytes from offset 352 need 400 bytes, the file has 360');
    await writeFile(join(dir, 'bad.nii.gz'), gzipSync(good).subarray(0, 40));
    await expect(readNifti(join(dir, 'bad.nii.gz'))).rejects.toThrow(/bad\.nii\.gz: cannot read as a NIfTI-1 volume: gzip: /);
    await expect(readNifti(join(dir, 'missing.nii'))).rejects.toThrow(`${join(dir, 'missing.nii')}: cannot read as a NIfTI-1 volume: ENOENT`);
  });

  it('turns a DICOM (LPS) slice stack into a RAS affine', () => {
    // Axial, rows along +x (patient left), columns along +y (posterior), slices along +z.
    const a = affineFromDicom({ position: [-100, -120, 40], orientation: [1, 0, 0, 0, 1, 0] }, { row: 0.8, column: 0.9, slice: 5 }, [0, 0, 1]);
    expect(a).toEqual([[-0.9, -0, -0, 100], [-0, -0.8, -0, 120], [0, 0, 5, 40], [0, 0, 0, 1]]);
  });
});
