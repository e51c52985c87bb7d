import { decimalsOf } from './sketch.js';
import type { NumericColumn, Table } from './table.js';

/**
 * Exact relations between numeric columns: a column that is a linear function of one or two others
 * (a total, a difference, a unit conversion, a copy) or a product of their powers (BMI = weight /
 * height², a rate, a ratio), found on the rows where all of them are observed. Where such a column is
 * missing and its inputs are observed, the relation gives its value: a model learns it only
 * approximately (mice__boys: BMI imputed at 0.54 sd by the blend, 0.53 by missForest, though half its
 * hidden cells have height and weight). The relation must hold on every complete row to within a
 * hundredth of the column's spread, which rounding meets and chance does not.
 */
export interface NumericRelation {
  target: string;
  /** Input columns; none when `byRow`. */
  inputs: string[];
  /** The single input is the row's position (0-based): an identifier or sequence number, y = a + b·row. */
  byRow?: true;
  /** linear: y = a + Σ bᵢ·xᵢ; log: log y = a + Σ bᵢ·log xᵢ (all values positive). */
  form: 'linear' | 'log';
  intercept: number;
  coefs: number[];
  /** Complete rows it was checked on, and its largest residual there over the target's sd (in its form). */
  rows: number;
  maxResidual: number;
}

export interface RelationOptions {
  /** Complete rows needed to trust a relation. */
  minRows?: number;
  /** Largest residual allowed on any complete row, as a share of the target's sd in the relation's form. */
  tolerance?: number;
  /** Rows of the table the search fits on (every complete row then checks a candidate). */
  searchRows?: number;
}

const DEFAULTS = { minRows: 50, tolerance: 0.01, searchRows: 2000 };

/**
 * Every pair of inputs is searched up to this many other columns (1.0 s for a 10,545 × 30 table); beyond,
 * pairs among the PAIR_POOL columns that alone explain the most of the target (a BMI's height and weight
 * each explain much of it): 120 pairs per target and form however wide the table (1.6 s at 569 × 121),
 * where all pairs would take minutes. A pair whose members each explain little alone (gdp per head from
 * gdp and population) is then missed.
 */
const ALL_PAIRS_UP_TO = 30;
const PAIR_POOL = 16;

type Form = NumericRelation['form'];

