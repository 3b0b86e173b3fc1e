"""Path lengths: instructions and costly events per message, counted in our QEMU by the
TCG plugin ``env/qemu/plugins/pathlen.c`` (its top comment is the design: windows,
attribution, concurrency, output format).

A counting run (``python -m uintrlab run --platform tcg --path-lengths ...``) boots the
guest with the plugin loaded. This module

- finds the plugin and checks, before any boot, that it is built for the current QEMU
  (:func:`check_plugin`), that the kernel's ``System.map`` is the one of the kernel
  that boots (:func:`check_system_map`: the map's addresses against the kernel's own
  symbol table, kallsyms, decompressed from the bzImage), and that the plugin accepts
  the map and the kernel segments file :data:`SEGMENTS` (:func:`self_check`: QEMU loads
  it without a guest);
- gives the ``-plugin`` argument (:func:`plugin_arg`);
- reads the plugin's output (:func:`read_output`) and matches its rows to the
  benchmark's messages by order, refusing any mismatch (:func:`per_message`);
- writes and reads the per-message tables of a counting run (``pathlen/<platform>-<NNN>.parquet``,
  :func:`write_boot`, :func:`load_run`). A counting run has no ``samples/``: its
  messages never enter latency statistics (``uintrlab.data.load_run`` refuses it).

Columns of a per-message table: the condition (``mechanism``, ``mode``, ``boot``,
``seq``, ``warmup``, ``ok``, ``slept`` as in the samples), ``reader_split`` (the reader's
window was split at the writer's t0) and, for every counter the plugin names in its
output, ``writer_<counter>``, ``reader_<counter>`` (from the writer's t0 to the reader's
t1) and ``reader_pre_<counter>`` (from the reader's wait marker to the writer's t0).
The counters include one per kernel segment, ``kseg_<name>`` (:data:`SEGMENTS`), which
sum to ``insn_kernel`` (checked for every row).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import lzma
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import builds, data
from . import plan as plan_

PLUGIN = builds.CSRC / "build" / "plugins" / "libpathlen.so"
PLUGIN_SOURCES = (builds.ROOT / "env" / "qemu" / "plugins" / "pathlen.c",
                  builds.CSRC / "bench" / "markers.h")
#: the kernel segments: which text symbols count in which part of the path (the file's
#: top comment is its format; the plugin reads it, this module never parses it)
SEGMENTS = builds.ROOT / "env" / "qemu" / "plugins" / "pathlen-segments.txt"
#: the prefix of the segments' counters (``kseg_<name>``)
KSEG = "kseg_"
#: the output format the plugin writes ("# pathlen <version>")
FORMAT = 2
#: the file each boot's plugin output goes to, in the boot's folder
OUTPUT_NAME = "pathlen.csv"
ROW_KEYS = ("side", "vcpu", "n", "order", "t0_n", "split")


class PathLengthError(ValueError):
    """The plugin, its input or its output is unusable, or its rows do not match the
    benchmark's messages; the message names the file or condition."""


# ---------------------------------------------------------------- before a boot

def check_plugin() -> Path:
    """The built plugin, or :class:`builds.MissingBuild` naming what to do: a QEMU built
    without the plugin interface, a missing plugin or one older than its sources."""
    qemu_dir = builds.build_dir("qemu")
    flags = builds.provenance("qemu").get("configure_flags", "")
    if "--enable-plugins" not in flags.split():
        raise builds.MissingBuild(f"{qemu_dir}: this QEMU was built without the plugin interface "
                                  f"(configure flags: {flags}); path lengths need the default "
                                  "build (UINTRLAB_QEMU_PLUGINS=1, 'make qemu')")
    header = qemu_dir / "include" / "qemu-plugin.h"
    if not PLUGIN.exists():
        raise builds.MissingBuild(f"{PLUGIN.relative_to(builds.ROOT)} is missing; run 'make plugins'")
    newest = max(p.stat().st_mtime for p in (*PLUGIN_SOURCES, header))
    if PLUGIN.stat().st_mtime < newest:
        raise builds.MissingBuild(f"{PLUGIN.relative_to(builds.ROOT)} is older than its sources "
                                  f"or {header}; run 'make plugins'")
    return PLUGIN


