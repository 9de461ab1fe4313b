"""Engines, sessions and migrations: SQLite by default, PostgreSQL when the URL says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

MIGRATIONS = Path(__file__).with_name("migrations")


def normalise_url(url: str) -> str:
    """Let people write `postgresql://` or `postgres://` and still get psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # isolation_level=None hands transaction control to us: every transaction starts with BEGIN IMMEDIATE,
        # taking SQLite's write lock up front. Otherwise a transaction that read first and writes later fails
        # at once ("database is locked") when another connection wrote in between, as two sweepers would.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the sweep read while a listener writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; run at every start)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """The one engine of a running bot, and the sessions cut from it."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        Asked for inside another unit of work of this database, in the same thread (a platform's directory
        looked up during a command, say), it carries on in that one's session: a savepoint undoes this block alone
        if it raises, and what it did is committed with the whole. One command is one transaction, and it never
        waits on itself for SQLite's write lock.
        """
        outer = _unit_of_work.get()
        if outer is not None and outer[0] is self:
            with outer[1].begin_nested():
                yield outer[1]
            return
        with Session(self.engine, expire_on_commit=False) as session:
            token = _unit_of_work.set((self, session))
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                _unit_of_work.reset(token)

    def dispose(self) -> None:
        self.engine.dispose()


# The unit of work open in this thread (contexts are per thread), with the database it belongs to.
_unit_of_work: ContextVar[tuple[Database, Session] | None] = ContextVar("unit_of_work", default=None)
