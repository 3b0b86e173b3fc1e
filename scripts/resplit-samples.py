"""Split a run's samples files that are larger than a size limit into row-range parts
(``<platform>-<boot>-p<k>.parquet``, see uintrlab.data), checking that the run loads back
identical, column by column and row by row, before any original is removed.

    .venv/bin/python scripts/resplit-samples.py data/runs/<id> [--max-bytes N] [--rows N]

New runs are written in parts by the runner already (more than data.PART_ROWS messages a
boot); this is for runs written before that.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from uintrlab import data  # noqa: E402

MIB = 1 << 20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--max-bytes", type=int, default=5 * MIB,
                    help="split files larger than this (default 5 MiB)")
    ap.add_argument("--rows", type=int, default=data.PART_ROWS, help="messages per part")
    a = ap.parse_args(argv)
    run = Path(a.run_dir)
    _, before = data.load_run(run)
    big = [f for f in data.sample_files(run) if f.stat().st_size > a.max_bytes]
    if not big:
        print(f"{run}: no samples file over {a.max_bytes} bytes")
        return 0
    staged = []
    for f in big:
        df = data.read_samples(f)
        plat, boot = df["platform"].iloc[0], int(df["boot"].iloc[0])
        parts = data.write_boot_samples(df, run / "staging", plat, boot, max_rows=a.rows)
        back = pd.concat([data.read_samples(p) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(df, back)      # before any original is touched
        staged.append((f, parts))
    for f, parts in staged:            # swap: parts in, original out
        for p in parts:
            p.replace(run / data.SAMPLES_DIR / p.name)
        f.unlink()
    (run / "staging" / data.SAMPLES_DIR).rmdir()
    (run / "staging").rmdir()
    _, after = data.load_run(run)
    pd.testing.assert_frame_equal(before, after)
    for f, parts in staged:
        sizes = ", ".join(f"{(run / data.SAMPLES_DIR / p.name).stat().st_size / 1e6:.1f}"
                          for p in parts)
        print(f"{f.name} -> {len(parts)} parts ({sizes} MB)")
    print(f"{run}: {len(after)} rows load back identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
