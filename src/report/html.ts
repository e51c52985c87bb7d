/**
 * report.html and merge.html: one self-contained page each (inline CSS and SVG, no scripts, fonts or
 * network loads). The parts live in ./html/, split the way the page is: core.ts (the escaping `html`
 * template, formatting, building blocks, summary cards), header.ts, areas/ (one module per evaluation
 * area exporting its `{card, section}`, listed once in areas/index.ts), images.ts, page.ts (CSS and the
 * page frame), run.ts (report.html) and merge.ts (merge.html).
 *
 * Everything derived from data goes through the `html` tagged template, which escapes interpolations unless
 * they are explicitly `raw` (markup produced here or by ./svg.ts). Output depends only on the report, so the
 * same report always renders to the same string.
 */
export { fmtSeconds, fmtTimestamp } from './html/core.js';
export { collapseCategories, correlationDifference, worstFirst } from './html/areas/fidelity.js';
export { splitMethods } from './html/areas/imputation.js';
export { renderReportHtml } from './html/run.js';
export { renderMergeHtml } from './html/merge.js';
