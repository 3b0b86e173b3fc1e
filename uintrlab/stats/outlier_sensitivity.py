"""Does a comparison's conclusion survive every outlier rule?

:func:`sensitivity` recomputes one comparison under each rule of
:mod:`uintrlab.outliers`; :func:`sensitivity_table` makes the table from results a
caller already holds (the analysis computes every rule anyway).
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from ..outliers import DEFAULT_PARAMS, RULES, check_rule
from .checks import DEFAULT_SEED
from .comparison import compare


def _normalise_rules(rules) -> list:
    if rules is None:
        return [(r, DEFAULT_PARAMS[r]) for r in RULES]
    out = []
    for r in rules:
        if isinstance(r, str):
            out.append(check_rule(r, None))
        else:
            name, p = r
            out.append(check_rule(name, p))
    return out


def sensitivity(samples: pd.DataFrame, mechanism: str, baseline: str = "eventfd",
                mode: str = "blocking", platform: str | None = None, *,
                rules: Iterable | None = None, reference: str = "none",
                alpha: float = 0.05, n_boot: int = 2000, seed: int = DEFAULT_SEED,
                confidence: float = 0.95) -> pd.DataFrame:
    """Does one comparison's conclusion survive every outlier rule?

    For each rule (default: every rule with its default parameter; or a list
    of names / ``(name, param)`` pairs) the comparison is recomputed with
    :func:`uintrlab.stats.compare`.  The *conclusion* of a comparison is

    * ``direction``: ``"mechanism faster"`` if the ratio of medians
      (baseline / mechanism) is > 1, ``"baseline faster"`` if < 1, else
      ``"equal"``;
    * ``significant``: the per-boot-median test's p-value < ``alpha``.

    A rule's conclusion *survives* if both agree with the ``reference``
    rule's (default ``none``).  Columns: rule, param, removed_baseline,
    removed_mechanism, median_ratio, median_ratio_ci_low/high, mean_ratio,
    hl_ratio, cliffs_delta, p_boot_medians, p_pooled_mannwhitney,
    ci_excludes_one, direction, significant, direction_survives,
    significance_survives, survives, all_survive (same value on every row).
    """
    rule_list = _normalise_rules(rules)
    ref_rule, _ = check_rule(reference, None)
    if ref_rule not in [r for r, _ in rule_list]:
        rule_list = [(ref_rule, DEFAULT_PARAMS[ref_rule])] + rule_list
    results = [compare(samples, mechanism, baseline, mode, platform,
                             outliers=rule, outlier_param=param, alpha=alpha,
                             n_boot=n_boot, seed=seed, confidence=confidence)
               for rule, param in rule_list]
    return sensitivity_table(results, reference=ref_rule, alpha=alpha)


def sensitivity_table(results, reference: str = "none", alpha: float = 0.05) -> pd.DataFrame:
    """The table of :func:`sensitivity` from :func:`uintrlab.stats.compare`
    results of *one* comparison under several outlier rules (one per rule;
    the ``reference`` rule must be among them).  Lets a caller that
    already holds the results (the report) avoid recomputing them."""
    results = list(results)
    if not results:
        raise ValueError("results is empty")
    keys = {(r.platform, r.mode, r.mechanism, r.baseline) for r in results}
    if len(keys) != 1:
        raise ValueError(f"results must come from one comparison, got {sorted(keys)}")
    rows = []
    for res in results:
        r = res.median_ratio
        direction = ("mechanism faster" if r > 1 else
                     "baseline faster" if r < 1 else "equal")
        rows.append({
            "rule": res.outlier_rule, "param": res.outlier_param,
            "removed_baseline": res.removed_baseline,
            "removed_mechanism": res.removed_mechanism,
            "median_ratio": r, "median_ratio_ci_low": res.median_ratio_ci.low,
            "median_ratio_ci_high": res.median_ratio_ci.high,
            "mean_ratio": res.mean_ratio, "hl_ratio": res.hl_ratio,
            "cliffs_delta": res.cliffs_delta,
            "p_boot_medians": res.p_boot_medians,
            "p_pooled_mannwhitney": res.p_pooled_mannwhitney,
            "ci_excludes_one": bool(res.median_ratio_ci.excludes(1)),
            "direction": direction,
            "significant": bool(res.p_boot_medians < alpha),
        })
    df = pd.DataFrame(rows)
    if reference not in set(df["rule"]):
        raise ValueError(f"reference={reference!r} is not among the results' rules "
                         f"{sorted(set(df['rule']))}")
    ref = df[df["rule"] == reference].iloc[0]
    df["direction_survives"] = df["direction"] == ref["direction"]
    df["significance_survives"] = df["significant"] == ref["significant"]
    df["survives"] = df["direction_survives"] & df["significance_survives"]
    df["all_survive"] = bool(df["survives"].all())
    return df
