#!/usr/bin/env bash
# Build the guest initramfs: busybox (Debian's busybox-static), our init, the static
# benchmark and the static UINTR conformance suite.
# Usage: build-initramfs.sh BENCH_BINARY CONFORMANCE_BINARY OUTPUT.cpio
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: build-initramfs.sh BENCH CONFORMANCE OUTPUT.cpio" >&2; exit 1; }
bench=$(realpath "$1") conformance=$(realpath "$2") out=$(realpath -m "$3")
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
[ -x "$busybox" ] && ! readelf -l "$busybox" | grep -q INTERP ||
	{ echo "build-initramfs: $busybox is not static (install Debian package busybox-static)" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,out,plan}
cp "$busybox" "$stage/bin/busybox"
cp "$bench" "$stage/bin/uintr-bench"
cp "$conformance" "$stage/bin/uintr-conformance"
cp "$here/init" "$stage/init"
# /dev/console comes from the kernel's built-in initramfs, unpacked first.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible >"$out.tmp")
mv "$out.tmp" "$out"
