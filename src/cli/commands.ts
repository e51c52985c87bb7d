import { readTable } from '../io/table-io.js';
import { formatSchema, type TableSchema } from '../table/infer.js';
import { createLogger } from '../report/log.js';
import { runTablePipeline } from '../run/table/run.js';
import { loadImagePipeline } from '../run/image/load.js';
import { renderReportHtml } from '../report/html.js';
import { SpecError } from '../errors.js';
import { join, resolve } from 'node:path';
import { evaluateFiles } from '../run/evaluate.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadSpec } from '../spec/normalize.js';
import { checkOutputs, checkTargets, outputRoot } from '../run/outputs.js';
import { messages } from '../messages.js';
import { checkSpecColumns, sourceHeader } from '../run/columns.js';
import { sourceRead } from '../run/plan.js';

export async function runCommand(specPath: string, opts: { quiet?: boolean }): Promise<void> {
  const ns = await loadSpec(specPath);
  const log = createLogger({ quiet: opts.quiet });
  if (ns.spec.kind === 'image') {
    const { runImagePipeline } = await loadImagePipeline();
    await runImagePipeline(ns, { log, renderHtml: renderReportHtml });
    return;
  }
  await runTablePipeline(ns, { log, renderHtml: renderReportHtml });
}

export async function validateCommand(specPath: string): Promise<void> {
  const ns = await loadSpec(specPath);
  const { tasks } = ns.spec;
  const outputs = checkOutputs(ns);
  // A table spec's column names against the source's header: a typo fails here, not after training.
  let source = '';
  if (ns.spec.kind !== 'image') {
    const read = sourceRead(ns);
    const header = await sourceHeader(read);
    checkSpecColumns(ns, header, read.path);
    source = `source ${read.path}: ${header.length} column${header.length === 1 ? '' : 's'}, every column the spec names is there\n`;
  }
  const root = outputRoot(ns);
  const width = Math.max(0, ...outputs.map((o) => o.what.length));
  process.stdout.write(
    `${specPath}: valid (spec ${ns.hash.slice(0, 12)}; ${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${tasks.map((t) => t.type).join(', ') || 'none'})\n` +
      source +
      (outputs.length ? `writes (${root ? `inside ${root}` : 'outputsAnywhere: true'}):\n${outputs.map((o) => `  ${o.what.padEnd(width)}  ${o.path}${o.kind === 'folder' ? '/' : ''}\n`).join('')}` : 'writes nothing\n'),
  );
}

export async function inspectCommand(data: string, opts: { json?: boolean; delimiter?: string; missing?: string[] }): Promise<void> {
  const delimiter = opts.delimiter === 'tab' ? '\t' : (opts.delimiter as ',' | ';' | undefined);
  const { schema, format } = await readTable(data, { delimiter, missing: opts.missing });
  if (opts.json) process.stdout.write(`${JSON.stringify({ file: data, format, ...schema }, null, 2)}\n`);
  else process.stdout.write(`${data} (${format}), ${describeMissing(schema)}\n${formatSchema(schema)}\n`);
}

function describeMissing(s: TableSchema): string {
  const missing = s.columns.reduce((a, c) => a + c.missing, 0);
  return `${missing} missing cells`;
}

/** Grade any synthetic table against real data, no model needed (run/evaluate.ts). */
export async function evaluateCommand(opts: { real: string; synthetic: string; holdout?: string; out?: string; outputsAnywhere?: boolean; seed: string; quiet?: boolean }): Promise<void> {
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new SpecError(`--seed: must be a non-negative integer, got "${opts.seed}"`);
  if (opts.out) checkEvaluateOut(resolve(opts.out), opts);
  const log = createLogger({ quiet: opts.quiet });
  const report = await evaluateFiles({ real: opts.real, synthetic: opts.synthetic, holdout: opts.holdout, seed, log });
  const evaluation = report.evaluation!;
  if (opts.out) {
    await writeFileAtomic(join(opts.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFileAtomic(join(opts.out, 'report.html'), renderReportHtml(report));
    log.info(`report: ${join(opts.out, 'report.json')}, report.html`);
  }
  const f = evaluation.fidelity!, d = evaluation.detection!, p = evaluation.privacy;
  process.stdout.write(
    [
      `column shapes      ${f.shapes.score.toFixed(3)}  (${f.shapes.definition})`,
      `column-pair trends ${f.trends.score.toFixed(3)}  (real-edge bins: ${f.trends.realBinsScore?.toFixed(3)})`,
      `detection          ${d.score.toFixed(3)}  (AUC ${d.auc.toFixed(3)}, ${d.model})`,
      ...(p ? [`DCR share          ${p.dcrShare.toFixed(3)}  (0.5 ideal; exact copies ${p.exactCopyRate.toFixed(4)}, holdout's own ${p.holdoutExactCopyRate.toFixed(4)})`] : ['privacy            skipped (pass --holdout)']),
    ].join('\n') + '\n',
  );
}

/**
 * `evaluate --out`, fenced as a run's outputs are (run/outputs.ts): inside the working directory unless
 * `--outputs-anywhere`, never onto an input table, a folder whose report files can be written. Checked
 * before anything is read or written.
 */
function checkEvaluateOut(out: string, opts: { real: string; synthetic: string; holdout?: string; outputsAnywhere?: boolean }): void {
  const cwd = process.cwd();
  const inputs = [
    { what: '--real', path: resolve(opts.real) },
    { what: '--synthetic', path: resolve(opts.synthetic) },
    ...(opts.holdout !== undefined ? [{ what: '--holdout', path: resolve(opts.holdout) }] : []),
  ];
  checkTargets(
    [
      { what: '--out', path: out, kind: 'folder' },
      { what: '--out (report.json)', path: join(out, 'report.json'), kind: 'file' },
      { what: '--out (report.html)', path: join(out, 'report.html'), kind: 'file' },
    ],
    { inputs, refuse: (m) => new SpecError(m), outside: (t) => messages.cliOutputOutside(t.what, t.path, cwd), ...(opts.outputsAnywhere ? {} : { root: cwd }) },
  );
}
