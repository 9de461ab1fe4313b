"""A new SQLite file is switched to WAL by whichever process connects first; the others wait for it.

SQLite answers the switch with "database is locked" at once, without its busy wait, while another connection
holds a transaction on the file: three processes starting together on a new file lost one of them that way."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from storage.db import make_engine


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
