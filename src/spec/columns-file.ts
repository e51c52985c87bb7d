import { readSpecFile, validateSpec } from './parse.js';
import type { ColumnSpec, PipelineSpec } from './types.js';

/** How `synthdiff evaluate --columns FILE` reads its tables: the spec's column overrides and source read options. */
export interface ColumnsFile {
  columns: Record<string, ColumnSpec>;
  delimiter?: ',' | ';' | '\t';
  missing?: string[];
}

/**
 * A columns file for `evaluate --columns`: a pipeline spec (its `columns`, `source.delimiter` and
 * `source.missing` are used), or a file holding just `columns:` (with `delimiter:` / `missing:` beside it if
 * needed). Checked against the pipeline schema, so a wrong kind or key fails in one line as in a spec.
 */
export async function readColumnsFile(path: string): Promise<ColumnsFile> {
  const raw = (await readSpecFile(path).catch(async (e: unknown) => {
    // Not a whole spec: read it as a bare columns block, validated inside a minimal spec.
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw e;
    }
    const doc = parse(text) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object' || 'version' in doc || 'source' in doc || 'tasks' in doc) throw e;
    const columns = (doc.columns ?? doc) as unknown;
    const source = { path: 'table.csv', ...(doc.delimiter !== undefined ? { delimiter: doc.delimiter } : {}), ...(doc.missing !== undefined ? { missing: doc.missing } : {}) };
    return validateSpec({ version: 1, name: 'columns', source, columns, tasks: [{ type: 'profile', output: { path: 'schema.csv' } }] }, path);
  })) as PipelineSpec;
  const source = raw.source as { delimiter?: ',' | ';' | '\t'; missing?: string[] };
  return { columns: (raw.columns ?? {}) as Record<string, ColumnSpec>, ...(source.delimiter ? { delimiter: source.delimiter } : {}), ...(source.missing ? { missing: source.missing } : {}) };
}
