"""Engines, sessions and migrations: SQLite by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")

log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Let people write `postgresql://` or `postgres://` and still get psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def make_engine(
    url: str,
    *,
    busy_seconds: float = 30,
    sync_every_commit: bool = True,
    first_in_line: bool = False,
    autocommit: bool = False,
    ping: bool = True,
) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # isolation_level=None hands transaction control to us: every transaction starts with BEGIN IMMEDIATE,
        # taking SQLite's write lock up front. Otherwise a transaction that read first and writes later fails
        # at once ("database is locked") when another connection wrote in between, as two sweepers would.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_seconds, "isolation_level": None}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        key = _file_key(parsed.database or "")
        event.listen(engine, "connect", lambda dbapi, _record: _checkpoint_threshold(dbapi, key))
        gate = _writer_gate(parsed.database or "")
        event.listen(engine, "begin", lambda c: _sqlite_begin(c, gate, first_in_line, busy_seconds))
        event.listen(engine, "commit", gate.release_for)
        event.listen(engine, "rollback", gate.release_for)
        # A connection that leaves without either (invalidated, closed under way) gives the gate back too.
        event.listen(engine.pool, "checkin", lambda dbapi, _record: gate.release(dbapi))
        event.listen(engine.pool, "invalidate", lambda dbapi, _record, _e: gate.release(dbapi))
        if not sync_every_commit:
            event.listen(engine, "connect", _sqlite_sync_normal)
    else:
        # A server that drops packets answers nothing: give up after 10 s rather than never (libpq's default).
        connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
        options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
        engine = create_engine(
            url, pool_pre_ping=ping, pool_size=10, max_overflow=10, connect_args=connect_args, **options
        )
        if not sync_every_commit:
            event.listen(engine, "connect", _postgres_async_commit)
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_writes)
    if parsed.get_backend_name() != "sqlite":
        event.listen(engine, "before_cursor_execute", _pause_between_statements)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the sweep read while a listener writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    _wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


WAL_SWITCH_SECONDS = 30


def _wal(cursor: Any) -> None:
    """Switch a new database file to WAL. The switch needs the file to itself and SQLite answers "database is
    locked" at once, without its busy wait, while another process holds a transaction there (processes starting
    together on a new file): wait for it, as a busy timeout would, and stop once someone else has switched it."""
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_sync_normal(dbapi_connection: Any, _record: Any) -> None:
    # In WAL mode a commit then survives the process (kill -9 included) without waiting for the disk; it reaches
    # the disk with the next fully synced commit of any connection, or a checkpoint.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _postgres_async_commit(dbapi_connection: Any, _record: Any) -> None:
    # A commit is answered before its WAL record reaches the disk (PostgreSQL writes it within 200 ms): it survives
    # our process at once, and a crash of the database server's machine once written. Commits of other sessions
    # that do wait for the disk also flush every record before theirs, this one's included.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET synchronous_commit TO off")
    dbapi_connection.autocommit = autocommit


def _sqlite_begin(connection: Any, gate: WriterGate, first_in_line: bool, wait: float) -> None:
    gate.acquire_for(connection, first_in_line=first_in_line, wait=wait)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        gate.release_for(connection)
        raise


class WriterGate:
    """The threads of one process that want SQLite's write lock queue here, and those `first_in_line` (the inbox's
    intake: an acknowledgement waits on it) go before the others (listeners' whole commands).

    SQLite alone hands its lock to whichever waiter's busy handler polls first, after sleeps that grow to 100 ms;
    under a burst an acknowledgement's one-row write lost to the listeners' transactions again and again, for
    seconds. Other processes on the same file still meet at SQLite's own lock, as before.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._held_by: object | None = None
        self._first_waiting = 0

    def acquire_for(self, connection: Any, *, first_in_line: bool, wait: float) -> None:
        self.acquire(connection.connection.dbapi_connection, first_in_line=first_in_line, wait=wait)

    def acquire(self, dbapi_connection: object, *, first_in_line: bool, wait: float) -> None:
        with self._cond:
            if first_in_line:
                self._first_waiting += 1
            try:
                free = self._cond.wait_for(
                    lambda: self._held_by is None and (first_in_line or self._first_waiting == 0), timeout=wait
                )
            finally:
                if first_in_line:
                    self._first_waiting -= 1
            if not free:
                self._cond.notify_all()  # a waiter held back for this one may go now
                raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
            self._held_by = dbapi_connection

    def release_for(self, connection: Any) -> None:
        self.release(connection.connection.dbapi_connection)

    def release(self, dbapi_connection: object) -> None:
        with self._cond:
            if self._held_by is not None and self._held_by is dbapi_connection:
                self._held_by = None
                self._cond.notify_all()


_gates: dict[str, WriterGate] = {}
_gates_lock = threading.Lock()


def _file_key(path: str) -> str:
    """What names one SQLite database file in this process (each in-memory database is its own)."""
    return str(Path(path).resolve()) if path and path != ":memory:" else f"memory:{id(object())}"


def _writer_gate(path: str) -> WriterGate:
    """One gate per database file in this process, shared by every engine on it."""
    key = _file_key(path)
    with _gates_lock:
        return _gates.setdefault(key, WriterGate())


# SQLite copies its write-ahead log back into the database file (a checkpoint) in the commit that finds the log
# over `wal_autocheckpoint` pages, 1,000 by default: that commit waits for it, be it an acknowledgement's one-row
# write or a sweep's batch (20-30 ms at 100,000 commitments, bench/sweep.py). A serving process checkpoints from a
# thread of its own instead (Checkpoints), and its connections checkpoint only past BACKSTOP_PAGES (about 40 MB of
# log), should that thread ever fall behind.
BACKSTOP_PAGES = 10_000


class Checkpoints:
    """SQLite only: the log of one database file checkpointed every `every` seconds by a thread of its own.

    PASSIVE checkpoints neither wait for nor block readers and writers: what a transaction still reads stays in
    the log for the next one. The thread has its own connection, outside the engines' pools and their write gate.
    """

    def __init__(self, path: str, every: float) -> None:
        self.path = path
        self.every = every
        self.copied = 0  # pages copied back into the database file so far
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stop.wait(self.every):
                try:
                    if connection is None:
                        # mode=rw: never creates the file (the engines do, and switch it to WAL).
                        uri = f"{Path(self.path).resolve().as_uri()}?mode=rw"
                        connection = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
                    _busy, _log, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.copied += max(0, copied)
                except sqlite3.Error as error:
                    log.warning("SQLite checkpoint of %s failed (%s); trying again", self.path, error)
                    if connection is not None:
                        connection.close()
                    connection = None
        finally:
            if connection is not None:
                connection.close()


_checkpoints: dict[str, Checkpoints] = {}


def _checkpoint_threshold(dbapi_connection: Any, key: str) -> None:
    if key in _checkpoints:
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b|\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)


