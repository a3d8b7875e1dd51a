#!/usr/bin/env bash
# Checkpoint save and load speed (issue 24): a 1.19 GB bf16 tensor set (0.6B parameters) saved and loaded by the
# current format, by the previous one (every tensor as fp32: Checkpoint.java of commit 3046f84 compiled first on the
# class path), and copied by a plain FileChannel write and by dd, all on the same disk in the same run. Reads come from
# the page cache (the file was just written). Usage: benchmarks/checkpoint-io.sh [dir (default target/bench-ckpt)] [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-target/bench-ckpt}
repeats=${2:-3}
mkdir -p "$dir"
mvn -q -B -o -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -DincludeScope=runtime
cp="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
old="$dir/format2-classes"
mkdir -p "$old"
git show 3046f84:java/train/src/main/java/org/eapo4j/train/Checkpoint.java > "$dir/Checkpoint.java"
javac -nowarn -d "$old" -cp "$cp" "$dir/Checkpoint.java"
echo "== dd: 1200 MB of zeros, 4 MB blocks, fsync"
for _ in $(seq "$repeats"); do
  dd if=/dev/zero of="$dir/dd.bin" bs=4M count=286 conv=fsync 2>&1 | tail -1
  rm -f "$dir/dd.bin"
done
echo "== format 3 (this version)"
java -Xmx8g -cp "$cp" org.eapo4j.bench.CheckpointBench "$dir" "$repeats"
echo "== format 2 (before issue 24)"
java -Xmx8g -cp "$old:$cp" org.eapo4j.bench.CheckpointBench "$dir" "$repeats"
