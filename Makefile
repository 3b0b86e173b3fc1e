# uintr-event artifact. Two commands for a newcomer:
#   make artifact [PROFILE=quick|full]   build everything, run the experiments, analyse
#   make test                            build everything and run the test suite
#   make conformance                     boot the guest and run the UINTR conformance suite
#   make check-patches [BUILD_EACH=1]    checkpatch every QEMU and kernel patch (and build each prefix)
#   make analysis RUN=data/runs/<id>     notebooks 02 and 03 (+HTML), figures/, the report of one run
#   make report [RUN=data/runs/<id>]     one HTML page of every table and figure (default: latest run)
#   make docker-image                    build the Docker image (Dockerfile; starts dockerd if needed)
#   make docker-test                     build the image if needed, run 'make test' in it
#   make docker-artifact [PROFILE=...]   build the image if needed, 'make artifact' in it (data/, figures/, reports/ mounted)
# Builds are cached outside the clone (UINTRLAB_CACHE, default ~/.cache/uintrlab),
# keyed by source version, patch series and configuration.

SHELL   := /bin/bash
PROFILE ?= quick
PY      := .venv/bin/python
export PYTHONPATH := $(CURDIR)
export UINTRLAB_CACHE ?= $(HOME)/.cache/uintrlab

.PHONY: all deps deps-debian deps-python qemu kernel guest build test test-fast conformance check-patches artifact analysis report clean help docker-image docker-test docker-artifact

all: build

help:
	@sed -n 's/^#   //p' Makefile

deps: deps-debian deps-python

deps-debian:
	@bash env/setup-debian.sh

deps-python: deps-debian
	@bash env/setup-python.sh

qemu: deps-debian
	@bash env/build-qemu.sh >/dev/null

kernel: deps-debian
	@bash kernel/build-kernel.sh >/dev/null

guest: deps-debian
	@$(MAKE) -s -C csrc

build: qemu kernel guest

# Unit, native, guest (end-to-end) and notebook tests.
test: deps build
	$(PY) -m pytest -q tests

# The UINTR conformance suite in the guest: with UINTR (-cpu max) and without (max,-uintr).
conformance: deps build
	$(PY) -m uintrlab conformance

# checkpatch.pl of each tree on every patch of its series; BUILD_EACH=1 also builds the
# tree after each patch (slow: one build per patch).
check-patches: deps-debian
	@bash scripts/check-patches.sh $(if $(BUILD_EACH),--build-each)

# Only the tests that need no QEMU or kernel build.
test-fast: deps guest
	$(PY) -m pytest -q -m "not guest" tests

artifact: deps build
	@bash scripts/artifact.sh $(PROFILE)

# The whole analysis of one run, as make artifact does it after its runs (scripts/analyse.sh).
analysis: deps-python
	@bash scripts/analyse.sh "$(RUN)"

# The analysis of a run as one self-contained HTML page, reports/report-<run-id>.html
# (figures also into figures/). RUN: run directories (default: the most recent run).
RUN ?=
REPORT_ARGS ?=
report: deps-python
	$(PY) -m uintrlab report $(RUN) --figures-dir figures $(REPORT_ARGS)

# The artifact in Docker (docker/run.sh: makes debian:bookworm locally when it cannot be
# pulled, starts dockerd when none answers, builds with the classic builder).
docker-image:
	@bash docker/run.sh image

docker-test:
	@bash docker/run.sh test

docker-artifact:
	@PROFILE=$(PROFILE) bash docker/run.sh artifact

clean:
	$(MAKE) -s -C csrc clean
	rm -rf .pytest_cache
