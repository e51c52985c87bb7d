import { isCategorical, type Column, type Table } from './table.js';

/**
 * Functional dependencies between discrete columns (A → B: every level of A occurs with one level of B),
 * found in the training table and enforced on everything the model fills in, so completed and generated
 * rows never pair levels the data never pairs (a country on a continent it never has, a label with
 * another label's code). A diffusion model learns such relations only approximately; trees and chained
 * regressions get them for free, which is why we enforce them by construction instead.
 */
export interface FunctionalDependency {
  from: string;
  to: string;
  /** Level of `from` → level of `to`, levels as text (labels, or numbers printed by `String`). */
  map: Record<string, string>;
}

export interface DependencyOptions {
  /** A numeric column counts as discrete (a code) up to this many distinct values. */
  maxNumericLevels?: number;
  /** Rows where both columns are observed, at least. */
  minRows?: number;
  /** The chance that independent columns show the dependency, at most (log10). */
  maxLog10Chance?: number;
}

/** Level text of row i, or undefined when missing. */
export function levelOf(c: Column, i: number): string | undefined {
  if (isCategorical(c)) {
    const k = c.codes[i]!;
    return k < 0 ? undefined : c.categories[k]!;
  }
  const v = c.values[i]!;
  return Number.isNaN(v) ? undefined : String(v);
}

function isDiscrete(c: Column, maxNumericLevels: number): boolean {
  if (isCategorical(c)) return true;
  if (c.kind === 'datetime') return false;
  const seen = new Set<number>();
  for (const v of c.values) {
    if (Number.isNaN(v)) continue;
    seen.add(v);
    if (seen.size > maxNumericLevels) return false;
  }
  return seen.size >= 2;
}

/**
 * Every A → B that holds exactly on the rows where both are observed and is unlikely by chance:
 * if A and B were independent, the probability that every A level shows a single B level is
 * Π_levels Σ_b p_b^{n_level}; a dependency is kept when that is below 10^maxLog10Chance (levels seen
 * once carry no evidence, so id-like columns determine nothing).
 */
export function findDependencies(table: Table, opts: DependencyOptions = {}): FunctionalDependency[] {
  const maxLevels = opts.maxNumericLevels ?? 64;
  const minRows = opts.minRows ?? 20;
  const maxLogChance = (opts.maxLog10Chance ?? -6) * Math.LN10;
  const discrete = table.columns.filter((c) => isDiscrete(c, maxLevels));
  const levels = discrete.map((c) => Array.from({ length: table.nRows }, (_, i) => levelOf(c, i)));
  const out: FunctionalDependency[] = [];
  discrete.forEach((a, ia) => {
    discrete.forEach((b, ib) => {
      if (ia === ib) return;
      const la = levels[ia]!, lb = levels[ib]!;
      const map = new Map<string, string>();
      const count = new Map<string, number>();
      const bCount = new Map<string, number>();
      let rows = 0;
      for (let i = 0; i < table.nRows; i++) {
        const x = la[i], y = lb[i];
        if (x === undefined || y === undefined) continue;
        const prev = map.get(x);
        if (prev !== undefined && prev !== y) return;
        map.set(x, y);
        count.set(x, (count.get(x) ?? 0) + 1);
        bCount.set(y, (bCount.get(y) ?? 0) + 1);
        rows++;
      }
      if (rows < minRows || map.size < 2 || bCount.size < 2) return;
      const p = [...bCount.values()].map((k) => k / rows);
      let logChance = 0;
      for (const nLevel of count.values()) logChance += Math.log(p.reduce((s, q) => s + q ** nLevel, 0));
      if (logChance > maxLogChance) return;
      out.push({ from: a.name, to: b.name, map: Object.fromEntries([...map].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) });
    });
  });
  return out;
}

/**
 * Scores of a free cell's candidate levels (higher = the sample leans more that way), used to choose
 * among the levels a dependency allows; undefined when the column has no such scores.
 */
