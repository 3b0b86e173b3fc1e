# Shared helpers for the build scripts (sourced, not run).
# shellcheck shell=bash
UINTRLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UINTRLAB_CACHE=${UINTRLAB_CACHE:-$HOME/.cache/uintrlab}
# shellcheck source=pins.env
. "$UINTRLAB_ROOT/env/pins.env"

log() { echo "[$(basename "$0")] $*" >&2; }
die() { echo "[$(basename "$0")] error: $*" >&2; exit 1; }

# Hash of a patch series: the names and contents of the files, in application order.
series_hash() {
	local dir=$1 f
	{
		for f in "$dir"/*.patch; do
			[ -e "$f" ] || continue
			echo "== $(basename "$f")"
			cat "$f"
		done
	} | sha256sum | cut -c1-16
}

# Apply a patch series in order; fail naming the patch that does not apply.
apply_series() {
	local dir=$1 tree=$2 f
	for f in "$dir"/*.patch; do
		[ -e "$f" ] || continue
		log "applying $(basename "$f")"
		patch -d "$tree" -p1 --batch --forward --quiet <"$f" ||
			die "patch $(basename "$f") does not apply to $tree"
	done
}

# Version of a binary package apt would install, or the installed one.
deb_installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# JSON array of the patch file names of a series, in order.
patch_names_json() {
	local f sep=
	printf '['
	for f in "$1"/*.patch; do
		[ -e "$f" ] || continue
		printf '%s"%s"' "$sep" "$(basename "$f")"
		sep=,
	done
	printf ']'
}

# Command-line dispatch shared by the build scripts: $1 cache dir, $2 the product's path
# inside it, $3 the key, $4 a one-line description for the log, then the script's own
# arguments. Prints and exits for --path/--key/--dir and for a completed cached build;
# returns (so the caller builds) when there are no arguments and no cached build.
cache_dispatch() {
	local out=$1 product=$2 key=$3 what=$4
	shift 4
	case "${1:-}" in
	--path) echo "$out/$product"; exit 0 ;;
	--key) echo "$key"; exit 0 ;;
	--dir) echo "$out"; exit 0 ;;
	"") ;;
	*) die "unknown option '$1' (use --path, --dir or --key)" ;;
	esac
	if [ -f "$out/.complete" ]; then
		log "cached: $out ($what)"
		echo "$out/$product"
		exit 0
	fi
}
