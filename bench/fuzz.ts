/**
 * Fuzz bench (issue 17): `npm run bench:fuzz [-- --mutants N --seed S --hang-ms MS --out FILE --keep]`.
 *
 * Seeded mutants of small valid inputs go through the readers a run uses, and each outcome is counted:
 * - read        the mutant still reads (a mutation can be harmless)
 * - one-line    refused with a user error (SpecError, DataError, DicomError, ModelError) in one line that
 *               names the file
 * - unnamed     refused with a one-line user error that does not name the file (spec keys only, say)
 * - multi-line  a user error over several lines
 * - crash       anything else thrown (TypeError, RangeError, a library's own error): a bug
 * - hang        no answer within --hang-ms (default 5,000): the worker is killed and the next mutant runs
 *
 * Inputs and what reads them (N mutants split 25/15/15/20/25 %):
 * - CSV          fixtures/fuzz/penguins-40.csv       readTable (whole) and readTableBatches (streamed)
 * - Arrow file   the same table as IPC file           same
 * - Arrow stream the same table as IPC stream         same
 * - spec         pipelines/default.yaml, paths fixed  loadSpec, planTable/planImage, checkOutputs (= validate)
 * - DICOM        MR_small, CT_small, brain-mr slice   readDicomFile with pixels decoded
 *
 * Mutations: flip, delete, duplicate, truncate or insert bytes, or insert a token of the format (CSV
 * quotes and separators, YAML punctuation and spec keys, DICOM tag/length bytes).
 *
 * Mutants run in a child process (this file with --worker) that prints one JSON line per mutant; the
 * parent restarts it past a mutant that hangs, so a synchronous infinite loop is caught too. Prints a
 * table and writes JSON (--out, default $TMPDIR/synthdiff-fuzz.json) with every non-read outcome.
 * `--keep` leaves the mutants on disk (the path is printed) to replay one. Exit status 1 when any mutant
 * crashed or hung.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUserError } from '../src/errors.js';
import { tableToArrowBytes } from '../src/io/arrow.js';
import { readCsv } from '../src/io/csv.js';
import { readDicomFile } from '../src/io/dicom/index.js';
import { readTable } from '../src/io/table-io.js';
import { readTableBatches } from '../src/io/table-stream.js';
import { createRng } from '../src/rng.js';
import { mutate } from './mutate.js';
import { checkOutputs } from '../src/run/outputs.js';
import { planImage, planTable } from '../src/run/plan.js';
import { loadSpec } from '../src/spec/normalize.js';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
type Kind = 'csv' | 'arrow' | 'arrows' | 'spec' | 'dicom';
const SHARES: [Kind, number][] = [
  ['csv', 0.25],
  ['arrow', 0.15],
  ['arrows', 0.15],
  ['spec', 0.2],
  ['dicom', 0.25],
];
const OUTCOMES = ['read', 'one-line', 'unnamed', 'multi-line', 'crash', 'hang'] as const;
type Outcome = (typeof OUTCOMES)[number];

interface Mutant {
  i: number;
  kind: Kind;
  path: string;
}
interface Result {
  i: number;
  outcome: Outcome;
  message?: string;
}

const TOKENS: Record<Kind, string[]> = {
  csv: ['"', '""', ',', ';', '\t', '\n', '\r\n', '\r', 'NA', '-0', '9007199254740993', '\u00e9', '\xff', '\u0000', '\ufeff'],
  arrow: [],
  arrows: [],
  spec: [':', '- ', '{', '}', '[', ']', '"', "'", '\n', '  ', '#', '&a', '*a', '!!binary', 'null', '-1', '1e999', '../../', 'tasks:', 'model:', 'type: impute', 'holdout: 2', 'format: dicom', 'output: { path: x }'],
  dicom: ['\u0000\u0000', '\xff\xff\xff\xff', '\xe0\x7f\x10\x00', '\xfe\xff\x00\xe0', 'OB\u0000\u0000', 'UN', 'SQ', 'DICM', '\x02\x00\x10\x00'],
};


/** The seed files, written into `dir`; returns their bytes per kind (DICOM: several files). */
async function seeds(dir: string): Promise<Record<Kind, Uint8Array[]>> {
  const csvPath = join(REPO, 'fixtures/fuzz/penguins-40.csv');
  const { table } = await readCsv(csvPath, { log: { info() {} } });
  writeFileSync(join(dir, 'data.csv'), readFileSync(csvPath));
  // The example spec, reading a table beside it and writing into out/ (inside its folder).
  const spec = readFileSync(join(REPO, 'pipelines/default.yaml'), 'utf8')
    .replace('outputDir: ../reports', 'outputDir: out')
    .replace('../fixtures/tables/survival__pbc.csv', 'data.csv')
    .replaceAll('../reports/default', 'out');
  return {
    csv: [readFileSync(csvPath)],
    arrow: [tableToArrowBytes(table, 'file')],
    arrows: [tableToArrowBytes(table, 'stream')],
    spec: [Buffer.from(spec)],
    dicom: ['fixtures/dicom/MR_small.dcm', 'fixtures/dicom/CT_small.dcm', 'fixtures/dicom/brain-mr/brain_001.dcm'].map((p) => readFileSync(join(REPO, p))),
  };
}

