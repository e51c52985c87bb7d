/**
 * Decode DICOM text values by Specific Character Set (0008,0005), PS3.5 §6.1 and Annex H–K.
 *
 * dicom-parser reads every string as Latin-1 bytes, which garbles UTF-8, Cyrillic, Greek, CJK and so on.
 * The reader hands the raw bytes of text-VR elements (SH, LO, ST, LT, UT, PN, UC) here instead.
 *
 * Supported: single-byte ISO_IR 100/101/109/110/144/127/126/138/148/203/166, ISO_IR 13 (JIS X 0201),
 * ISO_IR 192 (UTF-8), GB18030, GBK, and ISO 2022 code extensions (escape sequences switching between
 * ASCII, JIS X 0201, JIS X 0208, JIS X 0212, KS X 1001, GB 2312 and the ISO 8859 G1 sets). Anything else
 * decodes as Latin-1 and the decoder records a note saying so, so the caller can surface it.
 */

/** Defined terms mapped to WHATWG encoding labels understood by TextDecoder. */
const SINGLE_BYTE: Record<string, string> = {
  '': 'latin1', // default repertoire is ASCII; Latin-1 keeps stray 8-bit bytes visible instead of throwing
  ISO_IR_6: 'latin1',
  'ISO_IR 6': 'latin1',
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis', // JIS X 0201: ASCII-ish low half plus half-width katakana 0xA1–0xDF, as in Shift_JIS
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** ISO 2022 defined terms → the encoding of their G1 (high-bit) half, used before any escape is seen. */
const ISO2022_INITIAL: Record<string, string> = {
  'ISO 2022 IR 6': 'latin1',
  'ISO 2022 IR 100': 'latin1',
  'ISO 2022 IR 101': 'iso-8859-2',
  'ISO 2022 IR 109': 'iso-8859-3',
  'ISO 2022 IR 110': 'iso-8859-4',
  'ISO 2022 IR 144': 'iso-8859-5',
  'ISO 2022 IR 127': 'iso-8859-6',
  'ISO 2022 IR 126': 'iso-8859-7',
  'ISO 2022 IR 138': 'iso-8859-8',
  'ISO 2022 IR 148': 'iso-8859-9',
  'ISO 2022 IR 203': 'iso-8859-15',
  'ISO 2022 IR 166': 'windows-874',
  'ISO 2022 IR 13': 'shift_jis',
  'ISO 2022 IR 87': 'iso-2022-jp',
  'ISO 2022 IR 159': 'jisx0212',
  'ISO 2022 IR 149': 'euc-kr',
  'ISO 2022 IR 58': 'gbk',
};

/**
 * Escape sequences (the bytes after ESC) → how to decode the bytes that follow. 'iso-2022-jp' and
 * 'jisx0212' are 7-bit double-byte sets needing special handling below; the others are decoded as-is.
 */
const ESCAPES: Array<[string, string]> = [
  ['(B', 'latin1'], // ISO-IR 6, ASCII in G0
  ['(J', 'latin1'], // ISO-IR 14, JIS X 0201 Romaji in G0 (ASCII but for ¥ and ‾; kept as ASCII like dcmtk)
  [')I', 'shift_jis'], // ISO-IR 13, JIS X 0201 katakana in G1
  ['$B', 'iso-2022-jp'], // ISO-IR 87, JIS X 0208 in G0
  ['$(D', 'jisx0212'], // ISO-IR 159, JIS X 0212 in G0
  ['$)C', 'euc-kr'], // ISO-IR 149, KS X 1001 in G1
  ['$)A', 'gbk'], // ISO-IR 58, GB 2312 in G1
  ['-A', 'latin1'],
  ['-B', 'iso-8859-2'],
  ['-C', 'iso-8859-3'],
  ['-D', 'iso-8859-4'],
  ['-L', 'iso-8859-5'],
  ['-G', 'iso-8859-6'],
  ['-F', 'iso-8859-7'],
  ['-H', 'iso-8859-8'],
  ['-M', 'iso-8859-9'],
  ['-b', 'iso-8859-15'],
  ['-T', 'windows-874'],
];

const ESC = 0x1b;
const decoders = new Map<string, TextDecoder>();

function decoderFor(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

/** Latin-1 proper: TextDecoder('latin1') is windows-1252 per WHATWG, which remaps 0x80–0x9F. */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function decodeAs(label: string, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (label === 'latin1') return latin1(bytes);
  if (label === 'iso-2022-jp') {
    // Give the WHATWG ISO-2022-JP decoder its own designation so it knows the bytes are JIS X 0208.
    const withEsc = new Uint8Array(bytes.length + 3);
    withEsc.set([ESC, 0x24, 0x42]);
    withEsc.set(bytes, 3);
    return decoderFor('iso-2022-jp').decode(withEsc);
  }
  if (label === 'jisx0212') {
    // EUC-JP carries JIS X 0212 as 0x8F followed by the two 7-bit bytes with the high bit set.
    const out: number[] = [];
    for (let i = 0; i + 1 < bytes.length; i += 2) out.push(0x8f, bytes[i]! | 0x80, bytes[i + 1]! | 0x80);
    return decoderFor('euc-jp').decode(new Uint8Array(out));
  }
  return decoderFor(label).decode(bytes);
}

export interface CharsetDecoder {
  /** Decode one element value (all of its backslash-separated values) to a JS string. */
  decode(bytes: Uint8Array): string;
  /** Set when the character set was not recognised and Latin-1 was used instead. */
  readonly note?: string;
}

/**
 * Build a decoder for a Specific Character Set value (the raw, backslash-separated CS string; empty or
 * undefined means the default repertoire).
 */
export function charsetDecoder(specificCharacterSet: string | undefined): CharsetDecoder {
  const terms = (specificCharacterSet ?? '').split('\\').map((t) => t.trim());
  const unknown = terms.filter((t) => !(t in SINGLE_BYTE) && !(t in ISO2022_INITIAL));
  const note =
    unknown.length > 0
      ? `Specific Character Set term(s) ${unknown.map((t) => `'${t}'`).join(', ')} not supported; decoded as Latin-1`
      : undefined;

  const first = terms[0] ?? '';
  const usesExtensions = terms.length > 1 || first.startsWith('ISO 2022');
  if (!usesExtensions) {
    const label = SINGLE_BYTE[first] ?? 'latin1';
    return { decode: (bytes) => decodeAs(label, bytes), note };
  }

  // With code extensions the value starts in the first term's set and returns to it after every
  // delimiter (PS3.5 §6.1.2.5.3): CR, LF, FF, TAB, backslash, and for PN also '^' and '='. Resetting on
  // '^' and '=' for every VR is harmless: they are plain ASCII in all the other sets' G0.
  const initialG1 = first === '' ? 'latin1' : ISO2022_INITIAL[first] ?? SINGLE_BYTE[first] ?? 'latin1';
  const initialLabel = initialG1 === 'iso-2022-jp' || initialG1 === 'jisx0212' ? 'latin1' : initialG1;

  const decode = (bytes: Uint8Array): string => {
    let out = '';
    let label = initialLabel;
    let start = 0;
    const flush = (end: number): void => {
      if (end > start) out += decodeAs(label, bytes.subarray(start, end));
    };
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === ESC) {
        flush(i);
        const esc = ESCAPES.find(([seq]) => matches(bytes, i + 1, seq));
        if (esc) {
          label = esc[1];
          i += esc[0].length;
        }
        start = i + 1;
      } else if (label !== 'iso-2022-jp' && label !== 'jisx0212' && isDelimiter(b)) {
        // Inside a 7-bit double-byte run these byte values are halves of a character, not delimiters.
        flush(i);
        out += String.fromCharCode(b);
        label = initialLabel;
        start = i + 1;
      } else if ((label === 'iso-2022-jp' || label === 'jisx0212') && (b === 0x0d || b === 0x0a)) {
        flush(i);
        out += String.fromCharCode(b);
        label = initialLabel;
        start = i + 1;
      }
    }
    flush(bytes.length);
    return out;
  };
  return { decode, note };
}

function matches(bytes: Uint8Array, at: number, seq: string): boolean {
  for (let k = 0; k < seq.length; k++) if (bytes[at + k] !== seq.charCodeAt(k)) return false;
  return true;
}

function isDelimiter(b: number): boolean {
  return b === 0x5c || b === 0x5e || b === 0x3d || b === 0x0d || b === 0x0a || b === 0x0c || b === 0x09;
}
