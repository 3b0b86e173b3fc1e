"""One self-contained HTML page with every table and figure of an analysis:
``python -m uintrlab report DIR [DIR...]`` (and ``make report``).

The page needs nothing beside itself: CSS inline, figures embedded as base64 PNG. It is
the Jinja2 template ``templates/report.html.j2`` filled from the analysis; its sections
are :data:`SECTIONS`, in that order (reorder them there): each is a builder below
(``@_section``) that returns the section's data, and a template
``templates/sections/<key>.html.j2`` that shows it; tables are rendered by pandas'
Styler (:func:`table`), figures come from :mod:`uintrlab.figures`.

Contents: provenance against the current builds, a summary, parameters and the runs'
environment, descriptives, outlier counts per rule, speedups with intervals, p-values and
Holm, the outlier-sensitivity table, figures, the power table, the study beside ours,
path lengths (when a counting run is among the runs: :mod:`uintrlab.pathlen_report`; it
never enters the latency statistics), a checklist of Hoefler & Belli's twelve rules (SC'15)
saying what this artifact does for each, including what it does not do, and conventions.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jinja2
import matplotlib
from markupsafe import Markup

matplotlib.use("Agg")  # noqa: E402  (no display needed)
import pandas as pd  # noqa: E402
from pandas.io.formats.style import Styler  # noqa: E402

from . import analysis as A  # noqa: E402
from . import builds, figures, names, pathlen, pathlen_report, plots, provenance, stats  # noqa: E402

#: the page's sections, in the order shown: each key has a builder ``@_section(key)``
#: below and a template ``templates/sections/<key>.html.j2``; a builder that returns None
#: leaves its section out (pathlen: no counting run among the runs)
SECTIONS = ("provenance", "summary", "parameters", "descriptives", "outliers", "speedups",
            "sensitivity", "figures", "power", "study", "pathlen", "checklist", "conventions")

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _git_state() -> str:
    # only the analysing code counts: the report itself rewrites figures/ and reports/
    g = provenance.git_state("uintrlab")
    if g["git_source"] == "unknown":
        return "unknown"
    if g["git_source"] != "git":
        return f"{g['git_commit'][:12]} (from {g['git_source']}; uncommitted changes unknown)"
    return f"{g['git_commit'][:12]}{' (uintrlab/ has uncommitted changes)' if g['git_dirty'] else ''}"


def _fmt(x):
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        if x != x:
            return "—"
        if x in (float("inf"), float("-inf")):
            return "∞" if x > 0 else "−∞"
        if x.is_integer() and abs(x) < 1e12:
            return str(int(x))          # counts that became floats beside missing values
        if 1e4 <= abs(x) < 1e12:
            return f"{x:.0f}"
        return f"{x:.4g}"
    if x is None:
        return "—"
    return str(x)


_TableStyler = Styler.from_custom_template(str(TEMPLATES), html_table="table.tpl")


def table(df: pd.DataFrame | None, text_cols=()) -> Markup:
    """A DataFrame as an HTML table, rendered by pandas' Styler (``templates/table.tpl``):
    values escaped, floats to 4 significant digits (:func:`_fmt`), the ``text_cols``
    left-aligned."""
    if df is None or len(df) == 0:
        return Markup('<p class="note">(no rows)</p>')
    d = df.reset_index(drop=True)
    classes = pd.DataFrame([["text" if c in text_cols else "" for c in d.columns]] * len(d),
                           index=d.index, columns=d.columns)
    with pd.option_context("styler.render.max_elements", max(d.size, 1) + 1,
                           "styler.render.max_rows", None, "styler.render.max_columns", None):
        st = (_TableStyler(d).hide(axis="index").set_td_classes(classes)
              .format(lambda x: html.escape(_fmt(x)), escape=None)
              .format_index(lambda c: html.escape(str(c)), axis=1))
        return Markup(st.to_html(exclude_styles=True))


# --------------------------------------------------------------------------
# Hoefler & Belli, SC'15: the twelve rules, and what this artifact does
# --------------------------------------------------------------------------
def _host_load_sentence(metas) -> tuple[bool, str]:
    """(every boot recorded the host's other load?, a sentence saying what it was)."""
    loads = [b["host_load"]["other_load_cores"] for m in metas for b in m.get("boots", [])
             if "other_load_cores" in (b.get("host_load") or {})]
    n = sum(len(m.get("boots", [])) for m in metas)
    if not loads:
        return False, ("Not recorded for these runs (they predate uintrlab.hostload): "
                       "other load on the host during the boots (this machine is shared).")
    loads.sort()
    text = (f"Other load on the host (busy CPU time not of the run's own processes, as busy "
            f"cores) is recorded per boot: median {loads[len(loads) // 2]:.2f}, max "
            f"{loads[-1]:.2f} over {len(loads)} boots.")
    if len(loads) < n:
        return False, text + f" {n - len(loads)} boots predate the record."
    return True, text


def checklist(an: A.Analysis, samples: pd.DataFrame) -> pd.DataFrame:
    """One row per rule of Hoefler & Belli, "Scientific Benchmarking of Parallel
    Computing Systems" (SC'15): the rule (paraphrased), status (done / partly / not
    done) and what this artifact does, with the facts taken from this analysis."""
    p = an.params
    mechs = plots.present(samples, "mechanism")
    missing_uintr = [m for m in names.uintr_mechanisms() if m not in mechs]
    skipped_params = sorted({s for m in an.metas for s in (m.get("params", {}) or {})
                             .get("skipped", [])})
    n_comp = _comparisons(an)[0]
    d = an.descriptives_valid
    failures = int(d["failures"].sum()) if "failures" in d else 0
    unverified = int(d["unverified_sleep"].sum()) if "unverified_sleep" in d else 0
    load = _host_load_sentence(an.metas)
    rows = [
        (1, "Speedups: say what the base case is and report its absolute performance.",
         "done",
         f"Every speedup is relative to {p.baseline} measured on the same platform, in the "
         "same boots (tcg) and build; its absolute median and mean latency are in the speedup "
         "and descriptive tables. This is not a parallel-scaling speedup, so the single-process "
         "vs best-serial question does not arise."),
        (2, "Say why only a subset of benchmarks or resources is reported.",
         "partly",
         f"Reported: every mechanism and mode in the data ({', '.join(mechs)}). "
         + (f"Not yet measured: {', '.join(missing_uintr)} (the UINTR platform work is in "
            "progress). " if missing_uintr else "")
         + (f"Skipped by design: {', '.join(skipped_params)} (the mechanism has no such "
            "mode). " if skipped_params else "")
         + "Only 1-byte messages, one message in flight, two CPUs (writer 0, reader 1), as in "
           "the study; other sizes, CPU placements and loads are not explored."),
        (3, "Arithmetic mean only for costs, harmonic mean for rates.",
         "done",
         "Latency is a cost: its arithmetic mean is reported (beside the median). The rate "
         "column is messages divided by total latency, i.e. the harmonic-mean-consistent "
         "rate; rates are never averaged arithmetically."),
        (4, "Do not summarise ratios; summarise the underlying costs (geometric mean only "
            "if nothing else is available).",
         "done",
         "Each speedup is a ratio of two summaries of latencies (medians, means, HL shift), "
         "computed per platform and mode; ratios are never averaged across conditions, and "
         "no geometric-mean summary is given."),
        (5, "Report whether measurements are deterministic; give confidence intervals for "
            "non-deterministic data.",
         "partly",
         f"Latencies vary; every speedup has a {100 * p.confidence:g} % hierarchical-bootstrap "
         f"interval ({p.n_boot} iterations, boots then messages resampled, seed {p.seed}) "
         "and every boot's median its order-statistic interval. The descriptive table's "
         "quantiles (p90, p99, p99.9, max) have no intervals."),
        (6, "Do not assume normality without diagnostic checks.",
         "partly",
         "Intervals and tests are distribution-free (percentile bootstrap, Mann–Whitney on "
         "per-boot medians, HL, Cliff's delta); the ECDFs and violins show the skewed, "
         "heavy-tailed shape. No formal normality diagnostic is run; the power table's "
         "t-approximation assumes roughly normal boot-level log medians, which is not "
         "checked. The study's Welch test (shown as the study's own analysis) relies on the "
         "central limit theorem."),
        (7, "Compare non-deterministic data in a statistically sound way.",
         "done",
         f"Primary test: Mann–Whitney on per-boot medians (the boot is the unit of "
         f"replication), Holm's correction over the {n_comp} comparisons of this report at "
         f"family-wise α = {p.alpha:g}; the smallest attainable p with the number of boots is "
         "shown. A pooled per-message test is reported only with its caveat "
         "(anti-conservative). The conclusion is re-checked under every outlier rule."),
        (8, "Check whether mean or median is the right summary; some questions need other "
            "percentiles.",
         "done",
         "Median as the primary location (robust to host-interference spikes), the mean for "
         "comparison with the study, p90, p99, p99.9 and max for tails, and full ECDFs."),
        (9, "Document all varying factors and the complete setup.",
         "done" if load[0] else "partly",
         "Each run's metadata.json records parameters, the artifact's commit, host CPU and "
         "kernel, QEMU and guest-kernel provenance (Debian version, patch-series hash, "
         "configuration), TCG threading, pinning, clocksource and clock-read cost; the "
         f"report shows them. {load[1]} Failures are counted ({failures} here) and blocking "
         f"messages sent to a reader not verified asleep are counted ({unverified} here)."),
        (10, "For timing, report the measurement method, synchronisation and summarisation.",
         "done",
         "t0 and t1 are CLOCK_MONOTONIC reads in the same kernel (no cross-clock "
         "synchronisation needed), one message in flight, the cost of one clock read "
         "recorded per condition and boot; warm-up messages excluded by a stated rule and "
         "counted; summaries as described under Conventions."),
        (11, "If possible, show upper performance bounds.",
         "partly",
         "The spin mechanism (polling shared memory, no kernel) is measured as the floor "
         "of notification latency on each platform, and the clock-read cost as the floor "
         "of what can be resolved. No model-based bound (e.g. the hardware IPI latency) "
         "is given; under TCG it would not be meaningful."),
        (12, "Plot as much information as needed; connect points by lines only for "
             "trends where interpolation is valid.",
         "done",
         "Whole distributions (ECDF, violins), every boot as a point, time series per boot "
         "(lines join consecutive windows of one boot, an ordered sequence), forest plots "
         "with intervals; points of different conditions are never joined."),
    ]
    return pd.DataFrame(rows, columns=["rule", "what the rule asks (paraphrased)", "status",
                                       "what this artifact does"])


# --------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------
def _runs_table(metas, runs) -> pd.DataFrame:
    rows = []
    for m, r in zip(metas, runs):
        art = m.get("artifact", {}) or {}
        boots = m.get("boots", []) or []
        rows.append({"run": m.get("run_id", Path(r).name), "directory": str(r),
                     "status": m.get("status", "?"), "start": m.get("start", "?"),
                     "end": m.get("end", "?"),
                     "artifact commit": str(art.get("git_commit", "?"))[:12]
                     + (" (dirty)" if art.get("git_dirty") else ""),
                     "boots ok": f"{sum(1 for b in boots if b.get('status') == 'ok')}/{len(boots)}",
                     "problems": "; ".join(m.get("problems", []) or []) or "none"})
    return pd.DataFrame(rows)


def _env_table(metas) -> pd.DataFrame:
    rows = []
    for m in metas:
        host = m.get("host", {}) or {}
        rows.append({"run": m.get("run_id", "?"), "aspect": "host",
                     "value": f"{host.get('cpu_model', '?')}, {host.get('cores', '?')} cores, "
                              f"{host.get('kernel', '?')}, Python {host.get('python', '?')}"})
        for plat, info in (m.get("platforms", {}) or {}).items():
            if plat == "tcg":
                q, k = info.get("qemu", {}) or {}, info.get("kernel", {}) or {}
                val = (f"QEMU {q.get('debian_version', '?')} (patch series "
                       f"{q.get('patch_series_sha256_16', '?')}, {len(q.get('patches', []) or [])} "
                       f"patches); Linux {k.get('kernel_release', '?')} (patch series "
                       f"{k.get('patch_series_sha256_16', '?')}); {info.get('machine', '?')}, "
                       f"-cpu {info.get('cpu', '?')}, {info.get('smp', '?')} vCPUs, "
                       f"{info.get('memory', '?')}, TCG {info.get('tcg_threads', '?')}-threaded; "
                       f"cmdline: {info.get('kernel_cmdline', '?')}")
            else:
                val = f"{info.get('bench', '?')}"
            pin = info.get("pinning", {}) or {}
            val += f"; writer CPU {pin.get('writer_cpu', '?')}, reader CPU {pin.get('reader_cpu', '?')}"
            rows.append({"run": m.get("run_id", "?"), "aspect": f"platform {plat}", "value": val})
        for plat, e in (m.get("environment", {}) or {}).items():
            rows.append({"run": m.get("run_id", "?"), "aspect": f"{plat}: clock",
                         "value": f"clocksources {', '.join(e.get('clocksources', []) or [])}; "
                                  f"median clock read {e.get('clock_read_ns_median', '?')} ns"})
        prm = m.get("params", {}) or {}
        if prm:
            rows.append({"run": m.get("run_id", "?"), "aspect": "parameters",
                         "value": ", ".join(f"{k}={v}" for k, v in prm.items())})
    return pd.DataFrame(rows)


def _descr(d: pd.DataFrame) -> pd.DataFrame:
    cols = ["platform", "mechanism", "mode", "count", "failures", "failure_rate",
            "warmup_excluded", "boots", "unverified_sleep", "outliers_removed", "mean_us",
            "std_us", "min_us", "median_us", "p90_us", "p99_us", "p999_us", "max_us",
            "rate_msg_s"]
    return d[[c for c in cols if c in d.columns]]




# --------------------------------------------------------------------------
# the sections: each returns the data its template shows
# --------------------------------------------------------------------------
@dataclass
class Page:
    """What the sections are built from."""
    an: A.Analysis
    samples: pd.DataFrame
    figures_dir: str | Path | None
    study_path: str | Path | None
    log: Callable[[str], None]
    pathlen: pathlen_report.Tables | None = None     # the counting runs' tables

    @property
    def params(self) -> A.Params:
        return self.an.params


_BUILDERS: dict[str, Callable[[Page], dict]] = {}


def _section(key: str):
    def register(build):
        _BUILDERS[key] = build
        return build
    return register


def _comparisons(an: A.Analysis) -> tuple[int, int]:
    """(primary comparisons, significant after Holm): the one place the page reads the
    comparison results, from the speedup table (:func:`uintrlab.analysis.speedup_rows`)."""
    sp = an.speedups
    if len(sp) == 0:
        return 0, 0
    return len(sp), sum(1 for x in sp["significant_holm"] if x)


def _embed(drawn: figures.Drawn, figures_dir) -> dict:
    """A drawn figure as base64 PNG for the page (and saved in every format if
    ``figures_dir``); the figure is closed."""
    png = plots.png_bytes(drawn.fig)
    if figures_dir:
        drawn.save(figures_dir)
    drawn.close()
    return {"caption": drawn.caption, "png_base64": base64.b64encode(png).decode("ascii")}


def _provenance_data(metas, runs) -> dict:
    """Each run's recorded QEMU and kernel provenance against the current builds
    (uintrlab.provenance.check_run); a run made with other builds is a warning."""
    cur = provenance.current()
    rows, warnings = [], []
    for m, r in zip(metas, runs):
        run = m.get("run_id", Path(r).name)
        found = provenance.check_run(m, cur)
        bad = [f for f in found if f.status == provenance.MISMATCH]
        if bad:
            warnings.append({"run": run, "findings": [
                f"{f.component} {f.field}: recorded {f.recorded}, current {f.current}" for f in bad]})
        if any(f.status == provenance.NO_BUILDS for f in found):
            rows.append({"run": run, "status": "native platform only: no QEMU or kernel build "
                                               "provenance", "component": "", "field": "",
                         "recorded": "", "current": ""})
            continue
        if not found:
            rows.append({"run": run, "status": "match", "component": "qemu, kernel",
                         "field": "every compared field", "recorded": "", "current": ""})
        for f in found:
            rows.append({"run": run, "status": f.status, "component": f.component,
                         "field": f.field, "recorded": f.recorded, "current": f.current})
    return {"rows": pd.DataFrame(rows), "warnings": warnings,
            "fields": "; ".join(f"{k}: {', '.join(v)}" for k, v in provenance.COMPARED.items()),
            "notes": " ".join(n + "." for n in provenance.current_notes(cur))}


@_section("provenance")
def _provenance(page: Page) -> dict:
    return _provenance_data(page.an.metas, page.params.runs)


def _provenance_section(metas, runs) -> str:
    """The provenance section alone, as HTML."""
    return _ENV.get_template("sections/provenance.html.j2").render(s=_provenance_data(metas, runs))


@_section("summary")
def _summary(page: Page) -> dict:
    an = page.an
    n, significant = _comparisons(an)
    changes = None
    if not an.sensitivity.empty:
        per = an.sensitivity.groupby(["platform", "mode", "mechanism"], sort=False)["survives"].all()
        changes = [" · ".join(k) for k, v in per.items() if not v]
    present = plots.present(page.samples, "mechanism")
    return {"comparisons": n, "significant": significant, "sensitivity_changes": changes,
            "skipped": an.skipped,
            "absent": [m for m in names.uintr_mechanisms() if m not in present]}


@_section("parameters")
def _parameters(page: Page) -> dict:
    prm = pd.DataFrame([{"parameter": k, "value": ", ".join(map(str, v)) if isinstance(v, list)
                         else _fmt(v)} for k, v in page.params.as_dict().items()])
    return {"parameters": prm, "runs": _runs_table(page.an.metas, page.params.runs),
            "environment": _env_table(page.an.metas)}


@_section("descriptives")
def _descriptives(page: Page) -> dict:
    return {"descriptives": _descr(page.an.descriptives)}


@_section("outliers")
def _outliers(page: Page) -> dict:
    return {"removed": A.removed_summary(page.an.removed)}


@_section("speedups")
def _speedups(page: Page) -> dict:
    return {"speedups": page.an.speedups, "convention": stats.CONVENTION,
            "pooled_caveat": stats.POOLED_CAVEAT}


SENSITIVITY_COLUMNS = ["platform", "mode", "mechanism", "rule_label", "removed_baseline",
                       "removed_mechanism", "median_ratio", "median_ratio_ci_low",
                       "median_ratio_ci_high", "mean_ratio", "hl_ratio", "cliffs_delta",
                       "p_boot_medians", "direction", "significant", "survives"]


@_section("sensitivity")
def _sensitivity(page: Page) -> dict:
    sens = page.an.sensitivity
    return {"sensitivity": None if sens.empty else sens[SENSITIVITY_COLUMNS]}


@_section("figures")
def _figures(page: Page) -> dict:
    inputs = figures.Inputs(page.samples, page.an)
    return {"figures": [_embed(d, page.figures_dir)
                        for d in figures.draw(inputs, "analysis", log=page.log)]}


@_section("power")
def _power(page: Page) -> dict:
    return {"power": page.an.power}


@_section("study")
def _study(page: Page) -> dict:
    page.log("study vs ours")
    try:
        tables = A.study_tables(page.an, study_path=page.study_path)
    except ValueError as e:
        return {"error": str(e), "tables": None, "figures": []}
    inputs = figures.Inputs(page.samples, page.an, study=tables)
    return {"error": None, "tables": tables,
            "figures": [_embed(d, page.figures_dir)
                        for d in figures.draw(inputs, "study", log=page.log)]}


@_section("pathlen")
def _pathlen(page: Page) -> dict | None:
    t = page.pathlen
    if t is None:
        return None
    page.log("path lengths")
    metas = [json.loads((r / "metadata.json").read_text()) for r in t.runs]
    runs = pd.DataFrame([{"run": m.get("run_id", r.name), "directory": str(r), "status": m.get("status", "?"),
                          "boots": len(m.get("boots", []) or []),
                          "plugin sha256": str((m.get("path_lengths") or {}).get("plugin_sha256", "?"))[:12],
                          "segments sha256": str((m.get("path_lengths") or {}).get("segments_sha256", "?"))[:12],
                          "command": m.get("command", "?")} for m, r in zip(metas, t.runs)])
    inputs = figures.Inputs(None, None, pathlen=t)
    return {"runs": runs, "segments": t.segment_info, "summary": t.summary,
            "reader": t.by_segment("reader"), "writer": t.by_segment("writer"),
            "events": t.events, "foreign": t.foreign, "determinism": t.determinism, "boots": t.boots,
            "figures": [_embed(d, page.figures_dir) for d in figures.draw(inputs, "pathlen", log=page.log)]}


@_section("checklist")
def _checklist(page: Page) -> dict:
    return {"checklist": checklist(page.an, page.samples)}


@_section("conventions")
def _conventions(page: Page) -> dict:
    return {"comparisons": _comparisons(page.an)[0], "convention": stats.CONVENTION,
            "seconds": ", ".join(f"{k} {v:.1f}" for k, v in page.an.seconds.items())}


# --------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters["g"] = lambda x: f"{x:g}"
_ENV.globals["table"] = table


def build_html(an: A.Analysis, samples: pd.DataFrame, *, command: str = "",
               figures_dir=None, study_path=None, log: Callable[[str], None] | None = None,
               sections=SECTIONS, pathlen_tables: pathlen_report.Tables | None = None) -> str:
    """The report page for an analysis (figures also saved to ``figures_dir`` if given):
    ``sections`` (keys of :data:`SECTIONS`) in the order given; ``pathlen_tables``: the
    tables of counting runs beside the analysed ones (their section, else left out)."""
    unknown = [k for k in sections if k not in _BUILDERS]
    if unknown:
        raise ValueError(f"sections: {unknown} unknown (choose from {', '.join(SECTIONS)})")
    page = Page(an, samples, figures_dir, study_path, log or (lambda m: None), pathlen_tables)
    p = an.params
    run_ids = [m.get("run_id", Path(r).name) for m, r in zip(an.metas, p.runs)]
    run_ids += pathlen_tables.run_ids if pathlen_tables is not None else []
    built = [(k, _BUILDERS[k](page)) for k in sections]
    return _ENV.get_template("report.html.j2").render(
        title=f"uintr-event analysis: {', '.join(run_ids)}",
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        command=command or "uintrlab.report", commit=_git_state(),
        params=p, rule=A._label(p.outliers, p.outlier_param),
        sections=[{"key": k, **s} for k, s in built if s is not None])


def split_runs(runs) -> tuple[list[str] | None, list[str]]:
    """The latency runs and the counting runs (:func:`uintrlab.pathlen.is_counting_run`)
    among ``runs`` (a directory or a list; None or empty: the latency runs are the default
    of :func:`uintrlab.analysis.validate_params`, no counting run). Only counting runs is an
    error: the report analyses latencies (notebook 04 shows a counting run alone)."""
    if runs is None or (isinstance(runs, (list, tuple, str)) and len(runs) == 0):
        return None, []
    runs = [runs] if isinstance(runs, (str, Path)) else list(runs)
    counting = [str(r) for r in runs if pathlen.is_counting_run(r)]
    latency = [r for r in runs if str(r) not in counting]
    if counting and not latency:
        raise A.ParameterError(f"runs: {', '.join(counting)}: only counting runs; the report needs a "
                               "latency run beside them (notebook 04 shows counting runs alone)")
    return latency, counting


def default_out(run_dirs) -> Path:
    ids = "+".join(Path(r).name for r in run_dirs)
    return builds.ROOT / "reports" / f"report-{ids}.html"


def write_report(runs=None, out=None, *, baseline="eventfd", alpha=0.05, n_boot=2000,
                 outliers="none", outlier_param=None, seed=stats.DEFAULT_SEED, mechanisms=None,
                 figures_dir=None, study_path=None, command: str = "",
                 log: Callable[[str], None] | None = None, cache: bool = True) -> Path:
    """Validate the parameters, load the runs, analyse (or take the analysis notebook 02
    stored for the same samples, parameters and code: :func:`analysis.analyse_cached`;
    ``cache=False`` recomputes), and write the HTML page to ``out`` (default
    ``reports/report-<run ids>.html``). Counting runs among ``runs`` (:func:`split_runs`)
    are not analysed: their tables make the Path lengths section. Returns the path."""
    log = log or (lambda m: None)
    t0 = time.monotonic()
    latency, counting = split_runs(runs)
    params = A.validate_params(latency, baseline=baseline, alpha=alpha, n_boot=n_boot,
                               outliers=outliers, outlier_param=outlier_param, seed=seed,
                               mechanisms=mechanisms, figures_dir=figures_dir)
    try:
        pl = pathlen_report.tables(counting) if counting else None
    except (pathlen_report.PathTableError, pathlen.PathLengthError) as e:
        raise A.ParameterError(str(e) if str(e).startswith("runs:") else f"runs: {e}") from e
    out = Path(out) if out else default_out(params.runs + counting)
    if out.exists() and out.is_dir():
        raise A.ParameterError(f"out: {out} is a directory; give a file name")
    log(f"loading {', '.join(params.runs)}")
    metas, samples = A.load(params)
    t_load = time.monotonic() - t0
    an = A.analyse_cached(samples, params, metas, log=log, cache=cache)
    an.seconds = {"load": t_load, **an.seconds}
    t1 = time.monotonic()
    page = build_html(an, samples, command=command, figures_dir=params.figures_dir,
                      study_path=study_path, log=log, pathlen_tables=pl)
    an.seconds["figures and page"] = time.monotonic() - t1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - t0:.0f} s")
    return out