/** OLS of y on the columns xs over the rows given (intercept included); undefined when singular. */
function fit(y: Float64Array, xs: Float64Array[], rows: Int32Array): { intercept: number; coefs: number[] } | undefined {
  const p = xs.length + 1;
  const A = new Float64Array(p * p), b = new Float64Array(p);
  const row = new Float64Array(p);
  for (const i of rows) {
    row[0] = 1;
    for (let k = 0; k < xs.length; k++) row[k + 1] = xs[k]![i]!;
    for (let r = 0; r < p; r++) {
      b[r]! += row[r]! * y[i]!;
      for (let c = 0; c < p; c++) A[r * p + c]! += row[r]! * row[c]!;
    }
  }
  // Gaussian elimination with partial pivoting (p ≤ 3).
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(A[r * p + c]!) > Math.abs(A[piv * p + c]!)) piv = r;
    if (Math.abs(A[piv * p + c]!) < 1e-12 * (1 + Math.abs(A[c * p + c]!))) return undefined;
    for (let k = 0; k < p; k++) [A[c * p + k], A[piv * p + k]] = [A[piv * p + k]!, A[c * p + k]!];
    [b[c], b[piv]] = [b[piv]!, b[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = A[r * p + c]! / A[c * p + c]!;
      for (let k = c; k < p; k++) A[r * p + k]! -= f * A[c * p + k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const beta = Array.from({ length: p }, (_, k) => b[k]! / A[k * p + k]!);
  return { intercept: beta[0]!, coefs: beta.slice(1) };
}

function sd(y: Float64Array, rows: Int32Array): number {
  let s = 0, s2 = 0;
  for (const i of rows) {
    s += y[i]!;
    s2 += y[i]! * y[i]!;
  }
  const m = s / rows.length;
  return Math.sqrt(Math.max(0, s2 / rows.length - m * m));
}

/** The fit's residuals on `rows`: their root mean square and their largest magnitude. */
function residuals(y: Float64Array, xs: Float64Array[], f: { intercept: number; coefs: number[] }, rows: Int32Array): { rms: number; max: number } {
  let s = 0, max = 0;
  for (const i of rows) {
    let v = f.intercept;
    for (let k = 0; k < xs.length; k++) v += f.coefs[k]! * xs[k]![i]!;
    const e = Math.abs(y[i]! - v);
    s += e * e;
    max = Math.max(max, e);
  }
  return { rms: Math.sqrt(s / rows.length), max };
}

/** The rows of `from` where every column given is observed (and positive, for the log form). */
function completeRows(cols: Float64Array[], form: Form, from: Int32Array): Int32Array {
  const out: number[] = [];
  for (const i of from) {
    let ok = true;
    for (const c of cols) {
      const v = c[i]!;
      if (form === 'log' ? !(v > 0) : Number.isNaN(v)) {
        ok = false;
        break;
      }
    }
    if (ok) out.push(i);
  }
  return Int32Array.from(out);
}

/** At most `max` of the rows 0 … n − 1, spread evenly over the table. */
function spread(n: number, max: number): Int32Array {
  const step = Math.max(1, n / max);
  return Int32Array.from({ length: Math.min(n, max) }, (_, k) => Math.floor(k * step));
}

/** y = a + b·row on every observed row (a row number, an identifier in row order), else undefined. */
function byRowRelation(c: NumericColumn, y: Float64Array, every: Int32Array, some: Int32Array, o: typeof DEFAULTS): NumericRelation | undefined {
  const position = Float64Array.from(every);
  const search = completeRows([y], 'linear', some);
  if (search.length < Math.min(o.minRows, some.length / 4)) return undefined;
  const f = fit(y, [position], search);
  const searchSd = sd(y, search);
  if (!f || !(searchSd > 0) || residuals(y, [position], f, search).max > o.tolerance * searchSd) return undefined;
  const all = completeRows([y], 'linear', every);
  if (all.length < o.minRows) return undefined;
  const worst = residuals(y, [position], f, all).max / sd(y, all);
  return worst > o.tolerance ? undefined : { target: c.name, inputs: [], byRow: true, form: 'linear', intercept: f.intercept, coefs: f.coefs, rows: all.length, maxResidual: worst };
}

/**
 * For each numeric column, the exact relation with its row position, else with one other numeric column,
 * else with two of the PAIR_POOL columns that alone explain most of it, of the smaller largest residual
 * (linear or log); none where no candidate holds on every complete row.
 */
export function findNumericRelations(table: Table, opts: RelationOptions = {}): NumericRelation[] {
  const o = { ...DEFAULTS, ...opts };
  const numeric = table.columns.filter((c): c is NumericColumn => c.kind === 'numeric' || c.kind === 'integer');
  const raw = numeric.map((c) => Float64Array.from(c.values));
  const logs = numeric.map((c) => Float64Array.from(c.values, (v) => (v > 0 ? Math.log(v) : NaN)));
  const of = (form: Form) => (form === 'log' ? logs : raw);
  const found: NumericRelation[] = [];
  const every = Int32Array.from({ length: table.nRows }, (_, i) => i);
  const some = spread(table.nRows, o.searchRows);
  for (let t = 0; t < numeric.length; t++) {
    const others = numeric.map((_, j) => j).filter((j) => j !== t);
    let best: NumericRelation | undefined = byRowRelation(numeric[t]!, raw[t]!, every, some, o);
    // Each single input's share of the target's variance, per form: pairs are searched among the best few.
    const explained: Record<Form, { j: number; r2: number }[]> = { linear: [], log: [] };
    const tryInputs = (set: number[], form: Form): void => {
      const cols = of(form);
      // Searched on a spread of the rows, then checked on every complete row. The log form reads the raw
      // values for positivity.
      const involved = [raw[t]!, ...set.map((j) => raw[j]!)];
      const search = completeRows(involved, form, some);
      if (search.length < Math.min(o.minRows, some.length / 4)) return;
      const y = cols[t]!, xs = set.map((j) => cols[j]!);
      const f = fit(y, xs, search);
      const searchSd = sd(y, search);
      if (!f || !(searchSd > 0)) return;
      const onSearch = residuals(y, xs, f, search);
      if (set.length === 1) explained[form].push({ j: set[0]!, r2: 1 - (onSearch.rms / searchSd) ** 2 });
      if (onSearch.max > o.tolerance * searchSd) return;
      const all = completeRows(involved, form, every);
      if (all.length < o.minRows) return;
      const worst = residuals(y, xs, f, all).max / sd(y, all);
      if (worst > o.tolerance || (best && worst >= best.maxResidual)) return;
      best = { target: numeric[t]!.name, inputs: set.map((j) => numeric[j]!.name), form, intercept: f.intercept, coefs: f.coefs, rows: all.length, maxResidual: worst };
    };
    if (!best) for (const j of others) for (const form of ['linear', 'log'] as const) tryInputs([j], form);
    if (!best) {
      for (const form of ['linear', 'log'] as const) {
        // Bounded work on wide tables: C(PAIR_POOL, 2) pairs per target and form instead of C(columns, 2).
        const ranked = [...explained[form]].sort((a, b) => b.r2 - a.r2 || a.j - b.j);
        const pool = (others.length <= ALL_PAIRS_UP_TO ? ranked : ranked.slice(0, PAIR_POOL)).map((e) => e.j).sort((a, b) => a - b);
        for (const [ia, a] of pool.entries()) for (const b of pool.slice(ia + 1)) tryInputs([a, b], form);
      }
    }
    if (best) found.push(best);
  }
  return found;
}

/** The relation's inputs as columns of `t` (the row positions for a row sequence). */
function inputColumns(r: NumericRelation, t: Table): Float64Array[] {
  if (r.byRow) return [Float64Array.from({ length: t.nRows }, (_, i) => i)];
  return r.inputs.map((name) => (t.columns.find((c) => c.name === name) as NumericColumn).values);
}

/** The relation's value at row i of its input columns, or NaN where an input is missing (or not positive, for the log form). */
function relationAt(r: NumericRelation, xs: readonly Float64Array[], i: number): number {
  let v = r.intercept;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k]![i]!;
    if (Number.isNaN(x) || (r.form === 'log' && !(x > 0))) return NaN;
    v += r.coefs[k]! * (r.form === 'log' ? Math.log(x) : x);
  }
  return r.form === 'log' ? Math.exp(v) : v;
}

