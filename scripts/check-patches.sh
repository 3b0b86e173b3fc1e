#!/usr/bin/env bash
# Check the QEMU and kernel patch series the way their trees' maintainers would:
# every patch through the tree's own scripts/checkpatch.pl, and with --build-each the
# tree built after every patch (each prefix of the series must build on its own).
#
#   scripts/check-patches.sh [--build-each] [qemu|kernel ...]
#
# Uses the pristine Debian source trees the build scripts unpack into the cache
# (run 'make qemu kernel' first). Prints one line per patch and check; exits 1 if any
# check failed. Build logs stay in $UINTRLAB_CACHE/check-patches/.
set -euo pipefail
. "$(dirname "$0")/../env/lib.sh"

build_each=0 which=()
for a in "$@"; do
	case $a in
	--build-each) build_each=1 ;;
	qemu | kernel) which+=("$a") ;;
	*) die "unknown argument '$a' (use --build-each, qemu, kernel)" ;;
	esac
done
[ ${#which[@]} -gt 0 ] || which=(qemu kernel)

qemu_src() { echo "$UINTRLAB_CACHE/src/qemu-${QEMU_DEB_VERSION#*:}/tree"; }
kernel_src() { echo "$UINTRLAB_CACHE/src/linux-source-$(deb_installed_version linux-source-6.1)/tree"; }
failed=0
WORK=$UINTRLAB_CACHE/check-patches
export CCACHE_DIR=${CCACHE_DIR:-$UINTRLAB_CACHE/ccache} CCACHE_NOHASHDIR=1
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"

result() {	# $1 ok|FAIL, rest: text
	echo "$*"
	[ "$1" = ok ] || failed=1
}

checkpatch() {	# $1 component, $2 tree, $3 patch dir
	local p out
	for p in "$3"/*.patch; do
		[ -e "$p" ] || continue
		out=$(cd "$2" && perl scripts/checkpatch.pl "$p" 2>&1 | grep '^total:' || true)
		if [[ $out == "total: 0 errors, 0 warnings"* ]]; then
			result ok "$1 checkpatch $(basename "$p"): $out"
		else
			result FAIL "$1 checkpatch $(basename "$p"): ${out:-checkpatch did not run}"
		fi
	done
}

build_each_qemu() {	# $1 pristine tree
	local t=$WORK/qemu p
	rm -rf "$t" && mkdir -p "$t" && cp -a "$1" "$t/src" && mkdir "$t/src/build"
	export CCACHE_BASEDIR=$t/src
	# the configure flags of the artifact's QEMU, as env/build-qemu.sh reports them
	local flags
	flags=$(bash "$UINTRLAB_ROOT/env/build-qemu.sh" --inputs |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["configure_flags"])') ||
		{ result FAIL "env/build-qemu.sh --inputs failed"; return; }
	# shellcheck disable=SC2086  # the flags are words
	(cd "$t/src/build" && ../configure --cc="$cc" $flags >"$t/configure.log" 2>&1) ||
		{ result FAIL "qemu configure failed ($t/configure.log)"; return; }
	for p in "$UINTRLAB_ROOT"/env/qemu/patches/*.patch; do
		patch -d "$t/src" -p1 --batch --quiet <"$p" || { result FAIL "qemu $(basename "$p") does not apply"; return; }
		if (cd "$t/src/build" && make -j"$(nproc)" qemu-system-x86_64 >"$t/build.log" 2>&1); then
			result ok "qemu build after $(basename "$p")"
		else
			result FAIL "qemu build after $(basename "$p") ($t/build.log)"
			return
		fi
	done
	rm -rf "$t"
}

build_each_kernel() {	# $1 pristine tree
	local t=$WORK/kernel p K
	rm -rf "$t" && mkdir -p "$t" && cp -al "$1" "$t/src"
	export CCACHE_BASEDIR=$t KBUILD_BUILD_TIMESTAMP=check KBUILD_BUILD_USER=uintrlab KBUILD_BUILD_HOST=uintrlab
	K=(make -C "$t/src" O="$t/obj" CC="$cc" -j"$(nproc)")
	"${K[@]}" tinyconfig >/dev/null
	for p in "$UINTRLAB_ROOT"/kernel/patches/*.patch; do
		patch -d "$t/src" -p1 --batch --quiet <"$p" || { result FAIL "kernel $(basename "$p") does not apply"; return; }
		# the fragment again: options a patch introduces are switched on as they appear
		"$t/src/scripts/kconfig/merge_config.sh" -m -O "$t/obj" "$t/obj/.config" \
			"$UINTRLAB_ROOT/kernel/guest.config" >/dev/null 2>&1
		"${K[@]}" olddefconfig >/dev/null
		if "${K[@]}" bzImage >"$t/build.log" 2>&1 && ! grep -q -E 'warning:|error:' "$t/build.log"; then
			result ok "kernel build after $(basename "$p")"
		else
			result FAIL "kernel build after $(basename "$p") (errors or warnings: $t/build.log)"
			return
		fi
	done
	rm -rf "$t"
}

for c in "${which[@]}"; do
	src=$("${c}_src")
	[ -d "$src" ] || die "no pristine $c tree at $src (run 'make $c' first)"
	if [ "$c" = qemu ]; then checkpatch qemu "$src" "$UINTRLAB_ROOT/env/qemu/patches"
	else checkpatch kernel "$src" "$UINTRLAB_ROOT/kernel/patches"; fi
	[ $build_each = 0 ] || "build_each_$c" "$src"
done
exit $failed
