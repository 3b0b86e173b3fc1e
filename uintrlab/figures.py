"""Every figure of the analysis, once: its file name, the function that draws it and its
caption (:data:`FIGURES`, in the order they are shown).

The report (:mod:`uintrlab.report`), notebooks 02 and 03 and ``scripts/analyse.sh`` all
iterate this list: a figure added here is drawn, saved and listed by all of them.
``python -m uintrlab.figures DIR`` prints the files they write into DIR.

Group ``analysis``: drawn from the samples and :func:`uintrlab.analysis.analyse` (the
report's Figures section, notebook 02); group ``study``: from
:func:`uintrlab.analysis.study_tables` (the report's study section, notebook 03); group
``pathlen``: from a counting run's tables, :func:`uintrlab.pathlen_report.tables` (the
report's Path lengths section, notebook 04).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterator

import matplotlib.pyplot as plt
import pandas as pd

from . import plots
from .names import label

GROUPS = ("analysis", "study", "pathlen")


@dataclass
class Inputs:
    """What the figures are drawn from: the samples, their analysis
    (:class:`uintrlab.analysis.Analysis`), for the study's figure the tables of
    :func:`uintrlab.analysis.study_tables`, for the path-length figure a counting run's
    :class:`uintrlab.pathlen_report.Tables` (None: that figure is not drawn; a counting
    run alone has no samples and no analysis)."""
    samples: pd.DataFrame | None
    analysis: Any
    study: dict | None = None
    pathlen: Any = None

    @cached_property
    def windowed(self) -> pd.DataFrame:
        """:func:`uintrlab.plots.windowed_latency`, computed once for every platform."""
        return plots.windowed_latency(self.samples)

    def caption_fields(self) -> dict:
        fields = {}
        if self.analysis is not None:
            p = self.analysis.params
            fields |= {"baseline": p.baseline, "confidence_pct": 100 * p.confidence}
        if self.pathlen is not None:
            fields["counting_runs"] = ", ".join(self.pathlen.run_ids)
        return fields


@dataclass(frozen=True)
class Figure:
    """One figure. ``caption`` may use ``{baseline}``, ``{confidence_pct:g}``, per
    platform ``{platform}``, and ``{counting_runs}`` (group pathlen); ``title`` and ``about`` head it in a notebook. ``draw(inputs)``
    (``draw(inputs, platform)`` if ``per_platform``: one figure per platform in the data,
    named ``<name>-<platform>``); ``available(inputs)``: whether it can be drawn."""
    name: str
    title: str
    caption: str
    draw: Callable[..., plt.Figure]
    group: str = "analysis"
    per_platform: bool = False
    available: Callable[[Inputs], bool] = lambda inputs: True
    about: str = ""

    def platforms(self, inputs: Inputs) -> list[str]:
        return plots.present(inputs.windowed, "platform") if self.per_platform else [None]

    def file_name(self, platform: str | None = None) -> str:
        return self.name if platform is None else f"{self.name}-{platform}"

    def caption_for(self, inputs: Inputs, platform: str | None = None) -> str:
        return self.caption.format(**inputs.caption_fields(),
                                   platform=label("platform", platform) if platform else "")


FIGURES: tuple[Figure, ...] = (
    Figure("latency-ecdf", "Latency distributions",
           "Latency ECDF per mechanism (log axis); rows: platform, columns: mode.",
           lambda i: plots.ecdf(i.samples),
           about="Empirical CDFs on a log axis show the whole distribution, tails included; "
                 "the study reported only moments, which a heavy tail makes fragile."),
    Figure("latency-violin", "Latency distributions as violins",
           "Latency distributions (violins of log latency, quartiles inside).",
           lambda i: plots.violin(i.samples)),
    Figure("boot-medians", "Boots as the unit of replication",
           "Per-boot median latency: each point one boot (the unit of replication), bars the "
           "interval of that boot's median, black bar the median of boots.",
           lambda i: plots.boot_medians(i.analysis.boot_medians, i.analysis.params.confidence),
           about="Each point is one boot's median latency with the interval of that median; "
                 "the spread between points is the between-boot variation the intervals and "
                 "tests account for."),
    Figure("speedup-forest", "Speedups under every outlier rule",
           "Speedup vs {baseline} (ratio of medians) with {confidence_pct:g} % "
           "hierarchical-bootstrap intervals, per outlier rule.",
           lambda i: plots.forest(i.analysis.sensitivity, i.analysis.params.baseline,
                                  i.analysis.params.confidence),
           available=lambda i: not i.analysis.sensitivity.empty,
           about="Direction and interval of every comparison under each outlier rule: the "
                 "sensitivity table, drawn."),
    Figure("latency-timeseries", "Latency over the run",
           "{platform}: latency against message index, per boot (colour): the median (solid) "
           "and 99th percentile (dotted) of each of 100 consecutive windows.",
           lambda i, platform: plots.timeseries(i.samples, platform, wl=i.windowed),
           per_platform=True,
           about="Median and 99th percentile in 100 consecutive windows of each boot: drift, "
                 "left-over warm-up and disturbed boots show here and not in pooled "
                 "distributions."),
    Figure("study-vs-ours", "The study beside ours",
           "The study's published mean ± sd (squares) beside ours on tcg (mean ± sd, median "
           "open); right: speedups (study: ratio of means with a delta-method interval; ours: "
           "ratios of means and medians with bootstrap intervals).",
           lambda i: plots.study_vs_ours(i.study, i.analysis.params.baseline),
           group="study", available=lambda i: i.study is not None),
    Figure("instructions-per-message", "Instructions per message",
           "Instructions per message counted by our TCG plugin (counting run {counting_runs}): per "
           "mechanism W = the writer (t0 to its notify call's return), R = the reader from the "
           "writer's t0 to its t1; stacked: user, then the kernel by segment "
           "(env/qemu/plugins/pathlen-segments.txt), each part the median over clean messages "
           "(no foreign interrupt, no tick restart); whisker: interquartile range of the side's "
           "total. Polling readers (nonblocking, pingpong-spin) count their polling until they "
           "see the message, which depends on timing.",
           lambda i: plots.path_lengths(i.pathlen.parts, i.pathlen.labels),
           group="pathlen", available=lambda i: i.pathlen is not None,
           about="Path lengths are counts, not times: how many instructions each side executes "
                 "per message and in which part of the kernel. They do not depend on the host's "
                 "speed, so they show where the cost lies independently of TCG's timing."),
)


def select(group: str | None = None) -> list[Figure]:
    """The figures of a group (None: all), in order."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"group: {group!r} is unknown (choose from {', '.join(GROUPS)})")
    return [f for f in FIGURES if group is None or f.group == group]


