/**
 * Synthesis engines a generate task can name. `auto` (default) runs the panel engine (synth/panel.ts) on an
 * entity × time table, or sequential CART (synth/cart.ts), when its validation (synth/tune.ts) finds it
 * private and faithful, and the diffusion model otherwise.
 */
export const GENERATE_ENGINES = ['auto', 'diffusion', 'trees', 'panel'] as const;
export type GenerateEngine = (typeof GENERATE_ENGINES)[number];
