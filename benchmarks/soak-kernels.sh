#!/usr/bin/env bash
# Soak run of the kernels (docs/BENCHMARKS.md, "Soak run"): 100,000 calls at N=64, V=4000, alternating tokenStats and
# policyLoss, one KernelScope per call, resident memory sampled. Not part of CI. Arguments go to
# org.eapo4j.bench.KernelSoakRun: [CALLS [N [V [scoped|unclosed]]]], e.g. benchmarks/soak-kernels.sh 20000 64 4000 unclosed
# A fixed, pre-touched heap keeps the JVM's own memory out of the RSS figures.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
exec java -Xms1g -Xmx1g -XX:+AlwaysPreTouch ${SOAK_JAVA_OPTS:-} \
    -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" org.eapo4j.bench.KernelSoakRun "$@"
