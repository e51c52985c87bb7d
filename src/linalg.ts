/**
 * Small dense linear algebra for the ridge fits (impute/chained.ts's ridge learner, synth/cart.ts's shifted
 * donors): row-major Float64Arrays, P × P systems of a few dozen unknowns at most.
 */

/**
 * Solve A X = B for a symmetric positive definite P × P matrix A and K right-hand sides (B row-major P × K) by
 * Cholesky, A = LLᵀ written over A's lower triangle (A's upper triangle is not read). Returns X (P × K).
 * A pivot below 1e-12 is taken as 1e-12, so a singular direction gives a large finite answer, not NaN.
 */
export function choleskySolve(A: Float64Array, B: Float64Array, P: number, K = 1): Float64Array {
  for (let a = 0; a < P; a++) {
    for (let b = 0; b <= a; b++) {
      let s = A[a * P + b]!;
      for (let k = 0; k < b; k++) s -= A[a * P + k]! * A[b * P + k]!;
      A[a * P + b] = a === b ? Math.sqrt(Math.max(s, 1e-12)) : s / A[b * P + b]!;
    }
  }
  const x = new Float64Array(P * K);
  const z = new Float64Array(P);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < P; a++) {
      let s = B[a * K + k]!;
      for (let b = 0; b < a; b++) s -= A[a * P + b]! * z[b]!;
      z[a] = s / A[a * P + a]!;
    }
    for (let a = P - 1; a >= 0; a--) {
      let s = z[a]!;
      for (let b = a + 1; b < P; b++) s -= A[b * P + a]! * x[b * K + k]!;
      x[a * K + k] = s / A[a * P + a]!;
    }
  }
  return x;
}
