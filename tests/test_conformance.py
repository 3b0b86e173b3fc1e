"""The UINTR conformance suite: its output parser, its case list (what the suite binary
lists, and the READMEs showing exactly that), and the suite itself in the guest (with
UINTR, -cpu max, and without, -cpu max,-uintr)."""
import subprocess
from pathlib import Path

import pytest

from uintrlab import conformance

# The symptoms the study saw under its emulator, each with a case of its own.
STUDY_SYMPTOMS = {
    "on_never_stuck": "ON left set, no further notification",
    "sender_migrates": "the UITT reads back 0 after the sender moved to another CPU",
    "uif_follows_task": "UIF set on one core only",
}


def test_parse_output():
    text = "boot noise\nPASS a\nFAIL b_c: got 3, want 4\nPASS d\n2 passed, 1 failed\n"
    cases, summary = conformance.parse_output(text)
    assert [(c.name, c.passed, c.why) for c in cases] == [
        ("a", True, ""), ("b_c", False, "got 3, want 4"), ("d", True, "")]
    assert summary == (2, 1)
    assert conformance.parse_output("PASS a\n")[1] is None


def test_kernel_log_problems():
    log = ("[0.1] uintr: User Interrupts enabled\n[2.0] WARNING: CPU: 1 PID: 7 at foo\n[3] ok\n"
           "[4] traps: uintr-conforman[88] general protection fault ip:402c0c sp:7ff error:0\n")
    assert conformance.kernel_log_problems(log) == ["[2.0] WARNING: CPU: 1 PID: 7 at foo"]


def test_report_counts_a_failed_boot():
    r = conformance.SuiteResult("uintr", "max", [conformance.Case("a", True)], status="timeout",
                                problem="no power-off within 5 s")
    text = conformance.report([r])
    assert "FAIL boot (uintr): timeout" in text
    assert text.endswith("1 passed, 1 failed")
    assert not r.ok


@pytest.mark.parametrize("kw, name", [(dict(suite="bogus"), "suite"),
                                      (dict(suite="uintr", cases=("x; reboot",)), "cases")])
def test_bad_arguments(kw, name, tmp_path):
    with pytest.raises(conformance.ConformanceError, match=f"^{name}:"):
        conformance.run_suite(out_dir=tmp_path, **kw)


@pytest.fixture(scope="module")
def listing():
    return conformance.list_cases()


def test_readmes_show_the_binarys_case_list(listing):
    drift = conformance.readme_drift(listing)
    assert drift == [], (f"the case list in {', '.join(map(str, drift))} differs from "
                         "uintr-conformance --list; run: .venv/bin/python -m uintrlab conformance --readme")


def test_list_runs_nothing_on_a_host_without_uintr():
    # --list on this host: on a CPU without UINTR any UINTR instruction would be SIGILL
    host_has_uintr = any(" uintr" in line for line in Path("/proc/cpuinfo").read_text().splitlines()
                         if line.startswith("flags"))
    for suite, (_, args) in conformance.SUITES.items():
        p = subprocess.run([str(conformance.BINARY), *args, "--list"], capture_output=True, text=True)
        assert p.returncode == 0, (suite, p.returncode, p.stderr)
        assert p.stderr == ""
        assert not [line for line in p.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
        assert conformance.parse_output(p.stdout)[1] is None, "--list printed a summary line"
    if host_has_uintr:
        pytest.skip("this host has UINTR: --list passing here does not show it executes none")


def test_listed_cases(listing):
    assert set(listing) == set(conformance.SUITES)
    for suite, cases in listing.items():
        assert cases[-1].name == "kernel_log_clean", f"{suite}: the kernel log check must come last"
        assert all(c.summary and c.topic for c in cases)
    names = {c.name for c in listing["uintr"]}
    assert set(STUDY_SYMPTOMS) | {"stress_100k", "event_stress"} <= names
    assert not names & {c.name for c in listing["no-uintr"]} - {"kernel_log_clean"}
    # one case, the named one: the binary selects by name in --list too
    p = subprocess.run([str(conformance.BINARY), "--list", "stress_100k"], capture_output=True, text=True)
    assert [c.name for c in conformance.parse_list(p.stdout)] == ["stress_100k"]


def test_readme_blocks(listing):
    cases = conformance.readme_block(listing, "cases")
    summary = conformance.readme_block(listing, "summary")
    for block in (cases, summary):
        assert block.startswith(conformance.README_BEGIN) and block.endswith(conformance.README_END)
    for suite, cs in listing.items():
        assert all(f"- `{c.name}`: {c.summary}" in cases for c in cs)
        assert f"): {len(cs)} cases" in cases
    total = summary.splitlines()[-4]
    assert total == "| all cases | " + " | ".join(f"**{len(cs)}**" for cs in listing.values()) + " |"
    with pytest.raises(conformance.ConformanceError, match="^kind:"):
        conformance.readme_block(listing, "bogus")


def test_update_readmes(listing, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{conformance.README_BEGIN}\n- `old_case`: gone\n{conformance.README_END}\ntail\n")
    assert conformance.readme_drift(listing, {readme: "cases"}) == [readme]
    assert conformance.update_readmes(listing, {readme: "cases"}) == [readme]
    text = readme.read_text()
    assert "old_case" not in text and "`stress_100k`" in text and text.endswith("\ntail\n")
    assert conformance.update_readmes(listing, {readme: "cases"}) == []
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(conformance.ConformanceError, match=f"^{bare}: needs exactly one"):
        conformance.update_readmes(listing, {bare: "cases"})


@pytest.mark.parametrize("text, why", [("a\tb\n", "line 1 is not"), ("a\tt\ts\nBad Name\tt\ts\n", "line 2 is not"),
                                       ("a\tt\ts\na\tt\tz\n", "cases listed twice: a"), ("", "no cases"),
                                       ("a\t\ts\n", "line 1 is not")])
def test_parse_list_bad_input(text, why):
    with pytest.raises(conformance.ConformanceError, match=f"^x: {why}"):
        conformance.parse_list(text, "x")


@pytest.fixture(scope="module")
def suites(tmp_path_factory):
    out = tmp_path_factory.mktemp("conformance")
    return {s: conformance.run_suite(s, out) for s in conformance.SUITES}


@pytest.mark.guest
def test_suite_with_uintr(guest_platform, suites, listing):
    r = suites["uintr"]
    print(conformance.report([r]))
    assert r.status == "ok", (r.problem, r.console_log)
    assert r.passed >= 30, f"only {r.passed} cases passed"
    assert [c.line() for c in r.cases if not c.passed] == []
    names = {c.name for c in r.cases if c.passed}
    for case, symptom in STUDY_SYMPTOMS.items():
        assert case in names, f"no passing case for the study's symptom: {symptom}"
    assert "stress_100k" in names
    assert [c.name for c in r.cases] == [c.name for c in listing["uintr"]] + ["host_kernel_log_clean"]


@pytest.mark.guest
def test_suite_without_uintr(guest_platform, suites, listing):
    r = suites["no-uintr"]
    print(conformance.report([r]))
    assert r.status == "ok", (r.problem, r.console_log)
    assert r.passed >= 3
    assert [c.line() for c in r.cases if not c.passed] == []
    assert [c.name for c in r.cases] == [c.name for c in listing["no-uintr"]] + ["host_kernel_log_clean"]
