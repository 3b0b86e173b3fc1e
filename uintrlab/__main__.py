"""Command line: python -m uintrlab {run,summarize,...} --help"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import builds, data, names, plan


def _csv(s: str) -> list[str]:
    return [x for x in s.split(",") if x]


def _int(s: str, what: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what}: {s!r} is not an integer") from None


def _idle_us(s: str) -> int | list[int]:
    levels = [_int(x, "idle level") for x in _csv(s)]
    return levels[0] if len(levels) == 1 and "," not in s else levels


def _blocking_count(s: str) -> int | dict[int, int]:
    if ":" not in s:
        return _int(s, "count")
    out = {}
    for item in _csv(s):
        idle, _, n = item.partition(":")
        out[_int(idle, "idle level")] = _int(n, "count")
    return out


def _mode_counts(s: str) -> dict[str, int]:
    out = {}
    for item in _csv(s):
        mode, eq, n = item.partition("=")
        if not eq:
            raise argparse.ArgumentTypeError(f"mode count: {item!r} is not MODE=COUNT")
        out[mode] = _int(n, "count")
    return out


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run experiments into data/runs/<run-id>/")
    p.add_argument("--platform", action="append", type=_csv, required=True,
                   help=f"{', '.join(names.names('platform'))} (tcg: our QEMU guest, native: this "
                        "host); repeat or comma-separate")
    p.add_argument("--mechanism", action="append", type=_csv, required=True,
                   help=f"{', '.join(names.names('mechanism'))}; repeat or comma-separate")
    p.add_argument("--mode", action="append", type=_csv, required=True,
                   help=f"{', '.join(names.names('mode'))}; repeat or comma-separate")
    p.add_argument("--count", type=int, default=1000, help="measured messages per condition and boot")
    p.add_argument("--blocking-count", type=_blocking_count, default=None,
                   help="count for blocking mode (default: --count), or one per idle level: "
                        "1000:10000,100000:500")
    p.add_argument("--boots", type=int, default=3, help="boots (tcg) or process pairs (native) per condition")
    p.add_argument("--warmup", type=int, default=100, help="warm-up messages before the measured ones")
    p.add_argument("--mode-count", type=_mode_counts, default=None, dest="mode_counts",
                   help="a count for some modes other than blocking: pingpong=20000,pingpong-spin=20000")
    p.add_argument("--idle-us", type=_idle_us, default=1000,
                   help="blocking: idle time after verified sleep; a comma-separated list runs "
                        "blocking mode at each level")
    p.add_argument("--bench-variant", default=None,
                   help="a wait-design build of the benchmark (make -C csrc variants), for the "
                        "A/B of the harness's waits (benchmarks/waits.py)")
    p.add_argument("--timeout-ms", type=int, default=1000, help="a message not seen within this is a failure")
    p.add_argument("--writer-cpu", type=int, default=0)
    p.add_argument("--reader-cpu", type=int, default=1)
    p.add_argument("--seed", type=int, default=1, help="seed of the per-boot condition order")
    p.add_argument("--tcg-threads", choices=("multi", "single"), default="multi")
    p.add_argument("--host-cpus", type=lambda x: [int(c) for c in _csv(x)], default=None,
                   help="tcg: pin vCPU n to host CPU n of this list (default 0,1)")
    p.add_argument("--path-lengths", action="store_true",
                   help="tcg: a counting run: the QEMU plugin counts instructions and events per "
                        "message (pathlen/ tables, no latency samples; data/README.md)")
    p.add_argument("--boot-timeout", type=float, default=None, help="seconds per boot (default: estimated)")
    p.add_argument("--out", default=str(builds.ROOT / "data" / "runs"), help="parent folder of run directories")
    p.add_argument("--run-id", default=None)
    p.add_argument("--no-progress", action="store_true")


def cmd_run(a) -> int:
    from . import runner

    flat = lambda xs: [y for x in xs for y in x]  # noqa: E731
    exp = plan.Experiment(platforms=flat(a.platform), mechanisms=flat(a.mechanism), modes=flat(a.mode),
                          count=a.count, blocking_count=a.blocking_count, boots=a.boots, warmup=a.warmup,
                          idle_us=a.idle_us, timeout_ms=a.timeout_ms, writer_cpu=a.writer_cpu,
                          reader_cpu=a.reader_cpu, seed=a.seed, tcg_threads=a.tcg_threads,
                          boot_timeout_s=a.boot_timeout, host_cpus=a.host_cpus,
                          bench_variant=a.bench_variant, path_lengths=a.path_lengths,
                          mode_counts=a.mode_counts)
    run_dir = runner.run(exp, Path(a.out), run_id=a.run_id, progress=not a.no_progress,
                         log=lambda m: print(m, file=sys.stderr))
    if exp.path_lengths:        # a counting run has no samples (uintrlab.pathlen)
        meta = json.loads((run_dir / "metadata.json").read_text())
    else:
        meta, _ = data.load_run(run_dir) if data.sample_files(run_dir) else (None, None)
    print(run_dir)
    if meta is None or meta["status"] != "complete":
        print(f"run finished with problems; see {run_dir / 'metadata.json'}", file=sys.stderr)
        return 2
    return 0


def cmd_path_lengths(a) -> int:
    from . import pathlen_report as R

    t = R.tables(a.run_dirs)
    table = R.overview(t, a.mode)
    print(R.markdown(table) if a.markdown else table.to_string(index=False))
    return 0


def cmd_summarize(a) -> int:
    from . import summary

    metas, df = data.load_runs(a.run_dirs)
    print(summary.table_markdown(df) if a.markdown else summary.table_text(df))
    if a.results:
        print(summary.results_blocks(df))
    return 0


def cmd_speedup(a) -> int:
    import json

    from . import samples, stats

    # the conditions from the label columns alone, then only the two compared conditions'
    # rows and the columns the statistics read
    platform = stats.check_selection(data.run_conditions(a.run_dirs), a.mechanism, a.baseline,
                                     a.mode, a.platform)
    _, df = data.load_runs(a.run_dirs, columns=samples.STATS_COLUMNS,
                           where={"platform": [platform], "mode": [a.mode],
                                  "mechanism": [a.mechanism, a.baseline]})
    res = stats.compare(df, a.mechanism, baseline=a.baseline, mode=a.mode, platform=platform,
                        outliers=a.outliers, outlier_param=a.outlier_param, alpha=a.alpha,
                        n_boot=a.n_boot, seed=a.seed)
    print(json.dumps(res.as_json(), indent=2, allow_nan=False))
    return 0


def cmd_conformance(a) -> int:
    from . import conformance

    if a.readme:
        changed = conformance.update_readmes()
        print("\n".join(f"updated {p.relative_to(builds.ROOT)}" for p in changed)
              or "the READMEs' case lists match uintr-conformance --list")
        return 0
    suites = list(conformance.SUITES) if a.suite == "all" else [a.suite]
    results = []
    for name in suites:
        print(f"conformance: booting the guest for suite '{name}'", file=sys.stderr, flush=True)
        results.append(conformance.run_suite(name, Path(a.out) if a.out else None, tuple(a.cases),
                                             timeout=a.timeout))
    print(conformance.report(results))
    return 0 if all(r.ok for r in results) else 2


def cmd_report(a) -> int:
    import shlex

    from . import report

    out = report.write_report(a.run_dirs, a.out, baseline=a.baseline, alpha=a.alpha,
                              n_boot=a.bootstrap, outliers=a.outliers,
                              outlier_param=a.outlier_param, seed=a.seed,
                              mechanisms=a.mechanisms, figures_dir=a.figures_dir,
                              cache=not a.no_cache,
                              command="python -m uintrlab " + shlex.join(a.argv),
                              log=(lambda m: None) if a.quiet
                              else (lambda m: print(m, file=sys.stderr)))
    print(out)
    return 0


def cmd_provenance(a) -> int:
    import json

    from . import provenance as P

    if a.check is None:
        cur = P.current()
        print(json.dumps(cur, indent=2) if a.json else P.summary_text(cur))
        return 0
    metas = [P.read_metadata(r) for r in a.check]       # every RUN named before any work
    cur = P.current()
    found = [P.check_run(m, cur) for m in metas]
    if a.json:
        print(json.dumps({"current": cur, "runs": {r: {"matches": P.matches(f),
                                                      "findings": [x.as_dict() for x in f]}
                                                  for r, f in zip(a.check, found)}}, indent=2))
    else:
        print("\n".join(P.check_text(r, f, cur) for r, f in zip(a.check, found)))
    return 0 if all(P.matches(f) for f in found) else 3


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m uintrlab", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    _add_run(sub)
    s = sub.add_parser("summarize", help="per-condition table of a run (the study's columns and more)")
    s.add_argument("run_dirs", nargs="+")
    s.add_argument("--results", action="store_true", help="also print ipc-bench RESULTS blocks")
    s.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    pl = sub.add_parser("path-lengths", help="a counting run's instructions and events per message, "
                                             "one mode per mechanism (notebook 04 has every table)")
    pl.add_argument("run_dirs", nargs="*", help="counting runs (default: the most recent under data/runs)")
    pl.add_argument("--mode", default="blocking")
    pl.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    sp = sub.add_parser("speedup", help="speedup of a mechanism over a baseline, with intervals and tests (JSON)")
    sp.add_argument("run_dirs", nargs="+")
    sp.add_argument("--mechanism", required=True)
    sp.add_argument("--baseline", default="eventfd")
    sp.add_argument("--mode", default="blocking")
    sp.add_argument("--platform", default=None, help="needed when the runs hold several platforms")
    sp.add_argument("--outliers", default="none", help="none, tukey, mad or trim")
    sp.add_argument("--outlier-param", type=float, default=None, help="tukey k, mad threshold, trim percent")
    sp.add_argument("--alpha", type=float, default=0.05)
    sp.add_argument("--n-boot", type=int, default=2000, help="bootstrap iterations (>= 1000)")
    sp.add_argument("--seed", type=int, default=12345)
    c = sub.add_parser("conformance", help="boot the guest and run the UINTR conformance suite")
    c.add_argument("--suite", default="all", help="uintr (-cpu max), no-uintr (-cpu max,-uintr) or all")
    c.add_argument("--out", default=None, help="folder for console logs and outputs (default csrc/build/conformance-runs)")
    c.add_argument("--timeout", type=float, default=1800.0, help="seconds per boot")
    c.add_argument("--readme", action="store_true",
                   help="boot nothing: write the case list of uintr-conformance --list into "
                        "README.md and csrc/conformance/README.md (between their markers)")
    c.add_argument("cases", nargs="*", help="run only these cases")
    rp = sub.add_parser("report", help="one self-contained HTML page: every table and figure of the "
                                       "analysis, the study beside ours, the Hoefler-Belli checklist")
    rp.add_argument("run_dirs", nargs="*", help="run directories (default: the most recent under data/runs)")
    rp.add_argument("--out", default=None, help="HTML file (default: reports/report-<run ids>.html)")
    rp.add_argument("--baseline", default="eventfd", help="mechanism the others are compared with")
    rp.add_argument("--mechanisms", type=_csv, default=None, help="only these (comma-separated)")
    rp.add_argument("--alpha", type=float, default=0.05, help="family-wise level (Holm); intervals at 1 - alpha")
    rp.add_argument("--bootstrap", "--n-boot", dest="bootstrap", type=int, default=2000,
                    help="bootstrap iterations (>= 1000)")
    rp.add_argument("--outliers", default="none", help="primary outlier rule: none, tukey, mad or trim")
    rp.add_argument("--outlier-param", type=float, default=None, help="tukey k, mad threshold, trim percent")
    rp.add_argument("--seed", type=int, default=12345)
    rp.add_argument("--figures-dir", default=None, help="also save the figures here (PDF, PNG, SVG)")
    rp.add_argument("--quiet", action="store_true", help="no progress on stderr")
    rp.add_argument("--no-cache", action="store_true",
                    help="recompute the analysis even if one for the same samples, parameters "
                         "and code is cached (under $UINTRLAB_CACHE/analysis)")
    pv = sub.add_parser("provenance", help="what the artifact is built from here and now (QEMU, kernel, "
                                           "Debian versions and checksums, patch series, Python lock, "
                                           "gcc, git); --check: were runs made with it?")
    pv.add_argument("--json", action="store_true", help="print JSON")
    pv.add_argument("--check", nargs="+", metavar="RUN", default=None,
                    help="compare these run directories' recorded QEMU and kernel provenance with "
                         "the current builds; exit status 3 if a recorded field differs")
    argv = sys.argv[1:] if argv is None else list(argv)
    a = ap.parse_args(argv)
    a.argv = argv
    try:
        return {"run": cmd_run, "summarize": cmd_summarize, "path-lengths": cmd_path_lengths,
                "speedup": cmd_speedup,
                "conformance": cmd_conformance, "report": cmd_report,
                "provenance": cmd_provenance}[a.cmd](a)
    except (ValueError, builds.MissingBuild, FileExistsError) as e:  # ConformanceError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
