"""The pacer keeps each channel to one message a second without making other channels wait."""

from __future__ import annotations

from bot.core.schedule import Pacer
from tests.fake_time import FakeTime


def run(items: list[tuple[str, str]], interval: float = 1.0) -> tuple[list[tuple[float, str]], FakeTime]:
    time = FakeTime()
    pacer = Pacer(interval, clock=time.clock, sleep=time.sleep)
    sent = []
    for item in pacer.paced(items):
        sent.append((time.now, item))
        time.now += 0.01  # each send takes a little while
    return sent, time


def test_one_channel_is_held_to_one_message_a_second() -> None:
    sent, _ = run([("C1", "a"), ("C1", "b"), ("C1", "c")])
    assert [item for _, item in sent] == ["a", "b", "c"]
    assert [round(at, 2) for at, _ in sent] == [0.0, 1.0, 2.0]


def test_other_channels_do_not_wait_for_a_busy_one() -> None:
    sent, _ = run([("C1", "a1"), ("C1", "a2"), ("C2", "b1"), ("D3", "c1"), ("C1", "a3")])
    # The first message of each channel goes out at once; C1's others wait their second each.
    assert [(round(at, 2), item) for at, item in sent] == [
        (0.0, "a1"),
        (0.01, "b1"),
        (0.02, "c1"),
        (1.0, "a2"),
        (2.0, "a3"),
    ]


def test_no_interval_means_no_waiting() -> None:
    sent, time = run([("C1", "a"), ("C1", "b")], interval=0)
    assert [item for _, item in sent] == ["a", "b"]
    assert time.slept == []
