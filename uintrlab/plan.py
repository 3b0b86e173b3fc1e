"""What to run: conditions, per-boot plans, and validation of parameters by name."""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from . import names


class ParameterError(ValueError):
    """A bad experiment parameter; the message starts with the parameter's name."""


# a message not seen within timeout_ms fails; latencies are stored in 32 bits (uintrlab.data)
MAX_TIMEOUT_MS = 2000
# the mode whose reader is verified asleep and left idle for idle_us before each message
IDLE_MODE = "blocking"


@dataclass(frozen=True)
class Condition:
    """One (mechanism, mode) of a run; in blocking mode also its idle level (µs)."""
    mechanism: str
    mode: str
    idle_us: int = 0

    @property
    def id(self) -> str:
        if self.mode == IDLE_MODE:
            return f"{self.mechanism}-{self.mode}-idle{self.idle_us}"
        return f"{self.mechanism}-{self.mode}"


@dataclass
class Experiment:
    """All parameters of one run. ``blocking_count`` defaults to ``count``.

    ``mode_counts`` gives some modes other than blocking their own count (e.g. fewer round
    trips than one-way messages). ``idle_us`` is one idle level or a list of them: blocking mode runs at each (the
    speedup against idle is a curve); ``blocking_count`` is one count or a mapping from
    idle level to its count. ``bench_variant`` names a wait-design build of the
    benchmark (``make -C csrc variants``; None: the default build), for the A/B of the
    harness's own waits only."""
    platforms: list[str]
    mechanisms: list[str]
    modes: list[str]
    count: int = 1000
    blocking_count: int | None = None
    boots: int = 3
    warmup: int = 100
    idle_us: int | list[int] = 1000
    timeout_ms: int = 1000
    writer_cpu: int = 0
    reader_cpu: int = 1
    seed: int = 1
    tcg_threads: str = "multi"
    boot_timeout_s: float | None = None
    host_cpus: list[int] | None = None      # tcg: vCPU n on host CPU host_cpus[n] (None: n)
    bench_variant: str | None = None
    mode_counts: dict[str, int] | None = None   # a count for some non-blocking modes (default count)
    path_lengths: bool = False              # a counting run (uintrlab.pathlen), never latencies
    skipped: list[str] = field(default_factory=list)

    def validate(self, known_mechanisms: dict[str, tuple[str, ...]]) -> None:
        def bad(name, value, why):
            raise ParameterError(f"{name}: {value!r} {why}")

        if self.blocking_count is None:
            self.blocking_count = self.count
        for name in ("platforms", "mechanisms", "modes"):
            if not getattr(self, name):
                bad(name, [], "is empty")
        platforms, modes = names.names("platform"), names.names("mode")
        for p in self.platforms:
            if p not in platforms:
                bad("platform", p, f"is unknown (choose from {', '.join(platforms)})")
        for m in self.mechanisms:
            if m not in known_mechanisms:
                bad("mechanism", m, f"is unknown (choose from {', '.join(known_mechanisms)})")
        for m in self.modes:
            if m not in modes:
                bad("mode", m, f"is unknown (choose from {', '.join(modes)})")
        for name in ("count", "boots", "timeout_ms"):
            v = getattr(self, name)
            if not _is_int(v) or v <= 0:
                bad(name, v, "must be a positive integer")
        if self.timeout_ms > MAX_TIMEOUT_MS:
            bad("timeout_ms", self.timeout_ms, f"must be at most {MAX_TIMEOUT_MS} (latencies are stored in "
                "32 bits of nanoseconds)")
        self._validate_idle(bad)
        if self.mode_counts is not None:
            if not isinstance(self.mode_counts, dict):
                bad("mode_counts", self.mode_counts, "must map modes to counts")
            for m, v in self.mode_counts.items():
                if m not in modes or m == IDLE_MODE:
                    bad("mode_counts", self.mode_counts, f"names {m!r}, not a mode other than "
                        f"{IDLE_MODE} (blocking has blocking_count)")
                if not _is_int(v) or v <= 0:
                    bad("mode_counts", self.mode_counts, f"count of {m!r} must be a positive integer")
        for name in ("warmup",):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                bad(name, v, "must be a non-negative integer")
        if self.writer_cpu == self.reader_cpu:
            bad("reader_cpu", self.reader_cpu, "must differ from writer_cpu")
        if self.host_cpus is not None and (
                not isinstance(self.host_cpus, list) or len(self.host_cpus) < 2
                or any(not isinstance(c, int) or isinstance(c, bool) or c < 0 for c in self.host_cpus)
                or len(set(self.host_cpus)) != len(self.host_cpus)):
            bad("host_cpus", self.host_cpus, "must list distinct non-negative CPU numbers, one per vCPU")
        if self.path_lengths and self.platforms != ["tcg"]:
            bad("path_lengths", self.platforms, "count only on platform tcg (our QEMU's plugin): "
                "run the other platforms separately")
        if self.tcg_threads not in ("multi", "single"):
            bad("tcg_threads", self.tcg_threads, "must be 'multi' or 'single'")
        if self.bench_variant is not None and not (
                isinstance(self.bench_variant, str) and self.bench_variant.isidentifier()):
            bad("bench_variant", self.bench_variant, "must be the name of a wait design")
        if not self.conditions(known_mechanisms):
            bad("modes", self.modes, f"are supported by none of {self.mechanisms}")

    def _validate_idle(self, bad) -> None:
        """idle_us: one level >= 0, or a list of distinct positive levels; blocking_count:
        one positive count, or a positive count for every idle level (keys may be
        strings, as from JSON)."""
        if isinstance(self.idle_us, list):
            if not self.idle_us:
                bad("idle_us", self.idle_us, "is an empty list")
            for v in self.idle_us:
                if not _is_int(v) or v <= 0:
                    bad("idle_us", self.idle_us, f"has {v!r}: every idle level must be a positive integer")
            if len(set(self.idle_us)) != len(self.idle_us):
                bad("idle_us", self.idle_us, "repeats a level")
        elif not _is_int(self.idle_us) or self.idle_us < 0:
            bad("idle_us", self.idle_us, "must be a non-negative integer or a list of positive ones")
        bc = self.blocking_count
        if isinstance(bc, dict):
            try:
                bc = {int(k): v for k, v in bc.items()}
            except (TypeError, ValueError):
                bad("blocking_count", self.blocking_count, "keys must be idle levels (integers)")
            missing = [i for i in self.idle_levels() if i not in bc]
            if missing:
                bad("blocking_count", self.blocking_count, f"has no count for idle level(s) {missing}")
            extra = sorted(set(bc) - set(self.idle_levels()))
            if extra:
                bad("blocking_count", self.blocking_count, f"names idle level(s) {extra} not in idle_us")
            for v in bc.values():
                if not _is_int(v) or v <= 0:
                    bad("blocking_count", self.blocking_count, "counts must be positive integers")
            self.blocking_count = bc
        elif not _is_int(bc) or bc <= 0:
            bad("blocking_count", bc, "must be a positive integer or a mapping idle level -> count")

    def idle_levels(self) -> list[int]:
        """The idle levels of blocking mode, in the order given."""
        return list(self.idle_us) if isinstance(self.idle_us, list) else [self.idle_us]

    def conditions(self, known_mechanisms: dict[str, tuple[str, ...]]) -> list[Condition]:
        """Every (mechanism, mode) pair the mechanism supports, blocking once per idle
        level; the rest go to ``skipped``."""
        out, self.skipped = [], []
        for m in self.mechanisms:
            for mode in self.modes:
                if mode in known_mechanisms.get(m, ()):
                    if mode == IDLE_MODE:
                        out += [Condition(m, mode, i) for i in self.idle_levels()]
                    else:
                        out.append(Condition(m, mode))
                else:
                    self.skipped.append(f"{m}-{mode}")
        return out

    def measured(self, c: Condition) -> int:
        """Measured messages one boot sends for a condition (warm-up not included)."""
        if c.mode != IDLE_MODE:
            return (self.mode_counts or {}).get(c.mode, self.count)
        bc = self.blocking_count
        return bc[c.idle_us] if isinstance(bc, dict) else bc

    def messages(self, c: Condition) -> int:
        """Messages one boot sends for a condition, warm-up included."""
        return self.measured(c) + self.warmup

    def bench_args(self, c: Condition) -> list[str]:
        return ["--mechanism", c.mechanism, "--mode", c.mode, "--count", str(self.measured(c)),
                "--warmup", str(self.warmup), "--idle-us", str(c.idle_us),
                "--timeout-ms", str(self.timeout_ms), "--writer-cpu", str(self.writer_cpu),
                "--reader-cpu", str(self.reader_cpu)]

    def boot_plan(self, conditions: list[Condition], platform: str, boot: int) -> list[Condition]:
        """The conditions of one boot in a seeded random order (no fixed order effects)."""
        order = list(conditions)
        random.Random(f"{self.seed}-{platform}-{boot}").shuffle(order)
        return order

    def boot_timeout(self, conditions: list[Condition]) -> float:
        """A generous bound for one boot: boot time plus a per-message allowance."""
        if self.boot_timeout_s:
            return self.boot_timeout_s
        t = 120.0
        for c in conditions:
            per = 0.02 + c.idle_us / 1e6 if c.mode == IDLE_MODE else 0.005
            t += self.messages(c) * per
        return t

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        if isinstance(d["blocking_count"], dict):      # JSON keys are strings: say so
            d["blocking_count"] = {str(k): v for k, v in d["blocking_count"].items()}
        return d


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
