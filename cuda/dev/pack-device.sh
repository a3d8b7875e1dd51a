#!/usr/bin/env bash
# Prepares .device/ (ignored by git) for a GPU machine that has nvcc and Python but no Java and no network, so that
# cuda/gpu-check.sh can also run the Java GPU tests there and skip the native build:
#
#   .device/jre        a jlink'ed Java runtime (java.base, logging, management, jdk.unsupported)
#   .device/lib/*.jar  eapo4j-kernels (with its natives), eapo4j-kernels-cuda and its test classes, JavaCPP, the JavaCPP CUDA presets with their
#                      linux-x86_64 natives (jnicudart needs libcudart.so.13 from the GPU machine's CUDA), and the
#                      JUnit console launcher
#   .device/gpu-build  bin/ and lib/ of the native build (the GPU test and benchmark programs, libeapo4j.so)
#
# Run from the repository root after `mvn -B -DskipTests package` (it builds the natives too); then copy the
# directory to the GPU machine (or name ".device" in the device tool's carry list) and run there:
#   EAPO4J_PREBUILT=.device/gpu-build EAPO4J_JAVA_HOME=.device/jre EAPO4J_JAVA_LIB=.device/lib bash cuda/gpu-check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
m2=${M2_REPO:-$HOME/.m2/repository}
javacpp=1.5.13
cuda=13.1-9.19-1.5.13
console=1.14.4

grep -qxF '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >>.git/info/exclude
mkdir -p .device
if [[ ! -x .device/jre/bin/java ]]; then
    jlink --add-modules java.base,java.logging,java.management,jdk.unsupported --strip-debug --no-header-files \
        --no-man-pages --compress=2 --output .device/jre
fi

# Artifacts the test class path needs; fetched into the local repository when missing.
fetch() {
    local file=$m2/$1
    if [[ ! -f "$file" ]]; then
        mvn -B -q dependency:get -Dartifact="$2" -Dtransitive=false
    fi
    cp "$file" .device/lib/
}
rm -rf .device/lib
mkdir -p .device/lib
fetch org/bytedeco/javacpp/$javacpp/javacpp-$javacpp.jar org.bytedeco:javacpp:$javacpp
fetch org/bytedeco/javacpp/$javacpp/javacpp-$javacpp-linux-x86_64.jar org.bytedeco:javacpp:$javacpp:jar:linux-x86_64
fetch org/bytedeco/cuda/$cuda/cuda-$cuda.jar org.bytedeco:cuda:$cuda
fetch org/bytedeco/cuda/$cuda/cuda-$cuda-linux-x86_64.jar org.bytedeco:cuda:$cuda:jar:linux-x86_64
fetch org/junit/platform/junit-platform-console-standalone/$console/junit-platform-console-standalone-$console.jar \
    org.junit.platform:junit-platform-console-standalone:$console

# The kernels jar (with its natives), the raw-pointer CUDA module and its test classes (tests/kernels-cuda).
kernels=java/kernels/target kernels_cuda=java/kernels-cuda/target
jar=$(ls $kernels/eapo4j-kernels-*.jar | grep -v -e sources -e javadoc -e tests | head -n 1)
cuda_jar=$(ls $kernels_cuda/eapo4j-kernels-cuda-*.jar | grep -v -e sources -e javadoc -e tests | head -n 1)
[[ -f "$jar" && -f "$cuda_jar" && -d $kernels_cuda/test-classes ]] \
    || { echo "run 'mvn -B -DskipTests package' first" >&2; exit 1; }
cp "$jar" .device/lib/eapo4j-kernels.jar
cp "$cuda_jar" .device/lib/eapo4j-kernels-cuda.jar
jar cf .device/lib/eapo4j-tests.jar -C $kernels_cuda/test-classes org/eapo4j/kernels/cuda

rm -rf .device/gpu-build
mkdir -p .device/gpu-build
cp -r $kernels/native-build/bin $kernels/native-build/lib .device/gpu-build/
du -sh .device/*
