/**
 * Transfer syntaxes and the decoders for compressed (encapsulated) frames.
 *
 * Every decoder returns the frame's samples as little-endian bytes, pixel-interleaved (R,G,B,R,G,B… for
 * colour), one sample per BitsAllocated/8 bytes — the same layout an uncompressed Explicit VR Little
 * Endian file would hold — so pixels.ts has a single path from bytes to typed arrays.
 *
 * Codecs: our own RLE (PS3.5 Annex G, it is 40 lines); jpeg-lossless-decoder-js for JPEG lossless
 * (process 14); CharLS, OpenJPEG and libjpeg-turbo as cornerstone's emscripten WASM builds. The WASM
 * modules are imported and instantiated on first use only (each is 150–300 kB of WASM plus glue), from
 * the .wasm file inside their npm package: the glue's Node branch reads it with fs relative to its own
 * __dirname, so no network and no bundler configuration is involved.
 */
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { importDicom } from './packages.js';
import { DicomError } from '../../errors.js';
import { messages } from '../../messages.js';

export type TransferSyntaxKind =
  | 'native' // uncompressed; endianness and VR below
  | 'deflate' // native after inflating the data set
  | 'rle'
  | 'jpeg-baseline' // 8-bit DCT, process 1
  | 'jpeg-extended' // 8- or 12-bit DCT, processes 2 & 4
  | 'jpeg-lossless' // process 14, Huffman
  | 'jpeg-ls'
  | 'jpeg-2000'
  | 'unsupported';

export interface TransferSyntax {
  uid: string;
  name: string;
  kind: TransferSyntaxKind;
  /** False where the syntax allows lossy coding (a lossless J2K stream in a lossy syntax still says false). */
  lossless: boolean;
  explicitVR: boolean;
  littleEndian: boolean;
}

const ts = (
  uid: string,
  name: string,
  kind: TransferSyntaxKind,
  lossless: boolean,
  explicitVR = true,
  littleEndian = true,
): TransferSyntax => ({ uid, name, kind, lossless, explicitVR, littleEndian });

/** Transfer syntaxes by UID (PS3.6 Table A-1). Those we cannot decode are listed so errors can name them. */
export const TRANSFER_SYNTAXES: ReadonlyMap<string, TransferSyntax> = new Map(
  [
    ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', true, false),
    ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native', true),
    ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'deflate', true),
    ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', true, true, false),
    ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle', true),
    ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', false),
    ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended', false),
    ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless', true),
    ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', 'jpeg-lossless', true),
    ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression', 'jpeg-ls', true),
    ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression', 'jpeg-ls', false),
    ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', 'jpeg-2000', true),
    ts('1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression', 'jpeg-2000', false),
    // Known but not decoded here.
    ts('1.2.840.10008.1.2.4.52', 'JPEG Extended (Process 3 & 5) (retired)', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.55', 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)', 'unsupported', true),
    ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile For 2D Video', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile For 3D Video', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', 'unsupported', false),
    ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', 'unsupported', true),
    ts('1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)', 'unsupported', true),
    ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression', 'unsupported', false),
    ts('1.2.840.10008.1.2.6.1', 'RFC 2557 MIME encapsulation (retired)', 'unsupported', false),
    ts('1.2.840.10008.1.2.6.2', 'XML Encoding (retired)', 'unsupported', false),
  ].map((t) => [t.uid, t]),
);

