import { deflateSync } from 'node:zlib';

/**
 * A minimal PNG encoder for 8-bit grayscale images (PNG spec, ISO/IEC 15948): signature, IHDR, one IDAT
 * (zlib stream of rows, each with filter type 0) and IEND. Enough for report thumbnails; no npm package
 * is needed for ~40 lines, and the output opens in every browser and viewer.
 */

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as PNG chunks require. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encode `pixels` (row-major, width × height, 0 = black) as a grayscale PNG. */
export function encodeGrayPng(width: number, height: number, pixels: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`PNG size must be positive integers, got ${width}×${height}`);
  if (pixels.length !== width * height) throw new RangeError(`expected ${width * height} pixels, got ${pixels.length}`);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  // compression 0 (deflate), filter method 0, interlace 0: already zero.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Map values linearly so `lo` is black and `hi` white (clipped); NaN becomes black. */
export function toGray8(values: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = (values[i]! - lo) * scale;
    out[i] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0;
  }
  return out;
}

/**
 * Tile equally sized grayscale images into one image: `columns` per row, `gap` pixels of `background`
 * between them. For a real-vs-synthetic overview in one picture.
 */
export function tileGray(images: readonly Uint8Array[], size: { width: number; height: number }, columns: number, gap = 2, background = 32): { width: number; height: number; pixels: Uint8Array } {
  const rows = Math.max(1, Math.ceil(images.length / columns));
  const width = columns * size.width + (columns - 1) * gap;
  const height = rows * size.height + (rows - 1) * gap;
  const pixels = new Uint8Array(width * height).fill(background);
  images.forEach((img, k) => {
    const x0 = (k % columns) * (size.width + gap);
    const y0 = Math.floor(k / columns) * (size.height + gap);
    for (let y = 0; y < size.height; y++) pixels.set(img.subarray(y * size.width, (y + 1) * size.width), (y0 + y) * width + x0);
  });
  return { width, height, pixels };
}
