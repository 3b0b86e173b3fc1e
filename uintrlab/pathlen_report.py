"""The tables of a path-length counting run (``python -m uintrlab run --path-lengths``;
the counts: :mod:`uintrlab.pathlen`): per condition, the per-message instructions of each
part of the path, the events per message, and whether the counts repeat across boots.
Notebook 04, the report's "Path lengths" section and the figure ``instructions-per-message``
(:mod:`uintrlab.figures`, drawn by :func:`uintrlab.plots.path_lengths`) show them.

Messages: the measured (not warm-up) ones. Instructions and events are summarised over
*clean* messages (:func:`uintrlab.pathlen.clean`: no foreign interrupt on either side, no
tick restart), whose counts the run's timing cannot change; the foreign work of the others
is given apart (:func:`foreign`). Sides: ``writer`` (t0 to its notify call's return),
``reader`` (from the writer's t0 to the reader's t1: the reader's share of the one-way
latency) and ``reader_pre`` (from the reader's wait to the writer's t0: going to sleep, or
polling, off the latency path). Parts of a side: ``user``, ``kernel`` and the kernel by
segment (``env/qemu/plugins/pathlen-segments.txt``), which sum to ``kernel``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from . import builds, names, pathlen
from . import markdown as md
from .plan import IDLE_MODE

SIDES = {"writer": "writer", "reader": "reader after t0", "reader_pre": "reader before t0"}

#: the events per message (:func:`events`): the plugin's counter -> (short name, what it counts)
EVENTS = {
    "syscalls": ("syscall", "system calls"),
    "irqs_e9": ("irq 0xe9", "UINTR event interrupts (0xe9)"),
    "irqs_ea": ("irq 0xea", "UINTR wait interrupts (0xea)"),
    "irqs_eb": ("irq 0xeb", "UINTR notification interrupts (0xeb)"),
    "irqs_fb": ("IPI 0xfb", "call-function-single IPIs received (0xfb)"),
    "irqs_fc": ("IPI 0xfc", "call-function IPIs received (0xfc)"),
    "irqs_fd": ("IPI 0xfd", "reschedule IPIs received (0xfd)"),
    "mmio_apic_icr": ("IPI sent", "IPIs sent (APIC ICR stores)"),
    "mmio_apic_eoi": ("EOI", "EOIs (APIC EOI stores)"),
    "mmio_apic_timer": ("APIC timer store", "APIC timer programming stores"),
    "mmio": ("MMIO", "MMIO accesses (the APIC stores above among them)"),
    "wrmsr": ("WRMSR", "WRMSR"),
    "halts": ("HLT", "HLT"),
    "schedules": ("schedule()", "schedule() calls"),
    "switches": ("switch", "context switches"),
    "senduipi": ("SENDUIPI", "SENDUIPI"),
    "uiret": ("UIRET", "UIRET"),
    "page_faults": ("page fault", "page faults"),
    "exceptions": ("exception", "other exceptions"),
    "tick_stops": ("tick stop", "tick stops (idle)"),
}

#: the quantities of :func:`summary` and :func:`determinism_table`: column -> label
MAIN = {"writer_insn_user": "writer user", "writer_insn_kernel": "writer kernel",
        "reader_insn_user": "reader user", "reader_insn_kernel": "reader kernel"}


class PathTableError(ValueError):
    """Bad input to the path-length tables; the message starts with the parameter."""


# ---------------------------------------------------------------- loading

def latest_counting_run(root: str | Path | None = None) -> Path:
    """The most recent counting run under ``data/runs`` (by the ``start`` time in its
    metadata, then the directory's modification time)."""
    root = Path(root) if root else builds.ROOT / "data" / "runs"
    cands = []
    for meta in root.glob("*/metadata.json"):
        if not pathlen.is_counting_run(meta.parent):
            continue
        start = str(json.loads(meta.read_text()).get("start") or "")
        cands.append((start, meta.stat().st_mtime, meta.parent))
    if not cands:
        raise PathTableError(f"runs: none given and no counting run (kind path-lengths) under {root}")
    return max(cands)[2]


def load(runs) -> tuple[pd.DataFrame, dict[str, str], list[Path]]:
    """The per-message tables of one counting run or several (a run directory or a list;
    empty or None: :func:`latest_counting_run`), their kernel segments (name -> label) and
    the run directories. Several runs of one plan
    are more boots: their boots are numbered on (a ``run`` column says which run each came
    from). Errors name ``runs``: a directory that is no counting run, runs whose segments
    differ."""
    if runs is None or (isinstance(runs, (list, tuple, str)) and len(runs) == 0):
        runs = [latest_counting_run()]
    if isinstance(runs, (str, Path)):
        runs = [runs]
    if not isinstance(runs, (list, tuple)):
        raise PathTableError(f"runs: a counting run directory or a list of them, got {runs!r}")
    dirs = [Path(r) for r in runs]
    frames, labels = [], None
    offset = 0
    for d in dirs:
        if not d.is_dir():
            raise PathTableError(f"runs: {d}: no such run directory")
        if not pathlen.is_counting_run(d):
            raise PathTableError(f"runs: {d}: not a path-length counting run (its metadata.json "
                                 "has no kind: path-lengths; run one with --path-lengths)")
        df = pathlen.load_run(d)
        segs = segments(df)
        lab = pathlen.segment_labels(d) or {s: s for s in segs}
        if list(lab) != segs:
            raise PathTableError(f"runs: {d}: its metadata's segments {list(lab)} are not its "
                                 f"tables' {segs}")
        if labels is not None and lab != labels:
            raise PathTableError(f"runs: {d}: kernel segments {list(lab)} differ from "
                                 f"{dirs[0]}'s {list(labels)}; tables of both cannot be pooled")
        labels = lab
        df["boot"] = (df["boot"] + offset).astype("int16")
        offset = int(df["boot"].max()) + 1
        df["run"] = d.name
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    for c in ("mechanism", "mode", "run"):
        df[c] = df[c].astype(str).astype("category")
    return df, labels, dirs


def segments(df: pd.DataFrame) -> list[str]:
    """The kernel segments of a per-message table, in the segments file's order."""
    p = f"writer_{pathlen.KSEG}"
    return [c[len(p):] for c in df.columns if c.startswith(p)]


def measured(df: pd.DataFrame) -> pd.DataFrame:
    """The measured (not warm-up) messages, with their ``clean`` flag."""
    m = df[~df["warmup"].astype(bool)].copy()
    m["clean"] = pathlen.clean(m).to_numpy()
    return m


def keys(df: pd.DataFrame) -> list[str]:
    """The columns that name a condition: mechanism and mode, and the idle level when
    blocking mode ran at more than one."""
    b = df.loc[df["mode"] == IDLE_MODE, "idle_us"] if "idle_us" in df else pd.Series(dtype=int)
    return ["mechanism", "mode"] + (["idle_us"] if b.nunique() > 1 else [])


def _ordered(t: pd.DataFrame, extra=()) -> pd.DataFrame:
    """Rows in the display order of uintrlab.names (mode, then mechanism)."""
    if t.empty:
        return t
    mode_rank = {m: i for i, m in enumerate(names.order(t["mode"].unique(), "mode"))}
    mech_rank = {m: i for i, m in enumerate(names.order(t["mechanism"].unique(), "mechanism"))}
    by = [t["mode"].map(mode_rank), t["mechanism"].map(mech_rank)]
    by += [t[c] for c in ("idle_us", *extra) if c in t]
    order = np.lexsort([np.asarray(b) for b in reversed(by)])
    out = t.iloc[order].reset_index(drop=True)
    for c in ("mechanism", "mode"):
        out[c] = out[c].astype(str)
    return out


@dataclass
class Tables:
    """The tables of counting runs (:func:`tables`), each computed once when first read."""
    df: pd.DataFrame
    labels: dict[str, str]          # kernel segment -> label, in stacking order
    runs: list[Path]

    @property
    def run_ids(self) -> list[str]:
        return [r.name for r in self.runs]

    @cached_property
    def parts(self) -> pd.DataFrame:
        return parts(self.df)

    @cached_property
    def summary(self) -> pd.DataFrame:
        return summary(self.df)

    @cached_property
    def foreign(self) -> pd.DataFrame:
        return foreign(self.df)

    @cached_property
    def events(self) -> pd.DataFrame:
        return events(self.df)

    @cached_property
    def segment_info(self) -> pd.DataFrame:
        """Each kernel segment: its label and how many System.map text symbols the plugin
        put in it (the first run's metadata)."""
        meta = json.loads((self.runs[0] / "metadata.json").read_text())
        recorded = {s["name"]: s for s in (meta.get("path_lengths") or {}).get("segments", [])}
        return pd.DataFrame([{"segment": s, "label": lab, "symbols": recorded.get(s, {}).get("symbols")}
                             for s, lab in self.labels.items()])

    def by_segment(self, side: str = "reader") -> pd.DataFrame:
        """:func:`by_segment` of these tables."""
        return by_segment(self.parts, side)

    @property
    def boots(self) -> int:
        return int(self.df["boot"].nunique())

    @cached_property
    def determinism(self) -> pd.DataFrame | None:
        """:func:`determinism_table`, None with one boot (nothing to compare)."""
        return determinism_table(self.df) if self.boots >= 2 else None


def tables(runs) -> Tables:
    """The tables of one counting run or several (:func:`load`)."""
    return Tables(*load(runs))


# ---------------------------------------------------------------- instructions

def parts(df: pd.DataFrame) -> pd.DataFrame:
    """Per condition, side and part (``total`` = user + kernel, ``user``, ``kernel``, then
    each kernel segment): over the clean measured messages, the median instructions per
    message, the quartiles, min, max and mean. ``messages`` is the number of clean
    messages; a condition without any has no rows."""
    m = measured(df)
    m = m[m["clean"]]
    k = keys(m)
    segs = segments(m)
    rows = []
    for key, g in m.groupby(k, observed=True, sort=False):
        label = dict(zip(k, key if isinstance(key, tuple) else (key,)))
        for side in SIDES:
            cols = {"total": None, "user": f"{side}_insn_user", "kernel": f"{side}_insn_kernel"}
            cols |= {s: f"{side}_{pathlen.KSEG}{s}" for s in segs}
            for part, col in cols.items():
                v = (g[f"{side}_insn_user"] + g[f"{side}_insn_kernel"] if col is None else g[col]).to_numpy()
                q25, med, q75 = np.percentile(v, [25, 50, 75])
                rows.append({**label, "side": side, "part": part, "messages": len(v),
                             "median": float(med), "q25": float(q25), "q75": float(q75),
                             "min": int(v.min()), "max": int(v.max()), "mean": float(v.mean())})
    return _ordered(pd.DataFrame(rows))


def by_segment(parts_table: pd.DataFrame, side: str = "reader") -> pd.DataFrame:
    """One side's median kernel instructions per message by segment (columns, in the
    segments file's order) beside its kernel total, per condition: :func:`parts` as a wide
    table."""
    if side not in SIDES:
        raise PathTableError(f"side: {side!r} is none of {', '.join(SIDES)}")
    p = parts_table[(parts_table["side"] == side) & (parts_table["part"] != "total")]
    if p.empty:
        return pd.DataFrame()
    k = [c for c in ("mechanism", "mode", "idle_us") if c in p]
    order = list(dict.fromkeys(p["part"]))
    wide = p.pivot_table(index=k, columns="part", values="median", sort=False)[order]
    wide = wide.reset_index()
    wide.columns.name = None
    return _ordered(wide)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per condition: measured and clean messages, and over the clean ones the median
    writer and reader instructions per message, user and kernel (:data:`MAIN`), with their
    quartiles (``<column>_q25``, ``_q75``); the reader's instructions before t0 (median);
    and ``reader_other_pct``, the median share of the reader's kernel instructions in
    segment "other" (what the segments file leaves unnamed)."""
    m = measured(df)
    k = keys(m)
    rows = []
    for key, g in m.groupby(k, observed=True, sort=False):
        c = g[g["clean"]]
        r = dict(zip(k, key if isinstance(key, tuple) else (key,)))
        r |= {"messages": len(g), "clean": len(c)}
        for col in MAIN:
            v = c[col].to_numpy()
            q = np.percentile(v, [50, 25, 75]) if len(v) else [np.nan] * 3
            r |= {col: q[0], f"{col}_q25": q[1], f"{col}_q75": q[2]}
        for col in ("reader_pre_insn_user", "reader_pre_insn_kernel"):
            r[col] = float(c[col].median()) if len(c) else np.nan
        other = f"reader_{pathlen.KSEG}other"
        if other in c and len(c):
            kern = c["reader_insn_kernel"].to_numpy()
            share = np.divide(c[other].to_numpy(), kern, out=np.zeros(len(c)), where=kern > 0)
            r["reader_other_pct"] = float(100 * np.median(share))
        rows.append(r)
    return _ordered(pd.DataFrame(rows))


def foreign(df: pd.DataFrame) -> pd.DataFrame:
    """Per condition, over all measured messages: the share of clean messages, and per
    side the foreign interrupts and the kernel instructions inside them per message (mean),
    and the share of messages whose reader restarted its stopped tick on waking."""
    m = measured(df)
    k = keys(m)
    rows = []
    for key, g in m.groupby(k, observed=True, sort=False):
        r = dict(zip(k, key if isinstance(key, tuple) else (key,)))
        r |= {"messages": len(g), "clean_share": float(g["clean"].mean())}
        for side in SIDES:
            r[f"{side}_foreign_irqs"] = float(g[f"{side}_foreign_irqs"].mean())
            r[f"{side}_foreign_insn"] = float(g[f"{side}_foreign_insn"].mean())
        if "reader_tick_restarts" in g:
            r["reader_tick_restart_share"] = float((g["reader_tick_restarts"] > 0).mean())
        rows.append(r)
    return _ordered(pd.DataFrame(rows))


# ---------------------------------------------------------------- events

def events(df: pd.DataFrame) -> pd.DataFrame:
    """Per condition and side: the events of :data:`EVENTS` per message (mean over clean
    measured messages; a deterministic count is that number). Events that are 0 in every
    row are left out."""
    m = measured(df)
    m = m[m["clean"]]
    k = keys(m)
    ev = [e for e in EVENTS if f"writer_{e}" in m]
    rows = []
    for key, g in m.groupby(k, observed=True, sort=False):
        label = dict(zip(k, key if isinstance(key, tuple) else (key,)))
        for side in SIDES:
            rows.append({**label, "side": side, "messages": len(g),
                         **{e: float(g[f"{side}_{e}"].mean()) for e in ev}})
    t = pd.DataFrame(rows)
    if t.empty:
        return t
    side_rank = {s: i for i, s in enumerate(SIDES)}
    t["_side"] = t["side"].map(side_rank)
    t = _ordered(t, extra=("_side",)).drop(columns="_side")
    return t.drop(columns=[e for e in ev if not t[e].any()])


# ---------------------------------------------------------------- determinism

def determinism_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per condition, for the instructions of :data:`MAIN`: the share of measured messages
    (by sequence number) whose count is the same in every boot, and the same among the
    messages clean in every boot (``<column>_clean``; NaN: none was); from
    :func:`uintrlab.pathlen.determinism`, which needs two boots or more of one plan."""
    d = pathlen.determinism(df, columns=list(MAIN))
    k = ["mechanism", "mode"] + (["idle_us"] if "idle_us" in keys(df) else [])
    rows = []
    for key, g in d.groupby(k, observed=True, sort=False):
        g = g.set_index("column")
        r = dict(zip(k, key)) | {c: int(g[c].max()) for c in ("boots", "messages", "clean_messages")}
        for col in MAIN:
            r[col] = float(g.loc[col, "identical"])
            r[f"{col}_clean"] = float(g.loc[col, "identical_clean"])
        rows.append(r)
    return _ordered(pd.DataFrame(rows))


# ---------------------------------------------------------------- one mode at a glance

def _events_text(row: pd.Series, events_cols) -> str:
    """'1 syscall, 1 IPI sent': the non-zero events of a row of :func:`events`, mean per
    message (two decimals where not whole)."""
    out = []
    for e in events_cols:
        v = float(row[e])
        if v:
            out.append(f"{v:g} {EVENTS[e][0]}" if v.is_integer() else f"{v:.2f} {EVENTS[e][0]}")
    return ", ".join(out) or "none"


def overview(t: "Tables", mode: str = IDLE_MODE) -> pd.DataFrame:
    """One mode at a glance, per mechanism (the README's table): clean of measured
    messages; the median writer and reader instructions per message, user + kernel; the
    reader's before t0; and each side's events per message (:func:`events`)."""
    s = t.summary[t.summary["mode"] == mode]
    if s.empty:
        raise PathTableError(f"mode: {mode!r} is not in the counting run(s) (present: "
                             f"{', '.join(names.order(t.summary['mode'].unique(), 'mode'))})")
    ev = t.events[t.events["mode"] == mode]
    ev_cols = [e for e in EVENTS if e in ev]
    k = [c for c in keys(t.df) if c != "mode"]
    rows = []
    for _, r in s.iterrows():
        sel = (ev[k] == r[k]).all(axis=1)
        side_ev = {side: ev[sel & (ev["side"] == side)] for side in SIDES}
        row = {c: r[c] for c in k} | {
            "clean / measured": f"{r['clean']} / {r['messages']}",
            "writer user + kernel": f"{r['writer_insn_user']:g} + {r['writer_insn_kernel']:g}",
            "reader user + kernel": f"{r['reader_insn_user']:g} + {r['reader_insn_kernel']:g}",
            "reader before t0": f"{r['reader_pre_insn_user']:g} + {r['reader_pre_insn_kernel']:g}"}
        for side, label in (("writer", "writer events"), ("reader", "reader events"),
                            ("reader_pre", "reader events before t0")):
            e = side_ev[side]
            row[label] = _events_text(e.iloc[0], ev_cols) if len(e) else "—"
        rows.append(row)
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    """A table as Markdown (for the README)."""
    return md.table(df)
