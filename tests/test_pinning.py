"""uintrlab.pinning: vCPU threads found by name, pinned to their host CPUs, their CPU time
sampled; a pinning that cannot be applied is a warning in the record, never silence."""
import os
import subprocess
import sys
import textwrap
import time

import pytest

from uintrlab import pinning

# a process with two threads named like QEMU's TCG vCPU threads; the first one burns CPU
FAKE_QEMU = textwrap.dedent("""
    import ctypes, threading, time
    libc = ctypes.CDLL(None)
    def vcpu(n, burn):
        libc.prctl(15, f"CPU {n}/TCG".encode(), 0, 0, 0)     # PR_SET_NAME
        t = time.monotonic()
        while time.monotonic() - t < 3:
            if not burn:
                time.sleep(0.01)
    ts = [threading.Thread(target=vcpu, args=(n, n == 0)) for n in range(2)]
    [t.start() for t in ts]
    [t.join() for t in ts]
""")


@pytest.fixture
def fake_qemu():
    p = subprocess.Popen([sys.executable, "-c", FAKE_QEMU])
    yield p
    p.kill()
    p.wait()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two host CPUs")
def test_vcpu_threads_are_pinned_to_their_host_cpus_and_sampled(fake_qemu):
    cpus = sorted(os.sched_getaffinity(0))[:2]
    pin = pinning.VcpuPinner(fake_qemu.pid, 2, cpus, interval=0.1)
    pin.start()
    time.sleep(1.0)
    tids = {n: r["tid"] for n, r in pin.record["vcpus"].items()}
    seen = {n: os.sched_getaffinity(t) for n, t in tids.items()}
    rec = pin.finish()
    assert rec["pinned"] and "warning" not in rec
    assert seen == {"0": {cpus[0]}, "1": {cpus[1]}}
    assert rec["vcpus"]["0"]["host_cpu"] == cpus[0] and rec["vcpus"]["1"]["host_cpu"] == cpus[1]
    assert rec["vcpus"]["0"]["cpu_s"] > rec["vcpus"]["1"]["cpu_s"] >= 0


def test_pinning_that_cannot_be_applied_is_a_warning(fake_qemu):
    allowed = sorted(os.sched_getaffinity(0))
    assert "usable CPU" in pinning.check_host_cpus(allowed, len(allowed) + 1)
    assert "repeats" in pinning.check_host_cpus([allowed[0], allowed[0]], 2)
    assert "not usable" in pinning.check_host_cpus([allowed[0], 4096], 2)
    assert pinning.check_host_cpus(allowed[:1], 1) is None
    pin = pinning.VcpuPinner(fake_qemu.pid, 2, [allowed[0], allowed[0]], interval=0.1)
    pin.start()
    time.sleep(0.5)
    rec = pin.finish()
    assert not rec["pinned"] and "repeats" in rec["warning"]
    assert all(r["host_cpu"] is None for r in rec["vcpus"].values())


def test_threads_that_never_appear_are_a_warning():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        rec = pinning.VcpuPinner(p.pid, 2, None, appear_timeout=0.3)
        rec.start()
        out = rec.finish()
    finally:
        p.kill()
        p.wait()
    assert not out["pinned"] and "found 0 of 2 vCPU threads" in out["warning"]
