"""Group commit: requests that arrive while one write is under way are written together by the next.

Every acknowledgement waits for its request's row to be written (bot.slack.inbox). On PostgreSQL, where this is used,
that is a round trip to the server, and under a burst the round trips queued behind each other. Here the first
request to find no write under way writes everything waiting (up to `most`) in one statement; the others wait for
that write and take their own results from it. Alone, a request is written at once, as before; under a burst, eight
acknowledgements cost one round trip instead of eight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")

MOST = 32


class _Waiting(Generic[_In, _Out]):
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: _In) -> None:
        self.item = item
        self.result: _Out | None = None
        self.error: BaseException | None = None
        self.done = False


class GroupCommit(Generic[_In, _Out]):
    """`write(items)` returns one result per item, in order; an exception it raises is raised to every caller whose
    item was in that write."""

    def __init__(self, write: Callable[[Sequence[_In]], Sequence[_Out]], *, most: int = MOST) -> None:
        self._write = write
        self._most = most
        self._cond = threading.Condition()
        self._queue: list[_Waiting[_In, _Out]] = []
        self._writing = False

    def submit(self, item: _In) -> _Out:
        me: _Waiting[_In, _Out] = _Waiting(item)
        with self._cond:
            self._queue.append(me)
        while True:
            with self._cond:
                while self._writing and not me.done:
                    self._cond.wait()
                if me.done:
                    break
                # No write under way: this thread writes what is waiting, its own item among it unless a full
                # batch of earlier ones leaves it for the next round.
                self._writing = True
                batch, self._queue = self._queue[: self._most], self._queue[self._most :]
            self._lead(batch)
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value]

    def _lead(self, batch: list[_Waiting[_In, _Out]]) -> None:
        results: Sequence[_Out] = ()
        error: BaseException | None = None
        try:
            results = self._write([waiting.item for waiting in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a group write returned {len(results)} results for {len(batch)} items")
        except BaseException as e:
            error = e
        with self._cond:
            for n, waiting in enumerate(batch):
                waiting.done, waiting.error = True, error
                waiting.result = results[n] if error is None else None
            self._writing = False
            self._cond.notify_all()
