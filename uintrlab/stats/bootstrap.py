"""Hierarchical bootstrap of speedup statistics, and percentile intervals.

Each iteration resamples, independently for the baseline and the mechanism,
(1) the condition's boots with replacement and then (2) for every resampled
boot its messages with replacement (the same number as it has), and
recomputes the statistic on the pooled resample.  Percentile intervals.
To be fast it is implemented without materialising the resamples:

* medians are **exact**: a boot drawn ``c`` times contributes a
  multinomial(``c * n_boot_msgs``, uniform) count vector over its messages;
  the pooled median's order statistics are sampled by descending a binary
  tree over the sorted pooled values, splitting each boot's count with a
  binomial draw at every level (the conditional-binomial representation of
  a multinomial).  About ``2 * log2(N)`` binomial draws per boot and
  iteration instead of ``N`` index draws, with the same distribution.
* means, the Hodges–Lehmann shift and Cliff's delta use a **Poisson
  bootstrap on a fine log-latency grid** (bin width ``bin_width``,
  default 0.002, i.e. 0.2 %; at most 65 536 bins, wider if the data span
  more): the number of resampled messages in a bin is
  Poisson(sum over boots of multiplicity x messages of that boot in that
  bin), the standard large-sample approximation of multinomial resampling
  (Hanley & MacGibbon 2006; Chamandy et al. 2012).  Means use the data's
  mean inside each bin; HL is the weighted median of the difference
  distribution, obtained by an FFT cross-correlation of the two histograms
  with linear interpolation inside a bin (error < one bin width); in
  Cliff's delta, pairs in the same bin count as ties (bias at most the
  share of same-bin pairs, about ``bin_width`` x density).  On log-normal
  test data (10 x 2000 messages a group) the binned HL and delta of the
  original sample differ from the exact values by < 1e-5, and halving the
  width to 0.001 (twice the FFT and Poisson work) moves the interval ends
  only by Monte-Carlo noise (~0.005).
* Point estimates are always exact on the data (HL by exact selection, see
  :func:`uintrlab.stats.estimators.hodges_lehmann`; Cliff's delta from scipy's Mann–Whitney U).

Two-stage resampling slightly *over*-states the within-boot part of the
variance (it is already present in the spread of boot-level statistics;
Davison & Hinkley 1997, sec. 3.8), and with few boots the boot stage
*under*-states the between-boot part by ``(a-1)/a``.  With thousands of
messages per boot the first effect is negligible; with ~10 boots the
second keeps coverage a little under nominal.  Simulated coverage of the
95 % intervals (10 boots x 150-300 messages per group, between-boot sd
0.15 and within-boot sd 0.5 on the log scale): median ratio 0.93 (600
runs), mean ratio 0.94, HL 0.945, Cliff's delta 0.945 (200 runs); a
bootstrap that ignores boots covered 0.38.  When between-boot variance
dominates, expect ~0.91 with 10 boots; more boots, not more messages,
fix that.  ``resample_messages=False`` gives the boots-only bootstrap.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import scipy.fft as _fft

from ..samples import log_latency
from .checks import DEFAULT_SEED, check_alpha, check_n_boot, check_seed

STATISTICS = ("median_ratio", "mean_ratio", "hl_log_shift", "cliffs_delta")


def _boot_index(boots) -> np.ndarray:
    """``np.unique(boots, return_inverse=True)[1]``: each boot's rank among the boots
    present; for integer labels by a table lookup instead of a sort."""
    b = np.asarray(boots)
    if b.dtype.kind not in "iu" or b.size == 0:
        return np.unique(b, return_inverse=True)[1]
    lo = int(b.min())
    span = int(b.max()) - lo + 1
    if span > 4 * b.size + 1024:                     # sparse labels: sorting is cheaper
        return np.unique(b, return_inverse=True)[1]
    off = b.astype(np.intp) - lo
    rank = np.cumsum(np.bincount(off, minlength=span) > 0, dtype=np.intp) - 1
    return rank[off]


class _Group:
    """One condition's valid latencies, prepared for the bootstrap."""

    def __init__(self, values_ns, boots):
        x = np.asarray(values_ns, dtype=np.float64)
        b = np.asarray(boots)
        if x.size == 0:
            raise ValueError("a group has no messages")
        if x.size != b.size:
            raise ValueError("values and boots must have the same length")
        order = np.argsort(x, kind="stable")
        self._setup(x[order], b[order])

    @classmethod
    def from_sorted(cls, xs, bs, logs=None) -> "_Group":
        """From values already sorted (stably: ties in their original order) and their
        boots; ``logs``: ``log_latency(xs)`` if already known."""
        if xs.size == 0:
            raise ValueError("a group has no messages")
        g = cls.__new__(cls)
        g._setup(xs, bs, logs)
        return g

    def _setup(self, xs, bs, logs=None):
        self.xs = xs                                         # sorted pooled values
        self.logs = log_latency(xs) if logs is None else logs
        binv = _boot_index(bs)
        self.a = int(binv.max()) + 1                         # number of boots
        self.N = xs.size
        self.sizes = np.bincount(binv, minlength=self.a).astype(np.int64)
        # global sorted positions of each boot's messages, grouped by boot
        # (a stable sort: on 16-bit keys numpy's is a radix sort, the same order)
        pos = np.argsort(binv.astype(np.int16) if self.a <= 2 ** 15 else binv,
                         kind="stable")                      # ascending within boot
        self.keys = binv[pos].astype(np.int64) * (self.N + 1) + pos
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.binv = binv

    def cum(self, p):
        """F_j(p) = number of boot j's messages among sorted positions [0, p);
        ``p`` has shape (n_iter, a), column j is boot j."""
        j = np.arange(self.a, dtype=np.int64)
        return np.searchsorted(self.keys, j * (self.N + 1) + p, side="left") - self.starts


