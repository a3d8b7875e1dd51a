#!/usr/bin/env bash
# LoRA vs full fine-tuning (issue 21, docs/HF_MODELS.md "Memory"): benchmarks/rl-step.sh (two RL steps on a
# Qwen3-0.6B-shaped checkpoint with the real Qwen3 tokenizer) for full fine-tuning and for LoRA r = 16, alpha 32, in
# bf16 and fp32. Peak resident memory, CPU time and the step's phases; a run killed for memory is reported as such.
# Usage: benchmarks/lora-memory.sh [out-dir (default target/bench-lora-cmp)]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/bench-lora-cmp}
for dtype in bf16 fp32; do
  echo "full fine-tuning, $dtype:"
  benchmarks/rl-step.sh "$out/full" "$dtype"
  echo "LoRA r = 16, $dtype:"
  EXTRA="--lora-r 16 --lora-alpha 32" benchmarks/rl-step.sh "$out/lora" "$dtype"
done
