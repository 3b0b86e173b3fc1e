#!/usr/bin/env bash
# An initramfs overlay (newc cpio) with the conformance program and its init. Appended
# to csrc/build/guest/initramfs.cpio it replaces /init; the kernel unpacks both.
# Usage: make-overlay.sh PROGRAM OUTPUT.cpio
set -euo pipefail
prog=$(realpath "$1") out=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/plan"
cp "$prog" "$stage/bin/uintr-conformance"
cp "$here/init" "$stage/init"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible >"$out.tmp")
mv "$out.tmp" "$out"
