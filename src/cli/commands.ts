import { readTable } from '../io/table-io.js';
import { formatSchema, type TableSchema } from '../table/infer.js';
import { createLogger } from '../report/log.js';
import { runTablePipeline } from '../run/table/run.js';
import { loadImagePipeline } from '../run/image/load.js';
import { renderReportHtml } from '../report/html.js';
import { PrivacyGateError, SpecError, isUserError } from '../errors.js';
import { gateLine, parseFailOn, privacyGate } from '../run/privacy-gate.js';
import { headlineScores } from '../report/headline.js';
import { columnsBlock } from '../spec/columns-block.js';
import { join, resolve } from 'node:path';
import { evaluateFiles } from '../run/evaluate.js';
import { loadSpec } from '../spec/normalize.js';
import { checkOutputs, checkTargets, outputRoot } from '../run/outputs.js';
import { messages } from '../messages.js';
import { checkSpecColumns, sourceHeader } from '../run/columns.js';
import { sourceRead } from '../run/plan.js';
import { writeReport } from '../run/report-file.js';
import { readColumnsFile } from '../spec/columns-file.js';

/** `--json`: stdout holds one JSON object and nothing else; logs stay on stderr. */
function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export async function runCommand(specPath: string, opts: { quiet?: boolean; json?: boolean; force?: boolean }): Promise<void> {
  const ns = await loadSpec(specPath);
  const log = createLogger({ quiet: opts.quiet });
  if (ns.spec.kind === 'image') {
    const { runImagePipeline } = await loadImagePipeline();
    const report = await runImagePipeline(ns, { log, renderHtml: renderReportHtml, force: opts.force });
    if (opts.json) printJson(report);
    return;
  }
  const report = await runTablePipeline(ns, { log, renderHtml: renderReportHtml, force: opts.force });
  if (opts.json) printJson(report);
  else {
    const lines = headlineScores(report.evaluation);
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  }
}

export async function validateCommand(specPath: string, opts: { json?: boolean } = {}): Promise<void> {
  if (!opts.json) return validate(specPath, false);
  try {
    await validate(specPath, true);
  } catch (e) {
    // The JSON result says why; the error still goes to stderr and the exit code is still 1.
    if (isUserError(e)) printJson({ spec: specPath, valid: false, error: e.message });
    throw e;
  }
}

async function validate(specPath: string, json: boolean): Promise<void> {
  const ns = await loadSpec(specPath);
  const { tasks } = ns.spec;
  const outputs = checkOutputs(ns);
  // A table spec's column names against the source's header: a typo fails here, not after training.
  let source = '';
  let sourceJson: { path: string; columns: string[] } | undefined;
  if (ns.spec.kind !== 'image') {
    const read = sourceRead(ns);
    const header = await sourceHeader(read);
    checkSpecColumns(ns, header, read.path);
    source = `source ${read.path}: ${header.length} column${header.length === 1 ? '' : 's'}, every column the spec names is there\n`;
    sourceJson = { path: read.path, columns: header };
  }
  const root = outputRoot(ns);
  if (json) {
    printJson({
      spec: specPath,
      valid: true,
      specHash: ns.hash,
      tasks: tasks.map((t) => t.type),
      ...(sourceJson ? { source: sourceJson } : {}),
      outputRoot: root ?? null,
      writes: outputs.map((o) => ({ what: o.what, path: o.path, kind: o.kind })),
    });
    return;
  }
  const width = Math.max(0, ...outputs.map((o) => o.what.length));
  process.stdout.write(
    `${specPath}: valid (spec ${ns.hash.slice(0, 12)}; ${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${tasks.map((t) => t.type).join(', ') || 'none'})\n` +
      source +
      (outputs.length ? `writes (${root ? `inside ${root}` : 'outputsAnywhere: true'}):\n${outputs.map((o) => `  ${o.what.padEnd(width)}  ${o.path}${o.kind === 'folder' ? '/' : ''}\n`).join('')}` : 'writes nothing\n'),
  );
}

export async function inspectCommand(data: string, opts: { json?: boolean; spec?: boolean; delimiter?: string; missing?: string[] }): Promise<void> {
  if (opts.json && opts.spec) throw new SpecError(messages.flagsExclusive('--json and --spec', 'the schema as JSON, or a spec columns: block'));
  const delimiter = opts.delimiter === 'tab' ? '\t' : (opts.delimiter as ',' | ';' | undefined);
  const { schema, format } = await readTable(data, { delimiter, missing: opts.missing });
  if (opts.spec) process.stdout.write(columnsBlock(schema, data));
  else if (opts.json) process.stdout.write(`${JSON.stringify({ file: data, format, ...schema }, null, 2)}\n`);
  else process.stdout.write(`${data} (${format}), ${describeMissing(schema)}\n${formatSchema(schema)}\n`);
}

function describeMissing(s: TableSchema): string {
  const missing = s.columns.reduce((a, c) => a + c.missing, 0);
  return `${missing} missing cells`;
}

/** Grade any synthetic table against real data, no model needed (run/evaluate.ts). */
export async function evaluateCommand(opts: {
  real: string;
  synthetic: string;
  holdout?: string;
  out?: string;
  outputsAnywhere?: boolean;
  seed: string;
  quiet?: boolean;
  json?: boolean;
  failOn?: string;
  records?: boolean;
  columns?: string;
  target?: string;
}): Promise<void> {
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new SpecError(messages.flagNotNonNegativeInteger('--seed', opts.seed));
  // The gate's thresholds are checked before anything is read.
  const thresholds = opts.failOn !== undefined ? parseFailOn(opts.failOn) : undefined;
  if (thresholds && opts.holdout === undefined) throw new SpecError(messages.failOnNeedsHoldout());
  if (opts.target !== undefined && opts.holdout === undefined) throw new SpecError(messages.targetNeedsHoldout());
  const columns = opts.columns !== undefined ? await readColumnsFile(opts.columns) : undefined;
  if (opts.out) checkEvaluateOut(resolve(opts.out), opts);
  const log = createLogger({ quiet: opts.quiet });
  const report = await evaluateFiles({ real: opts.real, synthetic: opts.synthetic, holdout: opts.holdout, seed, log, records: opts.records !== false, ...(columns ? { columns } : {}), ...(opts.target !== undefined ? { target: opts.target } : {}) });
  const evaluation = report.evaluation!;
  if (thresholds && evaluation.privacy) evaluation.gate = privacyGate(evaluation.privacy, thresholds);
  // --no-records: no real row and no local path in what may leave the site.
  if (opts.out) await writeReport(report, { dir: opts.out, html: true, ...(opts.records === false ? { records: false as const } : {}) }, renderReportHtml, log);
  if (opts.json) printJson(report);
  else {
    const lines = headlineScores(evaluation);
    if (!evaluation.privacy) lines.push('privacy            skipped (pass --holdout)');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  // A failed gate exits 1 with one line, after the report that shows why was written.
  if (evaluation.gate) {
    if (!evaluation.gate.passed) throw new PrivacyGateError(gateLine(evaluation.gate));
    log.info(gateLine(evaluation.gate));
  }
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
