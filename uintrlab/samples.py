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
SAMPLE_COLUMNS = ("platform", "mechanism", "mode", "boot", "seq", "latency_ns", "notify_ns",
                  "ok", "slept", "warmup")
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


def condition_indices(samples: pd.DataFrame) -> dict:
    """``{(platform, mechanism, mode): positional index array}``, sorted keys."""
    return samples.groupby(CONDITION, sort=True, observed=True).indices


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
    out = {}
    for key, idx in condition_indices(samples).items():
        v = idx[valid[idx]]
        out[key] = ConditionSamples(
            key=key, latency_ns=lat[v].astype(np.float64), boot=boot[v], slept=slept[v],
            failures=int((~ok[idx] & ~warm[idx]).sum()), warmup=int(warm[idx].sum()),
            valid_rows=v if rows else None)
    return out


def conditions_present(samples: pd.DataFrame) -> set:
    """The ``(platform, mechanism, mode)`` triples with at least one row."""
    g = samples.groupby(CONDITION, observed=True, sort=False).size()
    return {tuple(map(str, k)) for k in g.index}
