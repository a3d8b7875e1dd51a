#!/usr/bin/env bash
# Builds libeapo4j.so with CMake into $1 (default: target/native-build); Maven calls this before compiling Java.
# The library lands in $1/lib, where the JavaCPP plugin links the JNI glue against it and copies it into the jar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../target/native-build}
mkdir -p "$out"
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
cmake -S "$here" -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$out/lib" -DCMAKE_RUNTIME_OUTPUT_DIRECTORY="$out/bin" \
      ${EAPO4J_CMAKE_ARGS:-} >"$out.cmake.log" 2>&1 || { cat "$out.cmake.log"; exit 1; }
cmake --build "$out" --parallel "$(nproc)" >"$out.build.log" 2>&1 || { cat "$out.build.log"; exit 1; }
