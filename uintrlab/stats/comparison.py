"""One speedup comparison (a mechanism against a baseline in one platform and mode)
with every estimate, interval and test (:func:`compare`, a :class:`Comparison`), and
the long table of estimates (:func:`speedup_table`)."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..outliers import check_rule, rule_keeps
from ..samples import (ConditionSamples, check_stats_samples, conditions_present, log_latency,
                       split_conditions)
from .bootstrap import STATISTICS, _bootstrap, _Group, check_bootstrap, percentile_interval
from .checks import (DEFAULT_SEED, check_alpha, finite_or_none,
                     jsonable)
from .estimators import hodges_lehmann_sorted
from .significance import POOLED_CAVEAT, boot_median_test, pooled_mannwhitney

CONVENTION = ("ratios are baseline/mechanism (>1: mechanism faster); HL shift = "
              "median(log baseline - log mechanism) (>0: mechanism faster); "
              "Cliff's delta = P(baseline > mechanism) - P(baseline < mechanism)")
#: the estimates that have an interval, in the order of the long table
MEASURES = ("median_ratio", "mean_ratio", "hl_ratio", "cliffs_delta", "prob_superiority")


@dataclass(frozen=True)
class ConfidenceInterval:
    """A percentile bootstrap interval; an end that is not a finite number is None."""
    low: float | None
    high: float | None

    @classmethod
    def of(cls, pair) -> "ConfidenceInterval":
        """From ``(low, high)`` numbers (NaN or inf become None)."""
        return cls(finite_or_none(pair[0]), finite_or_none(pair[1]))

    def as_list(self) -> list:
        return [self.low, self.high]

    def excludes(self, value: float) -> bool:
        """Both ends known and ``value`` outside ``[low, high]``."""
        return (self.low is not None and self.high is not None
                and (self.low > value or self.high < value))


@dataclass(frozen=True)
class Comparison:
    """Everything about one speedup comparison (:func:`compare`).

    Ratios are baseline/mechanism (> 1: the mechanism is faster); ``*_ci`` are
    :class:`ConfidenceInterval` of the hierarchical bootstrap. Numbers that are not
    finite are None. ``p_holm`` and ``significant_holm`` are set by
    :func:`uintrlab.stats.adjust_holm` (None before). :meth:`as_json` is the JSON
    object (``python -m uintrlab speedup`` prints it), :meth:`as_row` one row of the
    speedup table.
    """
    # identification
    platform: str
    mode: str
    mechanism: str
    baseline: str
    convention: str
    # counts per group
    n_boots_baseline: int
    n_messages_baseline: int
    n_valid_baseline: int
    failures_baseline: int
    warmup_excluded_baseline: int
    unverified_sleep_baseline: int
    removed_baseline: int
    n_boots_mechanism: int
    n_messages_mechanism: int
    n_valid_mechanism: int
    failures_mechanism: int
    warmup_excluded_mechanism: int
    unverified_sleep_mechanism: int
    removed_mechanism: int
    # the outlier rule
    outlier_rule: str
    outlier_param: float | None
    outlier_scope: str
    # estimates and intervals
    median_baseline_us: float | None
    median_mechanism_us: float | None
    median_ratio: float | None
    median_ratio_ci: ConfidenceInterval
    mean_baseline_us: float | None
    mean_mechanism_us: float | None
    mean_ratio: float | None
    mean_ratio_ci: ConfidenceInterval
    hl_log_shift: float | None
    hl_log_shift_ci: ConfidenceInterval
    hl_ratio: float | None
    hl_ratio_ci: ConfidenceInterval
    cliffs_delta: float | None
    cliffs_delta_ci: ConfidenceInterval
    prob_superiority: float | None
    prob_superiority_ci: ConfidenceInterval
    # tests
    boot_test: str
    boot_test_statistic: float | None
    p_boot_medians: float | None
    min_attainable_p: float | None
    alpha: float
    significant: bool
    pooled_mannwhitney_u: float | None
    p_pooled_mannwhitney: float | None
    pooled_caveat: str
    # the bootstrap
    bootstrap_method: str
    n_boot: int
    seed: int
    confidence: float
    resample_messages: bool
    bin_width: float | None
    warnings: tuple[str, ...]
    # Holm's correction across a family (adjust_holm)
    p_holm: float | None = None
    significant_holm: bool | None = None

    @classmethod
    def from_json(cls, obj: dict) -> "Comparison":
        """The inverse of :meth:`as_json`."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(obj) - names)
        if unknown:
            raise ValueError(f"obj: not fields of a Comparison: {unknown}")
        kw = dict(obj)
        for k in names:
            if k.endswith("_ci") and k in kw and not isinstance(kw[k], ConfidenceInterval):
                kw[k] = ConfidenceInterval(*kw[k])
        kw["warnings"] = tuple(kw.get("warnings", ()))
        return cls(**kw)

    def as_json(self) -> dict:
        """A JSON object: every field in order, intervals as ``[low, high]``, warnings as
        a list; ``p_holm``/``significant_holm`` only once set."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in ("p_holm", "significant_holm") and v is None:
                continue
            out[f.name] = (v.as_list() if isinstance(v, ConfidenceInterval)
                           else list(v) if f.name == "warnings" else v)
        return out

    def as_row(self) -> dict:
        """One row of the speedup table (``Analysis.speedups``): flat columns, each
        interval as ``<measure>_ci_low``/``_ci_high``, counts as ``baseline/mechanism``."""
        row = {"platform": self.platform, "mode": self.mode, "mechanism": self.mechanism,
               "baseline": self.baseline,
               "boots": f"{self.n_boots_baseline}/{self.n_boots_mechanism}",
               "messages": f"{self.n_messages_baseline}/{self.n_messages_mechanism}",
               "removed": f"{self.removed_baseline}/{self.removed_mechanism}",
               "median_baseline_us": self.median_baseline_us,
               "median_mechanism_us": self.median_mechanism_us}
        for m in ("median_ratio", "mean_ratio", "hl_ratio", "cliffs_delta"):
            ci = getattr(self, m + "_ci")
            row.update({m: getattr(self, m), m + "_ci_low": ci.low, m + "_ci_high": ci.high})
        row.update({"p_boot_medians": self.p_boot_medians, "p_holm": self.p_holm,
                    "significant_holm": self.significant_holm,
                    "min_attainable_p": self.min_attainable_p,
                    "p_pooled_mannwhitney": self.p_pooled_mannwhitney,
                    "warnings": "; ".join(self.warnings)})
        return row


def check_selection(conditions, mechanism: str, baseline: str, mode: str,
                    platform: str | None = None) -> str:
    """Are ``mechanism`` and ``baseline`` measured in ``mode`` (and ``platform``) among
    ``conditions`` (``(platform, mechanism, mode)`` triples present, e.g. from
    :func:`uintrlab.samples.conditions_present` or :func:`uintrlab.data.run_conditions`)?
    Returns the platform (``None``: the mode's only one); an error names the parameter
    and lists what is available."""
    conds = {tuple(map(str, c)) for c in conditions}
    modes = sorted({c[2] for c in conds})
    if mode not in modes:
        raise ValueError(f"mode={mode!r} not in data; available: {modes}")
    plats = sorted({c[0] for c in conds if c[2] == mode})
    if platform is None:
        if len(plats) != 1:
            raise ValueError(f"platform must be given: mode {mode!r} has platforms {plats}")
        platform = plats[0]
    elif platform not in plats:
        raise ValueError(f"platform={platform!r} not in data for mode {mode!r}; available: {plats}")
    mechs = sorted({c[1] for c in conds if c[0] == platform and c[2] == mode})
    for name, value in (("mechanism", mechanism), ("baseline", baseline)):
        if value not in mechs:
            raise ValueError(f"{name}={value!r} not in data; available: {mechs}")
    return platform


class SortedCondition:
    """One condition's valid messages sorted once (stably, by latency with 0 ns as 1 ns),
    with each outlier rule's keep mask in that order: every rule's comparison group is a
    selection from these arrays, not a new sort."""

    def __init__(self, condition: ConditionSamples, keeps: dict):
        """``keeps``: ``{rule label: keep}``, each aligned with the condition's valid
        messages (:func:`uintrlab.outliers.rule_keeps`)."""
        self.condition = condition
        x = np.maximum(condition.latency_ns, 1.0)
        order = np.argsort(x, kind="stable")
        self.xs = x[order]
        self.bs = condition.boot[order]
        self.keeps = dict(keeps)
        self.sorted_keeps = {label: k[order] for label, k in keeps.items()}

    def group(self, label: str) -> "ComparisonGroup":
        return ComparisonGroup(self, label)


class ComparisonGroup:
    """One side of a comparison: a condition's messages kept by one outlier rule, in row
    order (``x``, ``b``: latency with 0 ns as 1 ns, boot) and sorted (``xs``, ``bs``,
    ``logs``), with the counts a :class:`Comparison` reports."""

    def __init__(self, sc: SortedCondition, label: str):
        c, keep, ks = sc.condition, sc.keeps[label], sc.sorted_keeps[label]
        self.x = np.maximum(c.latency_ns[keep], 1.0)
        self.b = c.boot[keep]
        self.xs, self.bs = sc.xs[ks], sc.bs[ks]
        self.logs = log_latency(self.xs)
        self.counts = {"n_boots": int(np.unique(self.b).size), "n_messages": int(self.x.size),
                       "n_valid": c.n_valid, "failures": c.failures,
                       "warmup_excluded": c.warmup,
                       "unverified_sleep": int((c.slept[keep] == 0).sum()),
                       "removed": int((~keep).sum())}


def compare(samples: pd.DataFrame, mechanism: str, baseline: str = "eventfd",
            mode: str = "blocking", platform: str | None = None, *,
            outliers: str = "none", outlier_param=None, alpha: float = 0.05,
            n_boot: int = 2000, seed: int = DEFAULT_SEED, confidence: float = 0.95,
            boot_test: str = "mannwhitney", resample_messages: bool = True,
            bin_width: float = 2e-3) -> Comparison:
    """Everything about one speedup comparison, a :class:`Comparison`.

    Compares ``mechanism`` against ``baseline`` for one ``(platform, mode)``.
    ``platform=None`` is allowed when the data hold one platform for that
    mode.  The outlier rule (``outliers``: none/tukey/mad/trim, with
    ``outlier_param``) is applied per condition, pooled over boots, before
    every estimate and test.

    Fields (ratios are baseline/mechanism, > 1: mechanism faster; ``*_ci`` are
    :class:`ConfidenceInterval` percentile intervals of the hierarchical bootstrap):

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
    * warnings: strings (few boots, ...).
    """
    check_stats_samples(samples)
    alpha = check_alpha(alpha)
    n_boot, seed = check_bootstrap(n_boot, seed, STATISTICS, bin_width)
    check_alpha(confidence, "confidence")
    rule, param = check_rule(outliers, outlier_param, name="outliers")
    if boot_test not in ("mannwhitney", "permutation"):
        raise ValueError(f"boot_test must be one of ['mannwhitney', 'permutation'], got {boot_test!r}")
    if mechanism == baseline:
        raise ValueError(f"mechanism and baseline must differ, both are {mechanism!r}")

    platform = check_selection(conditions_present(samples), mechanism, baseline, mode, platform)
    sel = ((samples["mode"] == mode).to_numpy() & (samples["platform"] == platform).to_numpy()
           & samples["mechanism"].isin([mechanism, baseline]).to_numpy())
    conds = split_conditions(samples[sel])
    groups = []
    for name in (baseline, mechanism):
        c = conds[(platform, name, mode)]
        keeps, _ = rule_keeps({c.key: c}, rule, param)
        groups.append(SortedCondition(c, {"rule": keeps[c.key]}).group("rule"))
    return compare_groups(groups[0], groups[1], platform=platform, mode=mode,
                          mechanism=mechanism, baseline=baseline, rule=rule, param=param,
                          alpha=alpha, n_boot=n_boot, seed=seed, confidence=confidence,
                          boot_test=boot_test, resample_messages=resample_messages,
                          bin_width=bin_width)


def compare_groups(base: ComparisonGroup, mech: ComparisonGroup, *, platform: str, mode: str,
                   mechanism: str, baseline: str, rule: str, param, alpha: float, n_boot: int,
                   seed: int, confidence: float, boot_test: str = "mannwhitney",
                   resample_messages: bool = True, bin_width: float = 2e-3) -> Comparison:
    """:func:`compare` of two prepared groups (the analysis prepares every condition once
    for all rules); the parameters are :func:`compare`'s, already checked."""
    res = {"platform": platform, "mode": mode, "mechanism": mechanism,
           "baseline": baseline, "convention": CONVENTION}
    for role, name, g in (("baseline", baseline, base), ("mechanism", mechanism, mech)):
        if g.counts["n_messages"] == 0:
            raise ValueError(f"{role}={name!r} has no valid messages in platform "
                             f"{platform!r}, mode {mode!r} (after outlier rule {rule!r})")
        res.update({f"{k}_{role}": v for k, v in g.counts.items()})
    res.update(outlier_rule=rule, outlier_param=param,
               outlier_scope="per condition, pooled over boots, on log latency")

    xb, bb = base.x, base.b
    xm, bm = mech.x, mech.b
    warnings = []
    for role in ("baseline", "mechanism"):
        if res[f"n_boots_{role}"] < 2:
            warnings.append(f"{role} has {res[f'n_boots_{role}']} boot: the interval "
                            "ignores between-boot variation")

    # point estimates
    med_b, med_m = float(np.median(xb)), float(np.median(xm))
    mean_b, mean_m = float(xb.mean()), float(xm.mean())
    hl = hodges_lehmann_sorted(base.logs, mech.logs)
    pooled = pooled_mannwhitney(xb, xm)

    replicates = _bootstrap(_Group.from_sorted(base.xs, base.bs, base.logs),
                            _Group.from_sorted(mech.xs, mech.bs, mech.logs),
                            n_boot, seed, STATISTICS, resample_messages, bin_width)
    ci_med = percentile_interval(replicates["median_ratio"], confidence)
    ci_mean = percentile_interval(replicates["mean_ratio"], confidence)
    ci_hl = percentile_interval(replicates["hl_log_shift"], confidence)
    ci_cd = percentile_interval(replicates["cliffs_delta"], confidence)

    test = boot_median_test(xb, bb, xm, bm, method=boot_test, seed=seed)
    if test["min_attainable_p"] > alpha:
        warnings.append(f"with {test['n_boots_baseline']} and {test['n_boots_mechanism']} boots "
                        f"the per-boot test cannot reach p < {alpha} "
                        f"(smallest attainable p = {test['min_attainable_p']:.3g})")

    res.update({
        "median_baseline_us": med_b / 1e3, "median_mechanism_us": med_m / 1e3,
        "median_ratio": med_b / med_m, "median_ratio_ci": ConfidenceInterval.of(ci_med),
        "mean_baseline_us": mean_b / 1e3, "mean_mechanism_us": mean_m / 1e3,
        "mean_ratio": mean_b / mean_m, "mean_ratio_ci": ConfidenceInterval.of(ci_mean),
        "hl_log_shift": hl, "hl_log_shift_ci": ConfidenceInterval.of(ci_hl),
        "hl_ratio": math.exp(hl), "hl_ratio_ci": ConfidenceInterval.of(np.exp(ci_hl)),
        "cliffs_delta": pooled["cliffs_delta"], "cliffs_delta_ci": ConfidenceInterval.of(ci_cd),
        "prob_superiority": pooled["prob_superiority"],
        "prob_superiority_ci": ConfidenceInterval.of(((ci_cd[0] + 1) / 2, (ci_cd[1] + 1) / 2)),
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
        "bin_width": replicates["bin_width"],
        "warnings": warnings,
    })
    return Comparison.from_json(jsonable(res))


def speedup_table(results) -> pd.DataFrame:
    """Long table of the estimates in one or more :class:`Comparison` (for
    forest plots and reports): platform, mode, mechanism, baseline,
    outlier_rule, measure (median_ratio, mean_ratio, hl_ratio,
    cliffs_delta, prob_superiority), estimate, ci_low, ci_high,
    p_boot_medians.  Ratios follow the baseline/mechanism convention."""
    if isinstance(results, Comparison):
        results = [results]
    rows = []
    for r in results:
        for m in MEASURES:
            ci = getattr(r, m + "_ci")
            rows.append({"platform": r.platform, "mode": r.mode, "mechanism": r.mechanism,
                         "baseline": r.baseline, "outlier_rule": r.outlier_rule,
                         "measure": m, "estimate": getattr(r, m), "ci_low": ci.low,
                         "ci_high": ci.high, "p_boot_medians": r.p_boot_medians})
    return pd.DataFrame(rows)
