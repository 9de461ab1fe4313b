"""Acknowledgements first (bot.slack.priority): a listener's work waits, at its turns, while a request is being
acknowledged, never longer than its bound, and never for the acknowledgement it must give itself."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bot.slack import priority
from bot.slack.priority import AcksFirst
from storage.db import Database


def _turn_taken_after(acks: AcksFirst) -> threading.Event:
    """A thread deferring to `acks` takes its turn; the event is set once it has."""
    taken = threading.Event()

    def listener() -> None:
        priority.deferring_to.set(acks)
        priority.wait_turn()
        taken.set()

    threading.Thread(target=listener, daemon=True).start()
    return taken


def test_a_listener_waits_while_a_request_is_acknowledged_and_goes_when_it_is() -> None:
    acks = AcksFirst(most=5.0)
    with acks.acknowledging():
        taken = _turn_taken_after(acks)
        assert not taken.wait(0.2)
    assert taken.wait(1.0)


def test_a_listener_never_waits_longer_than_its_bound() -> None:
    acks = AcksFirst(most=0.1)
    with acks.acknowledging():
        started = time.monotonic()
        taken = _turn_taken_after(acks)
        assert taken.wait(2.0)
        assert time.monotonic() - started < 1.0


def test_with_nothing_in_hand_a_turn_costs_nothing() -> None:
    acks = AcksFirst(most=5.0)
    taken = _turn_taken_after(acks)
    assert taken.wait(0.5)


def test_threads_that_do_not_defer_never_wait() -> None:
    # The sweep's senders and the request threads themselves take no turns.
    acks = AcksFirst(most=5.0)
    with acks.acknowledging():
        started = time.monotonic()
        priority.wait_turn()
        assert time.monotonic() - started < 0.1


def test_leaving_early_lets_listeners_go_and_leaving_twice_counts_once() -> None:
    # A form's submission waits for its listener's answer: its request leaves its turn first, or the listener
    # would step aside for the very acknowledgement it has to give.
    acks = AcksFirst(most=5.0)
    with acks.acknowledging() as first, acks.acknowledging():
        first.leave()
        first.leave()
        taken = _turn_taken_after(acks)
        assert not taken.wait(0.2)  # the second request is still in hand
    assert taken.wait(1.0)


def test_a_listener_holding_sqlites_write_lock_does_not_step_aside(tmp_path: Path) -> None:
    # The acknowledgement in hand waits for that lock: stepping aside would only make it wait longer.
    db = Database(f"sqlite:///{tmp_path / 'lock.db'}")
    acks = AcksFirst(most=5.0)
    token = priority.deferring_to.set(acks)
    try:
        with acks.acknowledging(), db.session() as session:
            session.connection().exec_driver_sql("SELECT 1")  # the transaction has begun: the lock is held
            started = time.monotonic()
            priority.wait_turn()
            assert time.monotonic() - started < 1.0
    finally:
        priority.deferring_to.reset(token)
        db.dispose()
