"""Tests of uintrlab.outliers: rules, masks, counts, sensitivity."""
import math

import numpy as np
import pandas as pd
import pytest

from uintrlab import outliers as O
from uintrlab import stats as S
from uintrlab.samples import valid_mask


def frame(rng, *, conds=(("eventfd", 0.0), ("uintr_event", -0.4)), boots=5, n=400,
          tau=0.1, sigma=0.3, frac=0.005, mult=30.0, low_frac=0.0, fail=0.01, warm=3):
    """Bulk log-normal latencies per condition and boot; a fraction ``frac``
    of valid messages multiplied by ``mult`` (host-interference spikes), and
    optionally ``low_frac`` divided by ``mult``.  Column ``injected`` marks them."""
    out = []
    for mech, eff in conds:
        for j in range(boots):
            y = math.log(150e3) + eff + rng.normal(0, tau) + rng.normal(0, sigma, n)
            lat = np.exp(y)
            ok = rng.random(n) >= fail
            warmup = np.arange(n) < warm
            valid = ok & ~warmup
            hi = valid & (rng.random(n) < frac)
            lo = valid & ~hi & (rng.random(n) < low_frac)
            lat[hi] *= mult
            lat[lo] /= mult
            out.append(pd.DataFrame({
                "platform": "tcg", "mechanism": mech, "mode": "blocking", "idle_us": 1000, "boot": j,
                "seq": np.arange(n), "latency_ns": np.where(ok, lat, 0).astype(np.int64),
                "notify_ns": np.int64(400), "ok": ok, "slept": np.int8(1),
                "warmup": warmup, "injected": hi | lo}))
    return pd.concat(out, ignore_index=True)


@pytest.fixture(scope="module")
def data():
    return frame(np.random.default_rng(123))


@pytest.mark.parametrize("rule,param", [("tukey", 1.5), ("mad", 3.5), ("trim", 1.0)])
def test_rule_removes_injected_and_keeps_bulk(data, rule, param):
    keep, removed = O.outlier_mask(data, rule, param)
    valid = valid_mask(data)
    inj = data["injected"].to_numpy()
    assert inj.sum() > 10
    assert not keep[inj].any(), "every injected outlier is removed"
    bulk = valid & ~inj
    for mech in ("eventfd", "uintr_event"):
        m = bulk & (data["mechanism"].to_numpy() == mech)
        assert keep[m].mean() >= 0.97, (mech, keep[m].mean())
    assert not keep[~valid].any()          # failures and warm-ups never kept
    assert removed["removed"].sum() == (valid & ~keep).sum()   # ...nor counted
    assert (removed["n_valid"] == [valid[data["mechanism"] == m].sum()
                                   for m in removed["mechanism"]]).all()


def test_low_side_outliers_tukey_and_mad():
    d = frame(np.random.default_rng(5), frac=0.0, low_frac=0.005)
    inj = d["injected"].to_numpy()
    for rule in ("tukey", "mad"):
        keep, removed = O.outlier_mask(d, rule)
        assert not keep[inj].any()
        assert removed["removed_low"].sum() >= inj.sum()


def test_rule_none_keeps_all_valid(data):
    keep, removed = O.outlier_mask(data, "none")
    assert (keep == valid_mask(data)).all()
    assert (removed["removed"] == 0).all() and removed["param"].isna().all()


def test_trim_exact_count_and_determinism(data):
    keep, removed = O.outlier_mask(data, "trim", 2.5)
    for _, r in removed.iterrows():
        assert r["removed"] == math.floor(r["n_valid"] * 2.5 / 100)
    keep2, _ = O.outlier_mask(data.copy(), "trim", 2.5)
    assert (keep == keep2).all()
    # only the top is trimmed
    assert (removed["removed_low"] == 0).all()


