"""DCR share of a synthetic panel split by whether a row's (country, year) is a training year, a holdout year
or beyond the country's training span (issue 11, the panel engine). Gower distance as score.py's.
usage: /usr/bin/python3 bench/prototypes/panel-dcr-split.py TRAIN.csv SYNTHETIC.csv HOLDOUT.csv (gapminder columns)
"""
import sys, numpy as np, pandas as pd
t=pd.read_csv(sys.argv[1]); s=pd.read_csv(sys.argv[2]); h=pd.read_csv(sys.argv[3])
num=[c for c in t.columns if t[c].dtype!=object]
def arr(f):
    out=[]
    for c in t.columns:
        if c in num:
            r=t[c].max()-t[c].min(); out.append(('n',f[c].to_numpy(float)/r))
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
                qq=qv[a:b,None]; rr=rv[None,:]
                d=np.minimum(np.abs(qq-rr),1.0); d=np.where(np.isnan(qq)&np.isnan(rr),0.0,np.where(np.isnan(qq)|np.isnan(rr),1.0,d))
            else: d=(qv[a:b,None]!=rv[None,:])
            tot+=d
        best[a:b]=tot.min(1)
    return best
dt=mind(arr(s),arr(t)); dh=mind(arr(s),arr(h))
intrain=s.set_index(['country','year']).index.isin(t.set_index(['country','year']).index)
print('all',np.mean(dt<dh),'n',len(s))
for name,m in [('train-year',intrain),('holdout-year',~intrain)]:
    print(name, m.mean().round(3), np.mean((dt<dh)[m]).round(4), 'median dt',np.median(dt[m]).round(4),'dh',np.median(dh[m]).round(4))
g=t.groupby('country').year.agg(['min','max'])
mn=s.country.map(g['min']).to_numpy(); mx=s.country.map(g['max']).to_numpy()
outside=(s.year.to_numpy()<mn)|(s.year.to_numpy()>mx)
for name,m in [('outside',outside),('inside-holdout',(~outside)&(~intrain))]:
    print(name, m.mean().round(3), np.mean((dt<dh)[m]).round(4))
