/**
 * Distance-based privacy checks with a Gower-style distance (Gower 1971): per column, numeric |Δ|/range
 * (range of the train table, term capped at 1) and categorical 0/1 mismatch; missing vs missing = 0, missing
 * vs present = 1; averaged over columns.
 *
 * - DCR (distance to closest record) of each synthetic row to train and to a holdout the generator never saw;
 *   the DCR share (fraction of synthetic rows closer to train than to holdout, ties ½) is ≈ 0.5 for a
 *   generator that does not memorise (Platzer & Reutterer 2021, "holdout-based fidelity and privacy").
 * - exact-copy rate, NNDR (nearest / second-nearest train distance), and a distance-based membership
 *   inference AUC (the attacker scores a record by −DCR to the synthetic set; train = members, holdout =
 *   non-members; cf. Chen et al. 2020 GAN-Leaks "full black-box" attack).
 */
import { DataError } from '../errors.js';
import { messages } from '../messages.js';
import { createRng, deriveSeed, permutation } from '../rng.js';
import { isCategorical, takeRows, type Table } from '../table/table.js';
import { assertRows, assertSameSchema } from './schema.js';
import { aucTwoSample, histogram, summarize, type Summary } from './stats.js';

/** Present numeric values are clamped to ±CLAMP ranges: far enough that clamping never changes a capped term except between two values both beyond it, and small enough that the missing sentinel arithmetic stays exact to ~1e-11. */
const CLAMP = 1e4;
const MISSING_NUMERIC = -1e5;

/** Per numeric column: offset and 1/range fitted on the train table; categorical columns need none. */
export interface GowerScale {
  readonly min: Float64Array;
  readonly invRange: Float64Array;
}

/** Column ranges from `train` (observed values). A constant or empty column scales by 1. */
export function gowerScale(train: Table): GowerScale {
  const d = train.columns.length;
  const min = new Float64Array(d);
  const invRange = new Float64Array(d).fill(1);
  train.columns.forEach((c, j) => {
    if (isCategorical(c)) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of c.values) {
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return;
    min[j] = lo;
    if (hi > lo) invRange[j] = 1 / (hi - lo);
  });
  return { min, invRange };
}

/**
 * Row-major n×d encoding in which every column's Gower term is min(|a − b|, 1): numeric → (x − min)/range
 * (missing → a sentinel ≥ 1 away from every present value), categorical → 2·code (missing → −2), so
 * equal codes differ by 0 and unequal ones by ≥ 2.
 */
export function encodeGower(t: Table, scale: GowerScale): Float64Array {
  const n = t.nRows;
  const d = t.columns.length;
  const out = new Float64Array(n * d);
  t.columns.forEach((c, j) => {
    if (isCategorical(c)) {
      for (let i = 0; i < n; i++) {
        const k = c.codes[i]!;
        out[i * d + j] = k < 0 ? -2 : 2 * k;
      }
      return;
    }
    const lo = scale.min[j]!;
    const inv = scale.invRange[j]!;
    for (let i = 0; i < n; i++) {
      const v = c.values[i]!;
      if (Number.isNaN(v)) out[i * d + j] = MISSING_NUMERIC;
      else {
        const e = (v - lo) * inv;
        out[i * d + j] = e > CLAMP ? CLAMP : e < -CLAMP ? -CLAMP : e;
      }
    }
  });
  return out;
}

/** Gower distance between row i of `a` and row k of `b`, straight from the definition (reference for tests and one-offs). */
export function gowerDistance(a: Table, i: number, b: Table, k: number, scale: GowerScale): number {
  const d = a.columns.length;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const ca = a.columns[j]!;
    const cb = b.columns[j]!;
    if (isCategorical(ca) && isCategorical(cb)) {
      s += ca.codes[i] === cb.codes[k] || (ca.codes[i]! < 0 && cb.codes[k]! < 0) ? 0 : 1;
      continue;
    }
    if (isCategorical(ca) || isCategorical(cb)) throw new DataError(messages.columnKindDiffers(ca.name));
    const x = ca.values[i]!;
    const y = cb.values[k]!;
    const mx = Number.isNaN(x);
    const my = Number.isNaN(y);
    if (mx || my) s += mx && my ? 0 : 1;
    else s += Math.min(1, Math.abs(x - y) * scale.invRange[j]!);
  }
  return s / d;
}

