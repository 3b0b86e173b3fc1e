"""Figures, exported as PDF, PNG and SVG (:func:`save`).

Colour-blind-safe colours (seaborn's ``colorblind`` palette, one fixed colour per
mechanism), a unit on every axis.  Latency figures take a samples frame; the others
take tables from :mod:`uintrlab.analysis` and :mod:`uintrlab.study`, so that the figure
shows exactly the numbers in the tables.

* :func:`ecdf`, :func:`violin`: latency distributions per condition;
* :func:`boot_medians`: per-boot medians (boots as points) with their intervals;
* :func:`forest`: speedups vs the baseline with bootstrap intervals, per outlier rule;
* :func:`timeseries`: latency against message index per boot (windowed quantiles);
* :func:`study_vs_ours`: the study's published means ± sd and speedups beside ours;
* :func:`path_lengths`: instructions per message of a counting run, writer and reader,
  stacked by part (user, kernel segments).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import names
from .names import label
from .samples import valid_mask

PALETTE = "colorblind"


def measured(df: pd.DataFrame) -> pd.DataFrame:
    """Ok, non-warm-up messages with latency in microseconds. The label columns stay
    categorical (with string categories, unused ones dropped): comparing 16 million
    category codes is fast, building 16 million strings is not."""
    d = df[valid_mask(df)].copy()
    d["latency_us"] = d["latency_ns"].to_numpy() / 1000.0
    for c in ("platform", "mechanism", "mode"):
        s = d[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.cat.remove_unused_categories()
            d[c] = s.cat.rename_categories([str(x) for x in s.cat.categories])
        else:
            d[c] = s.astype(str).astype("category")
    return d


def present(d: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a column (platform, mechanism, mode) in the display order of
    :mod:`uintrlab.names` (unknown names last), without iterating over every row."""
    return names.order(pd.unique(d[column]), column)


def colours(mechanisms) -> dict:
    """One colour-blind-safe colour per mechanism, fixed by its place in
    :data:`uintrlab.names.MECHANISMS` (unknown names after them)."""
    known = names.names("mechanism")
    every = known + sorted({str(m) for m in mechanisms} - set(known))
    return dict(zip(every, sns.color_palette(PALETTE, len(every))))


def _title(*parts) -> str:
    """A facet's title: platform, mechanism or mode labels joined by " · "."""
    return " · ".join(label(dim, v) for dim, v in parts)


def _facets(d: pd.DataFrame):
    platforms = present(d, "platform")
    modes = present(d, "mode")
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
    mechs = present(d, "mechanism")
    col = colours(mechs)
    probs = np.linspace(0, 1, points)
    groups = d.groupby(["platform", "mode", "mechanism"], observed=True).indices
    lat = d["latency_us"].to_numpy()
    for i, p in enumerate(platforms):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            for m in mechs:
                idx = groups.get((p, mode, m))
                if idx is not None and len(idx):
                    ax.step(np.quantile(lat[idx], probs), probs, where="post", color=col[m],
                            label=label("mechanism", m))
            ax.set_xscale("log")
            ax.set_title(_title(("platform", p), ("mode", mode)))
            ax.set_xlabel("latency (µs, log scale)")
            ax.set_ylabel("fraction of messages" if j == 0 else "")
            ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color=col[m], label=label("mechanism", m)) for m in mechs]
    fig.legend(handles=handles, title="mechanism", loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


def violin(df: pd.DataFrame, max_per_condition: int = 20_000, seed: int = 1) -> plt.Figure:
    """Latency distribution per mechanism (violins of log latency, quartiles inside);
    rows = platform, columns = mode. The density of a condition with more messages is
    estimated from a seeded random sample of ``max_per_condition`` of them."""
    d = measured(df)
    rng = np.random.default_rng(seed)
    parts = []
    for idx in d.groupby(["platform", "mechanism", "mode"], observed=True).indices.values():
        parts.append(idx if len(idx) <= max_per_condition else
                     rng.choice(idx, max_per_condition, replace=False))
    d = d.iloc[np.sort(np.concatenate(parts))].copy()
    for c in ("platform", "mechanism", "mode"):
        d[c] = d[c].astype(str)
    fig, axes, platforms, modes = _facets(d)
    mechs = present(d, "mechanism")
    for i, p in enumerate(platforms):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            sub = d[(d["platform"] == p) & (d["mode"] == mode)]
            order = [m for m in mechs if m in set(sub["mechanism"])]
            if len(sub):
                sns.violinplot(sub, x="mechanism", y="latency_us", hue="mechanism", order=order,
                               hue_order=order, palette=colours(mechs), log_scale=True, cut=0, inner="quart",
                               density_norm="width", legend=False, ax=ax)
                ax.set_xticks(range(len(order)), [label("mechanism", m) for m in order])
            ax.set_title(_title(("platform", p), ("mode", mode)))
            ax.set_xlabel("")
            ax.set_ylabel("latency (µs, log scale)" if j == 0 else "")
    fig.tight_layout()
    return fig


FORMATS = ("pdf", "png", "svg")


def save(fig_or_grid, name: str, out_dir: str | Path, formats=FORMATS, close: bool = True,
         dpi: int = 150) -> list[Path]:
    """Write a figure in every format (default PDF, PNG and SVG); returns the paths.
    Notebooks pass close=False so that the figure is also shown inline. Artists marked
    ``rasterized`` (dense scatter) are embedded as images in PDF and SVG. A figure may
    lower its own raster resolution (attribute ``png_dpi``, set by dense figures so that
    the PNG stays under 1 MB)."""
    fig = getattr(fig_or_grid, "figure", fig_or_grid)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    bad = [f for f in formats if f not in ("pdf", "png", "svg")]
    if bad:
        raise ValueError(f"formats: {bad} not supported (pdf, png, svg)")
    for fmt in formats:
        p = out / f"{name}.{fmt}"
        # fixed metadata: the same figure gives the same file (no creation date)
        meta = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt)
        fig.savefig(p, bbox_inches="tight", dpi=getattr(fig, "png_dpi", dpi), metadata=meta)
        paths.append(p)
    if close:
        plt.close(fig)
    return paths


