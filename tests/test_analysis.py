"""uintrlab.analysis: parameters are validated by name; the analysis handles any
mechanism names, a missing baseline, several runs; the study beside ours."""
import math

import numpy as np
import pandas as pd
import pytest

from conftest import write_synthetic_run
from uintrlab import analysis as A
from uintrlab import stats, study
from uintrlab.plan import ParameterError


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize("kwargs,name", [
    ({"alpha": 0}, "alpha"), ({"alpha": 1}, "alpha"), ({"alpha": 1.5}, "alpha"),
    ({"alpha": -0.1}, "alpha"), ({"alpha": "0.05"}, "alpha"), ({"alpha": True}, "alpha"),
    ({"n_boot": 999}, "n_boot"), ({"n_boot": 10}, "n_boot"), ({"n_boot": 2000.0}, "n_boot"),
    ({"outliers": "magic"}, "outliers"), ({"outliers": None}, "outliers"),
    ({"outliers": "tukey", "outlier_param": -1}, "outlier_param"),
    ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
    ({"baseline": ""}, "baseline"), ({"baseline": 3}, "baseline"),
    ({"mechanisms": []}, "mechanisms"), ({"mechanisms": [1]}, "mechanisms"),
    ({"figures_dir": 3}, "figures_dir"),
])
def test_bad_parameters_are_named(synthetic_run, kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name}:"):
        A.validate_params(str(synthetic_run), **kwargs)


def test_run_directory_without_data(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match="^runs:.*no samples"):
        A.validate_params([str(tmp_path / "empty")])
    with pytest.raises(ParameterError, match="^runs:.*no such run directory"):
        A.validate_params(str(tmp_path / "missing"))
    with pytest.raises(ParameterError, match="^runs:"):
        A.validate_params(3)


def test_unknown_mechanism_is_named_after_loading(synthetic_run):
    p = A.validate_params(str(synthetic_run), baseline="smoke")
    with pytest.raises(ParameterError, match="^baseline: 'smoke' is not a mechanism"):
        A.load(p)
    p = A.validate_params(str(synthetic_run), mechanisms=["uintr"])
    with pytest.raises(ParameterError, match="^mechanisms: 'uintr'"):
        A.load(p)


def test_good_parameters_and_defaults(synthetic_run):
    p = A.validate_params(synthetic_run, outliers="tukey")
    assert p.runs == [str(synthetic_run)] and p.outlier_param == 1.5
    assert p.confidence == pytest.approx(0.95) and p.n_boot == 2000


def test_latest_run(tmp_path):
    root = tmp_path / "runs"
    write_synthetic_run(root / "a", spec={"tcg": {"blocking": {"eventfd": 1e5}}}, n=20)
    b = write_synthetic_run(root / "b", spec={"tcg": {"blocking": {"eventfd": 1e5}}}, n=20)
    import json
    meta = json.loads((b / "metadata.json").read_text())
    meta["start"] = "2027-01-01T00:00:00Z"
    (b / "metadata.json").write_text(json.dumps(meta))
    assert A.latest_run(root) == b
    with pytest.raises(ParameterError, match="^runs:"):
        A.latest_run(tmp_path / "nothing")


# ---------------------------------------------------------------- the analysis
# ``analysed``: conftest.py (shared with test_plots)
def test_plan_handles_missing_baseline_and_any_names(analysed):
    s, an = analysed
    comps = [(r.platform, r.mode, r.mechanism) for r in an.results]
    assert comps == [("tcg", "nonblocking", "uintr_event"), ("tcg", "blocking", "uintr_event"),
                     ("native", "nonblocking", "spin")]
    assert len(an.skipped) == 1 and "pingpong" in an.skipped[0] and "pipe" in an.skipped[0]


def test_holm_over_every_comparison(analysed):
    _, an = analysed
    p = [r.p_boot_medians for r in an.results]
    assert np.allclose([r.p_holm for r in an.results], stats.holm(p))
    assert list(an.speedups["p_holm"]) == [r.p_holm for r in an.results]


def test_every_rule_for_every_comparison(analysed):
    _, an = analysed
    assert set(an.results_by_rule) == {"none", "tukey(1.5)", "mad(3.5)", "trim(1)"}
    assert len(an.sensitivity) == 4 * len(an.results)
    # the primary rule's rows of the sensitivity table are the speedup table's numbers
    prim = an.sensitivity[an.sensitivity["rule_label"] == "none"]
    assert np.allclose(prim["median_ratio"], an.speedups["median_ratio"])
    assert prim["survives"].all()
    removed = A.removed_summary(an.removed)
    assert list(removed.columns[-4:]) == ["none", "tukey(1.5)", "mad(3.5)", "trim(1)"]
    assert (removed["none"] == "0 (0.00 %)").all()


