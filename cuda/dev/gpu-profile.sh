#!/usr/bin/env bash
# Nsight Compute profile of the eapo4j kernels on a GPU machine: speed of light (memory / compute throughput),
# occupancy, launch statistics, warp stall reasons and scheduler issue rate, for the first launches of each kernel in
# eapo4j_gpu_bench (token statistics, then the policy-loss paths auto, reread, smem) at one vocabulary size.
# Clocks are left as they are (--clock-control none).
#
#   bash cuda/dev/gpu-profile.sh BUILD_DIR V [N] > profile.txt      (BUILD_DIR as made by cuda/gpu-check.sh, with bin/)
set -euo pipefail
build=${1:?usage: gpu-profile.sh BUILD_DIR V [N]}
v=${2:?usage: gpu-profile.sh BUILD_DIR V [N]}
n=${3:-4096}
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1 || true)
[[ -n "$ncu" ]] || { echo "ncu not found"; exit 1; }
export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# gpu_bench times each variant as warm-up + --iters launches: 12 launches cover token stats and three loss paths.
"$ncu" --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats \
    --section WarpStateStats --section SchedulerStats -k regex:'token_stats_kernel|policy_loss_kernel' -c 12 \
    "$build/bin/eapo4j_gpu_bench" --n "$n" --v "$v" --iters 1
