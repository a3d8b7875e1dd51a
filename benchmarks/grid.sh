#!/usr/bin/env bash
# One setting of the EAPO experiment (docs/RESULTS.md): the grids of `./eapo4j train`, JOBS runs at a time. A run whose
# summary.json exists is skipped, so an interrupted grid resumes. Run folders are named <label>-s<seed>, which is how
# `./eapo4j report` groups them (the label grammar: java/cli/src/main/java/org/eapo4j/report/GridRuns.java).
#   benchmarks/grid.sh stories OUT_DIR [PART ...]   # stories260K, story continuation
#   benchmarks/grid.sh medqa OUT_DIR [PART ...]     # built-in model, fact corpus + warm-up + RL
# Parts (default: main lr alpha):
#   main      the weightings (WEIGHTINGS, default all five) x SEEDS                      <weighting>-s<seed>
#   lr        eapo, grpo, w-reinforce at the learning rate x 0.5 and x 2, SENS_SEEDS      <weighting>-lr<f>x-s<seed>
#   alpha     EAPO at alpha 0.5 and 2, SENS_SEEDS                                         eapo-alpha<a>-s<seed>
#   controls  EAPO against the field's entropy controls, SEEDS: grpo, grpo + each control of CONTROLS, eapo, and
#             eapo + BEST (on stories; EAPO_BEST=1 adds it on medqa)                      grpo-<control>-s<seed>, ...
#   recon     EAPO's reconstruction choices, RECON_SEEDS, beside the default eapo runs    eapo-<choice>-s<seed>
# medqa: one warm-up per seed (warmup-s<seed>: the fact corpus, then answers; no RL), which every run of that seed
# starts from (--init-from), so the runs of a seed differ only in RL.
# Environment: JOBS (default 2), SEEDS (main and controls, default 1..5), SENS_SEEDS (lr/alpha, default 1..3),
# RECON_SEEDS (default 1..3), WEIGHTINGS (main), LR (the setting's learning rate, default its task default; every part
# runs at it), CONTROLS (the controls part's controls, default "entbonus top20 clipcov klcov adaent" on stories and
# "$BEST" on medqa), BEST (the control of eapo-<BEST>, default top20). For tiny checks: STEPS (RL steps of every run),
# EVAL_EVERY (evaluation cadence), WARMUP_EXTRA (flags of the medqa warm-ups, e.g. "--fact-steps 20 --warmup-steps 5"),
# EXTRA (flags added to every RL run; they must not repeat a flag the grid sets).
#
# The controls, each at the value its source recommends (docs/results/notes.md says why, and where our small models
# force a deviation), every other setting at the task's default (the same clip, dual clip and aggregation as GRPO, so
# that a control run differs from the GRPO run of its seed only in the control):
#   entbonus  entropy bonus eta = 0.001: verl's actor.entropy_coeff as its PPO/GRPO examples set it (its long-time
#             default; the default is 0 = off today).
#   top20     policy gradient on the top 20% highest-entropy tokens only (top_entropy_quantile 0.2): "Beyond the 80/20
#             Rule" (arXiv 2506.01939), TRL's top_entropy_quantile.
#   clipcov   verl's Clip-Cov recipe (recipe/entropy/7b_clip_cov.sh): clip_cov_ratio 0.0002, clip_cov_lb 1,
#             clip_cov_ub 5. The recipe also widens the PPO clip to clip_ratio 1; we keep GRPO's clip.
#   klcov     verl's KL-Cov recipe (recipe/entropy/7b_kl_cov.sh): kl_cov_ratio 0.002, ppo_kl_coef 1; KL-Cov's
#             surrogate is unclipped, so no dual clip (verl's kl_cov has none either).
#   adaent    Skywork-OR1's adaptive entropy coefficient as TRL exposes it: delta 0.005 per optimizer step, coefficient
#             from 0 within [0, 0.1]; the target is ours (Skywork's 0.2 nats is 14% of stories260K's H_0 of about
#             1.4 nats, far below our collapse line of 0.5 H_0): 1.0 nats, about 0.7 H_0, on stories and on medqa
#             (whose H_0 after the warm-up is also about 1.4 nats); ADAENT_TARGET sets another.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: benchmarks/grid.sh stories|medqa OUT_DIR [main|lr|alpha|controls|recon ...]"
setting=${1:?$usage}
out=${2:?$usage}
shift 2
parts=${*:-main lr alpha}
jobs=${JOBS:-2}
seeds=${SEEDS:-1 2 3 4 5}
sens_seeds=${SENS_SEEDS:-1 2 3}
recon_seeds=${RECON_SEEDS:-1 2 3}
best=${BEST:-top20}
eapo_best=${EAPO_BEST:-$([[ $setting == stories ]] && echo 1 || echo 0)}
case $setting in
  stories) base=(--model data/models/stories260K --task stories ${EVAL_EVERY:+--eval-every $EVAL_EVERY})
           base_lr=5e-4; controls=${CONTROLS:-entbonus top20 clipcov klcov adaent}
           ent_target=${ADAENT_TARGET:-1.0} ;;
  medqa)   base=(--task medqa --eval-every "${EVAL_EVERY:-50}")   # the medqa task's defaults otherwise
           base_lr=3e-4; controls=${CONTROLS:-$best}
           ent_target=${ADAENT_TARGET:-1.0} ;;
  *) echo "unknown setting '$setting' (stories or medqa)" >&2; exit 2 ;;
esac
base_lr=${LR:-$base_lr}
[[ -n ${STEPS:-} ]] && base+=(--steps "$STEPS")

