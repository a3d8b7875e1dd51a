#!/usr/bin/env bash
# One-shot GPU check of the eapo4j CUDA kernels, for a machine with an NVIDIA GPU, nvcc, cmake (ninja optional) and
# Python with PyTorch (+ Triton); no Java and no network needed. From the repository root:
#
#   bash cuda/gpu-check.sh            # report in ${OUT:-build}/gpu-report.md, logs in ${OUT:-build}/gpu-logs/
#
# Steps (each time-boxed; the whole script stays under ~7.5 minutes on an H100):
#   1. configure + build with CMake (Release) into ${BUILD_DIR:-build/gpu-build}; check libeapo4j.so has no
#      libcudart dependency
#   2. native CPU test (eapo4j_native_test)
#   3. GPU test (eapo4j_gpu_test): CUDA vs CPU kernels vs float64 reference, every policy-loss path
#   4. compute-sanitizer memcheck and racecheck on small shapes (eapo4j_gpu_test --small), if compute-sanitizer exists
#   5. GPU benchmark (eapo4j_gpu_bench): copy roofline, our kernels, fractions of copy bandwidth
#   6. PyTorch eager / torch.compile baselines (cuda/bench_torch.py)
#   7. the markdown report combining them (fractions and speedups computed from the measured numbers)
# Exit status: 0 when every step passed, 1 otherwise (the report is written in both cases).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${OUT:-build}
mkdir -p "$out"
out=$(cd "$out" && pwd)
build=${BUILD_DIR:-$root/build/gpu-build}
logs=$out/gpu-logs
mkdir -p "$logs"
report=$out/gpu-report.md
total_budget=${GPU_CHECK_BUDGET_S:-450}
t0=$(date +%s)
deadline=$((t0 + total_budget))
status_file=$logs/steps.tsv
: >"$status_file"
overall=0

# run_step NAME MAX_SECONDS CMD... : runs CMD with a timeout of min(MAX_SECONDS, time left), logs to $logs/NAME.log.
run_step() {
    local name=$1 max=$2
    shift 2
    local now left limit start rc
    now=$(date +%s)
    left=$((deadline - now))
    limit=$max
    ((left < limit)) && limit=$left
    if ((limit < 5)); then
        echo "== $name: SKIPPED (time budget spent)"
        printf '%s\tSKIPPED\t0\ttime budget spent\n' "$name" >>"$status_file"
        overall=1
        return 1
    fi
    echo "== $name (timeout ${limit}s)"
    start=$(date +%s)
    timeout --signal=TERM --kill-after=10 "$limit" "$@" >"$logs/$name.log" 2>&1
    rc=$?
    local secs=$(($(date +%s) - start))
    if ((rc == 0)) && grep -q '^SKIPPED: no CUDA device' "$logs/$name.log"; then
        printf '%s\tSKIPPED\t%s\tno CUDA device visible\n' "$name" "$secs" >>"$status_file"
        echo "   SKIPPED: no CUDA device visible (${secs}s)"
        overall=1
    elif ((rc == 0)); then
        printf '%s\tPASS\t%s\t\n' "$name" "$secs" >>"$status_file"
        echo "   ok (${secs}s)"
    else
        local why="exit $rc"
        ((rc == 124 || rc == 137)) && why="timed out after ${limit}s"
        printf '%s\tFAIL\t%s\t%s\n' "$name" "$secs" "$why" >>"$status_file"
        echo "   FAILED: $why (${secs}s); last lines of $logs/$name.log:"
        tail -n 15 "$logs/$name.log" | sed 's/^/   | /'
        overall=1
    fi
    return $rc
}

skip_step() {
    printf '%s\tSKIPPED\t0\t%s\n' "$1" "$2" >>"$status_file"
    echo "== $1: SKIPPED ($2)"
}

# ---- 1. build ----
# CMake finds nvcc on the PATH (or through CUDACXX); add the usual install location when it is not there.
if ! command -v nvcc >/dev/null 2>&1; then
    for d in /usr/local/cuda/bin /usr/local/cuda-*/bin /opt/cuda/bin; do
        if [[ -x "$d/nvcc" ]]; then
            export PATH="$d:$PATH"
            break
        fi
    done
