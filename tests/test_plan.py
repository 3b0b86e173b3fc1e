"""Experiment parameters: validation names the bad parameter; plans and profiles."""
import pytest

from uintrlab import profiles
from uintrlab.plan import Condition, Experiment, ParameterError

KNOWN = {"eventfd": ("nonblocking", "blocking", "pingpong"), "spin": ("nonblocking", "pingpong")}


def exp(**kw):
    base = dict(platforms=["native"], mechanisms=["eventfd"], modes=["blocking"])
    base.update(kw)
    return Experiment(**base)


@pytest.mark.parametrize("kw,name", [
    (dict(platforms=["kvm"]), "platform"),
    (dict(mechanisms=["smoke"]), "mechanism"),
    (dict(modes=["sideways"]), "mode"),
    (dict(count=0), "count"),
    (dict(count=-3), "count"),
    (dict(blocking_count=0), "blocking_count"),
    (dict(boots=0), "boots"),
    (dict(warmup=-1), "warmup"),
    (dict(idle_us=-1), "idle_us"),
    (dict(reader_cpu=0, writer_cpu=0), "reader_cpu"),
    (dict(mechanisms=["spin"], modes=["blocking"]), "modes"),
    (dict(platforms=[]), "platforms"),
    (dict(tcg_threads="many"), "tcg_threads"),
    (dict(idle_us=[1000, 0]), "idle_us"),
    (dict(idle_us=[1000, -5]), "idle_us"),
    (dict(idle_us=[]), "idle_us"),
    (dict(idle_us=[1000, 1000]), "idle_us"),
    (dict(idle_us=[1000, 10000], blocking_count={1000: 10}), "blocking_count"),
    (dict(idle_us=[1000], blocking_count={1000: 10, 5: 3}), "blocking_count"),
    (dict(idle_us=[1000], blocking_count={1000: 0}), "blocking_count"),
    (dict(host_cpus=[0, 0]), "host_cpus"),
    (dict(timeout_ms=2001), "timeout_ms"),
    (dict(mode_counts={"blocking": 5}), "mode_counts"),
    (dict(mode_counts={"sideways": 5}), "mode_counts"),
    (dict(mode_counts={"pingpong": 0}), "mode_counts"),
    (dict(bench_variant="no such/variant"), "bench_variant"),
])
def test_bad_parameters_are_named(kw, name):
    with pytest.raises(ParameterError, match=f"^{name}:"):
        exp(**kw).validate(KNOWN)


def test_unsupported_pairs_are_skipped_and_said():
    e = exp(mechanisms=["eventfd", "spin"], modes=["nonblocking", "blocking"])
    e.validate(KNOWN)
    assert e.conditions(KNOWN) == [Condition("eventfd", "nonblocking"),
                                   Condition("eventfd", "blocking", 1000), Condition("spin", "nonblocking")]
    assert e.skipped == ["spin-blocking"]


def test_boot_plan_is_seeded_and_varies_between_boots():
    e = exp(mechanisms=["eventfd", "spin"], modes=["nonblocking", "pingpong"])
    conds = e.conditions(KNOWN)
    plans = [e.boot_plan(conds, "tcg", b) for b in range(6)]
    assert plans == [e.boot_plan(conds, "tcg", b) for b in range(6)]
    assert len({tuple(p) for p in plans}) > 1
    assert all(sorted(p, key=str) == sorted(conds, key=str) for p in plans)


def test_blocking_count_and_messages():
    e = exp(modes=["blocking", "nonblocking"], count=100, blocking_count=10, warmup=5)
    e.validate(KNOWN)
    assert e.messages(Condition("eventfd", "blocking")) == 15
    assert e.messages(Condition("eventfd", "nonblocking")) == 105
    assert "--count" in e.bench_args(Condition("eventfd", "blocking"))
    args = e.bench_args(Condition("eventfd", "blocking"))
    assert args[args.index("--count") + 1] == "10"


def test_profiles():
    full = profiles.experiment("full")
    assert (full.count, full.blocking_count) == (100_000, 10_000) and full.boots >= 10
    assert profiles.experiment("quick", boots=1).boots == 1
    with pytest.raises(ParameterError, match="^profile:"):
        profiles.experiment("huge")
    with pytest.raises(ParameterError, match="^colour:"):
        profiles.experiment("quick", colour="red")


def test_idle_levels_multiply_blocking_and_take_their_own_counts():
    e = exp(modes=["blocking", "nonblocking"], idle_us=[1000, 100000], count=50,
            blocking_count={"1000": 20, "100000": 5}, warmup=2)
    e.validate(KNOWN)
    conds = e.conditions(KNOWN)
    assert conds == [Condition("eventfd", "blocking", 1000), Condition("eventfd", "blocking", 100000),
                     Condition("eventfd", "nonblocking")]
    assert [c.id for c in conds] == ["eventfd-blocking-idle1000", "eventfd-blocking-idle100000",
                                     "eventfd-nonblocking"]
    assert [e.messages(c) for c in conds] == [22, 7, 52]
    args = e.bench_args(conds[1])
    assert args[args.index("--idle-us") + 1] == "100000" and args[args.index("--count") + 1] == "5"
    assert e.bench_args(conds[2])[e.bench_args(conds[2]).index("--idle-us") + 1] == "0"
    assert e.as_dict()["blocking_count"] == {"1000": 20, "100000": 5}
    # the timeout allows for each level's idle time
    assert e.boot_timeout([conds[1]]) > 120 + 7 * 0.1


def test_mode_counts_give_some_modes_their_own_count():
    e = exp(modes=["nonblocking", "pingpong"], count=100, mode_counts={"pingpong": 7}, warmup=1)
    e.validate(KNOWN)
    assert [e.messages(c) for c in e.conditions(KNOWN)] == [101, 8]
