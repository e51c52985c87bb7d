/** The samplers a diffusion model can draw with (the spec's `model.sampler`); see samplers.ts. */
export const SAMPLER_NAMES = ['heun', 'euler-maruyama', 'edm-stochastic', 'dpmpp-2m'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];
