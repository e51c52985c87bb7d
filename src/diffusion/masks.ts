import type { Rng } from '../rng.js';

/**
 * Conditioning masks for training (CSDI, Tashiro et al. 2021): each row draws which of its observed
 * columns are given to the network clean (conditions) and which it must denoise (targets).
 * A fraction of rows get the empty mask so unconditional generation is learned too. Missing cells are
 * neither (MissDiff, Ouyang et al. 2023): they are fed as noise like a target but carry no loss, so the
 * model never learns from an imputed guess.
 */
export interface MaskPolicy {
  /** Probability of the empty conditioning mask (pure generation). */
  pUnconditional: number;
}

export const DEFAULT_MASK_POLICY: MaskPolicy = { pUnconditional: 0.25 };

/**
 * Fill a training batch. `x` is the encoded n × D matrix, `observed` n × C; writes x0 (missing dims filled
 * with N(0,1) draws), cond and target (per dimension, 0/1) for the chosen rows.
 */
export function fillTrainingBatch(
  rows: ArrayLike<number>,
  x: Float32Array,
  observed: Uint8Array,
  dimColumn: Int32Array,
  nColumns: number,
  rng: Rng,
  policy: MaskPolicy,
  out: { x0: Float32Array; cond: Float32Array; target: Float32Array },
): void {
  const D = dimColumn.length;
  const C = nColumns;
  // A mask column count short of the encoder's (its `nColumns` where `nMaskColumns` was meant) reads
  // `observed` at the wrong stride and leaves conditioning entries undefined, i.e. NaN, silently.
  for (let d = 0; d < D; d++) if (dimColumn[d]! >= C) throw new RangeError(`fillTrainingBatch: dimension ${d} belongs to mask column ${dimColumn[d]}, but nColumns is ${C}`);
  const colCond = new Uint8Array(C);
  for (let b = 0; b < rows.length; b++) {
    const r = rows[b]!;
    const rate = rng.next() < policy.pUnconditional ? 0 : rng.next();
    for (let j = 0; j < C; j++) colCond[j] = observed[r * C + j]! && rng.next() < rate ? 1 : 0;
    for (let d = 0; d < D; d++) {
      const j = dimColumn[d]!;
      const obs = observed[r * C + j]!;
      const o = b * D + d;
      out.x0[o] = obs ? x[r * D + d]! : rng.normal();
      out.cond[o] = colCond[j]!;
      out.target[o] = obs && !colCond[j] ? 1 : 0;
    }
  }
}