def _log_axis(ax, axis: str = "y") -> None:
    """Log scale with plain-number labels at 1, 2, 5 x 10^k (no overlapping 10^x labels)."""
    from matplotlib import ticker

    getattr(ax, f"set_{axis}scale")("log")
    a = getattr(ax, f"{axis}axis")
    lo, hi = sorted(getattr(ax, f"get_{axis}lim")())
    decades = np.log10(hi / lo) if lo > 0 and hi > 0 else 3.0
    if decades < 0.5:   # narrow: evenly spaced round numbers, as on a linear axis
        ticks = [t for t in ticker.MaxNLocator(5).tick_values(lo, hi) if t > 0]
        a.set_major_locator(ticker.FixedLocator(ticks))
    else:
        subs = ((1.0, 1.5, 2.0, 3.0, 5.0, 7.0) if decades < 1.2 else
                (1.0, 2.0, 5.0) if decades < 3.5 else (1.0,))
        a.set_major_locator(ticker.LogLocator(base=10, subs=subs))
    a.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    a.set_minor_formatter(ticker.NullFormatter())


def png_bytes(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (for embedding in an HTML report)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", dpi=min(dpi, getattr(fig, "png_dpi", dpi)))
    return buf.getvalue()


# --------------------------------------------------------------------------
# per-boot medians
# --------------------------------------------------------------------------
def boot_medians(bm: pd.DataFrame, confidence: float = 0.95) -> plt.Figure:
    """Per-boot median latency: one point per boot (the unit of replication) with the
    order-statistic interval of that boot's median (``confidence``), per mechanism;
    rows = platform, columns = mode; a black bar marks the median of the boot medians.
    ``bm``: :func:`uintrlab.stats.boot_median_intervals`."""
    if bm.empty:
        raise ValueError("bm: no per-boot medians to plot")
    d = bm.copy()
    for c in ("platform", "mechanism", "mode"):
        d[c] = d[c].astype(str)
    platforms, modes, mechs = present(d, "platform"), present(d, "mode"), present(d, "mechanism")
    col = colours(mechs)
    fig, axes = plt.subplots(len(platforms), len(modes), squeeze=False,
                             figsize=(4.2 * len(modes), 3.2 * len(platforms)))
    for i, p in enumerate(platforms):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            sub = d[(d["platform"] == p) & (d["mode"] == mode)]
            order = [m for m in mechs if m in set(sub["mechanism"])]
            for k, m in enumerate(order):
                g = sub[sub["mechanism"] == m].sort_values("boot")
                n = len(g)
                x = k + (np.linspace(-0.3, 0.3, n) if n > 1 else np.zeros(1))
                y = g["median_us"].to_numpy()
                lo = np.clip(y - g["ci_low_us"].to_numpy(), 0, None)
                hi = np.clip(g["ci_high_us"].to_numpy() - y, 0, None)
                ax.errorbar(x, y, yerr=np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)]),
                            fmt="o", ms=3.5, color=col[m], elinewidth=1, capsize=1.5)
                ax.hlines(np.median(y), k - 0.38, k + 0.38, color="black", lw=1.5)
            ax.set_xticks(range(len(order)), [label("mechanism", m) for m in order])
            ax.set_xlim(-0.6, max(len(order), 1) - 0.4)
            if order:
                _log_axis(ax, "y")
            else:
                ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center",
                        va="center", color="grey")
                ax.set_yticks([])
            ax.set_title(_title(("platform", p), ("mode", mode)))
            ax.set_ylabel("median latency per boot (µs, log)" if j == 0 else "")
            ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"per-boot medians (points) with {100 * confidence:g} % intervals of each "
                 "boot's median; bar: median of boots", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# forest plot of speedups per outlier rule
