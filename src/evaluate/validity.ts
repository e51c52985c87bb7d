/**
 * Validity of a synthetic table against the real one it imitates: values a real row could have held.
 * Three checks, each a plain count over the tables (columns matched by name):
 * - range adherence (SDMetrics BoundaryAdherence): share of synthetic values inside the real [min, max];
 * - category adherence (SDMetrics CategoryAdherence): share of synthetic labels the real column shows;
 * - never-seen combinations: synthetic rows that pair levels of functionally dependent columns
 *   (table/dependencies.ts, A → B found in the real table) in a way the real table never does.
 */
import { findDependencies, levelOf, type DependencyOptions } from '../table/dependencies.js';
import { isCategorical, type Column, type ContinuousColumn, type Table } from '../table/table.js';

export interface RangeAdherence {
  column: string;
  kind: string;
  /** Real observed range. */
  min: number;
  max: number;
  /** Observed synthetic values, and how many fall below / above the real range. */
  n: number;
  below: number;
  above: number;
  /** (n − below − above) / n; NaN without observed synthetic values. */
  share: number;
}

export interface CategoryAdherence {
  column: string;
  kind: string;
  /** Observed synthetic labels, and how many of them the real column never shows. */
  n: number;
  unseen: number;
  share: number;
  /** Up to five never-seen labels, most frequent first. */
  unseenLabels: string[];
}

export interface DependencyCheck {
  from: string;
  to: string;
  /** Synthetic rows pairing a `from` level with a `to` level the real table never pairs it with. */
  rows: number;
}

export interface ValidityResult {
  ranges: RangeAdherence[];
  categories: CategoryAdherence[];
  /** Functional dependencies found in the real table, each with its violating synthetic rows. */
  dependencies: DependencyCheck[];
  /** Synthetic rows breaking at least one dependency (a row counts once), and their share of all rows. */
  unseenCombinationRows: number;
  unseenCombinationShare: number;
  syntheticRows: number;
}

function rangeAdherence(r: ContinuousColumn, s: ContinuousColumn): RangeAdherence | undefined {
  let min = Infinity, max = -Infinity;
  for (const v of r.values) if (Number.isFinite(v)) (min = Math.min(min, v), max = Math.max(max, v));
  if (!(min <= max)) return undefined;
  let n = 0, below = 0, above = 0;
  for (const v of s.values) {
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < min) below++;
    else if (v > max) above++;
  }
  return { column: r.name, kind: r.kind, min, max, n, below, above, share: n ? (n - below - above) / n : NaN };
}

function categoryAdherence(r: Column, s: Column): CategoryAdherence {
  const seen = new Set<string>();
  const rows = (c: Column) => (isCategorical(c) ? c.codes.length : c.values.length);
  for (let i = 0; i < rows(r); i++) {
    const l = levelOf(r, i);
    if (l !== undefined) seen.add(l);
  }
  const unseenCount = new Map<string, number>();
  let n = 0, unseen = 0;
  for (let i = 0; i < rows(s); i++) {
    const l = levelOf(s, i);
    if (l === undefined) continue;
    n++;
    if (!seen.has(l)) (unseen++, unseenCount.set(l, (unseenCount.get(l) ?? 0) + 1));
  }
  const unseenLabels = [...unseenCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5).map(([l]) => l);
  return { column: r.name, kind: r.kind, n, unseen, share: n ? (n - unseen) / n : NaN, unseenLabels };
}

/** Range, category and dependency adherence of `synthetic` to `real` (columns matched by name; extra synthetic columns ignored). */
export function validity(real: Table, synthetic: Table, options: DependencyOptions = {}): ValidityResult {
  const byName = new Map(synthetic.columns.map((c) => [c.name, c]));
  const ranges: RangeAdherence[] = [];
  const categories: CategoryAdherence[] = [];
  for (const r of real.columns) {
    const s = byName.get(r.name);
    if (!s) continue;
    if (isCategorical(r) || isCategorical(s)) categories.push(categoryAdherence(r, s));
    else {
      const a = rangeAdherence(r, s);
      if (a) ranges.push(a);
    }
  }
  const bad = new Uint8Array(synthetic.nRows);
  const dependencies = findDependencies(real, options).flatMap((d): DependencyCheck[] => {
    const a = byName.get(d.from), b = byName.get(d.to);
    if (!a || !b) return [];
    let rows = 0;
    for (let i = 0; i < synthetic.nRows; i++) {
      const x = levelOf(a, i), y = levelOf(b, i);
      if (x === undefined || y === undefined || d.map[x] === undefined || d.map[x] === y) continue;
      rows++;
      bad[i] = 1;
    }
    return [{ from: d.from, to: d.to, rows }];
  });
  const unseenCombinationRows = bad.reduce((s, v) => s + v, 0);
  return { ranges, categories, dependencies, unseenCombinationRows, unseenCombinationShare: synthetic.nRows ? unseenCombinationRows / synthetic.nRows : NaN, syntheticRows: synthetic.nRows };
}
