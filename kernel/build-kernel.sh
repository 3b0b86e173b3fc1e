#!/usr/bin/env bash
# Build the guest kernel (bzImage) from Debian's linux-source-6.1 plus our patch series
# (kernel/patches/*.patch, in order) and kernel/guest.config merged onto tinyconfig.
#
#   kernel/build-kernel.sh           build if needed; print the bzImage path on stdout
#   kernel/build-kernel.sh --path    print the path the current inputs map to (no build)
#   kernel/build-kernel.sh --dir     print the cache directory (provenance.json, .complete)
#   kernel/build-kernel.sh --key     print the cache key
#
# Cache key: Debian package version + patch series + config fragment + this script.
set -euo pipefail
. "$(dirname "$0")/../env/lib.sh"

PATCHES=$UINTRLAB_ROOT/kernel/patches
FRAGMENT=$UINTRLAB_ROOT/kernel/guest.config
TARBALL=/usr/src/linux-source-6.1.tar.xz

VERSION=$(deb_installed_version linux-source-6.1)
[ -n "$VERSION" ] && [ -f "$TARBALL" ] ||
	die "Debian package linux-source-6.1 is not installed (run env/setup-debian.sh or 'make deps')"
[ "$VERSION" = "$LINUX_SOURCE_DEB_VERSION" ] ||
	log "WARNING: pinned linux-source-6.1 $LINUX_SOURCE_DEB_VERSION, installed $VERSION (recorded)"
SERIES=$(series_hash "$PATCHES")
KEY=$( { echo "$VERSION"; echo "$SERIES"; cat "$FRAGMENT" "$0"; } | sha256sum | cut -c1-16)
OUT=$UINTRLAB_CACHE/kernel/$KEY

cache_dispatch "$OUT" bzImage "$KEY" "linux-source-6.1 $VERSION, patches $SERIES" "$@"

# 1. Pristine tree, unpacked once per Debian version.
SRC=$UINTRLAB_CACHE/src/linux-source-$VERSION
if [ ! -f "$SRC/.complete" ]; then
	log "unpacking $TARBALL"
	rm -rf "$SRC" && mkdir -p "$SRC"
	tar -C "$SRC" -xf "$TARBALL"
	mv "$SRC/linux-source-6.1" "$SRC/tree"
	sha256sum "$TARBALL" | cut -d' ' -f1 >"$SRC/tarball.sha256"
	touch "$SRC/.complete"
fi

# 2. Patched copy (hard links: patch(1) replaces the files it changes, so the pristine
#    tree is untouched), tinyconfig + fragment, build out of tree.
BUILD=$UINTRLAB_CACHE/build/kernel-$KEY
rm -rf "$BUILD" "$OUT.tmp"
mkdir -p "$BUILD" "$OUT.tmp"
cp -al "$SRC/tree" "$BUILD/src"
apply_series "$PATCHES" "$BUILD/src"

export CCACHE_DIR=${CCACHE_DIR:-$UINTRLAB_CACHE/ccache} CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="$VERSION" KBUILD_BUILD_USER=uintrlab KBUILD_BUILD_HOST=uintrlab
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
K=(make -C "$BUILD/src" O="$BUILD/obj" CC="$cc" -j"$(nproc)")
"${K[@]}" tinyconfig >/dev/null
"$BUILD/src/scripts/kconfig/merge_config.sh" -m -O "$BUILD/obj" "$BUILD/obj/.config" "$FRAGMENT" >/dev/null
"${K[@]}" olddefconfig >/dev/null
missing=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=\(.*\)$/\1=\2/p' "$FRAGMENT" |
	while read -r line; do grep -qxF "$line" "$BUILD/obj/.config" || echo "$line"; done)
[ -z "$missing" ] || die "options of $FRAGMENT did not survive olddefconfig: $(echo $missing)"

log "building bzImage with $(nproc) jobs (about 8 minutes cold, 1 minute with warm ccache)"
"${K[@]}" bzImage >"$BUILD/make.log" 2>&1 ||
	{ grep -E 'error|Error' "$BUILD/make.log" | head -20 >&2; die "kernel build failed (log: $BUILD/make.log)"; }

cp "$BUILD/obj/arch/x86/boot/bzImage" "$BUILD/obj/.config" "$BUILD/obj/System.map" "$OUT.tmp/"
release=$(cat "$BUILD/obj/include/config/kernel.release")
cat >"$OUT.tmp/provenance.json" <<JSON
{
  "component": "kernel",
  "debian_package": "linux-source-6.1",
  "debian_version": "$VERSION",
  "pinned_version": "$LINUX_SOURCE_DEB_VERSION",
  "tarball_sha256": "$(cat "$SRC/tarball.sha256")",
  "kernel_release": "$release",
  "patch_series_sha256_16": "$SERIES",
  "patches": $(patch_names_json "$PATCHES"),
  "config_fragment_sha256": "$(sha256sum "$FRAGMENT" | cut -d' ' -f1)",
  "cache_key": "$KEY",
  "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
rm -rf "$OUT" && mv "$OUT.tmp" "$OUT" && touch "$OUT/.complete"
rm -rf "$BUILD"    # ccache keeps what a rebuild under a new key can reuse
log "built $OUT ($release)"
echo "$OUT/bzImage"
