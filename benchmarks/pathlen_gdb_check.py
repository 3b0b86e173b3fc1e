"""The path-length plugin's count of the writer's window beside a second method, gdb
single-stepping the guest (prints numbers; not a test).

    python benchmarks/pathlen_gdb_check.py [--mechanism eventfd] [--messages 3] [--out DIR]

Boot 1: the guest with the plugin and its block trace (``trace=``): per message, the
writer's window (t0 marker to notify-returned marker) counted and its blocks listed.
Boot 2: the same plan without the plugin, under QEMU's gdbstub: gdb single-steps the
writer's vCPU from each t0 marker to the notify-returned marker (QEMU masks interrupts
and timers while it steps) and records every address it stops at. Prints both counts per
message, then walks the plugin's blocks along gdb's addresses and names every place where
they differ: a rep-prefixed string instruction runs once more in QEMU (to find its count
zero) than gdb steps it, and a timer interrupt may land in boot 1's window.
"""
from __future__ import annotations

import argparse
import bisect
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from uintrlab import builds, pathlen, runner  # noqa: E402

GDB_SCRIPT = r'''
import os, time, gdb
T0, NOTIFIED = int(os.environ["T0"], 16), {int(a, 16) for a in os.environ["NOTIFIED"].split(",")}
gdb.execute("set pagination off")
gdb.execute("set architecture i386:x86-64")
for _ in range(100):            # until QEMU listens
    try:
        gdb.execute("target remote " + os.environ["GDB_ADDR"], to_string=True)
        break
    except gdb.error:
        time.sleep(0.1)
inf = gdb.selected_inferior()
pc = lambda: int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
m_t0, m_n = bytes.fromhex(os.environ["M_T0"]), bytes.fromhex(os.environ["M_NOTIFIED"])
for msg in range(int(os.environ["MESSAGES"])):
    gdb.execute("hbreak *%d" % T0, to_string=True)
    while True:     # the address may belong to another process: check the bytes
        gdb.execute("continue", to_string=True)
        if pc() == T0 and bytes(inf.read_memory(T0, 8)) == m_t0:
            break
    gdb.execute("delete", to_string=True)
    thread, pcs = gdb.selected_thread().num, []
    while not (pc() in NOTIFIED and bytes(inf.read_memory(pc(), 8)) == m_n):
        pcs.append(pc())
        gdb.execute("stepi", to_string=True)
        assert gdb.selected_thread().num == thread, "stepping left the writer's vCPU"
    with open(os.environ["PCS"] + ".%d" % msg, "w") as f:
        f.write("".join("%x\n" % p for p in pcs))
gdb.execute("detach", to_string=True)
'''


def marker(name: str) -> bytes:
    """A marker's 8 bytes, from csrc/bench/markers.h (the one definition)."""
    text = (builds.CSRC / "bench" / "markers.h").read_text()
    prefix = re.search(r"#define BENCH_MARK_PREFIX\s+([0-9a-fx, ]+)", text).group(1)
    disp = int(re.search(rf"#define BENCH_MARK_{name}\s+(0x[0-9a-f]+)", text).group(1), 16)
    return bytes(int(b, 16) for b in prefix.split(",")) + disp.to_bytes(4, "little")


