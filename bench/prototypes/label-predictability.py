"""Issue 11: can any classifier predict a label column's hidden cells better than its majority label?

On impute-shared's mask folders (mask.py's masked.csv and truth.json): HistGradientBoosting (NaN as is), a
500-tree random forest and a logistic regression (medians filled, z-scored), each trained on the rows where the
label is observed with every other column as a number, then graded on the hidden cells. Prints per seed the
cells each gets right and how many it called the minority label, beside "majority everywhere".

  /usr/bin/python3 bench/prototypes/label-predictability.py /tmp/bench-out survival__pbc sex [seeds=1,2,3]
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

root, table, col = sys.argv[1:4]
seeds = [int(s) for s in (sys.argv[4] if len(sys.argv) > 4 else "1,2,3").split(",")]
totals: dict = {}
for seed in seeds:
    d = f"{root}/{table}-s{seed}"
    masked = pd.read_csv(f"{d}/masked.csv")
    truth = {r: str(v) for r, c, v in json.load(open(f"{d}/truth.json")) if c == col}
    X = masked.drop(columns=[col]).apply(pd.to_numeric, errors="coerce")
    y = masked[col].astype("string")
    observed = y.notna().values
    hidden = np.array(sorted(truth))
    majority = y[observed].mode()[0]
    res = {"majority": (sum(truth[r] == majority for r in hidden), 0)}
    for name, clf in [("hgb", HistGradientBoostingClassifier(random_state=0)), ("rf", RandomForestClassifier(500, random_state=0)), ("lr", LogisticRegression(max_iter=2000))]:
        Xf = X if name == "hgb" else X.fillna(X.median())
        if name == "lr":
            Xf = (Xf - Xf.mean()) / Xf.std().replace(0, 1)
        clf.fit(Xf[observed], y[observed].astype(str))
        pred = clf.predict(Xf.iloc[hidden])
        res[name] = (int(sum(p == truth[r] for p, r in zip(pred, hidden))), int(sum(p != majority for p in pred)))
    for k, (right, _) in res.items():
        totals[k] = totals.get(k, 0) + right
    print(f"seed {seed}: {len(hidden)} hidden cells; right (minority calls): " + ", ".join(f"{k} {r} ({m})" for k, (r, m) in res.items()))
print("all seeds: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
