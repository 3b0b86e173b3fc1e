"""uintrlab.pathlen_report on synthetic per-message tables: medians over clean messages
by part and segment, foreign work apart, events per message, determinism across boots,
loading counting runs (and refusing what is not one), and the figure drawn from the
parts table."""
import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from conftest import SEGS, write_counting_run  # noqa: E402
from conftest import synthetic_messages as messages  # noqa: E402
from conftest import synthetic_path_table as table  # noqa: E402
from uintrlab import figures, pathlen, plots  # noqa: E402
from uintrlab import pathlen_report as R  # noqa: E402

@pytest.fixture
def two_boots():
    return table(messages("eventfd", boot=0, timer_at=(2,), restart_at=(4,)),
                 messages("eventfd", boot=1, timer_at=(3,), bump={5: 3}),
                 messages("uintr", boot=0), messages("uintr", boot=1),
                 messages("eventfd", "backtoback", boot=0), messages("eventfd", "backtoback", boot=1))


def test_parts_are_medians_over_clean_messages(two_boots):
    p = R.parts(two_boots).set_index(["mechanism", "mode", "side", "part"]).sort_index()
    ev = p.loc[("eventfd", "blocking")]
    # boot 0: messages 1..5 measured, 2 (timer) and 4 (restart) not clean; boot 1: 3 not clean
    assert ev.loc[("reader", "kernel"), "messages"] == 7
    assert ev.loc[("reader", "kernel"), "median"] == 2414
    assert ev.loc[("reader", "other"), "max"] == 86          # the bumped message is clean
    assert ev.loc[("reader", "total"), "median"] == 83 + 2414
    assert ev.loc[("writer", "user"), "median"] == 29 and ev.loc[("writer", "sched"), "median"] == 100
    # deterministic parts: the segments' medians add up to the kernel's
    for side in R.SIDES:
        assert sum(ev.loc[(side, s), "median"] for s in SEGS) == ev.loc[(side, "kernel"), "median"]
    p = R.parts(two_boots)
    assert list(p.loc[(p["mechanism"] == "uintr") & (p["side"] == "reader"), "part"]) == \
        ["total", "user", "kernel", *SEGS]
    # display order: mode (names.MODES: blocking before backtoback), then mechanism
    order = R.parts(two_boots)[["mode", "mechanism"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert order == [("blocking", "eventfd"), ("blocking", "uintr"), ("backtoback", "eventfd")]


def test_by_segment(two_boots):
    w = R.by_segment(R.parts(two_boots), "reader")
    assert list(w.columns) == ["mechanism", "mode", "user", "kernel", *SEGS]
    r = w.set_index(["mechanism", "mode"]).loc[("eventfd", "blocking")]
    assert (r["kernel"], r["entry"], r["sched"], r["other"]) == (2414, 231, 2100, 83)
    with pytest.raises(R.PathTableError, match="^side: 'both'"):
        R.by_segment(R.parts(two_boots), "both")


def test_summary_foreign_and_other_share(two_boots):
    s = R.summary(two_boots).set_index(["mechanism", "mode"])
    r = s.loc[("eventfd", "blocking")]
    assert (r["messages"], r["clean"]) == (10, 7)
    assert (r["writer_insn_user"], r["writer_insn_kernel"], r["reader_insn_user"], r["reader_insn_kernel"]) == \
        (29, 1091, 83, 2414)
    assert r["reader_insn_kernel_q75"] == 2414 and r["reader_pre_insn_kernel"] == 1973
    assert r["reader_other_pct"] == pytest.approx(100 * 83 / 2414)
    f = R.foreign(two_boots).set_index(["mechanism", "mode"]).loc[("eventfd", "blocking")]
    assert f["clean_share"] == pytest.approx(0.7) and f["reader_foreign_irqs"] == pytest.approx(0.2)
    assert f["reader_foreign_insn"] == pytest.approx(600) and f["writer_foreign_irqs"] == 0
    assert f["reader_tick_restart_share"] == pytest.approx(0.1)


def test_events_per_message(two_boots):
    e = R.events(two_boots)
    assert list(e["side"][:3]) == ["writer", "reader", "reader_pre"]
    e = e.set_index(["mechanism", "mode", "side"])
    assert e.loc[("eventfd", "blocking", "writer"), ["syscalls", "mmio_apic_icr", "senduipi"]].tolist() == [1, 1, 0]
    assert e.loc[("uintr", "blocking", "writer"), ["syscalls", "senduipi"]].tolist() == [0, 1]
    assert e.loc[("uintr", "blocking", "reader_pre"), "halts"] == 1
    assert e.loc[("eventfd", "blocking", "reader"), "messages"] == 7
    # events 0 throughout are left out; the rest are the plugin's counters named in EVENTS
    assert "uiret" not in e and "wrmsr" not in e and set(e.columns) - {"messages"} <= set(R.EVENTS)


def test_determinism_table(two_boots):
    d = R.determinism_table(two_boots).set_index(["mechanism", "mode"])
    r = d.loc[("eventfd", "blocking")]
    assert (r["boots"], r["messages"]) == (2, 5)
    # reader kernel: seqs 2, 3 (timer in one boot), 4 (restart) and 5 (bumped) differ; seq 1 does not
    assert r["reader_insn_kernel"] == pytest.approx(1 / 5) and r["writer_insn_kernel"] == 1.0
    # clean in both boots: seqs 1 and 5, of which 5 differs by the bump
    assert r["clean_messages"] == 2 and r["reader_insn_kernel_clean"] == pytest.approx(0.5)
    # a count that is 0 throughout (the uintr writer's kernel) is identical, not missing
    assert d.loc[("uintr", "blocking"), "writer_insn_kernel"] == 1.0
    with pytest.raises(pathlen.PathLengthError, match="two boots"):
        R.determinism_table(table(messages("eventfd")))


def test_idle_levels_are_kept_apart():
    df = table(messages("eventfd", idle_us=1000), messages("eventfd", idle_us=100000, restart_at=(1, 2)))
    assert R.keys(df) == ["mechanism", "mode", "idle_us"]
    s = R.summary(df)
    assert list(s["idle_us"]) == [1000, 100000] and list(s["clean"]) == [5, 3]
    assert R.keys(table(messages("eventfd"))) == ["mechanism", "mode"]


def test_load_pools_runs_as_more_boots(tmp_path):
    a = write_counting_run(tmp_path, "a", table(messages("eventfd", boot=0), messages("eventfd", boot=1)))
    b = write_counting_run(tmp_path, "b", table(messages("eventfd", boot=0)))
    t = R.tables([a, b])
    assert t.labels == SEGS and t.run_ids == ["a", "b"] and t.boots == 3
    assert sorted(t.df.groupby("run", observed=True)["boot"].unique().map(list).sum()) == [0, 1, 2]
    assert t.determinism is not None and R.tables(b).determinism is None
    assert R.segments(t.df) == list(SEGS)
    assert t.segment_info.to_dict("records")[0] == {"segment": "entry", "label": SEGS["entry"], "symbols": 7}


def test_the_latest_counting_run_is_the_default(tmp_path, monkeypatch):
    old = write_counting_run(tmp_path, "a", table(messages("eventfd")))
    new = write_counting_run(tmp_path, "b", table(messages("uintr")))
    meta = json.loads((old / "metadata.json").read_text())
    (old / "metadata.json").write_text(json.dumps(meta | {"start": "2025-01-01T00:00:00Z"}))
    (tmp_path / "latency").mkdir()
    (tmp_path / "latency" / "metadata.json").write_text(json.dumps({"start": "2027-01-01T00:00:00Z"}))
    assert R.latest_counting_run(tmp_path) == new
    monkeypatch.setattr(R.builds, "ROOT", tmp_path / "nowhere")
    with pytest.raises(R.PathTableError, match="^runs: none given and no counting run"):
        R.load([])


def test_load_refuses_what_is_no_counting_run(tmp_path):
    latency = tmp_path / "lat"
    latency.mkdir()
    (latency / "metadata.json").write_text(json.dumps({"run_id": "lat"}))
    with pytest.raises(R.PathTableError, match="^runs: .*lat: not a path-length counting run"):
        R.load(latency)
    with pytest.raises(R.PathTableError, match="^runs: .*nope: no such run directory"):
        R.load(tmp_path / "nope")
    with pytest.raises(R.PathTableError, match="^runs: a counting run directory or a list"):
        R.load(3)
    a = write_counting_run(tmp_path, "a", table(messages("eventfd")))
    b = write_counting_run(tmp_path, "b", table(messages("eventfd")),
                     segments={"entry": "x", "sched": "scheduler", "other": "other kernel"})
    with pytest.raises(R.PathTableError, match="kernel segments .* differ .* cannot be pooled"):
        R.load([a, b])
    c = write_counting_run(tmp_path, "c", table(messages("eventfd")), segments={"other": "other kernel"})
    with pytest.raises(R.PathTableError, match="its metadata's segments \\['other'\\] are not its tables'"):
        R.load(c)


def test_the_figure_draws_the_parts_table(two_boots, tmp_path):
    t = R.Tables(two_boots, SEGS, [tmp_path / "count-1"])
    inputs = figures.Inputs(None, None, pathlen=t)
    planned = figures.planned(inputs, "pathlen")
    assert [f.name for f, _ in planned] == ["instructions-per-message"]
    assert figures.planned(figures.Inputs(None, None), "pathlen") == []
    (d,) = figures.draw(inputs, "pathlen")
    assert "count-1" in d.caption
    axes = [ax for ax in d.fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["blocking", "backtoback"]
    # blocking: 2 mechanisms x 2 sides, each stacked from user + the non-zero segments
    heights = sorted({round(p.get_y() + p.get_height()) for p in axes[0].patches})
    assert 29 + 1091 in heights and 83 + 2414 in heights
    assert [t.get_text() for t in d.fig.legends[0].get_texts()] == [
        "kernel: other kernel", "kernel: scheduler", "kernel: interrupt entry/exit", "user"]
    d.save(tmp_path / "figs")
    assert all((tmp_path / "figs" / f"instructions-per-message.{x}").stat().st_size > 1000 for x in plots.FORMATS)
    d.close()
    assert np.all(np.isfinite([p.get_height() for p in axes[0].patches]))


def test_overview_of_one_mode(two_boots, tmp_path):
    t = R.Tables(two_boots, SEGS, [tmp_path / "x"])
    o = R.overview(t, "blocking").set_index("mechanism")
    assert list(o.index) == ["eventfd", "uintr"]
    r = o.loc["eventfd"]
    assert r["clean / measured"] == "7 / 10" and r["writer user + kernel"] == "29 + 1091"
    assert r["reader user + kernel"] == "83 + 2414" and r["reader before t0"] == "29 + 1973"
    assert r["writer events"] == "1 syscall, 1 IPI sent" and r["reader events"] == "1 switch"
    assert o.loc["uintr", "writer events"] == "1 SENDUIPI"
    assert o.loc["uintr", "reader events before t0"] == "1 syscall, 1 HLT"
    md = R.markdown(R.overview(t, "backtoback")).splitlines()
    assert md[0].startswith("| mechanism | clean / measured |") and md[1].startswith("|---|") and len(md) == 3
    with pytest.raises(R.PathTableError, match="^mode: 'pingpong' is not in the counting run"):
        R.overview(t, "pingpong")


def test_cli_path_lengths(counting_run_dir, capsys):
    from uintrlab.__main__ import main

    assert main(["path-lengths", str(counting_run_dir), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| mechanism |") and "| eventfd | 8 / 10 | 29 + 1091 |" in out
    assert main(["path-lengths", str(counting_run_dir), "--mode", "spinning"]) == 1
    assert "error: mode: 'spinning'" in capsys.readouterr().err
