"""The benchmark harness run natively: every mechanism and mode, small counts; its wait
designs, markers and bad input."""
import json
import re
import subprocess

import pytest

from uintrlab import builds, data

MODES = ("nonblocking", "blocking", "pingpong", "pingpong-spin", "backtoback")
POLLING = ("nonblocking", "pingpong-spin")
# what --list must say, in its order (the UINTR ones run only in the guest: test_tcg.py)
LISTED = {m: MODES for m in ("eventfd", "pipe", "futex")}
LISTED["spin"] = POLLING
LISTED.update({m: MODES for m in ("signal", "unix", "uintr_event", "uintr")})
NATIVE = ("eventfd", "pipe", "futex", "spin", "signal", "unix")
CASES = [(m, mode) for m in NATIVE for mode in LISTED[m]]
MARKERS_H = builds.CSRC / "bench" / "markers.h"


def run_bench(bench, tmp_path, *args):
    out, meta = tmp_path / "s.csv", tmp_path / "m.json"
    p = subprocess.run([str(bench), *args, "--out", str(out), "--meta", str(meta)],
                       capture_output=True, text=True, timeout=120)
    return p, out, meta


def built_design(build_dir=builds.CSRC / "build"):
    """The wait design a csrc build directory was built with (csrc/Makefile's stamp)."""
    return (build_dir / "bench" / "wait-design").read_text().strip()


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
    assert m["mode"] == mode and m["wait_design"] == built_design()
    if mode == "blocking":
        # every measured message was sent to a reader verified asleep
        assert (df["slept"] == 1).all(), df["slept"].value_counts()
        assert m["slept_verified"] == count
    elif mode == "backtoback":
        # the reader says for each message whether it slept in its wait
        assert df["slept"].isin([0, 1]).all(), df["slept"].value_counts()
        assert f"Reader slept:       {(df['slept'][5:] == 1).sum()} of {count}" in p.stdout
    else:
        assert (df["slept"] == -1).all()
    if mechanism == "spin":
        assert m["reader_cpu_seen"] == 1 and m["writer_cpu_seen"] == 0


@pytest.mark.parametrize("mechanism,mode", [("eventfd", "backtoback"), ("signal", "backtoback"),
                                            ("futex", "nonblocking"), ("unix", "pingpong"),
                                            ("spin", "pingpong-spin")])
def test_unacknowledged_message_is_a_kept_failure(native_bench, tmp_path, mechanism, mode):
    """A reader that never acknowledges (or answers) a message: that message fails (ok = 0,
    counted, its row kept), the writer goes on, and the run exits 2."""
    p, out, meta = run_bench(native_bench, tmp_path, "--mechanism", mechanism, "--mode", mode,
                             "--count", "40", "--warmup", "3", "--drop-ack", "20",
                             "--timeout-ms", "100")
    assert p.returncode == 2, p.stderr
    df = data.read_bench_csv(out)
    assert len(df) == 43
    assert df.loc[df["seq"] != 20, "ok"].all() and df.loc[20, "ok"] == 0
    assert df.loc[20, "latency_ns"] == -1 and (df.loc[df["seq"] != 20, "latency_ns"] > 0).all()
    m = json.loads(meta.read_text())
    assert m["failures"] == 1 and m["drop_ack"] == 20
    assert "Failed messages:    1" in p.stdout


@pytest.mark.parametrize("args,param", [
    (["--mechanism", "smoke", "--mode", "blocking"], "--mechanism"),
    (["--mechanism", "eventfd", "--mode", "sideways"], "--mode"),
    (["--mechanism", "eventfd", "--mode", "pingpong_spin"], "--mode"),
    (["--mechanism", "eventfd", "--mode", "blocking", "--count", "0"], "--count"),
    (["--mechanism", "eventfd", "--mode", "blocking", "--count", "-5"], "--count"),
    (["--mechanism", "eventfd", "--mode", "blocking", "--count", "ten"], "--count"),
    (["--mechanism", "spin", "--mode", "blocking"], "--mode"),
    (["--mechanism", "spin", "--mode", "backtoback"], "--mode"),
    (["--mechanism", "spin", "--mode", "pingpong"], "--mode"),
    (["--mechanism", "eventfd", "--mode", "nonblocking", "--reader-cpu", "0"], "--reader-cpu"),
    (["--mechanism", "eventfd", "--mode", "backtoback", "--count", "10", "--warmup", "0",
      "--drop-ack", "10"], "--drop-ack"),
    (["--mechanism", "eventfd", "--mode", "backtoback", "--drop-ack", "-1"], "--drop-ack"),
    (["--mode", "nonblocking"], "--mechanism"),
])
def test_usage_errors_name_the_parameter(native_bench, tmp_path, args, param):
    p, out, _ = run_bench(native_bench, tmp_path, *args)
    assert p.returncode == 1
    assert f"invalid {param}" in p.stderr
    assert not out.exists()


def test_mode_a_mechanism_cannot_wait_in_says_why(native_bench, tmp_path):
    p, _, _ = run_bench(native_bench, tmp_path, "--mechanism", "spin", "--mode", "backtoback")
    assert "must block, and mechanism spin cannot (its modes: nonblocking pingpong-spin)" in p.stderr


def test_unknown_cpu_is_a_clear_error(native_bench, tmp_path):
    p, _, _ = run_bench(native_bench, tmp_path, "--mechanism", "spin", "--mode", "nonblocking",
                        "--reader-cpu", "4000")
    assert p.returncode == 1 and "cannot pin the reader to CPU 4000" in p.stderr


