"""Where the built components live, and what they were built from.

QEMU and the guest kernel are built by shell scripts into a cache outside the clone;
the scripts themselves compute the cache key (``--path``), so this module never
guesses a path and can never pick up a stale build. The benchmark and the guest
initramfs are built by ``csrc/Makefile``; ``make -q`` tells whether they are current.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
NATIVE_BENCH = CSRC / "build" / "native" / "uintr-bench"
GUEST_INITRAMFS = CSRC / "build" / "guest" / "initramfs.cpio"

_SCRIPTS = {
    "qemu": (ROOT / "env" / "build-qemu.sh", "make qemu"),
    "kernel": (ROOT / "kernel" / "build-kernel.sh", "make kernel"),
}


class MissingBuild(RuntimeError):
    """A component is not built (or not current); the message names the make target."""


def _script(kind: str, *args: str) -> str:
    script, target = _SCRIPTS[kind]
    try:
        out = subprocess.run(["bash", str(script), *args], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as e:
        raise MissingBuild(f"cannot locate the {kind} build ({e.stderr.strip()}); run '{target}'") from e
    return out.stdout.strip()


_FILES = {"qemu": "bin/qemu-system-x86_64", "kernel": "bzImage"}


def inputs(kind: str) -> dict:
    """What determines the QEMU or kernel build, as its build script reports it
    (``--inputs``: sources, patch series, configuration, compiler, recipe, cache key);
    computed without building."""
    try:
        return json.loads(_script(kind, "--inputs"))
    except ValueError as e:
        raise MissingBuild(f"{_SCRIPTS[kind][0].name} --inputs printed no JSON ({e})") from e


def build_dir(kind: str) -> Path:
    """Cache directory of the QEMU or kernel build for the current inputs, if complete."""
    d = Path(_script(kind, "--dir"))
    if not (d / ".complete").exists():
        raise MissingBuild(f"{kind} is not built for the current sources and patches "
                           f"(expected {d}); run '{_SCRIPTS[kind][1]}'")
    return d


def component(kind: str) -> Path:
    """Path of the built QEMU binary or kernel bzImage for the current inputs."""
    return build_dir(kind) / _FILES[kind]


def provenance(kind: str) -> dict:
    """The provenance.json written beside a cached build."""
    return json.loads((build_dir(kind) / "provenance.json").read_text())


VARIANTS = CSRC / "build" / "variants"      # make -C csrc variants: one build per wait design


def native_bench(variant: str | None = None) -> Path:
    """The native benchmark: the default build, or a wait-design variant's."""
    return NATIVE_BENCH if variant is None else VARIANTS / variant / "native" / "uintr-bench"


def guest_initramfs(variant: str | None = None) -> Path:
    """The guest initramfs: the default build, or a wait-design variant's."""
    return GUEST_INITRAMFS if variant is None else VARIANTS / variant / "guest" / "initramfs.cpio"


def check_csrc(target: str, variant: str | None = None) -> None:
    """Fail unless csrc's binaries (of a wait-design variant, if given) exist and are up to
    date with their sources."""
    need = native_bench(variant) if target == "native" else guest_initramfs(variant)
    extra = [] if variant is None else [f"BUILD=build/variants/{variant}", f"WAIT_DESIGN={variant}"]
    q = subprocess.run(["make", "-s", "-q", "-C", str(CSRC), *extra, str(need.relative_to(CSRC))],
                       capture_output=True)
    if not need.exists() or q.returncode != 0:
        how = "'make guest'" if variant is None else "'make -C csrc variants'"
        raise MissingBuild(f"{need.relative_to(ROOT)} is missing or older than its sources; run {how}")


@dataclass(frozen=True)
class BenchListing:
    """What ``uintr-bench --list`` says: every mechanism with the modes it supports (in
    the benchmark's order), and those that cannot run on this machine, with the reason."""
    modes: dict[str, tuple[str, ...]]
    unavailable: dict[str, str]


def parse_listing(text: str, source: str = "uintr-bench --list") -> BenchListing:
    """Parse ``--list`` output: one line per mechanism, ``NAME MODE... [# unavailable: WHY]``
    (a comment that does not start with "unavailable" is ignored)."""
    modes: dict[str, tuple[str, ...]] = {}
    unavailable: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        words, _, comment = line.partition("#")
        words, comment = words.split(), comment.strip()
        if not words:           # blank, or a comment line
            continue
        if words[0] in modes:
            raise ValueError(f"{source}: line {n}: mechanism {words[0]!r} listed twice")
        modes[words[0]] = tuple(words[1:])
        if comment.startswith("unavailable"):
            unavailable[words[0]] = comment.partition(":")[2].strip() or comment
    if not modes:
        raise ValueError(f"{source}: lists no mechanism")
    return BenchListing(modes, unavailable)


_LISTINGS: dict[tuple, BenchListing] = {}


def bench_listing(bench: Path | None = None) -> BenchListing:
    """``--list`` of a benchmark binary (default: the native one, which must be current),
    run once per binary: cached by its path, size and modification time."""
    if bench is None:
        check_csrc("native")
        bench = NATIVE_BENCH
    st = Path(bench).stat()
    key = (str(Path(bench).resolve()), st.st_size, st.st_mtime_ns)
    if key not in _LISTINGS:
        out = subprocess.run([str(bench), "--list"], check=True, capture_output=True,
                             text=True).stdout
        _LISTINGS[key] = parse_listing(out, f"{bench} --list")
    return _LISTINGS[key]


def unavailable_natively() -> dict[str, str]:
    """Mechanisms the native benchmark says cannot run on this host, with its reason
    (the UINTR mechanisms on a CPU or kernel without user interrupts)."""
    return dict(bench_listing().unavailable)


def list_mechanisms() -> dict[str, tuple[str, ...]]:
    """Mechanisms and their modes, as the benchmark itself reports them (--list)."""
    return dict(bench_listing().modes)
