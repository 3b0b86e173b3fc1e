#!/usr/bin/env bash
# The artifact in Docker (Dockerfile at the repository root).
#
#   docker/run.sh image       build the image (every layer; Docker's cache skips what is current)
#   docker/run.sh test        build the image, then run 'make test' in it; exit status of the tests
#   docker/run.sh artifact    build the image, then run 'make artifact' in it with the host's
#                             data/, figures/ and reports/ mounted (PROFILE=quick|full)
#
# Made to work on a bare host: if no Docker daemon answers it starts dockerd (as root) and
# stops it again at the end; if debian:bookworm is absent and cannot be pulled it makes it
# with debootstrap (minbase) and 'docker import'; it passes the host's extra CA certificates
# (/usr/local/share/ca-certificates) into the build. Classic builder (DOCKER_BUILDKIT=0),
# no --privileged: QEMU runs TCG, the container needs no capability or device.
#
# Environment:
#   PROFILE                 quick (default) or full, for 'artifact'
#   UINTRLAB_IMAGE          image name (default uintr-event:latest)
#   UINTRLAB_DOCKER_TARGET  build only up to this Dockerfile stage (debian, python, qemu,
#                           kernel, guest; default: the whole image); 'image' only
#   UINTRLAB_DOCKER_NETWORK network of the test/artifact container (default none: the
#                           artifact runs offline; the image build has the network)
#   UINTRLAB_BOOKWORM_TAR   a rootfs tarball to import as debian:bookworm instead of
#                           running debootstrap (e.g. one saved from an earlier run)
#   DEBIAN_MIRROR           debootstrap mirror (default http://deb.debian.org/debian)
#   DOCKERD_WAIT            seconds to wait for a dockerd we start (default 60)
#   PULL_TIMEOUT            seconds to let 'docker pull debian:bookworm' try (default 60)
#   UINTRLAB_CA_DIR         where the host's extra CA certificates are
#                           (default /usr/local/share/ca-certificates; every *.crt below it)
set -euo pipefail

me=docker/run.sh
# log (standard output, time-stamped) and die from env/lib.sh; it also sets UINTRLAB_ROOT
LOG_NAME=$me LOG_FD=1 LOG_TIME=1
# shellcheck source=../env/lib.sh
. "$(dirname "$0")/../env/lib.sh"
usage() {
	sed -n '4,7s/^#//p' "$0" >&2    # the subcommands, from the header above
	exit 2
}

# Arguments first, before anything touches Docker.
[ $# -eq 1 ] || { echo "[$me] error: expected one subcommand (image, test or artifact), got $# arguments" >&2; usage; }
cmd=$1
case "$cmd" in
image | test | artifact) ;;
-h | --help | help) usage ;;
*) echo "[$me] error: unknown subcommand '$cmd' (use image, test or artifact)" >&2; usage ;;
esac
PROFILE=${PROFILE:-quick}
case "$PROFILE" in
quick | full) ;;
*) die "PROFILE must be 'quick' or 'full', not '$PROFILE'" ;;
esac
TARGET=${UINTRLAB_DOCKER_TARGET:-}
case "$TARGET" in
"" | debian | python | qemu | kernel | guest | artifact) ;;
*) die "UINTRLAB_DOCKER_TARGET must be one of debian, python, qemu, kernel, guest, artifact (or empty), not '$TARGET'" ;;
esac
[ -z "$TARGET" ] || [ "$TARGET" = artifact ] || [ "$cmd" = image ] ||
	die "UINTRLAB_DOCKER_TARGET=$TARGET builds a partial image; '$cmd' needs the whole one (unset it)"
for v in DOCKERD_WAIT PULL_TIMEOUT; do
	[[ ${!v:-60} =~ ^[0-9]+$ ]] || die "$v must be a number of seconds, not '${!v}'"
done

ROOT=$UINTRLAB_ROOT
IMAGE=${UINTRLAB_IMAGE:-uintr-event:latest}
BASE=debian:bookworm
NETWORK=${UINTRLAB_DOCKER_NETWORK:-none}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORKDIR=/opt/uintr-event    # the Dockerfile's WORKDIR
command -v docker >/dev/null || die "no 'docker' command (Debian: apt-get install docker.io)"

