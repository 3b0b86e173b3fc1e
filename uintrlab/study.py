"""The original study's numbers, re-analysed from its published summaries.

The study (``shared/reference/seed-results.csv``) published, per method and
mode, one pooled series: messages sent and counted (failures dropped), the
total of latencies, mean, min, max, population standard deviation
(ipc-bench: ``sqrt(E[x^2] - mean^2)``) and rate.  From mean, sd and n we
compute what it could have reported:

* ``speedup`` = ratio of means ``mean_baseline / mean_mechanism`` (same
  convention as :mod:`uintrlab.stats`: > 1 means the mechanism is faster);
  ``time_saved`` = ``1 - mean_mechanism / mean_baseline`` (the study's
  "about 50 % faster" for blocking is 0.49 here, a speedup of 1.96).
* Welch's t-test from summary statistics
  (``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``), after
  converting the population sd to the sample sd (``* sqrt(n / (n - 1))``).
* A 95 % interval for the ratio of means by the **delta method on the log
  ratio**: ``se(log r) = sqrt(s_b^2 / (n_b m_b^2) + s_m^2 / (n_m m_m^2))``,
  interval ``r * exp(+-z se)``.  On the log scale the interval stays
  positive and asymmetric like the ratio itself; with n in the thousands and
  coefficients of variation below 10 the delta method and Fieller's
  interval agree to the digits shown (Fieller's is unbounded only when a
  mean is not significantly different from 0, far from the case here).

Caveats, carried in the ``caveat`` column: every message is treated as an
independent observation (one pooled series; how many QEMU boots it spans is
not reported), so the test and interval are too narrow if boots differ;
failed messages were dropped (``dropped`` column) which biases the mean if
failures are slow messages; the means are dominated by heavy host outliers
(max 34 906 us against a 93.5 us mean).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from scipy import stats as _st

STUDY_FILE = "seed-results.csv"
STUDY_COLUMNS = ("method", "mode", "messages_sent", "messages_counted", "message_size",
                 "total_ms", "mean_us", "min_us", "max_us", "std_us", "rate_msg_s",
                 "platform")
CAVEAT = ("one pooled series per method treated as independent messages (boots not "
          "reported), failures dropped, means dominated by host outliers")


def default_path() -> Path:
    """``<repo root>/data/study/seed-results.csv`` (the study's numbers, kept in the repo)."""
    return Path(__file__).resolve().parents[1] / "data" / "study" / STUDY_FILE


def reference_path() -> Path:
    """The project's reference copy, ``<repo root>/../shared/reference/seed-results.csv``."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "reference" / STUDY_FILE


def load_study(path: str | Path | None = None) -> pd.DataFrame:
    """Read the study's summary table (default :func:`default_path`; a
    directory means ``<dir>/seed-results.csv``).  Adds ``dropped`` (sent -
    counted), ``drop_rate`` and ``mean_check_us`` (total_ms * 1000 / counted,
    which must reproduce mean_us)."""
    p = default_path() if path is None else Path(path)
    if p.is_dir():
        p = p / STUDY_FILE
    if not p.is_file():
        raise ValueError(f"path: study file not found: {p}")
    df = pd.read_csv(p)
    missing = [c for c in STUDY_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"path: {p} lacks column(s) {missing}")
    df["dropped"] = df["messages_sent"] - df["messages_counted"]
    df["drop_rate"] = df["dropped"] / df["messages_sent"]
    df["mean_check_us"] = df["total_ms"] * 1e3 / df["messages_counted"]
    return df


def ratio_of_means_ci(mean_b, sd_b, n_b, mean_m, sd_m, n_m, confidence=0.95):
    """Delta-method interval for ``mean_b / mean_m`` on the log scale.
    ``sd_*`` are sample standard deviations.  Returns ``(ratio, lo, hi, se_log)``."""
    if not (0 < confidence < 1):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    r = mean_b / mean_m
    se = math.sqrt(sd_b ** 2 / (n_b * mean_b ** 2) + sd_m ** 2 / (n_m * mean_m ** 2))
    z = _st.norm.ppf(0.5 + confidence / 2)
    return r, r * math.exp(-z * se), r * math.exp(z * se), se


def study_speedups(path: str | Path | None = None, *, baseline: str = "eventfd",
                   mechanism: str = "uintr_event",
                   modes=("nonblocking", "blocking"), confidence: float = 0.95) -> pd.DataFrame:
    """The study's speedup of ``mechanism`` over ``baseline`` per mode.

    Columns: platform, mode, baseline, mechanism, n/mean/sd (sample sd) of
    each, dropped_baseline, dropped_mechanism, speedup (ratio of means,
    baseline/mechanism), speedup_ci_low, speedup_ci_high (delta method on
    the log ratio), time_saved, mean_diff_us, welch_t, welch_df, p_welch,
    confidence, caveat.
    """
    df = load_study(path)
    for name, val in (("baseline", baseline), ("mechanism", mechanism)):
        if val not in set(df["method"]):
            raise ValueError(f"{name}={val!r} not in study data; available: "
                             f"{sorted(set(df['method']))}")
    rows = []
    for mode in modes:
        if mode not in set(df["mode"]):
            raise ValueError(f"mode={mode!r} not in study data; available: "
                             f"{sorted(set(df['mode']))}")
        b = df[(df["method"] == baseline) & (df["mode"] == mode)]
        m = df[(df["method"] == mechanism) & (df["mode"] == mode)]
        if len(b) != 1 or len(m) != 1:
            raise ValueError(f"mode={mode!r}: expected one row each for {baseline!r} and "
                             f"{mechanism!r}, found {len(b)} and {len(m)}")
        b, m = b.iloc[0], m.iloc[0]
        nb, nm = int(b["messages_counted"]), int(m["messages_counted"])
        sb = float(b["std_us"]) * math.sqrt(nb / (nb - 1))
        sm = float(m["std_us"]) * math.sqrt(nm / (nm - 1))
        mb, mm = float(b["mean_us"]), float(m["mean_us"])
        t = _st.ttest_ind_from_stats(mb, sb, nb, mm, sm, nm, equal_var=False)
        vb, vm = sb ** 2 / nb, sm ** 2 / nm
        df_w = (vb + vm) ** 2 / (vb ** 2 / (nb - 1) + vm ** 2 / (nm - 1))
        r, lo, hi, _ = ratio_of_means_ci(mb, sb, nb, mm, sm, nm, confidence)
        rows.append({
            "platform": b["platform"], "mode": mode, "baseline": baseline,
            "mechanism": mechanism,
            "n_baseline": nb, "mean_baseline_us": mb, "sd_baseline_us": sb,
            "n_mechanism": nm, "mean_mechanism_us": mm, "sd_mechanism_us": sm,
            "dropped_baseline": int(b["dropped"]), "dropped_mechanism": int(m["dropped"]),
            "speedup": r, "speedup_ci_low": lo, "speedup_ci_high": hi,
            "time_saved": 1 - mm / mb, "mean_diff_us": mb - mm,
            "welch_t": float(t.statistic), "welch_df": df_w, "p_welch": float(t.pvalue),
            "confidence": confidence, "caveat": CAVEAT,
        })
    return pd.DataFrame(rows)
