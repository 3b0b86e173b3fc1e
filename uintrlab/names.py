"""The names of the experiment's dimensions — mechanisms, modes, platforms — in their
display order, with their labels: the one place every module, notebook and the report
read them from (:func:`order`, :func:`names`, :func:`label`).

Which mechanisms exist and which modes each supports is the benchmark's to say
(``uintr-bench --list``, read by :func:`uintrlab.builds.bench_listing`); this registry
only orders and labels them. :func:`disagreements` compares the two, and a test fails
when they differ, so a mechanism or mode added to the benchmark needs one entry here.

Adding a mechanism, a mode or a platform is adding an :class:`Entry` to its tuple, at
the place it should be shown. A dimension whose values are numbers (e.g. a sweep of
``idle_us``) is a :class:`Dimension` with ``numeric=True``: values without an entry are
then ordered as numbers and labelled with the unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    """One value of a dimension. ``label``: how figures and pages show it (default: the
    name); ``uintr``: a mechanism that needs user interrupts (runs only where the CPU and
    kernel have them: our QEMU guest, platform tcg)."""
    name: str
    label: str = ""
    uintr: bool = False

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", self.name)


@dataclass(frozen=True)
class Dimension:
    """A column of the samples (``name``) and its known values in display order."""
    name: str
    entries: tuple[Entry, ...]
    numeric: bool = False
    unit: str = ""
    _by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        by_name = {e.name: e for e in self.entries}
        if len(by_name) != len(self.entries):
            raise ValueError(f"{self.name}: an entry is listed twice")
        object.__setattr__(self, "_by_name", by_name)

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def _unlisted_key(self, value: str):
        if self.numeric:
            try:
                return (0, float(value), value)
            except ValueError:
                return (1, 0.0, value)
        return (0, 0.0, value)

    def order(self, values) -> list[str]:
        """The distinct ``values`` (as strings) in display order; values without an entry
        last (sorted; as numbers in a numeric dimension)."""
        present = {str(v) for v in values}
        listed = [n for n in self.names() if n in present]
        return listed + sorted(present - set(listed), key=self._unlisted_key)

    def label(self, value) -> str:
        e = self._by_name.get(str(value))
        if e is not None:
            return e.label
        return f"{value} {self.unit}" if self.unit else str(value)


MECHANISMS = Dimension("mechanism", (
    Entry("eventfd"),                    # the baseline
    Entry("uintr_event", uintr=True),    # the study's: SENDUIPI, the kernel signals an eventfd
    Entry("uintr", uintr=True),          # SENDUIPI to the reader's user-interrupt handler
    Entry("pipe"),
    Entry("unix"),                       # one byte on a UNIX socketpair / epoll_wait
    Entry("futex"),
    Entry("signal"),                     # kill SIGUSR1 / sigtimedwait or a handler's flag
    Entry("spin"),                       # no notification: the reader polls (the floor)
))

MODES = Dimension("mode", (
    Entry("nonblocking"),                # the reader polls
    Entry("blocking"),                   # the reader verified asleep, then idle_us more
    Entry("backtoback"),                 # the study's "non-blocking": the reader waits in its
                                         # blocking call, the next message right after
    Entry("pingpong"),                   # round trip, both sides block
    Entry("pingpong-spin"),              # round trip, both sides poll (Intel's RFC table)
))

PLATFORMS = Dimension("platform", (
    Entry("tcg"),
    Entry("native"),
))

DIMENSIONS = {d.name: d for d in (MECHANISMS, MODES, PLATFORMS)}


def dimension(name: str) -> Dimension:
    try:
        return DIMENSIONS[name]
    except KeyError:
        raise ValueError(f"dimension: {name!r} is unknown (choose from "
                         f"{', '.join(DIMENSIONS)})") from None


def order(values, dim: str) -> list[str]:
    """``values`` of dimension ``dim`` ("mechanism", "mode", "platform") in display order,
    values without an entry last."""
    return dimension(dim).order(values)


def names(dim: str) -> list[str]:
    """Every known value of a dimension, in display order."""
    return dimension(dim).names()


def label(dim: str, value) -> str:
    """How a value is shown in figures and pages."""
    return dimension(dim).label(value)


def uintr_mechanisms() -> list[str]:
    """The mechanisms that need user interrupts, in display order."""
    return [e.name for e in MECHANISMS.entries if e.uintr]


def disagreements(listing: dict[str, tuple[str, ...]]) -> list[str]:
    """Where this registry and the benchmark's ``--list`` (mechanism -> modes) differ:
    a mechanism or a mode that one has and the other lacks. Empty when they agree."""
    out = []
    listed = set(listing)
    known = set(MECHANISMS.names())
    out += [f"mechanism {m!r}: in uintr-bench --list, not in uintrlab.names.MECHANISMS"
            for m in sorted(listed - known)]
    out += [f"mechanism {m!r}: in uintrlab.names.MECHANISMS, not in uintr-bench --list"
            for m in sorted(known - listed)]
    listed_modes = {mode for modes in listing.values() for mode in modes}
    known_modes = set(MODES.names())
    out += [f"mode {m!r}: in uintr-bench --list, not in uintrlab.names.MODES"
            for m in sorted(listed_modes - known_modes)]
    out += [f"mode {m!r}: in uintrlab.names.MODES, supported by no mechanism of uintr-bench --list"
            for m in sorted(known_modes - listed_modes)]
    return out