def test_speedup_direction_on_known_effect(analysed):
    _, an = analysed
    r = an.speedups.set_index(["platform", "mode", "mechanism"])
    # uintr_event was generated about 1.9x faster in blocking mode
    assert r.loc[("tcg", "blocking", "uintr_event"), "median_ratio"] > 1.3
    assert r.loc[("native", "nonblocking", "spin"), "median_ratio_ci_low"] > 5


def test_power_and_boot_medians(analysed):
    s, an = analysed
    n_cond = s.groupby(["platform", "mechanism", "mode"], observed=True).ngroups
    assert len(an.power) == n_cond
    assert {"tau_log", "sigma_log", "boots_floor", "boots_needed@100000_msgs",
            "msgs_needed@10_boots"} <= set(an.power.columns)
    bm = an.boot_medians
    assert len(bm) == n_cond * 2
    assert (bm["ci_low_us"] <= bm["median_us"]).all() and (bm["median_us"] <= bm["ci_high_us"]).all()


def test_results_do_not_depend_on_the_number_of_workers(analysed):
    s, an = analysed
    one = A.analyse(s, an.params, an.metas, workers=1)
    three = A.analyse(s, an.params, an.metas, workers=3)
    for other in (one, three):
        assert other.results == an.results and other.results_by_rule == an.results_by_rule
        for a, b in zip(_tables(other), _tables(an)):
            pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError, match="^workers: must be >= 1"):
        A.analyse(s, an.params, workers=0)


