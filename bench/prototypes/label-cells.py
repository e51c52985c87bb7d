"""Issue 11: one label column's hidden cells, method by method, on impute-shared's mask folders.

For each seed's folder (mask.py's truth.json, synthdiff.csv and the peers' peer-*.csv): how many hidden
cells each method got right, and every cell where some method did not guess the column's majority label.

  /usr/bin/python3 bench/prototypes/label-cells.py /tmp/bench-out survival__pbc sex [seeds=1,2,3]
"""
import collections
import csv
import glob
import json
import os
import sys

root, table, col = sys.argv[1:4]
seeds = [int(s) for s in (sys.argv[4] if len(sys.argv) > 4 else "1,2,3").split(",")]
totals: collections.Counter = collections.Counter()
cells = 0
for seed in seeds:
    d = os.path.join(root, f"{table}-s{seed}")
    truth = [(r, v) for r, c, v in json.load(open(os.path.join(d, "truth.json"))) if c == col]
    files = {"synthdiff": os.path.join(d, "synthdiff.csv")}
    files.update({os.path.basename(p)[5:-4]: p for p in sorted(glob.glob(os.path.join(d, "peer-*.csv")))})
    guesses = {m: [row[col] for row in csv.DictReader(open(p))] for m, p in files.items()}
    majority = collections.Counter(v for v in guesses["synthdiff"] if v).most_common(1)[0][0]
    right = {m: sum(g[r] == str(v) for r, v in truth) for m, g in guesses.items()}
    totals.update(right)
    cells += len(truth)
    print(f"seed {seed}: {len(truth)} hidden cells; right: " + ", ".join(f"{m} {n}" for m, n in right.items()))
    for r, v in truth:
        odd = {m: g[r] for m, g in guesses.items() if g[r] != majority}
        if odd:
            print(f"  row {r}: truth {v}; not '{majority}': {odd}")
print(f"all seeds, {cells} cells: " + ", ".join(f"{m} {n}" for m, n in totals.most_common()))
