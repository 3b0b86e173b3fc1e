"""The run data format: round trip, metadata, and errors that name the bad file."""
import json

import numpy as np
import pandas as pd
import pytest

from uintrlab import data


def frame(n=10, platform="tcg", mechanism="eventfd", mode="blocking", boot=0):
    return data.normalize(pd.DataFrame({
        "platform": platform, "mechanism": mechanism, "mode": mode,
        "idle_us": 1000 if mode == "blocking" else -1, "boot": boot,
        "seq": np.arange(n), "latency_ns": np.arange(n) * 1000 + 5000, "notify_ns": 700,
        "ok": [True] * (n - 1) + [False], "slept": 1, "warmup": [True] + [False] * (n - 1),
    }))


def write_run(tmp_path, df, meta=None):
    d = tmp_path / "run"
    d.mkdir()
    for (platform, boot), part in df.groupby(["platform", "boot"], observed=True):
        data.write_samples(part, data.boot_samples_path(d, platform, boot))
    data.write_metadata(meta or {"run_id": "run"}, d / "metadata.json")
    return d


def test_round_trip_keeps_values_and_dtypes(tmp_path):
    df = pd.concat([frame(), frame(mechanism="pipe", boot=1)], ignore_index=True)
    meta, back = data.load_run(write_run(tmp_path, df, {"run_id": "x", "params": {"count": 9}}))
    assert meta == {"run_id": "x", "params": {"count": 9}}
    assert list(back.columns) == list(data.SAMPLE_COLUMNS)
    pd.testing.assert_frame_equal(back, data.normalize(df))
    assert back["latency_ns"].dtype == np.int64 and back["ok"].dtype == bool


def test_parquet_is_compact(tmp_path):
    # log-normal latencies around 90 us carry ~17 bits each, notify costs ~15 bits:
    # the file should stay within about 5 bytes per message
    n = 100_000
    rng = np.random.default_rng(1)
    df = frame(n)
    df["latency_ns"] = rng.lognormal(np.log(90_000), 0.5, n).astype(np.int64)
    df["notify_ns"] = rng.lognormal(np.log(20_000), 0.3, n).astype(np.int64)
    d = write_run(tmp_path, df)
    assert data.sample_files(d)[0].stat().st_size < 5 * n


def test_truncated_samples_file_is_named(tmp_path):
    d = write_run(tmp_path, frame(1000))
    p = data.sample_files(d)[0]
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    with pytest.raises(data.DataError, match="tcg-000.parquet: truncated or corrupted"):
        data.load_run(d)


