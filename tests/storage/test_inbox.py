"""The inbox's rows on SQLite and PostgreSQL: one row per key, leases judged by the database's clock, done once."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.runtime import open_database
from storage import inbox as rows
from storage.db import Database, commit_rider
from storage.models import InboxEntry

LEASE = timedelta(seconds=30)


def store(db: Database, key: str = "sha256:abc", owner: str = "a", lease: timedelta = LEASE) -> int | None:
    with db.session() as session:
        return rows.store(
            session, key=key, kind="slash_command", mode="http", body="x=1", headers="{}", owner=owner, lease=lease
        )


def entry(db: Database, entry_id: int) -> InboxEntry:
    with db.session() as session:
        found = session.get(InboxEntry, entry_id)
        assert found is not None
        return found


def test_a_key_is_stored_once(db: Database) -> None:
    first = store(db)
    assert first is not None
    assert store(db) is None
    assert store(db, key="sha256:other") not in (None, first)


def test_only_the_owner_finishes_a_row_and_only_once(db: Database) -> None:
    entry_id = store(db, owner="a")
    assert entry_id is not None
    with db.session() as session:
        assert not rows.finish(session, entry_id=entry_id, owner="b", outcome=rows.DONE)
    with db.session() as session:
        assert rows.finish(session, entry_id=entry_id, owner="a", outcome=rows.DONE)
    with db.session() as session:
        assert not rows.finish(session, entry_id=entry_id, owner="a", outcome=rows.FAILED)
    assert entry(db, entry_id).outcome == rows.DONE


def test_a_live_lease_is_not_claimed_an_expired_one_is_claimed_once(db: Database) -> None:
    live = store(db, key="k:live", owner="a")
    dead = store(db, key="k:dead", owner="a", lease=timedelta(seconds=-1))
    assert live is not None and dead is not None
    with db.session() as session:
        assert list(rows.abandoned(session, limit=10)) == [dead]
        assert rows.claim(session, entry_id=live, owner="b", lease=LEASE) is None
    with db.session() as session:
        claimed = rows.claim(session, entry_id=dead, owner="b", lease=LEASE)
        assert claimed is not None and (claimed.owner, claimed.attempts) == ("b", 2)
    with db.session() as session:
        assert rows.claim(session, entry_id=dead, owner="c", lease=LEASE) is None  # b's lease is live now
        # The old owner, back from a stall, can no longer finish what b took over.
        assert not rows.finish(session, entry_id=dead, owner="a", outcome=rows.DONE)


def test_handing_back_ends_the_lease_now(db: Database) -> None:
    entry_id = store(db, owner="a")
    assert entry_id is not None
    with db.session() as session:
        assert rows.hand_back(session, owner="a", ids=[entry_id]) == 1
    with db.session() as session:
        assert list(rows.abandoned(session, limit=10)) == [entry_id]


def test_renewing_keeps_a_row_out_of_reach(db: Database) -> None:
    entry_id = store(db, owner="a", lease=timedelta(milliseconds=200))
    assert entry_id is not None
    with db.session() as session:
        assert rows.renew(session, owner="a", ids=[entry_id], lease=LEASE) == 1
    time.sleep(0.3)
    with db.session() as session:
        assert list(rows.abandoned(session, limit=10)) == []


def test_the_rider_marks_done_in_the_first_transaction_that_writes(db: Database) -> None:
    entry_id = store(db, owner="a")
    assert entry_id is not None
    ridden: list[int] = []

    def rider(session: Session) -> None:
        commit_rider.set(None)
        assert rows.finish(session, entry_id=entry_id, owner="a", outcome=rows.DONE)
        ridden.append(entry_id)

    token = commit_rider.set(rider)
    try:
        with db.session() as session:
            session.get(InboxEntry, entry_id)  # a read: nothing to ride on
        assert ridden == []
        assert entry(db, entry_id).done_at is None
        try:
            with db.session() as session:
                store(db, key="k:rolled-back", owner="a")  # nested in this unit of work
                raise RuntimeError("the work fails")
        except RuntimeError:
            pass
        assert ridden == [] and entry(db, entry_id).done_at is None
        assert store(db, key="k:work", owner="a") is not None
    finally:
        commit_rider.reset(token)
    assert ridden == [entry_id]
    assert entry(db, entry_id).outcome == rows.DONE
    with db.session() as session:
        assert rows.forget(session, before=rows.db_now(session) + timedelta(seconds=1)) == 1


def intake_of(db: Database) -> Database:
    """The engine the inbox takes requests in with (bot.slack.inbox.Inbox.intake)."""
    return Database(db.url, busy_seconds=2, sync_every_commit=False, first_in_line=True, autocommit=True)


def test_storing_is_compiled_once_not_per_request(db: Database) -> None:
    # Every acknowledgement stores a row: a statement SQLAlchemy cannot cache (its dialects' on_conflict inserts)
    # was compiled afresh each time, most of an acknowledgement's CPU.
    intake = intake_of(db)
    hits: list[object] = []

    def note(_conn: object, _cursor: object, statement: str, _params: object, context: object, _many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
            hits.append(getattr(context, "cache_hit", None))

    event.listen(intake.engine, "after_cursor_execute", note)
    try:
        ids = [store(intake, key=f"sha256:{n}") for n in range(3)]
    finally:
        intake.dispose()
    assert None not in ids and len(set(ids)) == 3
    assert [str(h) for h in hits[1:]] == [str(CACHE_HIT)] * 2, hits


def test_a_stored_row_is_committed_when_store_returns_and_its_lease_is_the_databases(db: Database) -> None:
    intake = intake_of(db)
    try:
        with intake.session() as session:
            before = rows.db_now(session)
        entry_id = store(intake, lease=timedelta(seconds=10))
        with intake.session() as session:
            after = rows.db_now(session)
    finally:
        intake.dispose()
    assert entry_id is not None
    row = entry(db, entry_id)  # another engine, another connection: it is there
    assert before <= row.received_at <= after
    assert row.lease_until - row.received_at == timedelta(seconds=10)
    assert row.received_at.tzinfo is not None and row.owner == "a" and row.attempts == 1 and row.done_at is None


def test_on_postgresql_the_intake_commits_each_statement_without_waiting_for_the_disk(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's commit settings")
    intake = intake_of(db)
    try:
        with intake.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "off"
            assert connection.connection.driver_connection.autocommit is True  # type: ignore[union-attr]
        with db.engine.connect() as connection:  # the bot's own engine keeps both
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
    finally:
        intake.dispose()


def test_the_bots_own_work_waits_for_the_disk_on_postgresql_and_not_on_sqlite(db: Database) -> None:
    # Only the inbox's one-row writes skip PostgreSQL's wait for the disk; commitments and the rest do not.
    running = open_database(db.url)
    try:
        with running.engine.connect() as connection:
            if db.engine.dialect.name == "postgresql":
                assert connection.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
            else:  # WAL with synchronous=NORMAL (1): see bot.runtime.open_database
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1
    finally:
        running.dispose()


def test_requests_that_arrive_together_are_written_in_one_statement(db: Database) -> None:
    # Group commit (bot.slack.group_commit): one INSERT for the batch; a key stored before, or a second request
    # of the batch under a key already in it, is a replay (None); the others get their own ids, in order.
    before = store(db, key="event:Ev-old")
    assert before is not None
    batch = [
        rows.Received(key, "event_callback", "http", f"body {n}", "{}")
        for n, key in enumerate(["event:Ev1", "event:Ev-old", "event:Ev2", "event:Ev1", "event:Ev3"])
    ]
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.session() as session:
        ids = rows.store_many(session, batch, owner="here", lease=LEASE)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO INBOX")]
    assert len(inserts) == 1
    assert ids[1] is None and ids[3] is None
    new = [ids[0], ids[2], ids[4]]
    assert None not in new and len(set(new)) == 3 and before not in new
    bodies = {entry(db, i).body for i in new if i is not None}
    assert bodies == {"body 0", "body 2", "body 4"}  # the first request under Ev1 is the one kept
    assert {entry(db, i).owner for i in new if i is not None} == {"here"}


# ---- through SQLite's driver (what an acknowledgement waits on) ----------------------------------------------


def test_the_driver_writes_what_the_session_writes(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'inbox.db'}")
    db.migrate()
    try:
        before = store(db, key="event:Ev-old")
        batch = [
            rows.Received(key, "event_callback", "http", f"body {n}", "{}")
            for n, key in enumerate(["event:Ev1", "event:Ev-old", "event:Ev2", "event:Ev1"])
        ]
        ids = rows.store_many_sqlite(db, batch, owner="here", lease=LEASE)
        assert ids[1] is None and ids[3] is None  # stored before; a second request under a key in the batch
        assert ids[0] is not None and ids[2] is not None and before not in ids
        first = entry(db, ids[0])
        assert (first.key, first.kind, first.mode, first.body, first.headers, first.owner, first.attempts) == (
            "event:Ev1",
            "event_callback",
            "http",
            "body 0",
            "{}",
            "here",
            1,
        )
        # Read back aware, in UTC, as the session writes them: the lease is judged against the database's clock.
        assert first.lease_until - first.received_at == LEASE
        with db.session() as session:
            assert abs(rows.db_now(session) - first.received_at) < timedelta(seconds=5)
            assert list(rows.abandoned(session, limit=10)) == []
        assert not rows.finish_sqlite(db, entry_id=ids[0], owner="someone else", outcome=rows.DONE)
        assert rows.finish_sqlite(db, entry_id=ids[0], owner="here", outcome=rows.DONE)
        assert not rows.finish_sqlite(db, entry_id=ids[0], owner="here", outcome=rows.FAILED)
        done = entry(db, ids[0])
        assert done.outcome == rows.DONE and done.done_at is not None and done.done_at.tzinfo is not None
    finally:
        db.dispose()


def test_the_driver_waits_its_turn_at_the_writer_gate_and_says_locked_past_its_patience(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    db = Database(url)
    db.migrate()
    intake = Database(url, busy_seconds=0.2, first_in_line=True)
    received = [rows.Received("k:1", "slash_command", "http", "x=1", "{}")]
    try:
        with db.session() as session:  # a listener's unit of work holds SQLite's write lock
            session.connection()
            started = time.monotonic()
            with pytest.raises(OperationalError):
                rows.store_many_sqlite(intake, received, owner="a", lease=LEASE)
            assert time.monotonic() - started >= 0.2
        assert rows.store_many_sqlite(intake, received, owner="a", lease=LEASE)[0] is not None
    finally:
        intake.dispose()
        db.dispose()


def test_the_driver_is_for_a_sqlite_file_only() -> None:
    memory = Database("sqlite://")
    try:
        with pytest.raises(TypeError):
            memory.driver_write("SELECT 1", [])
    finally:
        memory.dispose()
