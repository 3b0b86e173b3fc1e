"""End to end on the tcg platform: our QEMU boots our kernel and runs the benchmark."""
import json
import subprocess
from pathlib import Path

import pytest

from uintrlab import builds, data, runner
from uintrlab.plan import Experiment

pytestmark = pytest.mark.guest

ALL = ["eventfd", "uintr_event", "uintr", "pipe", "futex", "spin"]


def small(**kw):
    base = dict(platforms=["tcg"], mechanisms=ALL, modes=["nonblocking", "blocking", "pingpong"],
                count=300, blocking_count=30, boots=1, warmup=10, idle_us=500)
    base.update(kw)
    return Experiment(**base)


def test_every_condition_in_the_guest(guest_platform, tmp_path):
    run_dir = runner.run(small(), tmp_path, run_id="e2e", progress=False)
    meta, df = data.load_run(run_dir)
    assert meta["status"] == "complete", meta["problems"]
    assert sorted(meta["conditions"]) == sorted(
        f"{m}-{mode}" + ("-idle500" if mode == "blocking" else "")
        for m in ALL for mode in ("nonblocking", "blocking", "pingpong")
        if not (m == "spin" and mode in ("blocking", "pingpong")))
    assert meta["params"]["skipped"] == ["spin-blocking", "spin-pingpong"]
    counts = df.groupby(["mechanism", "mode"], observed=True).size()
    assert len(counts) == 16
    for (m, mode), n in counts.items():
        assert n == (30 if mode == "blocking" else 300) + 10, (m, mode)
    assert df["ok"].all() and (df["latency_ns"] > 0).all()
    assert (df.loc[df["mode"] == "blocking", "slept"] == 1).all()
    assert set(df.loc[df["mode"] == "blocking", "idle_us"]) == {500}
    assert set(df.loc[df["mode"] != "blocking", "idle_us"]) == {-1}
    boot = meta["boots"][0]
    assert boot["status"] == "ok"
    assert boot["guest"]["clocksource"] == "tsc"
    assert boot["guest"]["cpus_online"] == "0-1"
    for rec in boot["conditions"].values():
        assert rec["rc"] == 0 and rec["clock_read_ns"] > 0
        assert rec["clocksource_start"] == rec["clocksource_end"] == "tsc"
        assert (rec["writer_cpu_seen"], rec["reader_cpu_seen"]) == (0, 1)
    tcg = meta["platforms"]["tcg"]
    assert tcg["qemu"]["debian_version"].startswith("1:7.2")
    assert tcg["kernel"]["kernel_release"].startswith("6.1")
    assert len(tcg["qemu"]["patch_series_sha256_16"]) == 16
    assert meta["environment"]["tcg"]["clock_read_ns_median"] > 0
    assert meta["environment"]["tcg"]["clocksources"] == ["tsc"]
    assert (Path(run_dir) / boot["console_log"]).read_text().count("uintrlab: end") == 16
    # the host's other load during the boot: QEMU's CPU time is ours, not "other"
    load = boot["host_load"]
    assert load["own_cpu_s"] > 1 and 0 < load["wall_s"] <= boot["wall_s"] + 5
    assert load["host_busy_cpu_s"] >= load["other_busy_cpu_s"] >= 0
    assert meta["environment"]["tcg"]["other_load_cores_max"] == load["other_load_cores"]


# The modes and mechanisms the runner's Experiment does not plan yet, straight through the
# guest's plan (csrc/guest/init): every mechanism in backtoback and pingpong-spin, signal
# and unix in every mode (the guest kernel has CONFIG_UNIX).
EVERY_MODE = ("nonblocking", "blocking", "pingpong", "pingpong-spin", "backtoback")
NEW_CONDITIONS = ([(m, mode) for m in ("signal", "unix") for mode in EVERY_MODE]
                  + [(m, mode) for m in ("eventfd", "pipe", "futex", "uintr_event", "uintr")
                     for mode in ("pingpong-spin", "backtoback")]
                  + [("spin", "pingpong-spin")])


def _listing(text):
    return {ln.split("#")[0].split()[0]: ln for ln in text.splitlines() if ln.strip()}


