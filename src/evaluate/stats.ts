/**
 * Small numeric helpers shared by the evaluators: quantiles, rank AUC, histograms, summaries.
 * All ignore NaN so callers can pass per-row scores that contain "not computed" entries.
 */

/** Quantile of an ascending array, linear interpolation between order statistics (Hyndman & Fan 1996 type 7; numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0]!;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo]!;
  return a + (h - lo) * (sorted[hi]! - a);
}

/** Finite values of `values`, sorted ascending, as a new Float64Array. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) m++;
  const out = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) out[k++] = v;
  }
  return out.sort();
}

/** Type-7 quantiles of the finite values. */
export function quantiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  const s = sortedFinite(values);
  return ps.map((p) => quantileSorted(s, p));
}

/**
 * AUC = P(score_pos > score_neg) + ½ P(tie), from the Mann–Whitney U statistic with mid-ranks for ties
 * (Hanley & McNeil 1982). NaN scores are dropped. NaN when either group is empty.
 */
export function aucTwoSample(pos: ArrayLike<number>, neg: ArrayLike<number>): number {
  const nP = countFinite(pos);
  const nN = countFinite(neg);
  if (nP === 0 || nN === 0) return NaN;
  const n = nP + nN;
  const scores = new Float64Array(n);
  const isPos = new Uint8Array(n);
  let k = 0;
  for (let i = 0; i < pos.length; i++) {
    const v = pos[i]!;
    if (Number.isFinite(v)) {
      scores[k] = v;
      isPos[k++] = 1;
    }
  }
  for (let i = 0; i < neg.length; i++) {
    const v = neg[i]!;
    if (Number.isFinite(v)) scores[k++] = v;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && scores[order[j]!] === scores[order[i]!]) j++;
    // Ranks i+1..j share the mid-rank; only the positive members contribute.
    const midRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (isPos[order[t]!]) rankSumPos += midRank;
    i = j;
  }
  return (rankSumPos - (nP * (nP + 1)) / 2) / (nP * nN);
}

/** AUC for scores with 0/1 labels (1 = positive). */
export function aucFromLabels(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] === 1 ? pos : neg).push(scores[i]!);
  return aucTwoSample(pos, neg);
}

function countFinite(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i]!)) m++;
  return m;
}

export interface Histogram {
  /** nBins + 1 ascending edges; bin i is [edges[i], edges[i+1]), the last bin also holds edges[nBins]. */
  readonly edges: number[];
  readonly counts: number[];
}

/** Equal-width histogram of the finite values over [lo, hi] (defaults: their min and max). */
export function histogram(values: ArrayLike<number>, nBins: number, lo?: number, hi?: number): Histogram {
  let a = lo ?? Infinity;
  let b = hi ?? -Infinity;
  if (lo === undefined || hi === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (lo === undefined && v < a) a = v;
      if (hi === undefined && v > b) b = v;
    }
  }
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { edges: [], counts: [] };
  if (b <= a) b = a + 1; // a constant sample still gets a drawable bin
  const w = (b - a) / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => (i === nBins ? b : a + i * w));
  const counts = new Array<number>(nBins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < a || v > b) continue;
    counts[Math.min(nBins - 1, Math.floor((v - a) / w))]!++;
  }
  return { edges, counts };
}

/**
 * A positive column whose range spans orders of magnitude (min > 0 and max / median > `ratio`, as GDP or
 * population): a linear histogram puts nearly every row in its first bin, a log axis spreads them out.
 */
export function isSkewedPositive(values: ArrayLike<number>, ratio = 100): boolean {
  const s = sortedFinite(values);
  if (s.length < 2 || !(s[0]! > 0)) return false;
  return s[s.length - 1]! / quantileSorted(s, 0.5) > ratio;
}

/** Histogram over `nBins` bins of equal width in log10 over [lo, hi] (0 < lo < hi); values outside are left out. */
export function logHistogram(values: ArrayLike<number>, nBins: number, lo: number, hi: number): Histogram {
  const a = Math.log10(lo), b = Math.log10(hi), w = (b - a) / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => (i === 0 ? lo : i === nBins ? hi : 10 ** (a + i * w)));
  const counts = new Array<number>(nBins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < lo || v > hi) continue;
    counts[Math.max(0, Math.min(nBins - 1, Math.floor((Math.log10(v) - a) / w)))]!++;
  }
  return { edges, counts };
}

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Type-7 quantiles at p = 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99. */
  readonly quantiles: { readonly p01: number; readonly p05: number; readonly p25: number; readonly p50: number; readonly p75: number; readonly p95: number; readonly p99: number };
}

/** n, mean, min, max and the usual quantiles of the finite values. */
export function summarize(values: ArrayLike<number>): Summary {
  const s = sortedFinite(values);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  const q = (p: number) => quantileSorted(s, p);
  return {
    n: s.length,
    mean: s.length ? sum / s.length : NaN,
    min: s.length ? s[0]! : NaN,
    max: s.length ? s[s.length - 1]! : NaN,
    quantiles: { p01: q(0.01), p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95), p99: q(0.99) },
  };
}

/** Mean of the finite entries (NaN when none): the property averages skip incomputable scores as pandas' mean does. */
export function finiteMean(values: readonly number[]): number {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Pearson correlation over rows where both are non-NaN; NaN if fewer than 2 rows or either side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let n = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    n++;
    mx += a;
    my += b;
  }
  if (n < 2) return NaN;
  mx /= n;
  my /= n;
  // Two-pass (centred) sums keep precision for large-offset data such as epoch-millisecond datetimes.
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    const dx = a - mx;
    const dy = b - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}
