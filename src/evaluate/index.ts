/** Evaluators over typed `Table`s: fidelity, detection, privacy, imputation (hidden cells, and imputed vs observed in real holes), outliers, ML efficacy, α-precision/β-recall, validity. */
export * from './fidelity.js';
export * from './detection.js';
export * from './privacy.js';
export * from './imputation.js';
export * from './imputed.js';
export * from './outliers.js';
export * from './efficacy.js';
export * from './precision-recall.js';
export * from './validity.js';
export * from './forest.js';
export * from './encode.js';
export * from './schema.js';
export * from './stats.js';