def read_system_map(path: Path) -> dict[str, list[tuple[int, str]]]:
    """Name -> [(address, type)] of a System.map; a malformed line is an error naming it."""
    syms: dict[str, list[tuple[int, str]]] = {}
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise PathLengthError(f"{path}: cannot read the System.map ({e.strerror})") from e
    for i, line in enumerate(text.splitlines(), 1):
        f = line.split()
        try:
            addr = int(f[0], 16)
            if len(f) != 3 or len(f[1]) != 1:
                raise ValueError
        except (ValueError, IndexError):
            raise PathLengthError(f"{path}:{i}: not a System.map line: {line[:80]!r}") from None
        syms.setdefault(f[2], []).append((addr, f[1]))
    if not syms:
        raise PathLengthError(f"{path}: empty System.map")
    return syms


@dataclass
class _Image:
    """The kernel image (vmlinux) inside a bzImage: its loadable segments."""
    data: bytes
    segments: list[tuple[int, int, int]]      # (virtual address, file offset, size)

    def read(self, addr: int, n: int) -> bytes:
        for va, off, size in self.segments:
            if va <= addr and addr + n <= va + size:
                return self.data[off + addr - va:off + addr - va + n]
        raise KeyError(hex(addr))


def _vmlinux(bzimage: Path) -> tuple[_Image, str]:
    """Decompress the kernel of a bzImage; also its version string (setup header)."""
    b = Path(bzimage).read_bytes()
    if len(b) < 0x250 or b[0x202:0x206] != b"HdrS":
        raise PathLengthError(f"{bzimage}: not a bzImage (no setup header)")
    setup_sects = b[0x1F1] or 4
    payload_off, payload_len = struct.unpack_from("<II", b, 0x248)
    start = (setup_sects + 1) * 512 + payload_off
    payload = b[start:start + payload_len]
    version_at = struct.unpack_from("<H", b, 0x20E)[0] + 0x200
    version = b[version_at:version_at + 256].split(b"\0")[0].decode(errors="replace")
    try:
        if payload.startswith(b"\xfd7zXZ"):
            raw = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
        elif payload.startswith(b"\x1f\x8b"):
            raw = gzip.GzipFile(fileobj=io.BytesIO(payload)).read()
        else:
            raise PathLengthError(f"{bzimage}: kernel compressed with a method this check does "
                                  f"not read (magic {payload[:4].hex()}; xz and gzip are read)")
    except (lzma.LZMAError, OSError, EOFError) as e:
        raise PathLengthError(f"{bzimage}: cannot decompress the kernel ({e})") from e
    if raw[:4] != b"\x7fELF" or raw[4] != 2:
        raise PathLengthError(f"{bzimage}: the decompressed kernel is not a 64-bit ELF")
    phoff, = struct.unpack_from("<Q", raw, 0x20)
    phnum, = struct.unpack_from("<H", raw, 0x38)
    segs = []
    for i in range(phnum):
        ptype, _, off, va, _, filesz = struct.unpack_from("<IIQQQQ", raw, phoff + 56 * i)
        if ptype == 1:
            segs.append((va, off, filesz))
    return _Image(raw, segs), version


def _kallsyms(img: _Image, addr_of, absolute_percpu: bool) -> dict[str, int]:
    """The kernel's own symbol table (kernel/kallsyms.c's format in Linux 6.1, base-
    relative offsets), located with ``addr_of(name)`` -> address."""
    num, = struct.unpack("<I", img.read(addr_of("kallsyms_num_syms"), 4))
    base, = struct.unpack("<Q", img.read(addr_of("kallsyms_relative_base"), 8))
    offsets = struct.unpack(f"<{num}i", img.read(addr_of("kallsyms_offsets"), 4 * num))
    index = struct.unpack("<256H", img.read(addr_of("kallsyms_token_index"), 512))
    table_at = addr_of("kallsyms_token_table")
    table = img.read(table_at, max(index) + 64)
    tokens = [table[i:table.index(b"\0", i)] for i in index]
    names_at = addr_of("kallsyms_names")
    names = img.read(names_at, addr_of("kallsyms_markers") - names_at)
    out: dict[str, int] = {}
    pos = 0
    for k in range(num):
        n = names[pos]
        pos += 1
        if n & 0x80:
            n = (n & 0x7F) | names[pos] << 7
            pos += 1
        sym = b"".join(tokens[t] for t in names[pos:pos + n]).decode(errors="replace")
        pos += n
        off = offsets[k]
        if absolute_percpu:
            addr = off if off >= 0 else base - 1 - off
        else:
            addr = base + (off & 0xFFFFFFFF)
        out.setdefault(sym[1:], addr)       # sym[0] is the type letter
    return out


