#!/bin/sh
# The headless Vulkan test programs on the GPU machine (NVIDIA), natively and relayed, with both
# memory paths (imported host memory, and copies: GFXRELAY_VK_NO_IMPORT=1): vk_core several
# times each way, vk_compute and vk_triangle once. Prints one line per relayed run saying whether
# it printed (on standard output) what the program prints natively. Run from the repository root
# after the GPU recipe's prelude (it points VK_DRIVER_FILES at NVIDIA's driver):
#   sh bench/vk_on_gpu.sh BUILD_DIR
# Outputs go to $OUT (the device tool's folder) or /tmp/gfxrelay-vk-gpu.
set -u
build=${1:?usage: bench/vk_on_gpu.sh BUILD_DIR}
out=${OUT:-/tmp/gfxrelay-vk-gpu}
mkdir -p "$out"
nvidia-smi -L >"$out/gpu.txt" 2>&1
same() { cmp -s "$1" "$2" && echo yes || echo NO; }
for i in 1 2 3; do
  "$build/bin/gfxrelay-test-vk_core" >"$out/vk_core.native.$i" 2>"$out/vk_core.native.$i.err"
  echo "vk_core native run $i: exit $?, same as run 1:" \
    "$(same "$out/vk_core.native.1" "$out/vk_core.native.$i")"
done
for no_import in 0 1; do
  socket=$(mktemp -u /tmp/gfxrelay-vk-XXXXXX)
  GFXRELAY_VK_NO_IMPORT=$no_import "$build/bin/gfxrelay" serve --socket "$socket" \
    >"$out/host.$no_import" 2>&1 &
  server=$!
  for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
  for i in 1 2 3 4 5 6; do
    "$build/bin/gfxrelay" run --socket "$socket" -- "$build/bin/gfxrelay-test-vk_core" \
      >"$out/vk_core.relayed.$no_import.$i" 2>"$out/vk_core.relayed.$no_import.$i.err"
    echo "vk_core relayed (no_import=$no_import) run $i: exit $?, same as native:" \
      "$(same "$out/vk_core.native.1" "$out/vk_core.relayed.$no_import.$i")"
  done
  for name in vk_compute vk_triangle; do
    "$build/bin/gfxrelay-test-$name" >"$out/$name.native" 2>"$out/$name.native.err"
    "$build/bin/gfxrelay" run --socket "$socket" -- "$build/bin/gfxrelay-test-$name" \
      >"$out/$name.relayed.$no_import" 2>"$out/$name.relayed.$no_import.err"
    echo "$name relayed (no_import=$no_import): same as native:" \
      "$(same "$out/$name.native" "$out/$name.relayed.$no_import")"
  done
  kill "$server"
  wait "$server" 2>/dev/null
  rm -f "$socket"
done
