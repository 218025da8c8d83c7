#!/bin/sh
# Runs a test program natively (Mesa) and through `gfxrelay run`, and requires the two standard
# outputs to be identical and both runs to succeed.
#
#   same_output_test.sh BUILD_DIR PROGRAM [ARGS...]
#
# MESA_EGL_VENDOR_JSON overrides where Mesa's GLVND vendor file is (Debian's path by default).
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: $0 BUILD_DIR PROGRAM [ARGS...]" >&2
  exit 2
fi
build_dir=$1
shift
gfxrelay=$build_dir/bin/gfxrelay
mesa_vendor=${MESA_EGL_VENDOR_JSON:-/usr/share/glvnd/egl_vendor.d/50_mesa.json}

work=$(mktemp -d "${TMPDIR:-/tmp}/gfxrelay-same-output.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! (
  unset EGL_PLATFORM
  __EGL_VENDOR_LIBRARY_FILENAMES=$mesa_vendor
  export __EGL_VENDOR_LIBRARY_FILENAMES
  exec "$@"
) >"$work/native"; then
  echo "FAIL: native run of $* failed" >&2
  cat "$work/native" >&2
  exit 1
fi
# `gfxrelay run`'s embedded host keeps Mesa's shader cache as the native run has it.
if ! "$gfxrelay" run -- "$@" >"$work/relayed"; then
  echo "FAIL: relayed run of $* failed" >&2
  cat "$work/relayed" >&2
  exit 1
fi
if ! diff -u "$work/native" "$work/relayed"; then
  echo "FAIL: $* printed something different through the relay (- native, + relayed)" >&2
  exit 1
fi
cat "$work/relayed"
echo "PASS: $* prints the same natively and through the relay"
