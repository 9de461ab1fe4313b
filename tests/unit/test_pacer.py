"""The pacer keeps each channel to one message a second from the platform's answer, honours Retry-After, keeps to
the workspace budget, and never makes other channels wait for a busy one."""

from __future__ import annotations

import threading
import time as real
from itertools import pairwise

from bot.core.errors import SendFailed
from bot.core.pacing import Pacer
from tests.fake_time import FakeTime

LATENCY = 0.1  # each send takes this long on the pretend clock


def run(
    items: list[tuple[str, str]],
    interval: float = 1.0,
    *,
    rate: float | None = None,
    limited: dict[str, int] | None = None,
    retry_after: float = 1.0,
) -> tuple[list[tuple[float, str]], dict[str, object], FakeTime, Pacer]:
    """Send `items` (channel, name) on a pretend clock; `limited[name]`: answer that many 429s first."""
    time = FakeTime()
    pacer = Pacer(interval, workspace_rate=rate, clock=time.clock, sleep=time.sleep)
    left = dict(limited or {})
    sent: list[tuple[float, str]] = []
    settled: dict[str, object] = {}

    def send(name: str) -> str:
        started = time.now
        time.now += LATENCY
        if left.get(name):
            left[name] -= 1
            raise SendFailed("ratelimited", retry_after=retry_after)
        sent.append((round(started, 2), name))
        return f"ts-{name}"

    pacer.run(((c, "W1", name) for c, name in items), send, lambda name, r: settled.__setitem__(name, r))
    return sent, settled, time, pacer


def test_one_channel_is_held_to_one_message_a_second_from_the_answer() -> None:
    sent, settled, _, _ = run([("C1", "a"), ("C1", "b"), ("C1", "c")])
    # Each answer comes 0.1 s after the send; the next one waits a full second from that answer.
    assert sent == [(0.0, "a"), (1.1, "b"), (2.2, "c")]
    assert settled == {"a": "ts-a", "b": "ts-b", "c": "ts-c"}


def test_other_channels_do_not_wait_for_a_busy_one() -> None:
    sent, _, _, _ = run([("C1", "a1"), ("C1", "a2"), ("C2", "b1"), ("D3", "c1"), ("C1", "a3")])
    assert [name for _, name in sent][:3] == ["a1", "b1", "c1"]
    assert [at for at, name in sent if name.startswith("a")] == [0.0, 1.1, 2.2]


def test_no_interval_means_no_waiting() -> None:
    sent, _, time, _ = run([("C1", "a"), ("C1", "b")], interval=0)
    assert [name for _, name in sent] == ["a", "b"]
    assert time.slept == []


def test_a_429_waits_retry_after_in_its_channel_only() -> None:
    sent, settled, _, pacer = run([("C1", "a"), ("C2", "b"), ("C2", "c")], limited={"a": 1}, retry_after=2.0)
    a_at = next(at for at, name in sent if name == "a")
    assert a_at >= 0.1 + 2.0  # the 429 answered at 0.1 s; Retry-After 2 s from then
    assert [at for at, name in sent if name in "bc"] == [0.1, 1.2]  # C2 went on meanwhile
    assert settled["a"] == "ts-a" and pacer.stats.rate_limited == 1


def test_a_channel_that_keeps_answering_429_is_settled_as_a_failure() -> None:
    _, settled, _, pacer = run([("C1", "a")], limited={"a": 10})
    assert isinstance(settled["a"], SendFailed)  # the schedule retries it later by its own rules
    assert pacer.stats.rate_limited == 4  # the first try and three re-queues


def test_a_long_retry_after_is_left_to_a_later_sweep() -> None:
    _, settled, time, _ = run([("C1", "a")], limited={"a": 1}, retry_after=600)
    assert isinstance(settled["a"], SendFailed) and time.now < 1


def test_the_workspace_budget_spaces_sends_across_channels() -> None:
    sent, _, _, _ = run([(f"C{i}", f"m{i}") for i in range(6)], rate=2.0)
    # Two a second with a burst of two: the first two go at once, then one each half second.
    starts = [at for at, _ in sent]
    for i in range(len(starts)):
        within = [t for t in starts if starts[i] <= t < starts[i] + 1.0 - 1e-9]
        assert len(within) <= 3, starts
    assert starts[-1] >= 1.5


def test_each_workspace_has_its_own_budget() -> None:
    time = FakeTime()
    pacer = Pacer(0, workspace_rate=1.0, clock=time.clock, sleep=time.sleep)
    sent: list[tuple[float, str]] = []

    def send(name: str) -> str:
        sent.append((round(time.now, 2), name))
        time.now += LATENCY
        return f"ts-{name}"

    acme = [(f"C{i}", "slack:T0ACME001", f"a{i}") for i in range(3)]
    globex = [(f"G{i}", "slack:T0GLBX001", f"g{i}") for i in range(3)]
    pacer.run(acme + globex, send, lambda name, r: None)
    # One a second in each workspace: Acme spending its budget never holds Globex's messages back (one budget for
    # both would send Globex's first at 3.0 s, after Acme's three).
    assert sent == [(0.0, "a0"), (0.1, "g0"), (1.0, "a1"), (1.1, "g1"), (2.0, "a2"), (2.1, "g2")]


def test_a_dropped_item_is_neither_sent_nor_settled() -> None:
    time = FakeTime()
    pacer = Pacer(1.0, clock=time.clock, sleep=time.sleep)
    settled: list[str] = []
    pacer.run(
        [("C1", "W", "a"), ("C1", "W", "b")],
        lambda name: name,
        lambda name, _: settled.append(name),
        keep=lambda name: name != "a",
    )
    assert settled == ["b"] and time.slept == []


def test_with_real_workers_a_channel_never_has_two_in_flight_nor_goes_sooner_than_its_interval() -> None:
    interval = 0.05
    lock = threading.Lock()
    flying: set[str] = set()
    overlaps: list[str] = []
    spans: dict[str, list[tuple[float, float]]] = {}
    threads: set[int] = set()

    def send(item: tuple[str, int]) -> str:
        channel, _ = item
        with lock:
            if channel in flying:
                overlaps.append(channel)
            flying.add(channel)
            threads.add(threading.get_ident())
        started = real.monotonic()
        real.sleep(0.01)
        with lock:
            flying.discard(channel)
            spans.setdefault(channel, []).append((started, real.monotonic()))
        return "ts"

    settled: list[tuple[str, int]] = []
    jobs = [(f"C{c}", "W", (f"C{c}", n)) for n in range(3) for c in range(6)]
    Pacer(interval, workers=4).run(jobs, send, lambda item, _: settled.append(item))
    assert sorted(settled) == sorted(item for _, _, item in jobs)  # each once
    assert overlaps == [] and len(threads) > 1
    for channel, times in spans.items():
        for (_, answered), (started, _) in pairwise(times):
            assert started - answered >= interval - 0.001, channel
