"""Tests of uintrlab.study against the published numbers and by hand."""
import math

import pandas as pd
import pytest
from scipy import stats as st

from uintrlab import study


@pytest.fixture(scope="module")
def table():
    return study.study_speedups()


def test_load_default_path_and_consistency():
    df = study.load_study()
    assert study.default_path().parts[-3:] == ("data", "study", "seed-results.csv")
    assert len(df) == 4
    # the published totals reproduce the published means
    assert (abs(df["mean_check_us"] - df["mean_us"]) < 1e-3).all()
    # ipc-bench rate = count / total seconds
    assert (abs(df["messages_counted"] / (df["total_ms"] / 1e3) - df["rate_msg_s"]) < 1).all()
    assert df.set_index(["method", "mode"]).loc[("eventfd", "nonblocking"), "dropped"] == 425
    assert df.set_index(["method", "mode"]).loc[("eventfd", "blocking"), "dropped"] == 208


def test_blocking_speedup_welch_and_interval(table):
    r = table.set_index("mode").loc["blocking"]
    assert r["speedup"] == pytest.approx(523.533 / 266.885)
    assert r["time_saved"] == pytest.approx(1 - 266.885 / 523.533)
    # Welch by hand with sample sds from the population sds
    nb, nm = 9792, 9999
    sb = 865.047 * math.sqrt(nb / (nb - 1))
    sm = 261.965 * math.sqrt(nm / (nm - 1))
    se = math.sqrt(sb ** 2 / nb + sm ** 2 / nm)
    t = (523.533 - 266.885) / se
    assert r["welch_t"] == pytest.approx(t, rel=1e-10)
    ref = st.ttest_ind_from_stats(523.533, sb, nb, 266.885, sm, nm, equal_var=False)
    assert r["p_welch"] == ref.pvalue and r["p_welch"] < 1e-100
    assert r["welch_df"] == pytest.approx(
        se ** 4 / ((sb ** 2 / nb) ** 2 / (nb - 1) + (sm ** 2 / nm) ** 2 / (nm - 1)))
    # delta-method interval on the log ratio contains the estimate, is
    # multiplicatively symmetric, and agrees with Fieller's interval
    lo, hi = r["speedup_ci_low"], r["speedup_ci_high"]
    assert lo < r["speedup"] < hi
    assert r["speedup"] / lo == pytest.approx(hi / r["speedup"])
    z = st.norm.ppf(0.975)
    a, b = 523.533, 266.885
    va, vb = sb ** 2 / nb, sm ** 2 / nm
    g = z ** 2 * vb / b ** 2
    half = z / b * math.sqrt(va + (a / b) ** 2 * vb - g * va)
    f_lo = ((a / b) - half) / (1 - g)
    f_hi = ((a / b) + half) / (1 - g)
    assert lo == pytest.approx(f_lo, rel=2e-3) and hi == pytest.approx(f_hi, rel=2e-3)


def test_nonblocking_row(table):
    r = table.set_index("mode").loc["nonblocking"]
    assert r["speedup"] == pytest.approx(93.542 / 89.837)
    assert r["dropped_baseline"] == 425 and r["dropped_mechanism"] == 1
    assert "independent" in r["caveat"]


def test_path_override(tmp_path):
    src = pd.read_csv(study.default_path())
    src.to_csv(tmp_path / "seed-results.csv", index=False)
    a = study.study_speedups(tmp_path)
    b = study.study_speedups(tmp_path / "seed-results.csv")
    pd.testing.assert_frame_equal(a, b)


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="path"):
        study.load_study(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="mechanism"):
        study.study_speedups(mechanism="uintr")
    with pytest.raises(ValueError, match="baseline"):
        study.study_speedups(baseline="pipe")
    with pytest.raises(ValueError, match="mode"):
        study.study_speedups(modes=("pingpong",))
    with pytest.raises(ValueError, match="confidence"):
        study.study_speedups(confidence=1.5)


def test_repo_copy_matches_the_reference():
    ref = study.reference_path()
    if not ref.exists():
        pytest.skip("no ../shared/reference beside this clone")
    assert study.default_path().read_bytes() == ref.read_bytes()
