"""The A/B of the harness's own waits (prints numbers; not a test).

    python benchmarks/waits.py run [--boots 3] [--count 3000] [--blocking-count 300] [--out DIR]
    python benchmarks/waits.py table RUN_DIR [RUN_DIR ...]

Every loop that spins in or beside the measured path (a polling reader, the writer waiting
for the reader's acknowledgement, the writer watching the reader fall asleep) is built in
several wait designs (csrc/bench/wait.h: pause, plain, futex; `make -C csrc variants`).
`run` measures every mechanism in every mode with each design, on tcg and natively, one
run per design (the same seeded condition order in each); `table` prints, per platform,
mechanism and mode, the median over boots of the per-boot median latency under each
design, each design's ratio to the `pause` design (the harness's first), the spread of
the per-boot medians, and per platform the geometric mean of those ratios: the design
that disturbs the mechanisms least is the one whose latencies are lowest, since a wait
that takes the emulator's global lock can only add to what it measures.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ab  # noqa: E402  (benchmarks/ab.py)
from uintrlab import profiles, provenance, runner  # noqa: E402
from uintrlab.plan import Experiment  # noqa: E402

DESIGNS = ("pause", "plain", "futex")
REFERENCE = "pause"


def cmd_run(a) -> int:
    status = 0
    for design in a.designs:
        exp = Experiment(platforms=a.platforms, mechanisms=profiles.ALL_MECHANISMS, modes=profiles.ALL_MODES,
                         count=a.count, blocking_count=a.blocking_count, boots=a.boots, warmup=100,
                         seed=a.seed, bench_variant=design)
        run_dir = runner.run(exp, Path(a.out), run_id=f"{a.prefix}-{design}", progress=not a.quiet,
                             log=lambda m: print(m, file=sys.stderr))
        print(run_dir)
        status |= 0 if provenance.read_metadata(run_dir).get("status") == "complete" else 2
    return status


def design_of(meta: dict) -> str:
    """The wait design a run's benchmark was built with (as each condition recorded it)."""
    seen = {c.get("wait_design") for b in meta["boots"] for c in b["conditions"].values()} - {None}
    if len(seen) != 1:
        raise SystemExit(f"run {meta.get('run_id')}: wait designs {sorted(seen) or 'not recorded'}; "
                         "expected one per run")
    return seen.pop()


def cmd_table(a) -> int:
    t, summary = ab.table(a.run_dirs, design_of, DESIGNS, REFERENCE)
    ab.print_table(t, summary, REFERENCE, a.markdown)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="one run per wait design")
    r.add_argument("--designs", type=lambda s: s.split(","), default=list(DESIGNS))
    r.add_argument("--platforms", type=lambda s: s.split(","), default=["tcg", "native"])
    r.add_argument("--boots", type=int, default=3)
    r.add_argument("--count", type=int, default=3000)
    r.add_argument("--blocking-count", type=int, default=300)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "data" / "runs"))
    r.add_argument("--prefix", default="waits")
    r.add_argument("--quiet", action="store_true")
    t = sub.add_parser("table", help="the A/B table of runs made by 'run'")
    t.add_argument("run_dirs", nargs="+")
    t.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    bad = [d for d in getattr(a, "designs", []) if d not in DESIGNS]
    if bad:
        ap.error(f"--designs: unknown {bad} (choose from {', '.join(DESIGNS)})")
    return {"run": cmd_run, "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
