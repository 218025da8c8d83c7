#!/bin/sh
# The headless Vulkan programs of tests/programs natively on lavapipe and through the relay:
# vk_compute (compute; it checks the device's answer against the CPU's itself), vk_triangle
# (graphics: render pass and dynamic rendering, read back; pixels summed) and vk_core (the core
# commands the other two leave out: indirect draws, secondary command buffers, extended dynamic
# state, timeline semaphores, update templates, resolves, pipeline cache data, also read in
# parts...). Each must print the
# same natively and relayed, and vk_headless (a headless swapchain, relayed only) must present, and the Khronos validation layer must be silent both in the program
# natively and on the relay's host (where it sees what the relay calls for the guest).
#
#   vk_programs_test.sh BUILD_DIR
set -u
build=$1
gfxrelay=$build/bin/gfxrelay
lavapipe=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1)
if [ -z "$lavapipe" ]; then
  echo "FAIL: lavapipe missing (scripts/setup.sh installs mesa-vulkan-drivers)"
  exit 1
fi
dir=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$dir"' EXIT
export VK_DRIVER_FILES="$lavapipe"
unset DISPLAY WAYLAND_DISPLAY
validation=VK_LAYER_KHRONOS_validation
failures=0
fail() {
  echo "FAIL: $1"
  failures=$((failures + 1))
}

for name in vk_compute vk_triangle vk_core; do
  program=$build/bin/gfxrelay-test-$name
  # Standard output only: lavapipe writes notes of its own to standard error (a stub it has).
  "$program" >"$dir/native" 2>"$dir/native.err" ||
    fail "$name native (exit $?): $(cat "$dir/native" "$dir/native.err")"
  VK_INSTANCE_LAYERS=$validation "$program" >"$dir/native.validated" 2>&1 ||
    fail "$name native with the validation layer"
  if grep -q -e "Validation Error" -e "VUID-" "$dir/native.validated"; then
    fail "the validation layer reports $name itself:"
    cat "$dir/native.validated"
  fi

  # The host with the validation layer: a server of its own, so that the program's loader does
  # not load the layer too. Twice: host-visible memory imported from the stream's shared memory
  # (mapped in place), and mapped as copies (GFXRELAY_VK_NO_IMPORT=1).
  for no_import in 0 1; do
    mode=$([ "$no_import" = 0 ] && echo "imported memory" || echo "memory as copies")
    rm -f "$dir/socket"
    GFXRELAY_VK_NO_IMPORT=$no_import VK_LOADER_DEBUG=layer VK_INSTANCE_LAYERS=$validation \
      "$gfxrelay" serve --socket "$dir/socket" >"$dir/host" 2>&1 &
    server=$!
    for _ in $(seq 100); do [ -S "$dir/socket" ] && break; sleep 0.1; done
    "$gfxrelay" run --socket "$dir/socket" -- "$program" >"$dir/relayed" 2>"$dir/relayed.err" ||
      fail "$name relayed, $mode (exit $?): $(cat "$dir/relayed" "$dir/relayed.err")"
    kill "$server" && wait "$server" 2>/dev/null
    server=""

    if cmp -s "$dir/native" "$dir/relayed" &&
      { [ "$name" != vk_compute ] || grep -q "round 2: .*as computed on the CPU" "$dir/relayed"; }; then
      echo "PASS: $name relayed ($mode) prints what it prints natively:"
      cat "$dir/relayed"
    else
      fail "$name output differs, $mode (native <, relayed >)"
      diff "$dir/native" "$dir/relayed"
    fi
    if ! grep -q "Insert instance layer \"$validation\"" "$dir/host"; then
      fail "the host did not load the validation layer ($mode)"
    elif grep -q -e "Validation Error" -e "VUID-" "$dir/host"; then
      fail "the validation layer on the host reports the relay's calls ($mode):"
      cat "$dir/host"
    else
      echo "PASS: the host's validation layer is silent ($name, $mode)"
    fi
  done
done

# Pipeline cache data in parts (gfxrelay_vkGetPipelineCacheDataPart): lavapipe's data fits one
# reply, so the guest is made to read it 5 bytes at a time (parts that end off the 8-byte
# alignment of replies); the bytes must be native's.
program=$build/bin/gfxrelay-test-vk_core
export VK_CORE_CACHE_HASH=1  # vk_core prints the data's size and hash
"$program" >"$dir/native" 2>/dev/null || fail "vk_core native"
rm -f "$dir/socket"
"$gfxrelay" serve --socket "$dir/socket" >"$dir/host" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$dir/socket" ] && break; sleep 0.1; done
GFXRELAY_VK_CACHE_PART=5 "$gfxrelay" run --socket "$dir/socket" -- "$program" \
  >"$dir/relayed" 2>"$dir/relayed.err" || fail "vk_core relayed in parts: $(cat "$dir/relayed.err")"
kill "$server" && wait "$server" 2>/dev/null
server=""
unset VK_CORE_CACHE_HASH
cache_bytes=$(sed -n 's/^pipeline cache data: \([0-9]*\) bytes.*/\1/p' "$dir/native")
if [ "${cache_bytes:-0}" -le 5 ]; then
  fail "vk_core's pipeline cache data (${cache_bytes:-none} bytes) is no larger than one part"
elif cmp -s "$dir/native" "$dir/relayed"; then
  echo "PASS: vk_core relayed, pipeline cache data ($cache_bytes bytes) read in parts of 5"
else
  fail "vk_core output differs with the pipeline cache data in parts (native <, relayed >)"
  diff "$dir/native" "$dir/relayed"
fi

# The headless swapchain (the guest driver's VK_EXT_headless_surface; lavapipe has none).
program=$build/bin/gfxrelay-test-vk_headless
"$program" >/dev/null 2>&1
[ $? = 77 ] || fail "vk_headless natively: expected exit 77 (no VK_EXT_headless_surface)"
rm -f "$dir/socket"
VK_LOADER_DEBUG=layer VK_INSTANCE_LAYERS=$validation "$gfxrelay" serve --socket "$dir/socket" \
  >"$dir/host" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$dir/socket" ] && break; sleep 0.1; done
"$gfxrelay" run --socket "$dir/socket" -- "$program" >"$dir/relayed" 2>&1 ||
  fail "vk_headless relayed (exit $?): $(cat "$dir/relayed")"
kill "$server" && wait "$server" 2>/dev/null
server=""
if grep -q "presented 3 of 3 frames" "$dir/relayed" && ! grep -q -e "Validation Error" -e "VUID-" "$dir/host"; then
  echo "PASS: vk_headless relayed, the host's validation layer silent:"
  cat "$dir/relayed"
else
  fail "vk_headless relayed:"
  cat "$dir/relayed"
  grep -e "Validation Error" "$dir/host" | head -10
fi
exit "$failures"
