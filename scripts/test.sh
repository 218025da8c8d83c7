#!/bin/sh
# Builds gfxrelay and runs all its tests: unit tests, native-vs-relayed frame and window
# comparisons, X11 programs (glxinfo, glxgears, es2gears_x11, glmark2, glmark2-es2) under a
# private Xvfb, quick piglit subsets: GLES on surfaceless EGL, desktop GL on GLX (the broad
# runs are in the README), two QEMU guests through ivshmem, then the fuzzers for 10,000 inputs
# each from a fixed seed (tests/fuzz; the long run is in its README).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j2
sh tests/fuzz/run.sh "$BUILD" "$BUILD-fuzz" 60 10000
