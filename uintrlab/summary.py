"""Per-condition summary tables: the study's columns plus robust ones, and ipc-bench's
RESULTS block (the format the study published its raw records in)."""
from __future__ import annotations

import pandas as pd

from . import markdown
from .stats import describe

#: the columns of the summary table: the study's (ipc-bench's), then median, p90, p99
SUMMARY_COLUMNS = ["count", "failures", "mean_us", "min_us", "max_us", "std_us", "rate_msg_s",
                 "median_us", "p90_us", "p99_us"]


def table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (platform, mechanism, mode): the study's columns, then median/p90/p99."""
    return describe(df).set_index(["platform", "mechanism", "mode"])


def table_text(df: pd.DataFrame) -> str:
    t = table(df)
    cols = [c for c in SUMMARY_COLUMNS + ["boots", "warmup_excluded"] if c in t.columns]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        return t[cols].to_string(float_format=lambda x: f"{x:.3f}")


def table_markdown(df: pd.DataFrame, columns=None, digits: int = 1) -> str:
    """The summary as a Markdown table (for the README and reports)."""
    t = table(df)
    cols = columns or SUMMARY_COLUMNS
    cells = pd.DataFrame({c: [f"{int(v)}" if c in ("count", "failures", "boots") or c.startswith("rate")
                              else f"{v:.{digits}f}" for v in t[c]] for c in cols}, index=t.index)
    return markdown.table(cells, index=True)


def results_blocks(df: pd.DataFrame) -> str:
    """ipc-bench's RESULTS block for every condition (over ok, non-warm-up messages)."""
    out = []
    for key, r in table(df).iterrows():
        platform, mechanism, mode = key
        total_ms = r["mean_us"] * r["count"] / 1000.0
        out.append("\n".join([
            f"# {platform} {mechanism} {mode}",
            "============ RESULTS ================",
            "Message size:       1",
            f"Message count:      {int(r['count'])}",
            f"Total duration:     {total_ms:.3f}\tms",
            f"Average duration:   {r['mean_us']:.3f}\tus",
            f"Minimum duration:   {r['min_us']:.3f}\tus",
            f"Maximum duration:   {r['max_us']:.3f}\tus",
            f"Standard deviation: {r['std_us']:.3f}\tus",
            f"Message rate:       {r['rate_msg_s']:.0f}\tmsg/s",
            "=====================================",
        ]))
    return "\n\n".join(out)
