"""DCR share (score.py's Gower distance, 4,000 synthetic rows) over all columns, numeric or categorical only,
and with each column left out: which columns make synthetic rows closer to train (issue 11, trees engine).
usage: /usr/bin/python3 bench/prototypes/dcr-by-column.py TRAIN.csv SYNTHETIC.csv HOLDOUT.csv
"""
import os, sys
import numpy as np, pandas as pd
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gower_min import arrays, min_distance

t = pd.read_csv(sys.argv[1]); s = pd.read_csv(sys.argv[2]); h = pd.read_csv(sys.argv[3])
s = s.sample(n=min(4000, len(s)), random_state=0)
num = [c for c in t.columns if t[c].dtype != object]
cat = [c for c in t.columns if t[c].dtype == object]
for name, cols in [('all', list(t.columns)), ('num', num), ('cat', cat)] + [('-' + c, [x for x in t.columns if x != c]) for c in t.columns]:
    if not cols:
        continue
    q = arrays(s, cols, t, [t, s, h])
    dt = min_distance(q, arrays(t, cols, t, [t, s, h]))
    dh = min_distance(q, arrays(h, cols, t, [t, s, h]))
    print(name, round(float(np.mean(dt < dh)), 4), round(float(np.mean(dt == dh)), 4))
