"""scikit-learn peers for synthdiff's impute-peers benchmark (bench/impute-peers.ts).

Usage: python3 sklearn_impute.py iterative|knn <masked.csv> <out.csv> <seed> [categorical names...]

Numeric columns are z-scored with their observed mean and sd before imputing (KNNImputer's distance
needs comparable scales; for IterativeImputer's linear models it only nudges BayesianRidge's priors) and
mapped back afterwards. Categorical columns are encoded per method:

- iterative: IterativeImputer(BayesianRidge(), max_iter=10, sample_posterior=False, random_state=seed),
  i.e. sklearn 1.2's defaults. Categoricals are ORDINAL-encoded (codes 0..k-1 in sorted label order),
  imputed as numbers, then rounded and clipped to a valid code. One-hot does not work here: a row's
  dummies are missing together, each dummy's regression learns to read its siblings (they sum to 1 on
  observed rows), and the iteration settles on the column means, i.e. the mode for every cell. Ordinal
  codes are exact for two-level columns and impose an arbitrary order on nominal ones with more levels.
- knn: KNNImputer(n_neighbors=5), uniform weights, nan-Euclidean distance. Categoricals are one-hot
  encoded (all dummies missing where the label is) and decoded as the level with the largest averaged
  dummy, i.e. the majority label among the 5 neighbours.
Only numpy and scikit-learn are needed (no pandas on the Debian image).
"""
import csv
import math
import sys

import numpy as np
from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (registers IterativeImputer)
from sklearn.impute import IterativeImputer, KNNImputer


def main() -> None:
    if len(sys.argv) < 5 or sys.argv[1] not in ("iterative", "knn"):
        sys.exit(__doc__)
    method, inp, out, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    cats = set(sys.argv[5:])
    with open(inp, newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    n = len(data)

    blocks = []  # (name, is_cat, first matrix column, width, levels or (mean, sd))
    cols = []
    for j, name in enumerate(header):
        raw = [r[j] for r in data]
        if name in cats:
            levels = sorted({v for v in raw if v != ""})
            if method == "iterative":
                code = {lev: float(k) for k, lev in enumerate(levels)}
                blocks.append((name, True, len(cols), 1, levels))
                cols.append([math.nan if v == "" else code[v] for v in raw])
            else:
                blocks.append((name, True, len(cols), len(levels), levels))
                for lev in levels:
                    cols.append([math.nan if v == "" else float(v == lev) for v in raw])
        else:
            x = np.array([float(v) if v != "" else math.nan for v in raw])
            mu = float(np.nanmean(x))
            sd = float(np.nanstd(x, ddof=1)) if np.sum(~np.isnan(x)) > 1 else 1.0
            sd = sd if sd > 0 else 1.0
            blocks.append((name, False, len(cols), 1, (mu, sd)))
            cols.append(list((x - mu) / sd))
    X = np.array(cols, dtype=float).T.reshape(n, len(cols))

    if method == "iterative":
        imputer = IterativeImputer(max_iter=10, sample_posterior=False, random_state=seed)
    else:
        imputer = KNNImputer(n_neighbors=5)
    # keep_empty_features does not exist in 1.2; a fully missing dummy cannot occur (levels come from
    # observed labels), so the output keeps every column.
    Y = imputer.fit_transform(X)

    out_cols = []
    for name, is_cat, start, width, info in blocks:
        if is_cat:
            obs = ~np.isnan(X[:, start])
            if method == "iterative":
                arg = np.clip(np.rint(Y[:, start]), 0, len(info) - 1).astype(int)
            else:
                arg = np.argmax(Y[:, start : start + width], axis=1)
            j = header.index(name)
            out_cols.append([data[i][j] if obs[i] else info[arg[i]] for i in range(n)])
        else:
            mu, sd = info
            j = header.index(name)
            # Observed cells are copied as read, so only imputed cells carry the z-score round trip.
            out_cols.append([data[i][j] if data[i][j] != "" else repr(float(Y[i, start] * sd + mu)) for i in range(n)])
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i in range(n):
            w.writerow([c[i] for c in out_cols])


if __name__ == "__main__":
    main()
