"""Sending many messages at once within a chat platform's limits.

Slack takes about one message a second in one channel (and answers 429 with `Retry-After` past that), and keeps a
budget for a whole workspace besides. A sweep with hundreds of messages due at one moment is mostly waiting for
answers, so the pacer keeps several requests in flight (a bounded pool of workers), never two at once in one
channel, the next one in a channel no sooner than `interval` after the platform answered the last, and no more
than `workspace_rate` a second per workspace (each job names its own: the installation that sends it, as the
courier says, bot.core.ports.workspace_of). A 429 puts that channel's message back at the head of its queue for
`Retry-After` seconds while every other channel goes on.

Workers only call the platform: the caller's `settle` runs on the caller's thread, so whatever it writes to the
database is written where the sweep's session lives.
"""

from __future__ import annotations

import heapq
import time as systime
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.core.errors import SendFailed

T = TypeVar("T")

# Slack takes about one message per second per channel; other channels need not wait for a busy one.
PER_CHANNEL_INTERVAL = 1.0
# A message answered 429 this many times in one sweep is settled as a failed attempt (retried later by the
# schedule's own rules) rather than holding its channel's queue for ever.
MAX_REQUEUES = 3
# A Retry-After longer than this is not waited for within the sweep: the message is settled as a failed attempt,
# which the schedule tries again after that wait (a later sweep), so one channel never holds the sweep for long.
MAX_REQUEUE_WAIT = 10.0


@dataclass
class PacerStats:
    """What the pacer met: messages settled, and 429s answered (each one re-queued or settled as failed)."""

    settled: int = 0
    rate_limited: int = 0


@dataclass
class _Job(Generic[T]):
    channel: str
    lane: str
    item: T
    requeues: int = 0


@dataclass
class _Budget:
    """A token bucket per workspace: `rate` sends a second, bursts of one second's worth."""

    rate: float
    tokens: dict[str, float] = field(default_factory=dict)
    at: dict[str, float] = field(default_factory=dict)

    def take(self, lane: str, now: float) -> float:
        """0 when a send may go now (and it is counted); otherwise the seconds until it may."""
        burst = max(1.0, self.rate)
        tokens = min(burst, self.tokens.get(lane, burst) + (now - self.at.get(lane, now)) * self.rate)
        self.at[lane] = now
        if tokens >= 1.0:
            self.tokens[lane] = tokens - 1.0
            return 0.0
        self.tokens[lane] = tokens
        return (1.0 - tokens) / self.rate


_Answer = tuple[float, object, Exception | None]  # when the platform answered, what send returned, what it raised


class _Answered:
    """An answer already in, sent on the caller's thread: what a Future gives, without the lock and condition a
    Future is built with (one per message)."""

    __slots__ = ("answer",)

    def __init__(self, answer: _Answer) -> None:
        self.answer = answer

    def done(self) -> bool:
        return True

    def result(self) -> _Answer:
        return self.answer


