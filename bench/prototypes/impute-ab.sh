#!/bin/bash
# usage: bench/prototypes/impute-ab.sh REV SPEC [ROUNDS=1] (after npm run build)
# Runs one CLI spec (e.g. the spec-default.json that impute-sampler-variants.sh writes) with a build of git
# revision REV and with this checkout's dist/, alternating old, new per round, so both see the host as it is
# now; prints the wall seconds of each. REV is built once into a worktree under bench/scratch/. KEEP=FILE
# (the spec's output) copies it to FILE.old / FILE.new after each run, for scoring both.
set -eu
R=$(cd "$(dirname "$0")/../.." && pwd); W=$R/bench/scratch/ab-$1
if [ ! -f $W/dist/cli/main.js ]; then
  git -C $R worktree add -f $W $1 >/dev/null
  ln -sfn $R/node_modules $W/node_modules
  (cd $W && npx tsc -p tsconfig.build.json)
fi
for k in $(seq ${3:-1}); do
  for side in old new; do
    dir=$([ $side = old ] && echo $W || echo $R)
    t0=$(date +%s.%N); (cd $dir && node dist/cli/main.js run $2 > /tmp/impute-ab-$side.log 2>&1); t1=$(date +%s.%N)
    if [ -n "${KEEP:-}" ]; then cp "$KEEP" "$KEEP.$side"; fi
    echo "round $k $side $([ $side = old ] && echo $1 || git -C $R rev-parse --short HEAD) $(echo "$t1-$t0" | bc) s"
  done
done