export type LevelScorer = (column: string, row: number, level: string) => number;

/**
 * Make `completed` obey the dependencies wherever it holds model output. `input` tells which cells were
 * given (never changed). Two passes: (1) a filled-in A whose observed dependants B rule out its level
 * moves to the allowed level the sample scores highest; (2) a filled-in B takes the level its A implies
 * (repeated so chains A → B → C settle). Returns the number of cells changed.
 */
export function enforceDependencies(input: Table, completed: Table, deps: readonly FunctionalDependency[], score: LevelScorer): number {
  if (!deps.length) return 0;
  const byName = new Map(completed.columns.map((c, j) => [c.name, j]));
  const given = (j: number, i: number): boolean => levelOf(input.columns[j]!, i) !== undefined;
  let changed = 0;
  const set = (j: number, i: number, level: string): void => {
    const c = completed.columns[j]!;
    if (isCategorical(c)) {
      let k = c.categories.indexOf(level);
      if (k < 0) return;
      if (c.codes[i] !== k) (c.codes[i] = k), changed++;
    } else {
      const v = Number(level);
      if (c.values[i] !== v) (c.values[i] = v), changed++;
    }
  };
  const usable = deps.filter((d) => byName.has(d.from) && byName.has(d.to));
  // Pass 1: free sources consistent with their given dependants.
  const outgoing = new Map<string, FunctionalDependency[]>();
  for (const d of usable) outgoing.set(d.from, [...(outgoing.get(d.from) ?? []), d]);
  for (const [from, ds] of outgoing) {
    const ja = byName.get(from)!;
    const categorical = isCategorical(completed.columns[ja]!);
    for (let i = 0; i < completed.nRows; i++) {
      if (given(ja, i)) continue;
      const cur = levelOf(completed.columns[ja]!, i);
      if (cur === undefined) continue;
      const bound = ds.filter((d) => given(byName.get(d.to)!, i));
      const ok = (l: string): boolean => bound.every((d) => d.map[l] === levelOf(input.columns[byName.get(d.to)!]!, i));
      // Unbound: a label stays; a numeric code off the known levels snaps to the nearest-scoring one.
      if (bound.length ? ok(cur) : categorical || cur in ds[0]!.map) continue;
      let best: string | undefined, bestScore = -Infinity;
      for (const l of Object.keys((bound[0] ?? ds[0]!).map)) {
        if (!ok(l)) continue;
        const s = score(from, i, l);
        if (s > bestScore) (best = l), (bestScore = s);
      }
      if (best !== undefined) set(ja, i, best);
    }
  }
  // Pass 2: free dependants take the level their source implies.
  for (let round = 0; round < 4; round++) {
    const before = changed;
    for (const d of usable) {
      const ja = byName.get(d.from)!, jb = byName.get(d.to)!;
      for (let i = 0; i < completed.nRows; i++) {
        if (given(jb, i)) continue;
        const a = levelOf(completed.columns[ja]!, i);
        if (a === undefined || levelOf(completed.columns[jb]!, i) === undefined) continue;
        const b = d.map[a];
        if (b !== undefined) set(jb, i, b);
      }
    }
    if (changed === before) break;
  }
  return changed;
}

/** Rows × dependencies where the table pairs levels a dependency rules out (0 for a consistent table). */
export function dependencyViolations(table: Table, deps: readonly FunctionalDependency[]): number {
  const byName = new Map(table.columns.map((c, j) => [c.name, j]));
  let bad = 0;
  for (const d of deps) {
    const a = table.columns[byName.get(d.from) ?? -1], b = table.columns[byName.get(d.to) ?? -1];
    if (!a || !b) continue;
    for (let i = 0; i < table.nRows; i++) {
      const x = levelOf(a, i), y = levelOf(b, i);
      if (x === undefined || y === undefined) continue;
      if (d.map[x] !== undefined ? d.map[x] !== y : false) bad++;
    }
  }
  return bad;
}
