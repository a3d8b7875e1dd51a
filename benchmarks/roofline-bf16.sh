#!/usr/bin/env bash
# Our bf16 kernels against the memory roofline, measured in the same JMH run (the "bf16 kernels: AVX-512 path" section
# of docs/BENCHMARKS.md): token statistics vs read-once (LibTorch sum), the policy loss (reused buffer, in place, fresh
# gradient) vs read + write (copy_ into a resident buffer). Prints per benchmark and thread count the median [min-max]
# of the single-shot calls (ms) and the fractions of roofline (roofline median / our median).
#   benchmarks/roofline-bf16.sh N V [THREADS [WARMUP [CALLS]]]     e.g. benchmarks/roofline-bf16.sh 512 32000 1,2 3 8
# The SIMD path is the best the CPU has; EAPO4J_ISA=avx2 (or avx512, generic) in the environment forces one.
set -euo pipefail
n=${1:?N}; v=${2:?V}; threads=${3:-1,2}; wi=${4:-1}; calls=${5:-5}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$(dirname "$0")/jmh.sh" 'TokenStatsBenchmark.ours$' 'RooflineBenchmark.read(Once|Write)$' \
    'PolicyLossBenchmark.ours(ReusedBuffer|InPlace|FreshGrad)$' -p n="$n" -p v="$v" -p dtype=BFloat16 \
    -p threads="$threads" -bm ss -tu ms -wi "$wi" -i "$calls" -f 1 \
    -jvmArgsAppend "-Xss4m -Dorg.bytedeco.javacpp.maxPhysicalBytes=0" > "$log" 2>&1 || { tail -50 "$log"; exit 1; }
echo "EAPO4J_ISA=${EAPO4J_ISA:-<unset: the best path of this CPU>}, N=$n V=$v bf16"
awk '
/^# Benchmark:/ { split($3, p, "."); bench = p[length(p)] }
/^# Parameters:/ { match($0, /threads = [0-9]+/); t = substr($0, RSTART + 10, RLENGTH - 10) }
/^Iteration/ { key = bench " " t; vals[key] = vals[key] " " $3 }
function median(s,   a, k, i, j, x) {
    k = split(s, a, " ")
    for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
    lo = a[1]; hi = a[k]
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END {
    for (key in vals) {
        med[key] = median(vals[key]); split(key, kk, " ")
        printf "threads %s: %-16s %8.2f ms [%.2f-%.2f]\n", kk[2], kk[1], med[key], lo, hi
    }
    for (key in med) {
        split(key, kk, " "); t = kk[2]
        if (kk[1] == "ours" && (("readOnce " t) in med))
            printf "threads %s: token statistics, fraction of read-once roofline %.2f\n", t, med["readOnce " t] / med[key]
        if (kk[1] ~ /^ours(ReusedBuffer|InPlace|FreshGrad)$/ && (("readWrite " t) in med))
            printf "threads %s: policy loss %s, fraction of read+write roofline %.2f\n", t, kk[1], med["readWrite " t] / med[key]
    }
}' "$log" | sort
