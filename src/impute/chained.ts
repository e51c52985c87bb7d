/**
 * Chained random-forest imputation (missForest, Stekhoven & Bühlmann 2012): start from mean/mode, then
 * repeatedly regress (classify) each incomplete column on all the others with a random forest and
 * re-predict its holes, columns in order of increasing missingness. The second engine beside the
 * diffusion model: trees capture sharp, nearly deterministic relations from a few hundred rows, where a
 * small network trained for a minute on a CPU is still smooth. Returns per-cell predictions and, for
 * categorical cells, class probabilities, so a blend can weigh them against the diffusion draws.
 */
import { forestPredict, trainForestClassifier, trainForestRegressor, type FeatureMatrix } from '../evaluate/forest.js';
import { createRng, deriveSeed } from '../rng.js';
import { isCategorical, type Table } from '../table/table.js';

export interface ChainedOptions {
  seed: number;
  /** 'forest': random forests (missForest); 'ridge': ridge regression / linear probabilities (as IterativeImputer with BayesianRidge). */
  learner?: 'forest' | 'ridge';
  /** Rounds over the columns (missForest's stop rule usually ends after 4–6). */
  iterations?: number;
  nTrees?: number;
  /** Training rows per forest at most (a seeded subsample; bounds the cost on big tables; default 20,000). */
  maxRows?: number;
  /** Features tried per split (default missForest's sqrt). */
  maxFeatures?: 'sqrt' | 'third' | 'all' | number;
  onProgress?: (done: number, total: number) => void;
}

export interface ChainedResult {
  /** Per column: the prediction for every row (numeric value, or class code); observed rows hold the input. */
  values: Float64Array[];
  /** Per categorical column: row-major nRows × K class probabilities (rows with holes only are meaningful). */
  probs: (Float64Array | undefined)[];
  /** The worker thread that computed it (chained-pool.ts); absent in-process. */
  thread?: number;
}

