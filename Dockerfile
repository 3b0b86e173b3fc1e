# The uintr-event artifact in one image: Debian 12, the pinned Python environment, our
# QEMU and guest kernel (built from Debian's source packages plus our patch series) and
# the benchmark, all built at image build time. Default command: make artifact.
#
#   make docker-image | docker-test | docker-artifact [PROFILE=quick|full]   (docker/run.sh)
#
# docker/run.sh creates debian:bookworm locally (debootstrap + docker import) when it
# cannot be pulled, starts dockerd if needed and copies the host's extra CA certificates
# into docker/ca/. Plain 'DOCKER_BUILDKIT=0 docker build -t uintr-event .' works too.
#
# Layers go from what changes least to what changes most; each build step copies only
# the files it reads, so a change of the analysis code rebuilds the last layer only.
# The stages are named so that a partial image can be built with --target:
#   debian (packages) -> python (venv) -> qemu -> kernel -> guest (csrc) -> artifact.
# Classic builder syntax only (no BuildKit features).

FROM debian:bookworm AS debian

# The repository lives here with its layout unchanged (the build scripts key their caches
# by their inputs, so the paths they read are the repository's); builds go to the cache.
ENV UINTRLAB_CACHE=/opt/uintrlab-cache \
    LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /opt/uintr-event

# (a) Extra CA certificates (docker/ca/*.crt, filled by docker/run.sh from the host's
#     /usr/local/share/ca-certificates; HTTPS to PyPI needs them where egress is
#     intercepted) and the Debian packages of env/debian-packages.txt.
COPY docker/ca/ /tmp/uintrlab-ca/
COPY env/setup-debian.sh env/debian-packages.txt env/pins.env env/
RUN set -eu; \
    mkdir -p /usr/local/share/ca-certificates/uintrlab; \
    for c in /tmp/uintrlab-ca/*.crt; do \
        if [ -e "$c" ]; then cp "$c" /usr/local/share/ca-certificates/uintrlab/; fi; \
    done; \
    rm -rf /tmp/uintrlab-ca; \
    bash env/setup-debian.sh; \
    update-ca-certificates >/dev/null; \
    apt-get clean
# apt's lists stay: build-qemu.sh asks 'apt-cache showsrc qemu' for the pinned version.

# (b) The pinned Python environment, with Debian's python3 (3.11.2).
FROM debian AS python
COPY env/setup-python.sh env/lib.sh env/pins.env env/requirements.txt env/
RUN PYTHON=/usr/bin/python3 bash env/setup-python.sh && \
    .venv/bin/python -c 'import sys; print("venv python", sys.version)'

# (c) QEMU with our patch series (ccache off: the image keeps no compiler cache).
FROM python AS qemu
COPY env/build-qemu.sh env/
COPY env/qemu/ env/qemu/
RUN CCACHE_DISABLE=1 bash env/build-qemu.sh

# (d) The guest kernel with our patch series.
FROM qemu AS kernel
COPY kernel/ kernel/
RUN CCACHE_DISABLE=1 bash kernel/build-kernel.sh

# (e) The benchmark (native and static for the guest), the conformance suite, the
#     initramfs and the bare-metal test.
FROM kernel AS guest
COPY csrc/ csrc/
RUN make -s -C csrc

# (f) The rest of the repository (see .dockerignore: no .git, no committed runs, no
#     figures/ or reports/). 'make artifact' writes to data/, figures/ and reports/:
#     mount them from the host (docker/run.sh artifact does).
FROM guest AS artifact
COPY . .
# Any user may run the container (docker/run.sh runs 'artifact' as the invoking user, so
# that what lands in the mounted data/, figures/ and reports/ is theirs): the repository is
# writable by all, and so is the cache's top level (new entries, e.g. the analysis cache;
# the builds in it stay read-only).
# (the host's CA certificates came in with the context; layer (a) installed them already)
RUN rm -f docker/ca/host-*.crt && \
    chmod -R a+rwX /opt/uintr-event && chmod 1777 "$UINTRLAB_CACHE"
# Without .git in the image, the commit comes in here (docker/run.sh passes it).
ARG UINTRLAB_GIT_COMMIT=unknown
ARG UINTRLAB_GIT_DIRTY=unknown
ENV UINTRLAB_GIT_COMMIT=$UINTRLAB_GIT_COMMIT \
    UINTRLAB_GIT_DIRTY=$UINTRLAB_GIT_DIRTY \
    PROFILE=quick
CMD ["make", "artifact"]
