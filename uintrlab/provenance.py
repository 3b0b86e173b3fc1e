"""What the artifact is built from, here and now, and whether a run was made with it.

``current()`` collects it: for QEMU and the guest kernel the provenance.json of the cached
build for the current inputs, or, when that build is missing, the inputs as the build
script itself reports them (``--inputs``: cache key, patch-series hash, Debian version,
checksums, configure flags or config hash, compiler) marked "not built"; the Debian packages installed, the Python lock and interpreter, gcc,
the git commit. ``check_run()`` compares what a run's metadata.json recorded about its
builds with that (``python -m uintrlab provenance --check RUN``; the report shows it).

``git_state()`` is the one place that asks git for the artifact's commit (the runner's
metadata and the report use it). Without a usable git (no ``.git``, e.g. inside a Docker
image), it falls back to the environment variable ``UINTRLAB_GIT_COMMIT``, then to
"unknown"; whether the tree has uncommitted changes is then unknown (``None``).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from . import builds
from .data import DataError

GIT_COMMIT_ENV = "UINTRLAB_GIT_COMMIT"
GIT_DIRTY_ENV = "UINTRLAB_GIT_DIRTY"
PINS = builds.ROOT / "env" / "pins.env"
LOCK = builds.ROOT / "env" / "requirements.txt"
DEBIAN_PACKAGES = builds.ROOT / "env" / "debian-packages.txt"
PATCHES = {"qemu": builds.ROOT / "env" / "qemu" / "patches",
           "kernel": builds.ROOT / "kernel" / "patches"}
KERNEL_FRAGMENT = builds.ROOT / "kernel" / "guest.config"
KERNEL_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
# the fields of a build's provenance.json that determine its binaries: the sources (Debian
# version and checksum, our patch series), how they are configured (QEMU's configure flags,
# the options of the kernel's config fragment), the compiler, and the build script's
# RECIPE number (bumped when a script changes what it builds). Not compared: the cache key
# and the script's text (a comment or a refactoring of a build script orphans no run),
# the build time, and the file names that follow from the compared fields.
COMPARED = {
    "qemu": ("debian_version", "dsc_sha256", "patch_series_sha256_16", "configure_flags",
             "compiler", "recipe"),
    "kernel": ("debian_version", "tarball_sha256", "patch_series_sha256_16",
               "config_options_sha256", "compiler", "recipe"),
}


def _run(cmd: list[str], timeout: float = 60) -> str | None:
    """A command's stripped standard output, or None if it fails or is missing."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def _git(*args: str) -> str | None:
    """git's output in the artifact's tree, or None if git fails or is missing."""
    # safe.directory: root reading a clone another user owns (sudo make ...) is fine
    return _run(["git", "-c", f"safe.directory={builds.ROOT}", "-C", str(builds.ROOT), *args],
                timeout=30)


def git_state(*pathspec: str) -> dict:
    """The artifact's commit and whether tracked files differ from it (only under
    ``pathspec`` if given): ``{"git_commit", "git_dirty", "git_source"}``.

    git_source is "git", "UINTRLAB_GIT_COMMIT" (git unusable, the variable set: dirty
    from UINTRLAB_GIT_DIRTY, 1 or 0, else None, unknown) or "unknown" (neither; the
    commit is "unknown"). A git repository that is not this tree's own (a clone copied
    inside another repository) is not used."""
    out = _git("rev-parse", "--show-toplevel", "HEAD")
    lines = out.splitlines() if out else []
    if len(lines) == 2 and Path(lines[0]).resolve() == builds.ROOT:
        status = _git("status", "--porcelain", "--untracked-files=no",
                      *(("--", *pathspec) if pathspec else ()))
        return {"git_commit": lines[1], "git_dirty": None if status is None else bool(status),
                "git_source": "git"}
    env = os.environ.get(GIT_COMMIT_ENV, "").strip()
    if env:
        # docker/run.sh also passes UINTRLAB_GIT_DIRTY: 1, 0 or unknown (whole tree)
        dirty = {"1": True, "0": False}.get(os.environ.get(GIT_DIRTY_ENV, "").strip())
        return {"git_commit": env, "git_dirty": dirty, "git_source": GIT_COMMIT_ENV}
    return {"git_commit": "unknown", "git_dirty": None, "git_source": "unknown"}


