"""A clock and a sleep that only pretend, for tests of the pacer: sleeping moves the clock and is recorded."""

from __future__ import annotations

from collections.abc import Callable


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


class PretendTimers:
    """Timers that never start a thread: `timer(delay, fn)` (a `threading.Timer` stand-in) is only recorded, and
    `advance(seconds)` moves the pretend clock and runs, in order, those whose time has come."""

    def __init__(self) -> None:
        self.time = FakeTime()
        self.pending: list[tuple[float, int, Callable[[], None]]] = []
        self.delays: list[float] = []
        self._seq = 0

    def monotonic(self) -> float:
        return self.time.now

    def timer(self, delay: float, fn: Callable[[], None]) -> _Started:
        return _Started(self, delay, fn)

    def advance(self, seconds: float = 0.0) -> int:
        """Move the clock and run what is due; the number of timers that ran."""
        self.time.now += seconds
        ran = 0
        while True:
            due = sorted(t for t in self.pending if t[0] <= self.time.now)
            if not due:
                return ran
            self.pending.remove(due[0])
            due[0][2]()
            ran += 1


class _Started:
    def __init__(self, timers: PretendTimers, delay: float, fn: Callable[[], None]) -> None:
        self.timers, self.delay, self.fn = timers, delay, fn

    def start(self) -> None:
        timers = self.timers
        timers._seq += 1
        timers.delays.append(round(self.delay, 3))
        timers.pending.append((timers.time.now + self.delay, timers._seq, self.fn))
