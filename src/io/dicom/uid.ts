import { createHmac, randomUUID } from 'node:crypto';

/**
 * DICOM UIDs for what synthdiff writes.
 *
 * We use the `2.25.<decimal UUID>` form (PS3.5 §B.2): it needs no registered organisation root and a
 * 128-bit random or hashed value makes collisions negligible. 128 bits is at most 39 decimal digits, so
 * the UID is at most 44 characters, inside the 64-character limit of the UI value representation.
 */

/** Root of UUID-derived UIDs (PS3.5 §B.2). */
export const UUID_UID_ROOT = '2.25';

/**
 * Identifies synthdiff as the writer in every file's meta header (0002,0012). Fixed on purpose: it
 * names the implementation, not an instance, so it must be the same in every file and every release.
 */
export const SYNTHDIFF_IMPLEMENTATION_CLASS_UID = '2.25.297076048425143679976538037288850730772';

/** A fresh random UID, `2.25.` followed by the decimal value of a random (version 4) UUID. */
export function newUid(): string {
  return uuidHexToUid(randomUUID().replace(/-/g, ''));
}

/** True for a syntactically valid UID: dot-separated decimal components, no leading zeros, ≤ 64 chars. */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(uid);
}

function uuidHexToUid(hex32: string): string {
  return `${UUID_UID_ROOT}.${BigInt(`0x${hex32}`).toString(10)}`;
}

/**
 * Turns 16 arbitrary bytes into a well-formed RFC 9562 version-8 ("custom") UUID, so that a hashed
 * UID is still "a UUID" as §B.2 requires, then into its 2.25 UID.
 */
function bytesToV8Uid(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC variant 10xx
  return uuidHexToUid(Buffer.from(b).toString('hex'));
}

export interface UidRemapperOptions {
  /**
   * Makes the mapping a pure function of (secret, input): the same secret maps the same UID to the
   * same replacement in every run and on every machine, so a re-run, or de-identifying more files of
   * the same study later, yields matching UIDs. Keep the secret private: whoever holds it can test a
   * guessed original UID against a replacement. Without a secret, replacements are random and only
   * consistent within this remapper's lifetime.
   */
  secret?: string | Uint8Array;
}

/**
 * Replaces UIDs (and other identifiers) consistently: within one remapper, the same input always
 * gives the same output and different inputs give different outputs, so references between
 * de-identified instances (study, series, frame of reference, referenced SOP instance) still resolve.
 * Use one remapper per set of files that must stay linked.
 */
export class UidRemapper {
  private readonly secret: Uint8Array | undefined;
  private readonly uids = new Map<string, string>();
  private readonly ids = new Map<string, string>();
  private readonly shifts = new Map<string, number>();

  constructor(options: UidRemapperOptions = {}) {
    const s = options.secret;
    if (s !== undefined) {
      this.secret = typeof s === 'string' ? new TextEncoder().encode(s) : Uint8Array.from(s);
      if (this.secret.length === 0) throw new RangeError('UidRemapper secret must not be empty');
    }
  }

  /** True when replacements are reproducible from the secret. */
  get deterministic(): boolean {
    return this.secret !== undefined;
  }

  /** The replacement UID for `uid` (trailing NUL/space padding ignored). */
  map(uid: string): string {
    const key = uid.replace(/[\0 ]+$/, '');
    let out = this.uids.get(key);
    if (out === undefined) {
      // Domain-separated so a UID and an identifier with the same text never share a hash.
      out = this.secret ? bytesToV8Uid(this.hmac(`uid\0${key}`)) : newUid();
      this.uids.set(key, out);
    }
    return out;
  }

  /**
   * A pseudonym for a non-UID identifier such as Patient ID: `prefix` plus 16 hex digits (64 bits),
   * consistent like `map`. Fits LO (64 chars), the VR of Patient ID.
   */
  pseudonym(value: string, prefix = 'ANON'): string {
    const key = `${prefix}\0${value.trim()}`;
    let out = this.ids.get(key);
    if (out === undefined) {
      const bytes = this.secret ? this.hmac(`id\0${key}`) : Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
      out = prefix + Buffer.from(bytes.subarray(0, 8)).toString('hex').toUpperCase();
      this.ids.set(key, out);
    }
    return out;
  }

  /**
   * Days to shift one patient's dates by (Retain Longitudinal Temporal Information, Modified Dates): in
   * [−3652, −1], the same for every file of the patient (so intervals between studies survive), keyed by
   * the secret like `map` (so re-runs and sites agree), random per patient without one.
   */
  dateShiftDays(patientKey: string): number {
    const key = `dateshift\0${patientKey.trim()}`;
    let out = this.shifts.get(key);
    if (out === undefined) {
      const bytes = this.secret ? this.hmac(key) : Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
      out = -1 - (Buffer.from(bytes).readUInt32BE(0) % 3652);
      this.shifts.set(key, out);
    }
    return out;
  }

  /** Original → replacement UID pairs seen so far (keep private: it re-identifies). */
  entries(): IterableIterator<[string, string]> {
    return this.uids.entries();
  }

  get size(): number {
    return this.uids.size;
  }

  private hmac(message: string): Uint8Array {
    return createHmac('sha256', this.secret!).update(message, 'utf8').digest();
  }
}
