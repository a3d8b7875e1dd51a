#!/usr/bin/env bash
# Soak run (not CI): a long training run of a tiny built-in model with the process's resident memory (VmRSS)
# sampled every few steps; prints the trend and writes soak.json into the run folder. A few minutes on 2 cores.
#   benchmarks/soak-training.sh                      # 500 RL steps, RSS every 25 steps, folder target/soak-<timestamp>
#   benchmarks/soak-training.sh --steps 2000 --every 50 --out /tmp/soak
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# A fixed, pre-touched heap: RSS growth after the first steps is then native memory (tensors), not heap pages.
exec java -Xss4m -Xms512m -Xmx512m -XX:+AlwaysPreTouch -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
    org.eapo4j.bench.TrainingSoakRun "$@"
