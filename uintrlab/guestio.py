"""Hand an experiment into the guest and get the raw files back.

In: a second newc cpio archive holding /plan/plan.txt, appended to the initramfs (the
kernel unpacks concatenated archives in order). Out: the guest writes a tar archive of
its /out folder to a raw virtio disk, which we read here. The console is only a log.
"""
from __future__ import annotations

import tarfile
from pathlib import Path


def newc_archive(files: dict[str, bytes]) -> bytes:
    """A newc ("070701") cpio archive with the given regular files (and their folders)."""
    out = bytearray()
    ino = 1

    def entry(name: str, mode: int, data: bytes = b""):
        nonlocal ino
        namez = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(namez), 0]
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + namez)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))
        ino += 1

    dirs = sorted({str(Path(n).parent) for n in files} - {"."})
    for d in dirs:
        entry(d, 0o040755)
    for name, data in sorted(files.items()):
        entry(name, 0o100644, data)
    entry("TRAILER!!!", 0)
    return bytes(out)


def plan_text(lines: list[tuple[str, list[str]]]) -> str:
    """The guest's plan: one '<id> <benchmark arguments>' line per condition."""
    return "".join(f"{cid} {' '.join(args)}\n" for cid, args in lines)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's members if every one is a regular file or folder with a relative
    path that stays inside the destination; otherwise a TarError naming the member.
    (The guest writes only such members; anything else means a corrupt or foreign disk.)"""
    members = tar.getmembers()
    for m in members:
        parts = Path(m.name).parts
        if not (m.isfile() or m.isdir()):
            raise tarfile.TarError(f"member {m.name!r} is not a regular file or folder")
        if Path(m.name).is_absolute() or ".." in parts:
            raise tarfile.TarError(f"member {m.name!r} points outside the results folder")
    return members


def extract_results(disk: Path, dest: Path) -> list[str]:
    """Unpack the tar archive the guest wrote to the raw disk; returns member names.

    Members are checked by :func:`_safe_members`; where this Python has tarfile's
    extraction filters (3.12, backported to 3.11.4) the ``data`` filter is applied as
    well; Debian 12's Python 3.11.2 has none."""
    try:
        with tarfile.open(disk, mode="r:") as tar:
            members = _safe_members(tar)
            names = [m.name for m in members if m.isfile()]
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, members=members, filter="data")
            else:
                tar.extractall(dest, members=members)
    except (tarfile.TarError, OSError) as e:
        raise RuntimeError(f"the guest wrote no readable results to {disk.name} ({e})") from e
    if not names:
        raise RuntimeError(f"the guest wrote no readable results to {disk.name} (blank disk)")
    return names
