/**
 * From pixel bytes to typed arrays, and from stored values to modality values, display values and RGB.
 *
 * Three views of a frame, deliberately separate because each answers a different question:
 * - `stored`: the container values exactly as the file holds them (after decompression and byte
 *   swapping), typed by BitsAllocated and PixelRepresentation. Bits above HighBit are left as they are,
 *   so this is the view to compare bit-for-bit with other decoders.
 * - `modality()`: monochrome only. Stored values shifted and masked to BitsStored, sign-extended when
 *   PixelRepresentation is 1, padding → NaN, then RescaleSlope × v + RescaleIntercept (HU for CT).
 *   Never inverted: these are physical values.
 * - `display()`: `modality()` oriented so that larger means brighter. For MONOCHROME1 (low values shown
 *   white) it is inverted within the rescaled range of BitsStored: v' = lo + hi − v. For MONOCHROME2 it
 *   equals `modality()`. Use this for image models that learn appearance.
 * - `rgb()`: colour only. Pixel-interleaved RGB, YBR_FULL / YBR_FULL_422 converted (PS3.3 C.7.6.3.1.2).
 */
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';

export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/** The Image Pixel module attributes (plus rescale and padding) that decoding and conversion need. */
export interface PixelDescription {
  /** For error messages: the file the pixels came from. */
  source: string;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  photometric: string;
  planarConfiguration: 0 | 1;
  rescaleSlope: number;
  rescaleIntercept: number;
  paddingValue?: number;
  paddingRangeLimit?: number;
}

/** Native YBR_*_422 stores two luma samples and one chroma pair per two pixels (PS3.3 C.7.6.3.1.2). */
function isSubsampled(photometric: string): boolean {
  return photometric === 'YBR_FULL_422' || photometric === 'YBR_PARTIAL_422';
}

/** Samples in one uncompressed frame. */
export function nativeSamplesPerFrame(d: PixelDescription): number {
  const pixels = d.rows * d.columns;
  return isSubsampled(d.photometric) && d.samplesPerPixel === 3 ? pixels * 2 : pixels * d.samplesPerPixel;
}

/** Bits in one uncompressed frame (1-bit frames need not start on a byte boundary). */
export function nativeFrameBits(d: PixelDescription): number {
  return nativeSamplesPerFrame(d) * d.bitsAllocated;
}

/**
 * Explicit VR Big Endian: OW data is a stream of 16-bit words (32-bit for OL/OF, and for 32-bit pixels
 * written as OW by most tools); OB data is bytes and is not swapped. Returns a little-endian copy.
 */
export function swapToLittleEndian(bytes: Uint8Array, wordSize: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  const whole = bytes.length - (bytes.length % wordSize);
  for (let i = 0; i < whole; i += wordSize) for (let b = 0; b < wordSize; b++) out[i + b] = bytes[i + wordSize - 1 - b]!;
  out.set(bytes.subarray(whole), whole);
  return out;
}

/**
 * Cut frame `index` out of little-endian native Pixel Data into a buffer of its own (so typed-array views
 * start at offset 0: aligned, and not aliasing Node's shared Buffer pool). 1-bit frames are unpacked to one
 * byte per pixel, least significant bit first (PS3.5 §8.1.1).
 */
export function nativeFrameBytes(pixelData: Uint8Array, index: number, d: PixelDescription): Uint8Array {
  const bits = nativeFrameBits(d);
  if (d.bitsAllocated === 1) {
    const n = nativeSamplesPerFrame(d);
    const out = new Uint8Array(n);
    const first = index * bits;
    for (let i = 0; i < n; i++) {
      const bit = first + i;
      out[i] = (pixelData[bit >>> 3]! >> (bit & 7)) & 1;
    }
    return out;
  }
  const size = bits / 8;
  return pixelData.slice(index * size, (index + 1) * size);
}

/**
 * View little-endian sample bytes (own buffer, offset 0) as the stored typed array, and bring colour-by-plane
 * data (PlanarConfiguration 1) to pixel-interleaved order so every later step has one layout.
 */