const EXT: Record<Kind, string> = { csv: 'csv', arrow: 'arrow', arrows: 'arrows', spec: 'yaml', dicom: 'dcm' };

/** What one mutant does: undefined when it reads; throws what the reader threw. */
async function exercise(m: Mutant): Promise<void> {
  const quiet = { info() {} };
  switch (m.kind) {
    case 'csv':
    case 'arrow':
    case 'arrows': {
      const { table } = await readTable(m.path, { log: quiet });
      const columns = table.columns.map((c) => ({ name: c.name, kind: c.kind === 'integer' || c.kind === 'numeric' ? c.kind : ('categorical' as const) }));
      for await (const _ of readTableBatches(m.path, undefined, { columns, batchRows: 16, log: quiet }));
      return;
    }
    case 'spec': {
      const ns = await loadSpec(m.path);
      if (ns.spec.kind === 'image') planImage(ns);
      else planTable(ns);
      checkOutputs(ns);
      return;
    }
    case 'dicom': {
      const img = await readDicomFile(m.path, { pixels: true });
      for (const f of img.frames) void f;
      return;
    }
  }
}

function classify(m: Mutant, e: unknown): Result {
  if (!isUserError(e)) return { i: m.i, outcome: 'crash', message: e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 4).join(' | ') : String(e) };
  const message = e.message;
  if (message.includes('\n')) return { i: m.i, outcome: 'multi-line', message };
  return { i: m.i, outcome: message.includes(m.path) ? 'one-line' : 'unnamed', message };
}

