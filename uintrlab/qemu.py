"""Every way this artifact starts QEMU, as data: one table of machines, one command builder.

A :class:`Machine` says what a boot is (board, CPU model, vCPUs, memory, TCG threading,
firmware, the guest kernel's command line and which devices it has); :data:`MACHINES`
names the ones the artifact uses (the measurement guest, the conformance suites, the
bare-metal test); :func:`command` turns a machine and the files of one boot into the
argument list. The runner, the conformance suite and the bare-metal test read these and
spell no QEMU argument themselves; a run's metadata records the machine it used
(:meth:`Machine.as_dict`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

# where QEMU finds SeaBIOS and its option ROMs (Debian's seabios and qemu-system-data)
FIRMWARE = ("/usr/share/seabios", "/usr/share/qemu")
# the guest kernel's command line: serial console, reboot on panic (QEMU exits with
# -no-reboot), no page-table isolation (UINTR needs it off), the TSC as clocksource
KERNEL_CMDLINE = "console=ttyS0 panic=-1 pti=off clocksource=tsc tsc=reliable"
# the results disk of a guest boot (a raw virtio disk the guest writes a tar to)
RESULTS_DISK_BYTES = 1 << 30


@dataclass(frozen=True)
class Machine:
    """One kind of QEMU boot."""
    name: str
    purpose: str
    board: str = "q35"
    cpu: str = "max"
    vcpus: int = 2
    memory: str = "512M"
    tcg_threads: str = "multi"          # multi (one host thread per vCPU) or single
    kernel_cmdline: str = KERNEL_CMDLINE
    results_disk: bool = True           # the guest's virtio-blk results disk
    debug_exit: bool = False            # isa-debug-exit at port 0xf4 (bare-metal test)

    def but(self, **changes) -> "Machine":
        """This machine with some fields replaced (e.g. another CPU model)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "firmware": list(FIRMWARE)}


_GUEST = Machine("guest", "measurement guest: our kernel and the benchmark in an initramfs")
MACHINES: dict[str, Machine] = {m.name: m for m in (
    _GUEST,
    # the conformance suites: the guest with UINTR, and with the CPU's UINTR bit cleared
    _GUEST.but(name="conformance-uintr", purpose="conformance suite, CPU with UINTR"),
    _GUEST.but(name="conformance-no-uintr", cpu="max,-uintr",
               purpose="conformance suite, CPU without UINTR (every UINTR instruction #UD)"),
    # the bare-metal test (csrc/baremetal): a multiboot ELF, no Linux; 'smp' on its
    # command line runs the two-vCPU cases
    Machine("baremetal-smp", "bare-metal UINTR test, two vCPUs", memory="1G",
            kernel_cmdline="smp", results_disk=False, debug_exit=True),
    Machine("baremetal-up", "bare-metal UINTR test, one vCPU", vcpus=1, memory="1G",
            kernel_cmdline="", results_disk=False, debug_exit=True),
    Machine("baremetal-no-uintr", "bare-metal test, CPU without UINTR", cpu="max,-uintr", vcpus=1,
            memory="1G", kernel_cmdline="", results_disk=False, debug_exit=True),
)}


def machine(name: str) -> Machine:
    """A machine of the table by name; a clear error for an unknown one."""
    try:
        return MACHINES[name]
    except KeyError:
        raise ValueError(f"machine: {name!r} is unknown (choose from {', '.join(MACHINES)})") from None


def command(m: Machine, qemu: Path, kernel: Path, *, initrd: Path | None = None,
            disk: Path | None = None, append: str = "", name: str | None = None,
            plugin: str | None = None, gdb: str | None = None) -> list[str]:
    """The argument list of one boot of machine ``m``: ``kernel`` (a bzImage or a
    multiboot ELF), the guest's ``initrd`` and results ``disk`` when the machine has
    them, ``append`` added to its kernel command line, ``name`` the QEMU process name
    (with named threads, so that the runner can find and pin each vCPU's host thread),
    ``plugin`` a TCG plugin with its arguments (``path,arg=value,...``), ``gdb`` a device
    for QEMU's gdbstub (``tcp:127.0.0.1:PORT``; benchmarks/pathlen_gdb_check.py)."""
    if m.results_disk and disk is None:
        raise ValueError(f"machine {m.name}: needs a results disk")
    cmd = [str(qemu)]
    for d in FIRMWARE:
        cmd += ["-L", d]
    cmd += ["-nodefaults", "-nic", "none", "-machine", m.board, "-accel", f"tcg,thread={m.tcg_threads}",
            "-cpu", m.cpu, "-smp", str(m.vcpus), "-m", m.memory]
    if name:
        cmd += ["-name", f"{name},debug-threads=on"]
    if plugin:
        cmd += ["-plugin", plugin]
    if gdb:
        cmd += ["-gdb", gdb]
    cmd += ["-kernel", str(kernel)]
    if initrd is not None:
        cmd += ["-initrd", str(initrd)]
    line = f"{m.kernel_cmdline} {append}".strip()
    if line:
        cmd += ["-append", line]
    cmd += ["-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot"]
    if m.results_disk:
        cmd += ["-drive", f"file={disk},format=raw,if=none,id=results",
                "-device", "virtio-blk-pci,drive=results"]
    if m.debug_exit:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
    return cmd
