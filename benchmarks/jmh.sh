#!/usr/bin/env bash
# Runs JMH benchmarks of this module by name with JMH's own command line, e.g.
#   benchmarks/jmh.sh HfGenerateBenchmark            benchmarks/jmh.sh FusedLinearHeadBenchmark -f 1 -wi 1 -i 3
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
exec java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" org.openjdk.jmh.Main "$@"