export interface NearestResult {
  /** Per query: smallest distance to B[0, nFirst) and its index, second smallest there, smallest to B[nFirst, nB). */
  readonly first1: Float64Array;
  readonly first1Index: Int32Array;
  readonly first2: Float64Array;
  readonly second1: Float64Array;
  /** Per B row: smallest distance to any query row. */
  readonly bToQuery: Float64Array;
}

/**
 * Blocked exhaustive nearest-neighbour search under the encoded Gower distance. Queries go four at a time so
 * each B value is loaded once per four distances; the cap uses 2·min(t, 1) = t + 1 − |t − 1|, which is
 * branch-free (a data-dependent branch here cost ~40%). B is split at `nFirst` into two reference sets.
 */
export function gowerNearest(Q: Float64Array, nQ: number, B: Float64Array, nB: number, nFirst: number, d: number): NearestResult {
  const first1 = new Float64Array(nQ).fill(Infinity);
  const first1Index = new Int32Array(nQ).fill(-1);
  const first2 = new Float64Array(nQ).fill(Infinity);
  const second1 = new Float64Array(nQ).fill(Infinity);
  const bMin = new Float64Array(nB).fill(Infinity);
  const last = nQ - 1;
  for (let i = 0; i < nQ; i += 4) {
    // A short final block repeats the last query; its duplicate results are identical, so overwriting is harmless.
    const q0 = i;
    const q1 = Math.min(i + 1, last);
    const q2 = Math.min(i + 2, last);
    const q3 = Math.min(i + 3, last);
    const o0 = q0 * d;
    const o1 = q1 * d;
    const o2 = q2 * d;
    const o3 = q3 * d;
    let a0 = Infinity, a1 = Infinity, a2 = Infinity, a3 = Infinity; // best in first segment
    let b0 = Infinity, b1 = Infinity, b2 = Infinity, b3 = Infinity; // second best in first segment
    let x0 = -1, x1 = -1, x2 = -1, x3 = -1; // argmin in first segment
    let h0 = Infinity, h1 = Infinity, h2 = Infinity, h3 = Infinity; // best in second segment
    for (let j = 0; j < nB; j++) {
      const bo = j * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < d; k++) {
        const b = B[bo + k]!;
        let t = Math.abs(Q[o0 + k]! - b);
        s0 += t + 1 - Math.abs(t - 1);
        t = Math.abs(Q[o1 + k]! - b);
        s1 += t + 1 - Math.abs(t - 1);
        t = Math.abs(Q[o2 + k]! - b);
        s2 += t + 1 - Math.abs(t - 1);
        t = Math.abs(Q[o3 + k]! - b);
        s3 += t + 1 - Math.abs(t - 1);
      }
      if (j < nFirst) {
        if (s0 < b0) { if (s0 < a0) { b0 = a0; a0 = s0; x0 = j; } else b0 = s0; }
        if (s1 < b1) { if (s1 < a1) { b1 = a1; a1 = s1; x1 = j; } else b1 = s1; }
        if (s2 < b2) { if (s2 < a2) { b2 = a2; a2 = s2; x2 = j; } else b2 = s2; }
        if (s3 < b3) { if (s3 < a3) { b3 = a3; a3 = s3; x3 = j; } else b3 = s3; }
      } else {
        if (s0 < h0) h0 = s0;
        if (s1 < h1) h1 = s1;
        if (s2 < h2) h2 = s2;
        if (s3 < h3) h3 = s3;
      }
      let m = bMin[j]!;
      if (s0 < m) m = s0;
      if (s1 < m) m = s1;
      if (s2 < m) m = s2;
      if (s3 < m) m = s3;
      bMin[j] = m;
    }
    // Sums hold 2·Σ terms; the distance is their mean over d columns.
    const f = 1 / (2 * d);
    first1[q0] = a0 * f; first2[q0] = b0 * f; first1Index[q0] = x0; second1[q0] = h0 * f;
    first1[q1] = a1 * f; first2[q1] = b1 * f; first1Index[q1] = x1; second1[q1] = h1 * f;
    first1[q2] = a2 * f; first2[q2] = b2 * f; first1Index[q2] = x2; second1[q2] = h2 * f;
    first1[q3] = a3 * f; first2[q3] = b3 * f; first1Index[q3] = x3; second1[q3] = h3 * f;
  }
  const f = 1 / (2 * d);
  for (let j = 0; j < nB; j++) bMin[j]! *= f;
  return { first1, first1Index, first2, second1, bToQuery: bMin };
}

