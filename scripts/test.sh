#!/bin/sh
# Builds gfxrelay and runs all its tests: unit tests, native-vs-relayed frame comparison, and
# a quick piglit GLES subset (PIGLIT_LIST=tests/piglit/gles_full.list for the broad one).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j2
