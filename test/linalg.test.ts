import { describe, expect, it } from 'vitest';
import { choleskySolve } from '../src/linalg.js';

describe('choleskySolve', () => {
  it('solves a symmetric positive definite system for several right-hand sides, reading only the lower triangle', () => {
    // A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]]; X chosen, B = A X.
    const X = [1, -2, 0.5, 3, -1, 0.25];
    const full = [4, 2, 0.4, 2, 5, 1, 0.4, 1, 3];
    const B = new Float64Array(6);
    for (let a = 0; a < 3; a++) for (let k = 0; k < 2; k++) for (let b = 0; b < 3; b++) B[a * 2 + k]! += full[a * 3 + b]! * X[b * 2 + k]!;
    // Upper triangle garbage: never read.
    const A = Float64Array.from(full, (v, i) => (i % 3 > Math.floor(i / 3) ? 99 : v));
    const got = choleskySolve(A, B, 3, 2);
    X.forEach((x, i) => expect(got[i]).toBeCloseTo(x, 12));
  });
});
