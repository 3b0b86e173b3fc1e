#!/usr/bin/env python3
"""Do two code versions compute the same analysis, to the last digit?

    scripts/compare-analyses.py --old DIR --new DIR RUN_DIR [--n-boot N] [--seed S]
                                [--outliers RULE] [--outlier-param X] [--keep DIR]
    scripts/compare-analyses.py A.pkl B.pkl

The first form runs the full analysis of RUN_DIR with the code of each checkout (old,
then new; same parameters and seed) through ``benchmarks/analysis.py --dump``, which also
prints each version's wall time and peak memory, then compares the dumps; the second form
compares two dumps made earlier. Compared exactly (no tolerance; NaN equals NaN, types
must agree): every table of the analysis (descriptives with and without the primary
outlier rule, outlier counts, speedups, sensitivity, power, per-boot medians: values,
dtypes, index and column names) and every comparison under every outlier rule (each
field of its JSON form). Exit status 0 when everything agrees, 1 otherwise.
"""
from __future__ import annotations

import argparse
import math
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def diff_values(a, b, path: str, out: list[str]) -> int:
    """Append the differences between a and b to out; return how many scalars were
    compared."""
    if isinstance(a, dict) and isinstance(b, dict):
        n = 0
        if list(a) != list(b):
            out.append(f"{path}: keys differ: only old {sorted(set(a) - set(b))}, only new "
                       f"{sorted(set(b) - set(a))}" if set(a) != set(b)
                       else f"{path}: key order differs")
        for k in a:
            if k in b:
                n += diff_values(a[k], b[k], f"{path}.{k}", out)
        return n
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            out.append(f"{path}: lengths {len(a)} and {len(b)}")
        return sum(diff_values(x, y, f"{path}[{i}]", out) for i, (x, y) in enumerate(zip(a, b)))
    if type(a) is not type(b):
        out.append(f"{path}: types {type(a).__name__} and {type(b).__name__} ({a!r}, {b!r})")
        return 1
    same = a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
    if not same:
        out.append(f"{path}: {a!r} != {b!r}")
    return 1


def compare_dumps(old: dict, new: dict) -> tuple[list[str], list[str]]:
    """(differences, summary lines)."""
    out, summary = [], []
    if old["params"] != new["params"]:
        out.append(f"params differ: {old['params']} and {new['params']}")
    for name in old["tables"]:
        a, b = old["tables"][name], new["tables"].get(name)
        if b is None:
            out.append(f"table {name}: missing in new")
            continue
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError as e:
            out.append(f"table {name}: {e}")
        summary.append(f"table {name}: {a.shape[0]} rows x {a.shape[1]} columns "
                       f"({a.size} values)")
    n = diff_values(old["results"], new["results"], "results", out)
    summary.append(f"primary comparisons (with Holm): {len(old['results'])}, {n} values")
    for rule, res in old["results_by_rule"].items():
        n = diff_values(res, new["results_by_rule"].get(rule, []), f"results_by_rule[{rule}]",
                        out)
        summary.append(f"comparisons under rule {rule}: {len(res)}, {n} values")
    n = diff_values(old["skipped"], new["skipped"], "skipped", out)
    return out, summary


def dump_with(code: Path, run: Path, dump: Path, n_boot: int, seed: int, extra: list) -> None:
    argv = [sys.executable, str(ROOT / "benchmarks" / "analysis.py"), str(run), "--code",
            str(code), "--dump", str(dump), "--n-boot", str(n_boot), "--seed", str(seed),
            "--no-speedup", *extra]
    print("$ " + " ".join(argv), flush=True)
    subprocess.run(argv, check=True)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="RUN_DIR with --old/--new, or two dumps")
    ap.add_argument("--old", default=None, help="checkout of the old code")
    ap.add_argument("--new", default=str(ROOT), help="checkout of the new code (default: this)")
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--outliers", default="none", help="primary outlier rule")
    ap.add_argument("--outlier-param", type=float, default=None)
    ap.add_argument("--keep", default=None, help="directory for the dumps (default: temporary)")
    a = ap.parse_args(argv)
    if a.old:
        if len(a.inputs) != 1:
            ap.error("with --old give one RUN_DIR")
        tmp = Path(a.keep or tempfile.mkdtemp(prefix="compare-analyses-"))
        tmp.mkdir(parents=True, exist_ok=True)
        paths = [tmp / "old.pkl", tmp / "new.pkl"]
        for code, path in zip((a.old, a.new), paths):
            extra = ["--outliers", a.outliers] + ([] if a.outlier_param is None else
                                                  ["--outlier-param", str(a.outlier_param)])
            dump_with(Path(code).resolve(), Path(a.inputs[0]).resolve(), path, a.n_boot, a.seed,
                      extra)
    elif len(a.inputs) == 2:
        paths = [Path(p) for p in a.inputs]
    else:
        ap.error("give --old DIR and one RUN_DIR, or two dump files")
    old, new = (pickle.loads(p.read_bytes()) for p in paths)
    diffs, summary = compare_dumps(old, new)
    print(f"# {paths[0]} vs {paths[1]}: {old['messages']:,} messages, params {old['params']}")
    print("\n".join(summary))
    if diffs:
        print(f"DIFFERENT: {len(diffs)} difference(s)")
        print("\n".join(diffs[:50]))
        return 1
    print("IDENTICAL: every table and every comparison under every rule agree exactly")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
