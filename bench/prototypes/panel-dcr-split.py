"""DCR share of a synthetic panel split by whether a row's (country, year) is a training year, a holdout year
or beyond the country's training span (issue 11, the panel engine). Gower distance as score.py's.
usage: /usr/bin/python3 bench/prototypes/panel-dcr-split.py TRAIN.csv SYNTHETIC.csv HOLDOUT.csv (gapminder columns)
"""
import os, sys
import numpy as np, pandas as pd
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gower_min import arrays, min_distance

t=pd.read_csv(sys.argv[1]); s=pd.read_csv(sys.argv[2]); h=pd.read_csv(sys.argv[3])
cols=list(t.columns)
q=arrays(s,cols,t,[t,s,h])
dt=min_distance(q,arrays(t,cols,t,[t,s,h])); dh=min_distance(q,arrays(h,cols,t,[t,s,h]))
intrain=s.set_index(['country','year']).index.isin(t.set_index(['country','year']).index)
print('all',np.mean(dt<dh),'n',len(s))
for name,m in [('train-year',intrain),('holdout-year',~intrain)]:
    print(name, m.mean().round(3), np.mean((dt<dh)[m]).round(4), 'median dt',np.median(dt[m]).round(4),'dh',np.median(dh[m]).round(4))
g=t.groupby('country').year.agg(['min','max'])
mn=s.country.map(g['min']).to_numpy(); mx=s.country.map(g['max']).to_numpy()
outside=(s.year.to_numpy()<mn)|(s.year.to_numpy()>mx)
for name,m in [('outside',outside),('inside-holdout',(~outside)&(~intrain))]:
    print(name, m.mean().round(3), np.mean((dt<dh)[m]).round(4))