TMP=$(mktemp -d /tmp/uintr-event-docker.XXXXXX)
started_dockerd= copied_certs=()
cleanup() {
	local rc=$?
	[ ${#copied_certs[@]} -eq 0 ] || rm -f "${copied_certs[@]}"
	if [ -n "$started_dockerd" ]; then
		log "stopping the dockerd this script started (pid $started_dockerd)"
		kill "$started_dockerd" 2>/dev/null || true
		for _ in $(seq 30); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
		kill -0 "$started_dockerd" 2>/dev/null && echo "[$me] warning: dockerd $started_dockerd still running after 30 s" >&2
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

elapsed() { echo "$(($(date +%s) - $1)) s"; }

# --- the daemon -----------------------------------------------------------------------
ensure_daemon() {
	docker info >/dev/null 2>&1 && return
	command -v dockerd >/dev/null || die "no Docker daemon answers and there is no 'dockerd' to start (Debian: apt-get install docker.io)"
	[ "$(id -u)" -eq 0 ] || die "no Docker daemon answers; start it (e.g. 'sudo systemctl start docker') or run this as root so it can start dockerd"
	local wait=${DOCKERD_WAIT:-60} t0 dlog=$TMP/dockerd.log
	t0=$(date +%s)
	log "no Docker daemon answers: starting dockerd (log $dlog)"
	dockerd >"$dlog" 2>&1 &
	started_dockerd=$!
	for _ in $(seq "$wait"); do
		docker info >/dev/null 2>&1 && { log "dockerd ready after $(elapsed "$t0")"; return; }
		kill -0 "$started_dockerd" 2>/dev/null || {
			tail -15 "$dlog" >&2; started_dockerd=
			die "dockerd exited during start-up (last lines of its log above)"; }
		sleep 1
	done
	tail -15 "$dlog" >&2
	die "dockerd did not answer within $wait s (DOCKERD_WAIT; last lines of its log above)"
}

# --- debian:bookworm ------------------------------------------------------------------
# What the official image holds, made locally: a minbase debootstrap with the official
# image's apt sources (bookworm, bookworm-updates, bookworm-security).
make_base() {
	local t0 rootfs=$TMP/rootfs tarball
	t0=$(date +%s)
	if [ -n "${UINTRLAB_BOOKWORM_TAR:-}" ]; then
		[ -f "$UINTRLAB_BOOKWORM_TAR" ] || die "UINTRLAB_BOOKWORM_TAR=$UINTRLAB_BOOKWORM_TAR is not a file"
		tarball=$UINTRLAB_BOOKWORM_TAR
		log "importing $BASE from $tarball"
	else
		command -v debootstrap >/dev/null || die "$BASE is absent, cannot be pulled, and there is no 'debootstrap' to make it (Debian: apt-get install debootstrap)"
		[ "$(id -u)" -eq 0 ] || die "$BASE is absent and cannot be pulled; debootstrap needs root"
		log "making $BASE: debootstrap --variant=minbase bookworm from $MIRROR (a few minutes)"
		mkdir "$rootfs"
		debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 ||
			{ tail -15 "$TMP/debootstrap.log" >&2; die "debootstrap failed (last lines of its log above)"; }
		rm -f "$rootfs/etc/apt/sources.list"
		cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<-EOF
			Types: deb
			URIs: $MIRROR
			Suites: bookworm bookworm-updates
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

			Types: deb
			URIs: http://deb.debian.org/debian-security
			Suites: bookworm-security
			Components: main
			Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
		tarball=$TMP/bookworm.tar
		tar -C "$rootfs" --numeric-owner -cf "$tarball" .
		rm -rf "$rootfs"
	fi
	docker import --change 'CMD ["bash"]' --message "debootstrap --variant=minbase bookworm ($me)" \
		"$tarball" "$BASE" >/dev/null || die "docker import of $tarball as $BASE failed"
	[ "$tarball" = "${UINTRLAB_BOOKWORM_TAR:-}" ] || rm -f "$tarball"
	log "$BASE made locally in $(elapsed "$t0")"
}

ensure_base() {
	docker image inspect "$BASE" >/dev/null 2>&1 && return
	log "$BASE absent: trying 'docker pull $BASE' (at most ${PULL_TIMEOUT:-60} s)"
	if timeout "${PULL_TIMEOUT:-60}" docker pull -q "$BASE" >"$TMP/pull.log" 2>&1; then
		log "pulled $BASE"
		return
	fi
	log "pull failed ($(tail -1 "$TMP/pull.log")); making $BASE locally"
	make_base
}

# --- the image ------------------------------------------------------------------------
copy_host_certs() {
	local c rel dst names=() dir=${UINTRLAB_CA_DIR:-/usr/local/share/ca-certificates}
	[ -d "$dir" ] || return 0
	while IFS= read -r -d '' c; do
		# named by the path below $dir: equal base names in subfolders do not collide
		rel=${c#"$dir"/}
		dst=$ROOT/docker/ca/host-${rel//\//_}
		cp -L "$c" "$dst" || die "cannot copy $c into $ROOT/docker/ca"
		copied_certs+=("$dst") names+=("$rel")
	done < <(find -L "$dir" -name '*.crt' -type f -print0)
	[ ${#names[@]} -eq 0 ] || log "passing ${#names[@]} CA certificate(s) from $dir into the build: ${names[*]}"
}

build_image() {
	local t0 commit dirty target_args=() git
	t0=$(date +%s)
	copy_host_certs
	# safe.directory: root (needed to start dockerd) in a clone another user owns
	git=(git -c safe.directory="$ROOT" -C "$ROOT")
	commit=$("${git[@]}" rev-parse HEAD 2>/dev/null) || commit=unknown
	if [ "$commit" = unknown ]; then
		dirty=unknown
		log "WARNING: no git commit for $ROOT (not a git clone?): the image records 'unknown'"
	elif [ -n "$("${git[@]}" status --porcelain --untracked-files=no 2>/dev/null)" ]; then dirty=1
	else dirty=0; fi
	[ -z "$TARGET" ] || target_args=(--target "$TARGET")
	log "image build: start ($IMAGE${TARGET:+, up to stage $TARGET}; commit $commit, dirty $dirty)"
	if ! DOCKER_BUILDKIT=0 docker build --force-rm -t "$IMAGE" "${target_args[@]}" \
		--build-arg UINTRLAB_GIT_COMMIT="$commit" --build-arg UINTRLAB_GIT_DIRTY="$dirty" "$ROOT"; then
		die "image build failed after $(elapsed "$t0") (the failing step is above)"
	fi
	log "image build: done in $(elapsed "$t0")"
}

# --- running it -------------------------------------------------------------------------
# The container runs as root for 'test' (it writes nothing to the host) and as the
# invoking user (the user behind sudo, if any) for 'artifact', so that what it writes into
# the mounted folders belongs to that user. HOME=/tmp: a uid without a home in the image
# still has a writable HOME (matplotlib, Jupyter).
run_container() {	# $1 step name, rest: docker run arguments
	local step=$1 t0 rc=0
	shift
	t0=$(date +%s)
	log "$step: start"
	docker run --rm --init --network "$NETWORK" "$@" || rc=$?
	if [ "$rc" -eq 0 ]; then log "$step: passed in $(elapsed "$t0")"
	else log "$step: FAILED (exit status $rc) after $(elapsed "$t0")"; fi
	return "$rc"
}

t_all=$(date +%s)
ensure_daemon
ensure_base
build_image
rc=0
case "$cmd" in
image) ;;
test)
	run_container "make test in $IMAGE" "$IMAGE" make test || rc=$?
	;;
artifact)
	uid=${SUDO_UID:-$(id -u)} gid=${SUDO_GID:-$(id -g)}
	mounts=()
	for d in data figures reports; do
		mkdir -p "$ROOT/$d"
		[ -w "$ROOT/$d" ] || die "$ROOT/$d is not writable"
		mounts+=(-v "$ROOT/$d:$WORKDIR/$d")
	done
	run_container "make artifact PROFILE=$PROFILE in $IMAGE (as uid $uid)" \
		--user "$uid:$gid" -e HOME=/tmp -e PROFILE="$PROFILE" "${mounts[@]}" "$IMAGE" make artifact || rc=$?
	[ "$rc" -ne 0 ] || log "results on the host: $ROOT/data/runs, $ROOT/figures, $ROOT/reports"
	;;
esac
log "$cmd: total $(elapsed "$t_all")"
exit "$rc"