def test_pooled_per_condition_fences():
    # a condition at a 10x higher level is not an outlier of itself
    d = frame(np.random.default_rng(9), conds=(("eventfd", 0.0), ("pipe", math.log(10))),
              frac=0.0)
    keep, removed = O.outlier_mask(d, "mad")
    assert removed["removed"].sum() <= 2
    f = removed.set_index("mechanism")
    # pipe bulk ~1500 us: its lower fence sits far above eventfd's 150 us level
    assert f.loc["pipe", "lower_us"] > 3 * 150 > f.loc["eventfd", "lower_us"]


def test_mad_zero_removes_nothing():
    x = np.array([100.0] * 10 + [1e6])
    keep, lo, hi = O.rule_keep(x, "mad")
    assert keep.all()
    keep, _, _ = O.rule_keep(x, "tukey")
    assert keep.sum() == 10


def test_mad_constant_by_hand():
    y = np.log(np.array([10, 11, 12, 13, 14, 100.0]))
    med = np.median(y)
    mad = np.median(np.abs(y - med))
    z = 0.6745 * (y - med) / mad
    keep, _, _ = O.rule_keep(np.exp(y), "mad", 3.5)
    assert (keep == (np.abs(z) <= 3.5)).all() and not keep[-1]


@pytest.mark.parametrize("rule,param,name", [
    ("iqr", None, "rule"), ("Tukey", None, "rule"), (None, None, "rule"),
    ("tukey", -1, "param"), ("mad", 0, "param"), ("trim", 50, "param"),
    ("trim", "x", "param"),
])
def test_bad_rule_parameters(data, rule, param, name):
    with pytest.raises(ValueError, match=name):
        O.outlier_mask(data, rule, param)


def test_unknown_rule_message_lists_choices():
    with pytest.raises(ValueError) as e:
        O.check_rule("winsor")
    msg = str(e.value)
    assert "rule" in msg and all(r in msg for r in O.RULES)


def test_sensitivity_table(data):
    t = S.sensitivity(data, "uintr_event", n_boot=1000, seed=1)
    assert list(t["rule"]) == ["none", "tukey", "mad", "trim"]
    assert (t["direction"] == "mechanism faster").all()
    assert t["significant"].all() and t["survives"].all() and t["all_survive"].all()
    assert (t.loc[t["rule"] == "none", ["removed_baseline", "removed_mechanism"]] == 0).all(axis=None)
    assert (t.loc[t["rule"] != "none", "removed_baseline"] > 0).all()
    t2 = S.sensitivity(data, "uintr_event", n_boot=1000, seed=1,
                       rules=["tukey", ("trim", 5.0)], reference="none")
    assert list(t2["rule"]) == ["none", "tukey", "trim"]
    assert t2.loc[2, "param"] == 5.0


def test_sensitivity_flags_a_conclusion_that_does_not_survive():
    # Baseline: 8 % host spikes (x30) on a bulk at level 0; mechanism: no
    # spikes, bulk 1.5 % slower.  Without removal the spikes push the
    # baseline median above the mechanism's (mechanism "faster"); Tukey and
    # MAD remove the spikes and the direction flips; a 1 % trim does not.
    rng = np.random.default_rng(2)
    d = pd.concat([frame(rng, conds=(("eventfd", 0.0),), boots=4, n=2000, tau=0.002, frac=0.08),
                   frame(rng, conds=(("pipe", 0.015),), boots=4, n=2000, tau=0.002, frac=0.0)],
                  ignore_index=True)
    t = S.sensitivity(d, "pipe", n_boot=1000, seed=2).set_index("rule")
    assert t.loc["none", "direction"] == "mechanism faster"
    assert t.loc["tukey", "direction"] == t.loc["mad", "direction"] == "baseline faster"
    assert t.loc["trim", "direction"] == "mechanism faster"
    assert list(t["survives"]) == [True, False, False, True]
    assert not t["all_survive"].any()
    assert (t["survives"] == (t["direction_survives"] & t["significance_survives"])).all()
