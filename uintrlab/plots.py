"""Figures: ECDFs and violins of latency on a log axis, exported as PDF/PNG (and SVG)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = "colorblind"
MODE_ORDER = ["nonblocking", "blocking", "pingpong"]
MECHANISM_ORDER = ["eventfd", "uintr_event", "uintr", "pipe", "futex", "spin"]


def measured(df: pd.DataFrame) -> pd.DataFrame:
    """Ok, non-warm-up messages with latency in microseconds."""
    d = df[df["ok"] & ~df["warmup"]].copy()
    d["latency_us"] = d["latency_ns"] / 1000.0
    for c in ("platform", "mechanism", "mode"):
        d[c] = d[c].astype(str)
    return d


def _modes(d: pd.DataFrame) -> list[str]:
    return [m for m in MODE_ORDER if m in set(d["mode"])]


def _mechanisms(d: pd.DataFrame) -> list[str]:
    """A fixed order (and so fixed colours) across figures; unknown names last."""
    present = set(d["mechanism"])
    return [m for m in MECHANISM_ORDER if m in present] + sorted(present - set(MECHANISM_ORDER))


def ecdf(df: pd.DataFrame) -> sns.FacetGrid:
    """Empirical CDF of latency per mechanism; rows = platform, columns = mode."""
    d = measured(df)
    g = sns.displot(d, x="latency_us", hue="mechanism", row="platform", col="mode", kind="ecdf",
                    log_scale=True, palette=PALETTE, hue_order=_mechanisms(d), col_order=_modes(d), height=3, aspect=1.3,
                    facet_kws={"sharex": False})
    g.set_axis_labels("latency (µs, log scale)", "fraction of messages")
    g.set_titles("{row_name} · {col_name}")
    return g


def violin(df: pd.DataFrame) -> sns.FacetGrid:
    """Latency distribution per mechanism (violins on log latency); rows = platform."""
    d = measured(df)
    g = sns.catplot(d, x="mechanism", y="latency_us", hue="mechanism", row="platform", col="mode",
                    kind="violin", log_scale=True, palette=PALETTE, order=_mechanisms(d), hue_order=_mechanisms(d), col_order=_modes(d), cut=0,
                    inner="quartile", density_norm="width", height=3, aspect=1.2, legend=False,
                    sharey=False)
    g.set_axis_labels("mechanism", "latency (µs, log scale)")
    g.set_titles("{row_name} · {col_name}")
    return g


def save(fig_or_grid, name: str, out_dir: str | Path, formats=("pdf", "png")) -> list[Path]:
    """Write a figure in every format; returns the paths."""
    fig = getattr(fig_or_grid, "figure", fig_or_grid)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        p = out / f"{name}.{fmt}"
        fig.savefig(p, bbox_inches="tight", dpi=150)
        paths.append(p)
    plt.close(fig)
    return paths
