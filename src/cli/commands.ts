import { loadSpec } from '../spec/parse.js';
import { readTable } from '../io/table-io.js';
import { formatSchema, type TableSchema } from '../table/infer.js';
import { createLogger } from '../report/log.js';
import { runTablePipeline } from '../pipeline/run.js';
import { SpecError } from '../errors.js';

export async function runCommand(specPath: string, opts: { quiet?: boolean }): Promise<void> {
  const ns = await loadSpec(specPath);
  if (ns.spec.source.format === 'dicom') throw new SpecError(`${specPath}: source.format dicom: image pipelines are not available yet`);
  const log = createLogger({ quiet: opts.quiet });
  await runTablePipeline(ns, { log });
}

export async function validateCommand(specPath: string): Promise<void> {
  const ns = await loadSpec(specPath);
  const tasks = ns.spec.tasks ?? [];
  process.stdout.write(`${specPath}: valid (spec ${ns.hash.slice(0, 12)}; ${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${tasks.map((t) => t.type).join(', ') || 'none'})\n`);
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

export async function evaluateCommand(): Promise<void> {
  throw new SpecError('evaluate: not available yet');
}
