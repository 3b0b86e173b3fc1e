"""The data format of a run: ``data/runs/<run-id>/``.

- ``metadata.json``: provenance and parameters (see data/README.md);
- ``samples/<platform>-<boot>.parquet``: one row per message of that boot, columns
  SAMPLE_COLUMNS (zstd-compressed; one file per boot, written when the boot ends); a boot
  of more than PART_ROWS messages is split into row-range parts
  ``<platform>-<boot>-p<k>.parquet`` (k = 0, 1, ...; read back in that order), which keeps
  every file a few MB;
- ``boots/<platform>-<boot>/``: console log (tcg) and the benchmark's raw outputs.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .samples import CONDITION, NO_IDLE, SAMPLE_COLUMNS

#: the format runs are written in (metadata "format"); format 2 had no idle_us column
FORMAT = 3
#: the samples in memory (Arrow and pandas)
SCHEMA = pa.schema([
    ("platform", pa.dictionary(pa.int8(), pa.string())),
    ("mechanism", pa.dictionary(pa.int8(), pa.string())),
    ("mode", pa.dictionary(pa.int8(), pa.string())),
    ("idle_us", pa.int32()),
    ("boot", pa.int16()),
    ("seq", pa.int32()),
    ("latency_ns", pa.int64()),
    ("notify_ns", pa.int64()),
    ("ok", pa.bool_()),
    ("slept", pa.int8()),
    ("warmup", pa.bool_()),
])
#: the samples on disk (format 3): latencies and notify costs fit 32 bits (a message is a
#: failure after --timeout-ms, at most plan.MAX_TIMEOUT_MS = 2 s), which halves their raw size
FILE_SCHEMA = pa.schema([pa.field(f.name, pa.int32()) if f.name in ("latency_ns", "notify_ns") else f
                         for f in SCHEMA])
BENCH_CSV_COLUMNS = ("seq", "latency_ns", "notify_ns", "ok", "slept", "warmup")


class DataError(ValueError):
    """A run directory or one of its files is missing, truncated or malformed."""


def read_bench_csv(path: Path) -> pd.DataFrame:
    """Read the per-message CSV the benchmark writes; errors name the file."""
    try:
        df = pd.read_csv(path, dtype="int64")
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: unreadable samples file ({e})") from e
    if tuple(df.columns) != BENCH_CSV_COLUMNS:
        raise DataError(f"{path}: unexpected columns {list(df.columns)}")
    if len(df) and not np.array_equal(df["seq"].to_numpy(), np.arange(len(df))):
        raise DataError(f"{path}: sequence numbers are not 0..{len(df) - 1} (truncated or corrupted)")
    return df


def to_samples(df: pd.DataFrame, platform: str, mechanism: str, mode: str, boot: int,
               idle_us: int = NO_IDLE) -> pd.DataFrame:
    """Label a benchmark CSV with its condition and boot, in the samples schema
    (``idle_us``: the idle level of a blocking condition, else NO_IDLE)."""
    out = pd.DataFrame({
        "platform": platform, "mechanism": mechanism, "mode": mode, "idle_us": idle_us, "boot": boot,
        "seq": df["seq"], "latency_ns": df["latency_ns"], "notify_ns": df["notify_ns"],
        "ok": df["ok"].astype(bool), "slept": df["slept"], "warmup": df["warmup"].astype(bool),
    })
    return normalize(out)


#: numpy dtypes of the samples schema's non-label columns
_DTYPES = {f.name: f.type.to_pandas_dtype() for f in SCHEMA if f.name not in CONDITION}


def _sample_columns(columns) -> list[str]:
    """``columns`` (None: all) in the samples schema's order; unknown names are an error
    naming ``columns``."""
    if columns is None:
        return list(SAMPLE_COLUMNS)
    unknown = [c for c in columns if c not in SAMPLE_COLUMNS]
    if unknown:
        raise ValueError(f"columns: not samples columns: {unknown}; known: {list(SAMPLE_COLUMNS)}")
    return [c for c in SAMPLE_COLUMNS if c in set(columns)]


def normalize(df: pd.DataFrame, columns=None) -> pd.DataFrame:
    """Cast a frame to the samples schema's dtypes (categoricals for the labels), keeping
    ``columns`` (default: all of :data:`SAMPLE_COLUMNS`) in the schema's order. Columns
    that already have their dtype are not copied."""
    cols = _sample_columns(columns)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"samples lack columns {missing}")
    out = df[cols]                  # copy-on-write: columns are copied only when changed
    for c in cols:
        s = out[c]
        if c in CONDITION:
            if isinstance(s.dtype, pd.CategoricalDtype) and not s.isna().any():
                # relabel the (few) categories instead of materialising a string per row
                out[c] = s.cat.rename_categories([str(x) for x in s.cat.categories])
            else:
                out[c] = s.astype(str).astype("category")
        elif s.dtype != _DTYPES[c]:
            out[c] = s.astype(_DTYPES[c])
    return out


def write_samples(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # safe casts: a latency that does not fit FILE_SCHEMA is an error, never a wrapped value
    table = pa.Table.from_pandas(normalize(df), schema=SCHEMA, preserve_index=False).cast(FILE_SCHEMA)
    tmp = path.with_suffix(".tmp")
    # Delta encoding for the integer columns, then zstd: about 4.5 bytes a message for
    # latencies with ~17 bits of entropy, close to what the values themselves carry.
    pq.write_table(table, tmp, compression="zstd", compression_level=9,
                   use_dictionary=["platform", "mechanism", "mode"],
                   column_encoding={c: "DELTA_BINARY_PACKED"
                                    for c in ("idle_us", "boot", "seq", "latency_ns", "notify_ns")})
    tmp.replace(path)


def read_table(path: Path, columns=None, where: dict | None = None,
               idle_us: int | None = None) -> pa.Table:
    """One samples file as an Arrow table: only ``columns`` (default all), only the rows
    whose labels are in ``where`` (``{"mode": ["blocking"], "mechanism": [...]}``; the
    filter runs in Arrow, before any pandas object exists). Errors name the file.

    A file of format 2 has no ``idle_us`` column: its run had one idle level, which the
    caller gives as ``idle_us`` (the run's parameter; :func:`load_run` does): blocking
    rows get it, the others NO_IDLE."""
    cols = _sample_columns(columns)
    try:
        names = pq.read_schema(path).names
        fill = "idle_us" in cols and "idle_us" not in names
        if fill and idle_us is None:
            raise DataError(f"{path}: a samples file of format 2 (no idle_us column): read it "
                            "with its run (data.load_run), whose metadata has the idle level")
        read = [c for c in cols if not (fill and c == "idle_us")] + (["mode"] if fill and "mode" not in cols else [])
        missing = [c for c in read if c not in names]
        if missing:
            raise DataError(f"{path}: samples lack columns {missing}")
        t = pq.read_table(path, columns=read, filters=_filters(where))
    except (OSError, pa.ArrowException) as e:
        raise DataError(f"{path}: truncated or corrupted samples file ({e})") from e
    if fill:
        blocking = pc.equal(t.column("mode").cast(pa.string()), "blocking")
        level = pc.if_else(blocking, pa.scalar(idle_us, pa.int32()), pa.scalar(NO_IDLE, pa.int32()))
        t = t.append_column("idle_us", level).select(cols)
    return t


def _filters(where: dict | None):
    if not where:
        return None
    bad = [k for k in where if k not in CONDITION]
    if bad:
        raise ValueError(f"where: only the labels {CONDITION} can select rows, got {bad}")
    return [(k, "in", [str(v) for v in vals]) for k, vals in where.items()]


def read_samples(path: Path, columns=None, where: dict | None = None,
                 idle_us: int | None = None) -> pd.DataFrame:
    """One samples file as a samples frame (see :func:`read_table`)."""
    return _frame([read_table(path, columns, where, idle_us)], columns)


def _frame(tables: list[pa.Table], columns=None) -> pd.DataFrame:
    """Samples frame of the tables' rows in order: one Arrow concatenation and one
    conversion (the Arrow buffers are released while converting); the label columns
    categorical with the sorted union of the files' categories, so that no per-row
    strings are built. Empties ``tables``."""
    cols = _sample_columns(columns)
    schema = pa.schema([SCHEMA.field(c) for c in cols])
    if any(not t.schema.remove_metadata().equals(schema) for t in tables):
        tables[:] = [t.select(cols).cast(schema) for t in tables]
    table = pa.concat_tables(tables)
    tables.clear()
    df = normalize(table.to_pandas(split_blocks=True, self_destruct=True), cols)
    del table
    # Arrow's allocator keeps the pages of the decoded files; give them back (about
    # 0.6 GB for the full run) instead of carrying them through the analysis
    pa.default_memory_pool().release_unused()
    for c in CONDITION:
        if c in df.columns:
            cats = sorted(df[c].cat.categories)
            if list(df[c].cat.categories) != cats:
                df[c] = df[c].cat.set_categories(cats)
    return df


SAMPLES_DIR = "samples"
#: a counting run's per-message path lengths (uintrlab.pathlen); such a run has no samples
PATHLEN_DIR = "pathlen"
#: most messages in one samples file (about 2.5 MB at ~4.2 bytes a message)
PART_ROWS = 600_000


def boot_samples_path(run_dir: Path, platform: str, boot: int, part: int | None = None) -> Path:
    suffix = "" if part is None else f"-p{part}"
    return Path(run_dir) / SAMPLES_DIR / f"{platform}-{boot:03d}{suffix}.parquet"


def write_boot_samples(df: pd.DataFrame, run_dir: Path, platform: str, boot: int,
                       max_rows: int = PART_ROWS) -> list[Path]:
    """Write one boot's samples: one file, or row-range parts of at most ``max_rows``
    messages each when the boot has more.  Returns the files written, in row order.

    Parts are written last to first (each by an atomic rename), so a boot whose part 0
    exists has all its parts: a writer stopped half-way leaves no p0, and
    :func:`check_sample_files` refuses the boot instead of loading part of it."""
    if len(df) <= max_rows:
        paths = [boot_samples_path(run_dir, platform, boot)]
        write_samples(df, paths[0])
        return paths
    starts = list(range(0, len(df), max_rows))
    paths = [boot_samples_path(run_dir, platform, boot, k) for k in range(len(starts))]
    for k in reversed(range(len(starts))):
        write_samples(df.iloc[starts[k]:starts[k] + max_rows], paths[k])
    return paths


_SAMPLES_NAME = re.compile(r"([a-z0-9_]+)-([0-9]{3,})(?:-p([0-9]+))?\.parquet")


def _file_order(path: Path):
    """Sort key of a samples file: platform, boot, part (numerically; a whole-boot file
    has part -1).  Names of another shape sort after, by name (first field 1)."""
    m = _SAMPLES_NAME.fullmatch(path.name)
    if not m:
        return (1, path.name, 0, 0)
    return (0, m.group(1), int(m.group(2)), -1 if m.group(3) is None else int(m.group(3)))


def sample_files(run_dir: Path) -> list[Path]:
    return sorted((Path(run_dir) / SAMPLES_DIR).glob("*.parquet"), key=_file_order)


def check_sample_files(files: list[Path]) -> None:
    """Every boot must have either one whole file or parts p0, p1, ... without a gap, and
    no file name of another shape; otherwise a DataError naming the boot's files."""
    boots: dict[tuple, list[int]] = {}
    for f in files:
        known, *key = _file_order(f)
        if known:
            raise DataError(f"{f}: not a samples file name (<platform>-<NNN>[-p<k>].parquet)")
        boots.setdefault(tuple(key[:2]), []).append(key[2])
    for (plat, boot), parts in boots.items():
        if parts == [-1]:
            continue
        if -1 in parts or parts != list(range(len(parts))):
            names = ", ".join(f.name for f in files if _file_order(f)[1:3] == (plat, boot))
            raise DataError(f"{Path(files[0]).parent}: boot {plat}-{boot:03d} has an incomplete or "
                            f"mixed set of samples files ({names}): a whole file, or parts p0..pk "
                            "without a gap, not both")


def resplit(run_dir: Path, max_bytes: int, rows: int = PART_ROWS) -> list[tuple[str, list[str]]]:
    """Split a run's whole-boot samples files larger than ``max_bytes`` into parts of at
    most ``rows`` messages (for runs written before parts existed).  Nothing is lost: each
    file's parts are written beside the run and compared with it, every target name must
    be free, and the parts are moved in (last to first) before the file is removed.
    Returns (file, parts) names of what was split."""
    run_dir = Path(run_dir)
    files = sample_files(run_dir)
    check_sample_files(files)
    stage = run_dir / f".resplit-{SAMPLES_DIR}"
    if stage.exists():
        raise DataError(f"{stage} exists: an earlier resplit stopped; inspect and remove it")
    done = []
    for f in files:
        if f.stat().st_size <= max_bytes or _file_order(f)[3] != -1:
            continue                            # small, or already a part
        df = read_samples(f)
        keys = df[["platform", "boot"]].drop_duplicates()
        if len(keys) != 1:
            raise DataError(f"{f}: holds {len(keys)} (platform, boot) pairs, expected one")
        plat, boot = str(keys.iloc[0, 0]), int(keys.iloc[0, 1])
        if f != boot_samples_path(run_dir, plat, boot):
            raise DataError(f"{f}: its rows are of boot {plat}-{boot:03d}; name and contents differ")
        parts = write_boot_samples(df, stage, plat, boot, max_rows=rows)
        if len(parts) < 2:
            shutil.rmtree(stage)
            continue
        back = pd.concat([read_samples(p) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(normalize(df), back)
        targets = [f.parent / p.name for p in parts]
        taken = [t.name for t in targets if t.exists()]
        if taken:
            raise DataError(f"{f}: part names already taken in {f.parent}: {', '.join(taken)}")
        for p, t in reversed(list(zip(parts, targets))):
            p.replace(t)
        f.unlink()
        shutil.rmtree(stage)
        done.append((f.name, [t.name for t in targets]))
    return done


def write_metadata(meta: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=False, default=str) + "\n")
    tmp.replace(path)


def _run_files(run_dir: str | Path) -> tuple[dict, list[Path]]:
    """Metadata and samples files of one run directory (checked)."""
    d = Path(run_dir)
    if not d.is_dir():
        raise DataError(f"{d}: no such run directory")
    meta_path, files = d / "metadata.json", sample_files(d)
    check_sample_files(files)
    if not files and (d / PATHLEN_DIR).is_dir():
        raise DataError(f"{d}: a path-length (counting) run: its messages are no latency samples and "
                        "never enter latency statistics; read it with uintrlab.pathlen.load_run")
    if not files:
        raise DataError(f"{d}: no samples ({SAMPLES_DIR}/*.parquet): not a run directory, "
                        "or the run kept no data")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as e:
        raise DataError(f"{meta_path}: unreadable metadata ({e})") from e
    return meta, files


def _run_idle(meta: dict) -> int | None:
    """The one idle level of a run of format 2 (its parameter idle_us), else None."""
    v = (meta.get("params") or {}).get("idle_us")
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def load_run(run_dir: str | Path, columns=None, where: dict | None = None
             ) -> tuple[dict, pd.DataFrame]:
    """Metadata and samples of one run directory (``columns``, ``where``: see
    :func:`read_table`; default everything)."""
    meta, files = _run_files(run_dir)
    return meta, _frame([read_table(f, columns, where, _run_idle(meta)) for f in files], columns)


def load_runs(run_dirs, columns=None, where: dict | None = None
              ) -> tuple[list[dict], pd.DataFrame]:
    """Several runs, samples concatenated; a column ``run`` names the run of each row
    (``columns``, ``where``: see :func:`read_table`)."""
    metas, tables, names, rows = [], [], [], []
    for d in run_dirs:
        meta, files = _run_files(d)
        metas.append(meta)
        tabs = [read_table(f, columns, where, _run_idle(meta)) for f in files]
        names.append(Path(d).name)
        rows.append(sum(t.num_rows for t in tabs))
        tables += tabs
        del tabs
    if not metas:
        raise DataError("no run directories given")
    cats = sorted(set(names))
    codes = np.repeat(np.array([cats.index(n) for n in names],
                               dtype=np.int8 if len(cats) < 128 else np.int32), rows)
    df = _frame(tables, columns)
    df["run"] = pd.Categorical.from_codes(codes, categories=cats)
    return metas, df


def run_conditions(run_dirs) -> set[tuple[str, str, str]]:
    """The ``(platform, mechanism, mode)`` conditions with at least one row in the runs,
    read from the label columns only."""
    out = set()
    for d in run_dirs:
        for f in _run_files(d)[1]:
            t = read_table(f, CONDITION).group_by(CONDITION).aggregate([])
            out |= set(zip(*(t.column(c).to_pylist() for c in CONDITION)))
    return out