def check_system_map(sysmap: Path, bzimage: Path, config: Path | None = None) -> dict:
    """Check that ``sysmap`` belongs to ``bzimage`` before a boot: the banner lies where
    the map puts ``linux_banner`` and names the bzImage's version, and every text symbol
    the kernel's own kallsyms table lists has the address the map gives. Returns a
    summary; raises :class:`PathLengthError` naming the file otherwise."""
    syms = read_system_map(sysmap)
    img, version = _vmlinux(bzimage)

    def addr_of(name: str) -> int:
        if name not in syms:
            raise PathLengthError(f"{sysmap}: has no symbol {name} (not the System.map of {bzimage})")
        return syms[name][0][0]

    # the banner is "Linux version <release> (<by>@<host>) (<compiler>) <version>\n", the
    # setup header's string "<release> (<by>@<host>) <version>"
    head, sep, tail = version.partition(") ")
    try:
        banner = img.read(addr_of("linux_banner"), 512).split(b"\0")[0].decode(errors="replace")
    except KeyError:
        banner = ""
    if not sep or not banner.startswith(f"Linux version {head}) (") or not banner.endswith(f") {tail}\n"):
        raise PathLengthError(f"{sysmap}: does not match {bzimage}: no banner of version "
                              f"'{version}' at linux_banner ({hex(addr_of('linux_banner'))})")
    cfg = Path(config) if config else Path(bzimage).with_name(".config")
    absolute_percpu = not cfg.exists() or "CONFIG_KALLSYMS_ABSOLUTE_PERCPU=y" in cfg.read_text().split()
    try:
        kall = _kallsyms(img, addr_of, absolute_percpu)
    except (KeyError, ValueError, IndexError, struct.error) as e:
        raise PathLengthError(f"{sysmap}: does not match {bzimage}: its kallsyms tables "
                              f"cannot be read where the map puts them ({e})") from e
    checked, wrong = 0, []
    for name, entries in syms.items():
        text = [a for a, t in entries if t in "tT"]
        if len(text) != 1 or len(entries) != 1 or name not in kall:
            continue        # a static name defined twice, or a symbol kallsyms leaves out
        checked += 1
        if kall[name] != text[0]:
            wrong.append(f"{name} {text[0]:x} (kernel: {kall[name]:x})")
    if checked < 100 or wrong:
        raise PathLengthError(f"{sysmap}: does not match {bzimage}: "
                              + (f"{len(wrong)} of {checked} text symbols differ, e.g. "
                                 + "; ".join(wrong[:3]) if wrong else
                                 f"only {checked} symbols in common with its kallsyms"))
    return {"system_map": str(sysmap), "kernel_version": version, "symbols_checked": checked}


def plugin_arg(out: Path, sysmap: Path, mmio: bool = True, plugin: Path = PLUGIN,
               segments: Path = SEGMENTS) -> str:
    """The ``-plugin`` argument of one boot: the plugin, its output file, System.map and
    the segments file."""
    for name, p in (("plugin", plugin), ("out", out), ("map", sysmap), ("segments", segments)):
        if "," in str(p):
            raise PathLengthError(f"{name}: {p}: a path with a comma cannot be passed to -plugin")
    return f"{plugin},out={out},map={sysmap},segments={segments},mmio={'on' if mmio else 'off'}"