export function storedArray(bytes: Uint8Array, d: PixelDescription, planar: boolean): StoredArray {
  const signed = d.pixelRepresentation === 1;
  // A typed view needs an aligned offset; a corrupt file (an element one byte too long) can break that.
  const width = d.bitsAllocated >> 3;
  if (width > 1 && bytes.byteOffset % width !== 0) bytes = new Uint8Array(bytes); // a copy (Buffer#slice would not copy)
  let a: StoredArray;
  switch (d.bitsAllocated) {
    case 1: // already unpacked to 0/1 bytes
    case 8:
      a = signed && d.bitsAllocated === 8 ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
      break;
    case 16:
      a = signed ? new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2)) : new Uint16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
      break;
    case 32:
      a = signed ? new Int32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4)) : new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
      break;
    default:
      throw new DicomError(messages.dicomBitsAllocated(d.source, d.bitsAllocated));
  }
  if (planar && d.samplesPerPixel > 1) a = interleave(a, d.samplesPerPixel);
  return a;
}

function interleave<T extends StoredArray>(a: T, samples: number): T {
  const out = new (a.constructor as new (n: number) => T)(a.length);
  const plane = a.length / samples;
  for (let s = 0; s < samples; s++) for (let p = 0; p < plane; p++) out[p * samples + s] = a[s * plane + p]!;
  return out;
}

/** One decoded frame. See the module comment for what each view means. */
export class DicomFrame {
  /**
   * @param photometric PhotometricInterpretation of `stored`: the file's, unless the codec converted the
   *   colour space (JPEG/J2K YCbCr → RGB), in which case 'RGB'.
   */
  constructor(
    readonly index: number,
    readonly stored: StoredArray,
    readonly photometric: string,
    private readonly d: PixelDescription,
  ) {}

  get rows(): number {
    return this.d.rows;
  }
  get columns(): number {
    return this.d.columns;
  }
  get samplesPerPixel(): number {
    return this.d.samplesPerPixel;
  }

  /** Stored values masked to BitsStored and sign-extended (before rescale), as plain numbers. */
  values(): Int32Array | Float64Array {
    this.requireMonochrome('values');
    const { bitsStored, highBit, pixelRepresentation } = this.d;
    const shift = highBit + 1 - bitsStored;
    const src = this.stored;
    // 32-bit unsigned values do not fit Int32Array.
    const out = bitsStored === 32 && pixelRepresentation === 0 ? new Float64Array(src.length) : new Int32Array(src.length);
    const containerMask = this.d.bitsAllocated >= 32 ? 0xffffffff : 2 ** this.d.bitsAllocated - 1;
    const range = 2 ** bitsStored;
    const signBit = range / 2;
    for (let i = 0; i < src.length; i++) {
      // Unsigned container bits, then drop bits below the stored range and above HighBit.
      const raw = (src[i]! & containerMask) >>> 0;
      let v = bitsStored >= 32 ? raw : Math.floor(raw / 2 ** shift) % range;
      if (pixelRepresentation === 1 && v >= signBit) v -= range;
      out[i] = v;
    }
    return out;
  }