fi
command -v nvcc >/dev/null 2>&1 && export CUDACXX=${CUDACXX:-$(command -v nvcc)}
# Functions run under `timeout` through `bash -c`, so they and the variables they use are exported.
EAPO4J_GENERATOR=""
command -v ninja >/dev/null 2>&1 && EAPO4J_GENERATOR="-G Ninja"
export EAPO4J_GENERATOR build logs
configure() {
    # shellcheck disable=SC2086
    cmake -S native -B "$build" $EAPO4J_GENERATOR -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$build/lib" -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$build/bin" \
        ${EAPO4J_CMAKE_ARGS:-} && cmake --build "$build" --parallel "$(nproc)"
}
check_no_cudart() {
    readelf -d "$build/lib/libeapo4j.so" | grep NEEDED
    if readelf -d "$build/lib/libeapo4j.so" | grep -q 'libcudart'; then
        echo "libeapo4j.so depends on libcudart.so (CUDA_RUNTIME_LIBRARY Static expected)"
        return 1
    fi
    grep -q 'building the CUDA kernels' "$logs/build.log" ||
        { echo "CMake did not enable the CUDA kernels (nvcc not found?)"; return 1; }
    echo "no libcudart dependency; CUDA kernels compiled in"
}
export -f configure check_no_cudart
run_step build 300 bash -c configure
built=$?
if ((built == 0)); then
    run_step no-cudart-dependency 10 bash -c check_no_cudart
    # ---- 2-4. tests ----
    run_step native-cpu-test 60 "$build/bin/eapo4j_native_test"
    run_step gpu-test 200 "$build/bin/eapo4j_gpu_test"
    sanitizer=$(command -v compute-sanitizer || true)
    [[ -z "$sanitizer" && -x /usr/local/cuda/bin/compute-sanitizer ]] && sanitizer=/usr/local/cuda/bin/compute-sanitizer
    if [[ -z "$sanitizer" ]]; then
        for d in /usr/local/cuda*/bin /opt/cuda/bin; do
            [[ -x "$d/compute-sanitizer" ]] && { sanitizer=$d/compute-sanitizer; break; }
        done
    fi
    if [[ -n "$sanitizer" ]]; then
        run_step sanitizer-memcheck 120 "$sanitizer" --tool memcheck --error-exitcode 1 \
            "$build/bin/eapo4j_gpu_test" --small
        run_step sanitizer-racecheck 120 "$sanitizer" --tool racecheck --racecheck-report all --error-exitcode 1 \
            "$build/bin/eapo4j_gpu_test" --small
    else
        skip_step sanitizer-memcheck "compute-sanitizer not found"
        skip_step sanitizer-racecheck "compute-sanitizer not found"
    fi
    # ---- 5. benchmark ----
    run_step gpu-bench 120 "$build/bin/eapo4j_gpu_bench" --iters 10 --json "$out/gpu_bench.json"
else
    for s in no-cudart-dependency native-cpu-test gpu-test sanitizer-memcheck sanitizer-racecheck gpu-bench; do
        skip_step "$s" "build failed"
    done
fi

# ---- 6. PyTorch baselines ----
py=$(command -v python3 || command -v python || true)
if [[ -n "$py" ]] && "$py" -c 'import torch' >/dev/null 2>&1; then
    export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-$out/torchinductor-cache}
    now=$(date +%s)
    left=$((deadline - now - 25))  # leave time for the report
    torch_budget=$((left - 60))     # compile runs stop this long before the step's timeout
    ((torch_budget < 30)) && torch_budget=30
    run_step bench-torch $((left > 0 ? left : 1)) "$py" cuda/bench_torch.py --iters 5 \
        --budget-s "$torch_budget" --json "$out/bench_torch.json"
else
    skip_step bench-torch "python3 with torch not found"
fi

# ---- 7. report ----
elapsed=$(($(date +%s) - t0))
make_report() {
    "$py" cuda/gpu_report.py "$out" "$status_file" "$elapsed" "$logs"
}
if [[ -n "$py" ]]; then
    make_report || { echo "report generation failed"; overall=1; }
else
    { echo "# eapo4j GPU check"; echo; echo "python3 not found; step results:"; echo; sed 's/^/    /' "$status_file"; } >"$report"
fi
echo "report: $report (total ${elapsed}s)"
exit $overall
