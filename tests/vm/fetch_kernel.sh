#!/bin/sh
# Puts Debian's kernel for the VM tests at BUILD_DIR/vm/vmlinuz: the package that
# linux-image-amd64 depends on, downloaded (not installed) and unpacked there.
#
#   fetch_kernel.sh BUILD_DIR
set -eu
if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
out=$1/vm
[ -s "$out/vmlinuz" ] && exit 0
mkdir -p "$out"
package=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
if [ -z "$package" ]; then
  echo "fetch_kernel.sh: apt knows no linux-image-amd64 (run apt-get update)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt's download user must be able to write the folder.
chmod 777 "$work"
(cd "$work" && apt-get download -q "$package")
dpkg-deb --fsys-tarfile "$work"/*.deb | tar -x -C "$work" --wildcards './boot/vmlinuz-*'
cp "$work"/boot/vmlinuz-* "$out/vmlinuz"
echo "$package" > "$out/kernel-package"
echo "guest kernel: $package -> $out/vmlinuz"
