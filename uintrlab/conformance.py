"""The UINTR conformance suite (csrc/conformance), run inside our guest under our QEMU.

Two suites, one boot each:
  uintr      CPU model `max` (has UINTR): the full suite;
  no-uintr   CPU model `max,-uintr`: every UINTR instruction must raise #UD (SIGILL)
             and every UINTR system call fail with EOPNOTSUPP.

The guest prints one line per case, `PASS <name>` or `FAIL <name>: <why>`, and a final
`N passed, M failed`. On top of the guest's own cases the host checks the guest kernel
log the guest saved after the suite (an oops or warning that came late is a failure).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import builds

# suite: (machine of uintrlab.qemu.MACHINES, the suite's arguments)
SUITES = {
    "uintr": ("conformance-uintr", []),
    "no-uintr": ("conformance-no-uintr", ["--no-uintr"]),
}
DEFAULT_OUT = builds.CSRC / "build" / "conformance-runs"
# what must never appear in the guest kernel log
KERNEL_LOG_BAD = ("Oops", "BUG:", "WARNING:", "general protection fault", "Call Trace",
                  "unchecked MSR access", "Kernel panic")
_CASE = re.compile(r"^(PASS|FAIL) (\S+)(?:: (.*))?$")
_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


class ConformanceError(ValueError):
    """Bad arguments (an unknown suite or case)."""


@dataclass
class Case:
    name: str
    passed: bool
    why: str = ""

    def line(self) -> str:
        return f"PASS {self.name}" if self.passed else f"FAIL {self.name}: {self.why}"


@dataclass
class SuiteResult:
    suite: str
    cpu: str
    cases: list[Case] = field(default_factory=list)
    status: str = "ok"          # the boot's outcome: ok | timeout | panic | crashed | no-results
    problem: str = ""
    out_dir: str = ""
    console_log: str | None = None
    wall_s: float = 0.0

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def failed(self) -> int:
        return sum(not c.passed for c in self.cases)

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.failed == 0 and self.passed > 0


def parse_output(text: str) -> tuple[list[Case], tuple[int, int] | None]:
    """The cases of the suite's output and its own `N passed, M failed` line (None when
    the suite did not finish). Other lines are ignored."""
    cases, summary = [], None
    for line in text.splitlines():
        line = line.strip()
        m = _CASE.match(line)
        if m:
            cases.append(Case(m.group(2), m.group(1) == "PASS", m.group(3) or ""))
            continue
        m = _SUMMARY.match(line)
        if m:
            summary = (int(m.group(1)), int(m.group(2)))
    return cases, summary


def kernel_log_problems(dmesg: str) -> list[str]:
    """Lines of a guest kernel log that show an oops, a warning or a bad MSR access. A
    user-mode fault the cases provoke on purpose ("traps: comm[pid] general protection
    fault ...") is not a kernel problem."""
    return [line.strip() for line in dmesg.splitlines()
            if "traps: " not in line and any(b in line for b in KERNEL_LOG_BAD)]


def run_suite(suite: str, out_dir: Path | None = None, cases: tuple[str, ...] = (),
              timeout: float = 1800.0, on_line=None) -> SuiteResult:
    """Boot the guest once with the CPU model of `suite` and run the conformance suite."""
    from . import qemu, runner

    if suite not in SUITES:
        raise ConformanceError(f"suite: unknown '{suite}' (choose from {', '.join(SUITES)})")
    for c in cases:
        if not re.fullmatch(r"[a-z0-9_]+", c):
            raise ConformanceError(f"cases: '{c}' is not a case name")
    machine_name, args = SUITES[suite]
    machine = qemu.machine(machine_name)
    cpu = machine.cpu
    out = Path(out_dir or DEFAULT_OUT) / suite
    if out.exists():
        for f in out.iterdir():
            if f.is_file():
                f.unlink()
    res = SuiteResult(suite, cpu, out_dir=str(out))
    outcome = runner.boot_guest([("conformance", args + list(cases))], out, timeout, on_line,
                                machine=machine)
    res.status, res.problem = outcome.status, outcome.problem
    res.console_log, res.wall_s = outcome.console_log, outcome.wall_s
    stdout = out / "conformance.stdout"
    text = stdout.read_text(errors="replace") if stdout.exists() else ""
    res.cases, summary = parse_output(text)
    if res.status == "ok":
        if summary is None:
            res.status, res.problem = "incomplete", "the suite printed no 'N passed, M failed' line"
        elif summary != (res.passed, res.failed):
            res.status, res.problem = "incomplete", (f"the suite reported {summary[0]} passed, {summary[1]} "
                                                     f"failed but printed {len(res.cases)} case lines")
        dmesg = out / "dmesg.txt"
        if dmesg.exists():
            bad = kernel_log_problems(dmesg.read_text(errors="replace"))
            res.cases.append(Case("host_kernel_log_clean", not bad, "; ".join(bad[:3])))
        else:
            res.cases.append(Case("host_kernel_log_clean", False, "the guest saved no kernel log"))
    return res


def report(results: list[SuiteResult]) -> str:
    """The lines `make conformance` prints: every case, each boot's problems, the total."""
    lines = []
    for r in results:
        lines.append(f"== suite {r.suite} (-cpu {r.cpu}), {r.wall_s:.0f} s, output in {r.out_dir}")
        lines += [c.line() for c in r.cases]
        if r.status != "ok":
            lines.append(f"FAIL boot ({r.suite}): {r.status}: {r.problem}; console log: {r.console_log}")
    passed = sum(r.passed for r in results)
    failed = sum(r.failed for r in results) + sum(r.status != "ok" for r in results)
    lines.append(f"{passed} passed, {failed} failed")
    return "\n".join(lines)
