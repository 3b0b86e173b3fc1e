"""One speedup comparison (a mechanism against a baseline in one platform and mode)
with every estimate, interval and test, and the long table of estimates."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..outliers import check_rule, outlier_mask
from ..samples import check_samples, valid_mask
from .bootstrap import hierarchical_bootstrap, percentile_interval
from .checks import (DEFAULT_SEED, check_alpha, check_n_boot, check_seed, interval_or_none,
                     jsonable)
from .estimators import hodges_lehmann
from .significance import POOLED_CAVEAT, boot_median_test, pooled_mannwhitney

CONVENTION = ("ratios are baseline/mechanism (>1: mechanism faster); HL shift = "
              "median(log baseline - log mechanism) (>0: mechanism faster); "
              "Cliff's delta = P(baseline > mechanism) - P(baseline < mechanism)")


def _select(samples, column, value, name, within=None):
    vals = sorted(map(str, pd.unique(samples[column] if within is None
                                      else samples.loc[within, column])))
    if value not in vals:
        raise ValueError(f"{name}={value!r} not in data; available: {vals}")


def compare(samples: pd.DataFrame, mechanism: str, baseline: str = "eventfd",
            mode: str = "blocking", platform: str | None = None, *,
            outliers: str = "none", outlier_param=None, alpha: float = 0.05,
            n_boot: int = 2000, seed: int = DEFAULT_SEED, confidence: float = 0.95,
            boot_test: str = "mannwhitney", resample_messages: bool = True,
            bin_width: float = 2e-3) -> dict:
    """Everything about one speedup comparison, as a JSON-serializable dict.

    Compares ``mechanism`` against ``baseline`` for one ``(platform, mode)``.
    ``platform=None`` is allowed when the data hold one platform for that
    mode.  The outlier rule (``outliers``: none/tukey/mad/trim, with
    ``outlier_param``) is applied per condition, pooled over boots, before
    every estimate and test.

    Keys (ratios are baseline/mechanism, > 1: mechanism faster; ``*_ci`` are
    ``[low, high]`` percentile intervals of the hierarchical bootstrap):

    * identification: platform, mode, mechanism, baseline, convention;
    * counts per group (suffix ``_baseline``/``_mechanism``): n_boots,
      n_messages (used), n_valid (before outlier removal), failures,
      warmup_excluded, unverified_sleep, removed (by the outlier rule);
    * outlier_rule, outlier_param, outlier_scope;
    * median_baseline_us, median_mechanism_us, median_ratio (primary),
      median_ratio_ci; mean_baseline_us, mean_mechanism_us, mean_ratio (the
      study's measure), mean_ratio_ci; hl_log_shift, hl_log_shift_ci,
      hl_ratio (= exp of it), hl_ratio_ci; cliffs_delta, cliffs_delta_ci,
      prob_superiority (P(mechanism faster)), prob_superiority_ci;
    * boot_test, boot_test_statistic, p_boot_medians, min_attainable_p,
      significant (p_boot_medians < alpha), alpha;
      pooled_mannwhitney_u, p_pooled_mannwhitney, pooled_caveat;
    * bootstrap: bootstrap_method, n_boot, seed, confidence,
      resample_messages, bin_width;
    * warnings: list of strings (few boots, ...).
    """
    check_samples(samples)
    alpha = check_alpha(alpha)
    n_boot = check_n_boot(n_boot)
    seed = check_seed(seed)
    check_alpha(confidence, "confidence")
    rule, param = check_rule(outliers, outlier_param, name="outliers")
    if boot_test not in ("mannwhitney", "permutation"):
        raise ValueError(f"boot_test must be one of ['mannwhitney', 'permutation'], got {boot_test!r}")
    if mechanism == baseline:
        raise ValueError(f"mechanism and baseline must differ, both are {mechanism!r}")

    _select(samples, "mode", mode, "mode")
    in_mode = samples["mode"].to_numpy() == mode
    plats = sorted(map(str, pd.unique(samples.loc[in_mode, "platform"])))
    if platform is None:
        if len(plats) != 1:
            raise ValueError(f"platform must be given: mode {mode!r} has platforms {plats}")
        platform = plats[0]
    elif platform not in plats:
        raise ValueError(f"platform={platform!r} not in data for mode {mode!r}; available: {plats}")
    sel = in_mode & (samples["platform"].to_numpy() == platform)
    _select(samples, "mechanism", mechanism, "mechanism", within=sel)
    _select(samples, "mechanism", baseline, "baseline", within=sel)

    sub = samples.loc[sel & samples["mechanism"].isin([mechanism, baseline]).to_numpy()]
    keep, removed = outlier_mask(sub, rule, param)
    valid = valid_mask(sub)
    mech_col = sub["mechanism"].to_numpy()
    lat = sub["latency_ns"].to_numpy().astype(np.float64)
    boot = sub["boot"].to_numpy()
    ok = sub["ok"].to_numpy().astype(bool)
    warm = sub["warmup"].to_numpy().astype(bool)
    slept = sub["slept"].to_numpy()

    res = {"platform": platform, "mode": mode, "mechanism": mechanism,
           "baseline": baseline, "convention": CONVENTION}
    groups = {}
    for role, name in (("baseline", baseline), ("mechanism", mechanism)):
        is_m = mech_col == name
        u = is_m & keep
        if not u.any():
            raise ValueError(f"{role}={name!r} has no valid messages in platform "
                             f"{platform!r}, mode {mode!r} (after outlier rule {rule!r})")
        groups[role] = (np.maximum(lat[u], 1.0), boot[u])
        rrow = removed[removed["mechanism"] == name].iloc[0]
        res.update({
            f"n_boots_{role}": int(np.unique(boot[u]).size),
            f"n_messages_{role}": int(u.sum()),
            f"n_valid_{role}": int((is_m & valid).sum()),
            f"failures_{role}": int((is_m & ~ok & ~warm).sum()),
            f"warmup_excluded_{role}": int((is_m & warm).sum()),
            f"unverified_sleep_{role}": int((u & (slept == 0)).sum()),
            f"removed_{role}": int(rrow["removed"]),
        })
    res.update(outlier_rule=rule, outlier_param=param,
               outlier_scope="per condition, pooled over boots, on log latency")

    xb, bb = groups["baseline"]
    xm, bm = groups["mechanism"]
    warnings = []
    for role in ("baseline", "mechanism"):
        if res[f"n_boots_{role}"] < 2:
            warnings.append(f"{role} has {res[f'n_boots_{role}']} boot: the interval "
                            "ignores between-boot variation")

    # point estimates
    med_b, med_m = float(np.median(xb)), float(np.median(xm))
    mean_b, mean_m = float(xb.mean()), float(xm.mean())
    hl = hodges_lehmann(np.log(xb), np.log(xm))
    pooled = pooled_mannwhitney(xb, xm)

    boot = hierarchical_bootstrap(xb, bb, xm, bm, n_boot=n_boot, seed=seed,
                                  resample_messages=resample_messages,
                                  bin_width=bin_width)
    ci_med = percentile_interval(boot["median_ratio"], confidence)
    ci_mean = percentile_interval(boot["mean_ratio"], confidence)
    ci_hl = percentile_interval(boot["hl_log_shift"], confidence)
    ci_cd = percentile_interval(boot["cliffs_delta"], confidence)

    test = boot_median_test(xb, bb, xm, bm, method=boot_test, seed=seed)
    if test["min_attainable_p"] > alpha:
        warnings.append(f"with {test['n_boots_baseline']} and {test['n_boots_mechanism']} boots "
                        f"the per-boot test cannot reach p < {alpha} "
                        f"(smallest attainable p = {test['min_attainable_p']:.3g})")

    res.update({
        "median_baseline_us": med_b / 1e3, "median_mechanism_us": med_m / 1e3,
        "median_ratio": med_b / med_m, "median_ratio_ci": interval_or_none(ci_med),
        "mean_baseline_us": mean_b / 1e3, "mean_mechanism_us": mean_m / 1e3,
        "mean_ratio": mean_b / mean_m, "mean_ratio_ci": interval_or_none(ci_mean),
        "hl_log_shift": hl, "hl_log_shift_ci": interval_or_none(ci_hl),
        "hl_ratio": math.exp(hl), "hl_ratio_ci": interval_or_none(np.exp(ci_hl)),
        "cliffs_delta": pooled["cliffs_delta"], "cliffs_delta_ci": interval_or_none(ci_cd),
        "prob_superiority": pooled["prob_superiority"],
        "prob_superiority_ci": interval_or_none(((ci_cd[0] + 1) / 2, (ci_cd[1] + 1) / 2)),
        "boot_test": test["method"], "boot_test_statistic": test["statistic"],
        "p_boot_medians": test["p_value"], "min_attainable_p": test["min_attainable_p"],
        "alpha": alpha, "significant": bool(test["p_value"] < alpha),
        "pooled_mannwhitney_u": pooled["statistic"],
        "p_pooled_mannwhitney": pooled["p_value"], "pooled_caveat": POOLED_CAVEAT,
        "bootstrap_method": ("hierarchical percentile bootstrap: boots with replacement, "
                             "then messages within each resampled boot with replacement"
                             if resample_messages else
                             "percentile bootstrap over boots only"),
        "n_boot": n_boot, "seed": seed, "confidence": float(confidence),
        "resample_messages": bool(resample_messages),
        "bin_width": boot["bin_width"],
        "warnings": warnings,
    })
    return jsonable(res)


def speedup_table(results) -> pd.DataFrame:
    """Long table of the estimates in one or more :func:`compare` dicts (for
    forest plots and reports): platform, mode, mechanism, baseline,
    outlier_rule, measure (median_ratio, mean_ratio, hl_ratio,
    cliffs_delta, prob_superiority), estimate, ci_low, ci_high,
    p_boot_medians.  Ratios follow the baseline/mechanism convention."""
    if isinstance(results, dict):
        results = [results]
    rows = []
    for r in results:
        for m in ("median_ratio", "mean_ratio", "hl_ratio", "cliffs_delta", "prob_superiority"):
            lo, hi = r[m + "_ci"]
            rows.append({k: r[k] for k in ("platform", "mode", "mechanism", "baseline",
                                           "outlier_rule")}
                        | {"measure": m, "estimate": r[m], "ci_low": lo, "ci_high": hi,
                           "p_boot_medians": r["p_boot_medians"]})
    return pd.DataFrame(rows)
