#!/bin/bash
# usage: bench/prototypes/impute-sampler-variants.sh TABLE SEED (after npm run build): mask.py hides 30% of the
# observed cells, then one impute spec (engine auto, 10 draws) runs through the CLI per variant, and score.py
# scores each. Variants (VARIANTS="…", default "edm50 dpm20"):
#   default   the spec names no model settings (today's defaults)
#   edm50     model: { sampler: edm-stochastic, samplerSteps: 50 }   (the imputation default before 23d6670)
#   dpm20     model: { sampler: dpmpp-2m, samplerSteps: 20 }
#   steps2000 model: { steps: 2000 }   (the impute-only model's steps below 5,000 rows, and at every size before 4e5f81b)
#   dpm10     model: { samplerSteps: 10 }
#   steps600  model: { steps: 600 }
#   s600dpm10 model: { steps: 600, samplerSteps: 10 }
#   steps1000 model: { steps: 1000 }   (the impute-only model's steps from 5,000 rows before 98f08c8)
#   w128      model: { width: 128 }
# OUT= sets where the mask folders go (default /tmp/bench-out); DATA= a CSV other than ../shared/data/tabular/TABLE.csv
# (e.g. the table bench/prototypes/wide-gapminder.py writes).
set -u
T=$1; S=$2; R=$(cd "$(dirname "$0")/../.." && pwd); SB=$R/../shared/bench/impute
D=${OUT:-/tmp/bench-out}/$T-s$S
DATA=${DATA:-$R/../shared/data/tabular/$T.csv}
[ -f $D/truth.json ] || /usr/bin/python3 $SB/mask.py $DATA --frac 0.3 --seed $S --out $D >/dev/null
cd $R
for V in ${VARIANTS:-edm50 dpm20}; do
  /usr/bin/python3 - "$D" "$V" "$S" <<'PY' || exit 2
import json,sys
d,v,s=sys.argv[1],sys.argv[2],int(sys.argv[3])
models={"default":None,"edm50":{"sampler":"edm-stochastic","samplerSteps":50},"dpm20":{"sampler":"dpmpp-2m","samplerSteps":20},"steps2000":{"steps":2000},"dpm10":{"samplerSteps":10},"steps600":{"steps":600},"s600dpm10":{"steps":600,"samplerSteps":10},"steps1000":{"steps":1000},"w128":{"width":128}}
if v not in models: sys.exit(f"unknown variant {v}: one of {' '.join(models)}")
meta=json.load(open(d+'/meta.json'))
spec={"version":1,"name":"v-"+v,"seed":s,"source":{"path":d+"/masked.csv"},
 "columns":{c["name"]:{"kind":"categorical" if c["kind"]=="categorical" else "numeric"} for c in meta["columns"]},
 "tasks":[{"type":"impute","engine":"auto","draws":10,"output":{"path":d+"/"+v+".csv"}}],
 "report":{"dir":d+"/rep-"+v,"html":False}}
if models[v]: spec["model"]=models[v]
json.dump(spec,open(d+"/spec-"+v+".json","w"),indent=1)
PY
  t0=$(date +%s.%N)
  node dist/cli/main.js run $D/spec-$V.json > $D/log-$V.txt 2>&1 || { echo "$T s$S $V FAILED"; tail -3 $D/log-$V.txt; continue; }
  t1=$(date +%s.%N)
  sc=$(/usr/bin/python3 $SB/score.py $D $D/$V.csv)
  train=$(/usr/bin/python3 -c "import json;print(json.load(open('$D/rep-$V/report.json'))['model']['trainSeconds'])")
  echo "$T s$S $V secs=$(echo "$t1-$t0"|bc) train=$train $(echo $sc | /usr/bin/python3 -c 'import json,sys;j=json.load(sys.stdin);print("rmse",j["rmse"],"acc",j["accuracy"])')"
done
