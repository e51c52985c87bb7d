/** Small helpers shared by the read modules. */
import { DicomError } from '../../../errors.js';
import { messages } from '../../../messages.js';

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) break;
    s += String.fromCharCode(bytes[i]!);
  }
  return s;
}

export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

export function formatTag(tag: string): string {
  const t = tag.replace(/^x/, '').toUpperCase();
  return `(${t.slice(0, 4)},${t.slice(4, 8)})`;
}

export function normaliseTag(tag: string, source: string): string {
  const hex = tag.replace(/[(),\s]/g, '').replace(/^x/i, '');
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new DicomError(messages.dicomTagForm(source, tag));
  return `x${hex.toLowerCase()}`;
}
