/**
 * Synthesis engines a generate task can name. `auto` (default) runs sequential CART (synth/cart.ts) when its
 * leaf size passes the validation privacy check (synth/tune.ts), and the diffusion model otherwise.
 */
export const GENERATE_ENGINES = ['auto', 'diffusion', 'trees'] as const;
export type GenerateEngine = (typeof GENERATE_ENGINES)[number];
