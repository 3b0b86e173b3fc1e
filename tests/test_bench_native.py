"""The benchmark harness run natively: every mechanism and mode, small counts."""
import json
import re
import subprocess

import pandas as pd
import pytest

from uintrlab import builds, data

CASES = [(m, mode) for m, modes in [("eventfd", "nbp"), ("pipe", "nbp"), ("futex", "nbp"), ("spin", "np")]
         for mode in [{"n": "nonblocking", "b": "blocking", "p": "pingpong"}[x] for x in modes]]


def run_bench(bench, tmp_path, *args):
    out, meta = tmp_path / "s.csv", tmp_path / "m.json"
    p = subprocess.run([str(bench), *args, "--out", str(out), "--meta", str(meta)],
                       capture_output=True, text=True, timeout=120)
    return p, out, meta


@pytest.mark.parametrize("mechanism,mode", CASES)
def test_every_mechanism_and_mode(native_bench, tmp_path, mechanism, mode):
    count = 50 if mode == "blocking" else 500
    p, out, meta = run_bench(native_bench, tmp_path, "--mechanism", mechanism, "--mode", mode,
                             "--count", str(count), "--warmup", "5", "--idle-us", "200")
    assert p.returncode == 0, p.stderr
    assert "============ RESULTS ================" in p.stdout
    assert f"Message count:      {count}" in p.stdout
    df = data.read_bench_csv(out)
    assert len(df) == count + 5
    assert df["ok"].all()
    assert (df["latency_ns"] > 0).all()
    assert (df["notify_ns"] >= 0).all()
    assert df["warmup"].sum() == 5
    m = json.loads(meta.read_text())
    assert m["failures"] == 0 and m["clock_read_ns"] > 0
    if mode == "blocking":
        # every measured message was sent to a reader verified asleep
        assert (df["slept"] == 1).all(), df["slept"].value_counts()
        assert m["slept_verified"] == count
    else:
        assert (df["slept"] == -1).all()
    if mechanism == "spin":
        assert m["reader_cpu_seen"] == 1 and m["writer_cpu_seen"] == 0


@pytest.mark.parametrize("args,param", [
    (["--mechanism", "smoke", "--mode", "blocking"], "--mechanism"),
    (["--mechanism", "eventfd", "--mode", "sideways"], "--mode"),
    (["--mechanism", "eventfd", "--mode", "blocking", "--count", "0"], "--count"),
    (["--mechanism", "eventfd", "--mode", "blocking", "--count", "-5"], "--count"),
    (["--mechanism", "eventfd", "--mode", "blocking", "--count", "ten"], "--count"),
    (["--mechanism", "spin", "--mode", "blocking"], "--mode"),
    (["--mechanism", "eventfd", "--mode", "nonblocking", "--reader-cpu", "0"], "--reader-cpu"),
    (["--mode", "nonblocking"], "--mechanism"),
])
def test_usage_errors_name_the_parameter(native_bench, tmp_path, args, param):
    p, out, _ = run_bench(native_bench, tmp_path, *args)
    assert p.returncode == 1
    assert f"invalid {param}" in p.stderr
    assert not out.exists()


def test_unknown_cpu_is_a_clear_error(native_bench, tmp_path):
    p, _, _ = run_bench(native_bench, tmp_path, "--mechanism", "spin", "--mode", "nonblocking",
                        "--reader-cpu", "4000")
    assert p.returncode == 1 and "cannot pin the reader to CPU 4000" in p.stderr


def test_list_matches_python_view():
    mechs = builds.list_mechanisms()
    assert mechs["eventfd"] == ("nonblocking", "blocking", "pingpong")
    assert mechs["spin"] == ("nonblocking", "pingpong")


@pytest.mark.parametrize("mechanism", ["uintr", "uintr_event"])
def test_uintr_mechanisms_say_why_they_cannot_run_here(native_bench, tmp_path, mechanism):
    """This host has no UINTR (and its kernel no UINTR system calls): the UINTR
    mechanisms must report that (exit 3, a reason), never pass or write samples."""
    with open("/proc/cpuinfo") as f:
        if re.search(r"^flags\s*:.*\buintr\b", f.read(), re.M):
            pytest.skip("this host has UINTR; the guest tests cover these mechanisms")
    p, out, _ = run_bench(native_bench, tmp_path, "--mechanism", mechanism, "--mode", "nonblocking",
                          "--count", "10")
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert "user interrupts" in p.stderr or "UINTR" in p.stderr, p.stderr
    assert not out.exists() or out.stat().st_size == 0
    listing = subprocess.run([str(native_bench), "--list"], capture_output=True, text=True).stdout
    line = next(ln for ln in listing.splitlines() if ln.split()[0] == mechanism)
    assert "unavailable" in line
