import pytest

from uintrlab import builds


@pytest.fixture(scope="session")
def native_bench():
    builds.check_csrc("native")
    return builds.NATIVE_BENCH


@pytest.fixture(scope="session")
def guest_platform():
    """The tcg platform must be built: `make test` builds it first; a missing build fails."""
    from uintrlab import runner
    runner.check_platform("tcg")


def write_synthetic_run(path, spec=None, boots=2, n=120, warmup=5, seed=0, run_id=None):
    """A small run directory with log-normal latencies (no build needed).

    ``spec``: {platform: {mode: {mechanism: median latency in ns}}}; the default has
    a baseline (eventfd), a UINTR mechanism, a mode without the baseline and a second
    platform, so that the analysis meets every case it must handle."""
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from uintrlab import data

    spec = spec or {
        "tcg": {"nonblocking": {"eventfd": 5e3, "uintr_event": 4e3},
                "blocking": {"eventfd": 150e3, "uintr_event": 80e3},
                "pingpong": {"pipe": 100e3}},
        "native": {"nonblocking": {"eventfd": 1e3, "spin": 100}},
    }
    rng = np.random.default_rng(seed)
    frames = []
    for plat, modes in spec.items():
        for b in range(boots):
            for mode, mechs in modes.items():
                for mech, med in mechs.items():
                    lat = np.exp(np.log(med) + rng.normal(0, 0.1) + rng.normal(0, 0.4, n))
                    ok = rng.random(n) > 0.01
                    frames.append(pd.DataFrame({
                        "platform": plat, "mechanism": mech, "mode": mode, "boot": b,
                        "seq": np.arange(n), "latency_ns": np.where(ok, lat, -1).astype(np.int64),
                        "notify_ns": 500, "ok": ok, "slept": 1 if mode == "blocking" else -1,
                        "warmup": np.arange(n) < warmup}))
    df = pd.concat(frames, ignore_index=True)
    d = Path(path)
    d.mkdir(parents=True, exist_ok=True)
    for (plat, b), part in df.groupby(["platform", "boot"]):
        data.write_samples(part, data.boot_samples_path(d, plat, b))
    data.write_metadata({"run_id": run_id or d.name, "status": "complete",
                         "start": "2026-01-01T00:00:00Z",
                         "params": {"boots": boots, "idle_us": 1000, "warmup": warmup,
                                    "skipped": ["spin-blocking"]}}, d / "metadata.json")
    return d


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory):
    return write_synthetic_run(tmp_path_factory.mktemp("synthetic") / "syn")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The smallest useful run: tcg, eventfd and uintr_event, blocking, 2 boots."""
    return write_synthetic_run(tmp_path_factory.mktemp("tiny") / "tiny",
                               spec={"tcg": {"blocking": {"eventfd": 150e3, "uintr_event": 80e3}}},
                               boots=2, n=60)


@pytest.fixture(scope="session")
def analysed(synthetic_run):
    """``(samples, Analysis)`` of the synthetic run (n_boot 1000), computed once for every
    test file that reads an analysis (test_analysis, test_plots)."""
    from uintrlab import analysis as A

    p = A.validate_params(str(synthetic_run), n_boot=1000)
    metas, s = A.load(p)
    return s, A.analyse(s, p, metas)
