"""What the artifact is built from, here and now, and whether a run was made with it.

``git_state()`` is the one place that asks git for the artifact's commit (the runner's
metadata and the report use it). Without a usable git (no ``.git``, e.g. inside a Docker
image), it falls back to the environment variable ``UINTRLAB_GIT_COMMIT``, then to
"unknown"; whether the tree has uncommitted changes is then unknown (``None``).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from . import builds

GIT_COMMIT_ENV = "UINTRLAB_GIT_COMMIT"


def _git(*args: str) -> str | None:
    """git's output in the artifact's tree, or None if git fails or is missing."""
    try:
        p = subprocess.run(["git", "-C", str(builds.ROOT), *args], capture_output=True,
                           text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def git_state(*pathspec: str) -> dict:
    """The artifact's commit and whether tracked files differ from it (only under
    ``pathspec`` if given): ``{"git_commit", "git_dirty", "git_source"}``.

    git_source is "git", "UINTRLAB_GIT_COMMIT" (git unusable, the variable set: dirty is
    then None, unknown) or "unknown" (neither; the commit is "unknown"). A git repository
    that is not this tree's own (a clone copied inside another repository) is not used."""
    out = _git("rev-parse", "--show-toplevel", "HEAD")
    lines = out.splitlines() if out else []
    if len(lines) == 2 and Path(lines[0]).resolve() == builds.ROOT:
        status = _git("status", "--porcelain", "--untracked-files=no",
                      *(("--", *pathspec) if pathspec else ()))
        return {"git_commit": lines[1], "git_dirty": None if status is None else bool(status),
                "git_source": "git"}
    env = os.environ.get(GIT_COMMIT_ENV, "").strip()
    if env:
        return {"git_commit": env, "git_dirty": None, "git_source": GIT_COMMIT_ENV}
    return {"git_commit": "unknown", "git_dirty": None, "git_source": "unknown"}