/** What the decoder must produce; checked against what the codestream says. */
export interface FrameGeometry {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

export interface DecodedFrame {
  /** Little-endian, pixel-interleaved samples in a buffer of their own. */
  bytes: Uint8Array;
  /**
   * Set when the codec changed the colour space: libjpeg-turbo and OpenJPEG emit RGB from YCbCr
   * (YBR_FULL/_422, YBR_ICT/RCT), so the samples are RGB whatever PhotometricInterpretation says.
   */
  photometric?: string;
}

/**
 * Decode one encapsulated frame. `where` prefixes error messages (the file and frame) so a failure names
 * the file, the transfer syntax and what went wrong.
 */
export async function decodeFrame(
  syntax: TransferSyntax,
  encoded: Uint8Array,
  geometry: FrameGeometry,
  photometric: string,
  where: string,
): Promise<DecodedFrame> {
  const fail = (what: string): never => {
    throw new DicomError(messages.dicomFrameUndecodable(where, syntax.name, syntax.uid, what));
  };
  switch (syntax.kind) {
    case 'rle':
      return { bytes: decodeRle(encoded, geometry, fail) };
    case 'jpeg-lossless':
      return { bytes: decodeJpegLossless(encoded, geometry, fail) };
    case 'jpeg-ls': {
      const m = await loadCharls();
      return decodeWithWasm(() => new m.JpegLSDecoder(), encoded, geometry, fail, (d) =>
        // CharLS returns component planes (not interleaved) when the stream is coded with ILV_NONE.
        d.getInterleaveMode() === 0 && geometry.samplesPerPixel > 1 ? 'planar' : 'interleaved',
      );
    }
    case 'jpeg-2000': {
      const m = await loadOpenJpeg();
      const out = decodeWithWasm(() => new m.J2KDecoder(), unwrapJp2(encoded), geometry, fail);
      if (geometry.samplesPerPixel === 3 && /^YBR_(ICT|RCT)$/.test(photometric)) out.photometric = 'RGB';
      return out;
    }
    case 'jpeg-baseline':
    case 'jpeg-extended': {
      const precision = jpegPrecision(encoded);
      if (precision !== 8) {
        fail(
          `the JPEG stream has ${precision ?? 'unknown'}-bit precision and only 8-bit DCT JPEG is supported ` +
            '(libjpeg-turbo 8-bit build)',
        );
      }
      const m = await loadLibJpegTurbo();
      const stream = photometric === 'RGB' && geometry.samplesPerPixel === 3 ? keepRgbUntransformed(encoded) : encoded;
      const out = decodeWithWasm(() => new m.JPEGDecoder(), stream, geometry, fail);
      // libjpeg converts YCbCr to RGB for three-component streams unless the stream says it is RGB.
      if (geometry.samplesPerPixel === 3) out.photometric = 'RGB';
      return out;
    }
    default:
      return fail('no decoder for this transfer syntax');
  }
}

// ---------------------------------------------------------------------------------------------- RLE

/**
 * RLE Lossless, PS3.5 Annex G: a 64-byte header (segment count + 15 offsets, uint32 LE), then one PackBits
 * segment per sample per byte, most significant byte first. We write the bytes straight into the
 * little-endian, pixel-interleaved layout.
 */
function decodeRle(encoded: Uint8Array, g: FrameGeometry, fail: (what: string) => never): Uint8Array {
  if (g.bitsAllocated % 8 !== 0) fail(`BitsAllocated ${g.bitsAllocated} is not a whole number of bytes`);
  const bytesPerSample = g.bitsAllocated / 8;
  const pixels = g.rows * g.columns;
  const expected = g.samplesPerPixel * bytesPerSample;
  if (encoded.length < 64) fail(`RLE header needs 64 bytes, fragment has ${encoded.length}`);
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const count = view.getUint32(0, true);
  if (count !== expected) {
    fail(`RLE header lists ${count} segments; SamplesPerPixel × BitsAllocated/8 needs ${expected}`);
  }
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < count; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < count ? view.getUint32(8 + 4 * s, true) : encoded.length;
    if (start < 64 || end > encoded.length || start > end) fail(`RLE segment ${s} offsets ${start}..${end} are out of range`);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segment 0 = MSB; we store LE
    const stride = expected;
    let o = sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (encoded[i++]! << 24) >> 24; // as signed byte
      if (n >= 0) {
        for (let k = 0; k <= n && written < pixels; k++, written++, o += stride) out[o] = encoded[i + k]!;
        i += n + 1;
      } else if (n !== -128) {
        const v = encoded[i++]!;
        for (let k = 0; k < 1 - n && written < pixels; k++, written++, o += stride) out[o] = v;
      }
    }
    if (written < pixels) fail(`RLE segment ${s} decodes to ${written} bytes, expected ${pixels}`);
  }
  return out;
}

// ------------------------------------------------------------------------------------ JPEG lossless

