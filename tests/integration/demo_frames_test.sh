#!/bin/sh
# Renders the GLES 3 demo natively (Mesa) and through `gfxrelay run`, and requires every frame to
# be byte-identical: the demo is deterministic (time is the frame index), so any difference is
# something the relay changed.
#
#   demo_frames_test.sh BUILD_DIR [--ivshmem]
#
# --ivshmem: the relayed run goes through a VM's channel (a `gfxrelay serve --ivshmem` region
# file, mapped by the guest as a VM maps the device's memory) instead of the same-host socket.
#
# MESA_EGL_VENDOR_JSON overrides where Mesa's GLVND vendor file is (Debian's path by default).
set -eu

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ] || { [ "$#" -eq 2 ] && [ "$2" != --ivshmem ]; }; then
  echo "usage: $0 BUILD_DIR [--ivshmem]" >&2
  exit 2
fi
build_dir=$1
via_ivshmem=${2:-}
demo=$build_dir/bin/gfxrelay-demo-gles3
gfxrelay=$build_dir/bin/gfxrelay
mesa_vendor=${MESA_EGL_VENDOR_JSON:-/usr/share/glvnd/egl_vendor.d/50_mesa.json}
frames=6

for program in "$demo" "$gfxrelay"; do
  if [ ! -x "$program" ]; then
    echo "FAIL: $program is missing or not executable" >&2
    exit 1
  fi
done
if [ ! -r "$mesa_vendor" ]; then
  echo "FAIL: Mesa's EGL vendor file $mesa_vendor is missing (set MESA_EGL_VENDOR_JSON)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gfxrelay-demo-frames.XXXXXX")
server=
trap 'if [ -n "$server" ]; then kill "$server"; wait "$server"; fi; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
native=$work/native
relayed=$work/relayed

echo "== native run (Mesa)"
if ! (
  unset EGL_PLATFORM
  __EGL_VENDOR_LIBRARY_FILENAMES=$mesa_vendor
  export __EGL_VENDOR_LIBRARY_FILENAMES
  exec "$demo" --frames "$frames" --out "$native"
); then
  echo "FAIL: native run of $demo failed" >&2
  exit 1
fi

if [ -n "$via_ivshmem" ]; then
  echo "== host serving a VM region"
  "$gfxrelay" serve --ivshmem "$work/region" --ivshmem-size 128M &
  server=$!
  GFXRELAY_IVSHMEM=$work/region
  export GFXRELAY_IVSHMEM
  tries=0
  until "$gfxrelay" info >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "FAIL: the host never answered in $work/region" >&2
      exit 1
    fi
    sleep 0.1
  done
fi

echo "== relayed run (gfxrelay${via_ivshmem:+ through the VM channel})"
if ! (
  unset __EGL_VENDOR_LIBRARY_FILENAMES GFXRELAY_SOCKET
  exec "$gfxrelay" run -- "$demo" --frames "$frames" --out "$relayed"
); then
  echo "FAIL: relayed run of $demo failed" >&2
  exit 1
fi

echo "== comparing frames"
failed=0
i=0
while [ "$i" -lt "$frames" ]; do
  name=$(printf 'frame-%04d.png' "$i")
  if [ ! -f "$native/$name" ] || [ ! -f "$relayed/$name" ]; then
    [ -f "$native/$name" ] || echo "$name: missing from the native run"
    [ -f "$relayed/$name" ] || echo "$name: missing from the relayed run"
    failed=1
  elif cmp -s "$native/$name" "$relayed/$name"; then
    echo "$name: identical"
  else
    echo "$name: DIFFERENT"
    failed=1
  fi
  i=$((i + 1))
done

# Frames the demo was not asked for mean it ignored --frames; count both runs' outputs too.
for dir in "$native" "$relayed"; do
  count=$(find "$dir" -name 'frame-*.png' -type f | wc -l)
  if [ "$count" -ne "$frames" ]; then
    echo "FAIL: $dir holds $count frames, expected $frames"
    failed=1
  fi
done

# Identical frames prove nothing if nothing moves (e.g. both runs wrote blank images).
first=$native/frame-0000.png
last=$native/$(printf 'frame-%04d.png' $((frames - 1)))
if [ -f "$first" ] && [ -f "$last" ] && cmp -s "$first" "$last"; then
  echo "FAIL: frame 0 and frame $((frames - 1)) are identical: the scene does not animate"
  failed=1
fi

if [ "$failed" -ne 0 ]; then
  echo "FAIL: see the lines above"
  exit 1
fi
echo "PASS: all $frames frames identical"
