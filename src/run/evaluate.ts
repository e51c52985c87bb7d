/**
 * `synthdiff evaluate`: grade any synthetic table against real data, no model needed (outliers from
 * Isolation Forest). The synthetic and holdout tables are re-coded against the real table's categories so
 * codes compare. Its report is a RunReport built here, in one place, with the real table's counts.
 */
import { basename } from 'node:path';
import { readTable, type ReadTableOptions } from '../io/table-io.js';
import { SpecError } from '../errors.js';
import { messages } from '../messages.js';
import { closest } from '../spec/parse.js';
import type { ColumnsFile } from '../spec/columns-file.js';
import type { Logger } from '../report/log.js';
import type { RunReport } from '../report/model.js';
import { alignTables } from '../table/align.js';
import { profileTable } from '../table/infer.js';
import { missingCount, type Table } from '../table/table.js';
import { packageVersion } from './header.js';
import { evaluateTables } from './table/evaluate.js';

export async function evaluateFiles(o: {
  real: string;
  synthetic: string;
  holdout?: string;
  seed: number;
  log: Logger;
  records?: boolean;
  /** `--columns FILE`: kinds, missing tokens and delimiter for all three tables; dropped and passthrough columns left out. */
  columns?: ColumnsFile;
  /** `--target COLUMN`: ML efficacy on this column (train on real or synthetic, test on the holdout). */
  target?: string;
}): Promise<RunReport> {
  const c = o.columns;
  const overrides = c ? Object.fromEntries(Object.entries(c.columns).map(([k, v]) => [k, { ...(v.kind && v.kind !== 'passthrough' ? { kind: v.kind } : {}), ...(v.missing ? { missing: v.missing } : {}) }])) : undefined;
  const read: ReadTableOptions = { ...(overrides ? { columns: overrides } : {}), ...(c?.delimiter ? { delimiter: c.delimiter } : {}), ...(c?.missing ? { missing: c.missing } : {}) };
  const left = new Set(Object.entries(c?.columns ?? {}).filter(([, v]) => v.drop || v.kind === 'passthrough').map(([k]) => k));
  const load = async (path: string): Promise<Table> => {
    const t = (await readTable(path, read)).table;
    return left.size ? { nRows: t.nRows, columns: t.columns.filter((x) => !left.has(x.name)) } : t;
  };
  const real = await load(o.real);
  if (o.target !== undefined && !real.columns.some((x) => x.name === o.target)) {
    const names = real.columns.map((x) => x.name);
    throw new SpecError(messages.specColumnMissing(`--target ${o.target}`, o.real, names, closest(o.target, names)));
  }
  const synthetic = await load(o.synthetic);
  const holdout = o.holdout ? await load(o.holdout) : undefined;
  return gradeSynthetic({ real, synthetic, holdout, seed: o.seed, log: o.log, records: o.records, ...(o.target !== undefined ? { target: o.target } : {}), names: { real: o.real, synthetic: o.synthetic, holdout: o.holdout } });
}

/**
 * The same grading on tables in memory (the library's `evaluate`): `names` say what the report and any
 * error call each table (file paths for `synthdiff evaluate`).
 */
export async function gradeSynthetic(o: {
  real: Table;
  synthetic: Table;
  holdout?: Table;
  seed: number;
  log: Logger;
  /** false: no real row in the report (the outlier section's most unusual real rows). */
  records?: boolean;
  /** ML efficacy on this column (needs the holdout). */
  target?: string;
  names?: { real?: string; synthetic?: string; holdout?: string };
}): Promise<RunReport> {
  const t0 = performance.now();
  const { real, synthetic, holdout } = o;
  const realName = o.names?.real ?? 'real';
  const synthName = o.names?.synthetic ?? 'synthetic';
  const holdoutName = o.names?.holdout ?? 'holdout';
  const [r, s, h] = alignTables(real, holdout ? [synthetic, holdout] : [synthetic], holdout ? [synthName, holdoutName] : [synthName]);
  const evaluation = await evaluateTables({ fidelity: true, detection: true, privacy: Boolean(h), outliers: true, ...(o.target !== undefined ? { efficacy: { target: o.target } } : {}) }, { train: r, synthetic: s, holdout: h, seed: o.seed, records: o.records }, o.log);
  return {
    synthdiff: await packageVersion(),
    name: `evaluate ${basename(synthName)}`,
    specHash: '',
    seed: o.seed,
    startedAt: new Date().toISOString(),
    versions: { node: process.versions.node },
    timings: { evaluate: Math.round(performance.now() - t0) / 1000 },
    data: {
      source: realName,
      rows: real.nRows,
      columns: real.columns.length,
      dropped: [],
      trainRows: real.nRows,
      holdoutRows: holdout?.nRows ?? 0,
      missingCells: real.columns.reduce((n, c) => n + missingCount(c), 0),
      schema: profileTable(r),
    },
    tasks: [{ type: 'graded', output: synthName, rows: synthetic.nRows, seconds: 0 }],
    evaluation,
  };
}
