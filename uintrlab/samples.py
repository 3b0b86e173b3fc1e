"""The samples frame: its columns, what a valid message is, and its conditions.

The lowest layer of the analysis code: :mod:`uintrlab.outliers`, :mod:`uintrlab.stats`,
:mod:`uintrlab.data` and :mod:`uintrlab.plots` read these definitions from here, and this
module imports nothing of uintrlab.

* A **samples frame** has one row per message, columns :data:`SAMPLE_COLUMNS`
  (``data/README.md`` describes each).
* A **condition** is ``(platform, mechanism, mode)`` (:data:`CONDITION`).
* A **valid** message is one with ``ok == True`` and ``warmup == False``
  (:func:`valid_mask`): failed and warm-up messages are counted, never used in an
  estimate.
* On the log scale a latency of 0 ns (below clock resolution) counts as 1 ns
  (:func:`log_latency`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the columns of a samples frame, in file order
SAMPLE_COLUMNS = ("platform", "mechanism", "mode", "idle_us", "boot", "seq", "latency_ns",
                  "notify_ns", "ok", "slept", "warmup")
#: idle_us of a message not sent in blocking mode (only blocking mode idles before a message)
NO_IDLE = -1
#: the label columns that name a condition
CONDITION = ["platform", "mechanism", "mode"]


def check_samples(samples: pd.DataFrame, columns=SAMPLE_COLUMNS) -> None:
    """Validate a samples frame; raise ``ValueError`` naming ``samples``.

    Checks: it is a DataFrame with rows and all ``columns`` (default
    :data:`SAMPLE_COLUMNS`), and no valid (ok, non-warmup) message has a negative
    latency.
    """
    if not isinstance(samples, pd.DataFrame):
        raise ValueError(f"samples must be a pandas DataFrame, got {type(samples).__name__}")
    missing = [c for c in columns if c not in samples.columns]
    if missing:
        raise ValueError(
            f"samples is missing column(s) {missing}; required: {list(columns)}")
    if len(samples) == 0:
        raise ValueError("samples has no rows (no data)")
    valid = valid_mask(samples)
    lat = samples["latency_ns"].to_numpy()
    if np.any(lat[valid] < 0):
        raise ValueError("samples: a valid (ok, non-warmup) message has latency_ns < 0")


def valid_mask(samples: pd.DataFrame) -> np.ndarray:
    """Boolean array: ``ok & ~warmup`` (messages that enter statistics)."""
    ok = samples["ok"].to_numpy().astype(bool)
    warm = samples["warmup"].to_numpy().astype(bool)
    return ok & ~warm


def log_latency(latency_ns) -> np.ndarray:
    """Natural log of latency in ns, with 0 ns treated as 1 ns."""
    return np.log(np.maximum(np.asarray(latency_ns, dtype=np.float64), 1.0))


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and labels of a label column in pandas' group order (a categorical's own
    category order, else sorted); -1 for a missing label."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, labels = pd.factorize(column, sort=True)
    return codes, labels


def _condition_codes(samples: pd.DataFrame) -> tuple[np.ndarray, list]:
    """One small integer per row naming its condition (-1: a label is missing), and the
    ``(code, (platform, mechanism, mode))`` pairs present, in pandas' group order."""
    parts = [_codes(samples[c]) for c in CONDITION]
    sizes = [max(len(labels), 1) for _, labels in parts]
    dtype = np.int16 if int(np.prod(sizes)) < 2 ** 15 else np.int64
    code = np.zeros(len(samples), dtype=dtype)
    missing = np.zeros(len(samples), dtype=bool)
    for (codes, _), size in zip(parts, sizes):
        code = code * dtype(size) + codes.astype(dtype)
        missing |= codes < 0
    code[missing] = -1                              # no group, like pandas' dropna
    keys = []
    for k in np.flatnonzero(np.bincount(code[~missing].astype(np.intp),
                                        minlength=int(np.prod(sizes)))):
        c, key = int(k), []
        for (_, labels), size in zip(parts[::-1], sizes[::-1]):
            c, r = divmod(c, size)
            key.append(labels[r])
        keys.append((int(k), tuple(key[::-1])))
    return code, keys


def condition_indices(samples: pd.DataFrame) -> dict:
    """``{(platform, mechanism, mode): positional index array}``, sorted keys: what
    ``samples.groupby(CONDITION, sort=True, observed=True).indices`` gives, one condition
    at a time from a small per-row code (no frame-sized index arrays at once)."""
    code, keys = _condition_codes(samples)
    return {key: np.flatnonzero(code == k) for k, key in keys}


#: the columns the statistics read (a frame with only these is enough for them)
STATS_COLUMNS = ("platform", "mechanism", "mode", "boot", "latency_ns", "ok", "slept", "warmup")


def check_stats_samples(samples: pd.DataFrame) -> None:
    """:func:`check_samples` for the statistics: the columns they read
    (:data:`STATS_COLUMNS`) must be there, the others may be left out."""
    check_samples(samples, STATS_COLUMNS)


@dataclass(frozen=True)
class ConditionSamples:
    """One condition's messages as the statistics use them: the valid messages'
    latency (float64 ns), boot and slept flag in row order, and the counts of the
    messages that are not valid. ``valid_rows``: the valid messages' positions in the
    samples frame (only from ``split_conditions(..., rows=True)``, else None)."""
    key: tuple
    latency_ns: np.ndarray
    boot: np.ndarray
    slept: np.ndarray
    failures: int           # non-warm-up messages with ok == False
    warmup: int             # warm-up messages (ok or not)
    valid_rows: np.ndarray | None = None

    @property
    def n_valid(self) -> int:
        return int(self.latency_ns.size)


def split_conditions(samples: pd.DataFrame, rows: bool = False) -> dict:
    """``{(platform, mechanism, mode): ConditionSamples}`` in :func:`condition_indices`
    order, from one pass over the frame (checked with :func:`check_stats_samples`)."""
    check_stats_samples(samples)
    valid = valid_mask(samples)
    lat = samples["latency_ns"].to_numpy()
    boot = samples["boot"].to_numpy()
    slept = samples["slept"].to_numpy()
    ok = samples["ok"].to_numpy().astype(bool)
    warm = samples["warmup"].to_numpy().astype(bool)
    code, keys = _condition_codes(samples)
    n = max(k for k, _ in keys) + 1 if keys else 0
    counted = code >= 0
    failures = np.bincount(code[counted & ~ok & ~warm].astype(np.intp), minlength=n)
    warmups = np.bincount(code[counted & warm].astype(np.intp), minlength=n)
    code[~valid] = -1                               # from here: valid messages only
    out = {}
    for k, key in keys:
        v = np.flatnonzero(code == k)
        out[key] = ConditionSamples(
            key=key, latency_ns=lat[v].astype(np.float64), boot=boot[v], slept=slept[v],
            failures=int(failures[k]), warmup=int(warmups[k]), valid_rows=v if rows else None)
    return out


def conditions_present(samples: pd.DataFrame) -> set:
    """The ``(platform, mechanism, mode)`` triples with at least one row."""
    g = samples.groupby(CONDITION, observed=True, sort=False).size()
    return {tuple(map(str, k)) for k in g.index}