def self_check(out: Path, sysmap: Path, segments: Path = SEGMENTS, plugin: Path = PLUGIN,
               timeout: float = 60) -> "Output":
    """Load the plugin in our QEMU without a guest (``-M none``, then quit over QMP): the
    plugin's own checks of ``sysmap`` and ``segments`` (a pattern matching no symbol, a
    malformed line) run before any boot. Returns its output (no rows: the hooks and the
    segments with their symbol counts); the plugin's message is the error otherwise."""
    qemu = builds.component("qemu")
    cmd = [str(qemu), "-M", "none", "-display", "none", "-nodefaults", "-qmp", "stdio",
           "-plugin", plugin_arg(out, sysmap, plugin=plugin, segments=segments)]
    quit_ = '{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n'
    try:
        p = subprocess.run(cmd, input=quit_, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise PathLengthError(f"{qemu}: loading the plugin did not finish in {timeout} s") from e
    if p.returncode:
        msg = [ln for ln in p.stderr.splitlines() if ln.startswith("pathlen:")] or p.stderr.splitlines()[-3:]
        raise PathLengthError("; ".join(msg) or f"{qemu} exited with {p.returncode} loading the plugin")
    return read_output(out)


# ---------------------------------------------------------------- after a boot

@dataclass
class Output:
    """One boot's plugin output: comment fields, hooks, kernel segments (name, symbols,
    label, in the segments file's order), rows, anomalies."""
    path: Path
    fields: dict
    hooks: dict
    segments: list[dict]
    rows: pd.DataFrame
    anomalies: list[str]

    @property
    def counters(self) -> list[str]:
        return [c for c in self.rows.columns if c not in ROW_KEYS and not c.startswith("pre_")]


def read_output(path: Path) -> Output:
    """Read a plugin output file (``*.xz``: xz-compressed, as a counting run keeps it); a
    missing, foreign or truncated file is an error naming it."""
    path = Path(path)
    try:
        if path.suffix == ".xz":
            with lzma.open(path, "rt") as f:
                lines = f.read().splitlines()
        else:
            lines = path.read_text().splitlines()
    except lzma.LZMAError as e:
        raise PathLengthError(f"{path}: not an xz file ({e})") from e
    except OSError as e:
        raise PathLengthError(f"{path}: no plugin output ({e.strerror}); did QEMU load the plugin?") from e
    if not lines or lines[0].split()[:2] != ["#", "pathlen"]:
        raise PathLengthError(f"{path}: not the path-length plugin's output")
    if lines[0].split()[2:] != [str(FORMAT)]:
        raise PathLengthError(f"{path}: output format {lines[0].split()[2:]}, this module reads {FORMAT}")
    fields, hooks, segments, anomalies, body = {}, {}, [], [], []
    for line in lines[1:]:
        if line.startswith("#!"):
            anomalies.append(line[2:].strip())
        elif line.startswith("# hook "):
            _, _, name, addr, counter, *rest = line.split()
            hooks[name] = {"addr": int(addr, 16), "counter": counter, "foreign": "foreign" in rest}
        elif line.startswith("# segment "):
            _, _, name, symbols, label = line.split(maxsplit=4)
            segments.append({"name": name, "symbols": int(symbols), "label": label})
        elif line.startswith("# "):
            key, _, value = line[2:].partition(" ")
            fields[key] = value
        else:
            body.append(line)
    end = dict(kv.split("=", 1) for kv in fields.get("end", "").split() if "=" in kv)
    if "rows" not in end:
        raise PathLengthError(f"{path}: truncated (no end line): QEMU did not exit normally")
    try:
        rows = pd.read_csv(io.StringIO("\n".join(body)), dtype={"side": str})
    except (ValueError, pd.errors.ParserError) as e:
        raise PathLengthError(f"{path}: unreadable rows ({e})") from e
    if list(rows.columns[:len(ROW_KEYS)]) != list(ROW_KEYS) or len(rows) != int(end["rows"]):
        raise PathLengthError(f"{path}: {len(rows)} rows with columns {list(rows.columns[:6])}; "
                              f"its end line says {end['rows']}")
    kseg = [KSEG + s["name"] for s in segments]
    if [c for c in rows.columns if c.startswith(KSEG)] != kseg:
        raise PathLengthError(f"{path}: its segment columns do not match its segment lines ({kseg})")
    for pre in ("", "pre_"):
        if not kseg or rows.empty:
            break
        bad = rows[[pre + c for c in kseg]].sum(axis=1) != rows[pre + "insn_kernel"]
        if bad.any():
            r = rows[bad].iloc[0]
            raise PathLengthError(f"{path}: row order {r['order']}: its {pre}kseg_* columns do not sum "
                                  f"to its {pre}insn_kernel ({int(bad.sum())} such rows)")
    return Output(path, fields, hooks, segments, rows.sort_values("order", ignore_index=True), anomalies)


@dataclass
class Condition:
    """What the benchmark says about one condition of a boot, in boot order."""
    id: str
    mechanism: str
    mode: str
    samples: pd.DataFrame | None        # the benchmark's per-message rows (seq, ok, slept, warmup)
    writer_cpu: int | None = None
    reader_cpu: int | None = None
    idle_us: int | None = None          # blocking mode: the idle level (plan.Condition)


def per_message(out: Output, conditions: list[Condition], platform: str = "tcg",
                boot: int = 0) -> pd.DataFrame:
    """Match the plugin's rows to the benchmark's messages, condition by condition in boot
    order: per message one writer row (W) and one reader row (R); after a condition's
    last message its reader's stream holds one E row (its last wait). Any difference in
    number, order or vCPU, an anomaly, or a failed message is an error naming the
    condition: rows are never shifted to fit."""
    if out.anomalies:
        raise PathLengthError(f"{out.path}: the plugin saw markers out of order: {out.anomalies[0]}"
                              + (f" (and {len(out.anomalies) - 1} more)" if len(out.anomalies) > 1 else ""))
    rows = out.rows
    writer = rows[rows["side"] == "W"].reset_index(drop=True)
    reader = rows[rows["side"].isin(["R", "E"])].reset_index(drop=True)
    sent = [c for c in conditions if c.samples is not None and len(c.samples)]
    if sent and rows.empty:
        raise PathLengthError(f"{out.path}: condition {sent[0].id}: no markers in the plugin's output "
                              f"although the benchmark sent {len(sent[0].samples)} messages: the guest's "
                              "harness has no markers (an old harness?) or the plugin did not "
                              "recognise them")
    counters = out.counters
    # the interrupts that are part of no message (the plugin's hooks marked foreign)
    foreign = sorted({h["counter"] for h in out.hooks.values() if h["foreign"]})
    frames, wi, ri = [], 0, 0
    for c in conditions:
        n = 0 if c.samples is None else len(c.samples)
        if n == 0:
            continue
        where = f"{out.path}: condition {c.id}"
        if not c.samples["ok"].all():
            raise PathLengthError(f"{where}: {int((~c.samples['ok']).sum())} failed messages; path "
                                  "lengths need every message seen (the markers would not pair)")
        w = writer.iloc[wi:wi + n]
        r = reader.iloc[ri:ri + n + 1]
        if len(w) != n:
            raise PathLengthError(f"{where}: {n} messages but {len(w)} writer rows left")
        if len(r) != n + 1 or (r["side"].iloc[:n] != "R").any() or r["side"].iloc[n] != "E":
            sides = "".join(r["side"])
            raise PathLengthError(f"{where}: expected {n} reader rows and the end of its last wait "
                                  f"(R×{n} E), found {sides[:40]!r}{'…' if len(sides) > 40 else ''}")
        for side, part, cpu in (("writer", w, c.writer_cpu), ("reader", r.iloc[:n], c.reader_cpu)):
            vcpus = sorted(set(part["vcpu"]))
            if len(vcpus) != 1 or (cpu is not None and vcpus[0] != cpu):
                raise PathLengthError(f"{where}: {side} rows on vCPUs {vcpus}, the benchmark says "
                                      f"its {side} ran on CPU {cpu}")
        rr = r.iloc[:n].reset_index(drop=True)
        w = w.reset_index(drop=True)
        bad = rr["split"].astype(bool) & (rr["t0_n"].to_numpy() != w["n"].to_numpy())
        if bad.any():
            k = int(bad.idxmax())
            raise PathLengthError(f"{where}: message {k}: the reader's window was split at writer "
                                  f"window {rr['t0_n'][k]}, not at its own message's ({w['n'][k]})")
        s = c.samples.reset_index(drop=True)
        f = pd.DataFrame({"platform": platform, "mechanism": c.mechanism, "mode": c.mode,
                          "idle_us": -1 if c.idle_us is None else c.idle_us, "boot": boot,
                          "seq": s["seq"], "warmup": s["warmup"].astype(bool), "ok": s["ok"].astype(bool),
                          "slept": s["slept"], "reader_split": rr["split"].astype(bool)})
        cols = {f"writer_{k}": w[k] for k in counters}
        cols |= {f"reader_{k}": rr[k] for k in counters}
        cols |= {f"reader_pre_{k}": rr[f"pre_{k}"] for k in counters}
        for side, part, pre in (("writer", w, ""), ("reader", rr, ""), ("reader_pre", rr, "pre_")):
            cols[f"{side}_foreign_irqs"] = sum((part[pre + k] for k in foreign), pd.Series(0, index=part.index))
        frames.append(pd.concat([f, pd.DataFrame(cols)], axis=1))
        wi, ri = wi + n, ri + n + 1
    if wi != len(writer) or ri != len(reader):
        raise PathLengthError(f"{out.path}: {len(writer) - wi} writer and {len(reader) - ri} reader "
                              "rows beyond the benchmark's messages")
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    for c in ("platform", "mechanism", "mode"):
        df[c] = df[c].astype("category")
    return df.astype({"boot": "int16", "seq": "int32", "slept": "int8", "idle_us": "int32"})


def boot_path(run_dir: Path, platform: str, boot: int) -> Path:
    return Path(run_dir) / data.PATHLEN_DIR / f"{platform}-{boot:03d}.parquet"


def write_boot(df: pd.DataFrame, run_dir: Path, platform: str, boot: int) -> Path:
    path = boot_path(run_dir, platform, boot)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, compression="zstd", index=False)
    tmp.replace(path)
    return path


