"""Our QEMU's UINTR emulation tested without a guest kernel (csrc/baremetal): the
architectural faults, the UPID/UITT checks and notification processing at CPL 0 that a
Linux guest never exercises, and SENDUIPI racing locked guest instructions on two vCPUs
under multi-threaded and single-threaded TCG.

``make test`` runs each machine once with a tenth of the race iterations ('quick' on the
ELF's command line); ``make check-stress`` (pytest -m stress) runs the full counts."""
import re
import subprocess

import pytest

from uintrlab import builds, qemu

pytestmark = pytest.mark.guest

ELF = builds.CSRC / "build" / "baremetal" / "uintr-test.elf"
# the cases the ELF runs on each machine (every one must pass; the count is exact, so a
# case that silently stops running fails the test)
CASES = {"baremetal-smp": 82, "baremetal-up": 69, "baremetal-no-uintr": 10}


def run(machine: qemu.Machine, append: str = ""):
    cmd = qemu.command(machine, builds.component("qemu"), ELF, append=append)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    m = re.search(r"^uintr-test: (\d+) passed, (\d+) failed$", r.stdout, re.M)
    assert m, f"no summary line; QEMU status {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-2000:]}"
    fails = [ln for ln in r.stdout.splitlines() if ln.startswith("FAIL")]
    # isa-debug-exit: QEMU exits with (code << 1) | 1, so 1 means the test wrote 0
    return int(m.group(1)), fails, r.returncode


@pytest.fixture(scope="module", autouse=True)
def built(guest_platform):
    subprocess.run(["make", "-s", "-C", str(builds.CSRC), "baremetal"], check=True)


# make test: every case once; SMP races under both TCG threading models, fewer iterations
@pytest.mark.parametrize("name,threads", [("baremetal-smp", "multi"), ("baremetal-smp", "single"),
                                          ("baremetal-no-uintr", "multi")])
def test_baremetal(name, threads):
    passed, fails, rc = run(qemu.machine(name).but(tcg_threads=threads), "quick")
    assert fails == [] and rc == 1
    assert passed == CASES[name]


# make check-stress: the full race counts, and the one-vCPU machine
@pytest.mark.stress
@pytest.mark.parametrize("name,threads", [("baremetal-smp", "multi"), ("baremetal-smp", "single"),
                                          ("baremetal-up", "multi")])
def test_baremetal_stress(name, threads):
    passed, fails, rc = run(qemu.machine(name).but(tcg_threads=threads))
    assert fails == [] and rc == 1
    assert passed == CASES[name]
