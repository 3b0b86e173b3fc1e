"""Pipeline benchmarks (they print numbers; they are not tests).

    python benchmarks/pipeline.py [RUN_DIR ...]

Without RUN_DIR, runs a small tcg experiment first (every base mechanism, blocking with
--idle-us 1000, 2 boots). Prints, per platform and condition:
- blocking mode: wall time per message (goal <= 5 ms with idle_us = 1000; the study
  slept 100 ms per message);
- the guest's clock-read cost beside the smallest latency measured (goal <= 1 %).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from uintrlab import data, runner  # noqa: E402
from uintrlab.plan import Experiment  # noqa: E402


def per_condition(meta: dict, samples: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for b in meta["boots"]:
        for cid, rec in b["conditions"].items():
            if "duration_s" not in rec:
                continue
            mech, mode = cid.rsplit("-", 1)
            n = meta["params"]["blocking_count" if mode == "blocking" else "count"] + meta["params"]["warmup"]
            rows.append({"platform": b["platform"], "mechanism": mech, "mode": mode, "boot": b["boot"],
                         "ms_per_message": 1e3 * rec["duration_s"] / n, "clock_read_ns": rec["clock_read_ns"]})
    t = pd.DataFrame(rows).groupby(["platform", "mechanism", "mode"]).agg(
        ms_per_message=("ms_per_message", "median"), clock_read_ns=("clock_read_ns", "median"))
    ok = samples[samples["ok"] & ~samples["warmup"]]
    t["min_latency_ns"] = ok.groupby(["platform", "mechanism", "mode"], observed=True)["latency_ns"].min()
    t["clock_over_min_latency_pct"] = 100 * t["clock_read_ns"] / t["min_latency_ns"]
    return t


def main(argv: list[str]) -> int:
    if argv:
        dirs = argv
    else:
        exp = Experiment(platforms=["tcg"], mechanisms=["eventfd", "pipe", "futex", "spin"],
                         modes=["nonblocking", "blocking"], count=2000, blocking_count=200, boots=2,
                         idle_us=1000)
        dirs = [runner.run(exp, Path(tempfile.mkdtemp()), run_id="bench")]
    for d in dirs:
        meta, samples = data.load_run(d)
        print(f"# {d}")
        with pd.option_context("display.width", 160):
            print(per_condition(meta, samples).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
