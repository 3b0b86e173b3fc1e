"""Our QEMU's UINTR emulation tested without a guest kernel (csrc/baremetal): the
architectural faults, the UPID/UITT checks and notification processing at CPL 0 that a
Linux guest never exercises, and SENDUIPI racing locked guest instructions on two vCPUs
under multi-threaded and single-threaded TCG."""
import re
import subprocess

import pytest

from uintrlab import builds, runner

pytestmark = pytest.mark.guest

ELF = builds.CSRC / "build" / "baremetal" / "uintr-test.elf"


def run(cpu, *extra):
    qemu = builds.component("qemu")
    cmd = [str(qemu)]
    for d in runner.QEMU_FIRMWARE:
        cmd += ["-L", d]
    cmd += ["-nodefaults", "-nic", "none", "-machine", "q35", "-m", "1G", "-display", "none",
            "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-kernel", str(ELF), "-cpu", cpu, *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    m = re.search(r"^uintr-test: (\d+) passed, (\d+) failed$", r.stdout, re.M)
    assert m, f"no summary line; QEMU status {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-2000:]}"
    fails = [ln for ln in r.stdout.splitlines() if ln.startswith("FAIL")]
    # isa-debug-exit: QEMU exits with (code << 1) | 1, so 1 means the test wrote 0
    return int(m.group(1)), fails, r.returncode


@pytest.fixture(scope="module", autouse=True)
def built(guest_platform):
    subprocess.run(["make", "-s", "-C", str(builds.CSRC), "baremetal"], check=True)


@pytest.mark.parametrize("threads", ["multi", "single"])
def test_two_vcpus(threads):
    passed, fails, rc = run("max", "-smp", "2", "-accel", f"tcg,thread={threads}", "-append", "smp")
    assert fails == [] and rc == 1
    assert passed >= 80


def test_one_vcpu():
    passed, fails, rc = run("max")
    assert fails == [] and rc == 1
    assert passed >= 60


def test_cpu_without_uintr():
    passed, fails, rc = run("max,-uintr")
    assert fails == [] and rc == 1
    assert passed >= 10
