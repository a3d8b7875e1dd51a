#!/usr/bin/env bash
# Runs the CUDA kernels of cuda/*.cu on the CPU under host emulation (cuda/dev/emu/emu_cuda.h), driven by the unchanged
# GPU test harness (cuda/dev/gpu_test.cu --small by default), against the CPU kernels of a CPU-only libeapo4j.so.
# No GPU, driver or nvcc needed (only the CUDA headers, for types). Cluster/DSMEM paths fall back (not emulated).
#   cuda/dev/emu/run_host_emulation.sh [build-dir] [--full | --sampling [args] | --adamw [args] | gpu_test args...]
# --full runs the full GPU test set (V up to 262,144, N = 70,000): slow under emulation (tens of minutes on 2 cores).
# --sampling runs cuda/dev/sampling_gpu_test.cu (cuda/sampling.cu against the CPU float64 reference), --small unless
# other arguments follow. --adamw runs cuda/dev/adamw_gpu_test.cu (cuda/adamw.cu against the CPU kernel, bit for bit),
# --small unless other arguments follow.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${1:-$root/target/emu-build}
shift || true
args=("$@")
program=gpu_test
if [[ ${#args[@]} -gt 0 && "${args[0]}" == "--sampling" ]]; then
    program=sampling_gpu_test
    args=("${args[@]:1}")
elif [[ ${#args[@]} -gt 0 && "${args[0]}" == "--adamw" ]]; then
    program=adamw_gpu_test
    args=("${args[@]:1}")
fi
if [[ ${#args[@]} -eq 0 ]]; then
    args=(--small)
elif [[ "${args[0]}" == "--full" ]]; then
    args=("${args[@]:1}")
fi
cuda_inc=${CUDA_HOME:-/usr/local/cuda}/include
mkdir -p "$out"
EAPO4J_CMAKE_ARGS="-DEAPO4J_CUDA=OFF -DEAPO4J_TESTS=OFF" bash "$root/native/build.sh" "$out/cpu" >/dev/null
objs=()
pids=()
for f in emu_runtime emu_token_stats emu_policy_loss emu_sampling emu_adamw emu_api "emu_$program"; do
    g++ -std=c++20 -O1 -g -pthread -fno-math-errno -Wall -Wno-unknown-pragmas -Wno-unused-function \
        -I"$cuda_inc" -I"$root/native/include" -I"$root/native/src" -I"$root/cuda" -I"$root/tests/native" \
        -c "$here/$f.cpp" -o "$out/$f.o" &
    pids+=($!)
    objs+=("$out/$f.o")
    if (( ${#pids[@]} == 2 )); then wait "${pids[0]}"; wait "${pids[1]}"; pids=(); fi
done
for p in "${pids[@]}"; do wait "$p"; done
g++ -pthread "${objs[@]}" -L"$out/cpu/lib" -Wl,-rpath,"$out/cpu/lib" -leapo4j -o "$out/eapo4j_${program}_emu"
exec "$out/eapo4j_${program}_emu" ${args[@]+"${args[@]}"}
