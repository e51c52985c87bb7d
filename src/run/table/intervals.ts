import { isCategorical, type Column, type Table } from '../../table/table.js';

/**
 * Pool m imputations into one completed table and per-cell uncertainty (one line per imputed cell,
 * in row-major order).
 * Point estimate: the mean of the draws for numeric cells (rounded for integers and dates) — the
 * posterior-mean estimate that minimises squared error — and the most frequent label for categorical
 * cells. Intervals: the empirical 5%–95% range of the draws.
 */
export function cellIntervals(input: Table, draws: Table[]): { point: Table; intervals?: Table } {
  if (draws.length === 1) return { point: draws[0]! };
  const m = draws.length;
  const colIndex = new Map(input.columns.map((c, j) => [c.name, j]));
  const rowsOut: number[] = [], colOut: string[] = [], est: string[] = [];
  const mean: number[] = [], sd: number[] = [], lo: number[] = [], hi: number[] = [], share: number[] = [];
  const columns = input.columns.map((c, j): Column => {
    if (isCategorical(c)) {
      const codes = Int32Array.from(c.codes);
      const counts = new Map<string, number>();
      for (let r = 0; r < input.nRows; r++) {
        if (c.codes[r]! >= 0) continue;
        counts.clear();
        let best = '', bestN = 0;
        for (const d of draws) {
          const dc = d.columns[j] as typeof c;
          const label = dc.categories[dc.codes[r]!]!;
          const k = (counts.get(label) ?? 0) + 1;
          counts.set(label, k);
          if (k > bestN) [best, bestN] = [label, k];
        }
        const first = draws[0]!.columns[j] as typeof c;
        codes[r] = first.categories.indexOf(best);
        rowsOut.push(r + 1), colOut.push(c.name), est.push(best);
        mean.push(NaN), sd.push(NaN), lo.push(NaN), hi.push(NaN), share.push(bestN / m);
      }
      return { ...(draws[0]!.columns[j] as typeof c), codes };
    }
    const values = Float64Array.from(c.values);
    const xs = new Float64Array(m);
    for (let r = 0; r < input.nRows; r++) {
      if (!Number.isNaN(c.values[r]!)) continue;
      let s = 0;
      draws.forEach((d, k) => {
        xs[k] = (d.columns[j] as typeof c).values[r]!;
        s += xs[k]!;
      });
      let mu = s / m;
      if (c.kind !== 'numeric') mu = Math.round(mu);
      let v = 0;
      for (const x of xs) v += (x - s / m) ** 2;
      xs.sort();
      values[r] = mu;
      rowsOut.push(r + 1), colOut.push(c.name), est.push(String(mu));
      mean.push(s / m), sd.push(Math.sqrt(v / Math.max(1, m - 1))), lo.push(quantile(xs, 0.05)), hi.push(quantile(xs, 0.95)), share.push(NaN);
    }
    return { ...c, values };
  });
  // Row-major (by row, then column order): a row range of the input gives a contiguous block of lines,
  // so the intervals of sharded or streamed imputations concatenate to the single-process file.
  const order = Array.from(rowsOut.keys()).sort((a, b) => rowsOut[a]! - rowsOut[b]! || colIndex.get(colOut[a]!)! - colIndex.get(colOut[b]!)!);
  const pick = <T,>(xs: T[]): T[] => order.map((k) => xs[k]!);
  const labels = (name: string, xs: string[]): Column => {
    const cats = [...new Set(xs)].sort();
    const index = new Map(cats.map((k, i) => [k, i]));
    return { name, kind: 'categorical', codes: Int32Array.from(xs, (x) => index.get(x)!), categories: cats };
  };
  const num = (name: string, xs: number[]): Column => ({ name, kind: 'numeric', values: Float64Array.from(xs) });
  return {
    point: { nRows: input.nRows, columns },
    intervals: {
      nRows: rowsOut.length,
      columns: [
        { name: 'row', kind: 'integer', values: Float64Array.from(pick(rowsOut)) },
        labels('column', pick(colOut)),
        labels('estimate', pick(est)),
        num('mean', pick(mean)),
        num('sd', pick(sd)),
        num('lower_5', pick(lo)),
        num('upper_95', pick(hi)),
        num('mode_share', pick(share)),
      ],
    },
  };
}

function quantile(sorted: Float64Array, p: number): number {
  const pos = p * (sorted.length - 1);
  const i = Math.floor(pos);
  return sorted[i]! + (pos - i) * ((sorted[Math.min(i + 1, sorted.length - 1)] ?? sorted[i]!) - sorted[i]!);
}

/** The promise users rely on: an imputed table equals its input on every observed cell. */
export function assertObservedUnchanged(input: Table, output: Table): void {
  input.columns.forEach((c, j) => {
    const o = output.columns[j]!;
    for (let r = 0; r < input.nRows; r++) {
      if (isCategorical(c)) {
        const k = c.codes[r]!;
        if (k >= 0 && (o as typeof c).categories[(o as typeof c).codes[r]!] !== c.categories[k]) throw new Error(`internal: imputation changed observed cell row ${r + 1}, column ${c.name}`);
      } else {
        const v = c.values[r]!;
        if (!Number.isNaN(v) && !Object.is((o as typeof c).values[r], v)) throw new Error(`internal: imputation changed observed cell row ${r + 1}, column ${c.name}`);
      }
    }
  });
}