def test_new_modes_and_mechanisms_in_the_guest(guest_platform, tmp_path):
    """One boot, many tiny conditions: the new ones above, the guest's --list, and a
    message the reader never acknowledges (uintr, backtoback), which must fail alone."""
    lines = [("list", ["--list"])]
    for m, mode in NEW_CONDITIONS:
        count = 20 if mode == "blocking" else 100
        lines.append((f"{m}-{mode}", ["--mechanism", m, "--mode", mode, "--count", str(count),
                                      "--warmup", "5", "--idle-us", "500"]))
    lines.append(("drop", ["--mechanism", "uintr", "--mode", "backtoback", "--count", "30",
                           "--warmup", "0", "--drop-ack", "10", "--timeout-ms", "200"]))
    out = tmp_path / "boot"
    outcome = runner.boot_guest(lines, out, timeout=600)
    assert outcome.status == "ok", (outcome.problem, outcome.console_log)

    # the guest's binary lists what the native one lists, and can run everything
    native = _listing(subprocess.run([str(builds.NATIVE_BENCH), "--list"], check=True,
                                     capture_output=True, text=True).stdout)
    guest = _listing((out / "list.stdout").read_text())
    assert (out / "list.rc").read_text().strip() == "0"
    assert list(guest) == list(native)
    for name, line in guest.items():
        assert "unavailable" not in line, line
        assert line.split() == native[name].split("#")[0].split(), (line, native[name])

    design = (builds.CSRC / "build" / "bench" / "wait-design").read_text().strip()
    for m, mode in NEW_CONDITIONS:
        cid = f"{m}-{mode}"
        count = 20 if mode == "blocking" else 100
        assert (out / f"{cid}.rc").read_text().strip() == "0", (out / f"{cid}.stderr").read_text()
        df = data.read_bench_csv(out / f"{cid}.csv")
        assert len(df) == count + 5, cid
        assert df["ok"].all() and (df["latency_ns"] > 0).all() and (df["notify_ns"] >= 0).all(), cid
        meta = json.loads((out / f"{cid}.json").read_text())
        assert (meta["mechanism"], meta["mode"], meta["failures"]) == (m, mode, 0)
        assert meta["wait_design"] == design
        assert (meta["writer_cpu_seen"], meta["reader_cpu_seen"]) == (0, 1)
        if mode == "blocking":
            assert (df["slept"] == 1).all(), cid
        elif mode == "backtoback":
            assert df["slept"].isin([0, 1]).all(), cid
        else:
            assert (df["slept"] == -1).all(), cid

    assert (out / "drop.rc").read_text().strip() == "2"
    df = data.read_bench_csv(out / "drop.csv")
    assert len(df) == 30 and list(df.index[df["ok"] == 0]) == [10]
    assert json.loads((out / "drop.json").read_text())["failures"] == 1


def test_hung_guest_is_reported_and_finished_boots_kept(guest_platform, tmp_path):
    """Boot 1 runs an init that never finishes: it times out, boot 0's data stays."""
    exp = small(mechanisms=["eventfd"], modes=["nonblocking"], boots=2, boot_timeout_s=45)
    hang = lambda platform, boot: "rdinit=/bin/busybox -- sleep 100000" if boot == 1 else ""  # noqa: E731
    logs = []
    run_dir = runner.run(exp, tmp_path, run_id="hang", progress=False, log=logs.append, fault=hang)
    meta, df = data.load_run(run_dir)
    assert meta["status"] == "complete-with-problems"
    assert [b["status"] for b in meta["boots"]] == ["ok", "timeout"]
    assert set(df["boot"]) == {0} and len(df) == 310
    assert [f.name for f in data.sample_files(run_dir)] == ["tcg-000.parquet"]
    console = Path(run_dir) / meta["boots"][1]["console_log"]
    assert "Linux version" in console.read_text()
    assert any("boot 1 FAILED (timeout" in m and "console log" in m for m in logs)


def test_panicked_guest_is_reported_with_its_log(guest_platform, tmp_path):
    exp = small(mechanisms=["spin"], modes=["nonblocking"], boot_timeout_s=60)
    nothing = lambda platform, boot: "rdinit=/no/such/init"  # noqa: E731
    run_dir = runner.run(exp, tmp_path, run_id="panic", progress=False, log=lambda m: None, fault=nothing)
    meta = (Path(run_dir) / "metadata.json").read_text()
    assert '"status": "panic"' in meta and "Kernel panic" in meta
    assert not data.sample_files(run_dir)
    with pytest.raises(data.DataError, match="no samples"):
        data.load_run(run_dir)
