/** The samplers a diffusion model can draw with (the spec's `model.sampler`); see samplers.ts. */
export const SAMPLER_NAMES = ['heun', 'euler-maruyama', 'edm-stochastic', 'dpmpp-2m'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/**
 * How a table model imputes when the caller names no sampler: DPM-Solver++(2M) at 20 steps. The blend
 * averages 10 draws, and on the shared yardsticks this is as accurate as EDM's stochastic sampler at 50
 * steps with 2.5× fewer network evaluations (bench/RESULTS.md, impute sampler). Generation keeps Heun 50.
 * From LARGE_IMPUTE_ROWS rows 10 steps (`largeTableSteps`): there the forests carry the blend, the draws
 * cost the main thread half a minute per 10 steps on a 10,545-row table, and 10 steps imputed the same
 * bytes on gapminder (9 and 30 columns) and SLID RMSE 0.9132 vs 0.9124 (mask 1). Below, 10 steps were no
 * better (7 shared tables: −0.010 to +0.003 RMSE, breast_cancer accuracy −1.3 points), and the draws
 * there overlap the forests anyway.
 */
export const DEFAULT_IMPUTE_SAMPLER = { sampler: 'dpmpp-2m', steps: 20, largeTableSteps: 10 } as const satisfies { sampler: SamplerName; steps: number; largeTableSteps: number };

/**
 * Rows from which an imputation's forests carry the blend, so its other parts get cheaper: the default
 * sampler takes `largeTableSteps`, the impute-only model trains fewer steps (tabular.ts imputeSizing), and
 * the chained forests grow fewer warm-up and held-fill trees (impute/chained.ts). One threshold for all three.
 */
export const LARGE_IMPUTE_ROWS = 5000;

/** A sampler and its steps; `byRows`: the spec named neither, and a blend's draws take their steps by the imputed rows (imputeSampling). */
export type Sampling = { sampler: SamplerName; steps: number; byRows?: true };

/** How a model generates when the caller names no sampler (tables and images): Heun's deterministic ODE. */
export const DEFAULT_GENERATE_SAMPLER = 'heun' satisfies SamplerName;

/** Steps of a table model's sampler when the caller names the sampler but not its steps (images: 24, spec/normalize.ts). */
export const DEFAULT_SAMPLER_STEPS = 50;

/**
 * Steps of a table model's default generation sampler (Heun) when the caller names neither sampler nor
 * steps: 30 (59 network evaluations per row instead of 50 steps' 99). Same model, same starting noise,
 * 6–10 seeds per table against Heun 50 (bench/RESULTS.md, "Generation: Heun 30"): HGB detection
 * −0.006 / −0.005 / −0.001 on credit_data / SLID / gss_cat (−0.007 ± 0.004 over 16 seeds on a credit_data
 * model trained as long as the default), shapes and trends within 0.0003, DCR share within 0.0003, at
 * 1.6–1.8× the rows per second. Heun 20 lost 0.011 of detection on credit_data, and DPM-Solver++(2M) 30
 * lost 0.010 on the longer-trained model.
 */
export const DEFAULT_GENERATE_STEPS = 30;

/**
 * The sampler and steps a table model generates with: the caller's, else Heun at DEFAULT_GENERATE_STEPS;
 * a sampler named without steps takes DEFAULT_SAMPLER_STEPS, as in `imputeSampling`.
 */
export function generateSampling(sampler?: SamplerName, steps?: number): { sampler: SamplerName; steps: number } {
  if (sampler) return { sampler, steps: steps ?? DEFAULT_SAMPLER_STEPS };
  return { sampler: DEFAULT_GENERATE_SAMPLER, steps: steps ?? DEFAULT_GENERATE_STEPS };
}

/**
 * The sampler and steps a table model imputes with: the caller's, else DEFAULT_IMPUTE_SAMPLER's (by `rows`
 * where given: the blend's draws); a sampler named without steps takes DEFAULT_SAMPLER_STEPS. One rule for
 * the spec, the blend and the library.
 */
export function imputeSampling(sampler?: SamplerName, steps?: number, rows = 0): { sampler: SamplerName; steps: number } {
  if (sampler) return { sampler, steps: steps ?? DEFAULT_SAMPLER_STEPS };
  const d = DEFAULT_IMPUTE_SAMPLER;
  return { sampler: d.sampler, steps: steps ?? (rows >= LARGE_IMPUTE_ROWS ? d.largeTableSteps : d.steps) };
}
