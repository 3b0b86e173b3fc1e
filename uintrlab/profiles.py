"""Named experiment profiles of `make artifact PROFILE=...` and notebooks/01-run.ipynb."""
from __future__ import annotations

from . import names
from .plan import Experiment, ParameterError

ALL_PLATFORMS = names.names("platform")
ALL_MECHANISMS = names.names("mechanism")
ALL_MODES = names.names("mode")
# user interrupts run in the guest (tcg) only; natively they are skipped with the reason
BASE_MECHANISMS = [m for m in ALL_MECHANISMS if m not in names.uintr_mechanisms()]

PROFILES = {
    # minutes once built: a smoke run of every condition on both platforms
    "quick": dict(platforms=ALL_PLATFORMS, mechanisms=ALL_MECHANISMS, modes=ALL_MODES,
                  count=5000, blocking_count=500, boots=3),
    # the study's counts (100 000 non-blocking and back-to-back, 10 000 blocking) over 10
    # boots; 20 000 round trips per boot and pingpong mode (200 000 per condition: the data
    # of a full run stay near 100 MB)
    "full": dict(platforms=ALL_PLATFORMS, mechanisms=ALL_MECHANISMS, modes=ALL_MODES,
                 count=100_000, blocking_count=10_000, boots=10,
                 mode_counts={"pingpong": 20_000, "pingpong-spin": 20_000}),
    # blocking mode against idle (the study's 100 ms among them), the mechanisms of the
    # question; counts from the power table (the full run's blocking messages reach the
    # between-boot floor well below 10 000 per boot)
    "idle": dict(platforms=["tcg"], mechanisms=["eventfd", "uintr_event", "uintr", "futex"],
                 modes=["blocking"], idle_us=[1000, 10_000, 100_000],
                 blocking_count={1000: 2000, 10_000: 1000, 100_000: 500}, count=1000, boots=10),
    # what the test suite runs
    "tiny": dict(platforms=["native"], mechanisms=BASE_MECHANISMS, modes=ALL_MODES,
                 count=200, blocking_count=20, boots=1, warmup=10, idle_us=200),
}


def experiment(profile: str, **overrides) -> Experiment:
    """A profile's Experiment with the given parameters replaced (None leaves one as is)."""
    if profile not in PROFILES:
        raise ParameterError(f"profile: {profile!r} is unknown (choose from {', '.join(PROFILES)})")
    params = {k: list(v) if isinstance(v, list) else v for k, v in PROFILES[profile].items()}
    for k, v in overrides.items():
        if k not in Experiment.__dataclass_fields__:
            raise ParameterError(f"{k}: not an experiment parameter")
        if v is not None:
            params[k] = v
    return Experiment(**params)
