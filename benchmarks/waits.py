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
import math
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from uintrlab import data, names, profiles, provenance, runner, samples  # noqa: E402
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


def per_boot_medians(run_dirs) -> pd.DataFrame:
    """Per (design, platform, mechanism, mode, boot): the median latency (µs) of the valid
    messages; the design from each condition's recorded wait design."""
    rows = []
    for d in run_dirs:
        meta, df = data.load_run(d)
        designs = {b["platform"]: {c.get("wait_design") for c in b["conditions"].values()} - {None}
                   for b in meta["boots"]}
        design = meta["params"].get("bench_variant") or "default"
        seen = set().union(*designs.values()) if designs else set()
        if len(seen) == 1:
            design = seen.pop()
        df = df[samples.valid_mask(df)]
        med = df.groupby(["platform", "mechanism", "mode", "boot"], observed=True)["latency_ns"].median()
        for (p, m, mode, b), v in med.items():
            rows.append({"design": design, "platform": p, "mechanism": m, "mode": mode, "boot": b,
                         "median_us": v / 1e3})
    return pd.DataFrame(rows)


def table(run_dirs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The A/B table (one row per platform, mechanism and mode) and the per-platform
    geometric mean of each design's ratio to the reference design."""
    pb = per_boot_medians(run_dirs)
    g = pb.groupby(["platform", "mechanism", "mode", "design"], observed=True)["median_us"]
    med = g.median().unstack("design")
    lo, hi = g.min().unstack("design"), g.max().unstack("design")
    designs = [d for d in DESIGNS if d in med.columns] + [d for d in med.columns if d not in DESIGNS]
    out = pd.DataFrame(index=med.index)
    for d in designs:
        out[f"{d} µs"] = med[d].round(2)
        out[f"{d} range"] = [f"{x:.2f}–{y:.2f}" for x, y in zip(lo[d], hi[d])]
    summary = {}
    if REFERENCE in med.columns:
        for d in designs:
            if d != REFERENCE:
                out[f"{d}/{REFERENCE}"] = (med[d] / med[REFERENCE]).round(3)
        for p in names.order(out.index.get_level_values("platform"), "platform"):
            sub = med.xs(p, level="platform")
            summary[p] = {d: math.exp((sub[d] / sub[REFERENCE]).map(math.log).mean())
                          for d in designs if sub[d].notna().all()}
    order = [(p, m, mode) for p in names.order(out.index.get_level_values(0), "platform")
             for m in names.order(out.index.get_level_values(1), "mechanism")
             for mode in names.order(out.index.get_level_values(2), "mode")
             if (p, m, mode) in out.index]
    return out.loc[order], pd.DataFrame(summary).T


def cmd_table(a) -> int:
    t, summary = table(a.run_dirs)
    with pd.option_context("display.width", 200, "display.max_rows", None, "display.max_columns", None):
        print(t.to_markdown() if a.markdown else t.to_string())
        print()
        print(f"geometric mean of each design's median ratio to '{REFERENCE}', per platform:")
        print(summary.round(3).to_markdown() if a.markdown else summary.round(3).to_string())
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
