# Shared helpers for the build scripts and docker/run.sh (sourced, not run).
# shellcheck shell=bash
UINTRLAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UINTRLAB_CACHE=${UINTRLAB_CACHE:-$HOME/.cache/uintrlab}
# shellcheck source=pins.env
. "$UINTRLAB_ROOT/env/pins.env"

# log and die: "[name] message"; a script may set before sourcing LOG_NAME (default its
# file name), LOG_FD (default 2: standard error) and LOG_TIME=1 (a UTC time stamp).
LOG_NAME=${LOG_NAME:-$(basename "$0")}
log() { echo "[$LOG_NAME${LOG_TIME:+ $(date -u +%Y-%m-%dT%H:%M:%SZ)}] $*" >&"${LOG_FD:-2}"; }
die() { echo "[$LOG_NAME] error: $*" >&2; exit 1; }

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

# Version of an installed Debian package (empty if it is not installed).
deb_installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# The compiler a build uses, as recorded: gcc's version and its Debian package's.
compiler_id() {
	local v
	v=$(gcc -dumpfullversion 2>/dev/null) || die "no gcc (run env/setup-debian.sh)"
	echo "gcc $v (Debian gcc-${v%%.*} $(deb_installed_version "gcc-${v%%.*}"))"
}

# A JSON string (backslash and double quote escaped; the values here have no control
# characters).
json_str() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}

# A JSON object from NAME=VALUE arguments; a value that starts with [ or { is written
# as it is (already JSON), any other as a string.
json_object() {
	local kv sep= v
	printf '{'
	for kv in "$@"; do
		v=${kv#*=}
		printf '%s\n  %s: ' "$sep" "$(json_str "${kv%%=*}")"
		case "$v" in
		\[* | \{*) printf '%s' "$v" ;;
		*) json_str "$v" ;;
		esac
		sep=,
	done
	printf '\n}\n'
}

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

# The cache key of a build: a hash of the inputs that determine its binaries, one
# NAME=VALUE per argument (not of the script's text: a comment or a refactoring of a
# script changes no key; a change of how a script builds bumps its RECIPE input).
inputs_key() {
	printf '%s\n' "$@" | sha256sum | cut -c1-16
}

# Command-line dispatch shared by the build scripts: $1 cache dir, $2 the product's path
# inside it, $3 the key, $4 the inputs (JSON), $5 a one-line description for the log,
# then the script's own arguments. Prints and exits for --path/--key/--dir/--inputs and
# for a completed cached build; returns (so the caller builds) when there are no
# arguments and no cached build.
cache_dispatch() {
	local out=$1 product=$2 key=$3 inputs=$4 what=$5
	shift 5
	case "${1:-}" in
	--path) echo "$out/$product"; exit 0 ;;
	--key) echo "$key"; exit 0 ;;
	--dir) echo "$out"; exit 0 ;;
	--inputs) echo "$inputs"; exit 0 ;;
	"") ;;
	*) die "unknown option '$1' (use --path, --dir, --key or --inputs)" ;;
	esac
	if [ -f "$out/.complete" ]; then
		log "cached: $out ($what)"
		echo "$out/$product"
		exit 0
	fi
}

# The shared ending of a build: $1 the finished build's staging directory, $2 its final
# place, then NAME=VALUE pairs: the inputs and what only the build knows. Writes
# provenance.json (those, the cache key and the time), then moves the build into place
# and marks it complete, so that no reader ever sees half a build.
finish_build() {
	local tmp=$1 out=$2
	shift 2
	json_object "$@" "cache_key=$(basename "$out")" "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		>"$tmp/provenance.json"
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/provenance.json" ||
		die "wrote invalid JSON to $tmp/provenance.json"
	rm -rf "$out" && mv "$tmp" "$out" && touch "$out/.complete"
}
