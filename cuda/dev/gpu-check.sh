#!/usr/bin/env bash
# One-shot GPU check of the eapo4j CUDA kernels, for a machine with an NVIDIA GPU, nvcc, cmake (ninja optional) and
# Python with PyTorch (+ Triton); no Java and no network needed. From the repository root:
#
#   bash cuda/gpu-check.sh            # report in ${OUT:-build}/gpu-report.md, logs in ${OUT:-build}/gpu-logs/
#
# Steps (each time-boxed; the whole script stays under ~7.5 minutes on an H100):
#   1. configure + build with CMake (Release) into ${BUILD_DIR:-build/gpu-build}, or use a build made elsewhere
#      (EAPO4J_PREBUILT=DIR with DIR/bin and DIR/lib, as cuda/dev/pack-device.sh makes it) when its programs run here;
#      check libeapo4j.so holds sm_80/sm_90 code and has no libcudart dependency
#   2. native CPU test (eapo4j_native_test)
#   3. GPU test (eapo4j_gpu_test): CUDA vs CPU kernels vs float64 reference, every policy-loss path; then the loss
#      variants of docs/LOSS_VARIANTS.md (GSPO, CISPO, top-entropy, Clip-Cov, KL-Cov, all together) as their own step
#   4. GPU benchmark (eapo4j_gpu_bench): copy roofline, our kernels, fractions of copy bandwidth; sampling test and
#      timing (eapo4j_sampling_gpu_test --bench: CUDA vs the CPU float64 reference); the fused AdamW step
#      (eapo4j_adamw_gpu_test --bench: CUDA vs the CPU kernel bit for bit, then GB/s against a D2D copy)
#   5. PyTorch eager / torch.compile baselines (cuda/dev/bench_torch.py)
#   6. Java GPU tests (CudaRawKernelsTest through the JUnit console launcher), when EAPO4J_JAVA_HOME and
#      EAPO4J_JAVA_LIB name a Java runtime and the jars (cuda/dev/pack-device.sh); a skipped GPU test counts as a failure
#   7. compute-sanitizer memcheck and racecheck on small shapes (eapo4j_gpu_test --small, and
#      eapo4j_sampling_gpu_test --small, eapo4j_adamw_gpu_test --small), if compute-sanitizer exists
#   8. the markdown report combining them (fractions and speedups computed from the measured numbers)
# GPU_CHECK_ONLY="gpu-test gpu-bench ..." runs only the steps named (the others are reported as skipped; the build
# always runs when there are no prebuilt programs).
# Exit status: 0 when every step passed, 1 otherwise (the report is written in both cases).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
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
    if [[ -n "${GPU_CHECK_ONLY:-}" && "$name" != build && " $GPU_CHECK_ONLY " != *" $name "* ]]; then
        skip_step "$name" "not in GPU_CHECK_ONLY"
        return 0
    fi
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
check_library() {
    readelf -d "$build/lib/libeapo4j.so" | grep NEEDED
    if readelf -d "$build/lib/libeapo4j.so" | grep -q 'libcudart'; then
        echo "libeapo4j.so depends on libcudart.so (CUDA_RUNTIME_LIBRARY Static expected)"
        return 1
    fi
    local objdump
    objdump=$(command -v cuobjdump || echo "$(dirname "${CUDACXX:-nvcc}")/cuobjdump")
    [[ -x "$objdump" ]] || { echo "no libcudart dependency; cuobjdump not found, sm_90 check not done"; return 0; }
    "$objdump" --list-elf "$build/lib/libeapo4j.so" || true
    "$objdump" --list-elf "$build/lib/libeapo4j.so" 2>/dev/null | grep -q 'sm_90' ||
        { echo "libeapo4j.so holds no sm_90 code (built without nvcc?)"; return 1; }
    echo "no libcudart dependency; CUDA kernels compiled in"
}
export -f configure check_library
built=1
if [[ -n "${EAPO4J_PREBUILT:-}" && -x "${EAPO4J_PREBUILT}/bin/eapo4j_gpu_test" ]]; then
    prebuilt=$(cd "$EAPO4J_PREBUILT" && pwd)
    # The usage line (exit 2) proves the program and libeapo4j.so load on this machine.
    LD_LIBRARY_PATH="$prebuilt/lib" "$prebuilt/bin/eapo4j_gpu_test" --help >"$logs/prebuilt.log" 2>&1
    if grep -q '^usage:' "$logs/prebuilt.log"; then
        build=$prebuilt
        printf 'build\tPASS\t0\tprebuilt (%s)\n' "$EAPO4J_PREBUILT" >>"$status_file"
        echo "== build: using the prebuilt programs in $EAPO4J_PREBUILT"
        built=0
    else
        echo "== prebuilt programs in $EAPO4J_PREBUILT do not run here; building"
        cat "$logs/prebuilt.log"
    fi
fi
if ((built != 0)); then
    run_step build 300 bash -c configure
    built=$?
