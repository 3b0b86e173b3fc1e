"""Statistics core: descriptives, speedups with hierarchical-bootstrap
intervals, tests, Holm correction, effect sizes and a power table.

One module per part, every public name re-exported here (``from uintrlab import
stats; stats.compare(...)``):

* :mod:`.checks`: parameter checks, ``DEFAULT_SEED``, ``MIN_N_BOOT``;
* :mod:`.descriptives`: :func:`describe`, :func:`boot_median_intervals`;
* :mod:`.estimators`: :func:`hodges_lehmann`, :func:`cliffs_delta`,
  :func:`per_boot_medians`;
* :mod:`.bootstrap`: :func:`hierarchical_bootstrap` (the method, its
  approximations and its simulated coverage are described there),
  :func:`percentile_interval`;
* :mod:`.significance`: :func:`boot_median_test`, :func:`pooled_mannwhitney`,
  :func:`holm`, :func:`holm_reject`, :func:`adjust_holm`;
* :mod:`.comparison`: :func:`compare` (one comparison, every estimate and test: a
  :class:`Comparison` with :class:`ConfidenceInterval` fields), :func:`speedup_table`;
* :mod:`.outlier_sensitivity`: :func:`sensitivity`, :func:`sensitivity_table`
  (does a conclusion survive every outlier rule);
* :mod:`.power`: :func:`variance_components`, :func:`boots_needed`,
  :func:`messages_needed`, :func:`power_table`.

The samples frame, conditions and valid messages are defined in
:mod:`uintrlab.samples`, the outlier rules in :mod:`uintrlab.outliers`.

Conventions used throughout
---------------------------
* Only valid messages (:mod:`uintrlab.samples`) enter an estimate; failures and
  warm-up messages are counted.
* **Unit of replication**: a *boot* (``boot`` column).  Messages within a
  boot are not independent; every interval and the primary test take this
  into account.  Boot ids are treated as labels *within a condition*: boots
  of the baseline and of the mechanism are analysed as two independent
  groups (an unpaired design).
* **Speedup convention**: every ratio is ``baseline / mechanism``, so a
  value **> 1 means the mechanism is faster** (has lower latency).  The
  Hodges–Lehmann shift is ``median(log baseline_i - log mechanism_j)``, so
  it is > 0 when the mechanism is faster, and ``exp`` of it is a ratio on
  the same scale.  Cliff's delta is ``P(baseline > mechanism) -
  P(baseline < mechanism)``: > 0 when the mechanism is faster; the
  probability of superiority ``P(mechanism faster) = (delta + 1) / 2``.
* Latencies are in ns in the data and reported in us.
* The bootstrap: see :mod:`uintrlab.stats.bootstrap`.
"""
from __future__ import annotations

from .bootstrap import STATISTICS, hierarchical_bootstrap, percentile_interval
from .checks import DEFAULT_SEED, MIN_N_BOOT
from .comparison import (CONVENTION, MEASURES, Comparison, ComparisonGroup, ConfidenceInterval,
                         SortedCondition, check_selection, compare, compare_groups,
                         speedup_table)
from .descriptives import (boot_median_intervals, boot_median_intervals_conditions, describe,
                           describe_conditions)
from .estimators import cliffs_delta, hodges_lehmann, hodges_lehmann_sorted, per_boot_medians
from .outlier_sensitivity import sensitivity, sensitivity_table
from .power import (boots_needed, messages_needed, power_table, power_table_conditions,
                    variance_components)
from .significance import (POOLED_CAVEAT, adjust_holm, boot_median_test, holm, holm_reject,
                           pooled_mannwhitney)

__all__ = [
    "STATISTICS", "hierarchical_bootstrap", "percentile_interval",
    "DEFAULT_SEED", "MIN_N_BOOT",
    "CONVENTION", "MEASURES", "Comparison", "ComparisonGroup", "ConfidenceInterval",
    "SortedCondition", "check_selection", "compare", "compare_groups", "speedup_table",
    "boot_median_intervals", "boot_median_intervals_conditions", "describe",
    "describe_conditions",
    "cliffs_delta", "hodges_lehmann", "hodges_lehmann_sorted", "per_boot_medians",
    "sensitivity", "sensitivity_table",
    "boots_needed", "messages_needed", "power_table", "power_table_conditions",
    "variance_components",
    "POOLED_CAVEAT", "adjust_holm", "boot_median_test", "holm", "holm_reject",
    "pooled_mannwhitney",
]