/**
 * `filled` with each relation's target computed from its inputs wherever the target is missing in `input`
 * and every input is observed there (observed cells only, never values filled in), kept within the
 * target's observed range (except a row sequence). Returns a new table (`filled` is not changed) and the
 * cells each relation set.
 */
export function applyNumericRelations(input: Table, filled: Table, relations: readonly NumericRelation[]): { table: Table; cells: number[] } {
  const index = new Map(input.columns.map((c, j) => [c.name, j]));
  const columns = [...filled.columns];
  const cells = relations.map((r) => {
    const t = index.get(r.target)!;
    const yIn = input.columns[t] as NumericColumn;
    const xs = inputColumns(r, input);
    let lo = Infinity, hi = -Infinity;
    for (const v of yIn.values) if (!Number.isNaN(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const out = Float64Array.from((columns[t] as NumericColumn).values);
    let set = 0;
    for (let i = 0; i < input.nRows; i++) {
      if (!Number.isNaN(yIn.values[i]!)) continue;
      let v = relationAt(r, xs, i);
      if (Number.isNaN(v)) continue;
      if (yIn.kind === 'integer') v = Math.round(v);
      // A sequence runs past the observed ends; any other relation is not trusted beyond the observed range.
      out[i] = r.byRow ? v : Math.min(hi, Math.max(lo, v));
      set++;
    }
    columns[t] = { ...(columns[t] as NumericColumn), values: out };
    return set;
  });
  return { table: { nRows: filled.nRows, columns }, cells };
}

/**
 * Relations that can all hold at once in new rows: one target per group of related columns (BMI, height
 * and weight are three relations of one group; recomputing all three would chase each other), preferring
 * the smallest residual; no row-position relations (a synthetic row has no place in the training order).
 */
function compatible(relations: readonly NumericRelation[], skip: ReadonlySet<string>): NumericRelation[] {
  const chosen: NumericRelation[] = [];
  const targets = new Set<string>(), inputs = new Set<string>();
  for (const r of [...relations].filter((x) => !x.byRow && !skip.has(x.target)).sort((a, b) => a.inputs.length - b.inputs.length || a.maxResidual - b.maxResidual)) {
    if (inputs.has(r.target) || r.inputs.some((x) => targets.has(x)) || targets.has(r.target)) continue;
    chosen.push(r);
    targets.add(r.target);
    r.inputs.forEach((x) => inputs.add(x));
  }
  return chosen;
}

/**
 * Generated rows made to keep the training table's relations: in every row where a relation's target and
 * inputs are all present, the target is recomputed from the inputs and rounded to the decimals the
 * training column uses. `skip`: columns not to change (fixed by the user). Returns the
 * table and, per relation applied, the rows it set.
 */
export function enforceNumericRelations(train: Table, generated: Table, relations: readonly NumericRelation[], skip: ReadonlySet<string> = new Set()): { table: Table; applied: { relation: NumericRelation; rows: number }[] } {
  const index = new Map(generated.columns.map((c, j) => [c.name, j]));
  const columns = [...generated.columns];
  const applied: { relation: NumericRelation; rows: number }[] = [];
  for (const r of compatible(relations, skip)) {
    const t = index.get(r.target), ref = train.columns.find((c) => c.name === r.target) as NumericColumn | undefined;
    if (t === undefined || !ref || r.inputs.some((x) => index.get(x) === undefined)) continue;
    const scale = 10 ** decimalsOf(ref.values);
    const xs = inputColumns(r, { nRows: generated.nRows, columns });
    const out = Float64Array.from((columns[t] as NumericColumn).values);
    let rows = 0;
    for (let i = 0; i < generated.nRows; i++) {
      const v = Number.isNaN(out[i]!) ? NaN : relationAt(r, xs, i);
      if (Number.isNaN(v)) continue;
      // Not clamped to the training range: inputs inside theirs can put the target outside its own (a
      // short, heavy row), and the relation is what must hold.
      out[i] = Math.round(v * scale) / scale;
      rows++;
    }
    columns[t] = { ...(columns[t] as NumericColumn), values: out };
    applied.push({ relation: r, rows });
  }
  return { table: { nRows: generated.nRows, columns }, applied };
}
