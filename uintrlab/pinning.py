"""Pin each vCPU thread of a guest boot to its own host CPU, and say what else ran there.

QEMU is started with named threads (``-name ...,debug-threads=on``: a vCPU's thread is
called ``CPU <n>/TCG``). :class:`VcpuPinner` waits for those threads to appear, pins
vCPU ``n`` to ``host_cpus[n]`` (the guest's writer runs on vCPU 0, its reader on vCPU 1,
so the two never share a host CPU), then samples each vCPU thread's CPU time until QEMU
exits. QEMU's other threads (main loop, I/O) and the runner stay unpinned: on a host with
two CPUs nothing is left to give them, and the record says so.

When the pinning cannot be applied (fewer host CPUs than vCPUs, a CPU that does not
exist, threads that never appeared) the boot still runs: the record carries a
``warning`` and the runner logs it; it is never silent.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

THREAD_NAME = "CPU {n}/TCG"       # QEMU 7.2's name of a TCG vCPU thread (debug-threads=on)


def default_host_cpus(vcpus: int) -> list[int]:
    """vCPU n on host CPU n, among the CPUs this process may use."""
    allowed = sorted(os.sched_getaffinity(0))
    return allowed[:vcpus]


def check_host_cpus(host_cpus: list[int], vcpus: int) -> str | None:
    """Why this pinning cannot be applied here, or None."""
    allowed = os.sched_getaffinity(0)
    if len(allowed) < vcpus:
        return (f"the host has {len(allowed)} usable CPU(s) for {vcpus} vCPUs: "
                "vCPU threads share host CPUs (not pinned)")
    if len(host_cpus) < vcpus:
        return f"host_cpus {host_cpus} names fewer CPUs than the {vcpus} vCPUs (not pinned)"
    if len(set(host_cpus[:vcpus])) < vcpus:
        return f"host_cpus {host_cpus} repeats a CPU (not pinned)"
    missing = [c for c in host_cpus[:vcpus] if c not in allowed]
    if missing:
        return f"host CPU(s) {missing} are not usable here (allowed: {sorted(allowed)}; not pinned)"
    return None


def _threads(pid: int) -> dict[str, int]:
    """Thread name -> thread id of a process (empty once it has gone)."""
    out = {}
    try:
        for t in Path(f"/proc/{pid}/task").iterdir():
            try:
                out[(t / "comm").read_text().strip()] = int(t.name)
            except OSError:
                pass
    except OSError:
        pass
    return out


def thread_cpu_seconds(pid: int, tid: int) -> float | None:
    """User + system CPU time of one thread, or None if it has gone."""
    try:
        f = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


class VcpuPinner(threading.Thread):
    """Pins the vCPU threads of QEMU process ``pid`` and samples their CPU time."""

    def __init__(self, pid: int, vcpus: int, host_cpus: list[int] | None, *,
                 appear_timeout: float = 10.0, interval: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.vcpus = pid, vcpus
        self.host_cpus = list(host_cpus) if host_cpus is not None else default_host_cpus(vcpus)
        self.appear_timeout, self.interval = appear_timeout, interval
        self.record: dict = {"vcpus": {}, "host_cpus": self.host_cpus,
                             "unpinned": "QEMU's main-loop and I/O threads, the runner"}
        self._done = threading.Event()

    def run(self) -> None:
        why = check_host_cpus(self.host_cpus, self.vcpus)
        names = [THREAD_NAME.format(n=n) for n in range(self.vcpus)]
        deadline = time.monotonic() + self.appear_timeout
        tids: dict[str, int] = {}
        while time.monotonic() < deadline and not self._done.is_set():
            tids = {k: v for k, v in _threads(self.pid).items() if k in names}
            if len(tids) == self.vcpus:
                break
            time.sleep(0.01)
        if len(tids) < self.vcpus:
            why = why or (f"found {len(tids)} of {self.vcpus} vCPU threads ({', '.join(names)}) "
                          f"within {self.appear_timeout:.0f} s (not pinned)")
        for n, name in enumerate(names):
            tid = tids.get(name)
            rec = {"thread": name, "tid": tid, "host_cpu": None}
            if tid is not None and why is None:
                try:
                    os.sched_setaffinity(tid, {self.host_cpus[n]})
                    rec["host_cpu"] = self.host_cpus[n]
                except OSError as e:
                    why = f"sched_setaffinity({name}, {self.host_cpus[n]}): {e} (not all pinned)"
            self.record["vcpus"][str(n)] = rec
        if why:
            self.record["warning"] = why
        self.record["pinned"] = all(r["host_cpu"] is not None for r in self.record["vcpus"].values())
        # CPU time of each vCPU thread, sampled until QEMU exits (the last sample is kept)
        while not self._done.wait(self.interval):
            self._sample()
        self._sample()

    def _sample(self) -> None:
        for rec in self.record["vcpus"].values():
            if rec["tid"] is not None:
                s = thread_cpu_seconds(self.pid, rec["tid"])
                if s is not None:
                    rec["cpu_s"] = round(s, 3)

    def finish(self) -> dict:
        """Stop sampling; the record (call before QEMU's exit is reaped, if possible)."""
        self._done.set()
        self.join(self.appear_timeout + 2)
        return self.record
