#!/bin/sh
# bench/compare on the GPU machine (NVIDIA), in one call: native NVIDIA GLX, relayed (the host
# renderer on NVIDIA's EGL) and VirGL (virgl_test_server on NVIDIA's EGL, Mesa's virpipe as its
# client), every default glmark2 scene, off-screen (NVIDIA's GLX cannot present into Xvfb
# windows), interleaved. Run from the repository root after the GPU recipe's prelude (it puts
# Xvfb, glmark2, Mesa and virgl_test_server on PATH, sets DISPLAY and GLMARK2_DATA):
#   sh bench/on_gpu.sh BUILD_DIR [more bench/compare arguments]
# Logs and table.md go to $OUT (the device tool's folder) or /tmp/gfxrelay-gpu.
set -eu
build=${1:?usage: bench/on_gpu.sh BUILD_DIR [bench/compare arguments]}
shift
out=${OUT:-/tmp/gfxrelay-gpu}
mkdir -p "$out"
nvidia-smi -L >"$out/gpu.txt" 2>&1 || true
python3 bench/compare --gfxrelay "$build/bin/gfxrelay" --display "$DISPLAY" \
  --glmark2-args "--off-screen --data-path $GLMARK2_DATA" \
  --native-env __GLX_VENDOR_LIBRARY_NAME=nvidia --out "$out" "$@"
