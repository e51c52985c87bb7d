/** The samplers a diffusion model can draw with (the spec's `model.sampler`); see samplers.ts. */
export const SAMPLER_NAMES = ['heun', 'euler-maruyama', 'edm-stochastic', 'dpmpp-2m'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/**
 * How a table model imputes when the caller names no sampler: DPM-Solver++(2M) at 20 steps. The blend
 * averages 10 draws, and on the shared yardsticks this is as accurate as EDM's stochastic sampler at 50
 * steps with 2.5× fewer network evaluations (bench/RESULTS.md, impute sampler). Generation keeps Heun 50.
 */
export const DEFAULT_IMPUTE_SAMPLER = { sampler: 'dpmpp-2m', steps: 20 } as const satisfies { sampler: SamplerName; steps: number };

/** How a model generates when the caller names no sampler (tables and images): Heun's deterministic ODE. */
export const DEFAULT_GENERATE_SAMPLER = 'heun' satisfies SamplerName;

/** Steps of a table model's sampler when the caller names none (images: 24, spec/normalize.ts). */
export const DEFAULT_SAMPLER_STEPS = 50;

/**
 * The sampler and steps a table model imputes with: the caller's, else DEFAULT_IMPUTE_SAMPLER's; a sampler
 * named without steps takes DEFAULT_SAMPLER_STEPS. One rule for the spec, the blend and the library.
 */
export function imputeSampling(sampler?: SamplerName, steps?: number): { sampler: SamplerName; steps: number } {
  return sampler ? { sampler, steps: steps ?? DEFAULT_SAMPLER_STEPS } : { sampler: DEFAULT_IMPUTE_SAMPLER.sampler, steps: steps ?? DEFAULT_IMPUTE_SAMPLER.steps };
}
