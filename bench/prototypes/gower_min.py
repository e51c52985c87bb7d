"""score.py's Gower-like distance for the DCR prototypes (dcr-by-column.py, panel-dcr-split.py): numeric
|a - b| / range(train) capped at 1, categorical 0/1, both missing 0, one missing 1; a row's distance is the
sum over columns (the mean's order, which is all a share needs)."""
import numpy as np


def arrays(frame, cols, train, frames):
    """Per column: ('n', values / range) or ('c', label codes over all frames; missing -2)."""
    out = []
    for c in cols:
        if train[c].dtype != object:
            r = train[c].max() - train[c].min()
            out.append(('n', frame[c].to_numpy(float) / (r if r > 0 else 1)))
        else:
            labels = set()
            for f in frames:
                labels |= set(f[c].dropna())
            codes = {v: i for i, v in enumerate(sorted(labels))}
            out.append(('c', frame[c].map(lambda v: codes.get(v, -1) if v == v else -2).to_numpy()))
    return out


def min_distance(q, r, chunk=256):
    """For each query row: the smallest distance to any reference row."""
    n = len(q[0][1])
    best = np.empty(n)
    for a in range(0, n, chunk):
        b = min(a + chunk, n)
        tot = np.zeros((b - a, len(r[0][1])), np.float32)
        for (k, qv), (_, rv) in zip(q, r):
            if k == 'n':
                qq = qv[a:b, None]
                rr = rv[None, :]
                d = np.minimum(np.abs(qq - rr), 1.0)
                d = np.where(np.isnan(qq) & np.isnan(rr), 0.0, np.where(np.isnan(qq) | np.isnan(rr), 1.0, d))
            else:
                d = qv[a:b, None] != rv[None, :]
            tot += d
        best[a:b] = tot.min(1)
    return best
