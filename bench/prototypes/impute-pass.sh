#!/bin/bash
# usage: bench/prototypes/impute-pass.sh TAG [mask folders…] (after npm run build)
# Runs today's defaults (impute-sampler-variants.sh's `default` variant: CLI, engine auto, 10 draws, score.py)
# on each mask folder under OUT (default /tmp/w1), keeping each output as TAG.csv and its report as
# report-TAG.json beside it, and prints one line per folder. Run it before and after a change to compare.
# gapminder_wide folders read DATA=/tmp/gapminder_wide.csv (bench/prototypes/wide-gapminder.py writes it).
R=$(cd "$(dirname "$0")/../.." && pwd); O=${OUT:-/tmp/w1}; TAG=$1; shift
DIRS=${*:-dslabs__gapminder-s1 dslabs__gapminder-s2 carData__SLID-s1 carData__SLID-s2 gapminder_wide-s1 datasets__airquality-s1 MASS__birthwt-s1 palmerpenguins__penguins-s1 palmerpenguins__penguins-s2 mice__boys-s1 survival__pbc-s1 survival__pbc-s2 mlbench__BreastCancer-s1 mlbench__BreastCancer-s2 sklearn__breast_cancer-s1 sklearn__breast_cancer-s2 modeldata__credit_data-s1}
cd $R
for d in $DIRS; do
  t=${d%-s*}; s=${d##*-s}
  if [ $t = gapminder_wide ]; then export DATA=/tmp/gapminder_wide.csv; else unset DATA; fi
  out=$(OUT=$O VARIANTS=default bench/prototypes/impute-sampler-variants.sh $t $s)
  cp $O/$d/default.csv $O/$d/$TAG.csv; cp $O/$d/rep-default/report.json $O/$d/report-$TAG.json
  echo "$TAG $out"
done
