"""Point estimators of a difference between two samples: the Hodges–Lehmann shift,
Cliff's delta, and per-boot medians."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st


def hodges_lehmann(x, y, *, max_pairs: int = 4_000_000) -> float:
    """Two-sample Hodges–Lehmann shift: ``median_{i,j}(x_i - y_j)``.

    Exact.  For ``len(x) * len(y) <= max_pairs`` the pairwise differences
    are formed.  Otherwise the middle order statistic(s) of the m*n
    differences are selected without forming them: bisection on the value
    ``d``, counting differences <= d with one binary search per x
    (O(m log n) per step), until at most ``max_pairs // 4`` differences lie
    in the bracket; those are enumerated and the exact order statistics
    taken with ``np.partition``.  Apply to log latencies to get the log
    shift (``exp`` of it is a ratio, x over y).
    """
    x = np.sort(np.asarray(x, dtype=np.float64))
    y = np.sort(np.asarray(y, dtype=np.float64))
    m, n = x.size, y.size
    if m == 0 or n == 0:
        raise ValueError("hodges_lehmann needs two non-empty samples")
    if m * n <= max_pairs:
        return float(np.median(np.subtract.outer(x, y)))
    total = m * n
    k1, k2 = (total - 1) // 2, total // 2          # 0-based middle ranks
    limit = max(1000, max_pairs // 4)

    def first_ge(d):  # per x_i: index of the first y_j >= x_i - d  (x_i - y_j <= d)
        return np.searchsorted(y, x - d, side="left")

    def count_le(d):
        return int((n - first_ge(d)).sum())

    def next_above(d):  # smallest difference > d
        j = first_ge(d) - 1
        ok = j >= 0
        return float(np.min(x[ok] - y[j[ok]]))

    def largest_le(d):  # largest difference <= d
        j = first_ge(d)
        ok = j < n
        return float(np.max(x[ok] - y[j[ok]]))

    lo, hi = x[0] - y[-1] - 1.0, x[-1] - y[0]      # count_le(lo) = 0, count_le(hi) = total
    c_lo, c_hi = 0, total
    while c_hi - c_lo > limit:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:                  # float resolution: one tied value
            v = next_above(lo)
            return v
        c = count_le(mid)
        if c >= k2 + 1:
            hi, c_hi = mid, c
        elif c <= k1:
            lo, c_lo = mid, c
        else:                                       # k1 <= mid < k2: the two straddle mid
            return 0.5 * (largest_le(mid) + next_above(mid))
    # enumerate the differences in (lo, hi]: y_j in [x_i - hi, x_i - lo)
    js, je = first_ge(hi), first_ge(lo)
    cnt = je - js
    rep = np.repeat(np.arange(m), cnt)
    off = np.arange(rep.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    d = x[rep] - y[js[rep] + off]
    r1, r2 = k1 - c_lo, k2 - c_lo
    part = np.partition(d, [r1, r2])
    return 0.5 * (float(part[r1]) + float(part[r2]))


def cliffs_delta(x, y) -> float:
    """Cliff's delta ``P(x > y) - P(x < y)`` from scipy's Mann–Whitney U.

    ``U_x`` (scipy's statistic for the first sample) counts pairs with
    x > y plus half the ties, so ``delta = 2 U_x / (m n) - 1`` and the
    probability of superiority ``P(x > y) + P(tie)/2 = U_x / (m n)``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    u = _st.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").statistic
    return float(2.0 * u / (x.size * y.size) - 1.0)


def per_boot_medians(values, boots) -> np.ndarray:
    """Median of ``values`` in each boot, ordered by boot id."""
    return pd.Series(np.asarray(values, dtype=np.float64)).groupby(
        np.asarray(boots), sort=True).median().to_numpy()
