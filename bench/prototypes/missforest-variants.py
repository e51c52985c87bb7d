"""The shared missForest peer (../shared/bench/impute/peers.py) as it is ('exact') or with every predictor cut
into 256 quantile bins first, as synthdiff's forests do ('binned'), optionally with another forest seed:
  /usr/bin/python3 bench/prototypes/missforest-variants.py MASK_DIR exact|binned [SEED]
writes MASK_DIR/mf-MODE[SEED].csv for score.py. Used to ask whether binning explains the gap between our chained
forests and missForest on mice__boys (it does not: 0.3438 exact, 0.3456 binned)."""
import sys, types, importlib.util, numpy as np
import os
SB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/bench/impute')
sys.path.insert(0, SB)
spec = importlib.util.spec_from_file_location('peers', os.path.join(SB, 'peers.py')); peers = importlib.util.module_from_spec(spec); spec.loader.exec_module(peers)
import tabio, sklearn.ensemble as E
d, mode = sys.argv[1], sys.argv[2]
RFR, RFC = E.RandomForestRegressor, E.RandomForestClassifier
def binned(base):
    class B(base):
        def fit(self, X, y):
            self._thr = []
            Xb = np.empty_like(X)
            for j in range(X.shape[1]):
                u = np.unique(X[:, j])
                if len(u) <= 256: t = (u[:-1] + u[1:]) / 2
                else:
                    s = np.sort(X[:, j]); n = len(s)
                    t = np.unique([s[min(n - 1, (b * n) // 256 - 1)] for b in range(1, 256)])
                    if len(t) and t[-1] >= s[-1]: t = t[:-1]
                self._thr.append(t)
                Xb[:, j] = np.searchsorted(t, X[:, j], side='left')
            return super().fit(Xb, y)
        def predict(self, X):
            Xb = np.empty_like(X)
            for j, t in enumerate(self._thr): Xb[:, j] = np.searchsorted(t, X[:, j], side='left')
            return super().predict(Xb)
    return B
if mode == 'binned': E.RandomForestRegressor, E.RandomForestClassifier = binned(RFR), binned(RFC)
table = peers.Table(d)
if len(sys.argv) > 3: table.seed = int(sys.argv[3])
out, notes = peers.peer_missforest(table, types.SimpleNamespace(jobs=1))
tabio.write_text_table(out['missforest'], f'{d}/mf-{mode}{sys.argv[3] if len(sys.argv) > 3 else ""}.csv', table.kinds)
print(notes)
