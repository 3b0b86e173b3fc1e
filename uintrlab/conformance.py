"""The UINTR conformance suite (csrc/conformance), run inside our guest under our QEMU.

Two suites, one boot each:
  uintr      CPU model `max` (has UINTR): the full suite;
  no-uintr   CPU model `max,-uintr`: every UINTR instruction must raise #UD (SIGILL)
             and every UINTR system call fail with EOPNOTSUPP.

The guest prints one line per case, `PASS <name>` or `FAIL <name>: <why>`, and a final
`N passed, M failed`. On top of the guest's own cases the host checks the guest kernel
log the guest saved after the suite (an oops or warning that came late is a failure).

The cases are listed by the suite binary itself (`uintr-conformance --list`, which runs
no case and no UINTR instruction, so it works on this host): `list_cases` reads that
list and `update_readmes` writes it into the READMEs between the markers `README_BEGIN`
and `README_END` (`python -m uintrlab conformance --readme`).
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import builds

# suite: (machine of uintrlab.qemu.MACHINES, the suite's arguments); suite_cpu() its CPU model
SUITES = {
    "uintr": ("conformance-uintr", []),
    "no-uintr": ("conformance-no-uintr", ["--no-uintr"]),
}
DEFAULT_OUT = builds.CSRC / "build" / "conformance-runs"
BINARY = builds.CSRC / "build" / "guest" / "uintr-conformance"
# the files with a case list generated from the binary, and what each shows
READMES = {builds.ROOT / "README.md": "summary", builds.CSRC / "conformance" / "README.md": "cases"}
README_BEGIN = ("<!-- conformance cases: generated from uintr-conformance --list by "
                "'python -m uintrlab conformance --readme'; do not edit by hand -->")
README_END = "<!-- end of conformance cases -->"
# what must never appear in the guest kernel log
KERNEL_LOG_BAD = ("Oops", "BUG:", "WARNING:", "general protection fault", "Call Trace",
                  "unchecked MSR access", "Kernel panic")
_CASE = re.compile(r"^(PASS|FAIL) (\S+)(?:: (.*))?$")
_SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


def suite_cpu(suite: str) -> str:
    """The CPU model (-cpu) a suite boots with, from its machine."""
    from . import qemu

    return qemu.machine(SUITES[suite][0]).cpu


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


@dataclass(frozen=True)
class ListedCase:
    """One line of `uintr-conformance --list`."""
    name: str
    topic: str
    summary: str


def parse_list(text: str, source: str = "uintr-conformance --list") -> list[ListedCase]:
    """The cases of a `--list` output: one `name<TAB>topic<TAB>summary` line each."""
    cases = []
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split("\t")
        if len(fields) != 3 or not re.fullmatch(r"[a-z0-9_]+", fields[0]) or not all(fields):
            raise ConformanceError(f"{source}: line {n} is not 'name<TAB>topic<TAB>summary': {line!r}")
        cases.append(ListedCase(*fields))
    names = [c.name for c in cases]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise ConformanceError(f"{source}: cases listed twice: {', '.join(dup)}")
    if not cases:
        raise ConformanceError(f"{source}: no cases")
    return cases


def list_cases(binary: Path | None = None) -> dict[str, list[ListedCase]]:
    """The cases of every suite, in the order they run, as the suite binary lists them.
    `binary` defaults to the guest build (which must be current: 'make guest')."""
    if binary is None:
        builds.check_csrc("guest")
        binary = BINARY
    res = {}
    for suite, (_, args) in SUITES.items():
        cmd = [str(binary), *args, "--list"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            raise ConformanceError(f"{' '.join(cmd)}: exit status {p.returncode}: {p.stderr.strip()}")
        res[suite] = parse_list(p.stdout, " ".join(cmd))
    return res


def _topics(cases: list[ListedCase]) -> dict[str, list[ListedCase]]:
    out: dict[str, list[ListedCase]] = {}
    for c in cases:
        out.setdefault(c.topic, []).append(c)
    return out


def _merged_order(sequences: list[list[str]]) -> list[str]:
    """One order of all items that keeps the order of each sequence where they agree
    (a topic of a later suite goes before the next topic it shares with the earlier)."""
    out: list[str] = []
    for seq in sequences:
        for i, x in enumerate(seq):
            if x in out:
                continue
            later = [y for y in seq[i + 1:] if y in out]
            out.insert(out.index(later[0]) if later else len(out), x)
    return out


def readme_block(listing: dict[str, list[ListedCase]], kind: str) -> str:
    """The Markdown between the README markers: `summary` (each suite's count of cases
    per topic) or `cases` (every case with its summary, by suite and topic)."""
    lines = [README_BEGIN]
    if kind == "summary":
        per_suite = {s: _topics(cases) for s, cases in listing.items()}
        lines += ["| topic | " + " | ".join(f"`{s}` (`-cpu {suite_cpu(s)}`)" for s in listing) + " |",
                  "|---" * (len(listing) + 1) + "|"]
        for t in _merged_order([list(ts) for ts in per_suite.values()]):
            lines.append(f"| {t} | " + " | ".join(str(len(ts[t])) if t in ts else ""
                                                  for ts in per_suite.values()) + " |")
        lines += ["| all cases | " + " | ".join(f"**{len(c)}**" for c in listing.values()) + " |",
                  "", "Every case with what it checks: "
                  "[csrc/conformance/README.md](csrc/conformance/README.md#cases)."]
    elif kind == "cases":
        for suite, cases in listing.items():
            cpu, args = suite_cpu(suite), SUITES[suite][1]
            flag = f" `{' '.join(args)}`" if args else ""
            lines += [f"### Suite `{suite}` (`-cpu {cpu}`{flag}): {len(cases)} cases", ""]
            for topic, cs in _topics(cases).items():
                lines += [f"**{topic}**", ""]
                lines += [f"- `{c.name}`: {c.summary}" for c in cs]
                lines.append("")
        lines.pop()
    else:
        raise ConformanceError(f"kind: unknown '{kind}' (summary or cases)")
    lines.append(README_END)
    return "\n".join(lines)


def _replace_block(text: str, block: str, path: Path) -> str:
    if text.count(README_BEGIN) != 1 or text.count(README_END) != 1:
        raise ConformanceError(f"{path}: needs exactly one line '{README_BEGIN}' and one "
                               f"'{README_END}' around the case list")
    head, rest = text.split(README_BEGIN)
    _, tail = rest.split(README_END)
    return head + block + tail


def readme_drift(listing: dict[str, list[ListedCase]] | None = None,
                 readmes: dict[Path, str] | None = None) -> list[Path]:
    """The READMEs whose case list differs from what the binary lists."""
    listing = list_cases() if listing is None else listing
    readmes = READMES if readmes is None else readmes
    return [p for p, kind in readmes.items()
            if _replace_block(p.read_text(), readme_block(listing, kind), p) != p.read_text()]


def update_readmes(listing: dict[str, list[ListedCase]] | None = None,
                   readmes: dict[Path, str] | None = None) -> list[Path]:
    """Write the binary's case list into the READMEs; the files that changed."""
    listing = list_cases() if listing is None else listing
    readmes = READMES if readmes is None else readmes
    changed = readme_drift(listing, readmes)
    for p in changed:
        p.write_text(_replace_block(p.read_text(), readme_block(listing, readmes[p]), p))
    return changed


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
