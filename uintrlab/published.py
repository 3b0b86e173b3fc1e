"""Published costs and hardware anchors: ``data/published/`` (see its README.md).

- ``sources.csv``: one row per source (``SOURCE_COLUMNS``), cited by ``source_id``;
- ``classes.csv``: the cost classes and their definitions (``CLASS_COLUMNS``);
- ``uintr-costs.csv``: one row per (class, source) (``COST_COLUMNS``), a value or a
  low/high range in ``UNITS``; cycles carry the frequency of the CPU they were measured on;
- ``hardware-anchors.csv``: the held-out validation numbers (``ANCHOR_COLUMNS``), never
  used to fit anything.

``load()`` reads and checks all four; every error is a ``PublishedError`` naming the file,
the line and (for costs) the class. ``class_range()`` is the one rule for turning the rows
of a class into a range in ns.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "published"
SOURCE_COLUMNS = ("source_id", "citation", "url", "year", "accessed_via")
CLASS_COLUMNS = ("class", "definition")
COST_COLUMNS = ("class", "value_low", "value_high", "unit", "cpu", "freq_ghz", "source_id",
                "locator", "evidence", "note")
ANCHOR_COLUMNS = ("anchor_id", "platform", "mechanism", "program", "mode", "statistic", "value",
                  "unit", "message_bytes", "count", "cpu", "source_id", "locator", "evidence", "note")
# ns per unit; cycles are converted with the row's freq_ghz instead.
UNITS = {"ns": 1.0, "us": 1e3}
CYCLES = "cycles"
ANCHOR_UNITS = ("ratio", "us", "msg_per_s")
ANCHOR_STATISTICS = ("relative_mean", "mean", "min", "max", "rate")
ANCHOR_PLATFORMS = ("hardware", "qemu-osf4")
# direct: read in the source's own text; quoted: read where others reproduce the source
# (slides, a quoted mail, a copy of a draft); reported: a third party's summary only.
EVIDENCE = ("direct", "quoted", "reported")
DEFAULT_EVIDENCE = ("direct", "quoted")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PublishedError(ValueError):
    """A published-data file is missing, malformed or inconsistent; the message names it."""


@dataclass(frozen=True)
class Published:
    sources: pd.DataFrame
    classes: pd.DataFrame
    costs: pd.DataFrame
    anchors: pd.DataFrame


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise PublishedError(f"{path}: unreadable ({e})") from e
    if tuple(df.columns) != columns:
        raise PublishedError(f"{path}: columns {list(df.columns)}, expected {list(columns)}")
    if df.empty:
        raise PublishedError(f"{path}: no rows")
    return df.apply(lambda c: c.str.strip())


def _where(path: Path, i: int, name: str | None = None) -> str:
    """File and line (the header is line 1), and the row's class or id when known."""
    return f"{path}: line {i + 2}" + (f" ({name})" if name else "")


