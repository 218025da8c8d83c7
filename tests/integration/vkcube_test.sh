#!/bin/sh
# vkcube (vulkan-tools), unmodified, under Xvfb (run it with with_xvfb.sh): natively on
# lavapipe and through the relay (the guest driver's xcb surface and swapchain), its frames
# must reach the window (the screen shows the textured cube: many colours, where an empty
# window shows a few); the image it presents at frame 30 (written by a layer of ours,
# tests/programs/vk_capture_layer.cpp, on top of either driver) must be the same pixel for pixel;
# relayed with the host's validation layer on, a run of 60 frames must exit 0 with the layer
# silent.
#
#   vkcube_test.sh BUILD_DIR
set -u
build=$1
gfxrelay=$build/bin/gfxrelay
capture=$build/bin/gfxrelay-test-x11_capture
lavapipe=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1)
if [ -z "$lavapipe" ] || ! command -v vkcube >/dev/null; then
  echo "FAIL: lavapipe or vkcube missing (scripts/setup.sh installs mesa-vulkan-drivers, vulkan-tools)"
  exit 1
fi
export VK_DRIVER_FILES="$lavapipe"
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
failures=0
fail() {
  echo "FAIL: $1"
  failures=$((failures + 1))
}

# Shows frames: the screen gains many colours within 30 s of the start.
shows_frames() {  # NAME COMMAND...
  name=$1
  shift
  before=$("$capture" | sed 's/colors //')
  "$@" >"$dir/$name.log" 2>&1 &
  pid=$!
  colors=0
  for _ in $(seq 60); do
    sleep 0.5
    colors=$("$capture" "$dir/$name.ppm" | sed 's/colors //')
    [ "$colors" -gt 100 ] && break
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
  if [ "$colors" -gt 100 ]; then
    echo "PASS: $name shows frames ($before colours on the screen before, $colors with the cube)"
  else
    fail "$name shows no frames ($before colours before, $colors after):"
    cat "$dir/$name.log"
  fi
}
shows_frames native vkcube --c 100000
shows_frames relayed "$gfxrelay" run -- vkcube --c 100000

# Frame 30, natively and relayed (vkcube's cube turns by the same angle every frame).
for run in native relayed; do
  launch=""
  [ "$run" = relayed ] && launch="$gfxrelay run --"
  VK_LAYER_PATH=$build/test-layers VK_INSTANCE_LAYERS=VK_LAYER_GFXRELAY_capture \
    GFXRELAY_CAPTURE_FRAME=30 GFXRELAY_CAPTURE_PATH=$dir/frame30-$run.ppm \
    $launch vkcube --c 40 >"$dir/capture-$run.log" 2>&1 ||
    fail "vkcube --c 40 with the capture layer ($run) exits $?: $(cat "$dir/capture-$run.log")"
done
if [ -s "$dir/frame30-native.ppm" ] && cmp -s "$dir/frame30-native.ppm" "$dir/frame30-relayed.ppm"; then
  echo "PASS: frame 30 is the same natively and relayed ($(wc -c <"$dir/frame30-native.ppm") bytes of PPM)"
else
  fail "frame 30 differs natively and relayed (or was not written)"
fi

VK_LOADER_DEBUG=layer VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation \
  "$gfxrelay" serve --socket "$dir/socket" >"$dir/host" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$dir/socket" ] && break; sleep 0.1; done
if "$gfxrelay" run --socket "$dir/socket" -- vkcube --c 60 >"$dir/relayed60.log" 2>&1; then
  echo "PASS: relayed vkcube --c 60 exits 0"
else
  fail "relayed vkcube --c 60 exits $?:"
  cat "$dir/relayed60.log"
fi
kill "$server"
wait "$server" 2>/dev/null
if ! grep -q 'Insert instance layer "VK_LAYER_KHRONOS_validation"' "$dir/host"; then
  fail "the host did not load the validation layer"
elif grep -q -e "Validation Error" -e "VUID-" "$dir/host"; then
  fail "the validation layer on the host reports the relay's calls:"
  grep -e "Validation Error" "$dir/host" | head -20
else
  echo "PASS: the host's validation layer is silent"
fi
exit "$failures"
