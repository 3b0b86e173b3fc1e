"""Path lengths end to end: our QEMU with the path-length plugin boots the guest twice
with a tiny plan (every mechanism, blocking and back-to-back, a few messages); the counts
are present, positive where they must be, the kernel's split into segments sums to it, and
identical across the two boots where the determinism claim of data/README.md says so. And
the bad inputs, before any boot."""
import json
import shutil
import subprocess

import pytest

from uintrlab import builds, data, pathlen, runner
from uintrlab.plan import Experiment

pytestmark = pytest.mark.guest

MODES = ("blocking", "backtoback")
MESSAGES, WARMUP = 4, 2


@pytest.fixture(scope="module")
def counting_run(tmp_path_factory):
    runner.check_platform("tcg")
    mechs = [m for m, modes in builds.list_mechanisms().items() if set(MODES) & set(modes)]
    exp = Experiment(platforms=["tcg"], mechanisms=mechs, modes=list(MODES), count=MESSAGES,
                     warmup=WARMUP, idle_us=500, boots=2, path_lengths=True)
    run_dir = runner.run(exp, tmp_path_factory.mktemp("count"), run_id="count", progress=False)
    return run_dir, json.loads((run_dir / "metadata.json").read_text()), pathlen.load_run(run_dir)


def test_counting_run_is_complete_and_no_latency_run(counting_run):
    run_dir, meta, df = counting_run
    assert meta["status"] == "complete", meta["problems"]
    assert meta["kind"] == "path-lengths" and meta["path_lengths"]["symbols_checked"] > 10000
    assert not (run_dir / data.SAMPLES_DIR).exists()
    raw = sorted(p.name for p in (run_dir / "boots").glob("*/pathlen.csv*"))
    assert raw == ["pathlen.csv.xz"] * 2     # kept compressed once the table is written
    with pytest.raises(data.DataError, match="counting"):
        data.load_run(run_dir)
    per = df.groupby(["mechanism", "mode", "boot"], observed=True).size()
    assert len(per) == 2 * len(meta["conditions"]) and (per == MESSAGES + WARMUP).all()
    assert {"uintr", "uintr_event", "eventfd"} <= set(df["mechanism"])
    # the segments as the plugin read them, one column each per side
    segs = [s["name"] for s in meta["path_lengths"]["segments"]]
    assert "other" in segs and list(pathlen.segment_labels(run_dir)) == segs
    assert meta["path_lengths"]["segments_file"] == "env/qemu/plugins/pathlen-segments.txt"
    assert [c[len("writer_kseg_"):] for c in df.columns if c.startswith("writer_kseg_")] == segs


def test_segments_sum_to_the_kernel_count_and_other_is_small(counting_run):
    """Every row's kernel instructions split into the segments exactly (the plugin sums
    them; pathlen.read_output checks it), and the reader's wake-up path of a clean
    blocking message has at most 10 % in "other" (data/README.md gives the share)."""
    _, meta, df = counting_run
    segs = [s["name"] for s in meta["path_lengths"]["segments"]]
    for side in ("writer", "reader", "reader_pre"):
        assert (df[[f"{side}_kseg_{s}" for s in segs]].sum(axis=1) == df[f"{side}_insn_kernel"]).all()
    b = df[~df["warmup"] & (df["mode"] == "blocking") & pathlen.clean(df)]
    share = (b["reader_kseg_other"] / b["reader_insn_kernel"]).groupby(b["mechanism"], observed=True).median()
    assert (share < 0.10).all(), share
    # the wake-up's parts are where the segments file puts them
    # (per mechanism: a reader whose CPU had not halted yet is woken without an interrupt)
    parts = ["reader_kseg_entry", "reader_kseg_handler", "reader_kseg_sched", "reader_kseg_syscall"]
    med = b.groupby("mechanism", observed=True)[parts].median()
    assert (med > 0).all().all(), med


def test_counts_are_positive_where_they_must_be(counting_run):
    _, _, df = counting_run
    m = df[~df["warmup"]]
    assert (m["writer_insn_user"] > 0).all() and (m["reader_insn_user"] > 0).all()
    assert (m["reader_insn_kernel"] > 0).all()
    mech = m["mechanism"]
    assert (m.loc[mech == "eventfd", "writer_syscalls"] >= 1).all()
    for uintr in ("uintr", "uintr_event"):
        w = m[mech == uintr]
        assert (w["writer_syscalls"] == 0).all() and (w["writer_senduipi"] == 1).all()
        assert (w["writer_insn_kernel"] == w["writer_foreign_insn"]).all()   # only interrupts
    assert (m.loc[mech != "uintr", "reader_uiret"] == 0).all()
    assert (m.loc[~mech.isin(["uintr", "uintr_event"]), "writer_senduipi"] == 0).all()
    # uintr_event: one event-vector (0xe9) interrupt on the reader's CPU per message
    assert (m.loc[mech == "uintr_event", "reader_irqs_e9"] == 1).all()
    assert (m.loc[mech != "uintr_event", "reader_irqs_e9"] == 0).all()
    # blocking: the reader was asleep, so it is switched in (mostly after an IPI, but not
    # when a timer interrupt had already woken its CPU for another task)
    b = m[m["mode"] == "blocking"]
    assert (b["reader_switches"] >= 1).all()
    assert (b.loc[b["mechanism"] == "uintr", "reader_irqs_ea"] == 1).all()     # the wait vector
    assert (b["reader_split"]).all()        # the reader was halted at the writer's t0


