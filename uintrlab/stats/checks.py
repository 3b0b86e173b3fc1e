"""Parameter checks shared by the statistics modules, and JSON-safe numbers.

Each check returns the value in its canonical type or raises ``ValueError`` whose
message starts with the parameter's name.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

DEFAULT_SEED = 12345
MIN_N_BOOT = 1000


def check_alpha(alpha, name="alpha"):
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (0 < alpha < 1):
        raise ValueError(f"{name} must be a number in (0, 1), got {alpha!r}")
    return float(alpha)


def check_n_boot(n_boot):
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < MIN_N_BOOT:
        raise ValueError(f"n_boot must be an integer >= {MIN_N_BOOT} (bootstrap iterations), "
                         f"got {n_boot!r}")
    return int(n_boot)


def check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_positive_int(x, name):
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 1:
        raise ValueError(f"{name} must be a positive integer, got {x!r}")
    return int(x)


def finite_or_none(x):
    """float or None (for JSON: NaN/inf -> None)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def jsonable(obj):
    """``obj`` with numpy scalars and arrays as Python numbers and lists, NaN/inf as
    None, and dict keys as strings."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        return finite_or_none(obj)
    return obj
