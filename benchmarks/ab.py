"""The table of an A/B of runs that differ in one thing (a wait design, a QEMU build):
per platform, mechanism and mode, the median over boots of the per-boot median latency
under each variant, the spread of the per-boot medians, each variant's ratio to the
reference variant, and per platform the geometric mean of those ratios.
benchmarks/waits.py and benchmarks/plugin_overhead.py print it."""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Callable

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from uintrlab import data, markdown, names  # noqa: E402


def per_boot_medians(run_dirs, variant_of: Callable[[dict], str]) -> pd.DataFrame:
    """Per (variant, platform, mechanism, mode, boot): the median latency (µs) of the
    valid messages; ``variant_of(metadata)`` names a run's variant."""
    from uintrlab.samples import valid_mask

    rows = []
    for d in run_dirs:
        meta, df = data.load_run(d)
        variant = variant_of(meta)
        df = df[valid_mask(df)]
        med = df.groupby(["platform", "mechanism", "mode", "boot"], observed=True)["latency_ns"].median()
        rows += [{"variant": variant, "platform": p, "mechanism": m, "mode": mode, "boot": b,
                  "median_us": v / 1e3} for (p, m, mode, b), v in med.items()]
    return pd.DataFrame(rows)


def table(run_dirs, variant_of, variants, reference) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The A/B table and the per-platform geometric mean of each variant's median ratio to
    ``reference``; ``variants`` gives the column order (others follow)."""
    pb = per_boot_medians(run_dirs, variant_of)
    g = pb.groupby(["platform", "mechanism", "mode", "variant"], observed=True)["median_us"]
    med, lo, hi = (x.unstack("variant") for x in (g.median(), g.min(), g.max()))
    cols = [v for v in variants if v in med.columns] + [v for v in med.columns if v not in variants]
    out = pd.DataFrame(index=med.index)
    for v in cols:
        out[f"{v} µs"] = med[v].round(2)
        out[f"{v} range"] = [f"{x:.2f}–{y:.2f}" for x, y in zip(lo[v], hi[v])]
    summary = {}
    if reference in med.columns:
        for v in cols:
            if v != reference:
                out[f"{v}/{reference}"] = (med[v] / med[reference]).round(3)
        for p in names.order(med.index.get_level_values("platform"), "platform"):
            sub = med.xs(p, level="platform")
            summary[p] = {v: math.exp((sub[v] / sub[reference]).dropna().map(math.log).mean())
                          for v in cols}
    idx = out.index
    order = [(p, m, mode) for p in names.order(idx.get_level_values(0), "platform")
             for m in names.order(idx.get_level_values(1), "mechanism")
             for mode in names.order(idx.get_level_values(2), "mode") if (p, m, mode) in idx]
    return out.loc[order], pd.DataFrame(summary).T


def print_table(t: pd.DataFrame, summary: pd.DataFrame, reference: str, as_markdown: bool) -> None:
    with pd.option_context("display.width", 220, "display.max_rows", None, "display.max_columns", None):
        print(markdown.table(t, index=True) if as_markdown else t.to_string())
        print()
        print(f"geometric mean of each variant's median ratio to '{reference}', per platform:")
        s = summary.round(3)
        print(markdown.table(s, index=True) if as_markdown else s.to_string())