fi
export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
py=$(command -v python3 || command -v python || true)
sanitizer=$(command -v compute-sanitizer || true)
if [[ -z "$sanitizer" ]]; then
    for d in /usr/local/cuda/bin /usr/local/cuda*/bin /opt/cuda/bin /opt/nvidia/*/compute-sanitizer; do
        [[ -x "$d/compute-sanitizer" ]] && { sanitizer=$d/compute-sanitizer; break; }
    done
fi
if ((built == 0)); then
    run_step library-check 20 bash -c check_library
    # ---- 2-4. tests and benchmark ----
    run_step native-cpu-test 60 "$build/bin/eapo4j_native_test"
    variants=(gspo cispo top-entropy clip-cov kl-cov all-variants)  # the loss-variant cases of gpu_test.cu
    variant_args=()
    for v in "${variants[@]}"; do variant_args+=(--only "$v"); done
    skip_args=()
    for v in "${variants[@]}"; do skip_args+=(--skip "$v"); done
    run_step gpu-test 150 "$build/bin/eapo4j_gpu_test" "${skip_args[@]}"
    run_step gpu-test-variants 90 "$build/bin/eapo4j_gpu_test" "${variant_args[@]}"
    run_step gpu-bench 120 "$build/bin/eapo4j_gpu_bench" --iters 10 --json "$out/gpu_bench.json"
    run_step sampling-test 120 "$build/bin/eapo4j_sampling_gpu_test" --bench
    run_step adamw-test 60 "$build/bin/eapo4j_adamw_gpu_test" --bench
else
    for s in library-check native-cpu-test gpu-test gpu-test-variants gpu-bench sampling-test adamw-test; do
        skip_step "$s" "build failed"
    done
fi

# ---- 5. PyTorch baselines ----
# Whatever is left after a reserve for the Java tests, the two sanitizer runs and the report (about 15 s together on
# an H100; the reserve keeps them safe when the sanitizers run slower).
if [[ -n "$py" ]] && "$py" -c 'import torch' >/dev/null 2>&1; then
    export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-$out/torchinductor-cache}
    left=$((deadline - $(date +%s) - 120))
    ((left > 170)) && left=170
    torch_budget=$((left - 45))     # compile runs stop this long before the step's timeout
    ((torch_budget < 30)) && torch_budget=30
    run_step bench-torch $((left > 30 ? left : 30)) "$py" cuda/dev/bench_torch.py --iters 5 \
        --budget-s "$torch_budget" --json "$out/bench_torch.json"
else
    skip_step bench-torch "python3 with torch not found"
fi

# ---- 6. Java GPU tests ----
java_tests() {
    local lib=$EAPO4J_JAVA_LIB cp="" f d
    for f in "$lib"/*.jar; do
        [[ "$f" == *console-standalone* ]] || cp="$cp${cp:+:}$f"
    done
    # jnicudart (JavaCPP CUDA presets) needs libcudart.so.13 from this machine's CUDA installation.
    for f in $(find /usr/local /opt /usr/lib -name 'libcudart.so.13*' 2>/dev/null | head -n 4); do
        d=$(dirname "$f")
        LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"
    done
    export LD_LIBRARY_PATH
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    "$EAPO4J_JAVA_HOME/bin/java" -Xss4m -jar "$lib"/junit-platform-console-standalone-*.jar execute \
        --disable-banner --disable-ansi-colors --details=tree --class-path "$cp" \
        --select-class org.eapo4j.kernels.cuda.CudaRawKernelsTest | tee "$logs/java-junit.txt"
    local rc=${PIPESTATUS[0]}
    ((rc == 0)) || return "$rc"
    # On a GPU machine the GPU tests must run: a skipped test or a failed assumption (aborted) is a failure here.
    if grep -Eq '\[ *[1-9][0-9]* tests (skipped|aborted)' "$logs/java-junit.txt"; then
        echo "GPU tests were skipped (see the reasons above)"
        return 3
    fi
}
export -f java_tests
if [[ -n "${EAPO4J_JAVA_HOME:-}" && -x "${EAPO4J_JAVA_HOME}/bin/java" && -d "${EAPO4J_JAVA_LIB:-}" ]]; then
    run_step java-gpu-tests 60 bash -c java_tests
else
    skip_step java-gpu-tests "no Java runtime given (EAPO4J_JAVA_HOME, EAPO4J_JAVA_LIB: see cuda/dev/pack-device.sh)"
fi

# ---- 7. compute-sanitizer ----
if ((built != 0)); then
    for s in sanitizer-memcheck sanitizer-racecheck sanitizer-sampling sanitizer-adamw; do skip_step "$s" "build failed"; done
elif [[ -n "$sanitizer" ]]; then
    run_step sanitizer-memcheck 90 "$sanitizer" --tool memcheck --error-exitcode 1 \
        "$build/bin/eapo4j_gpu_test" --small
    run_step sanitizer-racecheck 90 "$sanitizer" --tool racecheck --racecheck-report all --error-exitcode 1 \
        "$build/bin/eapo4j_gpu_test" --small
    run_step sanitizer-sampling 90 bash -c "'$sanitizer' --tool memcheck --error-exitcode 1 \
        '$build/bin/eapo4j_sampling_gpu_test' --small && '$sanitizer' --tool racecheck --racecheck-report all \
        --error-exitcode 1 '$build/bin/eapo4j_sampling_gpu_test' --small"
    run_step sanitizer-adamw 60 "$sanitizer" --tool memcheck --error-exitcode 1 "$build/bin/eapo4j_adamw_gpu_test" --small
else
    for s in sanitizer-memcheck sanitizer-racecheck sanitizer-sampling sanitizer-adamw; do
        skip_step "$s" "compute-sanitizer not found"
    done
fi

# ---- 8. report ----
elapsed=$(($(date +%s) - t0))
make_report() {
    "$py" cuda/dev/gpu_report.py "$out" "$status_file" "$elapsed" "$logs"
}
if [[ -n "$py" ]]; then
    make_report || { echo "report generation failed"; overall=1; }
else
    { echo "# eapo4j GPU check"; echo; echo "python3 not found; step results:"; echo; sed 's/^/    /' "$status_file"; } >"$report"
fi
echo "report: $report (total ${elapsed}s)"
exit $overall