def test_worker_processes_do_not_run_a_script_again(tiny_run, tmp_path):
    """The workers are spawned processes; a script that analyses at its top level (no
    ``if __name__ == "__main__"``) runs once, not once more in every worker."""
    import subprocess
    import sys
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        "from uintrlab import analysis as A\n"
        "print('top level', flush=True)\n"
        "p = A.validate_params(sys.argv[1], n_boot=1000)\n"
        "metas, s = A.load(p)\n"
        "print(len(A.analyse(s, p, metas, workers=2).results))\n")
    import os
    r = subprocess.run([sys.executable, str(script), str(tiny_run)], capture_output=True,
                       text=True, timeout=300,
                       env=dict(os.environ, PYTHONPATH=str(A.builds.ROOT)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["top", "level", "1"]


def test_non_default_primary_rule(synthetic_run):
    p = A.validate_params(str(synthetic_run), n_boot=1000, outliers="tukey", outlier_param=3.0,
                          mechanisms=["uintr_event"])
    metas, s = A.load(p)
    assert set(s["mechanism"].astype(str)) == {"eventfd", "uintr_event"}
    an = A.analyse(s, p, metas)
    assert [r.outlier_rule for r in an.results] == ["tukey", "tukey"]
    assert "tukey(3)" in an.results_by_rule and "tukey(1.5)" in an.results_by_rule
    assert "outliers_removed" in an.descriptives.columns
    assert "outliers_removed" not in an.descriptives_valid.columns
    assert len(an.sensitivity) == 5 * 2


def test_several_runs_keep_boots_apart(tmp_path):
    spec = {"tcg": {"blocking": {"eventfd": 1e5, "pipe": 1.2e5}}}
    a = write_synthetic_run(tmp_path / "a", spec=spec, boots=2, n=40, seed=1)
    b = write_synthetic_run(tmp_path / "b", spec=spec, boots=2, n=40, seed=2)
    p = A.validate_params([str(a), str(b)], n_boot=1000)
    metas, s = A.load(p)
    assert s["boot"].nunique() == 4 and len(metas) == 2
    an = A.analyse(s, p, metas)
    assert an.results[0].n_boots_baseline == 4


# ---------------------------------------------------------------- study beside ours
def test_study_vs_ours_with_and_without_our_mechanism(analysed):
    s, an = analysed
    t = A.study_tables(an)
    mo = t["moments"].set_index(["mechanism", "mode"])
    assert (mo["ours"] == "measured").all()   # the synthetic run has both study methods
    r = mo.loc[("eventfd", "blocking")]
    d = an.descriptives_valid.set_index(["platform", "mechanism", "mode"]).loc[("tcg", "eventfd", "blocking")]
    assert r["ours_mean_us"] == pytest.approx(d["mean_us"])
    assert r["mean_ratio_ours_study"] == pytest.approx(d["mean_us"] / r["study_mean_us"])
    sp = t["speedups"].set_index("mode")
    assert sp.loc["blocking", "study_speedup_means"] == pytest.approx(523.533 / 266.885)
    assert sp.loc["blocking", "ours"] == "measured"
    assert sp.loc["blocking", "ours_study_style_speedup"] == pytest.approx(
        an.speedups.set_index(["platform", "mode"]).loc[("tcg", "blocking"), "mean_ratio"])
    # without uintr_event in our data: said so, no number
    descr = an.descriptives_valid[an.descriptives_valid["mechanism"] != "uintr_event"]
    t2 = study.study_vs_ours(descr, [])
    assert (t2["speedups"]["ours"] == "not measured on tcg").all()
    assert "ours_mean_ratio" not in t2["speedups"].columns
    assert set(t2["moments"].loc[t2["moments"]["mechanism"] == "uintr_event", "ours"]) == {
        "not measured on tcg"}
    assert len(t["differences"]) >= 8


def test_study_subset(analysed):
    s, _ = analysed
    sub = A.study_subset(s)
    assert set(sub["platform"].astype(str)) == {"tcg"}
    assert set(sub["mode"].astype(str)) == {"nonblocking", "blocking"}
    assert set(sub["mechanism"].astype(str)) == {"eventfd", "uintr_event"}


def test_boot_median_intervals_by_hand():
    rng = np.random.default_rng(3)
    x = rng.lognormal(10, 0.5, 101)
    df = pd.DataFrame({"platform": "tcg", "mechanism": "m", "mode": "blocking", "idle_us": 1000, "boot": 0,
                       "seq": np.arange(101), "latency_ns": x.astype(np.int64), "notify_ns": 0,
                       "ok": True, "slept": 1, "warmup": False})
    r = stats.boot_median_intervals(df).iloc[0]
    xs = np.sort(x.astype(np.int64) / 1e3)
    assert r["median_us"] == pytest.approx(np.median(xs))
    # order-statistic interval: the binomial ranks around the median
    from scipy import stats as st
    k = int(st.binom.ppf(0.025, 101, 0.5))
    assert xs[k - 2] <= r["ci_low_us"] <= xs[k + 1]
    assert r["ci_low_us"] < r["median_us"] < r["ci_high_us"]
    assert math.isclose(r["n"], 101)


# ---------------------------------------------------------------- the analysis cache
def _tables(an):
    return [an.speedups, an.sensitivity, an.descriptives, an.removed, an.power, an.boot_medians]


def test_cache_returns_the_same_analysis_and_recomputes_on_any_change(synthetic_run, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("UINTRLAB_CACHE", str(tmp_path / "cache"))
    p = A.validate_params(str(synthetic_run), n_boot=1000)
    metas, s = A.load(p)
    logs = []
    first = A.analyse_cached(s, p, metas, log=logs.append)
    files = list(A.cache_dir().glob("*.pkl"))
    assert len(files) == 1 and not any("from cache" in m for m in logs)
    again = A.analyse_cached(s, p, metas, log=logs.append)
    assert any("from cache" in m for m in logs) and "read from cache" in again.seconds
    for a, b in zip(_tables(first), _tables(again)):
        pd.testing.assert_frame_equal(a, b)
    assert again.results == first.results
    # other parameters, other samples: other keys
    key = A.cache_key(s, p)
    assert A.cache_key(s, A.validate_params(str(synthetic_run), n_boot=1000, seed=7)) != key
    assert A.cache_key(s, A.validate_params(str(synthetic_run), n_boot=1000, alpha=0.1)) != key
    s2 = s.copy()
    s2.loc[s2.index[-1], "latency_ns"] += 1
    assert A.cache_key(s2, p) != key
    # figures_dir does not change results
    assert A.cache_key(s, A.validate_params(str(synthetic_run), n_boot=1000,
                                            figures_dir="elsewhere")) == key


def test_cache_unreadable_entry_is_recomputed_and_cache_can_be_off(synthetic_run, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("UINTRLAB_CACHE", str(tmp_path / "cache"))
    p = A.validate_params(str(synthetic_run), n_boot=1000)
    metas, s = A.load(p)
    path = A.cache_dir() / f"{A.cache_key(s, p)}.pkl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"torn")
    logs = []
    an = A.analyse_cached(s, p, metas, log=logs.append)
    assert any("unreadable" in m for m in logs) and len(an.speedups) > 0
    assert path.stat().st_size > 100          # rewritten
    path.unlink()
    A.analyse_cached(s, p, metas, cache=False)
    monkeypatch.setenv("UINTRLAB_ANALYSIS_CACHE", "0")
    A.analyse_cached(s, p, metas)
    assert not path.exists()


def test_cache_key_covers_the_library_lock_and_numpy_integers(synthetic_run, monkeypatch, tmp_path):
    p = A.validate_params(str(synthetic_run), n_boot=1000)
    _, s = A.load(p)
    key = A.cache_key(s, p)
    assert A.cache_key(s, A.validate_params(str(synthetic_run), n_boot=np.int64(1000))) == key
    root = tmp_path / "root"
    (root / "env").mkdir(parents=True)
    (root / "env" / "requirements.txt").write_text("numpy==0.0\n")
    monkeypatch.setattr(A.builds, "ROOT", root)
    assert A.cache_key(s, p) != key