def _draw_multiplicity(rng, a, n_boot):
    """Boot-stage resample: (n_boot, a) counts of how often each boot is drawn."""
    J = rng.integers(0, a, size=(n_boot, a))
    rows = np.repeat(np.arange(n_boot), a)
    return np.bincount(rows * a + J.ravel(), minlength=n_boot * a).reshape(n_boot, a)


def _median_descent(rng, g: _Group, mult, resample_messages):
    """Exact bootstrap medians of the pooled two-stage resample (see module
    docstring).  ``mult``: (n_boot, a) boot multiplicities."""
    nb = mult.shape[0]
    total = (mult * g.sizes).sum(1)
    targets = [(total - 1) // 2, total // 2]
    states = []
    for k in targets:
        states.append({
            "lo": np.zeros((nb, 1), np.int64), "hi": np.full((nb, 1), g.N, np.int64),
            "Flo": np.zeros((nb, g.a), np.int64), "Fhi": np.tile(g.sizes, (nb, 1)),
            "C": mult * g.sizes, "k": k.astype(np.int64).copy()})
    levels = int(math.ceil(math.log2(max(g.N, 2)))) + 1
    for _ in range(levels):
        # while both targets share an interval they share the draws; the
        # second state draws only in the rows where it has split off
        same = ((states[0]["lo"] == states[1]["lo"])
                & (states[0]["hi"] == states[1]["hi"]))[:, 0]
        Ls = []
        for i, s in enumerate(states):
            mid = (s["lo"] + s["hi"]) // 2
            Fmid = g.cum(np.broadcast_to(mid, (nb, g.a)))
            if resample_messages:
                den = s["Fhi"] - s["Flo"]
                p = np.where(den > 0, (Fmid - s["Flo"]) / np.maximum(den, 1), 0.0)
                if i == 0:
                    L = rng.binomial(s["C"], p)
                else:
                    L = Ls[0][2].copy()
                    d = ~same
                    if d.any():
                        L[d] = rng.binomial(s["C"][d], p[d])
            else:
                L = mult * (Fmid - s["Flo"])
            Ls.append((mid, Fmid, L))
        for s, (mid, Fmid, L) in zip(states, Ls):
            Lt = L.sum(1)
            left = (s["k"] < Lt)[:, None]
            s["hi"] = np.where(left, mid, s["hi"])
            s["Fhi"] = np.where(left, Fmid, s["Fhi"])
            s["lo"] = np.where(left, s["lo"], mid)
            s["Flo"] = np.where(left, s["Flo"], Fmid)
            s["C"] = np.where(left, L, s["C"] - L)
            s["k"] = np.where(left[:, 0], s["k"], s["k"] - Lt)
    return 0.5 * (g.xs[states[0]["lo"][:, 0]] + g.xs[states[1]["lo"][:, 0]])


def _binned_setup(gb: _Group, gm: _Group, width):
    lo = min(gb.logs[0], gm.logs[0])
    hi = max(gb.logs[-1], gm.logs[-1])
    K = int(math.floor((hi - lo) / width)) + 1
    if K > 2 ** 16:  # cap the grid; document the effective width
        width = (hi - lo) / (2 ** 16 - 1) * (1 + 1e-12)
        K = int(math.floor((hi - lo) / width)) + 1
    out = []
    for g in (gb, gm):
        bi = np.minimum(((g.logs - lo) / width).astype(np.int64), K - 1)
        M = np.bincount(g.binv * K + bi, minlength=g.a * K).reshape(g.a, K).astype(np.float64)
        cnt = np.bincount(bi, minlength=K)
        bmean = np.bincount(bi, weights=g.xs, minlength=K) / np.maximum(cnt, 1)
        out.append((M, bmean, cnt > 0))
    return out, K, width


def _binned_hl(Hb, Hm, K, width):
    """Weighted median of pairwise log differences from two histograms on the
    same grid (rows = iterations); linear interpolation inside a bin."""
    nfft = _fft.next_fast_len(2 * K - 1, real=True)
    D = _fft.irfft(_fft.rfft(Hb, nfft, axis=1) * _fft.rfft(Hm[:, ::-1], nfft, axis=1),
                   nfft, axis=1)[:, :2 * K - 1]
    np.maximum(D, 0, out=D)
    C = np.cumsum(D, axis=1)
    half = 0.5 * C[:, -1]
    t = (C < half[:, None]).sum(1)
    t = np.minimum(t, 2 * K - 2)
    r = np.arange(D.shape[0])
    before = np.where(t > 0, C[r, np.maximum(t - 1, 0)], 0.0)
    mass = D[r, t]
    frac = np.where(mass > 0, (half - before) / np.where(mass > 0, mass, 1), 0.5)
    return (t - (K - 1) - 0.5 + frac) * width


def _binned_cliff(Hb, Hm):
    cm = np.cumsum(Hm, axis=1)
    less = cm - Hm
    greater = cm[:, -1:] - cm
    num = (Hb * (less - greater)).sum(1)
    return num / (Hb.sum(1) * Hm.sum(1))


def check_bootstrap(n_boot, seed, statistics=STATISTICS, bin_width=2e-3) -> tuple[int, int]:
    """Check :func:`hierarchical_bootstrap`'s parameters; returns ``(n_boot, seed)``."""
    n_boot = check_n_boot(n_boot)
    seed = check_seed(seed)
    bad = [s for s in statistics if s not in STATISTICS]
    if bad:
        raise ValueError(f"statistics must be a subset of {list(STATISTICS)}, got {bad}")
    if not (bin_width > 0):
        raise ValueError(f"bin_width must be > 0, got {bin_width!r}")
    return n_boot, seed


def hierarchical_bootstrap(base_ns, base_boot, mech_ns, mech_boot, *,
                           n_boot: int = 2000, seed: int = DEFAULT_SEED,
                           statistics: Sequence[str] = STATISTICS,
                           resample_messages: bool = True,
                           bin_width: float = 2e-3) -> dict:
    """Bootstrap distributions of speedup statistics (baseline vs mechanism).

    Two-stage resampling per group: boots with replacement, then messages
    within each resampled boot with replacement (``resample_messages=False``:
    boots only).  Baseline and mechanism are resampled independently.
    Implementation and approximations: see the module docstring (medians
    exact; means, HL and Cliff's delta by a Poisson bootstrap on a log grid
    of width ``bin_width``).

    Parameters
    ----------
    base_ns, base_boot, mech_ns, mech_boot : latencies (ns, > 0 after the
        caller's filtering) and boot labels of the two groups.
    n_boot : iterations, >= 1000.
    seed : seed of the ``numpy.random.Generator`` (PCG64); same data and
        seed give identical output.
    statistics : subset of ``("median_ratio", "mean_ratio", "hl_log_shift",
        "cliffs_delta")``.

    Returns
    -------
    dict: statistic name -> ndarray of ``n_boot`` bootstrap replicates,
    plus ``"bin_width"`` (the effective grid width, float).
    """
    n_boot, seed = check_bootstrap(n_boot, seed, statistics, bin_width)
    return _bootstrap(_Group(base_ns, base_boot), _Group(mech_ns, mech_boot), n_boot, seed,
                      statistics, resample_messages, bin_width)


def _bootstrap(gb: _Group, gm: _Group, n_boot: int, seed: int, statistics=STATISTICS,
               resample_messages: bool = True, bin_width: float = 2e-3) -> dict:
    """:func:`hierarchical_bootstrap` of two prepared groups (parameters checked by the
    caller)."""
    rng = np.random.default_rng(seed)
    mb = _draw_multiplicity(rng, gb.a, n_boot)
    mm = _draw_multiplicity(rng, gm.a, n_boot)
    out = {}
    if "median_ratio" in statistics:
        med_b = _median_descent(rng, gb, mb, resample_messages)
        med_m = _median_descent(rng, gm, mm, resample_messages)
        out["median_ratio"] = med_b / med_m
    binned = [s for s in ("mean_ratio", "hl_log_shift", "cliffs_delta") if s in statistics]
    if binned:
        setup, K, width = _binned_setup(gb, gm, bin_width)
        (Mb, bmb, nzb), (Mm, bmm, nzm) = setup
        res = {s: np.empty(n_boot) for s in binned}
        nfft = _fft.next_fast_len(2 * K - 1, real=True)
        step = max(1, min(n_boot, (1 << 21) // nfft))
        for s0 in range(0, n_boot, step):
            s1 = min(n_boot, s0 + step)
            hists = []
            for M, nz, mult in ((Mb, nzb, mb), (Mm, nzm, mm)):
                lam = mult[s0:s1].astype(np.float64) @ M[:, nz]
                H = np.zeros((s1 - s0, K))
                H[:, nz] = rng.poisson(lam) if resample_messages else lam
                hists.append(H)
            Hb, Hm = hists
            if "mean_ratio" in res:
                res["mean_ratio"][s0:s1] = ((Hb @ bmb) / Hb.sum(1)) / ((Hm @ bmm) / Hm.sum(1))
            if "hl_log_shift" in res:
                res["hl_log_shift"][s0:s1] = _binned_hl(Hb, Hm, K, width)
            if "cliffs_delta" in res:
                res["cliffs_delta"][s0:s1] = _binned_cliff(Hb, Hm)
        out.update(res)
        out["bin_width"] = float(width)
    return out


def percentile_interval(replicates, confidence: float = 0.95):
    """Percentile bootstrap interval ``(lo, hi)`` (numpy linear quantiles).
    Non-finite replicates (possible only for degenerate tiny data) are
    ignored."""
    check_alpha(confidence, "confidence")
    r = np.asarray(replicates, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return (np.nan, np.nan)
    q = np.quantile(r, [(1 - confidence) / 2, (1 + confidence) / 2])
    return (float(q[0]), float(q[1]))