# --------------------------------------------------------------------------
# what is current
# --------------------------------------------------------------------------
def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def pins() -> dict:
    """The pinned Debian source versions of env/pins.env."""
    out = {}
    for line in PINS.read_text().splitlines():
        m = re.match(r"^([A-Z_]+)=(\S+)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def build_state(kind: str) -> dict:
    """The current QEMU or kernel build: ``status`` "built" with its provenance.json,
    "not built" with the inputs as the build script reports them (``--inputs``, with
    its ``cache_key``) and the ``path`` they map to, or "unavailable" with the ``problem``
    (the build script itself fails, e.g. the kernel source package is not installed)."""
    try:
        d = Path(builds._script(kind, "--dir"))
    except builds.MissingBuild as e:
        return {"component": kind, "status": "unavailable", "problem": str(e)}
    if (d / ".complete").exists():
        try:
            prov = json.loads((d / "provenance.json").read_text())
        except (OSError, ValueError) as e:
            return {"component": kind, "status": "unavailable", "dir": str(d),
                    "problem": f"{d / 'provenance.json'}: unreadable ({e})"}
        return {**prov, "status": "built", "dir": str(d)}
    info = {"component": kind, "status": "not built", "dir": str(d)}
    try:
        info["path"] = builds._script(kind, "--path")
        info.update(builds.inputs(kind))
    except builds.MissingBuild as e:
        info["problem"] = str(e)
    info["make_target"] = builds._SCRIPTS[kind][1]
    return info


def _debian_packages() -> dict:
    """Installed version of every package of env/debian-packages.txt (None: not installed)."""
    names = [w for line in DEBIAN_PACKAGES.read_text().splitlines()
             for w in line.split("#", 1)[0].split()]
    res = dict.fromkeys(names)
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Version}\t${db:Status-Abbrev}\n",
                              *names], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return res
    for line in out.splitlines():
        name, _, rest = line.partition("\t")
        version, _, status = rest.partition("\t")
        if name in res and status.startswith("ii"):
            res[name] = version
    return res


def _python() -> dict:
    """The running interpreter and the lock env/requirements.txt, and whether every pin of
    the lock is what this interpreter has installed."""
    text = LOCK.read_text()
    m = re.search(r"Python (\d+\.\d+)", text.splitlines()[0] if text else "")
    differ = []
    pinned = re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.M)
    for name, version in pinned:
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != version:
            differ.append(f"{name} {have or 'missing'} (lock {version})")
    return {"version": platform.python_version(), "executable": sys.executable,
            "lock": str(LOCK.relative_to(builds.ROOT)), "lock_sha256": _sha256(LOCK),
            "lock_python": m.group(1) if m else None, "lock_pins": len(pinned),
            "lock_differences": differ}


def _gcc() -> str | None:
    out = _run(["gcc", "--version"])
    return out.splitlines()[0] if out else None


def current() -> dict:
    """What the artifact is built from on this machine now (see the module's doc)."""
    return {"artifact": git_state(), "qemu": build_state("qemu"), "kernel": build_state("kernel"),
            "pins": pins(), "debian_packages": _debian_packages(), "python": _python(),
            "gcc": _gcc()}


# --------------------------------------------------------------------------
# a run against what is current
# --------------------------------------------------------------------------
MISMATCH = "mismatch"                   # recorded and current differ
NOT_RECORDED = "not recorded"           # the run's metadata lacks the field (older runs)
CURRENT_UNKNOWN = "current unknown"     # cannot be known without the build (or its script fails)
NO_BUILDS = "no build provenance"       # native-only run: made with no QEMU or guest kernel


