"""The UINTR conformance suite: its output parser, and the suite itself in the guest
(with UINTR, -cpu max, and without, -cpu max,-uintr)."""
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
def suites(tmp_path_factory):
    out = tmp_path_factory.mktemp("conformance")
    return {s: conformance.run_suite(s, out) for s in conformance.SUITES}


@pytest.mark.guest
def test_suite_with_uintr(guest_platform, suites):
    r = suites["uintr"]
    print(conformance.report([r]))
    assert r.status == "ok", (r.problem, r.console_log)
    assert r.passed >= 30, f"only {r.passed} cases passed"
    assert [c.line() for c in r.cases if not c.passed] == []
    names = {c.name for c in r.cases if c.passed}
    for case, symptom in STUDY_SYMPTOMS.items():
        assert case in names, f"no passing case for the study's symptom: {symptom}"
    assert "stress_100k" in names


@pytest.mark.guest
def test_suite_without_uintr(guest_platform, suites):
    r = suites["no-uintr"]
    print(conformance.report([r]))
    assert r.status == "ok", (r.problem, r.console_log)
    assert r.passed >= 3
    assert [c.line() for c in r.cases if not c.passed] == []
