"""The command line: usage errors name the parameter; missing builds name the make target."""
import json
import os
import re
import subprocess
import sys

import pytest

from uintrlab import builds


def cli(*args, env=None, tmp=None):
    e = dict(os.environ, PYTHONPATH=str(builds.ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "uintrlab", *args], capture_output=True, text=True,
                          env=e, cwd=tmp)


def test_unknown_mechanism(tmp_path):
    p = cli("run", "--platform", "native", "--mechanism", "smoke", "--mode", "blocking", "--out", str(tmp_path))
    assert p.returncode == 1 and "mechanism: 'smoke' is unknown" in p.stderr


def test_unknown_platform_and_mode(tmp_path):
    p = cli("run", "--platform", "kvm", "--mechanism", "eventfd", "--mode", "blocking", "--out", str(tmp_path))
    assert p.returncode == 1 and "platform: 'kvm' is unknown" in p.stderr
    p = cli("run", "--platform", "native", "--mechanism", "eventfd", "--mode", "lazy", "--out", str(tmp_path))
    assert p.returncode == 1 and "mode: 'lazy' is unknown" in p.stderr


def test_non_positive_count(tmp_path):
    for v in ("0", "-1"):
        p = cli("run", "--platform", "native", "--mechanism", "eventfd", "--mode", "blocking",
                "--count", v, "--out", str(tmp_path))
        assert p.returncode == 1 and "count:" in p.stderr and "positive" in p.stderr


def test_missing_qemu_names_the_make_target(tmp_path):
    p = cli("run", "--platform", "tcg", "--mechanism", "eventfd", "--mode", "blocking", "--out",
            str(tmp_path / "runs"), env={"UINTRLAB_CACHE": str(tmp_path / "empty-cache")})
    assert p.returncode == 1 and "run 'make qemu'" in p.stderr
    assert not (tmp_path / "runs").exists()


def test_native_run_and_summarize(tmp_path):
    p = cli("run", "--platform", "native", "--mechanism", "eventfd,spin", "--mode", "nonblocking",
            "--count", "200", "--boots", "2", "--warmup", "10", "--out", str(tmp_path), "--run-id", "r",
            "--no-progress")
    assert p.returncode == 0, p.stderr
    s = cli("summarize", str(tmp_path / "r"), "--results")
    assert s.returncode == 0, s.stderr
    assert "eventfd" in s.stdout and "spin" in s.stdout
    assert s.stdout.count("============ RESULTS ================") == 2
    assert "Message count:      400" in s.stdout


def test_summarize_corrupted_file_is_named(tmp_path):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "samples").mkdir()
    (d / "samples" / "tcg-000.parquet").write_bytes(b"PAR1 garbage")
    (d / "metadata.json").write_text("{}")
    p = cli("summarize", str(d))
    assert p.returncode == 1 and "tcg-000.parquet: truncated or corrupted" in p.stderr


def test_speedup_json_and_bad_parameters(tmp_path):
    import json
    p = cli("run", "--platform", "native", "--mechanism", "eventfd,futex", "--mode", "blocking",
            "--count", "40", "--boots", "3", "--warmup", "5", "--idle-us", "100", "--out", str(tmp_path),
            "--run-id", "s", "--no-progress")
    assert p.returncode == 0, p.stderr
    s = cli("speedup", str(tmp_path / "s"), "--mechanism", "futex", "--mode", "blocking", "--n-boot", "1000")
    assert s.returncode == 0, s.stderr
    res = json.loads(s.stdout)
    assert res["median_ratio"] > 0 and len(res["median_ratio_ci"]) == 2
    assert res["n_boots_baseline"] == 3 and res["n_boot"] == 1000
    for args, name in ((["--alpha", "1.5"], "alpha"), (["--n-boot", "10"], "n_boot"),
                       (["--outliers", "magic"], "outliers"), (["--mechanism", "smoke"], "mechanism")):
        argv = ["speedup", str(tmp_path / "s"), "--mechanism", "futex", *args]
        e = cli(*argv)
        assert e.returncode == 1 and name in e.stderr, (args, e.stderr)


def test_native_run_of_uintr_alone_is_refused_with_the_reason(tmp_path):
    """This host has no UINTR: asking for a native run of only UINTR mechanisms is an
    error that names the parameter and says why; nothing is written."""
    if re.search(r"^flags\s*:.*\buintr\b", open("/proc/cpuinfo").read(), re.M):
        pytest.skip("this host has UINTR")
    r = cli("run", "--platform", "native", "--mechanism", "uintr", "--mode", "nonblocking",
            "--out", str(tmp_path), "--no-progress")
    assert r.returncode == 1
    assert "mechanism: uintr cannot run on platform native here" in r.stderr
    assert "no user interrupts" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_native_run_skips_uintr_and_records_why(tmp_path):
    if re.search(r"^flags\s*:.*\buintr\b", open("/proc/cpuinfo").read(), re.M):
        pytest.skip("this host has UINTR")
    r = cli("run", "--platform", "native", "--mechanism", "eventfd,uintr_event", "--mode", "nonblocking",
            "--count", "50", "--boots", "1", "--warmup", "5", "--out", str(tmp_path), "--run-id", "r",
            "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "native: skipping uintr_event: this CPU has no user interrupts" in r.stderr
    meta = json.loads((tmp_path / "r" / "metadata.json").read_text())
    assert "uintr_event" in meta["skipped_on_platform"]["native"]
    assert [b["order"] for b in meta["boots"]] == [["eventfd-nonblocking"]]
