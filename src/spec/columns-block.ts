/**
 * `synthdiff inspect <data> --spec`: the inferred schema as a pipeline spec's `columns:` block, ready to
 * paste. Every column gets its kind as read; identifier-like and constant columns get `drop: true`, and
 * a comment says why, as does an integer column that looks like category codes.
 */
import type { ColumnSchema, TableSchema } from '../table/infer.js';

/** Fewer observed rows than this and "every value distinct" says nothing: no column is called an identifier. */
export const ID_LIKE_MIN_ROWS = 10;
const ID_NAME = /(^|[^a-z])(id|uuid|guid)([^a-z]|$)|ids?$/i;

/** Why a column looks like an identifier (every value distinct, and a label, or consecutive integers or an id-like name); undefined if not. */
export function idLike(c: ColumnSchema, nRows: number): string | undefined {
  const observed = nRows - c.missing;
  if (observed < ID_LIKE_MIN_ROWS || c.distinct !== observed) return undefined;
  const why = `id-like: ${c.distinct.toLocaleString('en-US')} distinct values in ${nRows.toLocaleString('en-US')} rows`;
  if (c.kind === 'categorical') return why;
  if (c.kind === 'integer' && (ID_NAME.test(c.name) || (c.max !== undefined && c.min !== undefined && c.max - c.min + 1 === c.distinct))) return why;
  return undefined;
}

/** Why a column carries no information: no observed value, or one value in every row; undefined if not. */
export function constant(c: ColumnSchema): string | undefined {
  if (c.distinct === 0) return 'empty: every cell is missing';
  if (c.distinct === 1 && c.missing === 0) return `constant: ${c.categories ? JSON.stringify(c.categories.find((_, i) => (c.counts?.[i] ?? 0) > 0)) : String(c.min)} in every row`;
  return undefined;
}

const YAML_PLAIN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const YAML_RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** A column name as a YAML mapping key: plain where YAML reads it back as the same string, else double-quoted. */
export function yamlKey(name: string): string {
  return YAML_PLAIN.test(name) && !YAML_RESERVED.test(name) ? name : JSON.stringify(name);
}

export function columnsBlock(schema: TableSchema, source: string): string {
  const rows = schema.columns.map((c) => {
    const drop = idLike(c, schema.nRows) ?? constant(c);
    const entry = `  ${yamlKey(c.name)}: { ${drop ? 'drop: true' : `kind: ${c.kind}`} }`;
    const comment = drop
      ? `${drop}${drop.startsWith('id-like') ? '; kind: passthrough keeps it beside imputed rows' : ''}`
      : c.possiblyCategorical
        ? `possibly categorical: ${c.distinct} distinct integer codes; kind: categorical if they are labels`
        : undefined;
    return { entry, comment };
  });
  const width = Math.max(...rows.map((r) => (r.comment ? r.entry.length : 0)));
  return [
    `# columns of ${source} as read (${schema.nRows.toLocaleString('en-US')} rows): paste into a pipeline spec and edit`,
    'columns:',
    ...rows.map((r) => (r.comment ? `${r.entry.padEnd(width)}  # ${r.comment}` : r.entry)),
  ].join('\n') + '\n';
}
