#!/bin/bash
# usage: bench/prototypes/impute-sampler-variants.sh TABLE SEED (after npm run build): mask.py, then the same
# impute spec at edm-stochastic 50 steps (the old default) and at dpmpp-2m 20 steps through the CLI, score.py for both.
# OUT= sets where the mask folders go (default /tmp/bench-out).
set -u
T=$1; S=$2; R=$(cd "$(dirname "$0")/../.." && pwd); SB=$R/../shared/bench/impute
D=${OUT:-/tmp/bench-out}/$T-s$S
DATA=$R/../shared/data/tabular/$T.csv
[ -f $D/truth.json ] || /usr/bin/python3 $SB/mask.py $DATA --frac 0.3 --seed $S --out $D >/dev/null
cd $R
for V in edm50 dpm20; do
  /usr/bin/python3 - "$D" "$V" "$S" <<'PY'
import json,sys
d,v,s=sys.argv[1],sys.argv[2],int(sys.argv[3])
meta=json.load(open(d+'/meta.json'))
spec={"version":1,"name":"v-"+v,"seed":s,"source":{"path":d+"/masked.csv"},
 "columns":{c["name"]:{"kind":"categorical" if c["kind"]=="categorical" else "numeric"} for c in meta["columns"]},
 "tasks":[{"type":"impute","engine":"auto","draws":10,"output":{"path":d+"/"+v+".csv"}}],
 "report":{"dir":d+"/rep-"+v,"html":False}}
spec["model"]={"sampler":"dpmpp-2m","samplerSteps":20} if v=="dpm20" else {"sampler":"edm-stochastic","samplerSteps":50}
json.dump(spec,open(d+"/spec-"+v+".json","w"),indent=1)
PY
  t0=$(date +%s.%N)
  node dist/cli/main.js run $D/spec-$V.json > $D/log-$V.txt 2>&1 || { echo "$T s$S $V FAILED"; tail -3 $D/log-$V.txt; continue; }
  t1=$(date +%s.%N)
  sc=$(/usr/bin/python3 $SB/score.py $D $D/$V.csv)
  echo "$T s$S $V secs=$(echo "$t1-$t0"|bc) $(echo $sc | /usr/bin/python3 -c 'import json,sys;j=json.load(sys.stdin);print("rmse",j["rmse"],"acc",j["accuracy"])')"
done
