import { expect } from 'vitest';
import { SpecError } from '../../src/errors.js';

/** The message of the SpecError `f` throws (fails the test when it throws nothing, or something else). */
export function specErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error('expected a SpecError');
}
