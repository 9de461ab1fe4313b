"""A new SQLite file is switched to WAL by whichever process connects first; the others wait for it.

SQLite answers the switch with "database is locked" at once, without its busy wait, while another connection
holds a transaction on the file: three processes starting together on a new file lost one of them that way."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from bot.runtime import CHECKPOINT_SECONDS, open_database
from storage.db import BACKSTOP_PAGES, Database, make_engine


def test_a_connection_made_while_another_holds_the_new_file_waits_and_gets_wal(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        release.join()
        engine.dispose()
        holder.close()


# ---- checkpoints from a thread of their own (storage.db.Checkpoints) ---------------------------------------------

PAGE = 4096


def _write_pages(db: Database, pages: int) -> None:
    """Commits that put about `pages` pages into the log, a hundred at a time (as a busy bot's commits would)."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS blob (b BLOB)")
        connection.commit()
        for _ in range(pages // 100):
            connection.exec_driver_sql("INSERT INTO blob VALUES (randomblob(?))", (100 * PAGE,))
            connection.commit()


def _log_pages(path: Path) -> int:
    """Pages in the log not yet copied back: what a passive checkpoint of its own finds (it then copies them)."""
    with sqlite3.connect(path, isolation_level=None) as connection:
        _busy, log_pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    connection.close()
    return int(log_pages)


def test_without_the_thread_a_commit_checkpoints_once_the_log_passes_1000_pages(tmp_path: Path) -> None:
    # SQLite's default, which the serving process changes: the commit that crosses the threshold does the copying.
    db = Database(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        _write_pages(db, 1500)
        assert _log_pages(tmp_path / "plain.db") < 1000
    finally:
        db.dispose()


def test_with_the_thread_commits_leave_the_log_to_it_and_it_copies_the_log_back(tmp_path: Path) -> None:
    path = tmp_path / "serving.db"
    db = Database(f"sqlite:///{path}", checkpoint_every=3600)  # the thread will not run during the writes
    other = Database(f"sqlite:///{path}", busy_seconds=1)  # another engine of the process (the inbox's intake)
    try:
        with other.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == BACKSTOP_PAGES
        _write_pages(db, 1500)
        assert _log_pages(path) >= 1500  # no commit checkpointed
        assert db.checkpoints is not None and db.checkpoints.running
    finally:
        other.dispose()
        db.dispose()
    assert db.checkpoints is not None and not db.checkpoints.running

    fast = Database(f"sqlite:///{path}", checkpoint_every=0.05)
    try:
        _write_pages(fast, 500)
        deadline = time.monotonic() + 10
        while fast.checkpoints is not None and fast.checkpoints.copied < 500 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fast.checkpoints is not None and fast.checkpoints.copied >= 500
    finally:
        fast.dispose()
    # Once disposed, the file's connections checkpoint in their commits again, as SQLite does by default.
    after = Database(f"sqlite:///{path}")
    try:
        with after.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
    finally:
        after.dispose()


def test_the_serving_database_checkpoints_in_its_own_thread_on_sqlite_only(tmp_path: Path) -> None:
    served = open_database(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        assert served.checkpoints is not None and served.checkpoints.running
        assert served.checkpoints.every == CHECKPOINT_SECONDS
    finally:
        served.dispose()