  /**
   * Modality values (Float32Array, one per pixel): masked/sign-extended stored values, then
   * RescaleSlope/Intercept; pixels equal to PixelPaddingValue (or within it and PixelPaddingRangeLimit)
   * are NaN. Not inverted for MONOCHROME1.
   */
  modality(): Float32Array {
    const v = this.values();
    const { rescaleSlope: m, rescaleIntercept: b } = this.d;
    const pad = this.paddingTest();
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      out[i] = pad && pad(x) ? NaN : x * m + b;
    }
    return out;
  }

  /** `modality()` with MONOCHROME1 inverted so larger is brighter (range: see `modalityRange()`). */
  display(): Float32Array {
    const out = this.modality();
    if (this.photometric === 'MONOCHROME1') {
      const [lo, hi] = this.modalityRange();
      for (let i = 0; i < out.length; i++) out[i] = lo + hi - out[i]!;
    }
    return out;
  }

  /** The interval BitsStored allows after rescale, [lo, hi]: the fixed range `display()` inverts within. */
  modalityRange(): [number, number] {
    const { bitsStored, pixelRepresentation, rescaleSlope: m, rescaleIntercept: b } = this.d;
    const min = pixelRepresentation === 1 ? -(2 ** (bitsStored - 1)) : 0;
    const max = pixelRepresentation === 1 ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
    const a = min * m + b;
    const c = max * m + b;
    return a <= c ? [a, c] : [c, a];
  }

  /** 1 where the pixel is padding (PixelPaddingValue/RangeLimit), else 0; undefined when the file has none. */
  paddingMask(): Uint8Array | undefined {
    const pad = this.paddingTest();
    if (!pad) return undefined;
    const v = this.values();
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = pad(v[i]!) ? 1 : 0;
    return out;
  }

  /** Pixel-interleaved RGB in the stored bit depth (Uint8Array up to 8 bits allocated, else Uint16Array). */
  rgb(): Uint8Array | Uint16Array {
    const { rows, columns, bitsAllocated, bitsStored } = this.d;
    if (this.d.samplesPerPixel !== 3) {
      throw new DicomError(messages.dicomRgbSamples(this.d.source, this.d.samplesPerPixel));
    }
    if (bitsAllocated > 16) throw new DicomError(messages.dicomRgbBits(this.d.source, bitsAllocated));
    const n = rows * columns;
    const out = bitsAllocated <= 8 ? new Uint8Array(n * 3) : new Uint16Array(n * 3);
    const s = this.stored;
    const max = 2 ** bitsStored - 1;
    const half = 2 ** (bitsStored - 1);
    switch (this.photometric) {
      case 'RGB':
        for (let i = 0; i < n * 3; i++) out[i] = s[i]!;
        return out;
      case 'YBR_FULL':
        for (let p = 0; p < n; p++) ybrToRgb(out, p, s[3 * p]!, s[3 * p + 1]!, s[3 * p + 2]!, half, max);
        return out;
      case 'YBR_FULL_422': {
        if (columns % 2 !== 0) throw new DicomError(messages.dicomYbr422OddColumns(this.d.source, columns));
        // Y1 Y2 Cb Cr per horizontal pixel pair.
        for (let p = 0; p < n; p += 2) {
          const q = p * 2;
          const cb = s[q + 2]!;
          const cr = s[q + 3]!;
          ybrToRgb(out, p, s[q]!, cb, cr, half, max);
          ybrToRgb(out, p + 1, s[q + 1]!, cb, cr, half, max);
        }
        return out;
      }
      default:
        throw new DicomError(messages.dicomNotRgb(this.d.source, this.photometric));
    }
  }

  private requireMonochrome(what: string): void {
    if (this.d.samplesPerPixel !== 1) {
      throw new DicomError(messages.dicomNotOneSample(this.d.source, what, this.photometric));
    }
  }

  private paddingTest(): ((v: number) => boolean) | undefined {
    const { paddingValue: p, paddingRangeLimit: l } = this.d;
    if (p === undefined) return undefined;
    if (l === undefined) return (v) => v === p;
    const lo = Math.min(p, l);
    const hi = Math.max(p, l);
    return (v) => v >= lo && v <= hi;
  }
}

/** Full-range YCbCr → RGB, PS3.3 C.7.6.3.1.2 (the JFIF equations, scaled to the sample depth). */
function ybrToRgb(out: Uint8Array | Uint16Array, p: number, y: number, cb: number, cr: number, half: number, max: number): void {
  const r = y + 1.402 * (cr - half);
  const g = y - 0.344136 * (cb - half) - 0.714136 * (cr - half);
  const b = y + 1.772 * (cb - half);
  out[3 * p] = clamp(Math.round(r), max);
  out[3 * p + 1] = clamp(Math.round(g), max);
  out[3 * p + 2] = clamp(Math.round(b), max);
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}