def prepare(mmio: bool = True, scratch: Path | None = None) -> dict:
    """Before a counting run's first boot: the plugin, the kernel's System.map and the
    segments file checked (errors name the file; ``scratch``: a folder for the self-check's
    output, default a temporary one). Returns what the run's metadata records
    (``path_lengths``), with the kernel segments as the plugin read them."""
    import tempfile

    plugin = check_plugin()
    kdir = builds.build_dir("kernel")
    info = check_system_map(kdir / "System.map", kdir / "bzImage")
    segments = SEGMENTS
    with tempfile.TemporaryDirectory(prefix="pathlen-check-", dir=scratch) as tmp:
        checked = self_check(Path(tmp) / OUTPUT_NAME, kdir / "System.map", segments, plugin)
    seg_file = segments.relative_to(builds.ROOT) if segments.is_relative_to(builds.ROOT) else segments
    return {"format": FORMAT, "plugin": str(plugin.relative_to(builds.ROOT)),
            "plugin_sha256": hashlib.sha256(plugin.read_bytes()).hexdigest(), "mmio": mmio, **info,
            "segments_file": str(seg_file),
            "segments_sha256": hashlib.sha256(segments.read_bytes()).hexdigest(),
            "segments": checked.segments}


def boot_plugin(record: dict, boot_dir: Path) -> str:
    """The ``-plugin`` argument of one boot of a counting run (``record``: :func:`prepare`)."""
    return plugin_arg(Path(boot_dir).resolve() / OUTPUT_NAME, Path(record["system_map"]), record["mmio"],
                      segments=builds.ROOT / record["segments_file"])


