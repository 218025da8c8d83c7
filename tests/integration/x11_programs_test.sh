#!/bin/sh
# Unmodified X11 programs through the relay (run under with_xvfb.sh): glxinfo shows the host's
# renderer through the relay's GLX vendor, glxgears (GLX) and es2gears_x11 (EGL on X11) draw
# frames, two scenes each of glmark2 (GLX) and glmark2-es2 (EGL, OpenGL ES) complete.
#
#   x11_programs_test.sh BUILD_DIR
set -u
gfxrelay=$1/bin/gfxrelay
failures=0
check() {  # NAME OUTPUT_FILE PATTERN
  if grep -q "$3" "$2"; then
    echo "PASS: $1"
  else
    echo "FAIL: $1 (no \"$3\" in its output:)"
    cat "$2"
    failures=$((failures + 1))
  fi
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$gfxrelay" run -- glxinfo >"$out" 2>&1
check "glxinfo" "$out" "client glx vendor string: gfxrelay"
check "glxinfo renderer" "$out" "OpenGL renderer string: $(glxinfo -B 2>/dev/null | sed -n 's/^OpenGL renderer string: //p')"

# glxgears runs until it is stopped; it prints a frame count every 5 seconds.
timeout 7 "$gfxrelay" run -- glxgears >"$out" 2>&1
check "glxgears" "$out" "frames in 5.0 seconds"

# es2gears_x11 likewise, through EGL's X11 platform and OpenGL ES (it does not flush its
# output, which a pipe buffers: stdbuf makes it line-buffered).
timeout 7 "$gfxrelay" run -- stdbuf -oL es2gears_x11 >"$out" 2>&1
check "es2gears_x11" "$out" "frames in 5.0 seconds"

for glmark in glmark2 glmark2-es2; do
  if ! command -v $glmark >/dev/null; then
    echo "FAIL: $glmark is not installed (scripts/setup.sh installs glmark2-x11, glmark2-es2-x11)"
    failures=$((failures + 1))
    continue
  fi
  "$gfxrelay" run -- $glmark -b build:duration=1 -b texture:duration=1 >"$out" 2>&1
  check "$glmark build, texture" "$out" "glmark2 Score"
  if grep -qi "error" "$out"; then
    echo "FAIL: $glmark reported an error"
    failures=$((failures + 1))
  fi
done
exit $((failures > 0))
