"""Acknowledgements first: while a request waits for its acknowledgement, the listeners' work steps aside.

Slack gives an acknowledgement 3 seconds; the work a listener does after it (parsing, the database, answers to
Slack) has no such clock. Both run as threads of one process, and Python runs one thread at a time: under a burst
the listeners' work took the interpreter from the requests waiting to be acknowledged, and an acknowledgement
took two to three times what a bare Bolt app takes. So the request thread counts itself in while it works towards
its acknowledgement (`acknowledging`), and a listener, at its turns (before its work begins, before each unit of
work, before each Web API call), waits until no request is being acknowledged, for `STEP_ASIDE` at most each time:
under a steady flood its work still goes on, more slowly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from storage.db import holds_sqlite_lock

STEP_ASIDE = 0.05  # seconds a listener waits, at one of its turns, for the acknowledgements in hand


class Turn:
    """One request counted in until it has its acknowledgement; `leave` may be called more than once."""

    def __init__(self, acks: AcksFirst) -> None:
        self._acks: AcksFirst | None = acks

    def leave(self) -> None:
        acks, self._acks = self._acks, None
        if acks is not None:
            acks.left()


class AcksFirst:
    def __init__(self, most: float = STEP_ASIDE) -> None:
        self.most = most
        self._cond = threading.Condition()
        self._acking = 0

    @contextmanager
    def acknowledging(self) -> Iterator[Turn]:
        """Count this request in until the block ends or the turn is left (it waits on a listener's own ack)."""
        with self._cond:
            self._acking += 1
        turn = Turn(self)
        try:
            yield turn
        finally:
            turn.leave()

    def left(self) -> None:
        with self._cond:
            self._acking -= 1
            if self._acking == 0:
                self._cond.notify_all()

    def wait_turn(self) -> None:
        if not self._acking:  # the common case, read without the lock
            return
        with self._cond:
            self._cond.wait_for(lambda: self._acking == 0, timeout=self.most)


# The AcksFirst a listener's thread defers to (set for the listener's run by the inbox's executor).
deferring_to: ContextVar[AcksFirst | None] = ContextVar("deferring_to", default=None)


# The request in this context working towards its acknowledgement (set by the app's dispatch).
in_hand: ContextVar[Turn | None] = ContextVar("ack_in_hand", default=None)


def wait_turn() -> None:
    """A listener's turn: wait for the acknowledgements in hand, if this thread defers to any. Not while it holds
    SQLite's write lock (a Web API call inside a unit of work): the acknowledgements wait for that lock, and
    stepping aside would keep them waiting longer."""
    acks = deferring_to.get()
    if acks is not None and not holds_sqlite_lock():
        acks.wait_turn()
