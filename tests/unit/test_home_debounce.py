"""The per-person debounce of Home tab refreshes, on pretend timers: at once the first time, then at most once
every five seconds, and the last change is never left unshown."""

from __future__ import annotations

from bot.core.home.debounce import Debouncer
from tests.fake_time import PretendTimers


def debouncer() -> tuple[Debouncer, PretendTimers, list[str]]:
    timers, ran = PretendTimers(), []
    return Debouncer(ran.append, interval=5.0, timer=timers.timer, monotonic=timers.monotonic), timers, ran


def test_the_first_change_is_shown_at_once() -> None:
    debounce, timers, ran = debouncer()

    debounce.touch("UPAUL")
    timers.advance()

    assert (ran, timers.delays) == (["UPAUL"], [0.0])


def test_changes_during_the_pause_are_shown_together_at_its_end() -> None:
    debounce, timers, ran = debouncer()
    debounce.touch("UPAUL")
    timers.advance()

    timers.advance(1.0)
    for _ in range(10):
        debounce.touch("UPAUL")
    assert timers.advance(3.9) == 0
    assert timers.advance(0.1) == 1

    assert ran == ["UPAUL", "UPAUL"]
    assert timers.delays == [0.0, 4.0]


def test_each_person_has_their_own_pause() -> None:
    debounce, timers, ran = debouncer()
    debounce.touch("UPAUL")
    timers.advance()

    debounce.touch("UPAUL")
    debounce.touch("UPIA")
    timers.advance()

    assert ran == ["UPAUL", "UPIA"]  # Pia's is not held behind Paul's pause
    timers.advance(5.0)
    assert ran == ["UPAUL", "UPIA", "UPAUL"]


def test_a_quiet_person_is_shown_at_once_again() -> None:
    debounce, timers, ran = debouncer()
    debounce.touch("UPAUL")
    timers.advance()

    timers.advance(60.0)
    debounce.touch("UPAUL")
    timers.advance()

    assert (ran, timers.delays) == (["UPAUL", "UPAUL"], [0.0, 0.0])


def test_a_failed_refresh_does_not_stop_the_next() -> None:
    timers, ran = PretendTimers(), []

    def publish(key: str) -> None:
        ran.append(key)
        if len(ran) == 1:
            raise RuntimeError("Slack said no")

    debounce = Debouncer(publish, interval=5.0, timer=timers.timer, monotonic=timers.monotonic)
    debounce.touch("UPAUL")
    timers.advance()
    debounce.touch("UPAUL")
    timers.advance(5.0)

    assert ran == ["UPAUL", "UPAUL"]
