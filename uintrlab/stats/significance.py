"""Tests of a difference (per-boot medians: the primary test; all messages pooled:
reported with its caveat) and Holm's correction across a family of comparisons."""
from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
from scipy import stats as _st

from .checks import DEFAULT_SEED, check_alpha, check_seed
from .estimators import per_boot_medians

POOLED_CAVEAT = (
    "Pooled Mann-Whitney treats every message as an independent observation; "
    "messages within a boot share that boot's conditions (host load, guest "
    "state) and are dependent, so this p-value is anti-conservative. Use the "
    "per-boot-median test for inference.")


def boot_median_test(base_ns, base_boot, mech_ns, mech_boot, *,
                     method: str = "mannwhitney", seed: int = DEFAULT_SEED,
                     n_resamples: int = 9999) -> dict:
    """Two-sided test of equal location on per-boot medians (boot = unit).

    ``method="mannwhitney"`` (default): scipy's Mann–Whitney U on the
    per-boot medians, exact null distribution for small samples without
    ties.  Chosen as primary because it is distribution-free, exact with
    ~10 boots per group, robust to one disturbed boot, and deterministic.
    ``method="permutation"``: scipy's ``permutation_test`` (independent
    samples) on the difference of mean log per-boot medians, exact when all
    partitions fit in ``n_resamples``, else Monte-Carlo with ``seed``.

    Returns dict: method, statistic, p_value, n_boots_baseline,
    n_boots_mechanism, min_attainable_p (smallest p the design allows;
    if it exceeds alpha the test cannot reject whatever the data).
    """
    seed = check_seed(seed)
    mb = per_boot_medians(base_ns, base_boot)
    mm = per_boot_medians(mech_ns, mech_boot)
    a, b = mb.size, mm.size
    n_part = math.comb(a + b, a)
    if method == "mannwhitney":
        r = _st.mannwhitneyu(mb, mm, alternative="two-sided", method="auto")
        stat, p = float(r.statistic), float(r.pvalue)
        min_p = min(1.0, 2.0 / n_part)
        desc = "Mann-Whitney U (two-sided) on per-boot median latency"
    elif method == "permutation":
        lb, lm = np.log(mb), np.log(mm)

        def diff(x, y, axis):
            return np.mean(x, axis=axis) - np.mean(y, axis=axis)
        r = _st.permutation_test((lb, lm), diff, permutation_type="independent",
                                 vectorized=True, n_resamples=n_resamples,
                                 alternative="two-sided", rng=seed)
        stat, p = float(r.statistic), float(r.pvalue)
        min_p = min(1.0, 2.0 / n_part) if n_part <= n_resamples else 1.0 / (n_resamples + 1)
        desc = "permutation test (two-sided) on mean log per-boot median"
    else:
        raise ValueError(f"method must be one of ['mannwhitney', 'permutation'], got {method!r}")
    return {"method": desc, "statistic": stat, "p_value": p,
            "n_boots_baseline": int(a), "n_boots_mechanism": int(b),
            "min_attainable_p": float(min_p)}


def pooled_mannwhitney(x, y) -> dict:
    """Mann–Whitney U on all messages pooled over boots (two-sided,
    asymptotic with continuity correction for large samples).  Reported
    with a ``caveat``: messages within a boot are dependent, so the p-value
    is anti-conservative.  ``prob_superiority = U_x / (m n)`` is
    ``P(x > y) + P(tie)/2``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    method = "auto" if x.size * y.size <= 10_000 else "asymptotic"
    r = _st.mannwhitneyu(x, y, alternative="two-sided", method=method)
    ps = float(r.statistic) / (x.size * y.size)
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue),
            "prob_superiority": ps, "cliffs_delta": 2 * ps - 1,
            "n_baseline": int(x.size), "n_mechanism": int(y.size),
            "caveat": POOLED_CAVEAT}


def holm(p_values) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, in the input order.

    ``p_(i)`` sorted ascending, ``adj_(i) = max_{k<=i} min(1, (m-k+1) p_(k))``.
    Reject hypothesis i at family-wise level alpha iff ``adj_i <= alpha``.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError("p_values must be a 1-D sequence")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p_values must all be in [0, 1]")
    m = p.size
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def holm_reject(p_values, alpha: float = 0.05) -> np.ndarray:
    """Boolean array: which hypotheses Holm rejects at family-wise alpha."""
    alpha = check_alpha(alpha)
    return holm(p_values) <= alpha


def adjust_holm(results: Sequence, alpha: float = 0.05,
                key: str = "p_boot_medians") -> list:
    """Holm across a report's comparisons: copies of the
    :class:`~uintrlab.stats.comparison.Comparison` results with ``p_holm`` and
    ``significant_holm`` set (``key``: the field holding the p-value)."""
    alpha = check_alpha(alpha)
    if len(results) == 0:
        return []
    adj = holm([getattr(r, key) for r in results])
    return [dataclasses.replace(r, p_holm=float(a), significant_holm=bool(a <= alpha))
            for r, a in zip(results, adj)]