/** Rows of `a` (n×d row-major) that equal some row of `ref` bit for bit, via an open-addressing hash of the encoded rows. */
export function exactMatchMask(a: Float64Array, nA: number, ref: Float64Array, nRef: number, d: number): Uint8Array {
  let cap = 1;
  while (cap < 2 * nRef) cap <<= 1;
  const slots = new Int32Array(cap).fill(-1);
  const bitsRef = new Uint32Array(ref.buffer, ref.byteOffset, nRef * d * 2);
  const bitsA = new Uint32Array(a.buffer, a.byteOffset, nA * d * 2);
  // +0 and −0 encode identically for our purposes; normalise so they hash alike.
  const hashRow = (bits: Uint32Array, vals: Float64Array, r: number): number => {
    let h = 0x811c9dc5;
    for (let k = 0; k < d; k++) {
      const lo = vals[r * d + k] === 0 ? 0 : bits[(r * d + k) * 2]!;
      const hi = vals[r * d + k] === 0 ? 0 : bits[(r * d + k) * 2 + 1]!;
      h = Math.imul(h ^ lo, 0x01000193);
      h = Math.imul(h ^ hi, 0x01000193);
    }
    return h >>> 0;
  };
  const equalRows = (r: number, s: number): boolean => {
    for (let k = 0; k < d; k++) if (a[r * d + k] !== ref[s * d + k]) return false;
    return true;
  };
  for (let s = 0; s < nRef; s++) {
    let p = hashRow(bitsRef, ref, s) & (cap - 1);
    while (slots[p] !== -1) p = (p + 1) & (cap - 1);
    slots[p] = s;
  }
  const out = new Uint8Array(nA);
  for (let r = 0; r < nA; r++) {
    let p = hashRow(bitsA, a, r) & (cap - 1);
    while (slots[p] !== -1) {
      if (equalRows(r, slots[p]!)) {
        out[r] = 1;
        break;
      }
      p = (p + 1) & (cap - 1);
    }
  }
  return out;
}

export interface DcrOptions {
  readonly seed: number;
  /** Histogram bins for the DCR plots (default 30). */
  readonly bins?: number;
}

export interface DcrResult {
  readonly nSynthetic: number;
  readonly nTrain: number;
  /** Holdout rows used (subsampled to the train size when larger). */
  readonly nHoldout: number;
  /** Per synthetic row: Gower DCR to train, to the holdout, and index of the nearest train row. */
  readonly dcrTrain: Float64Array;
  readonly dcrHoldout: Float64Array;
  readonly nearestTrainRow: Int32Array;
  /** Fraction of synthetic rows strictly closer to train than to holdout, ties counting ½. */
  readonly dcrShare: number;
  /** What dcrShare would be for a generator independent of train: nTrain / (nTrain + nHoldout). */
  readonly dcrShareBaseline: number;
  /** Fraction of synthetic rows at distance 0 from some train row. */
  readonly exactCopyRate: number;
  /** Same for the holdout rows vs train: the rate real data shows by chance (duplicates in the population). */
  readonly holdoutExactCopyRate: number;
  /** Per synthetic row: DCR / distance to the second-nearest train row; 0/0 (two exact matches) counts as 0. NaN with < 2 train rows. */
  readonly nndr: Float64Array;
  readonly summary: { readonly dcrTrain: Summary; readonly dcrHoldout: Summary; readonly nndr: Summary };
  /** AUC of −(distance to nearest synthetic row) for train (members) vs holdout (non-members); 0.5 = no signal. */
  readonly membershipAuc: number;
  /** Per train row then per (subsampled) holdout row: distance to the nearest synthetic row, the attack's score. */
  readonly nearestSynthetic: Float64Array;
  /** Shared edges so the two DCR distributions overlay. */
  readonly histogram: { readonly edges: number[]; readonly train: number[]; readonly holdout: number[] };
}

