#!/usr/bin/env bash
# Runs the fused linear head benchmark (FusedLinearHeadBenchmark + FusedLinearHeadMemoryProbe) and rewrites only its
# section of docs/BENCHMARKS.md. About 10 minutes on 2 cores. Extra arguments go to
# org.eapo4j.bench.FusedLinearHeadReport, e.g. a quick look: benchmarks/run-fused-head.sh --shape 256x896x32000 --out /tmp/b.md
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:exec \
    -Dexec.executable=java -Dexec.classpathScope=test \
    -Dexec.args="-cp %classpath org.eapo4j.bench.FusedLinearHeadReport $*"