def collect_boot(boot_dir: Path, plan, samples: list[pd.DataFrame], records: dict, run_dir: Path,
                 platform: str, boot: int) -> Path:
    """After a boot of a counting run: its plugin output matched to the benchmark's
    messages (``samples``: the boot's per-condition sample frames; ``records``: the
    boot's condition records with the CPUs each side ran on), written as the boot's
    table; the raw output is then kept xz-compressed (``pathlen.csv.xz``, about 30 times
    smaller; :func:`read_output` reads it). ``plan``: the boot's conditions in the order
    they ran."""
    # the runner made one frame per condition whose CSV it read, in plan order
    frames = iter(samples)
    conds = []
    for c in plan:
        rec = records.get(c.id, {})
        f = next(frames) if rec.get("status") in ("ok", "failures") else None
        conds.append(Condition(c.id, c.mechanism, c.mode, f, rec.get("writer_cpu_seen"),
                               rec.get("reader_cpu_seen"), c.idle_us if c.mode == plan_.IDLE_MODE else None))
    raw = Path(boot_dir) / OUTPUT_NAME
    df = per_message(read_output(raw), conds, platform, boot)
    path = write_boot(df, run_dir, platform, boot)
    compress(raw)
    return path


def compress(path: Path) -> Path:
    """``path`` xz-compressed beside it as ``<name>.xz``, the original removed."""
    path = Path(path)
    xz = path.with_name(path.name + ".xz")
    tmp = xz.with_name(xz.name + ".tmp")
    with open(path, "rb") as src, lzma.open(tmp, "wb", preset=6) as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    tmp.replace(xz)
    path.unlink()
    return xz


