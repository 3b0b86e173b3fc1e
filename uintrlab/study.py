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
#: the columns the study's file (seed-results.csv) must have
STUDY_FILE_COLUMNS = ("method", "mode", "messages_sent", "messages_counted", "message_size",
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
    missing = [c for c in STUDY_FILE_COLUMNS if c not in df.columns]
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


# --------------------------------------------------------------------------
# the study beside our measurements
# --------------------------------------------------------------------------
STUDY_PLATFORM = "tcg"   # the study ran under QEMU TCG: compare with our tcg platform
MODE_NOTES = {
    "nonblocking": ("not the same condition: our reader polls (epoll_wait with timeout 0, or "
                    "spins) and never sleeps; the study's reader waited in epoll_wait with no "
                    "pause between messages, so it was running or only briefly asleep"),
    "blocking": ("same intent (the reader sleeps before every message); the study slept "
                 "100 ms without checking that the reader slept, we verify the sleep and then "
                 "wait idle_us (see the differences table)"),
}


def _get(d, *keys, default="not recorded"):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def protocol_differences(metas=None) -> pd.DataFrame:
    """What differs between the study's measurement and ours, one row per aspect; our
    side is read from the runs' metadata (the first run's; several runs are listed)."""
    m = (metas or [{}])[0] if metas else {}
    params = m.get("params", {}) if isinstance(m, dict) else {}
    tcg = _get(m, "platforms", "tcg", default={})
    qemu = _get(tcg, "qemu", "debian_version")
    patches = _get(tcg, "qemu", "patches", default=[])
    rows = [
        ("emulator", "a student QEMU fork with UINTR emulation bugs (ON bit, UINTR_TT, UIF); "
                     "version not reported",
         f"QEMU {qemu} (Debian source) with our patch series "
         f"({len(patches) if isinstance(patches, list) else '?'} patches)"),
        ("TCG threading", "not reported", f"{_get(tcg, 'tcg_threads')} "
                                          f"(vCPUs: {_get(tcg, 'smp')})"),
        ("guest kernel", "Intel's UINTR RFC v1 tree + the study's patches",
         f"Linux {_get(tcg, 'kernel', 'kernel_release')} (Debian linux-source) + our patches"),
        ("blocking: reader asleep?", "writer slept 100 ms before each message; not checked",
         f"verified per message (/proc state and context switches), then idle "
         f"{params.get('idle_us', 'not recorded')} µs; each sample records it"),
        ("non-blocking reader", "epoll_wait, no pause between messages",
         "polls: epoll_wait with timeout 0 (futex/spin: shared word)"),
        ("failed messages", "dropped and not reported per run (visible as sent − counted)",
         f"kept with ok = 0 and counted; timeout {params.get('timeout_ms', 'not recorded')} ms"),
        ("replication", "one pooled series per method; QEMU restarted, number of boots "
                        "not reported",
         f"{params.get('boots', 'not recorded')} boots per platform; each boot a fresh QEMU "
         "and guest, conditions in seeded random order"),
        ("warm-up", "not reported", f"first {params.get('warmup', 'not recorded')} messages "
                                    "of each condition and boot excluded, counted"),
        ("pinning", "not reported (2 vCPUs)",
         f"writer CPU {params.get('writer_cpu', '?')}, reader CPU {params.get('reader_cpu', '?')}"),
        ("statistics", "mean, min, max, sd, rate of the pooled series",
         "per-boot medians, hierarchical bootstrap intervals, per-boot test, Holm"),
    ]
    return pd.DataFrame(rows, columns=["aspect", "study", "ours"])


def _study_style(d: pd.DataFrame, base: str, mech: str, mode: str, confidence: float) -> dict:
    """Our data analysed the study's way: pooled means, Welch from summary statistics,
    delta-method interval (every message independent; shown for comparison only)."""
    try:
        b, m = d.loc[(base, mode)], d.loc[(mech, mode)]
    except KeyError:
        return {}
    nb, nm = int(b["count"]), int(m["count"])
    if nb < 2 or nm < 2:
        return {}
    sb = float(b["std_us"]) * math.sqrt(nb / (nb - 1))
    sm = float(m["std_us"]) * math.sqrt(nm / (nm - 1))
    t = _st.ttest_ind_from_stats(float(b["mean_us"]), sb, nb, float(m["mean_us"]), sm, nm,
                                 equal_var=False)
    r, lo, hi, _ = ratio_of_means_ci(float(b["mean_us"]), sb, nb, float(m["mean_us"]), sm, nm,
                                     confidence)
    return {"ours_study_style_speedup": r, "ours_study_style_ci_low": lo,
            "ours_study_style_ci_high": hi, "ours_study_style_p_welch": float(t.pvalue)}


def study_vs_ours(descriptives: pd.DataFrame, results=(), *, platform: str = STUDY_PLATFORM,
                  path=None, metas=None, confidence: float = 0.95) -> dict:
    """The study's published numbers beside ours.

    ``descriptives``: :func:`uintrlab.stats.describe` of our data (valid messages,
    no outlier rule, as the study removed none); ``results``:
    :func:`uintrlab.stats.compare` results (any platform/mode; those of ``platform``
    whose baseline and mechanism are a study pair are used).  Works whatever
    mechanisms our data has: what we did not measure is said so, not omitted.

    Returns a dict of DataFrames:

    * ``moments``: one row per study row (method, mode): the study's n (counted),
      dropped, mean, sd (population, as published), min, max; ours on ``platform``
      (count, failures, boots, mean, sd, min, max, median, p99) or "not measured";
      ``mean_ratio_ours_study``; ``note`` (what differs in that mode).
    * ``speedups``: per mode and study pair: the study's ratio of means with its
      delta-method interval and Welch p (:func:`study_speedups`), ours (ratio of means
      and of medians with hierarchical-bootstrap intervals, per-boot test p; and our
      data analysed the study's way: pooled ratio of means, delta-method interval,
      Welch p, ``ours_study_style_*``) or "not measured".
    * ``differences``: :func:`protocol_differences`.
    """
    st = load_study(path)
    d = descriptives.copy()
    for c in ("platform", "mechanism", "mode"):
        d[c] = d[c].astype(str)
    d = d[d["platform"] == platform].set_index(["mechanism", "mode"])
    rows = []
    for _, s in st.iterrows():
        key = (s["method"], s["mode"])
        row = {"mechanism": s["method"], "mode": s["mode"],
               "study_n": int(s["messages_counted"]), "study_dropped": int(s["dropped"]),
               "study_mean_us": float(s["mean_us"]), "study_sd_us": float(s["std_us"]),
               "study_min_us": float(s["min_us"]), "study_max_us": float(s["max_us"])}
        if key in d.index and d.loc[key, "count"] > 0:
            o = d.loc[key]
            row.update({"ours": "measured", "ours_n": int(o["count"]),
                        "ours_failures": int(o["failures"]), "ours_boots": int(o["boots"]),
                        "ours_mean_us": o["mean_us"], "ours_sd_us": o["std_us"],
                        "ours_min_us": o["min_us"], "ours_max_us": o["max_us"],
                        "ours_median_us": o["median_us"], "ours_p99_us": o["p99_us"],
                        "mean_ratio_ours_study": o["mean_us"] / float(s["mean_us"])})
        else:
            row.update({"ours": f"not measured on {platform}"})
        row["note"] = MODE_NOTES.get(s["mode"], "")
        rows.append(row)
    moments = pd.DataFrame(rows)

    methods = list(dict.fromkeys(st["method"]))
    base = methods[0] if methods else "eventfd"
    ours = {(r.mode, r.baseline, r.mechanism): r for r in results if r.platform == platform}
    srows = []
    for mech in methods[1:]:
        sp = study_speedups(path, baseline=base, mechanism=mech,
                            modes=tuple(dict.fromkeys(st["mode"])), confidence=confidence)
        for _, s in sp.iterrows():
            row = {"mode": s["mode"], "baseline": base, "mechanism": mech,
                   "study_speedup_means": s["speedup"], "study_ci_low": s["speedup_ci_low"],
                   "study_ci_high": s["speedup_ci_high"], "study_p_welch": s["p_welch"]}
            r = ours.get((s["mode"], base, mech))
            if r is None:
                row["ours"] = f"not measured on {platform}"
            else:
                row.update(_study_style(d, base, mech, s["mode"], confidence))
                row.update({"ours": "measured",
                            "ours_mean_ratio": r.mean_ratio,
                            "ours_mean_ratio_ci_low": r.mean_ratio_ci.low,
                            "ours_mean_ratio_ci_high": r.mean_ratio_ci.high,
                            "ours_median_ratio": r.median_ratio,
                            "ours_median_ratio_ci_low": r.median_ratio_ci.low,
                            "ours_median_ratio_ci_high": r.median_ratio_ci.high,
                            "ours_p_boot_medians": r.p_boot_medians,
                            "ours_boots": f"{r.n_boots_baseline}/{r.n_boots_mechanism}"})
            row["note"] = MODE_NOTES.get(s["mode"], "")
            srows.append(row)
    return {"moments": moments, "speedups": pd.DataFrame(srows),
            "differences": protocol_differences(metas)}
