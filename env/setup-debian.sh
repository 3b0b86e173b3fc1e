#!/usr/bin/env bash
# Install the Debian packages listed in env/debian-packages.txt that are missing,
# and make sure a deb-src entry exists (apt-get source qemu needs it).
# A package whose version env/pins.env pins (linux-source-6.1) is installed at exactly
# that version while the archive serves it (a newer candidate is not taken); when the
# archive no longer does, the candidate is kept with a loud warning, and the build
# scripts record the version used.
# Idempotent: prints what it does; exits non-zero naming a package it could not get.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/debian-packages.txt" | grep -v '^$')
# shellcheck source=pins.env
. "$here/pins.env"
declare -A pin=([linux-source-6.1]=$LINUX_SOURCE_DEB_VERSION)

# the installed version of a package, empty if it is not installed (never fails)
installed_version() { { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null || true; } | sed -n 's/^install ok installed //p'; }

# whether apt's package lists (local, no network) offer a version of a package
served() {
	local versions
	versions=$(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' || true)
	grep -qxF "$2" <<<"$versions"
}

# missing: not installed, or a pinned package at another version that the archive serves
# (once the archive drops a pinned version, the installed candidate is kept; the build
# scripts warn and record the version they use)
missing=()
for p in "${pkgs[@]}"; do
	v=$(installed_version "$p")
	if [ -z "$v" ] || { [ -n "${pin[$p]:-}" ] && [ "$v" != "${pin[$p]}" ] && served "$p" "${pin[$p]}"; }; then
		missing+=("$p")
	fi
done

have_src() {
	grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

if ! have_src; then
	echo "setup-debian: adding deb-src entries (needed for 'apt-get source qemu')"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		$sudo sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
	else
		echo "deb-src http://deb.debian.org/debian bookworm main" |
			$sudo tee /etc/apt/sources.list.d/uintrlab-src.list >/dev/null
	fi
	need_update=1
fi

if [ ${#missing[@]} -eq 0 ] && [ -z "${need_update:-}" ]; then
	echo "setup-debian: all ${#pkgs[@]} Debian packages present"
	exit 0
fi

echo "setup-debian: apt-get update"
$sudo apt-get update -q >/dev/null || { echo "setup-debian: apt-get update failed" >&2; exit 1; }
# pinned packages: name the version when the archive serves it
want=()
for p in "${missing[@]}"; do
	if [ -n "${pin[$p]:-}" ]; then
		if served "$p" "${pin[$p]}"; then
			want+=("$p=${pin[$p]}")
		else
			echo "setup-debian: WARNING: pinned $p ${pin[$p]} is not served by the archive; taking its candidate" >&2
			[ -n "$(installed_version "$p")" ] || want+=("$p")
		fi
	else
		want+=("$p")
	fi
done
missing=("${want[@]}")
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-debian: installing ${missing[*]}"
	apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --allow-downgrades)
	if ! $sudo "${apt[@]}" "${missing[@]}" >/tmp/uintrlab-apt.log 2>&1; then
		for p in "${missing[@]}"; do
			$sudo "${apt[@]}" "$p" >>/tmp/uintrlab-apt.log 2>&1 ||
				{ echo "setup-debian: could not install Debian package '$p' (see /tmp/uintrlab-apt.log)" >&2; exit 1; }
		done
	fi
fi
echo "setup-debian: done"
