/**
 * A pipeline spec run from code: what `synthdiff run <spec>` does, returning the report. Image (DICOM)
 * pipelines load their modules only when a spec asks for one.
 */
import { renderReportHtml } from '../report/html.js';
import { createLogger } from '../report/log.js';
import type { ImageRunReport, RunReport } from '../report/model.js';
import { loadImagePipeline } from '../run/image/load.js';
import { runTablePipeline } from '../run/table/run.js';
import { loadSpec } from '../spec/normalize.js';

export async function runPipeline(specPath: string, opts: { quiet?: boolean } = {}): Promise<RunReport | ImageRunReport> {
  const ns = await loadSpec(specPath);
  const log = createLogger({ quiet: opts.quiet ?? true });
  if (ns.spec.kind === 'image') {
    const { runImagePipeline } = await loadImagePipeline();
    return runImagePipeline(ns, { log, renderHtml: renderReportHtml });
  }
  return runTablePipeline(ns, { log, renderHtml: renderReportHtml });
}