def test_list_is_every_mechanism_with_its_modes_in_order(native_bench):
    mechs = builds.list_mechanisms()
    assert list(mechs) == list(LISTED)
    assert mechs == LISTED
    help_text = subprocess.run([str(native_bench), "--help"], capture_output=True, text=True).stdout
    assert "MODE: " + " ".join(MODES) in help_text


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


# ------------------------------------------------------------- wait designs, markers

def functions_with(binary, mnemonic):
    """{function: number of `mnemonic` instructions in it}, from objdump -d."""
    out = subprocess.run(["objdump", "-d", str(binary)], check=True, capture_output=True,
                         text=True).stdout
    found, fn = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            fn = m.group(1)
        elif re.search(rf"\t{mnemonic}\b", line):
            found[fn] = found.get(fn, 0) + 1
    return found


def our_functions(build_dir):
    """Every function defined by the objects the benchmark is linked from."""
    names = set()
    for obj in (build_dir / "bench").glob("*.o"):
        out = subprocess.run(["nm", "--defined-only", str(obj)], check=True, capture_output=True,
                             text=True).stdout
        names |= {ln.split()[2] for ln in out.splitlines() if ln.split()[1] in "tT"}
    return names


def test_default_build_never_executes_pause(native_bench):
    """The default wait design spins without PAUSE: the native binary contains none, and
    in the static guest binary none of our functions does (glibc brings its own, in
    pthread_mutex_lock's adaptive spin, which the harness never reaches)."""
    build = builds.CSRC / "build"
    assert built_design(build) in ("plain", "futex")
    assert functions_with(native_bench, "pause") == {}
    ours = our_functions(build)
    assert {"main", "await_ack", "spin_until_changed", "uintr_wait_hit", "sig_wait"} <= ours
    in_guest = functions_with(build / "guest" / "uintr-bench", "pause")
    assert not set(in_guest) & ours, in_guest


def marker_values():
    text = MARKERS_H.read_text()
    vals = dict(re.findall(r"^#define BENCH_MARK_(T0|NOTIFIED|T1|WAIT)\s+0x([0-9a-f]{8})$", text, re.M))
    assert len(vals) == 4 and len(set(vals.values())) == 4
    # the header's comment gives each marker's bytes; they must be the values'
    for name, v in vals.items():
        le = " ".join(f"{b:02x}" for b in int(v, 16).to_bytes(4, "little"))
        assert re.search(rf"BENCH_MARK_{name}\s+0f 1f 84 00 {le}\b", text), name
    return {k: bytes.fromhex("0f1f8400") + int(v, 16).to_bytes(4, "little") for k, v in vals.items()}


def test_every_marker_is_in_both_binaries(native_bench):
    """Each marker is compiled in (the compiler may duplicate a site, e.g. when it splits
    the reader's loop by mode; each message still executes each marker once)."""
    build = builds.CSRC / "build"
    for binary in (native_bench, build / "guest" / "uintr-bench"):
        code = binary.read_bytes()
        for name, pattern in marker_values().items():
            assert code.count(pattern) >= 1, (binary, name)


@pytest.fixture(scope="module")
def variant_builds(tmp_path_factory):
    """The pause and futex designs' native benchmarks, built apart from csrc/build."""
    root = tmp_path_factory.mktemp("variants")
    out = {}
    for design in ("pause", "futex"):
        d = root / design
        target = d / "native" / "uintr-bench"
        subprocess.run(["make", "-s", "-C", str(builds.CSRC), f"BUILD={d}", f"WAIT_DESIGN={design}",
                        str(target)], check=True, capture_output=True, timeout=600)
        out[design] = d
    return out


def test_pause_design_spins_with_pause(variant_builds):
    """The check above can fail: the pause design's spins do contain PAUSE."""
    d = variant_builds["pause"]
    assert built_design(d) == "pause"
    found = functions_with(d / "native" / "uintr-bench", "pause")
    # (verify_asleep's spin is inlined into main)
    assert {"await_ack", "spin_until_changed", "uintr_wait_hit", "sig_wait", "main"} <= set(found), found
    assert functions_with(variant_builds["futex"] / "native" / "uintr-bench", "pause") == {}


@pytest.mark.parametrize("design", ["pause", "futex"])
@pytest.mark.parametrize("mechanism,mode", [("eventfd", "backtoback"), ("futex", "blocking"),
                                            ("spin", "nonblocking"), ("signal", "pingpong-spin")])
def test_every_design_runs(variant_builds, tmp_path, design, mechanism, mode):
    bench = variant_builds[design] / "native" / "uintr-bench"
    p, out, meta = run_bench(bench, tmp_path, "--mechanism", mechanism, "--mode", mode,
                             "--count", "200", "--warmup", "5", "--idle-us", "100")
    assert p.returncode == 0, p.stderr
    df = data.read_bench_csv(out)
    assert len(df) == 205 and df["ok"].all() and (df["latency_ns"] > 0).all()
    assert json.loads(meta.read_text())["wait_design"] == design
    assert f"Wait design:        {design}" in p.stdout


def test_unknown_wait_design_is_a_make_error(tmp_path):
    p = subprocess.run(["make", "-s", "-C", str(builds.CSRC), f"BUILD={tmp_path}", "WAIT_DESIGN=nap"],
                       capture_output=True, text=True)
    assert p.returncode != 0
    assert "WAIT_DESIGN=nap is not one of: pause plain futex" in p.stderr
    assert not list(tmp_path.iterdir())
