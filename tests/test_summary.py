"""summarize: the study's columns and ipc-bench's RESULTS block, against hand-computed values."""
import numpy as np
import pandas as pd

from uintrlab import data, summary


def tiny():
    # 4 ok messages of 10, 20, 30, 40 us, one failure, one warm-up of 1000 us
    lat = [1_000_000, 10_000, 20_000, 30_000, 40_000, -1]
    return data.normalize(pd.DataFrame({
        "platform": "tcg", "mechanism": "eventfd", "mode": "blocking", "idle_us": 1000, "boot": 0,
        "seq": np.arange(6), "latency_ns": lat, "notify_ns": 1000,
        "ok": [True, True, True, True, True, False], "slept": 1,
        "warmup": [True, False, False, False, False, False]}))


def test_table_by_hand():
    r = summary.table(tiny()).loc[("tcg", "eventfd", "blocking")]
    assert r["count"] == 4 and r["failures"] == 1 and r["warmup_excluded"] == 1
    assert r["mean_us"] == 25.0 and r["min_us"] == 10.0 and r["max_us"] == 40.0
    assert np.isclose(r["std_us"], np.sqrt((15**2 + 5**2 + 5**2 + 15**2) / 4))  # population sd
    assert np.isclose(r["rate_msg_s"], 4 / 100e-6)                            # count / total time
    assert r["median_us"] == 25.0


def test_results_block_by_hand():
    text = summary.results_blocks(tiny())
    assert "Message count:      4" in text
    assert "Total duration:     0.100\tms" in text
    assert "Average duration:   25.000\tus" in text
    assert "Standard deviation: 11.180\tus" in text
    assert "Message rate:       40000\tmsg/s" in text


def test_markdown_table():
    md = summary.table_markdown(tiny()).splitlines()
    assert md[0].startswith("| platform | mechanism | mode | count | failures | mean_us")
    assert md[2].startswith("| tcg | eventfd | blocking | 4 | 1 | 25.0 | 10.0 | 40.0 |")
