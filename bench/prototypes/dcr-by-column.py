"""DCR share (score.py's Gower distance, 4,000 synthetic rows) over all columns, numeric or categorical only,
and with each column left out: which columns make synthetic rows closer to train (issue 11, trees engine).
usage: /usr/bin/python3 bench/prototypes/dcr-by-column.py TRAIN.csv SYNTHETIC.csv HOLDOUT.csv
"""
import sys, numpy as np, pandas as pd
t=pd.read_csv(sys.argv[1]); s=pd.read_csv(sys.argv[2]); h=pd.read_csv(sys.argv[3])
rng=np.random.default_rng(0)
s=s.sample(n=min(4000,len(s)),random_state=0)
num=[c for c in t.columns if t[c].dtype!=object]; cat=[c for c in t.columns if t[c].dtype==object]
def arr(f,cols):
    out=[]
    for c in cols:
        if c in num:
            r=t[c].max()-t[c].min(); out.append(('n',f[c].to_numpy(float)/ (r if r>0 else 1)))
        else:
            cats={v:i for i,v in enumerate(sorted(set(t[c].dropna())|set(h[c].dropna())|set(s[c].dropna())))}
            out.append(('c',f[c].map(lambda v: cats.get(v,-1) if v==v else -2).to_numpy()))
    return out
def mind(q,r):
    n=len(q[0][1]); best=np.empty(n)
    for a in range(0,n,256):
        b=min(a+256,n); tot=np.zeros((b-a,len(r[0][1])),np.float32)
        for (k,qv),(_,rv) in zip(q,r):
            if k=='n':
                d=np.minimum(np.abs(qv[a:b,None]-rv[None,:]),1.0); d=np.where(np.isnan(d),1.0,d)
            else: d=(qv[a:b,None]!=rv[None,:])
            tot+=d
        best[a:b]=tot.min(1)
    return best
for name,cols in [('all',list(t.columns)),('num',num),('cat',cat)]+[('-'+c,[x for x in t.columns if x!=c]) for c in t.columns]:
    if not cols: continue
    dt=mind(arr(s,cols),arr(t,cols)); dh=mind(arr(s,cols),arr(h,cols))
    print(name, round(float(np.mean(dt<dh)),4), round(float(np.mean(dt==dh)),4))
