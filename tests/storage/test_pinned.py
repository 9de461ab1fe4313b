"""Database.pinned: a run of units of work on one connection, each still its own transaction (the sweep's)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import select

from storage.db import Database
from storage.models import ProcessedEvent

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def checkouts(db: Database) -> Iterator[list[int]]:
    """How many times the pool handed out a connection, in a one-item list."""
    seen = [0]

    def count(*_: object) -> None:
        seen[0] += 1

    event.listen(db.engine.pool, "checkout", count)
    yield seen
    event.remove(db.engine.pool, "checkout", count)


def _add(db: Database, event_id: str) -> None:
    with db.session() as session:
        session.add(ProcessedEvent(event_id=event_id, received_at=NOW))


def _ids(db: Database) -> list[str]:
    with db.session() as session:
        return sorted(e.event_id for e in session.exec(select(ProcessedEvent)))


def test_units_of_work_share_one_checkout_and_each_commits_or_rolls_back_alone(
    db: Database, checkouts: list[int]
) -> None:
    with db.pinned():
        _add(db, "Ev1")
        with pytest.raises(RuntimeError), db.session() as session:
            session.add(ProcessedEvent(event_id="Ev2", received_at=NOW))
            session.flush()
            raise RuntimeError("this unit fails")
        _add(db, "Ev3")
        with db.pinned():  # nested: the same connection
            _add(db, "Ev4")
        assert checkouts[0] == 1
    assert _ids(db) == ["Ev1", "Ev3", "Ev4"]
    assert checkouts[0] == 2  # after the block, a unit of work takes a connection of its own again


def test_another_thread_is_not_pinned_and_sees_each_commit_at_once(db: Database, checkouts: list[int]) -> None:
    seen: list[list[str]] = []
    with db.pinned():
        _add(db, "Ev1")
        reader = threading.Thread(target=lambda: seen.append(_ids(db)))
        reader.start()
        reader.join(timeout=10)
    assert seen == [["Ev1"]]  # committed before the block ended
    assert checkouts[0] == 2  # the pinned one, and the other thread's own


def test_pinning_another_database_inside_the_block_pins_that_one_too(tmp_path: Path) -> None:
    first, second = (Database(f"sqlite:///{tmp_path / name}") for name in ("one.db", "two.db"))
    try:
        for db in (first, second):
            db.migrate()
        seen = [0]
        event.listen(second.engine.pool, "checkout", lambda *_: seen.__setitem__(0, seen[0] + 1))
        with first.pinned(), second.pinned():
            _add(second, "Ev1")
            _add(second, "Ev2")
        assert seen[0] == 1
        assert _ids(second) == ["Ev1", "Ev2"]
    finally:
        first.dispose()
        second.dispose()
