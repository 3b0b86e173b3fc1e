#!/usr/bin/env bash
# Create the pinned Python environment (env/requirements.txt) and link it as .venv.
# The environment lives in the build cache, keyed by the lock file and the Python
# version, so a fresh clone on a warm machine reuses it; any change of the lock makes
# a new one. Idempotent; prints what it does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || die "no '$PY' on PATH (install Debian package python3)"
"$PY" -c 'import venv' 2>/dev/null || die "'$PY' has no venv module (install Debian package python3-venv)"
pyver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
lockpy=$(sed -n '1s/.*Python \([0-9.]*\).*/\1/p' "$UINTRLAB_ROOT/env/requirements.txt")
[ "$pyver" = "$lockpy" ] || log "WARNING: env/requirements.txt was locked for Python $lockpy, this is $pyver"
KEY=$( { echo "$pyver"; cat "$UINTRLAB_ROOT/env/requirements.txt"; } | sha256sum | cut -c1-16)
VENV=$UINTRLAB_CACHE/venv/$KEY
LINK=$UINTRLAB_ROOT/.venv

if [ ! -f "$VENV/.complete" ]; then
	log "creating Python environment $VENV (pinned by env/requirements.txt)"
	rm -rf "$VENV"
	"$PY" -m venv "$VENV"
	"$VENV/bin/pip" install -q --disable-pip-version-check -r "$UINTRLAB_ROOT/env/requirements.txt" ||
		die "pip could not install env/requirements.txt (the line it names above is the package it could not get)"
	"$VENV/bin/python" -m ipykernel install --prefix "$VENV" --name python3 >/dev/null
	touch "$VENV/.complete"
fi
if [ "$(readlink "$LINK" 2>/dev/null)" != "$VENV" ]; then
	[ -e "$LINK" ] && [ ! -L "$LINK" ] && die "$LINK exists and is not our link; remove it"
	ln -sfn "$VENV" "$LINK"
	log ".venv -> $VENV"
fi
log "Python environment ready ($pyver, $(wc -l <"$UINTRLAB_ROOT/env/requirements.txt") pins)"
