#!/usr/bin/env bash
# The stories260K experiment of docs/RESULTS_STORIES.md: weightings x seeds of `train --model ... --task stories`
# (the task's defaults), JOBS runs at a time, then the report. Needs ../shared/models/stories260K.
#   benchmarks/stories-grid.sh                                  # eapo grpo w-reinforce psr nsr x seeds 1 2 3
#   WEIGHTINGS="eapo grpo" SEEDS="1 2 3 4 5" JOBS=2 benchmarks/stories-grid.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-runs/stories-grid}
weightings=${WEIGHTINGS:-eapo grpo w-reinforce psr nsr}
seeds=${SEEDS:-1 2 3}
jobs=${JOBS:-3}
mkdir -p "$out"
./eapo4j demo 16 100 >/dev/null   # build once, before the runs start in parallel
n=0
for s in $seeds; do
  for w in $weightings; do
    if [[ ! -f $out/$w-s$s/summary.json ]]; then
      ./eapo4j train --model ../shared/models/stories260K --task stories --weighting "$w" --seed "$s" \
          --out "$out/$w-s$s" --no-progress >"$out/$w-s$s.log" 2>&1 &
      n=$((n + 1))
      if (( n % jobs == 0 )); then wait; fi
    fi
  done
done
wait
./eapo4j report --runs "$out" --out docs/RESULTS_STORIES.md \
    --title "EAPO and the fixed weightings on stories260K (story continuation)" --notes docs/results/stories-notes.md
