"""One self-contained HTML page with every table and figure of an analysis:
``python -m uintrlab report DIR [DIR...]`` (and ``make report``).

The page needs nothing beside itself: CSS inline, figures embedded as base64 PNG.
Contents, in order: parameters and provenance (runs, host, builds, the command),
descriptives, outlier counts per rule, speedups with intervals, p-values and Holm,
the outlier-sensitivity table, the power table, the study beside ours, figures (ECDF,
violins, per-boot medians, forest plot, latency time series per platform, study vs
ours), conventions, and a checklist of Hoefler & Belli's twelve rules (SC'15) saying
what this artifact does for each, including what it does not do.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import time
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")  # noqa: E402  (no display needed)
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import analysis as A  # noqa: E402
from . import builds, plots, provenance, stats  # noqa: E402

CSS = """
body{font-family:system-ui,sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#222;
line-height:1.4}
h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;margin-top:2em}
h3{font-size:1.05em}
table{border-collapse:collapse;font-size:0.78em;margin:0.6em 0 1.2em 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
td.text,table.text td{text-align:left}
.note{font-size:0.85em;color:#444}.warn{color:#8a4b00}
img{max-width:100%;border:1px solid #eee;margin:0.5em 0}
figure{margin:0.5em 0 1.5em 0}figcaption{font-size:0.85em;color:#444}
code{background:#f5f5f5;padding:0 3px}
.scroll{overflow-x:auto}
"""


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


def table(df: pd.DataFrame, text_cols=(), max_rows: int | None = None) -> str:
    """A DataFrame as an HTML table (escaped; floats to 4 significant digits)."""
    if df is None or len(df) == 0:
        return '<p class="note">(no rows)</p>'
    d = df if max_rows is None else df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in d.columns)
    body = []
    for _, r in d.iterrows():
        cells = []
        for c in d.columns:
            cls = ' class="text"' if c in text_cols else ""
            cells.append(f"<td{cls}>{html.escape(_fmt(r[c]))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


def figure(fig, caption: str, name: str | None = None, figures_dir=None) -> str:
    """Embed a figure as base64 PNG (and save it in every format if ``figures_dir``)."""
    png = plots.png_bytes(fig)
    if figures_dir and name:
        plots.save(fig, name, figures_dir, close=False)
    plt.close(fig)
    b64 = base64.b64encode(png).decode("ascii")
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{b64}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


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
    mechs = A.order(pd.unique(samples["mechanism"].astype(str)), A.MECHANISM_ORDER)
    missing_uintr = [m for m in ("uintr_event", "uintr") if m not in mechs]
    skipped_params = sorted({s for m in an.metas for s in (m.get("params", {}) or {})
                             .get("skipped", [])})
    n_comp = len(an.results)
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


def _provenance_section(metas, runs) -> str:
    """Each run's recorded QEMU and kernel provenance against the current builds
    (uintrlab.provenance.check_run); a run made with other builds is a warning."""
    esc = html.escape
    cur = provenance.current()
    rows, warnings = [], []
    for m, r in zip(metas, runs):
        run = m.get("run_id", Path(r).name)
        found = provenance.check_run(m, cur)
        bad = [f for f in found if f.status == provenance.MISMATCH]
        if bad:
            warnings.append(f"<li><b>{esc(run)}</b>: " + "; ".join(
                esc(f"{f.component} {f.field}: recorded {f.recorded}, current {f.current}")
                for f in bad) + "</li>")
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
    out = ["<h2>Provenance against the current builds</h2>"]
    if warnings:
        out.append('<div class="warn" style="border:2px solid #b00000;background:#fff4f0;'
                   'color:#8a0000;padding:0.4em 1em;margin:1em 0"><p><b>Warning: '
                   f"{'a run was' if len(warnings) == 1 else 'runs were'} not made with the "
                   "current builds.</b> The numbers on this page are of the builds the runs "
                   "recorded, not of what this checkout builds now:</p><ul>"
                   + "".join(warnings) + "</ul></div>")
    fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in provenance.COMPARED.items())
    notes = provenance.current_notes(cur)
    out.append('<p class="note">Compared with what this machine builds now (<code>python -m '
               f"uintrlab provenance --check RUN</code>): {esc(fields)}. "
               "<i>not recorded</i>: the run's metadata lacks the field (older runs); "
               "<i>current unknown</i>: only the build could tell. "
               + esc(" ".join(n + "." for n in notes)) + "</p>")
    out.append(table(pd.DataFrame(rows), text_cols=("status", "field", "recorded", "current")))
    return "\n".join(out)


def _descr(d: pd.DataFrame) -> pd.DataFrame:
    cols = ["platform", "mechanism", "mode", "count", "failures", "failure_rate",
            "warmup_excluded", "boots", "unverified_sleep", "outliers_removed", "mean_us",
            "std_us", "min_us", "median_us", "p90_us", "p99_us", "p999_us", "max_us",
            "rate_msg_s"]
    return d[[c for c in cols if c in d.columns]]


def build_html(an: A.Analysis, samples: pd.DataFrame, *, command: str = "",
               figures_dir=None, study_path=None, log: Callable[[str], None] | None = None) -> str:
    """The report page for an analysis (figures also saved to ``figures_dir`` if given)."""
    log = log or (lambda m: None)
    p = an.params
    esc = html.escape
    parts = []
    run_ids = [m.get("run_id", Path(r).name) for m, r in zip(an.metas, p.runs)]
    title = f"uintr-event analysis: {', '.join(run_ids)}"
    parts.append(f"<h1>{esc(title)}</h1>")
    parts.append(f'<p class="note">Generated {esc(_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))} '
                 f"by <code>{esc(command or 'uintrlab.report')}</code>, uintrlab at commit "
                 f"{esc(_git_state())}. Every number below is computed from the run(s) named "
                 "here; nothing is typed in.</p>")
    parts.append(_provenance_section(an.metas, p.runs))

    # summary of the comparisons (data-driven sentences, no typed numbers)
    sig = [r for r in an.results if r.significant_holm]
    parts.append("<h2>Summary</h2><ul>")
    parts.append(f"<li>{len(an.results)} comparisons with baseline <b>{esc(p.baseline)}</b> "
                 f"(primary outlier rule <b>{esc(A._label(p.outliers, p.outlier_param))}</b>); "
                 f"{len(sig)} significant after Holm at family-wise α = {p.alpha:g}.</li>")
    if not an.sensitivity.empty:
        per = an.sensitivity.groupby(["platform", "mode", "mechanism"], sort=False)["survives"].all()
        bad = [" · ".join(k) for k, v in per.items() if not v]
        parts.append("<li>Outlier sensitivity: "
                     + ("every conclusion (direction and significance) is the same under every "
                        "rule." if not bad else
                        "the conclusion changes with the outlier rule for: " + esc(", ".join(bad)))
                     + "</li>")
    for s in an.skipped:
        parts.append(f'<li class="warn">Not compared: {esc(s)}</li>')
    mechs = A.order(pd.unique(samples["mechanism"].astype(str)), A.MECHANISM_ORDER)
    for m in ("uintr_event", "uintr"):
        if m not in mechs:
            parts.append(f"<li>{m}: not in these runs; no claim about it is made here.</li>")
    parts.append("</ul>")

    parts.append("<h2>Parameters and provenance</h2>")
    prm = pd.DataFrame([{"parameter": k, "value": ", ".join(map(str, v)) if isinstance(v, list)
                         else _fmt(v)} for k, v in p.as_dict().items()])
    parts.append(table(prm, text_cols=("value",)))
    parts.append("<h3>Runs</h3>" + table(_runs_table(an.metas, p.runs),
                                         text_cols=("directory", "problems", "start", "end")))
    parts.append("<h3>Environment</h3>" + table(_env_table(an.metas), text_cols=("value",)))

    parts.append("<h2>Descriptive statistics (µs)</h2>")
    parts.append('<p class="note">Valid messages (ok, not warm-up) pooled over boots'
                 + ("" if p.outliers == "none" else
                    f", after the outlier rule {esc(A._label(p.outliers, p.outlier_param))}")
                 + ". Failures (not seen within the timeout) are counted, never dropped; "
                   "warm-up messages are excluded and counted; unverified_sleep counts "
                   "blocking messages whose reader was not verified asleep. std_us is the "
                   "population sd (as ipc-bench); quantiles by linear interpolation.</p>")
    parts.append(table(_descr(an.descriptives)))

    parts.append("<h2>Outliers removed, per rule</h2>")
    parts.append('<p class="note">Each rule is applied per condition on log latency, pooled '
                 "over boots (see <code>uintrlab/outliers.py</code>): tukey(k): outside the "
                 "quartiles ± k·IQR; mad(t): |modified z| > t; trim(q): the q % largest. "
                 "Counts are of valid messages.</p>")
    parts.append(table(A.removed_summary(an.removed)))

    parts.append(f"<h2>Speedups vs {esc(p.baseline)}</h2>")
    parts.append(f'<p class="note">Convention: {esc(stats.CONVENTION)}. Intervals: '
                 f"{100 * p.confidence:g} % hierarchical percentile bootstrap ({p.n_boot} "
                 f"iterations, seed {p.seed}). p_boot_medians: Mann–Whitney on per-boot medians "
                 "(primary); p_holm: Holm-adjusted over all comparisons in this table; "
                 f"p_pooled_mannwhitney: {esc(stats.POOLED_CAVEAT)} Columns boots, messages and "
                 "removed are baseline/mechanism.</p>")
    parts.append(table(an.speedups, text_cols=("warnings",)))

    parts.append("<h2>Outlier sensitivity</h2>")
    parts.append('<p class="note">Every comparison recomputed under every rule. A conclusion '
                 "is its direction (ratio of medians above or below 1) and its significance "
                 f"(per-boot test p < {p.alpha:g}, uncorrected); it <i>survives</i> if both agree "
                 f"with the primary rule's ({esc(A._label(p.outliers, p.outlier_param))}).</p>")
    if not an.sensitivity.empty:
        cols = ["platform", "mode", "mechanism", "rule_label", "removed_baseline",
                "removed_mechanism", "median_ratio", "median_ratio_ci_low",
                "median_ratio_ci_high", "mean_ratio", "hl_ratio", "cliffs_delta",
                "p_boot_medians", "direction", "significant", "survives"]
        parts.append(table(an.sensitivity[cols], text_cols=("direction",)))
    else:
        parts.append('<p class="note">(no comparisons)</p>')

    parts.append("<h2>Figures</h2>")
    log("figures: ECDF")
    parts.append(figure(plots.ecdf(samples), "Latency ECDF per mechanism (log axis); rows: "
                        "platform, columns: mode.", "latency-ecdf", figures_dir))
    log("figures: violins")
    parts.append(figure(plots.violin(samples), "Latency distributions (violins of log latency, "
                        "quartiles inside).", "latency-violin", figures_dir))
    log("figures: per-boot medians")
    parts.append(figure(plots.boot_medians(an.boot_medians, p.confidence),
                        "Per-boot median latency: each point one boot (the unit of "
                        "replication), bars the interval of that boot's median, black bar "
                        "the median of boots.", "boot-medians", figures_dir))
    if not an.sensitivity.empty:
        log("figures: forest")
        parts.append(figure(plots.forest(an.sensitivity, p.baseline, p.confidence),
                            f"Speedup vs {p.baseline} (ratio of medians) with "
                            f"{100 * p.confidence:g} % hierarchical-bootstrap intervals, per "
                            "outlier rule.", "speedup-forest", figures_dir))
    log("figures: time series")
    wl = plots.windowed_latency(samples)
    for plat in plots._platforms(wl["platform"].astype(str)):
        parts.append(figure(plots.timeseries(samples, plat, wl=wl),
                            f"{plat}: latency against message index, per boot (colour): the "
                            "median (solid) and 99th percentile (dotted) of each of 100 "
                            "consecutive windows.", f"latency-timeseries-{plat}", figures_dir))

    parts.append("<h2>Power: boots and messages needed</h2>")
    parts.append('<p class="note">Per condition: between-boot (tau_log) and within-boot '
                 "(sigma_log) standard deviations of log latency, their intra-class correlation, "
                 f"and the boots per group needed to detect a 10 % difference of per-boot "
                 f"medians at α = {p.alpha:g} with 80 % power (two-sample t on boot medians), "
                 "at several messages per boot; the messages per boot needed at several boot "
                 "counts (∞: between-boot variance alone prevents it); boots_floor: boots "
                 "needed even with unlimited messages.</p>")
    parts.append(table(an.power))

    parts.append("<h2>The study beside ours</h2>")
    log("study vs ours")
    try:
        st = A.study_tables(an, study_path=study_path)
    except ValueError as e:
        st = None
        parts.append(f'<p class="warn">Study data unavailable: {esc(str(e))}</p>')
    if st is not None:
        parts.append('<p class="note">The study published one pooled series per method and '
                     "mode (QEMU TCG, failures dropped). Ours: the tcg platform, valid messages "
                     "with no outlier rule (failures counted, not in the moments). sd: "
                     "population sd for both. Where we did not measure a mechanism, the row "
                     "says so.</p>")
        parts.append("<h3>Means and spread</h3>" + table(st["moments"], text_cols=("note", "ours")))
        parts.append("<h3>Speedups</h3>" + table(st["speedups"], text_cols=("note", "ours")))
        parts.append("<h3>What differs</h3>" + table(st["differences"],
                                                     text_cols=("study", "ours")))
        parts.append(figure(plots.study_vs_ours(st, p.baseline),
                            "The study's published mean ± sd (squares) beside ours on tcg (mean ± "
                            "sd, median open); right: speedups (study: ratio of means with a "
                            "delta-method interval; ours: ratios of means and medians with "
                            "bootstrap intervals).", "study-vs-ours", figures_dir))

    parts.append("<h2>Checklist: Hoefler &amp; Belli's twelve rules</h2>")
    parts.append('<p class="note">T. Hoefler and R. Belli, "Scientific Benchmarking of Parallel '
                 'Computing Systems: Twelve Ways to Tell the Masses when Reporting Performance '
                 'Results", SC\'15, doi:10.1145/2807591.2807644. Rules paraphrased.</p>')
    parts.append(table(checklist(an, samples),
                       text_cols=("what the rule asks (paraphrased)", "status",
                                  "what this artifact does")))

    parts.append("<h2>Conventions</h2><ul class='note'>")
    for line in (
        "Valid message: ok and not warm-up. Condition: (platform, mechanism, mode). Unit of "
        "replication: the boot (a fresh QEMU and guest on tcg, a fresh process pair natively).",
        f"Speedups: {stats.CONVENTION}.",
        "Bootstrap: each iteration resamples the boots of each group with replacement, then the "
        "messages within each resampled boot; medians exactly, means/HL/Cliff's delta on a fine "
        "log grid (uintrlab/stats/bootstrap.py documents the method and its simulated coverage).",
        f"Holm's correction is over the {len(an.results)} primary comparisons of this report.",
        "Time taken by the analysis steps (s): " + ", ".join(
            f"{k} {v:.1f}" for k, v in an.seconds.items()),
    ):
        parts.append(f"<li>{esc(line)}</li>")
    parts.append("</ul>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def default_out(run_dirs) -> Path:
    ids = "+".join(Path(r).name for r in run_dirs)
    return builds.ROOT / "reports" / f"report-{ids}.html"


def report(runs=None, out=None, *, baseline="eventfd", alpha=0.05, n_boot=2000,
           outliers="none", outlier_param=None, seed=stats.DEFAULT_SEED, mechanisms=None,
           figures_dir=None, study_path=None, command: str = "",
           log: Callable[[str], None] | None = None, cache: bool = True) -> Path:
    """Validate the parameters, load the runs, analyse (or take the analysis notebook 02
    stored for the same samples, parameters and code: :func:`analysis.analyse_cached`;
    ``cache=False`` recomputes), and write the HTML page to ``out`` (default
    ``reports/report-<run ids>.html``). Returns the path."""
    log = log or (lambda m: None)
    t0 = time.monotonic()
    params = A.validate_params(runs, baseline=baseline, alpha=alpha, n_boot=n_boot,
                               outliers=outliers, outlier_param=outlier_param, seed=seed,
                               mechanisms=mechanisms, figures_dir=figures_dir)
    out = Path(out) if out else default_out(params.runs)
    if out.exists() and out.is_dir():
        raise A.ParameterError(f"out: {out} is a directory; give a file name")
    log(f"loading {', '.join(params.runs)}")
    metas, samples = A.load(params)
    t_load = time.monotonic() - t0
    an = A.analyse_cached(samples, params, metas, log=log, cache=cache)
    an.seconds = {"load": t_load, **an.seconds}
    t1 = time.monotonic()
    page = build_html(an, samples, command=command, figures_dir=params.figures_dir,
                      study_path=study_path, log=log)
    an.seconds["figures and page"] = time.monotonic() - t1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - t0:.0f} s")
    return out
