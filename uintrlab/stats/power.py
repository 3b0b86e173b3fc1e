"""How many boots and messages a comparison needs: variance components of log latency
and the power of a two-sample t-test on boot summaries."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from ..outliers import rule_keeps
from ..samples import check_stats_samples, log_latency, split_conditions
from .checks import check_alpha, check_positive_int


def variance_components(values, boots):
    """One-way random-effects ANOVA (method of moments) on ``values``
    (log latencies) grouped by ``boots``.

    Model ``y_ij = mu + b_j + e_ij``, ``Var b = tau2`` (between boots),
    ``Var e = sigma2`` (within).  ``sigma2 = MSW``, ``tau2 = max(0, (MSB -
    MSW) / n0)`` with ``n0 = (N - sum n_j^2 / N) / (a - 1)`` (unbalanced
    design).  Returns ``(tau2, sigma2, a, N)``; ``tau2`` is NaN with one
    boot.
    """
    y = np.asarray(values, dtype=np.float64)
    b = np.asarray(boots)
    _, inv = np.unique(b, return_inverse=True)
    a, N = int(inv.max()) + 1, y.size
    nj = np.bincount(inv, minlength=a).astype(np.float64)
    mj = np.bincount(inv, weights=y, minlength=a) / nj
    ssw = float(((y - mj[inv]) ** 2).sum())
    sigma2 = ssw / (N - a) if N > a else np.nan
    if a < 2:
        return np.nan, sigma2, a, N
    msb = float((nj * (mj - y.mean()) ** 2).sum()) / (a - 1)
    n0 = (N - (nj ** 2).sum() / N) / (a - 1)
    return max(0.0, (msb - sigma2) / n0), sigma2, a, N


def _crit(a, alpha, power):
    df = 2 * a - 2
    return _st.t.ppf(1 - alpha / 2, df) + _st.t.ppf(power, df)


def boots_needed(tau2, sigma2, messages, *, effect=0.10, alpha=0.05, power=0.80,
                 within_factor=1.0, max_boots=100_000) -> float:
    """Boots per group to detect a ``effect`` relative difference.

    Two groups, ``a`` boots each with ``n = messages`` messages; the
    boot-level summary (mean log latency, or median with ``within_factor``)
    has variance ``tau2 + within_factor * sigma2 / n``; a two-sample t-test
    on the boot summaries (df = 2a - 2) detects ``delta = log(1 + effect)``
    when ``(t_{1-alpha/2} + t_{power}) * sqrt(2 (tau2 + f sigma2 / n) / a)
    <= delta``.  Returns the smallest such ``a >= 2`` (NaN if tau2 or sigma2
    is NaN, inf if above ``max_boots``).
    """
    alpha = check_alpha(alpha)
    check_alpha(power, "power")
    if not effect > 0:
        raise ValueError(f"effect must be > 0, got {effect!r}")
    messages = check_positive_int(messages, "messages")
    if not (np.isfinite(tau2) and np.isfinite(sigma2)):
        return np.nan
    delta = math.log1p(effect)
    v = tau2 + within_factor * sigma2 / messages
    if v <= 0:
        return 2.0
    ok = lambda a: _crit(a, alpha, power) * math.sqrt(2 * v / a) <= delta  # noqa: E731
    if not ok(max_boots):
        return np.inf
    lo, hi = 1, max_boots  # ok(hi) true; find smallest a >= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return float(max(2, hi))


def messages_needed(tau2, sigma2, boots, *, effect=0.10, alpha=0.05, power=0.80,
                    within_factor=1.0) -> float:
    """Messages per boot needed with ``boots`` boots per group (same model
    as :func:`boots_needed`): ``n >= f sigma2 / (a delta^2 / (2 c^2) - tau2)``
    with ``c = t_{1-alpha/2} + t_power`` (df = 2a - 2); ``inf`` when the
    between-boot variance alone already prevents detection at ``a`` boots."""
    alpha = check_alpha(alpha)
    check_alpha(power, "power")
    a = check_positive_int(boots, "boots")
    if a < 2:
        raise ValueError(f"boots must be >= 2, got {boots!r}")
    if not (np.isfinite(tau2) and np.isfinite(sigma2)):
        return np.nan
    c = _crit(a, alpha, power)
    room = a * math.log1p(effect) ** 2 / (2 * c ** 2) - tau2
    if room <= 0:
        return np.inf
    return float(max(1, math.ceil(within_factor * sigma2 / room)))


def power_table(samples: pd.DataFrame, *, effect: float = 0.10, alpha: float = 0.05,
                power: float = 0.80, messages: Sequence[int] = (100, 1000, 10_000, 100_000),
                boots: Sequence[int] = (5, 10, 20), statistic: str = "median",
                outliers: str = "none", outlier_param=None) -> pd.DataFrame:
    """Boots and messages needed to detect a ``effect`` (default 10 %)
    difference, per condition, at the observed variance components.

    For each condition, ``tau2`` (between-boot) and ``sigma2`` (within-boot)
    of log latency are estimated by :func:`variance_components` on the valid
    messages (after the outlier rule).  The comparison is assumed to be
    against a condition with the same components.  ``statistic="mean"``:
    boot summary = mean log latency (within factor 1); ``"median"``:
    per-boot median, within factor pi/2 (sampling variance of a median
    relative to a mean for normal data; for heavier-tailed log latencies
    the median is relatively better, so this is then conservative).

    Returns one row per condition and design: columns platform, mechanism,
    mode, n_boots_observed, messages_observed (mean per boot), tau_log,
    sigma_log, icc, statistic, effect, alpha, power, design
    (``"messages"``: given messages per boot -> boots_needed;
    ``"boots"``: given boots -> messages_needed), messages_per_boot,
    boots_per_group, plus ``boots_floor`` (boots needed with unlimited
    messages: between-boot variance is the floor no message count removes).
    """
    check_stats_samples(samples)
    alpha = check_alpha(alpha)
    check_alpha(power, "power")
    if statistic not in ("mean", "median"):
        raise ValueError(f"statistic must be one of ['mean', 'median'], got {statistic!r}")
    conds = split_conditions(samples)
    keeps, _ = rule_keeps(conds, outliers, outlier_param)
    return power_table_conditions(conds, keeps, effect=effect, alpha=alpha, power=power,
                                  messages=messages, boots=boots, statistic=statistic)


def power_table_conditions(conditions: dict, keeps: dict, *, effect: float = 0.10,
                           alpha: float = 0.05, power: float = 0.80,
                           messages: Sequence[int] = (100, 1000, 10_000, 100_000),
                           boots: Sequence[int] = (5, 10, 20),
                           statistic: str = "median") -> pd.DataFrame:
    """:func:`power_table` of conditions already split
    (:func:`uintrlab.samples.split_conditions`) with an outlier rule's ``keeps``
    (:func:`uintrlab.outliers.rule_keeps`)."""
    alpha = check_alpha(alpha)
    check_alpha(power, "power")
    if statistic not in ("mean", "median"):
        raise ValueError(f"statistic must be one of ['mean', 'median'], got {statistic!r}")
    f = 1.0 if statistic == "mean" else math.pi / 2
    rows = []
    for key, c in conditions.items():
        k = keeps[key]
        if not k.any():
            continue
        tau2, sigma2, a, N = variance_components(log_latency(c.latency_ns[k]), c.boot[k])
        base = {"platform": key[0], "mechanism": key[1], "mode": key[2],
                "n_boots_observed": a, "messages_observed": N / a,
                "tau_log": math.sqrt(tau2) if np.isfinite(tau2) else np.nan,
                "sigma_log": math.sqrt(sigma2) if np.isfinite(sigma2) else np.nan,
                "icc": tau2 / (tau2 + sigma2) if np.isfinite(tau2) and tau2 + sigma2 > 0 else np.nan,
                "statistic": statistic, "effect": effect, "alpha": alpha, "power": power}
        floor = (boots_needed(tau2, 0.0, 1, effect=effect, alpha=alpha, power=power)
                 if np.isfinite(tau2) else np.nan)
        for n in messages:
            rows.append(dict(base, design="messages", messages_per_boot=float(n),
                             boots_per_group=boots_needed(tau2, sigma2, n, effect=effect,
                                                          alpha=alpha, power=power,
                                                          within_factor=f),
                             boots_floor=floor))
        for b in boots:
            rows.append(dict(base, design="boots",
                             messages_per_boot=messages_needed(tau2, sigma2, b, effect=effect,
                                                               alpha=alpha, power=power,
                                                               within_factor=f),
                             boots_per_group=float(b), boots_floor=floor))
    return pd.DataFrame(rows)
