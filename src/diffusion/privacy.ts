import { ModelError } from '../errors.js';
import { messages } from '../messages.js';
import { DEFAULT_ORDERS, gaussianNoiseForEpsilon, gaussianRdpCurve, noiseForEpsilon, rdpToEpsilon, sgmRdpCurve } from './rdp.js';

/**
 * The privacy budget of a DP table model and how it is split: the encoders' noisy histograms (a Gaussian
 * mechanism, private-encode.ts) and DP-SGD's sampled Gaussian steps compose in RDP (adaptive composition
 * adds RDP curves), and the total converts to (ε, δ_RDP); the stability-based release of label sets adds
 * its own δ_labels, so the guarantee is (ε, δ_RDP + δ_labels) = (ε, δ) for add/remove-one-row neighbours
 * of the training split.
 */
export interface PrivacyRequest {
  epsilon: number;
  /** Default 1/n^1.1 (n training rows). */
  delta?: number;
  /** Per-row gradient L2 clip norm C (default 1). */
  clip?: number;
  /** Fraction of ε the encoders' statistics would spend on their own (default 0.1). */
  encoderShare?: number;
}

export interface PrivacyPlan {
  epsilon: number;
  delta: number;
  clip: number;
  accountant: string;
  /** DP-SGD noise std over the clip norm. */
  noiseMultiplier: number;
  /** Poisson sampling rate q = expected batch / training rows. */
  sampleRate: number;
  /** Steps the noise multiplier was chosen for; training stops there (or earlier if the budget is spent). */
  plannedSteps: number;
  /** δ used in the RDP → (ε, δ) conversion (δ minus the label thresholding's share). */
  deltaRdp: number;
  trainingRows: number;
  encoder: {
    share: number;
    /** What the encoder statistics alone would spend (ε at δ_RDP). */
    epsilon: number;
    /** Gaussian multiplier z of the H histograms together (std per count = z·√H). */
    noiseMultiplier: number;
    noiseStd: number;
    histograms: number;
    /** δ per thresholded categorical column (labels a neighbour lacks are released with at most this probability). */
    labelDelta: number;
    thresholdedColumns: string[];
    droppedLabels: Record<string, number>;
    publicRanges: string[];
  };
}

export const ACCOUNTANT = 'RDP of the Poisson-sampled Gaussian mechanism (Mironov, Talwar & Zhang 2019; integer and fractional orders 1.1-63 as Opacus), composed with the encoders\' Gaussian histograms, converted to (ε, δ) by Balle et al. 2020 Thm 21';

/** The encoders' noise for H histograms given ε, δ and the share; and the label thresholding's δ per column. */
export function planEncoderNoise(req: Required<Pick<PrivacyRequest, 'epsilon' | 'encoderShare'>> & { delta: number }, histograms: number, thresholded: number): { z: number; noiseStd: number; deltaRdp: number; labelDelta: number; epsilon: number } {
  // A quarter of δ bounds the chance any label only a neighbour has is released; the rest is RDP's.
  const deltaLabels = thresholded > 0 ? req.delta / 4 : 0;
  const deltaRdp = req.delta - deltaLabels;
  const epsilon = req.epsilon * req.encoderShare;
  const z = gaussianNoiseForEpsilon(epsilon, deltaRdp);
  return { z, noiseStd: z * Math.sqrt(Math.max(histograms, 1)), deltaRdp, labelDelta: thresholded > 0 ? deltaLabels / thresholded : 0, epsilon };
}

/** DP-SGD's noise multiplier for `steps` at rate q after the encoders (multiplier z) spent theirs. */
export function planSgdNoise(epsilon: number, deltaRdp: number, q: number, steps: number, encoderZ: number): number {
  const base = gaussianRdpCurve(encoderZ);
  const sigma = noiseForEpsilon(epsilon, deltaRdp, q, steps, base);
  if (!Number.isFinite(sigma)) throw new ModelError(messages.privateBudgetTooSmall(epsilon, rdpToEpsilon(base, deltaRdp).epsilon));
  return sigma;
}

/**
 * RDP spent after `steps` DP-SGD steps of the plan (encoders included), per order. Steps ≤ `plannedSteps`
 * never exceed ε; the training loop checks each next step against it.
 */
export class PrivacyLedger {
  private readonly base: Float64Array;
  private readonly perStep: Float64Array;

  constructor(readonly plan: PrivacyPlan) {
    this.base = gaussianRdpCurve(plan.encoder.noiseMultiplier);
    this.perStep = sgmRdpCurve(plan.sampleRate, plan.noiseMultiplier, 1);
  }

  epsilonAfter(steps: number): number {
    const rdp = this.base.map((b, k) => b + steps * this.perStep[k]!);
    return rdpToEpsilon(rdp, this.plan.deltaRdp, DEFAULT_ORDERS).epsilon;
  }
}
