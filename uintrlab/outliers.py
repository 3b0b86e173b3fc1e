"""Outlier rules for latency samples.

Conventions
-----------
* Conditions, *valid* messages and the log scale (0 ns counts as 1 ns) are
  defined in :mod:`uintrlab.samples`.  Only valid messages are inputs to an
  outlier rule; failed and warm-up messages are counted elsewhere
  (``describe``), not "removed".
* Every rule works on **log latency** (except ``trim``, which is rank based
  and therefore the same on either scale) and is applied **per condition,
  pooled over boots**: the fences of a condition are computed from all valid
  messages of all its boots together.  We chose pooled rather than per-boot
  fences because (1) a quick-profile boot has too few messages for stable
  per-boot quartiles, and (2) per-boot fences would re-centre every boot and
  so hide a boot whose *whole* level is disturbed; pooled log-scale fences
  remove only points that are extreme for the condition as a whole.  A boot
  that is uniformly slower by less than the fence width is untouched, so the
  between-boot variation the bootstrap needs is preserved.
* A negative latency on a valid message is a data error.

Rules
-----
``none``
    keep everything.
``tukey`` (param ``k``, default 1.5)
    keep ``Q1 - k*IQR <= log(x) <= Q3 + k*IQR`` (quartiles by numpy's default
    linear interpolation).  Both tails are fenced.
``mad`` (param ``threshold``, default 3.5)
    Iglewicz & Hoaglin (1993) modified z-score on log latency,
    ``z = 0.6745 * (log x - median) / MAD``; remove ``|z| > threshold``.
    If MAD == 0 (more than half the values identical) the score is undefined
    and nothing is removed.
``trim`` (param ``q`` in percent, default 1.0, ``0 <= q < 50``)
    remove exactly ``floor(n * q / 100)`` largest values of the condition
    (upper tail only; ties at the cut broken by row order, so the result is
    deterministic).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .samples import check_stats_samples, log_latency, split_conditions

RULES = ("none", "tukey", "mad", "trim")
DEFAULT_PARAMS = {"none": None, "tukey": 1.5, "mad": 3.5, "trim": 1.0}
MAD_CONSTANT = 0.6745  # Iglewicz & Hoaglin: 0.6745 = Phi^{-1}(0.75)


# --------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------
def check_rule(rule: str, param=None, name: str = "rule"):
    """Validate ``rule``/``param``; return ``(rule, param)`` with the default
    parameter filled in.  Unknown rule -> ``ValueError`` naming the parameter
    (``name``: ``rule`` here, ``outliers`` where callers call it that)."""
    if not isinstance(rule, str) or rule not in RULES:
        raise ValueError(f"{name} must be one of {list(RULES)}, got {rule!r}")
    if param is None:
        param = DEFAULT_PARAMS[rule]
    if rule == "none":
        return rule, None
    try:
        param = float(param)
    except (TypeError, ValueError):
        raise ValueError(f"param for rule {rule!r} must be a number, got {param!r}") from None
    if not math.isfinite(param):
        raise ValueError(f"param for rule {rule!r} must be finite, got {param!r}")
    if rule in ("tukey", "mad") and param <= 0:
        raise ValueError(f"param for rule {rule!r} must be > 0, got {param}")
    if rule == "trim" and not (0 <= param < 50):
        raise ValueError(f"param for rule 'trim' (percent) must be in [0, 50), got {param}")
    return rule, param


def rule_keep(values_ns, rule: str = "none", param=None):
    """Apply one rule to one condition's valid latencies.

    Returns ``(keep, lower_ns, upper_ns)``: a boolean array aligned with
    ``values_ns`` and the fences on the latency scale (ns; ``-inf``/``inf``
    when a side is not fenced).
    """
    rule, param = check_rule(rule, param)
    x = np.asarray(values_ns, dtype=np.float64)
    n = x.size
    keep = np.ones(n, dtype=bool)
    if n == 0 or rule == "none":
        return keep, -np.inf, np.inf
    y = log_latency(x)
    if rule == "tukey":
        q1, q3 = np.percentile(y, [25, 75])
        iqr = q3 - q1
        lo, hi = q1 - param * iqr, q3 + param * iqr
        keep = (y >= lo) & (y <= hi)
        return keep, float(np.exp(lo)), float(np.exp(hi))
    if rule == "mad":
        med = np.median(y)
        mad = np.median(np.abs(y - med))
        if mad == 0:
            return keep, -np.inf, np.inf
        z = MAD_CONSTANT * (y - med) / mad
        keep = np.abs(z) <= param
        half = param * mad / MAD_CONSTANT
        return keep, float(np.exp(med - half)), float(np.exp(med + half))
    # trim
    k = int(math.floor(n * param / 100.0))
    if k == 0:
        return keep, -np.inf, np.inf
    order = np.argsort(x, kind="stable")
    keep[order[n - k:]] = False
    return keep, -np.inf, float(x[order[n - k - 1]]) if n > k else -np.inf


def outlier_mask(samples: pd.DataFrame, rule: str = "none", param=None):
    """Apply an outlier rule per condition (pooled over boots).

    Parameters
    ----------
    samples : DataFrame with the samples schema.
    rule : one of ``none``, ``tukey``, ``mad``, ``trim``.
    param : the rule's parameter (``k``, ``threshold`` or ``q`` percent);
        ``None`` selects the default (1.5, 3.5, 1.0).

    Returns
    -------
    keep : ndarray[bool], aligned with the rows of ``samples``.  True means
        "a valid (ok, non-warmup) message that survives the rule"; failed and
        warm-up rows are False but are *not* counted as removed.
    removed : DataFrame, one row per condition, columns ``platform,
        mechanism, mode, rule, param, n_valid, removed, removed_low,
        removed_high, removed_frac, lower_us, upper_us`` (fences in us).
    """
    check_stats_samples(samples)
    rule, param = check_rule(rule, param)
    conds = split_conditions(samples, rows=True)
    keeps, removed = rule_keeps(conds, rule, param)
    keep = np.zeros(len(samples), dtype=bool)
    for key, c in conds.items():
        keep[c.valid_rows] = keeps[key]
    return keep, removed


def rule_keeps(conditions: dict, rule: str = "none", param=None) -> tuple[dict, pd.DataFrame]:
    """:func:`outlier_mask` on conditions already split
    (:func:`uintrlab.samples.split_conditions`): ``({key: keep}, removed)``, each keep
    aligned with that condition's valid messages."""
    rule, param = check_rule(rule, param)
    keeps, rows = {}, []
    for key, c in conditions.items():
        lat = c.latency_ns
        k, lo, hi = rule_keep(lat, rule, param)
        keeps[key] = k
        dropped = lat[~k]
        med = np.median(lat) if lat.size else np.nan
        rows.append({
            "platform": key[0], "mechanism": key[1], "mode": key[2],
            "rule": rule, "param": param,
            "n_valid": int(lat.size),
            "removed": int((~k).sum()),
            "removed_low": int((dropped < med).sum()),
            "removed_high": int((dropped >= med).sum()),
            "removed_frac": float((~k).mean()) if lat.size else np.nan,
            "lower_us": lo / 1e3, "upper_us": hi / 1e3,
        })
    return keeps, pd.DataFrame(rows)
