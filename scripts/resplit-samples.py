"""Split a run's samples files that are larger than a size limit into row-range parts
(``<platform>-<boot>-p<k>.parquet``; uintrlab.data.resplit does it and checks it), then
check that the whole run loads back identical, column by column and row by row.

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
    try:
        _, before = data.load_run(run)
        done = data.resplit(run, a.max_bytes, a.rows)
    except data.DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not done:
        print(f"{run}: no whole-boot samples file over {a.max_bytes} bytes")
        return 0
    _, after = data.load_run(run)
    pd.testing.assert_frame_equal(before, after)
    for name, parts in done:
        print(f"{name} -> {', '.join(parts)}")
    print(f"{run}: {len(after)} rows load back identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
