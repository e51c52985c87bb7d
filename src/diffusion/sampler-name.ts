/** The samplers a diffusion model can draw with (the spec's `model.sampler`); see samplers.ts. */
export type SamplerName = 'heun' | 'euler-maruyama' | 'edm-stochastic' | 'dpmpp-2m';
