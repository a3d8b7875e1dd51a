#!/usr/bin/env bash
# Runs the JMH benchmark suite (our kernels vs LibTorch, roofline, memory) and writes docs/BENCHMARKS.md.
# About 20-25 minutes on 2 cores. Extra arguments go to org.eapo4j.bench.BenchmarkReport, e.g. for a quick look:
#   benchmarks/run.sh --shapes 512x32000 --dtypes Float --threads 2 --out /tmp/bench.md
# Builds the benchmarks module and what it needs, then runs the report on a plain JVM whose class path JMH's forked
# JVMs inherit. The report is written relative to the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
exec java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" org.eapo4j.bench.BenchmarkReport "$@"
