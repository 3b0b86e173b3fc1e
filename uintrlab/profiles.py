"""Named experiment profiles of `make artifact PROFILE=...` and notebooks/01-run.ipynb."""
from __future__ import annotations

from .plan import Experiment, ParameterError

BASE_MECHANISMS = ["eventfd", "pipe", "futex", "spin"]
# user interrupts: the guest (tcg) only; natively they are skipped with the reason
UINTR_MECHANISMS = ["uintr_event", "uintr"]
ALL_MECHANISMS = ["eventfd", "uintr_event", "uintr", "pipe", "futex", "spin"]
ALL_MODES = ["nonblocking", "blocking", "pingpong"]

PROFILES = {
    # minutes once built: a smoke run of every condition on both platforms
    "quick": dict(platforms=["tcg", "native"], mechanisms=ALL_MECHANISMS, modes=ALL_MODES,
                  count=5000, blocking_count=500, boots=3),
    # the study's counts (100 000 non-blocking, 10 000 blocking) over 10 boots
    "full": dict(platforms=["tcg", "native"], mechanisms=ALL_MECHANISMS, modes=ALL_MODES,
                 count=100_000, blocking_count=10_000, boots=10),
    # what the test suite runs
    "tiny": dict(platforms=["native"], mechanisms=BASE_MECHANISMS, modes=ALL_MODES,
                 count=200, blocking_count=20, boots=1, warmup=10, idle_us=200),
}


def experiment(profile: str, **overrides) -> Experiment:
    """A profile's Experiment with the given parameters replaced (None leaves one as is)."""
    if profile not in PROFILES:
        raise ParameterError(f"profile: {profile!r} is unknown (choose from {', '.join(PROFILES)})")
    params = dict(PROFILES[profile])
    for k, v in overrides.items():
        if k not in Experiment.__dataclass_fields__:
            raise ParameterError(f"{k}: not an experiment parameter")
        if v is not None:
            params[k] = v
    return Experiment(**params)
