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
    differences are selected without forming them, on the distinct values
    of each sample with their multiplicities (latencies are integers in ns:
    a million messages have some ten thousand distinct values): a bracket
    ``(lo, hi]`` of values holding both middle ranks is narrowed, counting
    differences <= d with one binary search per distinct x, until at most
    ``max_pairs // 4`` differences lie in it; those are enumerated (as
    distinct pairs with their multiplicities) and the exact order statistics
    read off their sorted cumulative counts.  The bracket is first narrowed
    with bounds on the count from every s-th distinct x (for many distinct
    values), then with exact counts at points interpolated on the count
    (bisection when that does not halve the bracket).  Apply to log
    latencies to get the log shift (``exp`` of it is a ratio, x over y).
    """
    return hodges_lehmann_sorted(np.sort(np.asarray(x, dtype=np.float64)),
                                 np.sort(np.asarray(y, dtype=np.float64)), max_pairs=max_pairs)


def _ascending(a: np.ndarray) -> np.ndarray:
    return a if a.size < 2 or bool(np.all(a[1:] >= a[:-1])) else np.sort(a)


def _runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how often each occurs."""
    starts = np.flatnonzero(np.r_[True, a[1:] != a[:-1]])
    return a[starts], np.diff(np.r_[starts, a.size]).astype(np.int64)


def hodges_lehmann_sorted(x, y, *, max_pairs: int = 4_000_000) -> float:
    """:func:`hodges_lehmann` of float64 samples already in ascending order (checked in
    one pass; sorted if they are not)."""
    x = _ascending(np.asarray(x, dtype=np.float64))
    y = _ascending(np.asarray(y, dtype=np.float64))
    m, n = x.size, y.size
    if m == 0 or n == 0:
        raise ValueError("hodges_lehmann needs two non-empty samples")
    if m * n <= max_pairs:
        return float(np.median(np.subtract.outer(x, y)))
    total = m * n
    k1, k2 = (total - 1) // 2, total // 2          # 0-based middle ranks
    limit = max(1000, max_pairs // 4)
    xu, cx = _runs(x)
    yu, cy = _runs(y)
    ny = yu.size
    below = np.r_[0, np.cumsum(cy)]                 # below[j]: y values in yu[:j]

    def first_ge(d, xx=xu):  # per distinct x: index of the first yu_j >= x - d (x - yu_j <= d)
        return np.searchsorted(yu, xx - d, side="left")

    def count_le(d):
        return int(((n - below[first_ge(d)]) * cx).sum())

    def next_above(d):  # smallest difference > d
        j = first_ge(d) - 1
        ok = j >= 0
        return float(np.min(xu[ok] - yu[j[ok]]))

    def largest_le(d):  # largest difference <= d
        j = first_ge(d)
        ok = j < ny
        return float(np.max(xu[ok] - yu[j[ok]]))

    lo, hi = xu[0] - yu[-1] - 1.0, xu[-1] - yu[0]  # count_le(lo) = 0, count_le(hi) = total
    c_lo, c_hi = 0, total

    # 1. many distinct x: bounds on count_le from every s-th distinct x.  A block of s
    #    of them (weight w = their multiplicities) counts at most w times its first
    #    one's count and at least w times the next block's first one's, so the bound
    #    exceeds the count by at most max(w) * n.
    s = max(1, xu.size // 4096)
    if s > 1:
        firsts = np.arange(0, xu.size, s)
        w = np.add.reduceat(cx, firsts)
        err = int(w.max()) * n
        a_lo, a_hi = lo, hi
        while True:
            mid = 0.5 * (a_lo + a_hi)
            if mid <= a_lo or mid >= a_hi:
                break
            c = int(((n - below[first_ge(mid, xu[firsts])]) * w).sum())  # in [count, count + err]
            if c <= k1:
                a_lo = mid                                  # count_le(mid) <= k1
            elif c - err >= k2 + 1:
                a_hi = mid                                  # count_le(mid) >= k2 + 1
            else:
                break
        if a_lo > lo:
            lo, c_lo = a_lo, count_le(a_lo)
        if a_hi < hi:
            hi, c_hi = a_hi, count_le(a_hi)

    # 2. exact counts at points interpolated on the count, bisection as the fallback
    bisect = False
    while c_hi - c_lo > limit:
        if np.nextafter(lo, np.inf) >= hi:          # float resolution: one tied value
            return next_above(lo)
        before = c_hi - c_lo
        if bisect:
            points = [0.5 * (lo + hi)]
        else:
            points = []
            for t in (k1 - limit // 4, k2 + 1 + limit // 4):
                t = min(max(t, c_lo + 1), c_hi - 1)
                points.append(lo + (hi - lo) * ((t - c_lo) / (c_hi - c_lo)))
        for d in points:
            if not lo < d < hi:
                continue
            c = count_le(d)
            if c >= k2 + 1:
                hi, c_hi = d, c
            elif c <= k1:
                lo, c_lo = d, c
            else:                                   # k1 <= d < k2: the two straddle d
                return 0.5 * (largest_le(d) + next_above(d))
        bisect = (c_hi - c_lo) > before // 2
    # enumerate the distinct differences in (lo, hi] (yu_j in [x - hi, x - lo)) with
    # their multiplicities; the middle ranks from the sorted cumulative counts
    js, je = first_ge(hi), first_ge(lo)
    cnt = je - js
    rep = np.repeat(np.arange(xu.size), cnt)
    col = js[rep] + (np.arange(rep.size) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    d = xu[rep] - yu[col]
    order = np.argsort(d, kind="stable")
    cum = np.cumsum((cx[rep] * cy[col])[order])
    r1, r2 = np.searchsorted(cum, [k1 - c_lo, k2 - c_lo], side="right")
    return 0.5 * (float(d[order[r1]]) + float(d[order[r2]]))


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
