"""Run experiments on the tcg platform (our QEMU, one guest boot per replication) or
natively (one fresh process pair per replication), into a run directory.

Every boot's data is written as soon as the boot ends, so a hung or panicked guest,
or an interrupted run, loses only the boot in progress; that boot is recorded as failed
with its console log.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform as pyplatform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from . import builds, data, guestio, hostload, pathlen, pinning, provenance, qemu
from .plan import IDLE_MODE, Condition, Experiment, ParameterError
from .samples import NO_IDLE

# what a boot record keeps of the benchmark's JSON (the rest repeats the parameters)
BENCH_META_KEPT = ("failures", "slept_verified", "clock_read_ns", "clock_res_ns", "clocksource_start",
                   "clocksource_end", "writer_cpu_seen", "reader_cpu_seen", "duration_s",
                   "wait_design")


@dataclass
class BootOutcome:
    platform: str
    boot: int
    status: str = "ok"              # ok | timeout | panic | crashed | no-results
    problem: str = ""
    wall_s: float = 0.0
    order: list[str] = field(default_factory=list)
    guest: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)
    console_log: str | None = None
    host_load: dict = field(default_factory=dict)   # uintrlab.hostload.between()
    pinning: dict = field(default_factory=dict)     # uintrlab.pinning.VcpuPinner.record (tcg)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def host_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    u = os.uname()
    return {"cpu_model": model, "cores": os.cpu_count(), "kernel": f"{u.sysname} {u.release} {u.version}",
            "machine": u.machine, "python": sys.version.split()[0], "hostname": u.nodename}


def _read_kv(path: Path) -> dict:
    out = {}
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def _collect_conditions(exp: Experiment, plan: list[Condition], outdir: Path, outcome: BootOutcome,
                        platform: str) -> list[pd.DataFrame]:
    """Read every condition's files from a boot's output folder into samples frames."""
    frames = []
    for c in plan:
        rec: dict = {}
        rc_path = outdir / f"{c.id}.rc"
        rec["rc"] = int(rc_path.read_text().strip()) if rc_path.exists() else None
        meta_path = outdir / f"{c.id}.json"
        if meta_path.exists():
            try:
                rec.update({k: v for k, v in json.loads(meta_path.read_text()).items()
                            if k in BENCH_META_KEPT})
            except ValueError as e:
                rec["problem"] = f"{meta_path.name}: {e}"
        err = outdir / f"{c.id}.stderr"
        if err.exists() and err.stat().st_size:
            rec["stderr"] = err.read_text(errors="replace")[-2000:]
        csv = outdir / f"{c.id}.csv"
        if rec["rc"] == 3:
            rec["status"] = "unsupported"
        elif rec["rc"] in (0, 2) and csv.exists():
            try:
                df = data.read_bench_csv(csv)
                frames.append(data.to_samples(df, platform, c.mechanism, c.mode, outcome.boot,
                                              c.idle_us if c.mode == IDLE_MODE else NO_IDLE))
                rec["status"] = "ok" if rec["rc"] == 0 else "failures"
                csv.unlink()        # the samples table keeps these rows
            except data.DataError as e:
                rec["status"], rec["problem"] = "bad-data", str(e)
        else:
            rec["status"] = "error" if rec["rc"] is not None else "not-run"
        outcome.conditions[c.id] = rec
    return frames


def _boot_tcg(exp: Experiment, plan: list[Condition], boot_dir: Path, timeout: float,
              on_line, extra_args: str = "", counting: dict | None = None) -> BootOutcome:
    return boot_guest([(c.id, exp.bench_args(c)) for c in plan], boot_dir, timeout, on_line,
                      machine=_guest_machine(exp), extra_args=extra_args, host_cpus=exp.host_cpus,
                      initramfs=builds.guest_initramfs(exp.bench_variant),
                      plugin=pathlen.boot_plugin(counting, boot_dir) if counting else None)


def _guest_machine(exp: Experiment) -> qemu.Machine:
    return qemu.machine("guest").but(tcg_threads=exp.tcg_threads)


def boot_guest(plan_lines: list[tuple[str, list[str]]], boot_dir: Path, timeout: float, on_line=None, *,
               machine: qemu.Machine | None = None, extra_args: str = "",
               host_cpus: list[int] | None = None, initramfs: Path | None = None,
               plugin: str | None = None, gdb: str | None = None) -> BootOutcome:
    """Boot our kernel in our QEMU once with a plan (lines "<id> <arguments>", see
    csrc/guest/init), wait for power-off or the timeout and unpack the guest's result
    files into boot_dir. The console log stays in boot_dir/console.log; the outcome says
    whether the guest hung (timeout), panicked, crashed QEMU or wrote no results.
    Each vCPU thread is pinned to its own host CPU (``host_cpus``, default vCPU n on
    CPU n; uintrlab.pinning): the outcome's ``pinning`` records it, or why it could not.
    ``plugin``: a TCG plugin with its arguments (uintrlab.pathlen.plugin_arg); ``gdb``: a
    gdbstub device (qemu.command)."""
    machine = machine or qemu.machine("guest")
    qemu_bin, kernel = builds.component("qemu"), builds.component("kernel")
    outcome = BootOutcome("tcg", 0)
    boot_dir.mkdir(parents=True, exist_ok=True)
    initrd, disk = boot_dir / "initrd.cpio", boot_dir / "results.img"
    plan_txt = guestio.plan_text(plan_lines)
    initrd.write_bytes((initramfs or builds.GUEST_INITRAMFS).read_bytes()
                       + guestio.newc_archive({"plan/plan.txt": plan_txt.encode()}))
    with open(disk, "wb") as f:
        f.truncate(qemu.RESULTS_DISK_BYTES)
    cmd = qemu.command(machine, qemu_bin, kernel, initrd=initrd, disk=disk, append=extra_args,
                       name=f"uintrlab-{boot_dir.name}", plugin=plugin, gdb=gdb)
    (boot_dir / "qemu-command.txt").write_text(" ".join(cmd) + "\n")
    console = boot_dir / "console.log"
    t0 = time.monotonic()
    with open(console, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)

        def pump():
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if on_line is not None:
                    on_line(line.decode(errors="replace"))

        th = threading.Thread(target=pump, daemon=True)
        th.start()
        pinner = pinning.VcpuPinner(proc.pid, machine.vcpus, host_cpus)
        pinner.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            outcome.status, outcome.problem = "timeout", f"no power-off within {timeout:.0f} s"
        th.join(5)
        outcome.pinning = pinner.finish()
    outcome.wall_s = round(time.monotonic() - t0, 3)
    outcome.console_log = str(console)
    text = console.read_text(errors="replace")
    if "Kernel panic" in text:
        outcome.status, outcome.problem = "panic", _panic_line(text)
    elif outcome.status == "ok" and proc.returncode != 0:
        outcome.status, outcome.problem = "crashed", f"QEMU exited with status {proc.returncode}"
    if outcome.status == "ok":
        try:
            guestio.extract_results(disk, boot_dir)
        except RuntimeError as e:
            outcome.status, outcome.problem = "no-results", str(e)
    initrd.unlink()
    disk.unlink()
    return outcome


def _panic_line(text: str) -> str:
    for line in text.splitlines():
        if "Kernel panic" in line:
            return line.strip()
    return "kernel panic"


def _boot_native(exp: Experiment, plan: list[Condition], boot_dir: Path, timeout: float,
                 on_line, extra_args: str = "", counting: None = None) -> BootOutcome:
    outcome = BootOutcome("native", 0)
    info = {"kernel_release": os.uname().release, "cpus_online": os.cpu_count()}
    cs = Path("/sys/devices/system/clocksource/clocksource0/current_clocksource")
    if cs.exists():
        info["clocksource"] = cs.read_text().strip()
    (boot_dir / "guest.txt").write_text("".join(f"{k}={v}\n" for k, v in info.items()))
    deadline = time.monotonic() + timeout
    t0 = time.monotonic()
    for c in plan:
        args = [str(builds.native_bench(exp.bench_variant)), *exp.bench_args(c), "--out", str(boot_dir / f"{c.id}.csv"),
                "--meta", str(boot_dir / f"{c.id}.json")]
        try:
            p = subprocess.run(args, capture_output=True, text=True,
                               timeout=max(deadline - time.monotonic(), 1))
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, e.stdout or "", f"timed out after {timeout:.0f} s"
            outcome.status, outcome.problem = "timeout", f"{c.id} did not finish within {timeout:.0f} s"
        for ext, text in (("stdout", out), ("stderr", err)):
            text = text if isinstance(text, str) else text.decode(errors="replace")
            if text:
                (boot_dir / f"{c.id}.{ext}").write_text(text)
        if rc is not None:
            (boot_dir / f"{c.id}.rc").write_text(f"{rc}\n")
        on_line(f"uintrlab: end {c.id} rc={rc}\n")
        if rc is None:
            break
    outcome.wall_s = round(time.monotonic() - t0, 3)
    return outcome


def _platform_info(exp: Experiment, platform: str) -> dict:
    if platform == "native":
        return {"bench": str(builds.native_bench(exp.bench_variant).relative_to(builds.ROOT)), "pinning":
                {"writer_cpu": exp.writer_cpu, "reader_cpu": exp.reader_cpu}}
    m = _guest_machine(exp)
    host_cpus = exp.host_cpus if exp.host_cpus is not None else pinning.default_host_cpus(m.vcpus)
    # the machine's fields under the names runs have recorded since format 2
    return {"qemu": builds.provenance("qemu"), "kernel": builds.provenance("kernel"),
            "machine": m.board, "cpu": m.cpu, "smp": m.vcpus, "memory": m.memory,
            "tcg_threads": m.tcg_threads, "kernel_cmdline": m.kernel_cmdline,
            "qemu_machine": m.as_dict(),
            "pinning": {"writer_cpu": exp.writer_cpu, "reader_cpu": exp.reader_cpu,
                        "vcpu_host_cpus": host_cpus,
                        "vcpu_pinning_problem": pinning.check_host_cpus(host_cpus, m.vcpus)}}


def check_platform(platform: str, variant: str | None = None) -> None:
    """Raise builds.MissingBuild (naming the make target) if a platform cannot run (with
    the benchmark of a wait-design variant, if given)."""
    if platform == "tcg":
        builds.component("qemu")
        builds.component("kernel")
        builds.check_csrc("guest", variant)
    else:
        builds.check_csrc("native", variant)


def run(exp: Experiment, out_root: Path, run_id: str | None = None, progress: bool = True,
        log=print, fault=None) -> Path:
    """Run an experiment; returns the run directory. Raises ParameterError/MissingBuild early.

    ``fault(platform, boot)``, for tests, returns extra guest kernel parameters for a boot
    (e.g. an init that never finishes) to show how failed boots are handled.
    """
    known = builds.list_mechanisms()
    exp.validate(known)
    conditions = exp.conditions(known)
    for p in exp.platforms:
        check_platform(p, exp.bench_variant)
    # path lengths: the plugin and System.map checked before any boot (uintrlab.pathlen)
    counting = pathlen.prepare() if exp.path_lengths else None
    # Natively, mechanisms this host cannot run (UINTR on a CPU without it) are left out
    # of the plan, said in the log and recorded in the metadata; asking only for them is
    # an error. The guest (tcg) runs every mechanism.
    native_skip = builds.unavailable_natively() if "native" in exp.platforms else {}
    native_skip = {m: why for m, why in native_skip.items() if m in exp.mechanisms}
    if native_skip and all(c.mechanism in native_skip for c in conditions):
        raise ParameterError("mechanism: " + "; ".join(f"{m} cannot run on platform native here: {why}"
                                                       for m, why in native_skip.items()))
    run_id = run_id or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(out_root) / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise FileExistsError(f"{run_dir} exists and is not empty; choose another run id")
    run_dir.mkdir(parents=True, exist_ok=True)
    if exp.skipped:
        log(f"skipping unsupported combinations: {', '.join(exp.skipped)}")
    for m, why in native_skip.items():
        log(f"native: skipping {m}: {why}")

    meta = {
        "format": data.FORMAT, "run_id": run_id, "status": "running", "start": _now(), "end": None,
        "artifact": provenance.git_state(),
        "command": " ".join(sys.argv), "params": exp.as_dict(),
        "conditions": [c.id for c in conditions], "host": host_info(),
        "platforms": {p: _platform_info(exp, p) for p in exp.platforms}, "boots": [],
        "skipped_on_platform": {"native": native_skip} if native_skip else {},
    }
    if counting:    # a counting run: pathlen/ tables, no samples/ (never latency statistics)
        meta["kind"], meta["path_lengths"] = "path-lengths", counting
    data.write_metadata(meta, run_dir / "metadata.json")
    per_boot = sum(exp.messages(c) for c in conditions)
    total = per_boot * exp.boots * len(exp.platforms)
    msgs = {c.id: exp.messages(c) for c in conditions}
    bar = tqdm(total=total, unit="msg", disable=not progress, desc=run_id, file=sys.stderr)

    def on_line(line: str) -> None:
        if line.startswith("uintrlab: end "):
            bar.update(msgs.get(line.split()[2], 0))

    problems = []
    try:
        for platform in exp.platforms:
            for b in range(exp.boots):
                plan = exp.boot_plan(conditions, platform, b)
                if platform == "native":
                    plan = [c for c in plan if c.mechanism not in native_skip]
                boot_dir = run_dir / "boots" / f"{platform}-{b:03d}"
                boot_dir.mkdir(parents=True)
                timeout = exp.boot_timeout(plan)
                bar.set_postfix_str(f"{platform} boot {b + 1}/{exp.boots}")
                before = bar.n
                boot_fn = _boot_tcg if platform == "tcg" else _boot_native
                extra = fault(platform, b) if fault else ""
                load0 = hostload.snapshot()
                outcome = boot_fn(exp, plan, boot_dir, timeout, on_line, extra, counting)
                outcome.host_load = hostload.between(load0, hostload.snapshot())
                _other_on_pinned_cpus(outcome)
                if outcome.pinning.get("warning"):
                    log(f"{platform} boot {b}: WARNING: {outcome.pinning['warning']}")
                outcome.boot, outcome.order = b, [c.id for c in plan]
                outcome.guest = _read_kv(boot_dir / "guest.txt")
                frames = _collect_conditions(exp, plan, boot_dir, outcome, platform)
                bar.n = before + per_boot
                bar.refresh()
                for cid, rec in outcome.conditions.items():
                    if rec["status"] not in ("ok", "failures"):
                        why = rec.get("stderr", rec.get("problem", "")).strip().splitlines()
                        problems.append(f"{platform} boot {b} {cid}: {rec['status']}"
                                        + (f" ({why[-1]})" if why else ""))
                if outcome.status != "ok":
                    problems.append(f"{platform} boot {b}: {outcome.status}: {outcome.problem}")
                    log(f"\n{platform} boot {b} FAILED ({outcome.status}: {outcome.problem}); "
                        f"console log {outcome.console_log}; last lines:")
                    if outcome.console_log:
                        tail = Path(outcome.console_log).read_text(errors="replace").splitlines()[-15:]
                        log("\n".join("    " + t for t in tail))
                rec = outcome.__dict__.copy()
                if rec["console_log"]:
                    rec["console_log"] = str(Path(rec["console_log"]).relative_to(run_dir))
                meta["boots"].append(rec)
                if counting and outcome.status == "ok":
                    try:
                        pathlen.collect_boot(boot_dir, plan, frames, outcome.conditions, run_dir, platform, b)
                    except pathlen.PathLengthError as e:
                        problems.append(f"{platform} boot {b}: path lengths: {e}")
                elif frames and not counting:
                    data.write_boot_samples(pd.concat(frames, ignore_index=True), run_dir, platform, b)
                data.write_metadata(meta, run_dir / "metadata.json")
    finally:
        bar.close()
        meta["status"] = "interrupted" if meta["status"] == "running" and sys.exc_info()[0] else meta["status"]
        if meta["status"] == "running":
            meta["status"] = "complete" if not problems else "complete-with-problems"
        meta["problems"] = problems
        meta["end"] = _now()
        meta["environment"] = _environment_summary(meta)
        data.write_metadata(meta, run_dir / "metadata.json")
    if problems:
        log("problems:\n" + "\n".join("  " + p for p in problems))
    return run_dir


def _other_on_pinned_cpus(outcome: BootOutcome) -> None:
    """Per pinned vCPU: the busy time of its host CPU that was not that vCPU's thread
    (QEMU's main loop, the runner, anything else on the host), into the pinning record."""
    per_cpu = outcome.host_load.get("per_cpu", {})
    for rec in outcome.pinning.get("vcpus", {}).values():
        cpu = rec.get("host_cpu")
        if cpu is not None and str(cpu) in per_cpu and "cpu_s" in rec:
            busy = per_cpu[str(cpu)]
            rec["host_cpu_busy_s"] = busy["busy_s"]
            rec["host_cpu_steal_s"] = busy["steal_s"]
            rec["host_cpu_other_s"] = round(max(busy["busy_s"] - rec["cpu_s"], 0.0), 3)


def _environment_summary(meta: dict) -> dict:
    """Per platform: the clocksource(s) seen, the median cost of one clock read, and the
    other load on the host during its boots (median and max busy cores not ours)."""
    out = {}
    for p in meta["platforms"]:
        boots = [b for b in meta["boots"] if b["platform"] == p]
        costs = sorted(c["clock_read_ns"] for b in boots for c in b["conditions"].values()
                       if "clock_read_ns" in c)
        out[p] = {
            # what the guest reported at start-up and each condition at its start and end
            "clocksources": sorted({b["guest"].get("clocksource", "?") for b in boots}
                                   | {c[k] for b in boots for c in b["conditions"].values()
                                      for k in ("clocksource_start", "clocksource_end") if c.get(k)}),
            "clock_read_ns_median": costs[len(costs) // 2] if costs else None,
            "boots_ok": sum(b["status"] == "ok" for b in boots), "boots": len(boots),
        }
        other = sorted(b["host_load"]["other_load_cores"] for b in boots
                       if "other_load_cores" in b.get("host_load", {}))
        if other:
            out[p]["other_load_cores_median"] = other[len(other) // 2]
            out[p]["other_load_cores_max"] = other[-1]
    return out
