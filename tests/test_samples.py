"""uintrlab.samples: valid messages and the per-condition split the statistics use."""
import numpy as np
import pandas as pd
import pytest

from uintrlab import samples as SM
from uintrlab import stats as S


def frame():
    rows = []
    for mech, lat in (("eventfd", [5, 0, 7, 9, 4]), ("pipe", [3, 8, 2, 6, 1])):
        for i, v in enumerate(lat):
            rows.append({"platform": "tcg", "mechanism": mech, "mode": "blocking", "idle_us": 1000, "boot": i % 2,
                         "seq": i, "latency_ns": v * 1000, "notify_ns": 0,
                         "ok": i != 3, "slept": int(i != 1), "warmup": i == 0})
    return pd.DataFrame(rows)


def test_split_conditions_keeps_valid_messages_in_row_order_and_counts_the_rest():
    df = frame()
    conds = SM.split_conditions(df, rows=True)
    assert list(conds) == [("tcg", "eventfd", "blocking"), ("tcg", "pipe", "blocking")]
    c = conds[("tcg", "pipe", "blocking")]
    # rows 5..9: warm-up row 5, failed row 8 are not valid
    assert c.latency_ns.tolist() == [8000.0, 2000.0, 1000.0] and c.latency_ns.dtype == np.float64
    assert c.boot.tolist() == [1, 0, 0] and c.slept.tolist() == [0, 1, 1]
    assert (c.failures, c.warmup, c.n_valid) == (1, 1, 3)
    assert c.valid_rows.tolist() == [6, 7, 9]
    assert SM.split_conditions(df)[c.key].valid_rows is None
    assert SM.valid_mask(df)[c.valid_rows].all()


def test_the_statistics_need_only_the_columns_they_read():
    df = frame().drop(columns=["seq", "notify_ns", "idle_us"])
    assert set(SM.STATS_COLUMNS) == set(df.columns)
    assert len(S.describe(df)) == 2
    with pytest.raises(ValueError, match=r"samples is missing column\(s\) \['slept'\]"):
        S.describe(df.drop(columns=["slept"]))
    with pytest.raises(ValueError, match="samples is missing column"):
        SM.check_samples(df)                     # the full schema still names every column


def test_check_selection_names_the_parameter_and_lists_what_exists():
    conds = {("tcg", "eventfd", "blocking"), ("tcg", "pipe", "blocking"),
             ("native", "eventfd", "nonblocking"), ("native", "spin", "nonblocking"),
             ("tcg", "eventfd", "nonblocking")}
    assert S.check_selection(conds, "pipe", "eventfd", "blocking") == "tcg"
    assert S.check_selection(conds, "spin", "eventfd", "nonblocking", "native") == "native"
    for args, msg in [
        (("pipe", "eventfd", "pingpong"), r"mode='pingpong' not in data; available: \['blocking', 'nonblocking'\]"),
        (("spin", "eventfd", "nonblocking"), r"platform must be given: mode 'nonblocking' has platforms \['native', 'tcg'\]"),
        (("pipe", "eventfd", "blocking", "native"), r"platform='native' not in data for mode 'blocking'"),
        (("futex", "eventfd", "blocking"), r"mechanism='futex' not in data; available: \['eventfd', 'pipe'\]"),
        (("pipe", "futex", "blocking"), r"baseline='futex' not in data"),
    ]:
        with pytest.raises(ValueError, match=msg):
            S.check_selection(conds, *args)
