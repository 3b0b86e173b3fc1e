#!/usr/bin/env bash
# Build QEMU (x86_64-softmmu, TCG, with the TCG plugin interface) from Debian's source
# package plus our patch series (env/qemu/patches/*.patch, applied in order), into a
# cache outside the clone.
#
#   env/build-qemu.sh           build if needed; print the binary's path on stdout
#   env/build-qemu.sh --path    print the path the current inputs map to (no build)
#   env/build-qemu.sh --dir     print the cache directory (provenance.json, .complete)
#   env/build-qemu.sh --key     print the cache key
#   env/build-qemu.sh --inputs  print the inputs as JSON (what provenance compares)
#
# The cache key is a hash of what determines the binary: the Debian source version, the
# patch series, the configure flags, the compiler and RECIPE (bump it when a change of
# this script changes what it builds). Besides the binary, the build keeps QEMU's plugin
# header (include/qemu-plugin.h), which env/qemu/plugins/ is compiled against.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

RECIPE=2
PATCHES=$UINTRLAB_ROOT/env/qemu/patches
# UINTRLAB_QEMU_PLUGINS=0 builds (and selects) the same QEMU without the plugin interface,
# for benchmarks/plugin_overhead.py only; every run records the flags it was made with.
case "${UINTRLAB_QEMU_PLUGINS:-1}" in
1) plugins=--enable-plugins ;;
0) plugins=--disable-plugins ;;
*) die "UINTRLAB_QEMU_PLUGINS must be 1 or 0, not '$UINTRLAB_QEMU_PLUGINS'" ;;
esac
CONFIGURE_FLAGS=(--target-list=x86_64-softmmu --without-default-features --enable-tcg
	"$plugins" --enable-fdt=system --disable-docs --disable-werror)

qemu_version() {
	local versions v
	versions=$(apt-cache showsrc qemu 2>/dev/null | sed -n 's/^Version: //p')
	if grep -qxF "$QEMU_DEB_VERSION" <<<"$versions"; then
		echo "$QEMU_DEB_VERSION"
	else
		v=$(head -1 <<<"$versions")
		[ -n "$v" ] || die "apt knows no source package 'qemu' (run env/setup-debian.sh)"
		log "WARNING: pinned qemu $QEMU_DEB_VERSION is not served any more; using $v"
		echo "$v"
	fi
}

VERSION=$(qemu_version)
upstream=${VERSION#*:}
SRC=$UINTRLAB_CACHE/src/qemu-$upstream
SERIES=$(series_hash "$PATCHES")
# the checksum of the .dsc: of the downloaded file once there is one, else as apt lists it
dsc_checksum() {
	local f
	f=$(ls "$SRC"/dl/*.dsc 2>/dev/null | head -1 || true)
	if [ -n "$f" ]; then
		echo "$(basename "$f") $(sha256sum "$f" | cut -d' ' -f1)"
	else
		apt-get source --print-uris "qemu=$VERSION" 2>/dev/null |
			sed -n "s/^'[^']*' \([^ ]*\.dsc\) [0-9]* SHA256:\([0-9a-f]*\)$/\1 \2/p" | head -1
	fi
}
read -r DSC_NAME DSC_SHA256 < <(dsc_checksum) || true
INPUTS=("component=qemu" "recipe=$RECIPE" "debian_source=qemu" "debian_version=$VERSION"
	"patch_series_sha256_16=$SERIES" "configure_flags=${CONFIGURE_FLAGS[*]}" "compiler=$(compiler_id)")
KEY=$(inputs_key "${INPUTS[@]}")
OUT=$UINTRLAB_CACHE/qemu/$KEY
INFO=("pinned_version=$QEMU_DEB_VERSION" "dsc=${DSC_NAME:-}" "dsc_sha256=${DSC_SHA256:-}"
	"patches=$(patch_names_json "$PATCHES")")

cache_dispatch "$OUT" bin/qemu-system-x86_64 "$KEY" \
	"$(json_object "${INPUTS[@]}" "${INFO[@]}" "cache_key=$KEY")" "qemu $VERSION, patches $SERIES" "$@"

# 1. Debian source, unpacked once per version (Debian's own patches applied by dpkg-source).
if [ ! -f "$SRC/.complete" ]; then
	log "fetching Debian source qemu=$VERSION"
	rm -rf "$SRC" && mkdir -p "$SRC/dl"
	(cd "$SRC/dl" && apt-get source --download-only "qemu=$VERSION" >/dev/null) ||
		die "apt-get source qemu=$VERSION failed (is a deb-src line configured? run env/setup-debian.sh)"
	(cd "$SRC" && dpkg-source --no-check -x dl/*.dsc tree >/dev/null) || die "dpkg-source -x failed"
	touch "$SRC/.complete"
fi
read -r DSC_NAME DSC_SHA256 < <(dsc_checksum)

# 2. Our patch series on a copy of the tree, then configure and build.
BUILD=$UINTRLAB_CACHE/build/qemu-$KEY
rm -rf "$BUILD" "$OUT.tmp"
mkdir -p "$(dirname "$BUILD")" "$OUT.tmp/bin" "$OUT.tmp/include"
cp -a "$SRC/tree" "$BUILD"
apply_series "$PATCHES" "$BUILD"

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
# ccache with paths relative to the build tree, so a rebuild under a new key (a changed
# patch) recompiles only what the patches touched.
export CCACHE_DIR=${CCACHE_DIR:-$UINTRLAB_CACHE/ccache} CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
log "configuring (${CONFIGURE_FLAGS[*]})"
mkdir -p "$BUILD/build"
(cd "$BUILD/build" && ../configure --cc="$cc" "${CONFIGURE_FLAGS[@]}" >configure.log 2>&1) ||
	{ tail -20 "$BUILD/build/configure.log" >&2; die "QEMU configure failed (log: $BUILD/build/configure.log)"; }
log "building with $(nproc) jobs (about 6 minutes on 2 cores)"
(cd "$BUILD/build" && make -j"$(nproc)" qemu-system-x86_64 >make.log 2>&1) ||
	{ tail -30 "$BUILD/build/make.log" >&2; die "QEMU build failed (log: $BUILD/build/make.log)"; }
cp "$BUILD/build/qemu-system-x86_64" "$OUT.tmp/bin/"
[ "$plugins" = --disable-plugins ] || cp "$BUILD/include/qemu/qemu-plugin.h" "$OUT.tmp/include/"

finish_build "$OUT.tmp" "$OUT" "${INPUTS[@]}" "pinned_version=$QEMU_DEB_VERSION" "dsc=$DSC_NAME" \
	"dsc_sha256=$DSC_SHA256" "patches=$(patch_names_json "$PATCHES")"
rm -rf "$BUILD"    # ccache keeps what a rebuild under a new key can reuse
log "built $OUT"
echo "$OUT/bin/qemu-system-x86_64"
