#!/usr/bin/env bash
# Runs the fused linear head benchmark (FusedLinearHeadBenchmark + FusedLinearHeadMemoryProbe) and rewrites only its
# section of docs/BENCHMARKS.md. About 10 minutes on 2 cores. Extra arguments go to
# org.eapo4j.bench.FusedLinearHeadReport, e.g. a quick look: benchmarks/run-fused-head.sh --shape 256x896x32000 --out /tmp/b.md
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
exec java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" org.eapo4j.bench.FusedLinearHeadReport "$@"
