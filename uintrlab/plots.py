"""Figures: ECDFs and violins of latency on a log axis, exported as PDF/PNG (and SVG)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

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


def colours(mechanisms) -> dict:
    """One colour-blind-safe colour per mechanism, fixed by MECHANISM_ORDER."""
    names = MECHANISM_ORDER + sorted(set(mechanisms) - set(MECHANISM_ORDER))
    return dict(zip(names, sns.color_palette(PALETTE, len(names))))


def _facets(d: pd.DataFrame):
    platforms = sorted(set(d["platform"]), key=lambda p: (p != "tcg", p))
    modes = _modes(d)
    fig, axes = plt.subplots(len(platforms), len(modes), figsize=(4.2 * len(modes), 3.2 * len(platforms)),
                             squeeze=False)
    return fig, axes, platforms, modes


def ecdf(df: pd.DataFrame, points: int = 2001) -> plt.Figure:
    """Empirical CDF of latency per mechanism; rows = platform, columns = mode.

    Each curve is drawn through ``points`` quantiles (probabilities evenly spaced from 0
    to 1, so the minimum and maximum are exact): the same picture as plotting every
    message, at a size and speed that do not grow with the number of messages.
    """
    d = measured(df)
    fig, axes, platforms, modes = _facets(d)
    mechs = _mechanisms(d)
    col = colours(mechs)
    probs = np.linspace(0, 1, points)
    for i, p in enumerate(platforms):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            for m in mechs:
                x = d.loc[(d["platform"] == p) & (d["mode"] == mode) & (d["mechanism"] == m), "latency_us"]
                if len(x):
                    ax.step(np.quantile(x.to_numpy(), probs), probs, where="post", color=col[m], label=m)
            ax.set_xscale("log")
            ax.set_title(f"{p} · {mode}")
            ax.set_xlabel("latency (µs, log scale)")
            ax.set_ylabel("fraction of messages" if j == 0 else "")
            ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color=col[m], label=m) for m in mechs]
    fig.legend(handles=handles, title="mechanism", loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


def violin(df: pd.DataFrame, max_per_condition: int = 20_000, seed: int = 1) -> plt.Figure:
    """Latency distribution per mechanism (violins of log latency, quartiles inside);
    rows = platform, columns = mode. The density of a condition with more messages is
    estimated from a seeded random sample of ``max_per_condition`` of them."""
    d = measured(df)
    d = (d.sample(frac=1.0, random_state=seed)
         .groupby(["platform", "mechanism", "mode"], observed=True).head(max_per_condition))
    fig, axes, platforms, modes = _facets(d)
    mechs = _mechanisms(d)
    for i, p in enumerate(platforms):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            sub = d[(d["platform"] == p) & (d["mode"] == mode)]
            order = [m for m in mechs if m in set(sub["mechanism"])]
            if len(sub):
                sns.violinplot(sub, x="mechanism", y="latency_us", hue="mechanism", order=order,
                               hue_order=order, palette=colours(mechs), log_scale=True, cut=0, inner="quart",
                               density_norm="width", legend=False, ax=ax)
            ax.set_title(f"{p} · {mode}")
            ax.set_xlabel("")
            ax.set_ylabel("latency (µs, log scale)" if j == 0 else "")
    fig.tight_layout()
    return fig


def save(fig_or_grid, name: str, out_dir: str | Path, formats=("pdf", "png"), close: bool = True) -> list[Path]:
    """Write a figure in every format; returns the paths. Notebooks pass close=False
    so that the figure is also shown inline."""
    fig = getattr(fig_or_grid, "figure", fig_or_grid)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        p = out / f"{name}.{fmt}"
        fig.savefig(p, bbox_inches="tight", dpi=150)
        paths.append(p)
    if close:
        plt.close(fig)
    return paths
