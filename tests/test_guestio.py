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


def _disk_with(tmp_path, members):
    """A raw disk holding a tar archive of ``members``: (TarInfo fields, body) pairs."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for fields, body in members:
            info = tarfile.TarInfo(fields["name"])
            for k, v in fields.items():
                setattr(info, k, v)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    disk = tmp_path / "disk.img"
    disk.write_bytes(buf.getvalue() + b"\0" * 65536)
    return disk


@pytest.mark.parametrize("fields", [
    {"name": "./link", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"},
    {"name": "./hard", "type": tarfile.LNKTYPE, "linkname": "guest.txt"},
    {"name": "/abs.csv"},
    {"name": "./../escape.csv"},
    {"name": "./dev", "type": tarfile.CHRTYPE},
], ids=["symlink", "hardlink", "absolute", "dotdot", "device"])
def test_foreign_members_are_refused_and_nothing_is_written(tmp_path, fields):
    disk = _disk_with(tmp_path, [({"name": "./guest.txt"}, b"ok\n"), (fields, b"x")])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError, match="no readable results.*" + fields["name"].lstrip("/.")[:3]):
        guestio.extract_results(disk, out)
    assert list(out.iterdir()) == []
    assert not (tmp_path / "escape.csv").exists()


@pytest.mark.parametrize("has_filter", [True, False], ids=["with-data-filter", "without-filters"])
def test_extraction_with_and_without_tar_filters(tmp_path, monkeypatch, has_filter):
    """Debian 12's Python 3.11.2 has no tarfile filters; newer ones do: both paths work."""
    if has_filter and not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python has no tarfile extraction filters")
    if not has_filter:
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    disk = _disk_with(tmp_path, [({"name": "./sub", "type": tarfile.DIRTYPE, "mode": 0o755}, b""),
                                 ({"name": "./sub/a.csv"}, b"seq\n1\n")])
    out = tmp_path / "out"
    out.mkdir()
    assert guestio.extract_results(disk, out) == ["./sub/a.csv"]
    assert (out / "sub" / "a.csv").read_text() == "seq\n1\n"
