"""What QEMU's plugin interface costs a timing run with no plugin loaded (prints numbers;
not a test).

    python benchmarks/plugin_overhead.py run [--boots 3] [--count 3000] [--out DIR]
    python benchmarks/plugin_overhead.py table RUN_DIR [RUN_DIR ...]

The artifact's QEMU is configured with --enable-plugins (the path-length counts need it);
`UINTRLAB_QEMU_PLUGINS=0 make qemu` builds the same QEMU without the interface. `run`
makes one tcg run with each build (every mechanism in every mode, the same seeded
condition order), `table` sets their per-boot medians side by side (benchmarks/ab.py):
the ratio 'plugins/no-plugins' is what the interface costs when no plugin is loaded.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import ab  # noqa: E402  (benchmarks/ab.py)

VARIANTS = ("no-plugins", "plugins")
REFERENCE = "no-plugins"


def variant_of(meta: dict) -> str:
    flags = meta["platforms"]["tcg"]["qemu"]["configure_flags"].split()
    return "plugins" if "--enable-plugins" in flags else "no-plugins"


def cmd_run(a) -> int:
    status = 0
    for variant in (VARIANTS if not a.reverse else VARIANTS[::-1]):
        env = dict(os.environ, UINTRLAB_QEMU_PLUGINS="1" if variant == "plugins" else "0")
        subprocess.run(["bash", str(ROOT / "env" / "build-qemu.sh")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        cmd = [sys.executable, "-m", "uintrlab", "run", "--platform", "tcg", "--mechanism", a.mechanisms,
               "--mode", a.modes, "--count", str(a.count), "--blocking-count", str(a.blocking_count),
               "--boots", str(a.boots), "--out", a.out, "--run-id", f"{a.prefix}-{variant}", "--no-progress"]
        status |= subprocess.run(cmd, env=dict(env, PYTHONPATH=str(ROOT)), cwd=ROOT).returncode
    return status


def cmd_table(a) -> int:
    t, summary = ab.table(a.run_dirs, variant_of, VARIANTS, REFERENCE)
    ab.print_table(t, summary, REFERENCE, a.markdown)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="one tcg run with each QEMU build")
    r.add_argument("--mechanisms", default="eventfd,uintr_event,uintr,futex,spin")
    r.add_argument("--modes", default="nonblocking,blocking,pingpong-spin")
    r.add_argument("--boots", type=int, default=3)
    r.add_argument("--count", type=int, default=3000)
    r.add_argument("--blocking-count", type=int, default=300)
    r.add_argument("--out", default="/tmp/uintrlab-plugin-overhead")
    r.add_argument("--prefix", default="plugin-overhead")
    r.add_argument("--reverse", action="store_true",
                   help="run the builds in the other order (a second round against drift over time)")
    t = sub.add_parser("table", help="the table of runs made by 'run'")
    t.add_argument("run_dirs", nargs="+")
    t.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    return {"run": cmd_run, "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
