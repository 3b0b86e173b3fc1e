"""scripts/analyse.sh (make analysis): a bad RUN is named before anything runs."""
import subprocess

import pytest

from uintrlab import builds


@pytest.mark.parametrize("run,msg", [
    ("", "RUN must name a run directory"),
    ("data/runs/no-such-run", "RUN: no such run directory: data/runs/no-such-run"),
    ("csrc", "RUN: csrc holds no samples"),
])
def test_bad_run_is_named(run, msg):
    r = subprocess.run(["bash", "scripts/analyse.sh", run], cwd=builds.ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert msg in r.stderr
    assert "notebook" not in r.stdout      # nothing was started


def test_make_analysis_passes_run(tmp_path):
    r = subprocess.run(["make", "-n", "analysis", "RUN=data/runs/x"], cwd=builds.ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and 'scripts/analyse.sh "data/runs/x"' in r.stdout
