"""make help lists every target of the Makefile, each with its '##' description."""
import re
import subprocess

from uintrlab import builds


def test_make_help_lists_every_target():
    text = (builds.ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", text, re.M))
    phony = set(re.search(r"^\.PHONY: (.*)$", text, re.M).group(1).split())
    assert targets >= {"deps", "build", "test", "test-fast", "conformance", "artifact", "analysis",
                       "report", "check-patches", "check-stress", "docker-image", "docker-test",
                       "docker-artifact", "clean", "help"}
    assert targets <= phony, f"not declared .PHONY: {sorted(targets - phony)}"
    out = subprocess.run(["make", "-s", "help"], cwd=builds.ROOT, capture_output=True, text=True,
                         check=True).stdout
    listed = dict(re.findall(r"^  make (\S+)\s+(.+)$", out, re.M))
    assert set(listed) == targets, f"missing from make help: {sorted(targets - set(listed))}"
    assert all(len(d.strip()) > 5 for d in listed.values())
