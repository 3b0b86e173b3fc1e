"""Descriptive statistics per condition, and per-boot medians with their intervals."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..samples import check_stats_samples, split_conditions
from .checks import check_alpha


def describe(samples: pd.DataFrame, keep=None) -> pd.DataFrame:
    """Per-condition descriptive statistics, the study's columns and more.

    One row per ``(platform, mechanism, mode)``, sorted.  Statistics use the
    valid messages (ok, non-warmup), optionally restricted further by a
    ``keep`` mask from :func:`uintrlab.outliers.outlier_mask` (then the
    column ``outliers_removed`` says how many valid messages it dropped).

    Columns
    -------
    count            valid messages used.
    failures         non-warmup messages with ok == False.
    failure_rate     failures / (failures + valid messages before outlier
                     removal).
    warmup_excluded  warm-up messages (ok or not), excluded but counted.
    mean_us, min_us, max_us
    std_us           population sd as ipc-bench: sqrt(E[x^2] - mean^2)
                     (computed stably as numpy ``std(ddof=0)``).
    rate_msg_s       count / (sum of latencies in s), as ipc-bench.
    median_us, p90_us, p99_us, p999_us
                     quantiles by numpy's default linear interpolation
                     (Hyndman & Fan type 7).
    boots            distinct boots with at least one message used.
    unverified_sleep valid messages with slept == 0 (sleep not verified;
                     relevant in blocking mode).
    """
    check_stats_samples(samples)
    if keep is not None:
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (len(samples),):
            raise ValueError("keep must have one entry per row of samples")
    conds = split_conditions(samples, rows=keep is not None)
    keeps = None if keep is None else {k: keep[c.valid_rows] for k, c in conds.items()}
    return describe_conditions(conds, keeps)


def describe_conditions(conditions: dict, keeps: dict | None = None) -> pd.DataFrame:
    """:func:`describe` of conditions already split
    (:func:`uintrlab.samples.split_conditions`); ``keeps``: ``{key: keep}`` aligned with
    each condition's valid messages (e.g. from :func:`uintrlab.outliers.rule_keeps`)."""
    rows = []
    for key, c in conditions.items():
        k = None if keeps is None else keeps[key]
        x = (c.latency_ns if k is None else c.latency_ns[k]) / 1e3
        n = x.size
        failures, n_valid = c.failures, c.n_valid
        row = {
            "platform": key[0], "mechanism": key[1], "mode": key[2],
            "count": n, "failures": failures,
            "failure_rate": failures / (failures + n_valid) if failures + n_valid else np.nan,
            "warmup_excluded": c.warmup,
        }
        if n:
            q = np.quantile(x, [0.5, 0.9, 0.99, 0.999])
            row.update(mean_us=x.mean(), min_us=x.min(), max_us=x.max(),
                       std_us=x.std(ddof=0),
                       rate_msg_s=n / (x.sum() / 1e6) if x.sum() > 0 else np.nan,
                       median_us=q[0], p90_us=q[1], p99_us=q[2], p999_us=q[3])
        else:
            row.update({col: np.nan for col in ("mean_us", "min_us", "max_us", "std_us",
                                            "rate_msg_s", "median_us", "p90_us",
                                            "p99_us", "p999_us")})
        boot = c.boot if k is None else c.boot[k]
        slept = c.slept if k is None else c.slept[k]
        row["boots"] = int(np.unique(boot).size)
        row["unverified_sleep"] = int((slept == 0).sum())
        if keeps is not None:
            row["outliers_removed"] = n_valid - n
        rows.append(row)
    return pd.DataFrame(rows)


def boot_median_intervals(samples: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per-boot medians with distribution-free intervals, for every condition.

    One row per ``(platform, mechanism, mode, boot)`` over the valid messages:
    ``n``, ``median_us`` and ``ci_low_us``/``ci_high_us``, the order-statistic
    confidence interval of that boot's median (``scipy.stats.quantile_test``,
    binomial, no distributional assumption; NaN when the boot has too few
    messages for the level).  It describes one boot's messages only: the
    spread *between* boots (the unit of replication) is what the points
    show side by side.
    """
    check_stats_samples(samples)
    conf = check_alpha(confidence, "confidence")
    return boot_median_intervals_conditions(split_conditions(samples), conf)


def boot_median_intervals_conditions(conditions: dict, confidence: float = 0.95,
                                     map=map) -> pd.DataFrame:
    """:func:`boot_median_intervals` of conditions already split
    (:func:`uintrlab.samples.split_conditions`); ``map``: the map function that runs the
    conditions (a thread pool's computes them concurrently; the rows keep their order)."""
    conf = check_alpha(confidence, "confidence")

    def one(item):
        key, c = item
        rows = []
        for b in np.unique(c.boot):
            x = c.latency_ns[c.boot == b] / 1e3
            med = float(np.median(x))
            ci = _st.quantile_test(x, q=med, p=0.5).confidence_interval(conf)
            rows.append({"platform": key[0], "mechanism": key[1], "mode": key[2],
                         "boot": int(b), "n": int(x.size), "median_us": med,
                         "ci_low_us": float(ci.low), "ci_high_us": float(ci.high)})
        return rows

    rows = [r for part in map(one, list(conditions.items())) for r in part]
    return pd.DataFrame(rows, columns=["platform", "mechanism", "mode", "boot", "n",
                                       "median_us", "ci_low_us", "ci_high_us"])
