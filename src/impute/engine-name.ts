/**
 * Imputation engines a spec can name. `auto` blends the diffusion model's pooled draws with chained
 * random forests and chained ridge regressions, weighted per column by held-out error (impute/blend.ts).
 */
export const IMPUTE_ENGINES = ['auto', 'diffusion', 'forest', 'ridge'] as const;
export type ImputeEngine = (typeof IMPUTE_ENGINES)[number];
