#!/usr/bin/env bash
# Wall time of 'make artifact PROFILE=quick' from a cold build cache and from a warm one.
#
#   benchmarks/artifact-wall-time.sh [cold|warm|both]      (default: both)
#
# cold: a fresh, empty UINTRLAB_CACHE (QEMU, kernel and the Python environment are built
# from scratch; Debian packages are assumed installed); warm: the default cache, built.
# Prints one line per measurement: "<kind> <seconds> s".
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-both}
measure() {
	local kind=$1 t0
	t0=$(date +%s.%N)
	make artifact PROFILE=quick >"/tmp/uintrlab-artifact-$kind.log" 2>&1 ||
		{ echo "$kind: make artifact failed (log /tmp/uintrlab-artifact-$kind.log)" >&2; return 1; }
	printf '%s %.0f s\n' "$kind" "$(echo "$(date +%s.%N) - $t0" | bc)"
}
if [ "$what" = cold ] || [ "$what" = both ]; then
	cold=$(mktemp -d /tmp/uintrlab-cold-cache.XXXX)
	# a cold cache must not keep the clone's .venv link pointing into the warm cache
	UINTRLAB_CACHE=$cold measure cold    # ccache lives in the cache too: cold
	rm -rf "$cold"
	bash env/setup-python.sh >/dev/null 2>&1    # relink .venv to the warm cache
fi
if [ "$what" = warm ] || [ "$what" = both ]; then
	make -s build >/dev/null
	measure warm
fi
