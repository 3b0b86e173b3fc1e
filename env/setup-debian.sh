#!/usr/bin/env bash
# Install the Debian packages listed in env/debian-packages.txt that are missing,
# and make sure a deb-src entry exists (apt-get source qemu needs it).
# Idempotent: prints what it does; exits non-zero naming a package it could not get.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$here/debian-packages.txt" | grep -v '^$')

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
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
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup-debian: installing ${missing[*]}"
	if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/uintrlab-apt.log 2>&1; then
		for p in "${missing[@]}"; do
			DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$p" >/dev/null 2>&1 ||
				{ echo "setup-debian: could not install Debian package '$p' (see /tmp/uintrlab-apt.log)" >&2; exit 1; }
		done
	fi
fi
echo "setup-debian: done"