function decodeJpegLossless(encoded: Uint8Array, g: FrameGeometry, fail: (what: string) => never): Uint8Array {
  const bytesPerSample = g.bitsAllocated <= 8 ? 1 : 2;
  if (g.bitsAllocated > 16) fail(`BitsAllocated ${g.bitsAllocated} exceeds JPEG lossless's 16`);
  if (g.samplesPerPixel > 1 && bytesPerSample > 1) fail('multi-sample JPEG lossless above 8 bits is not supported');
  // The decoder wraps an ArrayBuffer from offset 0, so hand it a private, exactly-sized copy.
  const copy = encoded.slice();
  let out: Uint8Array | Uint16Array;
  try {
    out = new JpegLosslessDecoder().decode(copy.buffer, 0, copy.byteLength, bytesPerSample);
  } catch (e) {
    return fail(String(e instanceof Error ? e.message : e));
  }
  const want = g.rows * g.columns * g.samplesPerPixel;
  if (out.length !== want) fail(`decoder produced ${out.length} samples, Rows × Columns × SamplesPerPixel is ${want}`);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return bytesPerSample * 8 === g.bitsAllocated ? bytes.slice() : widen(bytes, bytesPerSample, g, fail);
}

// ------------------------------------------------------------------------------------------- WASM

/** Silence OpenJPEG's "[INFO] …" chatter on stdout; collect stderr lines into the error if decoding fails. */
const quiet = { print: (): void => {}, printErr: (): void => {} };

type CharLS = Awaited<ReturnType<typeof import('@cornerstonejs/codec-charls/decodewasmjs').default>>;
type OpenJpeg = Awaited<ReturnType<typeof import('@cornerstonejs/codec-openjpeg/decodewasmjs').default>>;
type LibJpegTurbo = Awaited<ReturnType<typeof import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs').default>>;

let charls: Promise<CharLS> | undefined;
let openjpeg: Promise<OpenJpeg> | undefined;
let libjpeg: Promise<LibJpegTurbo> | undefined;

// A failed load is not cached, so a transient failure (e.g. out of memory) does not poison the process.
function lazy<T>(get: () => Promise<T> | undefined, set: (p: Promise<T> | undefined) => void, load: () => Promise<T>): Promise<T> {
  let p = get();
  if (!p) {
    p = load().catch((e: unknown) => {
      set(undefined);
      throw e;
    });
    set(p);
  }
  return p;
}

function loadCharls(): Promise<CharLS> {
  return lazy(() => charls, (p) => (charls = p), async () => (await importDicom(() => import('@cornerstonejs/codec-charls/decodewasmjs'))).default(quiet));
}
function loadOpenJpeg(): Promise<OpenJpeg> {
  return lazy(() => openjpeg, (p) => (openjpeg = p), async () => (await importDicom(() => import('@cornerstonejs/codec-openjpeg/decodewasmjs'))).default(quiet));
}
function loadLibJpegTurbo(): Promise<LibJpegTurbo> {
  return lazy(() => libjpeg, (p) => (libjpeg = p), async () => (await importDicom(() => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'))).default(quiet));
}

function decodeWithWasm<D extends CornerstoneWasmDecoder>(
  create: () => D,
  encoded: Uint8Array,
  g: FrameGeometry,
  fail: (what: string) => never,
  layout: (decoder: D) => 'planar' | 'interleaved' = () => 'interleaved',
): DecodedFrame {
  const decoder = create();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    try {
      decoder.decode();
    } catch (e) {
      fail(`codec error ${describeWasmError(e)}`);
    }
    const info = decoder.getFrameInfo();
    if (info.width !== g.columns || info.height !== g.rows || info.componentCount !== g.samplesPerPixel) {
      fail(
        `codestream is ${info.width}×${info.height}×${info.componentCount}, ` +
          `Columns × Rows × SamplesPerPixel say ${g.columns}×${g.rows}×${g.samplesPerPixel}`,
      );
    }
    const bytesPerSample = info.bitsPerSample <= 8 ? 1 : 2;
    // Copy out: the view points into WASM memory, which the next decode reuses or grows.
    const view = decoder.getDecodedBuffer();
    let bytes: Uint8Array = new Uint8Array(view.length); // (the view is a Uint8ClampedArray; we want plain bytes)
    bytes.set(view);
    const want = g.rows * g.columns * g.samplesPerPixel * bytesPerSample;
    if (bytes.length !== want) fail(`codec produced ${bytes.length} bytes, expected ${want}`);
    if (layout(decoder) === 'planar') bytes = planarToInterleaved(bytes, g.samplesPerPixel, bytesPerSample);
    if (bytesPerSample * 8 !== g.bitsAllocated) bytes = widen(bytes, bytesPerSample, g, fail);
    return { bytes };
  } finally {
    decoder.delete();
  }
}

function describeWasmError(e: unknown): string {
  if (e instanceof Error) return e.message;
  // emscripten throws C++ exceptions as bare pointers; the number is all we have.
  return typeof e === 'number' ? `(native exception ${e})` : String(e);
}

// ----------------------------------------------------------------------------------------- helpers

/** Codec emitted 8-bit (or 16-bit) samples but BitsAllocated is wider: zero-extend into the container. */
function widen(bytes: Uint8Array, from: number, g: FrameGeometry, fail: (what: string) => never): Uint8Array {
  const to = g.bitsAllocated / 8;
  if (!Number.isInteger(to) || to < from) fail(`codec emitted ${from * 8}-bit samples but BitsAllocated is ${g.bitsAllocated}`);
  const n = bytes.length / from;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) for (let b = 0; b < from; b++) out[i * to + b] = bytes[i * from + b]!;
  return out;
}

function planarToInterleaved(bytes: Uint8Array, samples: number, bytesPerSample: number): Uint8Array {
  const plane = bytes.length / samples;
  const out = new Uint8Array(bytes.length);
  const pixels = plane / bytesPerSample;
  for (let s = 0; s < samples; s++)
    for (let p = 0; p < pixels; p++)
      for (let b = 0; b < bytesPerSample; b++)
        out[(p * samples + s) * bytesPerSample + b] = bytes[s * plane + p * bytesPerSample + b]!;
  return out;
}

/**
 * Some writers (GDCM's old J2K encoder) store a JP2 file (signature box, header box, 'jp2c' box) where
 * DICOM requires a bare J2K codestream. OpenJPEG's codestream decoder needs the bare stream: return the
 * contents of the 'jp2c' box when there is one.
 */
export function unwrapJp2(data: Uint8Array): Uint8Array {
  const isJp2 = data.length > 12 && data[4] === 0x6a && data[5] === 0x50 && data[6] === 0x20 && data[7] === 0x20;
  if (!isJp2) return data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at + 8 <= data.length) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(data[at + 4]!, data[at + 5]!, data[at + 6]!, data[at + 7]!);
    let header = 8;
    if (size === 1 && at + 16 <= data.length) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = data.length - at;
    }
    if (type === 'jp2c') return data.subarray(at + header, Math.min(data.length, at + size));
    if (size < header) break;
    at += size;
  }
  return data;
}