class Finding(NamedTuple):
    """One field of a run's build provenance that is not known to equal the current one."""
    component: str      # qemu, kernel, or "" for the run as a whole
    field: str
    recorded: object
    current: object
    status: str         # MISMATCH, NOT_RECORDED, CURRENT_UNKNOWN or NO_BUILDS

    def as_dict(self) -> dict:
        return self._asdict()


def read_metadata(run_dir) -> dict:
    """A run directory's metadata.json; a clear error naming the path if it is not one."""
    d = Path(run_dir)
    if not d.is_dir():
        raise DataError(f"{d}: not a run directory (no such directory)")
    path = d / "metadata.json"
    if not path.is_file():
        raise DataError(f"{d}: not a run directory (no metadata.json)")
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise DataError(f"{path}: unreadable metadata ({e})") from e
    if not isinstance(meta, dict):
        raise DataError(f"{path}: not a run's metadata (a JSON object is expected)")
    return meta


def check_run(run, cur: dict | None = None) -> list[Finding]:
    """What stands between a run and the current builds: a run directory or its metadata
    dict, against ``cur`` (default ``current()``). Empty: every compared field (COMPARED)
    was recorded and equals the current build's. A MISMATCH finding means the run was made
    with other sources, patches, configuration or build script than the current ones; a
    run of the native platform only has no build provenance (one NO_BUILDS finding)."""
    meta = run if isinstance(run, dict) else read_metadata(run)
    cur = current() if cur is None else cur
    plats = meta.get("platforms")
    if not isinstance(plats, dict):
        return [Finding("", "platforms", None, None, NOT_RECORDED)]
    if "tcg" not in plats:
        return [Finding("", "platforms", ", ".join(plats) or "none", None, NO_BUILDS)]
    tcg = plats["tcg"] if isinstance(plats["tcg"], dict) else {}
    found = []
    for kind, fields in COMPARED.items():
        rec = tcg.get(kind) if isinstance(tcg.get(kind), dict) else {}
        now = cur.get(kind) or {}
        for f in fields:
            r, c = rec.get(f), now.get(f)
            if r in (None, ""):
                found.append(Finding(kind, f, None, c, NOT_RECORDED))
            elif c in (None, ""):
                found.append(Finding(kind, f, r, None, CURRENT_UNKNOWN))
            elif str(r) != str(c):
                found.append(Finding(kind, f, r, c, MISMATCH))
    return found


def matches(findings: list[Finding]) -> bool:
    """No recorded field differs from the current build (fields not recorded, or not
    knowable without a build, are not mismatches)."""
    return not any(f.status == MISMATCH for f in findings)


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------
_LABEL = {"qemu": "QEMU", "kernel": "Kernel"}


def _dirty(g: dict) -> str:
    return {True: "with uncommitted changes to tracked files", False: "clean",
            None: "uncommitted changes unknown"}[g.get("git_dirty")]


def _build_lines(kind: str, b: dict) -> list[str]:
    v = lambda k: b.get(k) or "unknown"  # noqa: E731
    status = b.get("status")
    if status == "built":
        head = f"{_LABEL[kind]}: built ({b.get('dir')}, built {v('built')})"
    elif status == "not built":
        head = (f"{_LABEL[kind]}: NOT BUILT for the current inputs (run '{b.get('make_target')}'); "
                f"below, what the build script maps them to: {v('path')}")
    else:
        return [f"{_LABEL[kind]}: UNAVAILABLE: {b.get('problem')}"]
    pinned, used = b.get("pinned_version"), b.get("debian_version")
    pin = (f"pinned {pinned}" if pinned == used or not used
           else f"pinned {pinned}: DIFFERS, the build uses and records {used}")
    lines = [head]
    if kind == "qemu":
        lines += [f"  Debian source qemu {v('debian_version')} ({pin})",
                  f"  {v('dsc')} sha256 {v('dsc_sha256')}",
                  f"  patch series {v('patch_series_sha256_16')} ({len(b.get('patches') or [])} "
                  "patches, env/qemu/patches)",
                  f"  configure flags: {v('configure_flags')}",
                  f"  compiler {v('compiler')}, recipe {v('recipe')}"]
    else:
        lines += [f"  Debian linux-source-6.1 {v('debian_version')} ({pin})",
                  f"  {KERNEL_TARBALL} sha256 {v('tarball_sha256')}",
                  f"  patch series {v('patch_series_sha256_16')} ({len(b.get('patches') or [])} "
                  "patches, kernel/patches)",
                  f"  config fragment kernel/guest.config: options sha256 {v('config_options_sha256')}",
                  f"  compiler {v('compiler')}, recipe {v('recipe')}"]
        if b.get("kernel_release"):
            lines.append(f"  kernel release {b['kernel_release']}")
    lines.append(f"  cache key {v('cache_key')}")
    if b.get("problem"):
        lines.append(f"  problem: {b['problem']}")
    return lines


