"""What to run: conditions, per-boot plans, and validation of parameters by name."""
from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from . import names


class ParameterError(ValueError):
    """A bad experiment parameter; the message starts with the parameter's name."""


@dataclass(frozen=True)
class Condition:
    mechanism: str
    mode: str

    @property
    def id(self) -> str:
        return f"{self.mechanism}-{self.mode}"


@dataclass
class Experiment:
    """All parameters of one run. ``blocking_count`` defaults to ``count``."""
    platforms: list[str]
    mechanisms: list[str]
    modes: list[str]
    count: int = 1000
    blocking_count: int | None = None
    boots: int = 3
    warmup: int = 100
    idle_us: int = 1000
    timeout_ms: int = 1000
    writer_cpu: int = 0
    reader_cpu: int = 1
    seed: int = 1
    tcg_threads: str = "multi"
    boot_timeout_s: float | None = None
    host_cpus: list[int] | None = None      # tcg: vCPU n on host CPU host_cpus[n] (None: n)
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
        for name in ("count", "blocking_count", "boots", "timeout_ms"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                bad(name, v, "must be a positive integer")
        for name in ("warmup", "idle_us"):
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
        if self.tcg_threads not in ("multi", "single"):
            bad("tcg_threads", self.tcg_threads, "must be 'multi' or 'single'")
        if not self.conditions(known_mechanisms):
            bad("modes", self.modes, f"are supported by none of {self.mechanisms}")

    def conditions(self, known_mechanisms: dict[str, tuple[str, ...]]) -> list[Condition]:
        """Every (mechanism, mode) pair the mechanism supports; the rest go to ``skipped``."""
        out, self.skipped = [], []
        for m in self.mechanisms:
            for mode in self.modes:
                if mode in known_mechanisms.get(m, ()):
                    out.append(Condition(m, mode))
                else:
                    self.skipped.append(f"{m}-{mode}")
        return out

    def messages(self, c: Condition) -> int:
        """Messages one boot sends for a condition, warm-up included."""
        return (self.blocking_count if c.mode == "blocking" else self.count) + self.warmup

    def bench_args(self, c: Condition) -> list[str]:
        count = self.blocking_count if c.mode == "blocking" else self.count
        return ["--mechanism", c.mechanism, "--mode", c.mode, "--count", str(count),
                "--warmup", str(self.warmup), "--idle-us", str(self.idle_us),
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
            per = 0.02 + self.idle_us / 1e6 if c.mode == "blocking" else 0.005
            t += self.messages(c) * per
        return t

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)
