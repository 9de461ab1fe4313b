"""SQLite's write lock within one process: the inbox's intake (first in line) goes before the listeners' work.

An acknowledgement waits on the intake's one-row write; a listener's command was acknowledged already. Left to
SQLite's busy handler, whichever waiter polled first got the lock, and under a burst the intake lost for seconds
(bench/load.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import Database, may_wait


def _write(db: Database, order: list[str], name: str, hold: float = 0.0) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": name})
        order.append(name)
        time.sleep(hold)  # a listener's command keeps the lock a while


def test_a_first_in_line_writer_goes_before_others_already_waiting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    work, intake = Database(url), Database(url, busy_seconds=5, first_in_line=True)
    try:
        with work.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (who TEXT)"))
        order: list[str] = []
        holding = work.engine.connect()
        holding.begin()
        holding.execute(text("INSERT INTO t (who) VALUES ('holder')"))  # the write lock is taken
        listeners = [threading.Thread(target=_write, args=(work, order, f"listener {n}", 0.05)) for n in range(5)]
        for listener in listeners:
            listener.start()
        time.sleep(0.3)  # the listeners wait first
        ack = threading.Thread(target=_write, args=(intake, order, "intake"))
        ack.start()
        time.sleep(0.3)
        holding.commit()
        holding.close()
        for thread in [*listeners, ack]:
            thread.join(timeout=10)
        assert order[0] == "intake", order
        assert sorted(order[1:]) == [f"listener {n}" for n in range(5)]
    finally:
        work.dispose()
        intake.dispose()


def test_a_writer_that_waits_past_its_patience_gets_database_is_locked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    work, intake = Database(url), Database(url, busy_seconds=0.3, first_in_line=True)
    try:
        with work.engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (who TEXT)"))
        with work.engine.begin() as connection:
            connection.execute(text("INSERT INTO t (who) VALUES ('holder')"))
            started = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                _write(intake, [], "intake")
            assert 0.25 < time.monotonic() - started < 2
        _write(intake, [], "intake")  # the gate was given back: the next write goes through at once
    finally:
        work.dispose()
        intake.dispose()


def test_work_that_may_wait_is_asked_before_each_unit_and_on_postgresql_before_each_statement(db: Database) -> None:
    # bot.slack.priority: a listener's database work waits at these turns while a request is being acknowledged.
    # On SQLite only before a unit of work begins: its transaction holds the one write lock the ack needs.
    turns: list[str] = []
    token = may_wait.set(lambda: turns.append("turn"))
    try:
        with db.session() as session:
            for _ in range(3):
                session.connection().exec_driver_sql("SELECT 1")
            with db.session() as nested:  # a nested unit of work is part of the outer one: no turn of its own
                nested.connection().exec_driver_sql("SELECT 2")
    finally:
        may_wait.reset(token)
    if db.engine.dialect.name == "postgresql":
        assert len(turns) >= 1 + 4
    else:
        assert turns == ["turn"]
