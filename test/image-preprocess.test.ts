import { describe, expect, it } from 'vitest';
import { chooseWindow, denormalize, fillPadding, flipLeftRight, normalize, padToSquare, percentiles, resample } from '../src/io/dicom/preprocess.js';
import { exportedValues, pixelEncoding, storedPixels } from '../src/run/image/export.js';
import { decodePng } from './helpers/png-decode.js';
import { encodeGrayPng, tileGray, toGray8 } from '../src/report/png.js';

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('resample', () => {
  it('shrinks by whole factors with exact box averages', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => i); // 4×4, rows 0..3
    const out = resample(src, 4, 4, 2, 2);
    expect(Array.from(out)).toEqual([(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4, (8 + 9 + 12 + 13) / 4, (10 + 11 + 14 + 15) / 4]);
  });

  it('keeps the mean intensity for fractional factors (area weights sum to 1)', () => {
    const src = Float32Array.from({ length: 256 * 256 }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 256));
    const out = resample(src, 256, 256, 48, 48);
    expect(mean(out)).toBeCloseTo(mean(src), 2);
  });

  it('grows bilinearly: a constant stays constant, a ramp stays monotone', () => {
    expect(Array.from(resample(new Float32Array(9).fill(7), 3, 3, 8, 8)).every((v) => Math.abs(v - 7) < 1e-5)).toBe(true);
    const ramp = resample(Float32Array.from([0, 1, 2, 3]), 1, 4, 1, 8);
    for (let i = 1; i < 8; i++) expect(ramp[i]!).toBeGreaterThanOrEqual(ramp[i - 1]!);
  });
});

describe('geometry and intensity', () => {
  it('pads a wide image to a centred square with its background', () => {
    const out = padToSquare(Float32Array.from([5, 6, 7, 8, 9, 10]), 2, 3); // 2 rows × 3 cols
    expect(Array.from(out)).toEqual([5, 6, 7, 8, 9, 10, 5, 5, 5]);
  });

  it('fills padding (NaN) with the smallest real value, and refuses an all-padding slice', () => {
    expect(Array.from(fillPadding(Float32Array.from([NaN, 3, 2, NaN]), 'x'))).toEqual([2, 3, 2, 2]);
    expect(() => fillPadding(Float32Array.from([NaN, NaN]), 'slice 3')).toThrow(/slice 3: every pixel is padding/);
  });

  it('maps the window to [−1, 1] and back, clipping outside it', () => {
    const w: [number, number] = [-100, 300];
    const v = Float32Array.from([-100, 0, 100, 300, 500, -400]);
    const n = normalize(v, w);
    expect(Array.from(n)).toEqual([-1, -0.5, 0, 1, 1, -1]);
    expect(Array.from(denormalize(n, w))).toEqual([-100, 0, 100, 300, 300, -100]);
  });

  it('takes the window from the spec, else robust percentiles', () => {
    expect(chooseWindow([], [0, 80])).toEqual({ window: [0, 80], windowSource: 'spec' });
    expect(() => chooseWindow([], [5, 5])).toThrow(/model.window/);
    const img = Float32Array.from({ length: 1000 }, (_, i) => i);
    img[999] = 1e6; // one hot pixel must not stretch the window
    const { window } = chooseWindow([img]);
    expect(window[1]).toBeLessThan(1000);
    expect(percentiles([Float32Array.from([0, 10])], [50])).toEqual([5]);
  });

  it('mirrors left-right', () => {
    expect(Array.from(flipLeftRight(Float32Array.from([1, 2, 3, 4]), 2))).toEqual([2, 1, 4, 3]);
  });
});

describe('DICOM pixel encoding', () => {
  it("keeps the source's rescale when the window fits 16 bits, and rounds to stored values", () => {
    const enc = pixelEncoding([1, 718.3], { rescaleSlope: 1, rescaleIntercept: 0, signed: true, hadRescale: false });
    expect(enc).toEqual({ rescaleSlope: 1, rescaleIntercept: 0, pixelRepresentation: 1, writeRescale: false });
    const stored = storedPixels(Float32Array.from([1.2, 700.6]), enc);
    expect(stored).toBeInstanceOf(Int16Array);
    expect(Array.from(stored)).toEqual([1, 701]);
  });

  it('keeps CT Hounsfield units through slope 1 / intercept −1024', () => {
    const enc = pixelEncoding([-1000, 2000], { rescaleSlope: 1, rescaleIntercept: -1024, signed: false, hadRescale: true });
    expect(enc.pixelRepresentation).toBe(0);
    expect(Array.from(exportedValues(Float32Array.from([-1000, 40.4]), enc))).toEqual([-1000, 40]);
  });

  it('chooses a new slope when the window does not fit 16 bits', () => {
    const enc = pixelEncoding([0, 1e6], { rescaleSlope: 1, rescaleIntercept: 0, signed: false, hadRescale: false });
    expect(enc.writeRescale).toBe(true);
    const back = exportedValues(Float32Array.from([0, 5e5, 1e6]), enc);
    expect(Math.abs(back[1]! - 5e5)).toBeLessThanOrEqual(enc.rescaleSlope / 2 + 1e-6);
  });
});

describe('PNG thumbnails', () => {
  it('encodes grayscale PNGs that decode to the same pixels', () => {
    const px = toGray8(Float32Array.from({ length: 12 }, (_, i) => i * 10 - 5), 0, 100);
    const png = encodeGrayPng(4, 3, px);
    const back = decodePng(png);
    expect(back).toEqual({ width: 4, height: 3, pixels: px });
    const tiled = tileGray([px, px], { width: 4, height: 3 }, 2, 1, 0);
    expect(tiled.width).toBe(9);
    expect(decodePng(encodeGrayPng(tiled.width, tiled.height, tiled.pixels)).pixels).toEqual(tiled.pixels);
  });
});
