"""uintrlab.pathlen on small synthetic inputs: the plugin's output format, matching rows
to messages (and refusing every mismatch), the System.map check against a synthetic
bzImage, determinism summaries, and the bad-input cases that need no build."""
import lzma
import struct

import numpy as np
import pandas as pd
import pytest

from uintrlab import builds, data, pathlen
from uintrlab.plan import Experiment, ParameterError

SEGMENTS = [("entry", 9, "interrupt entry/exit"), ("sched", 7, "scheduler"), ("other", 30, "other kernel")]
COUNTERS = ["insn_user", "insn_kernel", "foreign_insn", "syscalls", "irqs_e9", "irqs_ec",
            "senduipi", "mmio"] + [f"kseg_{s}" for s, _, _ in SEGMENTS]
HOOKS = {"entry_SYSCALL_64": ("syscalls", False), "asm_sysvec_uintr_event": ("irqs_e9", False),
         "asm_sysvec_apic_timer_interrupt": ("irqs_ec", True)}


def with_segments(counts):
    """The plugin's kernel instructions by segment: a third in entry, the rest in sched and
    other (they sum to insn_kernel, as the plugin's do)."""
    k = counts.get("insn_kernel", 0)
    if k and not any(c.startswith("kseg_") for c in counts):
        counts = {**counts, "kseg_entry": k // 3, "kseg_sched": k // 2, "kseg_other": k - k // 3 - k // 2}
    return counts


def row(side, vcpu, n, order, t0_n=-1, split=0, main=None, pre=None):
    main = {**dict.fromkeys(COUNTERS, 0), **with_segments(main or {})}
    pre = {**dict.fromkeys(COUNTERS, 0), **with_segments(pre or {})}
    return [side, vcpu, n, order, t0_n, split] + [main[c] for c in COUNTERS] + [pre[c] for c in COUNTERS]


def output_text(rows, anomalies=(), end=True, version=pathlen.FORMAT):
    lines = [f"# pathlen {version}", "# map /boot/System.map", "# segments /s.txt", "# mmio on", "# vcpus 2"]
    lines += [f"# hook {name} ffffffff8140{i:04x} {c}{' foreign' if f else ''}"
              for i, (name, (c, f)) in enumerate(HOOKS.items())]
    lines += [f"# segment {name} {n} {label}" for name, n, label in SEGMENTS]
    lines.append(",".join(list(pathlen.ROW_KEYS) + COUNTERS + [f"pre_{c}" for c in COUNTERS]))
    lines += [",".join(map(str, r)) for r in rows]
    lines += [f"#! {a}" for a in anomalies]
    if end:
        lines.append(f"# end rows={len(rows)} anomalies={len(anomalies)}")
    return "\n".join(lines) + "\n"


def condition_rows(n, first_w, first_r, order, writer=0, reader=1, mech="eventfd"):
    """The rows of one condition of n messages: W and R per message, then E."""
    rows = []
    for k in range(n):
        w = {"insn_user": 29, "insn_kernel": 1091, "syscalls": 1} if mech == "eventfd" else \
            {"insn_user": 14, "senduipi": 1}
        r = {"insn_user": 84, "insn_kernel": 2418 + (3000 if k == 1 else 0),
             "foreign_insn": 3000 if k == 1 else 0, "irqs_ec": int(k == 1),
             "irqs_e9": int(mech == "uintr_event")}
        rows.append(row("W", writer, first_w + k, order, first_w + k, 0, w))
        rows.append(row("R", reader, first_r + k, order + 1, first_w + k, 1, r, {"insn_kernel": 1981, "syscalls": 1}))
        order += 2
    rows.append(row("E", reader, first_r + n, order, main={"insn_kernel": 700000}))
    return rows, order + 1


def samples(n, warmup=1, ok=None):
    return pd.DataFrame({"seq": np.arange(n), "ok": np.ones(n, bool) if ok is None else ok,
                         "slept": np.ones(n, np.int8), "warmup": np.arange(n) < warmup})


def two_conditions(tmp_path, n=(3, 4), **kw):
    r1, order = condition_rows(n[0], 0, 0, 0)
    r2, _ = condition_rows(n[1], n[0], n[0] + 1, order, mech="uintr_event")
    p = tmp_path / "pathlen.csv"
    p.write_text(output_text(r1 + r2, **kw))
    conds = [pathlen.Condition("eventfd-blocking", "eventfd", "blocking", samples(n[0]), 0, 1),
             pathlen.Condition("uintr_event-blocking", "uintr_event", "blocking", samples(n[1]), 0, 1)]
    return p, conds


def test_rows_become_one_line_per_message(tmp_path):
    p, conds = two_conditions(tmp_path)
    out = pathlen.read_output(p)
    assert out.counters == COUNTERS and out.fields["mmio"] == "on" and out.fields["segments"] == "/s.txt"
    assert out.segments == [{"name": "entry", "symbols": 9, "label": "interrupt entry/exit"},
                            {"name": "sched", "symbols": 7, "label": "scheduler"},
                            {"name": "other", "symbols": 30, "label": "other kernel"}]
    assert out.hooks["asm_sysvec_apic_timer_interrupt"] == {"addr": 0xffffffff81400002,
                                                            "counter": "irqs_ec", "foreign": True}
    df = pathlen.per_message(out, conds, boot=3)
    assert len(df) == 7 and list(df["mechanism"]) == ["eventfd"] * 3 + ["uintr_event"] * 4
    assert list(df["seq"]) == [0, 1, 2, 0, 1, 2, 3] and (df["boot"] == 3).all()
    assert list(df["warmup"]) == [True, False, False, True, False, False, False]
    ev, ue = df[df["mechanism"] == "eventfd"], df[df["mechanism"] == "uintr_event"]
    assert (ev["writer_syscalls"] == 1).all() and (ev["writer_insn_kernel"] == 1091).all()
    assert (ue["writer_syscalls"] == 0).all() and (ue["writer_senduipi"] == 1).all()
    assert (ue["reader_irqs_e9"] == 1).all() and (ev["reader_irqs_e9"] == 0).all()
    assert (df["reader_pre_insn_kernel"] == 1981).all() and df["reader_split"].all()
    segs = [f"kseg_{s}" for s, _, _ in SEGMENTS]
    for side in ("writer", "reader", "reader_pre"):
        assert (df[[f"{side}_{s}" for s in segs]].sum(axis=1) == df[f"{side}_insn_kernel"]).all()
    assert list(ev["reader_kseg_entry"]) == [806, 1806, 806]
    # the timer interrupt of message 1 is attributed: foreign_irqs from the hooks marked foreign
    assert list(ev["reader_foreign_irqs"]) == [0, 1, 0] and (df["writer_foreign_irqs"] == 0).all()
    assert list(pathlen.clean(ev)) == [True, False, True]
    # the raw output, kept xz-compressed, reads the same
    xz = pathlen.compress(p)
    assert xz.name == "pathlen.csv.xz" and not p.exists()
    pd.testing.assert_frame_equal(pathlen.read_output(xz).rows, out.rows)
    path = pathlen.write_boot(df, tmp_path / "run", "tcg", 3)
    assert path == tmp_path / "run" / data.PATHLEN_DIR / "tcg-003.parquet"
    back = pathlen.load_run(tmp_path / "run")
    pd.testing.assert_frame_equal(back, df, check_categorical=False)


@pytest.mark.parametrize("case,needle", [
    ("missing-reader-row", "expected 3 reader rows"),
    ("missing-end", "expected 3 reader rows"),
    ("extra-writer", "rows beyond the benchmark's messages"),
    ("fewer-messages", "expected 2 reader rows and the end of its last wait (R×2 E), found 'RRR'"),
    ("wrong-vcpu", "reader rows on vCPUs [1], the benchmark says its reader ran on CPU 0"),
    ("split-at-other-t0", "split at writer window 7"),
    ("failed-message", "1 failed messages"),
    ("anomaly", "markers out of order: vcpu 1 order 4: T1 without WAIT"),
])
def test_a_mismatch_is_an_error_never_a_shift(tmp_path, case, needle):
    rows, order = condition_rows(3, 0, 0, 0)
    conds = [pathlen.Condition("eventfd-blocking", "eventfd", "blocking", samples(3), 0, 1)]
    anomalies = []
    if case == "missing-reader-row":
        del rows[3]
    elif case == "missing-end":
        rows.pop()
    elif case == "extra-writer":
        rows.append(row("W", 0, 3, order, 3))
    elif case == "fewer-messages":
        conds[0].samples = samples(2)
    elif case == "wrong-vcpu":
        conds[0].reader_cpu = 0
    elif case == "split-at-other-t0":
        rows[3][4] = 7
    elif case == "failed-message":
        conds[0].samples = samples(3, ok=np.array([True, False, True]))
    elif case == "anomaly":
        anomalies = ["vcpu 1 order 4: T1 without WAIT"]
    p = tmp_path / "pathlen.csv"
    p.write_text(output_text(rows, anomalies))
    with pytest.raises(pathlen.PathLengthError, match="condition eventfd-blocking|pathlen.csv") as e:
        pathlen.per_message(pathlen.read_output(p), conds)
    assert needle in str(e.value)


def test_no_markers_names_the_condition(tmp_path):
    """An old harness executes no markers: the plugin writes no rows at all."""
    p = tmp_path / "pathlen.csv"
    p.write_text(output_text([]))
    conds = [pathlen.Condition("eventfd-blocking", "eventfd", "blocking", samples(5))]
    with pytest.raises(pathlen.PathLengthError, match="condition eventfd-blocking: no markers.*old harness"):
        pathlen.per_message(pathlen.read_output(p), conds)
    # a condition that sent nothing (unsupported, rc 3) expects no rows
    assert pathlen.per_message(pathlen.read_output(p), [pathlen.Condition("x", "x", "blocking", None)]).empty


@pytest.mark.parametrize("text,needle", [
    (None, "no plugin output"),
    ("side,vcpu\n", "not the path-length plugin's output"),
    ("# pathlen 9\n", "output format"),
    ("truncated", "truncated (no end line)"),
    ("bad-count", "its end line says 5"),
    ("segments-do-not-sum", "row order 1: its kseg_* columns do not sum to its insn_kernel"),
    ("pre-segments-do-not-sum", "row order 1: its pre_kseg_* columns do not sum to its pre_insn_kernel"),
    ("segment-lines-differ", "its segment columns do not match its segment lines"),
])
def test_bad_output_files_are_named(tmp_path, text, needle):
    p = tmp_path / "pathlen.csv"
    if text == "truncated":
        text = output_text(condition_rows(2, 0, 0, 0)[0], end=False)
    elif text == "bad-count":
        text = output_text(condition_rows(1, 0, 0, 0)[0], end=False) + "# end rows=5 anomalies=0\n"
    elif text and text.endswith("segments-do-not-sum"):
        rows = condition_rows(1, 0, 0, 0)[0]
        k = 6 + COUNTERS.index("kseg_other") + (len(COUNTERS) if text.startswith("pre") else 0)
        rows[1][k] += 1                         # the R row (order 1)
        text = output_text(rows)
    elif text == "segment-lines-differ":
        text = output_text(condition_rows(1, 0, 0, 0)[0]).replace("# segment sched 7", "# segment idle 7")
    if text is not None:
        p.write_text(text)
    with pytest.raises(pathlen.PathLengthError, match=str(p)) as e:
        pathlen.read_output(p)
    assert needle in str(e.value)


def test_determinism_per_column(tmp_path):
    frames = []
    for boot in (0, 1):
        p, conds = two_conditions(tmp_path)
        frames.append(pathlen.per_message(pathlen.read_output(p), conds, boot=boot))
    # boot 1: message 2's reader takes a tick restart's 900 instructions more
    frames[1]["reader_tick_restarts"] = 0
    frames[0]["reader_tick_restarts"] = 0
    frames[1].loc[2, ["reader_insn_kernel", "reader_tick_restarts"]] = [2418 + 900, 1]
    d = pathlen.determinism(pd.concat(frames, ignore_index=True)).set_index(["mechanism", "column"])
    assert d.loc[("eventfd", "writer_insn_kernel"), "identical"] == 1.0
    row = d.loc[("eventfd", "reader_insn_kernel")]
    # measured messages 1 and 2: 1 has the same timer interrupt in both boots, 2 differs
    assert row["messages"] == 2 and row["identical"] == 0.5
    assert row["clean_messages"] == 0 and np.isnan(row["identical_clean"])
    assert row["clean_values"] == "2418" and (row["min"], row["max"]) == (2418, 5418)
    assert ("eventfd", "writer_senduipi") not in d.index     # 0 throughout: left out
    with pytest.raises(pathlen.PathLengthError, match="two boots"):
        pathlen.determinism(frames[0])


# ---------------------------------------------------------------- System.map vs bzImage

BASE = 0xffffffff81000000
VERSION = "6.1.0 (t@h) #1 SMP test"


def synthetic_kernel(tmp_path, nsyms=150, banner_version=VERSION):
    """A bzImage whose xz payload is an ELF with a banner and kallsyms tables (Linux 6.1's
    format: base-relative offsets with absolute per-CPU, one-character tokens), and the
    System.map that matches it."""
    text = {f"func_{i:03d}": BASE + 0x1000 + 0x40 * i for i in range(nsyms)}
    text["entry_SYSCALL_64"] = BASE + 0x400040
    names = sorted(text)
    blob = bytearray(0x500000)
    data_syms = {}

    def put(name, at, payload):
        blob[at - BASE:at - BASE + len(payload)] = payload
        data_syms[name] = at

    head, tail = banner_version.split(") ", 1)
    banner = f"Linux version {head}) (gcc 12) {tail}\n"
    put("linux_banner", BASE + 0x450000, banner.encode() + b"\0")
    base = BASE
    put("kallsyms_relative_base", BASE + 0x460000, struct.pack("<Q", base))
    put("kallsyms_num_syms", BASE + 0x460008, struct.pack("<I", len(names)))
    put("kallsyms_offsets", BASE + 0x461000,
        struct.pack(f"<{len(names)}i", *[-(text[n] - base + 1) for n in names]))
    enc = bytearray()
    for n in names:
        s = ("T" + n).encode()
        enc += bytes([len(s)]) + s               # token i is the character i
    put("kallsyms_names", BASE + 0x470000, bytes(enc))
    put("kallsyms_markers", BASE + 0x470000 + len(enc) + 8, b"\0" * 8)
    put("kallsyms_token_table", BASE + 0x480000, b"".join(bytes([i]) + b"\0" for i in range(256)))
    put("kallsyms_token_index", BASE + 0x481000, struct.pack("<256H", *range(0, 512, 2)))
    elf = bytearray(0x1000)
    elf[:4] = b"\x7fELF"
    elf[4] = 2
    struct.pack_into("<Q", elf, 0x20, 0x40)
    struct.pack_into("<H", elf, 0x38, 1)
    struct.pack_into("<IIQQQQQQ", elf, 0x40, 1, 5, 0x1000, BASE, 0, len(blob), len(blob), 0x1000)
    payload = lzma.compress(bytes(elf + blob), format=lzma.FORMAT_XZ)
    bz = bytearray(0x400)
    bz[0x1F1] = 1
    bz[0x202:0x206] = b"HdrS"
    bz[0x300:0x301 + len(VERSION)] = VERSION.encode() + b"\0"
    struct.pack_into("<H", bz, 0x20E, 0x300 - 0x200)
    struct.pack_into("<II", bz, 0x248, 0, len(payload))
    (tmp_path / "bzImage").write_bytes(bytes(bz) + payload)
    lines = [f"{a:016x} T {n}" for n, a in text.items()] + [f"{a:016x} D {n}" for n, a in data_syms.items()]
    (tmp_path / "System.map").write_text("\n".join(sorted(lines)) + "\n")
    (tmp_path / ".config").write_text("CONFIG_KALLSYMS_ABSOLUTE_PERCPU=y\n")
    return tmp_path / "System.map", tmp_path / "bzImage"


def test_system_map_of_the_kernel_passes(tmp_path):
    sysmap, bz = synthetic_kernel(tmp_path)
    info = pathlen.check_system_map(sysmap, bz)
    assert info == {"system_map": str(sysmap), "kernel_version": VERSION, "symbols_checked": 151}


def test_a_moved_symbol_is_named(tmp_path):
    sysmap, bz = synthetic_kernel(tmp_path)
    text = sysmap.read_text().replace(f"{BASE + 0x400040:016x} T entry_SYSCALL_64",
                                      f"{BASE + 0x400041:016x} T entry_SYSCALL_64")
    sysmap.write_text(text)
    with pytest.raises(pathlen.PathLengthError, match=r"System.map: does not match .*bzImage: 1 of 151 "
                                                      r"text symbols differ, e.g. entry_SYSCALL_64"):
        pathlen.check_system_map(sysmap, bz)


def test_another_kernels_banner_is_refused(tmp_path):
    sysmap, bz = synthetic_kernel(tmp_path, banner_version="6.1.0 (t@h) #2 SMP other")
    with pytest.raises(pathlen.PathLengthError, match="no banner of version"):
        pathlen.check_system_map(sysmap, bz)


def test_bad_system_map_and_bzimage_are_named(tmp_path):
    sysmap, bz = synthetic_kernel(tmp_path)
    sysmap.write_text(sysmap.read_text() + "garbage\n")
    with pytest.raises(pathlen.PathLengthError, match=r"System.map:\d+: not a System.map line"):
        pathlen.check_system_map(sysmap, bz)
    with pytest.raises(pathlen.PathLengthError, match="cannot read the System.map"):
        pathlen.check_system_map(tmp_path / "nope", bz)
    (tmp_path / "bad").write_bytes(b"\0" * 0x300)
    (tmp_path / "k2").mkdir()
    sysmap, _ = synthetic_kernel(tmp_path / "k2")
    with pytest.raises(pathlen.PathLengthError, match="bad: not a bzImage"):
        pathlen.check_system_map(sysmap, tmp_path / "bad")


def test_plugin_argument():
    arg = pathlen.plugin_arg(pathlen.Path("/o/pathlen.csv"), pathlen.Path("/k/System.map"), mmio=False)
    assert arg == (f"{pathlen.PLUGIN},out=/o/pathlen.csv,map=/k/System.map,"
                   f"segments={pathlen.SEGMENTS},mmio=off")
    assert pathlen.SEGMENTS.exists()
    with pytest.raises(pathlen.PathLengthError, match="out: /a,b: a path with a comma"):
        pathlen.plugin_arg(pathlen.Path("/a,b"), pathlen.Path("/k/System.map"))


# ---------------------------------------------------------------- bad input, no build needed

def test_qemu_without_plugins_or_a_missing_plugin_is_named(tmp_path, monkeypatch):
    qdir = tmp_path / "qemu"
    (qdir / "include").mkdir(parents=True)
    (qdir / "include" / "qemu-plugin.h").write_text("")
    monkeypatch.setattr(builds, "build_dir", lambda kind: qdir)
    monkeypatch.setattr(builds, "provenance", lambda kind: {"configure_flags": "--enable-tcg --disable-plugins"})
    with pytest.raises(builds.MissingBuild, match=f"{qdir}: this QEMU was built without the plugin interface"):
        pathlen.check_plugin()
    monkeypatch.setattr(builds, "provenance", lambda kind: {"configure_flags": "--enable-tcg --enable-plugins"})
    monkeypatch.setattr(pathlen, "PLUGIN", builds.CSRC / "build" / "plugins" / "libnothere.so")
    with pytest.raises(builds.MissingBuild, match="csrc/build/plugins/libnothere.so is missing; run 'make plugins'"):
        pathlen.check_plugin()


def test_counting_only_on_tcg_and_never_as_latencies(tmp_path):
    with pytest.raises(ParameterError, match="^path_lengths: .*count only on platform tcg"):
        Experiment(platforms=["tcg", "native"], mechanisms=["eventfd"], modes=["blocking"],
                   path_lengths=True).validate({"eventfd": ("blocking",)})
    run = tmp_path / "count"
    (run / data.PATHLEN_DIR).mkdir(parents=True)
    data.write_metadata({"kind": "path-lengths"}, run / "metadata.json")
    with pytest.raises(data.DataError, match="a path-length \\(counting\\) run.*never enter latency statistics"):
        data.load_run(run)


def test_cli_refuses_counting_off_tcg(native_bench, capsys):
    from uintrlab.__main__ import main

    rc = main(["run", "--platform", "native", "--mechanism", "eventfd", "--mode", "blocking",
               "--path-lengths", "--out", "/nonexistent"])
    assert rc == 1
    assert "error: path_lengths: ['native'] count only on platform tcg" in capsys.readouterr().err