def test_garbage_samples_file_is_named(tmp_path):
    d = write_run(tmp_path, frame())
    (d / "samples" / "tcg-000.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(data.DataError, match="tcg-000.parquet"):
        data.load_run(d)


def test_missing_run_and_missing_samples(tmp_path):
    with pytest.raises(data.DataError, match="no such run directory"):
        data.load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(data.DataError, match="no samples"):
        data.load_run(tmp_path / "empty")


def test_bad_metadata_is_named(tmp_path):
    d = write_run(tmp_path, frame())
    (d / "metadata.json").write_text("{ truncated")
    with pytest.raises(data.DataError, match="metadata.json"):
        data.load_run(d)


def test_bench_csv_truncated_mid_line(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("seq,latency_ns,notify_ns,ok,slept,warmup\n0,100,5,1,-1,1\n1,120,5,1,-1,0\n2,1")
    with pytest.raises(data.DataError, match="x.csv"):
        data.read_bench_csv(p)


def test_bench_csv_gap_in_sequence(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("seq,latency_ns,notify_ns,ok,slept,warmup\n0,100,5,1,-1,1\n2,120,5,1,-1,0\n")
    with pytest.raises(data.DataError, match="x.csv: sequence numbers"):
        data.read_bench_csv(p)


def test_bench_csv_wrong_header(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(data.DataError, match="x.csv: unexpected columns"):
        data.read_bench_csv(p)


def test_load_runs_labels_each_run(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    for d, df in ((a, frame()), (b, frame(mechanism="futex"))):
        d.mkdir()
        data.write_samples(df, data.boot_samples_path(d, "tcg", 0))
        (d / "metadata.json").write_text(json.dumps({"run_id": d.name}))
    metas, df = data.load_runs([a, b])
    assert [m["run_id"] for m in metas] == ["a", "b"]
    assert df.groupby("run", observed=True).size().to_dict() == {"a": 10, "b": 10}


def test_large_boot_is_split_into_parts_read_back_in_order(tmp_path):
    """A boot of more than max_rows messages becomes row-range parts; loading gives back
    the same frame in the same order, also past ten parts and beside whole-boot files."""
    d = tmp_path / "run"
    big = frame(n=23, boot=1)
    paths = data.write_boot_samples(big, d, "tcg", 1, max_rows=2)
    assert [p.name for p in paths][:3] == ["tcg-001-p0.parquet", "tcg-001-p1.parquet",
                                           "tcg-001-p2.parquet"]
    assert len(paths) == 12
    assert data.write_boot_samples(frame(n=2, boot=0), d, "tcg", 0, max_rows=2) == \
        [data.boot_samples_path(d, "tcg", 0)]
    data.write_boot_samples(frame(n=3, boot=2), d, "tcg", 2, max_rows=2)
    data.write_boot_samples(frame(n=3, platform="native", boot=0), d, "native", 0)
    data.write_metadata({"run_id": "run"}, d / "metadata.json")
    names = [p.name for p in data.sample_files(d)]
    assert names[:4] == ["native-000.parquet", "tcg-000.parquet", "tcg-001-p0.parquet",
                         "tcg-001-p1.parquet"]
    assert names[-3:] == ["tcg-001-p11.parquet", "tcg-002-p0.parquet", "tcg-002-p1.parquet"]
    _, back = data.load_run(d)
    tcg1 = back[(back["platform"] == "tcg") & (back["boot"] == 1)].reset_index(drop=True)
    pd.testing.assert_frame_equal(tcg1, data.normalize(big), check_categorical=False)


def _parts_run(tmp_path, n=23, rows=5):
    d = tmp_path / "run"
    data.write_boot_samples(frame(n=n, boot=1), d, "tcg", 1, max_rows=rows)
    data.write_boot_samples(frame(n=3, boot=0), d, "tcg", 0)
    data.write_metadata({"run_id": "run"}, d / "metadata.json")
    return d


@pytest.mark.parametrize("damage,what", [
    (lambda s: (s / "tcg-001-p2.parquet").unlink(), "gap"),
    (lambda s: (s / "tcg-001-p0.parquet").unlink(), "no part 0 (writer stopped)"),
    (lambda s: (s / "tcg-001.parquet").write_bytes((s / "tcg-000.parquet").read_bytes()),
     "whole file beside parts"),
], ids=["gap", "no-p0", "mixed"])
def test_incomplete_or_mixed_parts_are_refused_by_name(tmp_path, damage, what):
    d = _parts_run(tmp_path)
    damage(d / "samples")
    with pytest.raises(data.DataError, match="boot tcg-001 has an incomplete or mixed set"):
        data.load_run(d)


def test_foreign_samples_file_name_is_refused(tmp_path):
    d = _parts_run(tmp_path)
    (d / "samples" / "copy of tcg-000.parquet").write_bytes(b"x")
    with pytest.raises(data.DataError, match="not a samples file name"):
        data.load_run(d)


def test_parts_are_written_last_to_first(tmp_path, monkeypatch):
    """Part 0 is written last, so a boot with p0 on disk has all its parts."""
    order = []
    real = data.write_samples
    monkeypatch.setattr(data, "write_samples", lambda df, p: (order.append(p.name), real(df, p)))
    data.write_boot_samples(frame(n=12), tmp_path, "tcg", 0, max_rows=5)
    assert order == ["tcg-000-p2.parquet", "tcg-000-p1.parquet", "tcg-000-p0.parquet"]


def test_resplit_splits_whole_files_only_and_loses_nothing(tmp_path):
    d = tmp_path / "run"
    data.write_boot_samples(frame(n=40, boot=0), d, "tcg", 0)
    data.write_boot_samples(frame(n=30, boot=1), d, "tcg", 1, max_rows=10)   # parts already
    data.write_metadata({"run_id": "run"}, d / "metadata.json")
    _, before = data.load_run(d)
    done = data.resplit(d, max_bytes=1, rows=15)     # every file is "too big"
    assert done == [("tcg-000.parquet", ["tcg-000-p0.parquet", "tcg-000-p1.parquet",
                                         "tcg-000-p2.parquet"])]
    _, after = data.load_run(d)
    pd.testing.assert_frame_equal(before, after)
    assert not (d / ".resplit-samples").exists()
    assert data.resplit(d, max_bytes=1, rows=15) == []          # parts are never re-split


def test_resplit_refuses_taken_names_and_a_file_named_for_another_boot(tmp_path):
    d = tmp_path / "run"
    data.write_boot_samples(frame(n=40, boot=0), d, "tcg", 0)
    data.write_metadata({"run_id": "run"}, d / "metadata.json")
    stray = d / "samples" / "tcg-000-p1.parquet"          # makes the run invalid too
    stray.write_bytes(b"")
    with pytest.raises(data.DataError, match="incomplete or mixed"):
        data.resplit(d, max_bytes=1, rows=15)
    stray.unlink()
    (d / "samples" / "tcg-000.parquet").rename(d / "samples" / "tcg-005.parquet")
    with pytest.raises(data.DataError, match="name and contents differ"):
        data.resplit(d, max_bytes=1, rows=15)
    assert (d / "samples" / "tcg-005.parquet").exists()


def test_load_only_some_columns_and_conditions(tmp_path):
    df = pd.concat([frame(), frame(mechanism="pipe"), frame(mechanism="futex", mode="nonblocking"),
                    frame(platform="native", boot=1)], ignore_index=True)
    d = write_run(tmp_path, df)
    _, full = data.load_run(d)
    cols = ["platform", "mechanism", "mode", "latency_ns", "ok", "warmup"]
    where = {"mechanism": ["pipe", "futex"], "mode": ["blocking"]}
    _, part = data.load_run(d, columns=list(reversed(cols)), where=where)
    assert list(part.columns) == cols                       # the schema's order
    sel = full["mechanism"].isin(["pipe", "futex"]) & (full["mode"] == "blocking")
    expect = full.loc[sel, cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expect)
    metas, both = data.load_runs([d], columns=cols, where={"platform": ["native"]})
    assert len(both) == 10 and set(both["run"]) == {"run"}
    assert data.run_conditions([d]) == {("tcg", "eventfd", "blocking"), ("tcg", "pipe", "blocking"),
                                         ("tcg", "futex", "nonblocking"),
                                         ("native", "eventfd", "blocking")}
    with pytest.raises(ValueError, match="^columns: not samples columns: \\['lat'\\]"):
        data.load_run(d, columns=["lat"])
    with pytest.raises(ValueError, match="^where: only the labels"):
        data.load_run(d, where={"boot": [0]})


def test_a_file_without_a_column_is_named(tmp_path):
    d = write_run(tmp_path, frame())
    import pyarrow.parquet as pq
    f = data.sample_files(d)[0]
    pq.write_table(pq.read_table(f).drop_columns(["slept"]), f)
    with pytest.raises(data.DataError, match="tcg-000.parquet: samples lack columns \\['slept'\\]"):
        data.load_run(d)
    _, ok = data.load_run(d, columns=["platform", "latency_ns"])      # not needed: fine
    assert len(ok) == 10


def test_format_3_writes_idle_us_and_32_bit_latencies(tmp_path):
    import pyarrow.parquet as pq

    d = write_run(tmp_path, frame())
    schema = pq.read_schema(data.sample_files(d)[0])
    assert schema.field("idle_us").type == "int32" and schema.field("latency_ns").type == "int32"
    _, back = data.load_run(d)
    assert back["latency_ns"].dtype == np.int64 and set(back["idle_us"]) == {1000}
    # a latency that does not fit 32 bits is refused, never wrapped
    big = frame()
    big.loc[3, "latency_ns"] = 2 ** 31
    with pytest.raises(Exception, match="overflow|out of bounds|Integer value"):
        data.write_samples(big, tmp_path / "big.parquet")


def test_format_2_files_read_with_their_runs_idle_level(tmp_path):
    """A run of format 2 had one idle level (params.idle_us) and no idle_us column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.concat([frame(), frame(mode="nonblocking", boot=1)], ignore_index=True)
    d = tmp_path / "old"
    for (platform, boot), part in df.groupby(["platform", "boot"], observed=True):
        t = pa.Table.from_pandas(data.normalize(part).drop(columns=["idle_us"]), preserve_index=False)
        p = data.boot_samples_path(d, platform, boot)
        p.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(t, p)
    data.write_metadata({"run_id": "old", "format": 2, "params": {"idle_us": 100000}}, d / "metadata.json")
    _, back = data.load_run(d)
    got = back.groupby("mode", observed=True)["idle_us"].unique()
    assert list(got["blocking"]) == [100000] and list(got["nonblocking"]) == [-1]
    with pytest.raises(data.DataError, match="format 2"):
        data.read_samples(data.sample_files(d)[0])