# control NAME: the flags of an entropy control (see above)
control() {
  case $1 in
    entbonus) echo "--entropy-coef 0.001" ;;
    top20)    echo "--top-entropy-quantile 0.2" ;;
    clipcov)  echo "--loss-mode clip_cov --clip-cov-ratio 0.0002 --clip-cov-lb 1 --clip-cov-ub 5" ;;
    klcov)    echo "--loss-mode kl_cov --kl-cov-ratio 0.002 --ppo-kl-coef 1 --dual-clip 0" ;;
    adaent)   echo "--use-adaptive-entropy --entropy-target $ent_target --entropy-coef 0 --entropy-coef-min 0"\
                   "--entropy-coef-max 0.1 --entropy-coef-delta 0.005" ;;
    *) echo "unknown control '$1' (entbonus, top20, clipcov, klcov or adaent)" >&2; return 2 ;;
  esac
}
for c in $controls $best; do control "$c" >/dev/null; done   # refuse an unknown control before any run starts

# recon_choice NAME: the flags of a reconstruction choice of EAPO (the default: power form, H_0 = H_t of the first
# step, no EMA, lambda_pos in [0.05, 4], alpha 1)
# At alpha 1 the linear form is r itself, as the power form: `linear` is a check that the switch alone changes
# nothing; the forms differ at alpha 2 (alpha2 against alpha2-linear).
recon_choices="linear h0mean5 ema0.9 bounds0.5-2 nobounds alpha2 alpha2-linear"
recon_choice() {
  case $1 in
    linear)      echo "--eapo-form linear" ;;                  # clamp(1 + alpha (H_t/H_0 - 1)) instead of (H_t/H_0)^alpha
    alpha2)      echo "--alpha 2" ;;                           # (H_t/H_0)^2
    alpha2-linear) echo "--alpha 2 --eapo-form linear" ;;      # clamp(1 + 2 (H_t/H_0 - 1))
    h0mean5)     echo "--h0-steps 5" ;;                        # H_0 = the mean H_t of the first 5 steps
    ema0.9)      echo "--entropy-ema 0.9" ;;                   # H_t smoothed by an EMA of coefficient 0.9
    bounds0.5-2) echo "--lambda-min 0.5 --lambda-max 2" ;;     # narrow bounds
    nobounds)    echo "--lambda-min 0 --lambda-max 1000000" ;; # no bound is ever reached
  esac
}

./eapo4j demo 16 100 >/dev/null   # build once, before the runs start in parallel
mkdir -p "$out"

plan=()   # "folder|seed|flags"
add() { plan+=("$1|$2|$3"); }
for part in $parts; do
  case $part in
    main)  for s in $seeds; do for w in ${WEIGHTINGS:-eapo grpo w-reinforce psr nsr}; do
             add "$w-s$s" "$s" "--weighting $w${LR:+ --lr $LR}"; done; done ;;
    lr)    for f in 0.5 2; do for s in $sens_seeds; do for w in eapo grpo w-reinforce; do
             lr=$(awk "BEGIN{print $base_lr * $f}")
             add "$w-lr${f}x-s$s" "$s" "--weighting $w --lr $lr"; done; done; done ;;
    alpha) for a in 0.5 2; do for s in $sens_seeds; do
             add "eapo-alpha$a-s$s" "$s" "--weighting eapo --alpha $a${LR:+ --lr $LR}"; done; done ;;
    controls)
           for s in $seeds; do
             add "grpo-s$s" "$s" "--weighting grpo --lr $base_lr"
             for c in $controls; do add "grpo-$c-s$s" "$s" "--weighting grpo --lr $base_lr $(control "$c")"; done
             add "eapo-s$s" "$s" "--weighting eapo --lr $base_lr"
             if [[ $eapo_best == 1 ]]; then
               add "eapo-$best-s$s" "$s" "--weighting eapo --lr $base_lr $(control "$best")"; fi
           done ;;
    recon) for s in $recon_seeds; do
             add "eapo-s$s" "$s" "--weighting eapo --lr $base_lr"   # the default, shared with the controls part
             for r in $recon_choices; do
               add "eapo-$r-s$s" "$s" "--weighting eapo --lr $base_lr $(recon_choice "$r")"; done
           done ;;
    *) echo "unknown grid part '$part' (main, lr, alpha, controls or recon)" >&2; exit 2 ;;
  esac
done

# run NAME FLAGS...: one `train` in $out/NAME unless finished, at most $jobs at a time
run() {
  local name=$1; shift
  [[ -f $out/$name/summary.json ]] && return 0
  rm -rf "${out:?}/$name"   # an interrupted run starts again
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
  ./eapo4j train "$@" --out "$out/$name" --no-progress >"$out/$name.log" 2>&1 &
  echo "started $name"
}

start=$(date +%s)
if [[ $setting == medqa ]]; then
  used=$(for entry in "${plan[@]}"; do e=${entry#*|}; echo "${e%%|*}"; done | sort -un)
  # shellcheck disable=SC2086
  for s in $used; do run "warmup-s$s" --task medqa --steps 0 --seed "$s" ${WARMUP_EXTRA:-}; done
  wait
fi
declare -A planned=()
for entry in "${plan[@]}"; do
  name=${entry%%|*}; rest=${entry#*|}; seed=${rest%%|*}; flags=${rest#*|}
  [[ -n ${planned[$name]:-} ]] && continue   # two parts may share a run (recon's default eapo runs)
  planned[$name]=1
  init=()
  [[ $setting == medqa ]] && init=(--init-from "$out/warmup-s$seed/checkpoint.bin")
  # shellcheck disable=SC2086
  run "$name" "${base[@]}" $flags --seed "$seed" "${init[@]}" ${EXTRA:-}
done
wait
echo "grid $setting ($parts) done in $(( $(date +%s) - start )) s, $jobs runs at a time"