export function chainedForestImpute(table: Table, o: ChainedOptions): ChainedResult {
  const n = table.nRows;
  const cols = table.columns;
  const p = cols.length;
  // Column-major working matrix: numeric values as is, categories as codes (as missForest's peers do).
  const data = new Float64Array(n * p);
  const missing = cols.map(() => new Uint8Array(n));
  const probs: (Float64Array | undefined)[] = cols.map(() => undefined);
  cols.forEach((c, j) => {
    const m = missing[j]!;
    if (isCategorical(c)) {
      const counts = new Float64Array(c.categories.length);
      for (let i = 0; i < n; i++) if (c.codes[i]! >= 0) counts[c.codes[i]!]!++;
      let mode = 0;
      counts.forEach((k, l) => k > counts[mode]! && (mode = l));
      for (let i = 0; i < n; i++) {
        const k = c.codes[i]!;
        if (k < 0) m[i] = 1;
        data[j * n + i] = k < 0 ? mode : k;
      }
    } else {
      let s = 0, cnt = 0;
      for (const v of c.values) if (!Number.isNaN(v)) (s += v), cnt++;
      const mean = cnt ? s / cnt : 0;
      for (let i = 0; i < n; i++) {
        const v = c.values[i]!;
        if (Number.isNaN(v)) m[i] = 1;
        data[j * n + i] = Number.isNaN(v) ? mean : v;
      }
    }
  });
  const order = cols
    .map((_, j) => j)
    .filter((j) => missing[j]!.some((v) => v === 1) && missing[j]!.some((v) => v === 0))
    .sort((a, b) => missing[a]!.reduce((s, v) => s + v, 0) - missing[b]!.reduce((s, v) => s + v, 0));
  const iterations = o.iterations ?? 4;
  // 20,000: on gapminder (10,545 rows, a country × year panel) forests on every row instead of a 3,000-row
  // subsample scored RMSE 0.403 instead of 0.475 (credit, 4,454 rows: 0.894 vs 0.890) for ~1.5× the time;
  // the bound keeps 50k-row tables affordable. bench/prototypes/chained-variants.mts measures it.
  const maxRows = o.maxRows ?? 20000;
  const total = iterations * order.length;
  let done = 0;
  for (let it = 0; it < iterations; it++) {
    for (const j of order) {
      const m = missing[j]!;
      const obsRows: number[] = [], misRows: number[] = [];
      for (let i = 0; i < n; i++) (m[i] ? misRows : obsRows).push(i);
      let trainRows = obsRows;
      if (obsRows.length > maxRows) {
        const rng = createRng(deriveSeed(o.seed, `rows/${it}/${j}`));
        const a = obsRows.slice();
        for (let k = 0; k < maxRows; k++) {
          const r = k + rng.int(a.length - k);
          [a[k], a[r]] = [a[r]!, a[k]!];
        }
        trainRows = a.slice(0, maxRows);
      }
      const c = cols[j]!;
      if (o.learner === 'ridge') {
        const design = ridgeDesign(table, data, n, j);
        const K = isCategorical(c) ? c.categories.length : 1;
        const pr = ridgeFitPredict(design, data, n, j, K, trainRows, misRows);
        if (isCategorical(c)) {
          const all = probs[j] ?? new Float64Array(n * K);
          misRows.forEach((i, r) => {
            let best = 0, sum = 0;
            for (let k = 0; k < K; k++) sum += Math.max(0, pr[r * K + k]!);
            for (let k = 0; k < K; k++) {
              all[i * K + k] = sum > 0 ? Math.max(0, pr[r * K + k]!) / sum : 1 / K;
              if (pr[r * K + k]! > pr[r * K + best]!) best = k;
            }
            data[j * n + i] = best;
          });
          probs[j] = all;
        } else misRows.forEach((i, r) => (data[j * n + i] = pr[r]!));
        o.onProgress?.(++done, total);
        continue;
      }
      const X = features(data, n, p, j, trainRows);
      const Xm = features(data, n, p, j, misRows);
      const opts = { seed: deriveSeed(o.seed, `forest/${it}/${j}`), nTrees: o.nTrees ?? 100, maxDepth: 40, maxBins: 256, maxFeatures: o.maxFeatures ?? ('sqrt' as const) };
      if (isCategorical(c)) {
        const K = c.categories.length;
        const y = Int32Array.from(trainRows, (i) => data[j * n + i]!);
        const pr = forestPredict(trainForestClassifier(X, y, K, opts), Xm);
        const all = probs[j] ?? new Float64Array(n * K);
        misRows.forEach((i, r) => {
          let best = 0;
          for (let k = 0; k < K; k++) {
            all[i * K + k] = pr[r * K + k]!;
            if (pr[r * K + k]! > pr[r * K + best]!) best = k;
          }
          data[j * n + i] = best;
        });
        probs[j] = all;
      } else {
        const y = Float64Array.from(trainRows, (i) => data[j * n + i]!);
        const pr = forestPredict(trainForestRegressor(X, y, opts), Xm);
        misRows.forEach((i, r) => (data[j * n + i] = pr[r]!));
      }
      o.onProgress?.(++done, total);
    }
  }
  return { values: cols.map((_, j) => data.slice(j * n, (j + 1) * n)), probs };
}

/** Every column but `skip`, for the given rows, column-major. */
function features(data: Float64Array, n: number, p: number, skip: number, rows: readonly number[]): FeatureMatrix {
  const m = rows.length;
  const out = new Float64Array(m * (p - 1));
  const names: string[] = [];
  let f = 0;
  for (let j = 0; j < p; j++) {
    if (j === skip) continue;
    const src = j * n, dst = f * m;
    for (let r = 0; r < m; r++) out[dst + r] = data[src + rows[r]!]!;
    names.push(String(j));
    f++;
  }
  return { nRows: m, nCols: p - 1, data: out, names };
}

