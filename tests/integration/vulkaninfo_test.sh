#!/bin/sh
# vulkaninfo, unmodified, natively on lavapipe and through the relay (guest driver
# libvulkan_gfxrelay.so, host on lavapipe): the device summary must be the same, and the full
# report relayed must show nothing the native one does not (the relay narrows extensions; it
# adds only the headless surface its guest driver implements).
#
#   vulkaninfo_test.sh BUILD_DIR
set -u
gfxrelay=$1/bin/gfxrelay
lavapipe=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1)
if [ -z "$lavapipe" ] || ! command -v vulkaninfo >/dev/null; then
  echo "FAIL: lavapipe or vulkaninfo missing (scripts/setup.sh installs mesa-vulkan-drivers, vulkan-tools)"
  exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# No window system: the same output both ways (surface queries are skipped).
unset DISPLAY WAYLAND_DISPLAY
export VK_DRIVER_FILES="$lavapipe"  # natively, and for the host `gfxrelay run` starts
failures=0

vulkaninfo --summary >"$dir/native" 2>/dev/null || { echo "FAIL: native vulkaninfo"; exit 1; }
if ! "$gfxrelay" run -- vulkaninfo --summary >"$dir/relayed" 2>"$dir/relayed.err"; then
  echo "FAIL: relayed vulkaninfo --summary exited non-zero"
  cat "$dir/relayed.err"
  failures=$((failures + 1))
fi
sed -n '/^Devices:/,$p' "$dir/native" >"$dir/native.devices"
sed -n '/^Devices:/,$p' "$dir/relayed" >"$dir/relayed.devices"
if [ -s "$dir/native.devices" ] && cmp -s "$dir/native.devices" "$dir/relayed.devices"; then
  echo "PASS: vulkaninfo --summary devices identical ($(grep -c . "$dir/native.devices") lines)"
  grep "deviceName" "$dir/relayed.devices"
else
  echo "FAIL: vulkaninfo --summary devices differ (native <, relayed >)"
  diff "$dir/native.devices" "$dir/relayed.devices"
  failures=$((failures + 1))
fi

vulkaninfo >"$dir/native.full" 2>/dev/null
if ! "$gfxrelay" run -- vulkaninfo >"$dir/relayed.full" 2>"$dir/relayed.err"; then
  echo "FAIL: relayed vulkaninfo exited non-zero"
  cat "$dir/relayed.err"
  failures=$((failures + 1))
fi
# Lines only the relayed report has, other than counts and their underlines (columns are
# aligned to the longest name of a list, so spaces are squeezed first), and the one extension
# the guest driver adds itself that lavapipe lacks (VK_EXT_headless_surface).
squeeze() { sed 's/[ \t][ \t]*/ /g' "$1" | sort -u; }
squeeze "$dir/native.full" >"$dir/native.sorted"
squeeze "$dir/relayed.full" | comm -13 "$dir/native.sorted" - |
  grep -v -e 'count = [0-9]*$' -e '^[ \t]*[=-]*$' -e 'VK_EXT_headless_surface' >"$dir/invented"
if [ "$(grep -c . "$dir/relayed.full")" -gt 100 ] && [ ! -s "$dir/invented" ]; then
  echo "PASS: full vulkaninfo relayed ($(grep -c . "$dir/relayed.full") of $(grep -c . "$dir/native.full") native lines; nothing native lacks)"
else
  echo "FAIL: full vulkaninfo relayed shows what native does not:"
  cat "$dir/invented"
  failures=$((failures + 1))
fi
exit "$failures"
