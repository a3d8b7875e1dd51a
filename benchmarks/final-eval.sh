#!/usr/bin/env bash
# Post-hoc evaluation of the fine-tuned models of a grid of `train --model` runs: for every finished run folder
# DIR/<name> (summary.json and hf-model/ present) without final-eval.json, `./eapo4j eval --model DIR/<name>/hf-model`
# on the task's held-out set with G = 8 and the run's own seed, into DIR/<name>/final-eval.json (its stderr in
# final-eval.log). JOBS at a time; done runs are skipped, so an interrupted pass resumes. One line per run folder;
# exit status 1 when a finished run is left without final-eval.json.
#   benchmarks/final-eval.sh runs/stories-grid            # task stories
#   JOBS=1 benchmarks/final-eval.sh runs/medqa-grid medqa
set -euo pipefail
usage="usage: benchmarks/final-eval.sh DIR [TASK (default stories)]"
dir=${1:?$usage}
task=${2:-stories}
jobs=${JOBS:-2}
[[ -d $dir ]] || { echo "final-eval.sh: $dir is not a folder" >&2; exit 2; }
dir=$(cd "$dir" && pwd)   # the launcher runs from the repository root
cd "$(dirname "$0")/.."
./eapo4j eval --help >/dev/null   # build once, before the evaluations start in parallel

# A number of a pretty-printed JSON file: "key" : value  (first top-level-looking occurrence).
field() { sed -n "s/^ *\"$2\" *: *\([^,]*\),\{0,1\}$/\1/p" "$1" | head -1; }

evaluate() {   # name seed
  local run=$dir/$1
  if ./eapo4j eval --model "$run/hf-model" --task "$task" --samples 8 --seed "$2" --out "$run/final-eval.json" \
       >/dev/null 2>"$run/final-eval.log"; then
    local f=$run/final-eval.json
    printf '%s: seed %s, reward %.3f, best-of-G %.3f, elements union %.3f, mean %.3f\n' "$1" "$2" \
        "$(field "$f" reward_mean)" "$(field "$f" best_of_g)" "$(field "$f" elements_union_frac)" \
        "$(field "$f" elements_mean_frac)"
  else
    echo "$1: FAILED ($(tail -1 "$run/final-eval.log"))"
  fi
}

for run in "$dir"/*/; do
  run=${run%/}; name=${run##*/}
  if [[ ! -f $run/summary.json || ! -d $run/hf-model ]]; then echo "$name: not finished, skipped"; continue; fi
  if [[ -f $run/final-eval.json ]]; then echo "$name: already evaluated"; continue; fi
  seed=$(field "$run/config.json" seed)
  if [[ ! $seed =~ ^-?[0-9]+$ ]]; then echo "$name: no seed in config.json, skipped"; continue; fi
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
  evaluate "$name" "$seed" &
done
wait
failed=0
for run in "$dir"/*/; do
  [[ -f $run/summary.json && -d $run/hf-model && ! -f $run/final-eval.json ]] && failed=$((failed + 1))
done
if (( failed > 0 )); then echo "$failed finished run(s) without final-eval.json" >&2; exit 1; fi
