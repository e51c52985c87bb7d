import { describe, expect, it } from 'vitest';
import { isValidUid, newUid, SYNTHDIFF_IMPLEMENTATION_CLASS_UID, UidRemapper } from '../src/io/dicom/uid.js';

const UID_RE = /^2\.25\.(0|[1-9]\d*)$/;

/** The 128-bit integer under 2.25, as 32 hex digits. */
const uuidHex = (uid: string): string => BigInt(uid.slice(5)).toString(16).padStart(32, '0');

describe('newUid', () => {
  it('gives distinct, valid 2.25 UIDs of at most 64 characters carrying a version-4 UUID', () => {
    const uids = Array.from({ length: 2000 }, newUid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) {
      expect(uid).toMatch(UID_RE);
      expect(uid.length).toBeLessThanOrEqual(64);
      expect(isValidUid(uid)).toBe(true);
      expect(uuidHex(uid)[12]).toBe('4');
    }
  });

  it('has a valid fixed implementation class UID', () => {
    expect(isValidUid(SYNTHDIFF_IMPLEMENTATION_CLASS_UID)).toBe(true);
    expect(SYNTHDIFF_IMPLEMENTATION_CLASS_UID).toMatch(UID_RE);
  });
});

describe('isValidUid', () => {
  it('rejects leading zeros, empty components, letters and over-long values', () => {
    for (const bad of ['', '1..2', '1.02', '1.2.', 'a.1', `1.${'2'.repeat(63)}`]) expect(isValidUid(bad)).toBe(false);
    expect(isValidUid('1.2.840.10008.1.2.1')).toBe(true);
    expect(isValidUid('0.0')).toBe(true);
  });
});

describe('UidRemapper', () => {
  it('maps the same input to the same output and different inputs to different outputs', () => {
    const r = new UidRemapper();
    const a = r.map('1.2.3.4');
    expect(r.map('1.2.3.4')).toBe(a);
    expect(r.map('1.2.3.4\0')).toBe(a); // padding is not part of the UID
    expect(r.map('1.2.3.5')).not.toBe(a);
    expect(a).toMatch(UID_RE);
    expect(r.size).toBe(2);
    expect(new UidRemapper().map('1.2.3.4')).not.toBe(a); // random without a secret
  });

  it('is reproducible from a secret, and different secrets give different UIDs', () => {
    const a = new UidRemapper({ secret: 'study-secret' });
    const b = new UidRemapper({ secret: 'study-secret' });
    const c = new UidRemapper({ secret: 'other-secret' });
    expect(a.deterministic).toBe(true);
    for (const uid of ['1.2.3', '1.2.840.113619.2.1.1.322987881.621.736170080.681']) {
      expect(a.map(uid)).toBe(b.map(uid));
      expect(a.map(uid)).not.toBe(c.map(uid));
      expect(a.map(uid)).toMatch(UID_RE);
      expect(a.map(uid).length).toBeLessThanOrEqual(64);
      const hex = uuidHex(a.map(uid));
      expect(hex[12]).toBe('8'); // RFC 9562 version 8 (custom)
      expect(['8', '9', 'a', 'b']).toContain(hex[16]); // RFC variant
    }
    expect(new UidRemapper({ secret: new Uint8Array([1, 2, 3]) }).map('1.2')).toBe(new UidRemapper({ secret: new Uint8Array([1, 2, 3]) }).map('1.2'));
    expect(() => new UidRemapper({ secret: '' })).toThrow(RangeError);
  });

  it('gives consistent pseudonyms, distinct from UID replacements', () => {
    const r = new UidRemapper({ secret: 's' });
    const p = r.pseudonym('123565');
    expect(p).toMatch(/^ANON[0-9A-F]{16}$/);
    expect(r.pseudonym('123565')).toBe(p);
    expect(new UidRemapper({ secret: 's' }).pseudonym('123565')).toBe(p);
    expect(r.pseudonym('123566')).not.toBe(p);
    expect(r.pseudonym('123565', 'PT')).toMatch(/^PT/);
  });
});
