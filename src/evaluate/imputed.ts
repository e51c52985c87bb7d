/**
 * Imputed vs observed for the real holes of a table: per column with missing cells, the distribution of the
 * values an imputation filled in beside the distribution of the values the data observed. Under MCAR the two
 * should match; under MAR they may differ for good reason, so this is a plot to read (as mice's densityplot
 * of observed vs imputed), not a score to pass.
 */
import { isCategorical, isMissing, type Column, type Table } from '../table/table.js';
import { ksStatistic, tvComplementOfCounts } from './fidelity.js';
import { histogram, isSkewedPositive, logHistogram } from './stats.js';

export interface ImputedColumn {
  column: string;
  kind: string;
  /** Cells missing in the input, and how many of them the completed table fills. */
  holes: number;
  filled: number;
  /** Shared bin edges (numeric/datetime) or labels (categorical); `log`: edges equal-width in log10. */
  edges?: number[];
  scale?: 'log';
  categories?: string[];
  observed: number[];
  imputed: number[];
  /** KSComplement (numeric) or TVComplement (categorical) of imputed against observed values; NaN without both. */
  similarity: number;
  metric: 'KSComplement' | 'TVComplement';
}

function levelText(c: Column, i: number): string | undefined {
  if (isCategorical(c)) return c.codes[i]! < 0 ? undefined : c.categories[c.codes[i]!];
  return Number.isNaN(c.values[i]!) ? undefined : String(c.values[i]);
}

/** Columns of `input` with missing cells (in input order), compared by name against `completed`, which fills them. */
export function imputedVsObserved(input: Table, completed: Table, nBins = 30): ImputedColumn[] {
  const byName = new Map(completed.columns.map((c) => [c.name, c]));
  const out: ImputedColumn[] = [];
  for (const c of input.columns) {
    const f = byName.get(c.name);
    if (!f) continue;
    const holes: number[] = [];
    for (let i = 0; i < input.nRows; i++) if (isMissing(c, i)) holes.push(i);
    if (!holes.length) continue;
    if (isCategorical(c)) {
      const obs = new Map<string, number>(c.categories.map((l) => [l, 0]));
      for (let i = 0; i < input.nRows; i++) if (!isMissing(c, i)) obs.set(c.categories[c.codes[i]!]!, obs.get(c.categories[c.codes[i]!]!)! + 1);
      const imp = new Map<string, number>();
      let filled = 0;
      for (const i of holes) {
        const l = levelText(f, i);
        if (l === undefined) continue;
        filled++;
        imp.set(l, (imp.get(l) ?? 0) + 1);
        if (!obs.has(l)) obs.set(l, 0);
      }
      const categories = [...obs.keys()];
      const observed = categories.map((l) => obs.get(l)!), imputed = categories.map((l) => imp.get(l) ?? 0);
      const similarity = tvComplementOfCounts(observed, imputed);
      out.push({ column: c.name, kind: c.kind, holes: holes.length, filled, categories, observed, imputed, similarity, metric: 'TVComplement' });
      continue;
    }
    if (isCategorical(f)) continue;
    const obsValues = c.values.filter((v) => Number.isFinite(v));
    const impValues = Float64Array.from(holes, (i) => f.values[i]!).filter((v) => Number.isFinite(v));
    let lo = Infinity, hi = -Infinity;
    for (const v of obsValues) (lo = Math.min(lo, v), hi = Math.max(hi, v));
    for (const v of impValues) (lo = Math.min(lo, v), hi = Math.max(hi, v));
    const similarity = obsValues.length && impValues.length ? 1 - ksStatistic(obsValues, impValues) : NaN;
    const base = { column: c.name, kind: c.kind, holes: holes.length, filled: impValues.length, similarity, metric: 'KSComplement' as const };
    if (!(lo <= hi)) {
      out.push({ ...base, edges: [], observed: [], imputed: [] });
      continue;
    }
    if (c.kind !== 'datetime' && hi > lo && isSkewedPositive(obsValues) && lo > 0) {
      const o = logHistogram(obsValues, nBins, lo, hi);
      out.push({ ...base, scale: 'log', edges: o.edges, observed: o.counts, imputed: logHistogram(impValues, nBins, lo, hi).counts });
      continue;
    }
    const o = histogram(obsValues, nBins, lo, hi);
    out.push({ ...base, edges: o.edges, observed: o.counts, imputed: histogram(impValues, nBins, lo, hi).counts });
  }
  return out;
}