async function worker(manifest: string, from: number): Promise<void> {
  const mutants = JSON.parse(readFileSync(manifest, 'utf8')) as Mutant[];
  for (const m of mutants.slice(from)) {
    process.stdout.write(`${JSON.stringify({ start: m.i })}\n`);
    let r: Result;
    try {
      await exercise(m);
      r = { i: m.i, outcome: 'read' };
    } catch (e) {
      r = classify(m, e);
    }
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}

/** Run the worker from `from`; resolves with the index it hung or died on (its result recorded), or undefined when it finished. */
function runWorker(manifest: string, from: number, hangMs: number, results: Map<number, Result>): Promise<number | undefined> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', manifest, String(from)], { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] });
    let current = from;
    let buffered = '';
    let hung: number | undefined;
    let timer = setTimeout(() => undefined, 0);
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = current;
        child.kill('SIGKILL');
      }, hangMs);
    };
    arm();
    child.stdout.on('data', (b: Buffer) => {
      buffered += b.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as { start: number } | Result;
        buffered = buffered.slice(nl + 1);
        if ('start' in line) {
          current = line.start;
          arm();
        } else results.set(line.i, line);
      }
    });
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (hung !== undefined) results.set(hung, { i: hung, outcome: 'hang', message: `no answer within ${hangMs} ms` });
      else if (code !== 0 && !results.has(current)) results.set(current, { i: current, outcome: 'crash', message: `the worker died (exit ${code})` });
      else return done(undefined);
      done(current);
    });
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--worker') {
    await worker(argv[1]!, Number(argv[2]));
    return 0;
  }
  const opt = (k: string, d: string) => {
    const at = argv.indexOf(`--${k}`);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : d;
  };
  const total = Number(opt('mutants', '600'));
  const seed = Number(opt('seed', '17'));
  const hangMs = Number(opt('hang-ms', '5000'));
  const out = opt('out', join(tmpdir(), 'synthdiff-fuzz.json'));
  const dir = mkdtempSync(join(tmpdir(), 'synthdiff-bench-fuzz-'));
  try {
    const base = await seeds(dir);
    const rng = createRng(seed);
    const mutants: Mutant[] = [];
    for (const [kind, share] of SHARES) {
      const n = Math.round(total * share);
      for (let k = 0; k < n; k++) {
        const i = mutants.length;
        const from = base[kind][k % base[kind].length]!;
        const sub = kind === 'spec' ? dir : join(dir, kind);
        mkdirSync(sub, { recursive: true });
        const path = join(sub, `m${i}.${EXT[kind]}`);
        writeFileSync(path, mutate(from, rng, TOKENS[kind]));
        mutants.push({ i, kind, path });
      }
    }
    const manifest = join(dir, 'manifest.json');
    writeFileSync(manifest, JSON.stringify(mutants));
    const results = new Map<number, Result>();
    const t0 = performance.now();
    for (let from = 0; from < mutants.length; ) {
      const stopped = await runWorker(manifest, from, hangMs, results);
      if (stopped === undefined) break;
      from = stopped + 1;
    }
    const seconds = (performance.now() - t0) / 1000;
    const counts = new Map<Kind, Record<Outcome, number>>();
    for (const m of mutants) {
      const row = counts.get(m.kind) ?? (Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>);
      row[results.get(m.i)?.outcome ?? 'crash']++;
      counts.set(m.kind, row);
    }
    const lines = [`fuzz: ${mutants.length} mutants, seed ${seed}, hang limit ${hangMs} ms, ${seconds.toFixed(1)} s`, `${'input'.padEnd(8)}${OUTCOMES.map((o) => o.padStart(11)).join('')}`];
    const sum = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    for (const [kind, row] of counts) {
      lines.push(`${kind.padEnd(8)}${OUTCOMES.map((o) => String(row[o]).padStart(11)).join('')}`);
      for (const o of OUTCOMES) sum[o] += row[o];
    }
    lines.push(`${'all'.padEnd(8)}${OUTCOMES.map((o) => String(sum[o]).padStart(11)).join('')}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    const notable = mutants.flatMap((m) => {
      const r = results.get(m.i);
      return r && r.outcome !== 'read' && r.outcome !== 'one-line' ? [{ kind: m.kind, file: m.path.slice(dir.length + 1), ...r }] : [];
    });
    for (const n of notable.slice(0, 20)) process.stdout.write(`  ${n.outcome} ${n.kind} ${n.file}: ${n.message}\n`);
    writeFileSync(out, `${JSON.stringify({ mutants: mutants.length, seed, hangMs, seconds, counts: Object.fromEntries(counts), total: sum, notable }, null, 2)}\n`);
    process.stdout.write(`results: ${out}\n`);
    return sum.crash + sum.hang > 0 ? 1 : 0;
  } finally {
    if (argv.includes('--keep')) process.stdout.write(`mutants kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
