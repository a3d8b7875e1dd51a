#!/usr/bin/env bash
# One setting of the EAPO experiment (docs/RESULTS.md): the weightings x seeds grid, the learning-rate grid and the
# alpha grid of `./eapo4j train`, JOBS runs at a time. A run whose summary.json exists is skipped, so an interrupted
# grid resumes. Run folders are named <label>-s<seed>, which is how `./eapo4j report` groups them.
#   benchmarks/grid.sh stories OUT_DIR [main|lr|alpha ...]   # stories260K, story continuation
#   benchmarks/grid.sh medqa OUT_DIR [main|lr|alpha ...]     # built-in model, fact corpus + warm-up + RL
# medqa: one warm-up per seed (warmup-s<seed>: the fact corpus, then answers; no RL), which every run of that seed
# starts from (--init-from), so the weightings of a seed differ only in RL.
# Environment: JOBS (default 2), SEEDS (main grid, default 1..5), SENS_SEEDS (lr/alpha grids, default 1..3),
# WEIGHTINGS (main grid, default all five), LR (the setting's learning rate, default its task default).
set -euo pipefail
cd "$(dirname "$0")/.."
setting=${1:?usage: benchmarks/grid.sh stories|medqa OUT_DIR [main|lr|alpha ...]}
out=${2:?usage: benchmarks/grid.sh stories|medqa OUT_DIR [main|lr|alpha ...]}
shift 2
parts=${*:-main lr alpha}
jobs=${JOBS:-2}
seeds=${SEEDS:-1 2 3 4 5}
sens_seeds=${SENS_SEEDS:-1 2 3}
case $setting in
  stories) base=(--model data/models/stories260K --task stories); base_lr=1e-3 ;;
  medqa)   base=(--eval-every 50); base_lr=3e-4 ;;   # RlConfig defaults: the embedded default run
  *) echo "unknown setting '$setting' (stories or medqa)" >&2; exit 2 ;;
esac
base_lr=${LR:-$base_lr}
mkdir -p "$out"
./eapo4j demo 16 100 >/dev/null   # build once, before the runs start in parallel

plan=()   # "folder|flags"
for part in $parts; do
  case $part in
    main)  for s in $seeds; do for w in ${WEIGHTINGS:-eapo grpo w-reinforce psr nsr}; do
             plan+=("$w-s$s|--weighting $w --seed $s${LR:+ --lr $LR}"); done; done ;;
    lr)    for f in 0.5 2; do for s in $sens_seeds; do for w in eapo grpo w-reinforce; do
             lr=$(awk "BEGIN{print $base_lr * $f}")
             plan+=("$w-lr${f}x-s$s|--weighting $w --lr $lr --seed $s"); done; done; done ;;
    alpha) for a in 0.5 2; do for s in $sens_seeds; do
             plan+=("eapo-alpha$a-s$s|--weighting eapo --alpha $a --seed $s"); done; done ;;
    *) echo "unknown grid part '$part' (main, lr or alpha)" >&2; exit 2 ;;
  esac
done

# run NAME FLAGS...: one `train` in $out/NAME unless finished, at most $jobs at a time
run() {
  local name=$1; shift
  [[ -f $out/$name/summary.json ]] && return 0
  rm -rf "${out:?}/$name"   # an interrupted run starts again
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
  ./eapo4j train "${base[@]}" "$@" --out "$out/$name" --no-progress >"$out/$name.log" 2>&1 &
  echo "started $name"
}

start=$(date +%s)
if [[ $setting == medqa ]]; then
  for s in $(printf '%s\n' $seeds $sens_seeds | sort -un); do run "warmup-s$s" --steps 0 --seed "$s"; done
  wait
fi
for entry in "${plan[@]}"; do
  name=${entry%%|*}; flags=${entry#*|}
  seed=${flags##*--seed }
  init=()
  [[ $setting == medqa ]] && init=(--init-from "$out/warmup-s$seed/checkpoint.bin")
  # shellcheck disable=SC2086
  run "$name" $flags "${init[@]}"
done
wait
echo "grid $setting ($parts) done in $(( $(date +%s) - start )) s, $jobs runs at a time"
