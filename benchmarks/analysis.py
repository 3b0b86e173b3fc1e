"""Wall time and peak memory of the full analysis of a run (prints numbers; not a test).

    .venv/bin/python benchmarks/analysis.py RUN_DIR [--code DIR] [--dump FILE]
                                            [--n-boot N] [--seed S] [--outliers RULE]
                                            [--outlier-param X] [--workers N]
                                            [--no-speedup]

Measures, each in a fresh Python process started from the code at DIR (default: this
checkout; give an older checkout to measure that version on the same data):

* the full analysis as notebook 02 and the report compute it: ``analysis.validate_params``,
  ``analysis.load`` and ``analysis.analyse`` (no cache), the phases as the analysis
  reports them in ``Analysis.seconds``;
* one ``python -m uintrlab speedup`` call (uintr_event vs eventfd, tcg, non-blocking, or
  the run's first comparison when it lacks those), unless ``--no-speedup``.

Memory is the peak resident set of the process (``ru_maxrss``); where the analysis uses
worker processes, also the sum of every process' own peak (VmHWM: an upper bound of the
whole tree's, as the peaks need not coincide) and the peak of the summed proportional set
size (PSS: shared pages split between the processes sharing them); the peaks sampled
every 0.2 s, PSS every second. Goal for the full-profile run (20.8 M messages): at most
3 minutes and 3 GB.

``--dump FILE`` writes every number of the analysis (tables, every comparison under
every outlier rule) to FILE (pickle) for ``scripts/compare-analyses.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: runs in the child process, with the code under test first on sys.path
CHILD = r"""
import json, pickle, resource, sys, time
t0 = time.monotonic()
from uintrlab import analysis as A
t_import = time.monotonic() - t0
run, dump, n_boot, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
outliers, outlier_param = sys.argv[5], (float(sys.argv[6]) if sys.argv[6] else None)
workers = {"workers": int(sys.argv[7])} if sys.argv[7] else {}
t = time.monotonic()
p = A.validate_params(run, n_boot=n_boot, seed=seed, outliers=outliers,
                      outlier_param=outlier_param)
metas, s = A.load(p)
t_load = time.monotonic() - t
t = time.monotonic()
an = A.analyse(s, p, metas, **workers)
t_analyse = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
if dump:
    def plain(r):  # a compare() result as a dict, whatever the code version returns
        return dict(r) if isinstance(r, dict) else r.as_json()
    tables = {k: getattr(an, k) for k in ("descriptives", "descriptives_valid", "removed",
                                          "speedups", "sensitivity", "power", "boot_medians")}
    with open(dump, "wb") as f:
        pickle.dump({"messages": len(s), "params": p.as_dict(), "skipped": list(an.skipped),
                     "tables": tables, "results": [plain(r) for r in an.results],
                     "results_by_rule": {k: [plain(r) for r in v]
                                         for k, v in an.results_by_rule.items()}}, f)
print(json.dumps({"module": A.__file__, "messages": len(s), "import_s": t_import, "load_s": t_load,
                  "analyse_s": t_analyse, "phases": an.seconds, "ru_maxrss": rss}))
"""


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for t in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in t.read_text().split()]
            except OSError:
                pass
    return out


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _hwm(pid: int) -> int:
    """The process' peak resident set so far (VmHWM), bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def measure(argv: list[str], env: dict, cwd: Path) -> tuple[subprocess.CompletedProcess, float,
                                                          int, int]:
    """Run argv in cwd (the checkout measured: ``python -c`` puts the working directory
    first on sys.path); return (process, wall seconds, peak summed PSS of its tree,
    the sum of every process' own peak RSS (an upper bound of the tree's), number of
    processes seen in the tree)."""
    t = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak, hwm, done = [0], {}, threading.Event()

    def sample():
        n = 0
        while not done.wait(0.2):
            tree = _tree(proc.pid)
            for p in tree:
                hwm[p] = max(hwm.get(p, 0), _hwm(p))
            if n % 5 == 0:          # PSS once a second: smaps_rollup walks every mapping
                peak[0] = max(peak[0], sum(_pss(p) for p in tree))
            n += 1

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    return (subprocess.CompletedProcess(argv, proc.returncode, out, err),
            time.monotonic() - t, peak[0], sum(hwm.values()), max(1, len(hwm)))


#: runs one command line of ``python -m uintrlab`` and prints its peak RSS on stderr
CLI = r"""
import atexit, resource, runpy, sys
atexit.register(lambda: print("ru_maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                              * 1024, file=sys.stderr))
sys.argv = ["uintrlab", *sys.argv[1:]]
runpy.run_module("uintrlab", run_name="__main__")
"""