def test_determinism_across_two_boots(counting_run):
    """The claim of data/README.md: these columns are the same in both boots for every
    message (the reader's 0xea interrupts and WRMSRs in blocking mode: back-to-back, a
    reader that went to sleep before the message takes them); the reader's user
    instructions too but for one more 6-instruction loop in the vDSO's clock read of t1;
    the writer's eventfd and futex kernel paths once foreign interrupts are set apart
    (clean messages)."""
    _, _, df = counting_run
    d = pathlen.determinism(df).set_index(["mechanism", "mode", "column"])
    for (mech, mode, col), r in d.iterrows():
        if col in ("writer_insn_user", "writer_syscalls", "writer_senduipi", "reader_irqs_e9") or (
                mode == "blocking" and col in ("reader_irqs_ea", "reader_wrmsr")):
            assert r["identical"] == 1.0, (mech, mode, col, r.to_dict())
    b = df[~df["warmup"] & (df["mode"] == "blocking")]
    spread = b.groupby(["mechanism", "seq"], observed=True)["reader_insn_user"].agg(lambda s: s.max() - s.min())
    assert spread.isin([0, 6]).all(), spread[~spread.isin([0, 6])]
    # the writer's kernel path among messages clean in both boots and whose writer sent the
    # reader's CPU an IPI in both (a CPU that had not halted yet needs none: a shorter path)
    w = b[pathlen.clean(b) & (b["writer_mmio_apic_icr"] == 1) & b["mechanism"].isin(["eventfd", "futex"])]
    both = w.groupby(["mechanism", "seq"], observed=True)["writer_insn_kernel"].agg(["size", "nunique"])
    both = both[both["size"] == 2]
    assert (both["nunique"] == 1).all(), w.set_index(["mechanism", "seq", "boot"])[
        ["writer_insn_kernel", "writer_mmio_apic_icr", "reader_insn_kernel"]].sort_index()


def test_a_system_map_of_another_kernel_is_refused_before_any_boot(tmp_path, monkeypatch):
    kdir = builds.build_dir("kernel")
    fake = tmp_path / "kernel"
    fake.mkdir()
    for f in ("bzImage", ".config", "provenance.json", ".complete"):
        shutil.copy(kdir / f, fake / f)
    text = (kdir / "System.map").read_text().splitlines()
    k = next(i for i, line in enumerate(text) if line.endswith(" T schedule"))
    addr, t, name = text[k].split()
    text[k] = f"{int(addr, 16) + 16:016x} {t} {name}"
    (fake / "System.map").write_text("\n".join(text) + "\n")
    real = builds.build_dir
    monkeypatch.setattr(builds, "build_dir", lambda kind: fake if kind == "kernel" else real(kind))
    exp = Experiment(platforms=["tcg"], mechanisms=["eventfd"], modes=["blocking"], count=2, warmup=0,
                     boots=1, path_lengths=True)
    with pytest.raises(pathlen.PathLengthError, match=f"{fake / 'System.map'}: does not match .*schedule"):
        runner.run(exp, tmp_path / "runs", run_id="x", progress=False)
    assert not (tmp_path / "runs" / "x").exists()


@pytest.mark.parametrize("text,needle", [
    ("segment other other kernel\nother no_such_function_here\n",
     ":2: pattern 'no_such_function_here' matches no text symbol of the System.map"),
    ("segment sched scheduler\nsched schedule\n", "declares no segment 'other'"),
    ("segment other other kernel\nidle do_idle\n", ":2: 'idle' is no segment declared above"),
    ("segment other other kernel\nother schedule schedule\n", ":2: pattern 'schedule' is listed twice"),
    ("segment other other kernel\nother sched*ule\n", ":2: pattern 'sched*ule': a name, or a prefix"),
])
def test_a_bad_segments_file_is_named_before_any_boot(tmp_path, monkeypatch, text, needle):
    """The plugin checks the segments file against System.map when QEMU loads it
    (pathlen.self_check, before the first boot); its message names the file and line."""
    seg = tmp_path / "segments.txt"
    seg.write_text(text)
    monkeypatch.setattr(pathlen, "SEGMENTS", seg)
    exp = Experiment(platforms=["tcg"], mechanisms=["eventfd"], modes=["blocking"], count=2, warmup=0,
                     boots=1, path_lengths=True)
    with pytest.raises(pathlen.PathLengthError, match=f"pathlen: segments={seg}") as e:
        runner.run(exp, tmp_path / "runs", run_id="x", progress=False)
    assert needle in str(e.value)
    assert not (tmp_path / "runs" / "x").exists()


def test_a_missing_plugin_is_named_before_any_boot(tmp_path, monkeypatch):
    monkeypatch.setattr(pathlen, "PLUGIN", builds.CSRC / "build" / "plugins" / "libmissing.so")
    exp = Experiment(platforms=["tcg"], mechanisms=["eventfd"], modes=["blocking"], path_lengths=True)
    with pytest.raises(builds.MissingBuild, match="libmissing.so is missing; run 'make plugins'"):
        runner.run(exp, tmp_path, run_id="x", progress=False)


def test_the_plugin_itself_refuses_a_bad_map(tmp_path):
    """QEMU stops at once, before the guest runs, with the plugin's message naming the file."""
    arg = pathlen.plugin_arg(tmp_path / "out.csv", tmp_path / "no-System.map")
    p = subprocess.run([str(builds.component("qemu")), "-M", "none", "-display", "none", "-plugin", arg],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert f"pathlen: map={tmp_path / 'no-System.map'}: cannot open" in p.stderr