def _number(path: Path, i: int, name: str, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise PublishedError(f"{_where(path, i, name)}: {column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise PublishedError(f"{_where(path, i, name)}: {column} {text!r} is not finite")
    if value < 0:
        raise PublishedError(f"{_where(path, i, name)}: {column} {text!r} is negative")
    return value


def _require(path: Path, i: int, name: str | None, row: pd.Series, columns: tuple[str, ...]) -> None:
    for c in columns:
        if not row[c]:
            raise PublishedError(f"{_where(path, i, name)}: {c} is missing")


def _unique(path: Path, df: pd.DataFrame, column: str) -> None:
    dup = df[column][df[column].duplicated()]
    if len(dup):
        i = int(dup.index[0])
        raise PublishedError(f"{_where(path, i)}: {column} {dup.iloc[0]!r} appears twice")


def load_sources(path: Path) -> pd.DataFrame:
    df = _read(path, SOURCE_COLUMNS)
    for i, row in df.iterrows():
        _require(path, i, row["source_id"] or None, row, SOURCE_COLUMNS)
        if not row["url"].startswith(("http://", "https://")):
            raise PublishedError(f"{_where(path, i, row['source_id'])}: url {row['url']!r} is not a URL")
        if not re.fullmatch(r"(19|20)\d\d", row["year"]):
            raise PublishedError(f"{_where(path, i, row['source_id'])}: year {row['year']!r} is not a year")
    _unique(path, df, "source_id")
    return df.set_index("source_id", drop=False)


def load_classes(path: Path) -> pd.DataFrame:
    df = _read(path, CLASS_COLUMNS)
    for i, row in df.iterrows():
        _require(path, i, row["class"] or None, row, CLASS_COLUMNS)
        if not _NAME.match(row["class"]):
            raise PublishedError(f"{_where(path, i)}: class {row['class']!r} is not a lower-case name")
    _unique(path, df, "class")
    return df.set_index("class", drop=False)


def _check_source(path: Path, i: int, name: str, sid: str, sources: pd.DataFrame) -> None:
    if not sid:
        raise PublishedError(f"{_where(path, i, name)}: source_id is missing")
    if sid not in sources.index:
        raise PublishedError(f"{_where(path, i, name)}: source_id {sid!r} is not in sources.csv")


def _check_evidence(path: Path, i: int, name: str, evidence: str) -> None:
    if evidence not in EVIDENCE:
        raise PublishedError(f"{_where(path, i, name)}: evidence {evidence!r} is not one of {list(EVIDENCE)}")


def load_costs(path: Path, sources: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """The cost rows with ``low``, ``high`` (floats, in the row's unit) and ``low_ns``, ``high_ns``."""
    df = _read(path, COST_COLUMNS)
    lows, highs, low_ns, high_ns = [], [], [], []
    for i, row in df.iterrows():
        cls = row["class"]
        if not cls:
            raise PublishedError(f"{_where(path, i)}: class is missing")
        name = f"class {cls}"
        if cls not in classes.index:
            raise PublishedError(f"{_where(path, i, name)}: class is not defined in classes.csv")
        _check_source(path, i, name, row["source_id"], sources)
        _require(path, i, name, row, ("value_low", "value_high", "unit", "cpu", "locator", "evidence"))
        _check_evidence(path, i, name, row["evidence"])
        low = _number(path, i, name, "value_low", row["value_low"])
        high = _number(path, i, name, "value_high", row["value_high"])
        if low > high:
            raise PublishedError(f"{_where(path, i, name)}: value_low {low:g} > value_high {high:g}")
        unit = row["unit"]
        if unit == CYCLES:
            if not row["freq_ghz"]:
                raise PublishedError(f"{_where(path, i, name)}: freq_ghz is missing (needed for cycles)")
            freq = _number(path, i, name, "freq_ghz", row["freq_ghz"])
            if freq == 0:
                raise PublishedError(f"{_where(path, i, name)}: freq_ghz is zero")
            scale = 1.0 / freq
        elif unit in UNITS:
            if row["freq_ghz"]:
                _number(path, i, name, "freq_ghz", row["freq_ghz"])
            scale = UNITS[unit]
        else:
            raise PublishedError(f"{_where(path, i, name)}: unit {unit!r} is not one of "
                                 f"{[CYCLES, *UNITS]}")
        lows.append(low)
        highs.append(high)
        low_ns.append(low * scale)
        high_ns.append(high * scale)
    return df.assign(low=lows, high=highs, low_ns=low_ns, high_ns=high_ns)


def load_anchors(path: Path, sources: pd.DataFrame) -> pd.DataFrame:
    """The validation rows with ``value`` as float. Validation only: never fit to these."""
    df = _read(path, ANCHOR_COLUMNS)
    values = []
    for i, row in df.iterrows():
        aid = row["anchor_id"]
        if not aid:
            raise PublishedError(f"{_where(path, i)}: anchor_id is missing")
        name = f"anchor {aid}"
        _check_source(path, i, name, row["source_id"], sources)
        _require(path, i, name, row, ("platform", "mechanism", "program", "mode", "statistic", "value",
                                      "unit", "cpu", "locator", "evidence"))
        _check_evidence(path, i, name, row["evidence"])
        for column, allowed in (("platform", ANCHOR_PLATFORMS), ("statistic", ANCHOR_STATISTICS),
                                ("unit", ANCHOR_UNITS)):
            if row[column] not in allowed:
                raise PublishedError(f"{_where(path, i, name)}: {column} {row[column]!r} is not one of "
                                     f"{list(allowed)}")
        for column in ("message_bytes", "count"):
            if row[column]:
                _number(path, i, name, column, row[column])
        values.append(_number(path, i, name, "value", row["value"]))
    _unique(path, df, "anchor_id")
    return df.assign(value=values)


def load(directory: Path | str = DEFAULT_DIR) -> Published:
    """Read and check the four files of ``directory``."""
    d = Path(directory)
    sources = load_sources(d / "sources.csv")
    classes = load_classes(d / "classes.csv")
    return Published(sources=sources, classes=classes,
                     costs=load_costs(d / "uintr-costs.csv", sources, classes),
                     anchors=load_anchors(d / "hardware-anchors.csv", sources))


def class_range(costs: pd.DataFrame, cls: str,
                evidence: tuple[str, ...] = DEFAULT_EVIDENCE) -> tuple[float, float]:
    """(low, high) in ns over every row of ``cls`` whose evidence is in ``evidence``: the
    smallest low and the largest high, so the range covers every source that disagrees."""
    bad = [e for e in evidence if e not in EVIDENCE]
    if bad:
        raise PublishedError(f"evidence {bad} is not one of {list(EVIDENCE)}")
    rows = costs[(costs["class"] == cls) & costs["evidence"].isin(evidence)]
    if rows.empty:
        raise PublishedError(f"class {cls!r}: no published cost with evidence in {list(evidence)}")
    return float(rows["low_ns"].min()), float(rows["high_ns"].max())
