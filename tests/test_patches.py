"""The QEMU and kernel patch series: checkpatch-clean under each tree's own
scripts/checkpatch.pl, and the system-call header the harness shares with the kernel."""
import subprocess
from pathlib import Path

import pytest

from uintrlab import builds

ROOT = builds.ROOT


def _series(d):
    return sorted(p.name for p in (ROOT / d).glob("*.patch"))


@pytest.mark.guest      # needs the unpacked source trees of the builds
def test_every_patch_is_checkpatch_clean():
    r = subprocess.run(["bash", "scripts/check-patches.sh"], cwd=ROOT, capture_output=True, text=True)
    lines = r.stdout.splitlines()
    assert r.returncode == 0, r.stdout + r.stderr
    want = [f"qemu checkpatch {p}" for p in _series("env/qemu/patches")] + \
           [f"kernel checkpatch {p}" for p in _series("kernel/patches")]
    assert len(want) >= 16
    assert [ln.split(":")[0] for ln in lines] == [f"ok {w}" for w in want]


def test_uapi_header_comes_from_the_kernel_series(tmp_path):
    out = tmp_path / "linux" / "uintr.h"
    subprocess.run(["bash", "csrc/extract-uapi.sh", "kernel/patches", str(out)], cwd=ROOT, check=True)
    text = out.read_text()
    nr = [ln.split()[1:] for ln in text.splitlines() if ln.startswith("#define __NR_uintr_")]
    assert len(nr) >= 7
    # the numbers are the ones the patch adds to the x86-64 system call table
    table = "".join((ROOT / "kernel/patches" / p).read_text() for p in _series("kernel/patches"))
    for name, num in nr:
        assert f"+{num}\t64\t{name[5:]}" in table, (name, num)


def test_extract_uapi_fails_without_the_header(tmp_path):
    (tmp_path / "0001-x.patch").write_text("--- a/README\n+++ b/README\n@@ -0,0 +1 @@\n+x\n")
    r = subprocess.run(["bash", "csrc/extract-uapi.sh", str(tmp_path), str(tmp_path / "out.h")], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode != 0 and "creates include/uapi/linux/uintr.h" in r.stderr