def count_columns(df: pd.DataFrame) -> list[str]:
    """The count columns of a per-message table (writer_*, reader_*, reader_pre_*)."""
    return [c for c in df.columns if c.startswith(("writer_", "reader_")) and c != "reader_split"]


def clean(df: pd.DataFrame) -> pd.Series:
    """Messages whose writer and reader windows hold no foreign interrupt (timer, irq_work,
    device) and whose reader's CPU did not restart its stopped tick on waking: the ones
    whose counts the timing of the run cannot change (see data/README.md)."""
    ok = (df["writer_foreign_irqs"] == 0) & (df["reader_foreign_irqs"] == 0)
    if "reader_tick_restarts" in df:
        ok &= df["reader_tick_restarts"] == 0
    return ok


def determinism(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Per condition (with its idle level) and count column, over the measured (not warm-up)
    messages of several boots of one plan: ``identical`` = the share of messages (by ``seq``) whose count is the
    same in every boot, ``identical_clean`` = the same among messages clean (:func:`clean`)
    in every boot, ``clean_values`` = the distinct counts of clean messages, and the range
    of all. ``columns``: the count columns to give (default: every one that is not 0
    throughout the condition)."""
    m = df[~df["warmup"]].copy()
    boots = m["boot"].nunique()
    if boots < 2:
        raise PathLengthError(f"determinism needs two boots or more of one plan, got {boots}")
    m["_clean"] = clean(m)
    out = []
    keys = ["mechanism", "mode"] + (["idle_us"] if "idle_us" in m else [])
    for key, g in m.groupby(keys, observed=True):
        mech, mode = key[:2]
        label = {"mechanism": mech, "mode": mode} | ({"idle_us": key[2]} if len(key) > 2 else {})
        per = g.groupby("seq")
        if (per.size() != boots).any():
            raise PathLengthError(f"{mech}-{mode}: not every message is in every boot")
        all_clean = per["_clean"].transform("all")
        for col in count_columns(g) if columns is None else columns:
            if columns is None and not g[col].any():
                continue
            same = per[col].nunique() == 1
            same_clean = g[all_clean].groupby("seq")[col].nunique() == 1
            vals = sorted(g.loc[g["_clean"], col].unique().tolist())
            out.append({**label, "column": col, "boots": boots,
                        "messages": int(per.ngroups), "identical": float(same.mean()),
                        "clean_messages": int(same_clean.size),
                        "identical_clean": float(same_clean.mean()) if len(same_clean) else float("nan"),
                        "clean_values": " ".join(map(str, vals[:6])) + (" …" if len(vals) > 6 else ""),
                        "min": int(g[col].min()), "median": float(g[col].median()), "max": int(g[col].max())})
    return pd.DataFrame(out)


def is_counting_run(run_dir: str | Path) -> bool:
    """Whether a directory is a counting run (its metadata says ``kind: path-lengths``)."""
    try:
        meta = json.loads((Path(run_dir) / "metadata.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("kind") == "path-lengths"


def segment_labels(run_dir: str | Path) -> dict[str, str]:
    """A counting run's kernel segments (name -> label), in order, as its metadata recorded
    them when the plugin read the segments file (empty if the run recorded none)."""
    try:
        meta = json.loads((Path(run_dir) / "metadata.json").read_text())
    except (OSError, ValueError) as e:
        raise PathLengthError(f"{run_dir}: no readable metadata.json ({e})") from e
    return {s["name"]: s["label"] for s in (meta.get("path_lengths") or {}).get("segments", [])}


def load_run(run_dir: str | Path) -> pd.DataFrame:
    """The per-message path lengths of a counting run, every boot in order."""
    d = Path(run_dir) / data.PATHLEN_DIR
    files = sorted(d.glob("*.parquet"))
    if not files:
        raise PathLengthError(f"{d}: no path-length tables (not a counting run, or no boot finished)")
    try:
        frames = [pd.read_parquet(f) for f in files]
    except (OSError, ValueError) as e:
        raise PathLengthError(f"{d}: unreadable path-length table ({e})") from e
    df = pd.concat(frames, ignore_index=True)
    for c in ("platform", "mechanism", "mode"):
        df[c] = df[c].astype(str).astype("category")
    return df
