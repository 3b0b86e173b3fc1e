"""What else the host was doing while a boot ran (Hoefler & Belli, rule 9: document the
varying factors). This is a shared 2-core machine: a boot whose latencies were measured
while other work took a core is not comparable with one on a quiet host.

:func:`snapshot` reads the host's CPU time counters (``/proc/stat``: busy, idle, steal)
and the CPU time of this process and its waited-for children (the boot's QEMU or
benchmark processes); :func:`between` turns two snapshots into the boot's record:
wall time, the host's busy CPU-seconds, our own share, the rest ("other"), that rest as
an average number of busy cores, steal time, and the 1-minute load average at the end;
and per host CPU its busy and steal seconds (``per_cpu``), which the runner sets beside the
CPU time of the vCPU thread pinned there (uintrlab.pinning) to tell what else ran on it.

The host's counters are sampled at clock ticks while our own CPU time is the scheduler's
exact runtime, so the two disagree by a few per cent of the boot's CPU time (measured: a
quick-profile boot recorded 8.27 s of its own against 7.68 s for the whole host). "Other"
is therefore clipped at zero, and other loads below about 0.1 core are within that noise;
what it is for is telling a quiet boot from one that shared the host with a build.
"""
from __future__ import annotations

import os
import resource
import time
from pathlib import Path

PROC_STAT = Path("/proc/stat")


def _times(fields: list[str]) -> dict[str, float]:
    v = [int(x) for x in fields] + [0] * 10
    user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
    hz = os.sysconf("SC_CLK_TCK")
    return {"busy": (user + nice + system + irq + softirq) / hz,
            "idle": (idle + iowait) / hz, "steal": steal / hz}


def _cpu_seconds(stat_text: str) -> dict[str, float]:
    """Busy, idle (idle + iowait) and steal seconds from /proc/stat's aggregate line,
    and the same per host CPU under "per_cpu" ({"0": {...}, ...})."""
    total, per_cpu = None, {}
    for line in stat_text.splitlines():
        f = line.split()
        if f and f[0] == "cpu":
            total = _times(f[1:])
        elif f and f[0].startswith("cpu") and f[0][3:].isdigit():
            per_cpu[f[0][3:]] = _times(f[1:])
    if total is None:
        raise ValueError("no aggregate 'cpu' line in /proc/stat")
    return {**total, "per_cpu": per_cpu}


def snapshot(stat_path: Path = PROC_STAT) -> dict:
    own = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    try:
        cpu = _cpu_seconds(Path(stat_path).read_text())
    except (OSError, ValueError):
        cpu = None
    return {"t": time.monotonic(), "cpu": cpu,
            "own": sum(r.ru_utime + r.ru_stime for r in own)}


def between(a: dict, b: dict) -> dict:
    """The record of the interval from snapshot ``a`` to snapshot ``b`` (rounded)."""
    wall = max(b["t"] - a["t"], 1e-9)
    own = max(b["own"] - a["own"], 0.0)
    rec = {"wall_s": round(wall, 3), "own_cpu_s": round(own, 3)}
    if a["cpu"] and b["cpu"]:
        busy = b["cpu"]["busy"] - a["cpu"]["busy"]
        other = max(busy - own, 0.0)
        rec.update(host_busy_cpu_s=round(busy, 3), other_busy_cpu_s=round(other, 3),
                   other_load_cores=round(other / wall, 3),
                   steal_s=round(b["cpu"]["steal"] - a["cpu"]["steal"], 3))
        pa, pb = a["cpu"].get("per_cpu", {}), b["cpu"].get("per_cpu", {})
        if pa and pb:
            rec["per_cpu"] = {c: {"busy_s": round(pb[c]["busy"] - pa[c]["busy"], 3),
                                  "steal_s": round(pb[c]["steal"] - pa[c]["steal"], 3)}
                              for c in sorted(pb, key=int) if c in pa}
    try:
        rec["loadavg_1m"] = os.getloadavg()[0]
    except OSError:
        pass
    return rec