/**
 * DCR, DCR share, exact copies, NNDR and distance-based membership inference of `synthetic` against the
 * generator's `train` table and an unseen `holdout` table. O(nSyn · (nTrain + nHoldout) · columns).
 */
export function dcr(synthetic: Table, train: Table, holdout: Table, options: DcrOptions): DcrResult {
  assertSameSchema(train, synthetic, 'train', 'synthetic');
  assertSameSchema(train, holdout, 'train', 'holdout');
  assertRows(synthetic, 1, 'synthetic');
  assertRows(train, 1, 'train');
  assertRows(holdout, 1, 'holdout');
  const d = train.columns.length;
  if (d === 0) throw new DataError(messages.dcrNoColumns());

  const hold =
    holdout.nRows > train.nRows
      ? takeRows(holdout, permutation(holdout.nRows, createRng(deriveSeed(options.seed, 'holdout'))).subarray(0, train.nRows))
      : holdout;
  const scale = gowerScale(train);
  const S = encodeGower(synthetic, scale);
  const T = encodeGower(train, scale);
  const H = encodeGower(hold, scale);
  const nS = synthetic.nRows;
  const nT = train.nRows;
  const nH = hold.nRows;
  const B = new Float64Array((nT + nH) * d);
  B.set(T);
  B.set(H, nT * d);

  const nn = gowerNearest(S, nS, B, nT + nH, nT, d);

  let share = 0;
  let copies = 0;
  const nndr = new Float64Array(nS);
  for (let i = 0; i < nS; i++) {
    const dt = nn.first1[i]!;
    const dh = nn.second1[i]!;
    share += dt < dh ? 1 : dt === dh ? 0.5 : 0;
    if (dt === 0) copies++;
    const d2 = nn.first2[i]!;
    nndr[i] = nT < 2 ? NaN : d2 > 0 ? dt / d2 : 0;
  }
  const holdCopies = exactMatchMask(H, nH, T, nT, d).reduce((a, v) => a + v, 0);

  const memberScore = new Float64Array(nT);
  for (let j = 0; j < nT; j++) memberScore[j] = -nn.bToQuery[j]!;
  const nonMemberScore = new Float64Array(nH);
  for (let j = 0; j < nH; j++) nonMemberScore[j] = -nn.bToQuery[nT + j]!;

  const nBins = options.bins ?? 30;
  let hi = 0;
  for (let i = 0; i < nS; i++) hi = Math.max(hi, nn.first1[i]!, nn.second1[i]!);
  const hT = histogram(nn.first1, nBins, 0, hi > 0 ? hi : 1);
  const hH = histogram(nn.second1, nBins, 0, hi > 0 ? hi : 1);

  return {
    nSynthetic: nS,
    nTrain: nT,
    nHoldout: nH,
    dcrTrain: nn.first1,
    dcrHoldout: nn.second1,
    nearestTrainRow: nn.first1Index,
    dcrShare: share / nS,
    dcrShareBaseline: nT / (nT + nH),
    exactCopyRate: copies / nS,
    holdoutExactCopyRate: holdCopies / nH,
    nndr,
    summary: { dcrTrain: summarize(nn.first1), dcrHoldout: summarize(nn.second1), nndr: summarize(nndr) },
    membershipAuc: aucTwoSample(memberScore, nonMemberScore),
    nearestSynthetic: nn.bToQuery,
    histogram: { edges: hT.edges, train: hT.counts, holdout: hH.counts },
  };
}