class Pacer:
    """Sends jobs through `workers` workers, one channel at a time each, within the per-channel interval and the
    per-workspace rate (None: no workspace budget). `workers=1` sends on the caller's thread."""

    def __init__(
        self,
        interval: float = PER_CHANNEL_INTERVAL,
        *,
        workers: int = 1,
        workspace_rate: float | None = None,
        max_requeues: int = MAX_REQUEUES,
        clock: Callable[[], float] = systime.monotonic,
        sleep: Callable[[float], None] = systime.sleep,
    ) -> None:
        if workers < 1:
            raise ValueError("a pacer needs at least one worker")
        if workspace_rate is not None and workspace_rate <= 0:
            raise ValueError("a workspace rate is a positive number of messages a second")
        self.interval = interval
        self.workers = workers
        self.workspace_rate = workspace_rate
        self.max_requeues = max_requeues
        self.clock = clock
        self.sleep = sleep
        self._ready: dict[str, float] = {}  # channel -> when it may take its next message (kept between runs)
        self.stats = PacerStats()

    def run(
        self,
        jobs: Iterable[tuple[str, str, T]],
        send: Callable[[T], object],
        settle: Callable[[T, object], None],
        *,
        keep: Callable[[T], bool] | None = None,
        between: Callable[[], None] | None = None,
        serial: bool = False,
    ) -> PacerStats:
        """Send every `(channel, workspace, item)` with `send` (on a worker) and hand `settle` (on this thread)
        each item with what `send` returned or the exception it raised. `keep` is asked, on this thread, just
        before an item goes: False drops it unsent and unsettled. `between` runs on this thread between answers
        (the sweep renews its claims and writes outcomes there). `serial`: one worker, on this thread, for a
        sender that may not be called from another."""
        stats = self.stats  # counted over the pacer's life: a sweep runs it once per batch and courier kind
        start = self.clock()
        self._ready = {c: t for c, t in self._ready.items() if t > start}  # only channels still waiting matter
        queues: dict[str, deque[_Job[T]]] = {}
        for channel, lane, item in jobs:
            queues.setdefault(channel, deque()).append(_Job(channel, lane, item))
        order = {channel: i for i, channel in enumerate(queues)}
        heap = [(self._ready.get(c, float("-inf")), order[c], c) for c in queues]
        heapq.heapify(heap)
        budget = _Budget(self.workspace_rate) if self.workspace_rate is not None else None
        flying: dict[Future[_Answer] | _Answered, _Job[T]] = {}
        workers = 1 if serial else self.workers
        # One worker: each call runs at once on the caller's thread (deterministic, and a pretend clock works).
        pool = None if workers == 1 else ThreadPoolExecutor(workers, "delivery")

        def call(job: _Job[T]) -> _Answer:
            try:
                result: object = send(job.item)
            except Exception as e:  # handed to settle on the caller's thread, never lost in a worker
                return self.clock(), None, e
            return self.clock(), result, None

        try:
            while heap or flying:
                now = self.clock()
                later = []
                while heap and heap[0][0] <= now and len(flying) < workers:
                    _, rank, channel = heapq.heappop(heap)
                    queue = queues[channel]
                    job = queue[0]
                    if keep is not None and not keep(job.item):
                        queue.popleft()
                        if queue:
                            heapq.heappush(heap, (now, rank, channel))
                        continue
                    wait_for = budget.take(job.lane, now) if budget is not None else 0.0
                    if wait_for > 0:
                        later.append((now + wait_for, rank, channel))
                        continue
                    queue.popleft()
                    flying[_Answered(call(job)) if pool is None else pool.submit(call, job)] = job
                for entry in later:
                    heapq.heappush(heap, entry)
                if between is not None:
                    between()
                if flying:
                    timeout = None
                    if heap and len(flying) < workers:
                        timeout = max(0.0, heap[0][0] - self.clock())
                    # Answers already in (always so with one worker on this thread) need no wait.
                    done = [f for f in flying if f.done()] or list(wait(_futures(flying), timeout, FIRST_COMPLETED)[0])
                    for future in done:
                        job = flying.pop(future)
                        self._answered(job, future.result(), queues, order, heap, settle, stats)
                elif heap:
                    self.sleep(max(0.0, heap[0][0] - self.clock()))
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        return stats

    def _answered(
        self,
        job: _Job[T],
        answer: _Answer,
        queues: dict[str, deque[_Job[T]]],
        order: dict[str, int],
        heap: list[tuple[float, int, str]],
        settle: Callable[[T, object], None],
        stats: PacerStats,
    ) -> None:
        """The platform answered `job`: its channel's next message waits `interval` from now (or `Retry-After`
        after a 429, this one first again); anything else is settled."""
        answered_at, result, error = answer
        queue = queues[job.channel]
        ready = answered_at + self.interval
        if isinstance(error, SendFailed) and error.retry_after is not None:
            stats.rate_limited += 1
            if job.requeues < self.max_requeues and error.retry_after <= MAX_REQUEUE_WAIT:
                job.requeues += 1
                queue.appendleft(job)
                ready = answered_at + max(error.retry_after, self.interval)
            else:
                stats.settled += 1
                settle(job.item, error)
        else:
            stats.settled += 1
            settle(job.item, error if error is not None else result)
        self._ready[job.channel] = ready
        if queue:
            heapq.heappush(heap, (ready, order[job.channel], job.channel))


def _futures(flying: dict[Future[_Answer] | _Answered, Any]) -> list[Future[_Answer]]:
    return [f for f in flying if isinstance(f, Future)]
