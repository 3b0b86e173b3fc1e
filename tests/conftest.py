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
                        "platform": plat, "mechanism": mech, "mode": mode,
                        "idle_us": 1000 if mode == "blocking" else -1, "boot": b,
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


# ---------------------------------------------------------------- path lengths (counting runs)

SEGS = {"entry": "interrupt entry/exit", "sched": "scheduler", "other": "other kernel"}
COUNTS = ("insn_user", "insn_kernel", "foreign_insn", "foreign_irqs", "tick_restarts", "syscalls",
          "mmio_apic_icr", "senduipi", "switches", "halts")
# per mechanism and side: user instructions and kernel instructions by segment
PATHS = {"eventfd": {"writer": (29, {"entry": 0, "sched": 100, "other": 991}),
                     "reader": (83, {"entry": 231, "sched": 2100, "other": 83}),
                     "reader_pre": (29, {"entry": 27, "sched": 1900, "other": 46})},
         "uintr": {"writer": (14, {"entry": 0, "sched": 0, "other": 0}),
                   "reader": (95, {"entry": 231, "sched": 2000, "other": 122}),
                   "reader_pre": (36, {"entry": 27, "sched": 1600, "other": 15})}}


def synthetic_messages(mech, mode="blocking", boot=0, n=6, warmup=1, idle_us=1000, timer_at=(),
                       restart_at=(), bump=None):
    """A counting run's per-message rows (uintrlab.pathlen.per_message's columns, those the
    tables read): n messages of one condition and boot; messages in timer_at take a foreign timer
    interrupt on the reader's side (+3000 kernel instructions in "other"), those in
    restart_at a tick restart (+950 in sched); bump: {seq: extra reader "other"}."""
    rows = []
    for seq in range(n):
        r = {"platform": "tcg", "mechanism": mech, "mode": mode, "boot": boot, "seq": seq,
             "warmup": seq < warmup, "ok": True, "slept": 1, "reader_split": True,
             "idle_us": idle_us if mode == "blocking" else -1}
        for side, (user, kseg) in PATHS[mech].items():
            kseg = dict(kseg)
            extra = {}
            if side == "reader" and seq in timer_at:
                kseg["other"] += 3000
                extra = {"foreign_insn": 3000, "foreign_irqs": 1}
            if side == "reader" and seq in restart_at:
                kseg["sched"] += 950
                extra["tick_restarts"] = 1
            if side == "reader" and bump and seq in bump:
                kseg["other"] += bump[seq]
            vals = dict.fromkeys(COUNTS, 0) | {"insn_user": user, "insn_kernel": sum(kseg.values())} | extra
            if side == "writer":
                vals |= {"syscalls": int(mech == "eventfd"), "mmio_apic_icr": int(mech == "eventfd"),
                         "senduipi": int(mech == "uintr")}
            if side == "reader":
                vals["switches"] = 1
            if side == "reader_pre":
                vals |= {"halts": 1, "syscalls": 1}
            r |= {f"{side}_{k}": v for k, v in vals.items()}
            r |= {f"{side}_kseg_{s}": kseg[s] for s in SEGS}
        rows.append(r)
    return rows


def synthetic_path_table(*parts):
    """Rows of :func:`synthetic_messages` as a per-message table."""
    import pandas as pd

    df = pd.DataFrame([r for p in parts for r in p])
    for c in ("platform", "mechanism", "mode"):
        df[c] = df[c].astype("category")
    return df


def write_counting_run(root, name, df, segments=SEGS, kind="path-lengths"):
    """A counting run directory (metadata kind path-lengths, pathlen/ tables per boot) of
    the per-message table ``df`` (:func:`synthetic_path_table`)."""
    from uintrlab import data, pathlen

    run = root / name
    for boot, g in df.groupby("boot"):
        pathlen.write_boot(g.reset_index(drop=True), run, "tcg", int(boot))
    data.write_metadata({"kind": kind, "run_id": name, "status": "complete", "start": "2026-01-02T00:00:00Z",
                         "path_lengths": {"segments": [{"name": s, "label": lab, "symbols": 7}
                                                       for s, lab in segments.items()]}},
                        run / "metadata.json")
    return run


@pytest.fixture(scope="session")
def counting_run_dir(tmp_path_factory):
    """A small synthetic counting run: eventfd and uintr, blocking and back-to-back, two
    boots, a timer interrupt and a tick restart in some messages."""
    m = synthetic_messages
    df = synthetic_path_table(m("eventfd", boot=0, timer_at=(2,), restart_at=(4,)), m("eventfd", boot=1),
                              m("uintr", boot=0), m("uintr", boot=1, timer_at=(1,)),
                              m("eventfd", "backtoback", boot=0), m("eventfd", "backtoback", boot=1))
    return write_counting_run(tmp_path_factory.mktemp("counting"), "pathlen-synthetic", df)


@pytest.fixture(scope="session")
def analysed(synthetic_run):
    """``(samples, Analysis)`` of the synthetic run (n_boot 1000), computed once for every
    test file that reads an analysis (test_analysis, test_plots)."""
    from uintrlab import analysis as A

    p = A.validate_params(str(synthetic_run), n_boot=1000)
    metas, s = A.load(p)
    return s, A.analyse(s, p, metas)