def _forget_writes(connection: Any) -> None:
    connection.info["wrote"] = False


def _pause_between_statements(*_: Any) -> None:
    # PostgreSQL: work that may wait for more urgent work waits before each statement too (its transaction holds no
    # lock the urgent work needs). Not on SQLite, where a transaction holds the one write lock from its start.
    pause = may_wait.get()
    if pause is not None:
        pause()


def _note_writes(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
    # Whether the transaction changed anything: `commit_rider` rides only on the commits of work that wrote.
    if not connection.info.get("wrote") and _WRITE.match(statement):
        connection.info["wrote"] = True


def alembic_config() -> Config:
    """Alembic's configuration for this project's revisions (its script directory lists them)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`, the newest by default (idempotent; run at every start).

    One process at a time: PostgreSQL's advisory lock (held to the end of the transaction) and SQLite's write lock
    (BEGIN IMMEDIATE, see make_engine) make a second process starting alongside wait, then find the schema at
    head and do nothing. DDL is transactional on both, so a failed upgrade leaves the previous revision whole.

    A schema already at head (every start but the first after an upgrade, and every replica once `alliance-bot
    migrate` has run) is seen without alembic: importing it costs a process about 11 MB that it keeps for good
    (alembic's operations for every dialect, with SQLAlchemy's MySQL, Oracle and SQL Server ones, and Mako). So
    `serve` has a schema that is behind migrated by a child process (bot.runtime.migrate_apart).
    """
    if revision == "head" and at_head(engine):
        return
    from alembic import command

    config = alembic_config()
    if engine.dialect.name == "sqlite":
        _migrate_sqlite(engine, config, revision)
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


# pg_advisory_xact_lock's key for "migrating": a constant of our own (the bytes of "aliancem").
MIGRATION_LOCK = 0x616C69616E63656D


# A revision file's own id and the one(s) it follows, as alembic's template writes them (`revision: str = "0015"`,
# `down_revision: str | None = "0014"`, a merge's a tuple).
_REVISION = re.compile(r"^revision\b[^=\n]*=\s*([^\n]*)$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=\s*([^\n]*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def schema_heads(versions: Path = MIGRATIONS / "versions") -> frozenset[str]:
    """The newest revision(s) of the migrations, read from their files' `revision` and `down_revision` lines
    rather than by alembic (which imports every one). Empty when a file reads otherwise (a value over several
    lines, say): then alembic decides, as before."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return frozenset()
        ids = _QUOTED.findall(revision[0])
        if len(ids) != 1 or (down[0].strip() != "None" and not _QUOTED.findall(down[0])):
            return frozenset()
        if down[0].count("(") != down[0].count(")"):
            return frozenset()
        revisions.add(ids[0])
        followed.update(_QUOTED.findall(down[0]))
    return frozenset(revisions - followed)


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is at the migrations' newest revision (False when in doubt)."""
    heads = schema_heads()
    if not heads:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return current == heads


def _migrate_sqlite(engine: Engine, config: Config, revision: str) -> None:
    """SQLite alters a table by copying it (batch mode: create the new table, copy, DROP the old, rename). With
    foreign keys enforced, dropping a table that other rows point at fails, so they are off while migrating, as
    SQLite's documentation prescribes for this procedure, and checked before the commit instead: an upgrade that
    leaves a row pointing at nothing (that was not so before) is rolled back. The pragma is a no-op inside a
    transaction, hence set on the raw connection before ours begins."""
    from alembic import command
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                before = MigrationContext.configure(connection).get_current_heads()
                pending = revision != "head" or set(before) != set(ScriptDirectory.from_config(config).get_heads())
                orphans = _orphans(connection) if pending else Counter()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if pending and (new := _orphans(connection) - orphans):
                    raise RuntimeError(f"the upgrade left rows pointing at nothing (table, parent: rows): {dict(new)}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _orphans(connection: Connection) -> Counter[tuple[str, str]]:
    """Rows whose foreign key points at nothing, counted by (table, parent table)."""
    return Counter((row[0], row[2]) for row in connection.exec_driver_sql("PRAGMA foreign_key_check"))


class Database:
    """The one engine of a running bot, and the sessions cut from it."""

    def __init__(
        self,
        url: str,
        *,
        busy_seconds: float = 30,
        sync_every_commit: bool = True,
        first_in_line: bool = False,
        autocommit: bool = False,
        ping: bool = True,
        checkpoint_every: float | None = None,
    ) -> None:
        """`busy_seconds`: how long SQLite waits for another connection's write lock (sqlite3's `timeout`);
        `first_in_line`: this engine's transactions take the write lock before the other engines' of this process
        that wait for it (WriterGate); both SQLite only. `sync_every_commit=False`: commits survive a crashed
        process but not a crashed machine (SQLite: _sqlite_sync_normal; PostgreSQL: _postgres_async_commit).
        `autocommit` (PostgreSQL only): every statement commits itself, with no BEGIN or COMMIT round trip, for
        units of work of one statement. `ping=False` (PostgreSQL only): a pooled connection is used without a
        round trip to check it first; a use that finds it dropped fails (`connection_invalidated`), for the caller
        to try again. `checkpoint_every` (a SQLite file only): checkpoint its log from a thread of this process
        every so many seconds (Checkpoints), and not in the commits of any engine of this process on the file;
        until `dispose`."""
        self.url = normalise_url(url)
        self.checkpoints: Checkpoints | None = None
        parsed = make_url(self.url)
        path = parsed.database or ""
        # The SQLite file this database is, if it is one (not PostgreSQL, not an in-memory database).
        self.sqlite_file = path if parsed.get_backend_name() == "sqlite" and path not in ("", ":memory:") else None
        if checkpoint_every is not None and self.sqlite_file is not None:
            # Registered before the engine connects, so that every connection to the file takes the backstop.
            self.checkpoints = Checkpoints(self.sqlite_file, checkpoint_every)
            _checkpoints[_file_key(self.sqlite_file)] = self.checkpoints
            self.checkpoints.start()
        self.engine = make_engine(
            self.url,
            busy_seconds=busy_seconds,
            sync_every_commit=sync_every_commit,
            first_in_line=first_in_line,
            autocommit=autocommit,
            ping=ping,
        )
        self._busy_seconds = busy_seconds
        self._first_in_line = first_in_line
        self._driver_lock = threading.Lock()
        self._driver: tuple[sqlite3.Connection, WriterGate] | None = None

    def migrate(self) -> None:
        migrate(self.engine)

    def warm(self, connections: int) -> int:
        """Open up to `connections` pooled connections now, as many as the pool keeps at most; how many are open.

        PostgreSQL only: each new connection is a server process forked and a login, a few milliseconds that the
        first burst of requests after a start would otherwise pay, several at once, while Slack's clock runs (under
        100 concurrent clients, the slowest 1% of the first burst's acknowledgements took 1.5-2.5 times the rest's).
        A SQLite connection opens in-process in microseconds: nothing to do."""
        pool = self.engine.pool
        if self.engine.dialect.name == "sqlite" or not isinstance(pool, QueuePool):
            return 0
        held: list[Any] = []
        try:
            while len(held) < min(connections, pool.size()):
                held.append(self.engine.raw_connection())
        finally:
            for connection in held:
                connection.close()  # back to the pool, which keeps it
        return len(held)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        Asked for inside another unit of work of this database, in the same thread (a platform's directory
        looked up during a command, say), it carries on in that one's session: a savepoint undoes this block alone
        if it raises, and what it did is committed with the whole. One command is one transaction, and it never
        waits on itself for SQLite's write lock.

        When this thread has a `commit_rider` (the inbox's "this request is done"), it is written in the first unit
        of work that changed anything, in that same transaction: the work and its record stand or fall together.
        """
        outer = _unit_of_work.get()
        if outer is not None and outer[0] is self:
            with outer[1].begin_nested():
                yield outer[1]
            return
        pause = may_wait.get()
        if pause is not None:
            pause()
        pinned = _pinned.get()
        bind = pinned[1] if pinned is not None and pinned[0] is self else self.engine
        with Session(bind, expire_on_commit=False) as session:
            token = _unit_of_work.set((self, session))
            try:
                yield session
                rider = commit_rider.get()
                if rider is not None and session.in_transaction() and session.connection().info.get("wrote"):
                    rider(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                _unit_of_work.reset(token)

    def driver_write(self, statement: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        """A SQLite file only: one statement straight through the driver, a transaction of its own, and the rows it
        returns. For the writes an acknowledgement waits on (the inbox's): a SQLAlchemy session around the statement
        cost several times the statement. It queues at this process's writer gate as every unit of work does (first
        in line if this database was made so), on a connection of its own, and holds the gate for the one call:
        SQLite commits a statement made outside a transaction when it ends. SQLite's "database is locked" is raised
        as SQLAlchemy's OperationalError, as from a session."""
        with self._driver_lock:
            if self._driver is None:
                if self.sqlite_file is None:
                    raise TypeError("driver_write is for a SQLite file")
                pooled = self.engine.raw_connection()  # the engine's connect hooks (WAL, pragmas) have run on it
                pooled.detach()  # this database's own from now on; closed by dispose
                self._driver = (pooled.dbapi_connection, _writer_gate(self.sqlite_file))  # type: ignore[assignment]
            assert self._driver is not None
            connection, gate = self._driver
            gate.acquire(connection, first_in_line=self._first_in_line, wait=self._busy_seconds)
            try:
                return connection.execute(statement, parameters).fetchall()
            except sqlite3.OperationalError as error:
                raise OperationalError(statement[:80], None, error) from error
            finally:
                gate.release(connection)

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Within the block, this thread's units of work (each still its own transaction) share one connection,
        taken from the pool once. For a run of short units of work, such as the sweep's: on PostgreSQL each checkout
        is a round trip (the ping) and each return another moment's work, about a millisecond a unit (bench/sweep.py
        with nothing due). Work in other threads is unaffected."""
        current = _pinned.get()
        if current is not None and current[0] is self:
            yield
            return
        with self.engine.connect() as connection:
            token = _pinned.set((self, connection))
            try:
                yield
            finally:
                _pinned.reset(token)

    def dispose(self) -> None:
        with self._driver_lock:
            if self._driver is not None:
                self._driver[0].close()
                self._driver = None
        self.engine.dispose()
        if self.checkpoints is not None:
            self.checkpoints.stop()
            key = _file_key(self.checkpoints.path)
            if _checkpoints.get(key) is self.checkpoints:
                del _checkpoints[key]


def holds_sqlite_lock() -> bool:
    """Whether this thread is inside a unit of work on SQLite: its transaction holds the database's one write lock
    (every transaction begins IMMEDIATE), which any other writer of the process waits for."""
    outer = _unit_of_work.get()
    return outer is not None and outer[0].engine.dialect.name == "sqlite" and outer[1].in_transaction()


# The unit of work open in this thread (contexts are per thread), with the database it belongs to.
_unit_of_work: ContextVar[tuple[Database, Session] | None] = ContextVar("unit_of_work", default=None)

# The connection this thread's units of work on a database share, while Database.pinned is in force.
_pinned: ContextVar[tuple[Database, Connection] | None] = ContextVar("pinned", default=None)

# Called before this thread begins a unit of work (not a nested one), and on PostgreSQL before each statement: work
# that may wait for more urgent work of the process to be over first (bot.slack.priority: a listener's, for the
# acknowledgements in hand).
may_wait: ContextVar[Callable[[], None] | None] = ContextVar("may_wait", default=None)

# Something to write in the same transaction as this thread's next unit of work that changes anything (see
# Database.session); the rider removes itself once it has ridden. An exception from it rolls the work back.
commit_rider: ContextVar[Callable[[Session], None] | None] = ContextVar("commit_rider", default=None)
