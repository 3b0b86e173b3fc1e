"""Handing the plan in (cpio) and results out (tar on a raw disk)."""
import io
import subprocess
import tarfile

import pytest

from uintrlab import guestio


def test_newc_archive_is_read_by_cpio(tmp_path):
    arc = guestio.newc_archive({"plan/plan.txt": b"a --x 1\nb --y 2\n"})
    (tmp_path / "a.cpio").write_bytes(arc)
    listing = subprocess.run(["cpio", "-it"], input=arc, capture_output=True).stdout.decode().split()
    assert listing == ["plan", "plan/plan.txt"]
    subprocess.run(["cpio", "-id", "--quiet"], input=arc, cwd=tmp_path, check=True)
    assert (tmp_path / "plan/plan.txt").read_text() == "a --x 1\nb --y 2\n"


def test_plan_text():
    assert guestio.plan_text([("x", ["--a", "1"]), ("y", [])]) == "x --a 1\ny \n"


def test_extract_results_from_raw_disk(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, body in (("./guest.txt", b"clocksource=tsc\n"), ("./a.csv", b"seq\n")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    disk = tmp_path / "disk.img"
    disk.write_bytes(buf.getvalue() + b"\0" * 65536)
    out = tmp_path / "out"
    out.mkdir()
    guestio.extract_results(disk, out)
    assert (out / "guest.txt").read_text() == "clocksource=tsc\n"


def test_blank_disk_is_a_clear_error(tmp_path):
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\0" * 65536)
    with pytest.raises(RuntimeError, match="no readable results"):
        guestio.extract_results(disk, tmp_path)