# --------------------------------------------------------------------------
RULE_MARKERS = ["o", "s", "D", "^", "v", "P"]


def forest(sensitivity: pd.DataFrame, baseline: str = "eventfd",
           confidence: float = 0.95) -> plt.Figure:
    """Speedup of every mechanism over the baseline (ratio of medians, baseline /
    mechanism: > 1 = mechanism faster) with its hierarchical-bootstrap interval, one
    marker per outlier rule; rows = platform, columns = mode; log x axis.
    ``sensitivity``: ``Analysis.sensitivity`` (columns platform, mode, mechanism,
    rule_label, median_ratio, median_ratio_ci_low, median_ratio_ci_high)."""
    if sensitivity.empty:
        raise ValueError("sensitivity: no comparisons to plot (is the baseline measured?)")
    d = sensitivity.copy()
    platforms, modes = present(d, "platform"), present(d, "mode")
    rules = list(dict.fromkeys(d["rule_label"]))
    rcol = dict(zip(rules, sns.color_palette(PALETTE, len(rules))))
    mechs_all = present(d, "mechanism")
    n_max = max(len(set(d[(d["platform"] == p) & (d["mode"] == m)]["mechanism"]))
                for p in platforms for m in modes)
    fig, axes = plt.subplots(len(platforms), len(modes), squeeze=False,
                             figsize=(4.2 * len(modes), 0.9 + 0.55 * max(n_max, 1) * len(platforms) + 1.2))
    step = 0.7 / max(len(rules), 1)
    for i, p in enumerate(platforms):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            sub = d[(d["platform"] == p) & (d["mode"] == mode)]
            order = [m for m in mechs_all if m in set(sub["mechanism"])]
            for k, m in enumerate(order):
                for r_i, r in enumerate(rules):
                    row = sub[(sub["mechanism"] == m) & (sub["rule_label"] == r)]
                    if row.empty:
                        continue
                    row = row.iloc[0]
                    y = k + (r_i - (len(rules) - 1) / 2) * step
                    est, lo, hi = row["median_ratio"], row["median_ratio_ci_low"], row["median_ratio_ci_high"]
                    ax.errorbar([est], [y], xerr=[[est - lo if lo == lo else 0], [hi - est if hi == hi else 0]],
                                fmt=RULE_MARKERS[r_i % len(RULE_MARKERS)], color=rcol[r], ms=4,
                                capsize=2, elinewidth=1)
            ax.axvline(1.0, color="grey", lw=1, ls="--")
            ax.set_yticks(range(len(order)), [label("mechanism", m) for m in order])
            ax.set_ylim(-0.6, max(len(order), 1) - 0.4)
            ax.invert_yaxis()
            _log_axis(ax, "x")
            ax.set_title(_title(("platform", p), ("mode", mode)))
            ax.set_xlabel(f"speedup vs {baseline} (×, ratio of medians, log)")
            ax.grid(alpha=0.3, axis="x")
            if sub.empty:
                ax.text(0.5, 0.5, f"{baseline} not measured", transform=ax.transAxes,
                        ha="center", va="center", color="grey")
    handles = [plt.Line2D([], [], color=rcol[r], marker=RULE_MARKERS[i % len(RULE_MARKERS)],
                          ls="", label=r) for i, r in enumerate(rules)]
    fig.legend(handles=handles, title="outlier rule", loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(f"> 1: faster than {baseline}; bars: {100 * confidence:g} % hierarchical "
                 "bootstrap intervals", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# latency against message index
# --------------------------------------------------------------------------
def windowed_latency(df: pd.DataFrame, windows: int = 100,
                     quantiles=(0.5, 0.99)) -> pd.DataFrame:
    """Latency quantiles in ``windows`` consecutive windows of message index, per
    condition and boot (valid messages).  Window ``w`` of a boot holds the messages
    with ``seq`` in ``[lo + w * span / windows, lo + (w + 1) * span / windows)``.
    Columns: platform, mechanism, mode, boot, window, seq_mid (mean seq in the window),
    n, and ``q50_us``, ``q99_us``, ... (one per quantile, in µs)."""
    if not isinstance(windows, int) or windows < 1:
        raise ValueError(f"windows must be a positive integer, got {windows!r}")
    d = measured(df)
    if d.empty:
        raise ValueError("df: no valid messages")
    key = ["platform", "mechanism", "mode", "boot"]
    seq = d["seq"].to_numpy().astype(np.int64)
    g = d.groupby(key, observed=True)["seq"]
    lo = g.transform("min").to_numpy()
    span = g.transform("max").to_numpy() - lo + 1
    d = d.assign(window=((seq - lo) * windows // span).astype(np.int32))
    gg = d.groupby(key + ["window"], observed=True)
    out = gg.agg(seq_mid=("seq", "mean"), n=("seq", "size"))
    for q in quantiles:
        out[f"q{100 * q:g}_us"] = gg["latency_us"].quantile(q)
    return out.reset_index()


def timeseries(df: pd.DataFrame, platform: str | None = None, windows: int = 100,
               quantiles=(0.5, 0.99), wl: pd.DataFrame | None = None) -> plt.Figure:
    """Latency against message index, per boot: every boot's windowed median (solid) and
    99th percentile (dotted) in ``windows`` windows; rows = mechanism, columns = mode, one
    platform (default: the first).  Shows drift, warm-up left-overs and disturbed boots
    that a pooled distribution hides; readable at 100 000 messages a boot.  ``wl``: a
    precomputed :func:`windowed_latency` (else computed from ``df``)."""
    wl = windowed_latency(df, windows, quantiles) if wl is None else wl
    wl = wl.copy()
    for c in ("platform", "mechanism", "mode"):
        wl[c] = wl[c].astype(str)
    plats = present(wl, "platform")
    platform = platform or plats[0]
    if platform not in plats:
        raise ValueError(f"platform={platform!r} not in data; available: {plats}")
    wl = wl[wl["platform"] == platform]
    mechs, modes = present(wl, "mechanism"), present(wl, "mode")
    boots = sorted(wl["boot"].unique())
    bcol = dict(zip(boots, sns.color_palette("viridis", len(boots))))
    qcols = [c for c in wl.columns if c.startswith("q") and c.endswith("_us")]
    styles = ["-", ":", "--", "-."]
    fig, axes = plt.subplots(len(mechs), len(modes), squeeze=False, sharex="col",
                             figsize=(4.2 * len(modes), 2.3 * len(mechs) + 0.6))
    for i, m in enumerate(mechs):
        for j, mode in enumerate(modes):
            ax = axes[i][j]
            sub = wl[(wl["mechanism"] == m) & (wl["mode"] == mode)]
            for b, g in sub.groupby("boot"):
                for qi, qc in enumerate(qcols):
                    ax.plot(g["seq_mid"], g[qc], styles[qi % len(styles)], color=bcol[b],
                            lw=0.8 if qi == 0 else 0.6)
            if sub.empty:
                ax.text(0.5, 0.5, "not measured", transform=ax.transAxes, ha="center",
                        va="center", color="grey")
                ax.set_yticks([])
            else:
                _log_axis(ax, "y")
            ax.set_title(_title(("platform", platform), ("mechanism", m), ("mode", mode)),
                         fontsize=9)
            ax.set_ylabel("latency (µs, log)" if j == 0 else "")
            if i == len(mechs) - 1:
                ax.set_xlabel("message index in boot (seq)")
            ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color="black", ls=styles[i % len(styles)],
                          label=qc[1:-3].replace("q", "") + "th percentile"
                          if qc != "q50_us" else "median")
               for i, qc in enumerate(qcols)]
    handles += [plt.Line2D([], [], color=bcol[b], label=f"boot {b}") for b in boots]
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.suptitle(f"{label('platform', platform)}: latency in {windows} consecutive windows of each boot", fontsize=9)
    fig.tight_layout()
    fig.png_dpi = 85      # many thin lines: keep the PNG well under 1 MB
    return fig


# --------------------------------------------------------------------------
# the study beside ours
# --------------------------------------------------------------------------
def study_vs_ours(tables: dict, baseline: str = "eventfd") -> plt.Figure:
    """Left: the study's published mean ± sd per mechanism and mode beside ours (tcg,
    mean ± sd, and our median as an open marker); linear axis from 0 (a bar that would
    go below 0 is cut at 0).  Right: the study's speedup (ratio of means, delta-method
    interval) beside ours (ratio of means and of medians, hierarchical-bootstrap
    intervals) where we measured the pair; "not measured" otherwise.
    ``tables``: :func:`uintrlab.study.study_vs_ours`."""
    mo, sp = tables["moments"], tables["speedups"]
    modes = present(mo, "mode")
    fig, axes = plt.subplots(1, len(modes) + 1, figsize=(4.0 * (len(modes) + 1), 3.6),
                             squeeze=False)
    src_col = {"study": sns.color_palette(PALETTE)[7], "ours": sns.color_palette(PALETTE)[0]}
    for j, mode in enumerate(modes):
        ax = axes[0][j]
        sub = mo[mo["mode"] == mode].reset_index(drop=True)
        for k, r in sub.iterrows():
            m, s = r["study_mean_us"], r["study_sd_us"]
            ax.errorbar([k - 0.15], [m], yerr=[[min(s, m)], [s]], fmt="s", color=src_col["study"],
                        capsize=3, label="study: mean ± sd" if k == 0 else None)
            if r.get("ours") == "measured":
                m, s = r["ours_mean_us"], r["ours_sd_us"]
                ax.errorbar([k + 0.15], [m], yerr=[[min(s, m)], [s]], fmt="o",
                            color=src_col["ours"], capsize=3,
                            label="ours (tcg): mean ± sd" if k == 0 else None)
                ax.plot([k + 0.15], [r["ours_median_us"]], "o", mfc="none", ms=8,
                        color=src_col["ours"], label="ours (tcg): median" if k == 0 else None)
            else:
                ax.text(k + 0.15, 0, "not\nmeasured", ha="center", va="bottom", fontsize=7,
                        color=src_col["ours"])
        ax.set_xticks(range(len(sub)), [label("mechanism", m) for m in sub["mechanism"]])
        ax.set_xlim(-0.6, max(len(sub), 1) - 0.4)
        ax.set_ylim(bottom=0)
        ax.set_title(label("mode", mode))
        ax.set_ylabel("latency (µs)" if j == 0 else "")
        ax.grid(alpha=0.3, axis="y")
        ax.legend(fontsize=7, loc="upper right")
    ax = axes[0][-1]
    labels = []
    for k, r in sp.reset_index(drop=True).iterrows():
        labels.append(f"{label('mechanism', r['mechanism'])}\n{label('mode', r['mode'])}")
        est, lo, hi = r["study_speedup_means"], r["study_ci_low"], r["study_ci_high"]
        ax.errorbar([est], [k - 0.2], xerr=[[est - lo], [hi - est]], fmt="s",
                    color=src_col["study"], capsize=3, label="study: ratio of means" if k == 0 else None)
        if r.get("ours") == "measured":
            for off, (c, mk, lab) in zip((0.0, 0.2), (("mean_ratio", "o", "ours: ratio of means"),
                                                      ("median_ratio", "D", "ours: ratio of medians"))):
                e, l, h = r[f"ours_{c}"], r[f"ours_{c}_ci_low"], r[f"ours_{c}_ci_high"]
                ax.errorbar([e], [k + off], xerr=[[e - l], [h - e]], fmt=mk, color=src_col["ours"],
                            mfc="none" if c == "median_ratio" else None, capsize=3,
                            label=lab if k == 0 else None)
        else:
            ax.text(1.0, k + 0.2, "ours: not measured", fontsize=7, va="center", ha="left",
                    color=src_col["ours"])
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    # room below the last row for the legend, which must not cover a marker
    ax.set_ylim(-0.6, max(len(labels), 1) + 0.15)
    ax.invert_yaxis()
    _log_axis(ax, "x")
    ax.set_xlabel(f"speedup vs {baseline} (×, log)")
    ax.set_title("speedups")
    ax.grid(alpha=0.3, axis="x")
    if labels:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# path lengths (a counting run)
# --------------------------------------------------------------------------
def segment_colours(segments) -> dict:
    """A colour per kernel segment, by its place in the segments file: the colour-blind
    palette without its grey, then dark purple; "other" is the palette's grey."""
    cb = sns.color_palette(PALETTE, 10)
    pool = [c for i, c in enumerate(cb) if i != 7] + [sns.color_palette("dark", 10)[4]]
    named = [s for s in segments if s != "other"]
    out = {s: pool[i % len(pool)] for i, s in enumerate(named)}
    return out | ({"other": cb[7]} if "other" in segments else {})


def path_lengths(parts: pd.DataFrame, segment_labels: dict[str, str],
                 sides=("writer", "reader")) -> plt.Figure:
    """Instructions per message, one panel per mode (and idle level, if several): per
    mechanism one bar per side (W: writer, R: reader after the writer's t0), stacked from
    the bottom as user, then the kernel by segment (``segment_labels``: name -> label, in
    stacking order); each part is its median over clean messages, so a bar's height is the
    sum of its parts' medians. Whisker: the interquartile range of the side's total, dot:
    its median. ``parts``: :func:`uintrlab.pathlen_report.parts`."""
    p = parts[parts["side"].isin(sides)]
    panel_keys = ["mode"] + (["idle_us"] if "idle_us" in p else [])
    panels = list(p[panel_keys].drop_duplicates().itertuples(index=False, name=None))
    mode_rank = {m: i for i, m in enumerate(names.order({k[0] for k in panels}, "mode"))}
    panels.sort(key=lambda k: (mode_rank[k[0]], *k[1:]))
    ncol = min(2, max(len(panels), 1))
    nrow = max(1, -(-len(panels) // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.4 * ncol, 3.6 * nrow), squeeze=False)
    stack = ["user", *segment_labels]
    colour = {"user": "0.88", **segment_colours(segment_labels)}
    width = 0.8 / len(sides)
    for ax, key in zip(axes.flat, panels):
        sub = p[(p[panel_keys] == pd.Series(key, index=panel_keys)).all(axis=1)]
        mechs = present(sub, "mechanism")
        ticks, tick_labels = [], []
        for x, mech in enumerate(mechs):
            for j, side in enumerate(sides):
                d = sub[(sub["mechanism"] == mech) & (sub["side"] == side)].set_index("part")
                if d.empty:
                    continue
                xpos = x + (j - (len(sides) - 1) / 2) * width
                bottom = 0.0
                for part in stack:
                    h = float(d.loc[part, "median"]) if part in d.index else 0.0
                    if h > 0:
                        ax.bar(xpos, h, width * 0.92, bottom=bottom, color=colour[part],
                               edgecolor="white", linewidth=0.3)
                    bottom += h
                tot = d.loc["total"]
                ax.errorbar([xpos], [tot["median"]], yerr=[[tot["median"] - tot["q25"]], [tot["q75"] - tot["median"]]],
                            fmt=".", ms=3, color="black", capsize=2, lw=0.8)
                ticks.append(xpos)
                tick_labels.append(side[0].upper())
        ax.set_xticks(ticks, tick_labels, fontsize=7)
        for x, mech in enumerate(mechs):
            ax.text(x, -0.13, label("mechanism", mech), transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=8)
        ax.set_xlim(-0.6, max(len(mechs), 1) - 0.4)
        title = label("mode", key[0]) + (f" · idle {key[1]} µs" if len(key) > 1 else "")
        ax.set_title(title)
        ax.set_ylabel("instructions per message")
        ax.grid(alpha=0.3, axis="y")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    from matplotlib.patches import Patch
    handles = [Patch(color=colour[s], label="user" if s == "user" else f"kernel: {segment_labels[s]}")
               for s in reversed(stack)]         # top to bottom, as the bars stack
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.tight_layout(h_pad=2.0)
    return fig