@dataclass
class Drawn:
    """A drawn figure: its file name (no extension), caption, the registry entry and the
    matplotlib figure (the caller closes it: :meth:`close`)."""
    name: str
    caption: str
    spec: Figure
    fig: plt.Figure

    def save(self, figures_dir, formats=plots.FORMATS) -> list:
        return plots.save(self.fig, self.name, figures_dir, formats, close=False)

    def close(self) -> None:
        plt.close(self.fig)


def planned(inputs: Inputs, group: str | None = None) -> list[tuple[Figure, str | None]]:
    """``(figure, platform)`` for every figure :func:`draw` would draw, without drawing."""
    return [(f, plat) for f in select(group) if f.available(inputs) for plat in f.platforms(inputs)]


def file_names(inputs: Inputs, group: str | None = None) -> list[str]:
    """The file names (no extension) :func:`draw` writes for these inputs."""
    return [f.file_name(plat) for f, plat in planned(inputs, group)]


def draw(inputs: Inputs, group: str | None = None,
         log: Callable[[str], None] | None = None) -> Iterator[Drawn]:
    """Draw every available figure of a group in order, one at a time."""
    log = log or (lambda m: None)
    for f, plat in planned(inputs, group):
        name = f.file_name(plat)
        log(f"figure: {name}")
        fig = f.draw(inputs) if plat is None else f.draw(inputs, plat)
        yield Drawn(name, f.caption_for(inputs, plat), f, fig)


def show(inputs: Inputs, group: str | None, figures_dir, formats=plots.FORMATS) -> list[str]:
    """For a notebook: draw a group's figures, save each in ``figures_dir`` and show it
    under its title with its caption. Returns the file names."""
    from IPython.display import Markdown, display

    names = []
    for d in draw(inputs, group):
        d.save(figures_dir, formats)
        about = f"{d.spec.about} " if d.spec.about else ""
        display(Markdown(f"### {d.spec.title}\n{about}*{d.caption}* (`{d.name}`)"))
        display(d.fig)
        d.close()
        names.append(d.name)
    return names


def pattern(figures_dir: str = "figures") -> str:
    """Every file the figures make, as a shell brace pattern (per-platform figures as
    ``<name>-<platform>``)."""
    stems = [f.file_name("<platform>" if f.per_platform else None) for f in FIGURES]
    return f"{figures_dir}/{{{','.join(stems)}}}.{{{','.join(plots.FORMATS)}}}"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1:
        print("usage: python -m uintrlab.figures [FIGURES_DIR]", file=sys.stderr)
        return 1
    print(pattern(*argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