def summary_text(cur: dict) -> str:
    """``current()`` as a readable summary."""
    g, py = cur["artifact"], cur["python"]
    lines = [f"Artifact: commit {g['git_commit']} ({_dirty(g)}; from {g['git_source']})"]
    for kind in ("qemu", "kernel"):
        lines += _build_lines(kind, cur[kind])
    pins_ = ", ".join(f"{k}={v}" for k, v in cur["pins"].items())
    lines.append(f"Pins (env/pins.env): {pins_}")
    lock = (f"all {py['lock_pins']} pins installed" if not py["lock_differences"] else
            f"{len(py['lock_differences'])} of {py['lock_pins']} pins DIFFER: "
            + "; ".join(py["lock_differences"][:5])
            + (" ..." if len(py["lock_differences"]) > 5 else ""))
    lines.append(f"Python: {py['version']} ({py['executable']}); lock {py['lock']} sha256 "
                 f"{py['lock_sha256']} (for Python {py['lock_python']}): {lock}")
    lines.append(f"gcc: {cur['gcc'] or 'not found'}")
    pk = cur["debian_packages"]
    missing = [n for n, ver in pk.items() if ver is None]
    lines.append("Debian packages (env/debian-packages.txt): "
                 + ", ".join(f"{n} {ver}" for n, ver in pk.items() if ver is not None)
                 + (f"; NOT INSTALLED: {', '.join(missing)}" if missing else ""))
    return "\n".join(lines)


def check_text(run: str, findings: list[Finding], cur: dict) -> str:
    """One run's findings as text."""
    if any(f.status == NO_BUILDS for f in findings):
        return (f"{run}: native platform only ({findings[0].recorded}): no QEMU or kernel "
                "build provenance to compare")
    bad = [f for f in findings if f.status == MISMATCH]
    lines = [f"{run}: " + ("DOES NOT MATCH the current builds" if bad else
                           "no recorded field differs from the current builds"
                           if findings else "matches the current builds")]
    for f in findings:
        what = f"  {f.component} {f.field}" if f.component else f"  {f.field}"
        if f.status == MISMATCH:
            lines.append(f"{what}: recorded {f.recorded}, current {f.current}")
        elif f.status == NOT_RECORDED:
            lines.append(f"{what}: not recorded by this run")
        else:
            lines.append(f"{what}: recorded {f.recorded}, current unknown "
                         f"({cur.get(f.component, {}).get('status', '?')})")
    lines += [f"  ({note})" for note in current_notes(cur)]
    return "\n".join(lines)


def current_notes(cur: dict) -> list[str]:
    """What 'current' means for a component that is not built here."""
    notes = []
    for kind in ("qemu", "kernel"):
        b = cur.get(kind) or {}
        if b.get("status") == "not built":
            notes.append(f"{_LABEL[kind]} is not built here: 'current' is what its build script "
                         f"maps the current inputs to (cache key {b.get('cache_key')})")
        elif b.get("status") != "built":
            notes.append(f"{_LABEL[kind]} is unavailable here: {b.get('problem', 'unknown')}")
    return notes
