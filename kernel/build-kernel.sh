#!/usr/bin/env bash
# Build the guest kernel (bzImage) from Debian's linux-source-6.1 plus our patch series
# (kernel/patches/*.patch, in order) and kernel/guest.config merged onto tinyconfig.
#
#   kernel/build-kernel.sh           build if needed; print the bzImage path on stdout
#   kernel/build-kernel.sh --path    print the path the current inputs map to (no build)
#   kernel/build-kernel.sh --dir     print the cache directory (provenance.json, .complete)
#   kernel/build-kernel.sh --key     print the cache key
#   kernel/build-kernel.sh --inputs  print the inputs as JSON (what provenance compares)
#
# The cache key is a hash of what determines the kernel: the Debian package version, the
# patch series, the options of the config fragment (its comments do not count), the
# compiler and RECIPE (bump it when a change of this script changes what it builds).
# The build keeps bzImage, .config and System.map.
set -euo pipefail
. "$(dirname "$0")/../env/lib.sh"

RECIPE=2
PATCHES=$UINTRLAB_ROOT/kernel/patches
FRAGMENT=$UINTRLAB_ROOT/kernel/guest.config
TARBALL=/usr/src/linux-source-6.1.tar.xz

VERSION=$(deb_installed_version linux-source-6.1)
[ -n "$VERSION" ] && [ -f "$TARBALL" ] ||
	die "Debian package linux-source-6.1 is not installed (run env/setup-debian.sh or 'make deps')"
[ "$VERSION" = "$LINUX_SOURCE_DEB_VERSION" ] ||
	log "WARNING: pinned linux-source-6.1 $LINUX_SOURCE_DEB_VERSION, installed $VERSION (recorded)"
SRC=$UINTRLAB_CACHE/src/linux-source-$VERSION
SERIES=$(series_hash "$PATCHES")
# the fragment's options, without comments and blank lines
OPTIONS=$(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$FRAGMENT" | sha256sum | cut -d' ' -f1)
# the tarball's checksum: computed once per unpacked source, else now
if [ -f "$SRC/tarball.sha256" ]; then
	TARBALL_SHA256=$(cat "$SRC/tarball.sha256")
else
	TARBALL_SHA256=$(sha256sum "$TARBALL" | cut -d' ' -f1)
fi
INPUTS=("component=kernel" "recipe=$RECIPE" "debian_package=linux-source-6.1" "debian_version=$VERSION"
	"patch_series_sha256_16=$SERIES" "config_options_sha256=$OPTIONS" "compiler=$(compiler_id)")
KEY=$(inputs_key "${INPUTS[@]}")
OUT=$UINTRLAB_CACHE/kernel/$KEY
INFO=("pinned_version=$LINUX_SOURCE_DEB_VERSION" "tarball_sha256=$TARBALL_SHA256"
	"config_fragment_sha256=$(sha256sum "$FRAGMENT" | cut -d' ' -f1)"
	"patches=$(patch_names_json "$PATCHES")")

cache_dispatch "$OUT" bzImage "$KEY" "$(json_object "${INPUTS[@]}" "${INFO[@]}" "cache_key=$KEY")" \
	"linux-source-6.1 $VERSION, patches $SERIES" "$@"

# 1. Pristine tree, unpacked once per Debian version.
if [ ! -f "$SRC/.complete" ]; then
	log "unpacking $TARBALL"
	rm -rf "$SRC" && mkdir -p "$SRC"
	tar -C "$SRC" -xf "$TARBALL"
	mv "$SRC/linux-source-6.1" "$SRC/tree"
	echo "$TARBALL_SHA256" >"$SRC/tarball.sha256"
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
finish_build "$OUT.tmp" "$OUT" "${INPUTS[@]}" "${INFO[@]}" "kernel_release=$release" \
	"config_sha256=$(sha256sum "$OUT.tmp/.config" | cut -d' ' -f1)"
rm -rf "$BUILD"    # ccache keeps what a rebuild under a new key can reuse
log "built $OUT ($release)"
echo "$OUT/bzImage"
