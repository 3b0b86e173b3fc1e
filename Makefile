# uintr-event artifact. Two commands for a newcomer:
#   make artifact [PROFILE=quick|full]   build everything, run the experiments, analyse
#   make test                            build everything and run the test suite
# 'make help' lists every target, from the '##' comment beside it.
# Builds are cached outside the clone (UINTRLAB_CACHE, default ~/.cache/uintrlab),
# keyed by the inputs that determine them (env/build-qemu.sh --inputs, kernel/build-kernel.sh --inputs).

SHELL   := /bin/bash
PROFILE ?= quick
PY      := .venv/bin/python
export PYTHONPATH := $(CURDIR)
export UINTRLAB_CACHE ?= $(HOME)/.cache/uintrlab

.PHONY: all check-stress deps deps-debian deps-python qemu kernel guest plugins build test test-fast conformance check-patches artifact analysis report clean help docker-image docker-test docker-artifact

all: build ## the same as build

help: ## this list: every target and what it does
	@sed -n 's/^\([a-z][a-z-]*\):.*## \(.*\)$$/  make \1\t\2/p' Makefile | expand -t 28

deps: deps-debian deps-python ## the Debian packages and the pinned Python environment (.venv)

deps-debian: ## install the missing Debian packages of env/debian-packages.txt
	@bash env/setup-debian.sh

deps-python: deps-debian ## the pinned Python environment (env/requirements.txt) as .venv
	@bash env/setup-python.sh

qemu: deps-debian ## build our QEMU (Debian source + env/qemu/patches) into the cache
	@bash env/build-qemu.sh >/dev/null

kernel: deps-debian ## build the guest kernel (linux-source-6.1 + kernel/patches) into the cache
	@bash kernel/build-kernel.sh >/dev/null

guest: deps-debian ## the benchmark, the conformance suite, the guest initramfs, the bare-metal test
	@$(MAKE) -s -C csrc

# The TCG plugins (env/qemu/plugins/*.c) against the cached QEMU's plugin header, into
# csrc/build/plugins/ (the path-length plugin of 'run --path-lengths').
plugins: qemu ## the TCG plugins (env/qemu/plugins) against the cached QEMU's plugin header
	@$(MAKE) -s -C env/qemu/plugins QEMU_DIR="$$(bash env/build-qemu.sh --dir)" BUILD=$(CURDIR)/csrc/build/plugins

build: qemu kernel guest plugins ## qemu, kernel, guest and plugins

# Unit, native, guest (end-to-end) and notebook tests.
test: deps build ## build everything and run the test suite (not the stress counts)
	$(PY) -m pytest -q -m "not stress" tests

# The UINTR conformance suite in the guest: with UINTR (-cpu max) and without (max,-uintr).
conformance: deps build ## boot the guest and run the UINTR conformance suite (with and without UINTR)
	$(PY) -m uintrlab conformance

# checkpatch.pl of each tree on every patch of its series; BUILD_EACH=1 also builds the
# tree after each patch (slow: one build per patch).
check-patches: deps-debian ## checkpatch every QEMU and kernel patch; BUILD_EACH=1 also builds each prefix
	@bash scripts/check-patches.sh $(if $(BUILD_EACH),--build-each)

# Only the tests that need no QEMU or kernel build.
test-fast: deps guest ## the tests that need no QEMU or kernel build
	$(PY) -m pytest -q -m "not guest and not stress" tests

# The full-length race and stress counts (the bare-metal test's 300 000 SENDUIPIs, ...).
check-stress: deps build ## the full-length race and stress counts that make test shortens
	$(PY) -m pytest -q -m stress tests

artifact: deps build ## build, run the experiments of PROFILE (quick|full), analyse
	@bash scripts/artifact.sh $(PROFILE)

# The whole analysis of runs, as make artifact does it after its runs (scripts/analyse.sh):
# RUN names one run directory or several (space-separated); counting runs (run --path-lengths)
# among them get notebook 04 and the report's Path lengths section.
analysis: deps-python ## RUN="data/runs/<id> ...": notebooks 02 and 03 (latency runs), 04 (counting runs), figures/, the report
	@bash scripts/analyse.sh "$(RUN)"

# The analysis of a run as one self-contained HTML page, reports/report-<run-id>.html
# (figures also into figures/). RUN: run directories (default: the most recent run); a
# counting run among them adds the Path lengths section.
RUN ?=
REPORT_ARGS ?=
report: deps-python ## [RUN=data/runs/<id>] one self-contained HTML page of the analysis
	$(PY) -m uintrlab report $(RUN) --figures-dir figures $(REPORT_ARGS)

# The artifact in Docker (docker/run.sh: makes debian:bookworm locally when it cannot be
# pulled, starts dockerd when none answers, builds with the classic builder).
docker-image: ## build the Docker image (starts dockerd if needed)
	@bash docker/run.sh image

docker-test: ## build the image if needed, run make test in it
	@bash docker/run.sh test

docker-artifact: ## build the image if needed, make artifact in it (data/, figures/, reports/ mounted)
	@PROFILE=$(PROFILE) bash docker/run.sh artifact

clean: ## remove csrc/build and pytest's cache (the build cache stays)
	$(MAKE) -s -C csrc clean
	rm -rf .pytest_cache
