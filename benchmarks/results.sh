#!/usr/bin/env bash
# The EAPO experiment of docs/RESULTS.md, both settings: each setting's grids (benchmarks/grid.sh: the 5 weightings
# x 5 seeds, learning rate x {0.5, 1, 2} and EAPO alpha in {0.5, 1, 2} x 3 seeds), the post-hoc evaluation of the
# stories runs (benchmarks/final-eval.sh: elements covered), then the report. Resumable: finished runs are skipped.
# About 3 hours on 2 cores (stories260K runs take 4-10 min each, medqa runs 1-3 min after a 3-5 min warm-up per seed).
# Needs ../shared/models/stories260K.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-runs}
benchmarks/grid.sh medqa "$runs/medqa-grid" main lr alpha
benchmarks/grid.sh stories "$runs/stories-grid" main lr alpha
benchmarks/final-eval.sh "$runs/stories-grid" stories
./eapo4j report --runs "stories260K=$runs/stories-grid" --runs "medqa=$runs/medqa-grid" \
    --start "stories260K=the pretrained stories260K before RL (no warm-up)" \
    --start "medqa=the built-in model after its warm-up (fact corpus, then partial answers), shared by every run of a seed" \
    --title "EAPO against fixed weightings: two settings where learning transfers" \
    --notes docs/results/notes.md --out docs/RESULTS.md
