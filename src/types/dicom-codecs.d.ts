/**
 * Minimal typings for the image codecs the DICOM reader loads (src/io/dicom/codecs.ts). The packages ship
 * none (jpeg-lossless-decoder-js names a .d.ts it does not include), so only what we call is declared.
 */

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    constructor(buffer?: ArrayBuffer, numBytes?: number);
    /** Decodes one JPEG lossless (process 14) stream; `numBytes` is bytes per output sample (1 or 2). */
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}

/** The embind surface shared by the cornerstone emscripten decoders (CharLS, OpenJPEG, libjpeg-turbo). */
declare interface CornerstoneFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

declare interface CornerstoneWasmDecoder {
  /** A view into WASM memory of `length` bytes to copy the encoded stream into. */
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  /** A view into WASM memory, valid until the next decode or delete: copy it out. */
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): CornerstoneFrameInfo;
  delete(): void;
}

declare interface CornerstoneCodecModuleOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  interface CharLSModule {
    JpegLSDecoder: new () => CornerstoneWasmDecoder & { getNearLossless(): number; getInterleaveMode(): number };
  }
  const factory: (options?: CornerstoneCodecModuleOptions) => Promise<CharLSModule>;
  export default factory;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  interface OpenJpegModule {
    J2KDecoder: new () => CornerstoneWasmDecoder & { getIsReversible(): boolean };
  }
  const factory: (options?: CornerstoneCodecModuleOptions) => Promise<OpenJpegModule>;
  export default factory;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  interface LibJpegTurboModule {
    JPEGDecoder: new () => CornerstoneWasmDecoder;
  }
  const factory: (options?: CornerstoneCodecModuleOptions) => Promise<LibJpegTurboModule>;
  export default factory;
}
