#!/usr/bin/env bash
# Write include/uapi/linux/uintr.h as the kernel patch series leaves it.
# Usage: extract-uapi.sh PATCH_DIR OUTPUT
set -euo pipefail
patches=$(realpath "$1") out=$(realpath -m "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
header=include/uapi/linux/uintr.h
for p in "$patches"/*.patch; do
	grep -q "^+++ b/$header\$" "$p" || continue
	(cd "$tmp" && git apply --include="$header" "$p")
done
[ -f "$tmp/$header" ] || { echo "extract-uapi: no patch in $patches creates $header" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$tmp/$header" "$out.tmp" && mv "$out.tmp" "$out"