/**
 * libjpeg decides between YCbCr and RGB from the stream alone: JFIF or an Adobe marker if present, else
 * component ids 'R','G','B' mean RGB and anything else YCbCr. DICOM says it in PhotometricInterpretation.
 * When that says RGB and the stream has neither marker and not the JFIF ids 1,2,3 (which writers use for
 * YCbCr, and with which a mislabelled header is the likelier error), add an Adobe APP14 segment with
 * transform 0 so libjpeg leaves the samples alone.
 */
function keepRgbUntransformed(data: Uint8Array): Uint8Array {
  let i = 2;
  let ids: number[] | undefined;
  while (i + 4 <= data.length && data[i] === 0xff) {
    const marker = data[i + 1]!;
    if (marker === 0xe0 || marker === 0xee) return data; // JFIF or Adobe: libjpeg follows it, as should we
    const length = (data[i + 2]! << 8) | data[i + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && data[i + 9] === 3) ids = [data[i + 10]!, data[i + 13]!, data[i + 16]!];
    if (marker === 0xda) break;
    i += 2 + length;
  }
  if (!ids || (ids[0] === 1 && ids[1] === 2 && ids[2] === 3)) return data;
  // FFEE, length 14, "Adobe", version 100, flags0 0, flags1 0, transform 0 (no colour transform).
  const app14 = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  const out = new Uint8Array(data.length + app14.length);
  out.set(data.subarray(0, 2));
  out.set(app14, 2);
  out.set(data.subarray(2), 2 + app14.length);
  return out;
}

/** Sample precision from the first SOF marker of a JPEG stream, or undefined if none is found. */
export function jpegPrecision(data: Uint8Array): number | undefined {
  let i = 2; // skip SOI
  while (i + 4 < data.length) {
    if (data[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = data[i + 1]!;
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd8)) {
      i++;
      continue;
    }
    const length = (data[i + 2]! << 8) | data[i + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return data[i + 4];
    i += 2 + length;
  }
  return undefined;
}
