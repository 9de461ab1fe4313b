"""At most one refresh of a person's page every few seconds, however many changes arrive: the first change is
shown at once, the ones during the pause together at its end, and none is left unshown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 5.0


class Timer(Protocol):
    def start(self) -> None: ...


TimerFactory = Callable[[float, Callable[[], None]], Timer]


def thread_timer(delay: float, fn: Callable[[], None]) -> Timer:
    """A daemon timer thread: a pending refresh never keeps the process from stopping."""
    timer = threading.Timer(delay, fn)
    timer.daemon = True
    return timer


class Debouncer:
    """Runs `action(key)` for each key touched, at most once every `interval` seconds per key.

    A touch while a run is pending joins it; a touch after a run is scheduled for when the pause ends, so the last
    change is always shown. `timer` and `monotonic` are parameters so that tests use pretend ones and never sleep."""

    def __init__(
        self,
        action: Callable[[str], object],
        *,
        interval: float = INTERVAL_SECONDS,
        timer: TimerFactory = thread_timer,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.action = action
        self.interval = interval
        self.timer = timer
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._last: dict[str, float] = {}

    def touch(self, key: str) -> None:
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
            last = self._last.get(key)
            delay = 0.0 if last is None else max(0.0, last + self.interval - self.monotonic())
        self.timer(delay, lambda: self._run(key)).start()

    def _run(self, key: str) -> None:
        with self._lock:
            self._pending.discard(key)
            self._last[key] = self.monotonic()
            # Forget those long quiet, so the table does not grow with everyone ever seen.
            stale = [
                k for k, at in self._last.items() if at + self.interval < self._last[key] and k not in self._pending
            ]
            for k in stale:
                del self._last[k]
        try:
            self.action(key)
        except Exception:
            log.exception("could not refresh %s", key)