def marker_addresses(binary: Path, m: bytes) -> list[str]:
    dis = subprocess.run(["objdump", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    hexes = " ".join(f"{b:02x}" for b in m[:7])     # objdump prints 7 bytes on the first line
    return [line.split(":")[0].strip() for line in dis.splitlines() if hexes in line]


class Symbols:
    def __init__(self, sysmap: Path):
        syms = sorted((int(a, 16), n) for a, t, n in (ln.split() for ln in sysmap.read_text().splitlines())
                      if t in "tTW")
        self.addrs, self.names = [a for a, _ in syms], [n for _, n in syms]

    def __call__(self, a: int) -> str:
        if a < 2**63:
            return f"user {a:#x}"
        i = bisect.bisect(self.addrs, a) - 1
        return f"{self.names[i]}+{a - self.addrs[i]:#x}"


def writer_windows(trace: Path, vcpu: int) -> list[tuple[int, list[tuple[int, int]]]]:
    """Per writer window in a plugin trace: the T0 block's instructions from T0 on, and the
    blocks executed until NOTIFIED."""
    wins, cur = [], None
    for line in trace.read_text().splitlines():
        f = line.split()
        if line.startswith(f"# {vcpu} T0 "):
            cur = (int(f[3].lstrip("(")), [])
            wins.append(cur)
        elif line.startswith(f"# {vcpu} NOTIFIED"):
            cur = None
        elif cur is not None and not line.startswith("#") and f[0] == str(vcpu) and f[1] == "W":
            cur[1].append((int(f[2], 16), int(f[3])))
    return wins


def align(window, pcs: list[int], sym) -> tuple[list[str], str | None]:
    """Walk the plugin's blocks along gdb's addresses: the extra executions of one
    instruction (a rep loop's final check) and the first other difference, if any."""
    tail, blocks = window
    k, extra = tail, []
    for a, n in blocks:
        if k < len(pcs) and pcs[k] == a:
            k += n
        elif n == 1 and pcs[k - 1] == a:
            extra.append(sym(a))
        else:
            return extra, f"plugin block {sym(a)} where gdb stepped {sym(pcs[k]) if k < len(pcs) else 'past the end'}"
    return extra, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mechanism", default="eventfd")
    ap.add_argument("--mode", default="blocking")
    ap.add_argument("--messages", type=int, default=3)
    ap.add_argument("--port", type=int, default=47613)
    ap.add_argument("--out", default=None, help="folder for both boots' files (default: a temporary one)")
    a = ap.parse_args()
    out = Path(a.out or tempfile.mkdtemp(prefix="pathlen-gdb-"))
    kdir = builds.build_dir("kernel")
    pathlen.check_plugin()
    pathlen.check_system_map(kdir / "System.map", kdir / "bzImage")
    args = ["--mechanism", a.mechanism, "--mode", a.mode, "--count", str(a.messages), "--warmup", "0",
            "--idle-us", "500"]
    plan = [(f"{a.mechanism}-{a.mode}", args)]

    b1 = out / "plugin"
    b1.mkdir(parents=True, exist_ok=True)
    arg = pathlen.plugin_arg(b1 / pathlen.OUTPUT_NAME, kdir / "System.map") + f",trace={b1 / 'trace.txt'}"
    o1 = runner.boot_guest(plan, b1, 300, plugin=arg)
    rows = pathlen.read_output(b1 / pathlen.OUTPUT_NAME).rows
    w = rows[rows["side"] == "W"].reset_index(drop=True)

    t0 = marker("T0")
    bench = builds.CSRC / "build" / "guest" / "uintr-bench"
    env = dict(os.environ, GDB_ADDR=f"127.0.0.1:{a.port}", MESSAGES=str(a.messages), PCS=str(out / "gdb-pcs"),
               T0=marker_addresses(bench, t0)[0], NOTIFIED=",".join(marker_addresses(bench, marker("NOTIFIED"))),
               M_T0=t0.hex(), M_NOTIFIED=marker("NOTIFIED").hex())
    script = out / "gdb-steps.py"
    script.write_text(GDB_SCRIPT)
    gdb = {}
    th = threading.Thread(target=lambda: gdb.update(p=subprocess.run(
        ["gdb", "-nx", "-batch", "-x", str(script)], env=env, capture_output=True, text=True, timeout=1200)))
    th.start()
    b2 = out / "gdb"
    b2.mkdir(exist_ok=True)
    o2 = runner.boot_guest(plan, b2, 1200, gdb=f"tcp:127.0.0.1:{a.port}")
    th.join()
    print(f"boot 1 (plugin): {o1.status}; boot 2 (gdb): {o2.status}; files in {out}")
    if gdb["p"].returncode:
        print(gdb["p"].stderr[-2000:])
        return 1
    sym = Symbols(kdir / "System.map")
    wins = writer_windows(b1 / "trace.txt", int(w["vcpu"][0]))
    print("message  plugin user+kernel (foreign)  gdb user+kernel  plugin's extra executions")
    for m in range(a.messages):
        pcs = [int(x, 16) for x in (out / f"gdb-pcs.{m}").read_text().split()]
        gu, gk = sum(p < 2**63 for p in pcs), sum(p >= 2**63 for p in pcs)
        extra, diff = align(wins[m], pcs, sym)
        r = w.iloc[m]
        print(f"{m:7d}  {r['insn_user']:5d} + {r['insn_kernel']:5d} ({r['foreign_insn']:5d})"
              f"        {gu:5d} + {gk:5d}    {', '.join(extra) or '-'}" + (f"; DIFFER: {diff}" if diff else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
