#!/bin/sh
# Installs what gfxrelay needs on Debian 12, builds it, and runs a real GLES program through the
# relay on the embedded host renderer (Mesa llvmpipe when there is no GPU).
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential cmake pkg-config python3 khronos-api libepoxy-dev libglvnd-dev
  libegl-dev libgles-dev libegl-mesa0 libgl1-mesa-dri libpng-dev libgtest-dev libbenchmark-dev
  libx11-dev libxext-dev libxcb-shm0-dev libx11-xcb-dev xvfb xauth x11-utils piglit mesa-utils mesa-utils-extra glmark2-x11
  glmark2-es2-x11 virgl-server qemu-system-x86 busybox-static strace clang-14 libclang-rt-14-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-tools vulkan-validationlayers glslang-tools"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD" -j"$(nproc)"
# Debian's kernel for the VM tests (tests/vm), unpacked into the build folder.
sh tests/vm/fetch_kernel.sh "$BUILD"

# The main job: an animated, textured, lit GLES 3 scene rendered through the relay.
OUT=${OUT:-demo-frames}
"$BUILD/bin/gfxrelay" info
"$BUILD/bin/gfxrelay" run -- "$BUILD/bin/gfxrelay-demo-gles3" --frames 10 --out "$OUT"
echo "setup: relayed frames written to $OUT/"