/** Standardized numeric columns and one-hot labels (columns up to 20 levels) of every column but `skip`. */
interface Design {
  /** Per feature: source column, level (−1 for a numeric value), centre and scale. */
  src: Int32Array;
  level: Int32Array;
  centre: Float64Array;
  scale: Float64Array;
}

function ridgeDesign(table: Table, data: Float64Array, n: number, skip: number): Design {
  const src: number[] = [], level: number[] = [], centre: number[] = [], scale: number[] = [];
  table.columns.forEach((c, j) => {
    if (j === skip) return;
    if (isCategorical(c)) {
      if (c.categories.length > 20) return;
      for (let k = 0; k < c.categories.length; k++) src.push(j), level.push(k), centre.push(0), scale.push(1);
      return;
    }
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) (s += data[j * n + i]!), (s2 += data[j * n + i]! ** 2);
    const mu = s / n, sd = Math.sqrt(Math.max(s2 / n - mu * mu, 0)) || 1;
    src.push(j), level.push(-1), centre.push(mu), scale.push(sd);
  });
  return { src: Int32Array.from(src), level: Int32Array.from(level), centre: Float64Array.from(centre), scale: Float64Array.from(scale) };
}

function designRow(d: Design, data: Float64Array, n: number, i: number, out: Float64Array): void {
  out[0] = 1;
  for (let f = 0; f < d.src.length; f++) {
    const v = data[d.src[f]! * n + i]!;
    out[f + 1] = d.level[f]! < 0 ? (v - d.centre[f]!) / d.scale[f]! : v === d.level[f]! ? 1 : 0;
  }
}

/**
 * Ridge regression of column j (K one-hot targets for a label, else its value) on the design, fitted on
 * `train` rows and predicted on `predict` rows: (XᵀX + λI)β = XᵀY by Cholesky, λ = 1 on standardized
 * features (intercept unpenalised) — close to BayesianRidge's evidence-chosen penalty at these sizes.
 */
function ridgeFitPredict(d: Design, data: Float64Array, n: number, j: number, K: number, train: readonly number[], predict: readonly number[]): Float64Array {
  const P = d.src.length + 1;
  const A = new Float64Array(P * P), B = new Float64Array(P * K), x = new Float64Array(P);
  for (const i of train) {
    designRow(d, data, n, i, x);
    const y = data[j * n + i]!;
    for (let a = 0; a < P; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      for (let b = a; b < P; b++) A[a * P + b]! += xa * x[b]!;
      if (K === 1) B[a]! += xa * y;
      else B[a * K + y]! += xa;
    }
  }
  for (let a = 0; a < P; a++) {
    for (let b = 0; b < a; b++) A[a * P + b] = A[b * P + a]!;
    A[a * P + a]! += a === 0 ? 1e-8 : 1;
  }
  // Cholesky A = LLᵀ in place (lower triangle), then solve for each target column.
  for (let a = 0; a < P; a++) {
    for (let b = 0; b <= a; b++) {
      let s = A[a * P + b]!;
      for (let k = 0; k < b; k++) s -= A[a * P + k]! * A[b * P + k]!;
      A[a * P + b] = a === b ? Math.sqrt(Math.max(s, 1e-12)) : s / A[b * P + b]!;
    }
  }
  const beta = new Float64Array(P * K);
  const z = new Float64Array(P);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < P; a++) {
      let s = B[a * K + k]!;
      for (let b = 0; b < a; b++) s -= A[a * P + b]! * z[b]!;
      z[a] = s / A[a * P + a]!;
    }
    for (let a = P - 1; a >= 0; a--) {
      let s = z[a]!;
      for (let b = a + 1; b < P; b++) s -= A[b * P + a]! * beta[b * K + k]!;
      beta[a * K + k] = s / A[a * P + a]!;
    }
  }
  const out = new Float64Array(predict.length * K);
  predict.forEach((i, r) => {
    designRow(d, data, n, i, x);
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let a = 0; a < P; a++) s += x[a]! * beta[a * K + k]!;
      out[r * K + k] = s;
    }
  });
  return out;
}
