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
])
def test_bad_parameters_are_named(kw, name):
    with pytest.raises(ParameterError, match=f"^{name}:"):
        exp(**kw).validate(KNOWN)


def test_unsupported_pairs_are_skipped_and_said():
    e = exp(mechanisms=["eventfd", "spin"], modes=["nonblocking", "blocking"])
    e.validate(KNOWN)
    assert e.conditions(KNOWN) == [Condition("eventfd", "nonblocking"), Condition("eventfd", "blocking"),
                                   Condition("spin", "nonblocking")]
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
