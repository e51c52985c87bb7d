/**
 * The columns a table spec names — `columns.<name>`, `evaluate.efficacy.target`, `tasks[i].fixed.<name>` —
 * checked against the source's header before anything is trained or written: by `synthdiff validate`
 * and at the start of `synthdiff run`. Values of `fixed` are checked on the data once it is loaded.
 */
import { SpecError } from '../errors.js';
import { readArrowBatches } from '../io/arrow-stream.js';
import { readCsvHeader } from '../io/csv-stream.js';
import { formatFromPath } from '../io/table-io.js';
import { messages } from '../messages.js';
import { closest } from '../spec/parse.js';
import type { NormalizedSpec } from '../spec/normalize.js';
import { isCategorical, type Table } from '../table/table.js';
import type { SourceRead } from './plan.js';

/** The source's column names: a CSV's header line, an Arrow file's schema. */
export async function sourceHeader(read: SourceRead): Promise<string[]> {
  if ((read.format ?? formatFromPath(read.path)) === 'csv') return readCsvHeader(read.path, { delimiter: read.delimiter });
  for await (const b of readArrowBatches(read.path, { end: 1 })) return b.table.columns.map((c) => c.name);
  return [];
}

/** Throws a SpecError (with a did-you-mean) for the first column the spec names that `header` lacks or the model never sees. */
export function checkSpecColumns(ns: NormalizedSpec, header: readonly string[], source: string): void {
  const cols = ns.spec.columns;
  const unknown = (where: string, name: string) => {
    if (!header.includes(name)) throw new SpecError(messages.specColumnMissing(where, source, header, closest(name, header)));
  };
  const modelled = (where: string, name: string) => {
    unknown(where, name);
    const c = Object.hasOwn(cols, name) ? cols[name] : undefined;
    if (c?.drop || c?.passthrough) throw new SpecError(messages.specColumnNotModelled(where, name, c.drop ? 'drop: true' : 'kind: passthrough'));
  };
  for (const name of Object.keys(cols)) unknown(`columns.${name}`, name);
  if (ns.spec.split.groupBy !== undefined) unknown('split.groupBy', ns.spec.split.groupBy);
  const target = ns.spec.evaluate?.efficacy?.target;
  if (target !== undefined) modelled('evaluate.efficacy.target', target);
  ns.spec.tasks.forEach((t, i) => {
    if (t.type === 'generate' && t.fixed) for (const name of Object.keys(t.fixed)) modelled(`tasks[${i}].fixed.${name}`, name);
  });
}

/** Each generate task's `fixed` values against the loaded table: a label it holds, a number for a number column. */
export function checkFixedValues(tasks: readonly { type: string; index: number; fixed?: Record<string, string | number | boolean> }[], table: Table): void {
  tasks.forEach((t) => {
    const i = t.index;
    if (t.type !== 'generate' || !t.fixed) return;
    for (const [name, v] of Object.entries(t.fixed)) {
      const c = table.columns.find((x) => x.name === name);
      if (!c) continue;
      if (isCategorical(c)) {
        if (!c.categories.includes(String(v))) throw new SpecError(messages.fixedValueUnknown(`tasks[${i}].fixed.${name}`, String(v), c.categories, closest(String(v), c.categories)));
      } else if (typeof v !== 'number') throw new SpecError(messages.fixedValueNotNumber(`tasks[${i}].fixed.${name}`, c.kind, JSON.stringify(v)));
    }
  });
}
