#!/usr/bin/env bash
# Data-parallel throughput: the default run (the shipped stories260K on the stories task, 8 prompts x 8 completions
# per step) for a few RL steps with 1 and with N worker processes (`./eapo4j train --nproc N`), then, from rank 0's
# metrics.jsonl, RL steps per second and where a step's time goes (rollout, scoring, old-policy pass, update, and the
# share spent in collectives: allreduce_time_s). Evaluation is cut to a few prompts, which changes nothing about an RL
# step's cost; the runs compute the same numbers whatever N (docs/TRAINING.md, Several processes). Usage: benchmarks/data-parallel.sh [max-processes (default 2)] [RL steps (default 8)]
set -euo pipefail
cd "$(dirname "$0")/.."
max=${1:-2} steps=${2:-8}
out=target/bench-data-parallel
rm -rf "$out"
mkdir -p "$out"
for n in $(seq 1 "$max"); do
  ./eapo4j train --nproc "$n" --steps "$steps" --eval-every 0 --eval-questions 4 \
    --train-eval-questions 4 --eval-samples 2 --checkpoint-every 0 --no-progress --out "$out/nproc-$n" \
    >"$out/nproc-$n.log" 2>&1 || { cat "$out/nproc-$n.log" >&2; exit 1; }
done
echo "| processes | RL steps/s | step s | rollout s | scoring s | old pass s | update s | all-reduce s | all-reduce share |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $(seq 1 "$max"); do
  # mean over RL steps 2.. (step 1 pays for JIT compilation and first-touch allocations)
  grep '"kind":"rl"' "$out/nproc-$n/metrics.jsonl" | tail -n +2 | awk -v n="$n" '
    function get(k,  m) { if (match($0, "\"" k "\":[-0-9.eE]+")) { m = substr($0, RSTART, RLENGTH); sub(/^[^:]*:/, "", m); return m + 0 } return 0 }
    { c++; st += get("step_time_s"); g += get("gen_time_s"); r += get("reward_time_s"); o += get("old_pass_time_s");
      u += get("update_time_s"); a += get("allreduce_time_s") }
    END { printf "| %d | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.4f | %.1f%% |\n", n, c / st, st / c, g / c, r / c,
          o / c, u / c, a / c, 100 * a / st }'
done