def speedup_args(run: Path) -> list[str]:
    """uintr_event vs eventfd on tcg, non-blocking; else the run's first condition pair."""
    import pyarrow.parquet as pq

    conds = set()
    for f in sorted((run / "samples").glob("*.parquet")):
        t = pq.read_table(f, columns=["platform", "mechanism", "mode"]).group_by(
            ["platform", "mechanism", "mode"]).aggregate([])
        conds |= set(zip(*(t.column(c).to_pylist() for c in ("platform", "mechanism", "mode"))))
    pick = ("tcg", "uintr_event", "nonblocking")
    if pick not in conds or ("tcg", "eventfd", "nonblocking") not in conds:
        pick = next(c for c in sorted(conds) if c[1] != "eventfd"
                    and (c[0], "eventfd", c[2]) in conds)
    return ["--platform", pick[0], "--mechanism", pick[1], "--mode", pick[2]]


def gb(x: float) -> str:
    return f"{x / 1e9:.2f} GB"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="run directory (data/runs/<id>)")
    ap.add_argument("--code", default=str(ROOT), help="checkout whose uintrlab is measured")
    ap.add_argument("--dump", default=None, help="write the analysis' numbers here (pickle)")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--outliers", default="none", help="primary outlier rule")
    ap.add_argument("--outlier-param", type=float, default=None)
    ap.add_argument("--workers", type=int, default=None,
                    help="analyse(workers=N) (default: the analysis' own default)")
    ap.add_argument("--no-speedup", action="store_true", help="skip the speedup command")
    ap.add_argument("--no-analysis", action="store_true", help="only the speedup command")
    a = ap.parse_args(argv)
    run, code = Path(a.run).resolve(), Path(a.code).resolve()
    if not (run / "samples").is_dir():
        ap.error(f"run: {run} has no samples/ directory")
    if not (code / "uintrlab" / "__init__.py").is_file():
        ap.error(f"--code: {code} holds no uintrlab package")
    env = dict(os.environ, PYTHONPATH=str(code), UINTRLAB_ANALYSIS_CACHE="0")
    commit = subprocess.run(["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(code), "status", "--porcelain", "uintrlab"],
                           capture_output=True, text=True).stdout.strip()
    print(f"# code {code} at {commit}{' (uintrlab modified)' if dirty else ''}; run {run}")
    print(f"# {os.cpu_count()} CPUs; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    dump = a.dump and str(Path(a.dump).resolve())
    if not a.no_analysis and analysis(a, run, code, env, dump):
        return 1
    if not a.no_speedup:
        args = speedup_args(run)
        p, wall, pss, hwm, procs = measure([sys.executable, "-c", CLI, "speedup", str(run),
                                            *args], env, code)
        if p.returncode:
            print(p.stderr, file=sys.stderr)
            return p.returncode
        rss = int(p.stderr.strip().splitlines()[-1].split()[1])
        print(f"speedup {' '.join(args)} (python -m uintrlab speedup):")
        print(f"  wall time   {wall:7.1f} s (the whole command)")
        print(f"  peak RSS    {gb(rss)}")
    print(f"# load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


def analysis(a, run: Path, code: Path, env: dict, dump: str | None) -> int:
    """The full analysis in a child process; prints its figures. Returns non-zero on
    failure."""
    p, wall, pss, hwm, procs = measure([sys.executable, "-c", CHILD, str(run), dump or "",
                                   str(a.n_boot), str(a.seed), a.outliers,
                                   "" if a.outlier_param is None else str(a.outlier_param),
                                   "" if a.workers is None else str(a.workers)],
                                  env, code)
    if p.returncode:
        print(p.stderr, file=sys.stderr)
        return p.returncode
    r = json.loads(p.stdout.strip().splitlines()[-1])
    if not Path(r["module"]).resolve().is_relative_to(code):
        print(f"error: measured {r['module']}, not the code under {code}", file=sys.stderr)
        return 1
    print(f"full analysis of {r['messages']:,} messages (n_boot {a.n_boot}, seed {a.seed}, "
          f"outliers {a.outliers}{'' if a.outlier_param is None else f'({a.outlier_param:g})'}):")
    print(f"  wall time   {r['load_s'] + r['analyse_s']:7.1f} s  (load {r['load_s']:.1f} s, "
          f"analyse {r['analyse_s']:.1f} s; process incl. imports {wall:.1f} s)")
    print("  phases      " + ", ".join(f"{k} {v:.1f} s" for k, v in r["phases"].items()))
    print(f"  peak RSS    {gb(r['ru_maxrss'])} (the analysing process); {gb(hwm)} the sum of "
          f"the peaks of all {procs} process(es) (an upper bound)")
    print(f"  peak PSS    {gb(pss)} summed over the processes (shared pages split)")
    if dump:
        print(f"  numbers in  {dump}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
