#!/usr/bin/env bash
# The EAPO experiment: every grid (benchmarks/grid.sh), the post-hoc evaluation of the stories runs
# (benchmarks/final-eval.sh: elements covered), then two reports: part one in docs/results/part-one.md (its reading:
# docs/results/notes-part-one.md), part two in docs/RESULTS.md (its reading: docs/results/notes.md). Resumable:
# finished runs and evaluations are skipped. PARTS="one two" (the default) picks the parts to run and report.
#
# Part one, EAPO against the fixed weightings: on each setting the 5 weightings x 5 seeds, learning rate x {0.5, 1, 2}
# and EAPO alpha in {0.5, 1, 2} x 3 seeds (stories260K at lr 1e-3, the task's default then), and on stories260K EAPO
# and GRPO x 5 seeds at 5e-4. About 3 hours on 2 cores (measured when it ran).
#
# Part two, EAPO against the field's entropy controls and the free choices of our reconstruction (issue 23):
#   - stories260K at lr 5e-4 (the task's default), 5 seeds: GRPO; GRPO + entropy bonus; + top 20% entropy tokens;
#     + Clip-Cov; + KL-Cov; + adaptive entropy coefficient; EAPO; EAPO + top20 and EAPO + adaent (the best control,
#     see below). 45 runs. At 1e-3 the same methods with BEST=adaent, 2 seeds (SEEDS_1E3 sets more): 16 runs.
#   - EAPO's reconstruction choices at lr 5e-4, 3 seeds, beside the default EAPO runs of the same folder: the linear
#     form (at alpha 1 and 2), H_0 = mean of the first 5 steps, an EMA of H_t (0.9), bounds [0.5, 2], no effective
#     bounds, alpha 2. 21 runs.
#   - medqa: GRPO, EAPO and GRPO + BEST, 5 seeds, each seed's runs from one shared warm-up. 5 warm-ups + 15 runs.
#   Wall time, measured on 2026-12-07 (2 runs at a time, --threads 1, 2 cores, with other work on the machine): a
#   stories run about 110 s, so about 55 s per run two at a time; the 5e-4 folder (controls + recon, 55 runs) 103 min,
#   eapo-adaent 6 min, medqa 11 min (one warm-up, 15 runs), the 1e-3 folder (16 runs) about 16 min: about 2.5 hours.
# Settings of the controls and why: benchmarks/grid.sh and docs/results/notes.md. Uses the shipped
# data/models/stories260K.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-runs}
parts=${PARTS:-one two}
if [[ $parts == *one* ]]; then
  benchmarks/grid.sh medqa "$runs/medqa-grid" main lr alpha
  LR=1e-3 benchmarks/grid.sh stories "$runs/stories-grid" main lr alpha
  # the stories lr grid found half the task's learning rate better for every weighting: EAPO and GRPO there, 5 seeds
  LR=5e-4 WEIGHTINGS="eapo grpo" benchmarks/grid.sh stories "$runs/stories-lr-half" main
  for d in stories-grid stories-lr-half; do benchmarks/final-eval.sh "$runs/$d" stories; done
  ./eapo4j report --runs "stories260K=$runs/stories-grid" --runs "stories260K-lr5e-4=$runs/stories-lr-half" \
      --runs "medqa=$runs/medqa-grid" \
      --start "stories260K=the pretrained stories260K before RL (no warm-up)" \
      --start "stories260K-lr5e-4=the pretrained stories260K before RL; EAPO and GRPO at learning rate 5e-4" \
      --start "medqa=the built-in model after its warm-up (fact corpus, then partial answers), shared by every run of a seed" \
      --title "EAPO against fixed weightings: two settings where learning transfers" \
      --notes docs/results/notes-part-one.md --out docs/results/part-one.md
fi
if [[ $parts == *two* ]]; then
  # BEST: the control of the eapo-<BEST> runs and of medqa. top20 was chosen before any run (its eapo-top20 runs at
  # 5e-4 are in the report); after 4 seeds at 5e-4 it lost reward, and the rule of docs/results/notes.md (no
  # collapsed run, then the highest final reward) chose adaent. lr 1e-3 ran 2 seeds for time (SEEDS_1E3="1 2 3 4 5"
  # for all five).
  LR=5e-4 BEST=top20 benchmarks/grid.sh stories "$runs/stories-controls-lr5e-4" controls recon
  LR=5e-4 BEST=adaent benchmarks/grid.sh stories "$runs/stories-controls-lr5e-4" controls
  BEST=adaent benchmarks/grid.sh medqa "$runs/medqa-controls" controls
  LR=1e-3 BEST=adaent SEEDS=${SEEDS_1E3:-1 2} benchmarks/grid.sh stories "$runs/stories-controls-lr1e-3" controls
  # no final-eval.sh pass here: part two reads the elements covered from the runs' last evaluation (44 held-out
  # openings x 4 samples), which is what its report shows
  ./eapo4j report --runs "stories260K-controls-lr5e-4=$runs/stories-controls-lr5e-4" \
      --runs "stories260K-controls-lr1e-3=$runs/stories-controls-lr1e-3" \
      --runs "medqa-controls=$runs/medqa-controls" \
      --start "stories260K-controls-lr5e-4=the pretrained stories260K before RL; EAPO against the entropy controls and EAPO's reconstruction choices at learning rate 5e-4" \
      --start "stories260K-controls-lr1e-3=the pretrained stories260K before RL; EAPO against the entropy controls at learning rate 1e-3" \
      --start "medqa-controls=the built-in model after its warm-up, shared by every run of a seed; GRPO, EAPO and the best control" \
      --title "EAPO against the field's entropy controls, and the free choices of our reconstruction" \
      --notes docs/results/notes.md --out docs/RESULTS.md
fi
