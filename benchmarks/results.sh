#!/usr/bin/env bash
# The EAPO experiment of docs/RESULTS.md, both settings: each setting's grids (benchmarks/grid.sh: the 5 weightings
# x 5 seeds, learning rate x {0.5, 1, 2} and EAPO alpha in {0.5, 1, 2} x 3 seeds; on stories also EAPO and GRPO
# x 5 seeds at half the learning rate), the post-hoc evaluation of the
# stories runs (benchmarks/final-eval.sh: elements covered), then the report. Resumable: finished runs are skipped.
# About 3 hours on 2 cores (stories260K runs take 4-10 min each, medqa runs 1-3 min after a 3-5 min warm-up per seed).
# Uses the shipped data/models/stories260K.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-runs}
benchmarks/grid.sh medqa "$runs/medqa-grid" main lr alpha
benchmarks/grid.sh stories "$runs/stories-grid" main lr alpha
# the stories lr grid found half the task's learning rate better for every weighting: EAPO and GRPO there, 5 seeds
LR=5e-4 WEIGHTINGS="eapo grpo" benchmarks/grid.sh stories "$runs/stories-lr-half" main
benchmarks/final-eval.sh "$runs/stories-grid" stories
benchmarks/final-eval.sh "$runs/stories-lr-half" stories
./eapo4j report --runs "stories260K=$runs/stories-grid" --runs "stories260K-lr5e-4=$runs/stories-lr-half" \
    --runs "medqa=$runs/medqa-grid" \
    --start "stories260K=the pretrained stories260K before RL (no warm-up)" \
    --start "stories260K-lr5e-4=the pretrained stories260K before RL; EAPO and GRPO at learning rate 5e-4" \
    --start "medqa=the built-in model after its warm-up (fact corpus, then partial answers), shared by every run of a seed" \
    --title "EAPO against fixed weightings: two settings where learning transfers" \
    --notes docs/results/notes.md --out docs/RESULTS.md
