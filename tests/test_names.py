"""uintrlab.names (display order and labels) against the benchmark's own --list, and the
one --list parser of uintrlab.builds."""
import os

import pytest

from uintrlab import builds, names


def test_registry_and_bench_list_agree(native_bench):
    """Every mechanism uintr-bench lists has a registry entry and vice versa; every mode a
    mechanism supports is in the registry, and every registry mode is supported by one."""
    listing = builds.bench_listing(native_bench)
    assert names.disagreements(listing.modes) == []
    assert set(listing.modes) == set(names.names("mechanism"))


def test_disagreements_name_what_differs():
    listing = {m: ("nonblocking",) for m in names.names("mechanism") if m != "spin"}
    listing["smoke"] = ("nonblocking", "sideways")
    listing["eventfd"] = ("nonblocking", "blocking", "pingpong", "pingpong-spin", "backtoback")
    found = names.disagreements(listing)
    assert any("'smoke'" in f and "not in uintrlab.names.MECHANISMS" in f for f in found)
    assert any("'spin'" in f and "not in uintr-bench --list" in f for f in found)
    assert any("mode 'sideways'" in f for f in found)
    assert len(found) == 3


def test_order_puts_known_names_first_and_unknown_sorted_last():
    assert names.order(["spin", "zeta", "eventfd", "alpha", "uintr"], "mechanism") == \
        ["eventfd", "uintr", "spin", "alpha", "zeta"]
    assert names.order({"native", "tcg"}, "platform") == ["tcg", "native"]
    assert names.order(["pingpong", "blocking", "pingpong"], "mode") == ["blocking", "pingpong"]
    assert names.names("mode") == ["nonblocking", "blocking", "backtoback", "pingpong", "pingpong-spin"]
    with pytest.raises(ValueError, match="^dimension:"):
        names.order(["x"], "colour")


def test_a_numeric_dimension_orders_and_labels_by_value():
    idle = names.Dimension("idle_us", (), numeric=True, unit="µs")
    assert idle.order([100000, 1000, "10000", 1000]) == ["1000", "10000", "100000"]
    assert idle.label(1000) == "1000 µs"
    with pytest.raises(ValueError, match="twice"):
        names.Dimension("mode", (names.Entry("a"), names.Entry("a")))


def test_labels_and_uintr_mechanisms():
    assert names.label("mechanism", "uintr_event") == "uintr_event"
    assert names.label("mechanism", "unknown") == "unknown"
    assert names.uintr_mechanisms() == ["uintr_event", "uintr"]


def test_parse_listing():
    text = ("eventfd nonblocking blocking pingpong\n"
            "spin nonblocking pingpong\n\n"
            "uintr nonblocking blocking # unavailable: no user interrupts here\n"
            "# a comment line\n")
    got = builds.parse_listing(text)
    assert got.modes == {"eventfd": ("nonblocking", "blocking", "pingpong"),
                         "spin": ("nonblocking", "pingpong"),
                         "uintr": ("nonblocking", "blocking")}
    assert got.unavailable == {"uintr": "no user interrupts here"}
    with pytest.raises(ValueError, match="listed twice"):
        builds.parse_listing("spin nonblocking\nspin pingpong\n", "b --list")
    with pytest.raises(ValueError, match="^b --list: lists no mechanism"):
        builds.parse_listing("\n", "b --list")


def test_bench_listing_runs_a_binary_once_until_it_changes(tmp_path):
    calls = tmp_path / "calls"
    bench = tmp_path / "uintr-bench"
    bench.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'spin nonblocking pingpong'\n")
    bench.chmod(0o755)
    first = builds.bench_listing(bench)
    assert builds.bench_listing(bench) is first
    assert calls.read_text().count("x") == 1
    st = bench.stat()
    os.utime(bench, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert builds.bench_listing(bench).modes == {"spin": ("nonblocking", "pingpong")}
    assert calls.read_text().count("x") == 2


def test_list_mechanisms_and_unavailable_come_from_one_listing(native_bench):
    listing = builds.bench_listing()
    assert builds.list_mechanisms() == listing.modes
    assert builds.unavailable_natively() == listing.unavailable
    assert set(listing.unavailable) <= set(listing.modes)
