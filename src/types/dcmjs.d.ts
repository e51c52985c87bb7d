/**
 * Minimal typings for the parts of dcmjs (which ships none) that synthdiff uses: reading a Part 10
 * file into a tag-keyed data set and writing one back. Shapes checked against dcmjs 0.51 sources.
 */
declare module 'dcmjs' {
  /**
   * One data element in dcmjs's "denaturalized" (DICOM JSON-like) form. `Value` holds strings for
   * text VRs, numbers for binary numeric VRs, nested data sets for SQ, and ArrayBuffers for OB/OW/UN
   * (one per frame for encapsulated pixel data).
   */
  export interface DicomElement {
    vr: string;
    Value?: unknown[];
    /** The value as read, written back unchanged when `Value` was not modified. */
    _rawValue?: unknown;
  }

  /** Tag (8 upper-case hex digits) → element. */
  export type DicomDataset = Record<string, DicomElement>;

  export interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export interface WriteOptions {
    allowInvalidVRLength?: boolean;
    /** Split each encapsulated frame into 20 KiB fragments (default true). */
    fragmentMultiframe?: boolean;
  }

  export interface DictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
    version: string;
  }

  export namespace data {
    class DicomDict {
      constructor(meta: DicomDataset);
      meta: DicomDataset;
      dict: DicomDataset;
      write(options?: WriteOptions): ArrayBuffer;
    }
    class DicomMessage {
      static readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict;
    }
    /** The result of reading one value: as stored (`rawValue`) and formatted (`value`). */
    interface ReadResult {
      rawValue: unknown;
      value: unknown;
    }
    /** One value representation; instances are shared singletons inside dcmjs. */
    interface VrInstance {
      type: string;
      read(stream: unknown, length: number, syntax: string, options?: ReadOptions): ReadResult;
    }
    class ValueRepresentation {
      static createByTypeString(type: string): VrInstance;
      /** Parser for an element stored as UN whose dictionary VR is `type`. */
      static parseUnknownVr(type: string): VrInstance;
    }
    class DicomMetaDictionary {
      /** Keyed by punctuated tag, e.g. `(0010,0010)`. */
      static dictionary: Record<string, DictionaryEntry | undefined>;
      static naturalizeDataset(dataset: DicomDataset): Record<string, unknown>;
      static denaturalizeDataset(dataset: Record<string, unknown>): DicomDataset;
    }
  }

  /** A `loglevel` logger. */
  export interface Logger {
    getLevel(): number;
    setLevel(level: number | 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent', persist?: boolean): void;
    getLogger(name: string): Logger;
  }

  export const log: Logger;

  const dcmjs: { data: typeof data; log: Logger };
  export default dcmjs;
}
