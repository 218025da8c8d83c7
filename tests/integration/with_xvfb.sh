#!/bin/sh
# Runs a command with DISPLAY set to a private Xvfb server (24-bit screen, GLX and MIT-SHM on),
# which it starts and stops afterwards. Xvfb picks a free display number itself (-displayfd),
# so tests running at once never share or race for one, and does not reset when its last
# client leaves (-noreset: a reset refuses connections for a moment, and tests connect one
# after another).
#
#   with_xvfb.sh COMMAND [ARGS...]
set -eu

number=$(mktemp "${TMPDIR:-/tmp}/gfxrelay-xvfb.XXXXXX")
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp -noreset 3>"$number" >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null || true; rm -f "$number"' EXIT INT TERM
for _ in $(seq 1 200); do
  [ -s "$number" ] && break
  sleep 0.05
done
display=$(cat "$number")
: "${display:?Xvfb did not start}"
DISPLAY=":$display" "$@"
