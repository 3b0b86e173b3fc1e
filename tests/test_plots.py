"""uintrlab.plots: every figure builds from small data, with units on its axes, and is
written as PDF, PNG and SVG."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from uintrlab import analysis as A  # noqa: E402
from uintrlab import plots  # noqa: E402


# ``analysed``: (samples, Analysis) of the synthetic run, conftest.py (shared with test_analysis)


def labelled(fig):
    """Every axis with data has a unit in parentheses on x or y, or category ticks."""
    for ax in fig.axes:
        if not ax.has_data():
            continue
        labels = ax.get_xlabel() + ax.get_ylabel()
        assert "(" in labels or ax.get_ylabel() == "" or ax.get_xlabel() == "", labels
    return True


def test_all_figures_save_in_three_formats(analysed, tmp_path):
    s, res = analysed
    st = A.study_tables(res)
    figs = {
        "ecdf": plots.ecdf(s), "violin": plots.violin(s),
        "boot-medians": plots.boot_medians(res.boot_medians),
        "forest": plots.forest(res.sensitivity),
        "ts-tcg": plots.timeseries(s, "tcg"), "ts-native": plots.timeseries(s, "native"),
        "study": plots.study_vs_ours(st),
    }
    for name, fig in figs.items():
        assert labelled(fig)
        paths = plots.save(fig, name, tmp_path)
        assert [p.suffix for p in paths] == [".pdf", ".png", ".svg"]
        for p in paths:
            assert 1000 < p.stat().st_size < 1_000_000, p
    assert plt.get_fignums() == []


def test_save_rejects_unknown_format(tmp_path):
    fig = plt.figure()
    with pytest.raises(ValueError, match="formats"):
        plots.save(fig, "x", tmp_path, formats=("bmp",))
    plt.close(fig)


def test_study_figure_without_our_mechanism(analysed):
    s, res = analysed
    from uintrlab import study
    d = res.descriptives_valid[res.descriptives_valid["mechanism"] == "eventfd"]
    fig = plots.study_vs_ours(study.study_vs_ours(d, []))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("not measured" in t for t in texts)
    plt.close(fig)


def test_windowed_latency(analysed):
    s, _ = analysed
    wl = plots.windowed_latency(s, windows=10)
    valid = s[s["ok"] & ~s["warmup"]]
    # every valid message is in exactly one window; at most 10 windows a boot
    assert wl["n"].sum() == len(valid)
    assert wl.groupby(["platform", "mechanism", "mode", "boot"], observed=True)["window"].max().max() <= 9
    one = wl.iloc[0]
    sel = valid[(valid["platform"] == one["platform"]) & (valid["mechanism"] == one["mechanism"])
                & (valid["mode"] == one["mode"]) & (valid["boot"] == one["boot"])]
    lo, hi = sel["seq"].min(), sel["seq"].max()
    w = (sel["seq"] - lo) * 10 // (hi - lo + 1)
    assert one["q50_us"] == pytest.approx(np.median(sel.loc[w == one["window"], "latency_ns"] / 1e3))
    with pytest.raises(ValueError, match="windows"):
        plots.windowed_latency(s, windows=0)


def test_forest_and_boot_medians_reject_empty():
    import pandas as pd
    with pytest.raises(ValueError, match="sensitivity"):
        plots.forest(pd.DataFrame())
    with pytest.raises(ValueError, match="bm"):
        plots.boot_medians(pd.DataFrame())
