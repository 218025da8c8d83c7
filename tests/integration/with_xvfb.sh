#!/bin/sh
# Runs a command with DISPLAY set to a private Xvfb server (24-bit screen, GLX and MIT-SHM on),
# which it starts on a free display number and stops afterwards.
#
#   with_xvfb.sh COMMAND [ARGS...]
set -eu

for n in $(seq 90 140); do
  [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { display=$n; break; }
done
: "${display:?no free X display number}"
Xvfb ":$display" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  [ -e "/tmp/.X11-unix/X$display" ] && break
  sleep 0.05
done
DISPLAY=":$display" "$@"
