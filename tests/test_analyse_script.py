"""scripts/analyse.sh (make analysis): a bad RUN is named before anything runs."""
import subprocess

import pytest

from uintrlab import builds


@pytest.mark.parametrize("run,msg", [
    ("", "RUN must name a run directory"),
    ("data/runs/no-such-run", "RUN: no such run directory: data/runs/no-such-run"),
    ("csrc", "RUN: csrc holds no samples (samples/*.parquet) and is no counting run"),
    ("data/runs/no-such-run csrc", "RUN: no such run directory: data/runs/no-such-run"),
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


def test_a_counting_run_gets_notebook_04(counting_run_dir, tmp_path):
    """A counting run alone: notebook 04 (and its HTML) with its figure, no latency notebooks
    and no report (the report needs a latency run)."""
    import os

    figs, reps = tmp_path / "figs", tmp_path / "reports"
    r = subprocess.run(["bash", "scripts/analyse.sh", str(counting_run_dir), str(figs)], cwd=builds.ROOT,
                       capture_output=True, text=True, timeout=600,
                       env={**os.environ, "REPORTS_DIR": str(reps)})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "notebook 04 on" in r.stdout and "notebook 02" not in r.stdout and "the report" not in r.stdout
    assert sorted(p.name for p in reps.iterdir()) == ["04-path-lengths-pathlen-synthetic.html",
                                                      "04-path-lengths-pathlen-synthetic.ipynb"]
    assert (figs / "instructions-per-message.svg").exists()
