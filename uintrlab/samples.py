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

import numpy as np
import pandas as pd

#: the columns of a samples frame, in file order
SAMPLE_COLUMNS = ("platform", "mechanism", "mode", "boot", "seq", "latency_ns", "notify_ns",
                  "ok", "slept", "warmup")
#: the label columns that name a condition
CONDITION = ["platform", "mechanism", "mode"]


def check_samples(samples: pd.DataFrame) -> None:
    """Validate a samples frame; raise ``ValueError`` naming ``samples``.

    Checks: it is a DataFrame with rows and all :data:`SAMPLE_COLUMNS`, and no valid
    (ok, non-warmup) message has a negative latency.
    """
    if not isinstance(samples, pd.DataFrame):
        raise ValueError(f"samples must be a pandas DataFrame, got {type(samples).__name__}")
    missing = [c for c in SAMPLE_COLUMNS if c not in samples.columns]
    if missing:
        raise ValueError(
            f"samples is missing column(s) {missing}; required: {list(SAMPLE_COLUMNS)}")
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
