/**
 * Issue 11: the exact numeric relations findNumericRelations finds in each table given (CSV paths), and the
 * time the search takes. usage: npx tsx bench/prototypes/relations-search.mts TABLE.csv...
 */
import { readTable } from '../../src/io/table-io.js';
import { findNumericRelations } from '../../src/table/relations.js';
for (const f of process.argv.slice(2)) {
  const { table } = await readTable(f);
  const t = performance.now();
  const r = findNumericRelations(table);
  console.log(f.split('/').slice(-2).join('/'), `${(performance.now() - t).toFixed(0)} ms`, JSON.stringify(r.map((x) => `${x.target} ~ ${x.form}(${x.byRow ? 'row' : x.inputs.join(',')}) ${x.coefs.map((c) => c.toFixed(3)).join(',')} max ${x.maxResidual.toExponential(2)} n ${x.rows}`)));
}
