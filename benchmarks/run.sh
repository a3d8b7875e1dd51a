#!/usr/bin/env bash
# Runs the JMH benchmark suite (our kernels vs LibTorch, roofline, memory) and writes docs/BENCHMARKS.md.
# About 20-25 minutes on 2 cores. Extra arguments go to org.eapo4j.bench.BenchmarkReport, e.g. for a quick look:
#   benchmarks/run.sh --shapes 512x32000 --dtypes Float --threads 2 --out /tmp/bench.md
# exec:exec (not exec:java) so that JMH's forked JVMs get the real test classpath.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:exec \
    -Dexec.executable=java -Dexec.classpathScope=test \
    -Dexec.args="-cp %classpath org.eapo4j.bench.BenchmarkReport $*"
