"""Database.warm: a server database's connections opened at start, not by the first burst of requests."""

from __future__ import annotations

import threading

from sqlalchemy import event, text

from bot.slack.inbox import Inbox
from storage.db import Database
from tests.slack import payloads


def _new_connections(db: Database) -> list[int]:
    """How many connections the pool opens from now on, in a one-item list."""
    opened = [0]

    def count(*_: object) -> None:
        opened[0] += 1

    event.listen(db.engine.pool, "connect", count)
    return opened


def test_warm_opens_a_server_databases_connections_up_front(db: Database) -> None:
    db.engine.dispose()  # an empty pool, as at start
    opened = _new_connections(db)
    warmed = db.warm(4)
    if db.engine.dialect.name == "sqlite":
        # A SQLite connection opens in-process in microseconds: nothing is done ahead.
        assert (warmed, opened[0]) == (0, 0)
        return
    assert (warmed, opened[0]) == (4, 4)
    assert db.engine.pool.checkedin() == 4  # type: ignore[attr-defined]

    # Four units of work at once now take those four: none waits for a new connection.
    ready = threading.Barrier(4)

    def unit() -> None:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            ready.wait(timeout=10)

    workers = [threading.Thread(target=unit) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert opened[0] == 4


def test_warm_opens_no_more_than_the_pool_keeps(db: Database) -> None:
    db.engine.dispose()
    warmed = db.warm(1000)
    if db.engine.dialect.name == "sqlite":
        assert warmed == 0
        return
    kept = db.engine.pool.size()  # type: ignore[attr-defined]
    assert warmed == kept
    assert db.engine.pool.checkedin() == kept  # type: ignore[attr-defined]
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_the_inbox_warms_what_its_first_requests_use_when_it_starts(db: Database) -> None:
    inbox = Inbox(db, signing_secret=payloads.SIGNING_SECRET, owner="here", workers=3)
    db.engine.dispose()
    try:
        inbox.start(app=None)  # type: ignore[arg-type]
        if db.engine.dialect.name == "sqlite":
            assert db.engine.pool.checkedin() == 0  # type: ignore[attr-defined]
        else:
            # One for each listener, and one more: the acknowledgements' writes, the sweep's. (The inbox's own
            # thread may have one of them out at this moment.)
            for pool in (db.engine.pool, inbox.intake.engine.pool):
                assert pool.checkedin() + pool.checkedout() >= 4  # type: ignore[attr-defined]
    finally:
        inbox.stop(drain_seconds=1)
        inbox.intake.dispose()
