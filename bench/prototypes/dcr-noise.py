"""The DCR share's own noise on a small table, and what smoothing a synthetic table's numbers does to it (issue 11;
bench/RESULTS.md, ninth session). Scored by ../shared/bench/fidelity/score.py like synth-shared (seed 1).

    /usr/bin/python3 bench/prototypes/dcr-noise.py indep DIR [SEED ...]     # each column of DIR/train.csv resampled
                                                                          # independently (and DIR/holdout.csv, seed 1)
    /usr/bin/python3 bench/prototypes/dcr-noise.py jitter DIR SYN FACTOR   # SYN's columns with ≥ 20 distinct values
                                                                          # jittered by FACTOR Silverman bandwidths
                                                                          # (SYN indep:SEED: indep's resample)
    /usr/bin/python3 bench/prototypes/dcr-noise.py snap DIR SYN MAXDISTINCT  # SYN's numbers snapped to the nearest
                                                                          # training value (columns ≤ MAXDISTINCT)

DIR holds a synth-shared split (train.csv, holdout.csv), e.g. bench/.synth-splits/modeldata__credit_data-s1 after
`npm run bench -- --only synth-shared --synth-tables modeldata__credit_data:Status --seeds 1`.
Prints HGB detection and the DCR share of each scored table.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

SCORE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "bench", "fidelity", "score.py")
UNITS = [1000, 500, 100, 50, 25, 10, 5, 2, 1]


def score(d: str, syn: pd.DataFrame, label: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        syn.to_csv(f.name, index=False)
    out = subprocess.run([sys.executable, SCORE, "--real", f"{d}/train.csv", "--synthetic", f.name, "--holdout", f"{d}/holdout.csv",
                          "--seed", "1", "--no-pairs"], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    s = json.loads(out)
    print(f"{label}: HGB {s['detection']['hist_gradient_boosting']['score']:.4f}, DCR share {s['dcr']['share_closer_to_train']:.4f}")


def resample(t: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: t[c].to_numpy()[rng.integers(0, len(t), len(t))] for c in t.columns})


def jitter(t: pd.DataFrame, syn: pd.DataFrame, factor: float) -> pd.DataFrame:
    """Gaussian noise of `factor` Silverman bandwidths, rounded to the donor's own grid (the largest of UNITS
    dividing it), clamped to the training range; values with ≥ 2% of the rows (point masses) kept."""
    rng = np.random.default_rng(7)
    syn = syn.copy()
    for c in syn.columns:
        if syn[c].dtype.kind not in "fi":
            continue
        v = t[c].dropna().to_numpy(float)
        if len(np.unique(v)) < 20:
            continue
        iqr = np.subtract(*np.percentile(v, [75, 25]))
        bw = 0.9 * min(v.std(), iqr / 1.34 if iqr > 0 else v.std()) * len(v) ** -0.2
        freq = pd.Series(v).value_counts(normalize=True)
        mass = set(freq[freq >= 0.02].index)
        x = syn[c].to_numpy(float).copy()
        for i in range(len(x)):
            if np.isnan(x[i]) or x[i] in mass:
                continue
            y = x[i] + rng.normal() * bw * factor
            if x[i] == int(x[i]):
                u = next(u for u in UNITS if x[i] % u == 0)
                y = round(y / u) * u
            x[i] = min(max(y, v.min()), v.max())
        syn[c] = x
    return syn


def snap(t: pd.DataFrame, syn: pd.DataFrame, max_distinct: int) -> pd.DataFrame:
    syn = syn.copy()
    for c in t.columns:
        if t[c].dtype.kind not in "fi":
            continue
        v = np.unique(t[c].dropna().to_numpy(float))
        if len(v) > max_distinct:
            continue
        x = syn[c].to_numpy(float)
        ok = ~np.isnan(x)
        i = np.clip(np.searchsorted(v, x[ok]), 1, len(v) - 1)
        lo, hi = v[i - 1], v[i]
        x[ok] = np.where(x[ok] - lo <= hi - x[ok], lo, hi)
        syn[c] = x
    return syn


def main() -> None:
    mode, d, *rest = sys.argv[1:]
    t = pd.read_csv(f"{d}/train.csv")
    if mode == "indep":
        for seed in [int(s) for s in rest] or [1, 2, 3]:
            score(d, resample(t, seed), f"train resampled per column, seed {seed}")
        score(d, resample(pd.read_csv(f"{d}/holdout.csv"), 1), "holdout resampled per column, seed 1")
    elif mode == "jitter":
        # SYN "indep:SEED": the per-column resample of `indep`.
        syn = resample(t, int(rest[0][6:])) if rest[0].startswith("indep:") else pd.read_csv(rest[0])
        score(d, jitter(t, syn, float(rest[1])), f"{rest[0]} jittered by {rest[1]} bandwidths")
    elif mode == "snap":
        syn = pd.read_csv(rest[0])
        score(d, snap(t, syn, int(rest[1])), f"{rest[0]} snapped (columns ≤ {rest[1]} distinct values)")
    else:
        raise SystemExit(f"unknown mode {mode}: indep | jitter | snap")


if __name__ == "__main__":
    main()
