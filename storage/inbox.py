"""The inbox's rows: verified requests stored before the acknowledgement, claimed with leases, marked done once.

Every lease is judged by the database's clock (`db_now`), never by a process's own: two replicas whose clocks
differ still agree on whose row is whose. A row is marked done only by its current owner (`finish`), so a
process that lost its lease (it stalled, another replica took the row over) cannot also complete it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlmodel import Session, col

from storage.db import Database
from storage.models import InboxEntry
from storage.sql import among
from storage.types import AwareDateTime

DONE = "done"
FAILED = "failed"
UNHANDLED = "unhandled"
ABANDONED = "abandoned"


def db_now(session: Session) -> datetime:
    """The database's clock, timezone-aware (UTC)."""
    if session.get_bind().dialect.name == "sqlite":
        raw = session.connection().execute(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")).scalar_one()
        return datetime.fromisoformat(str(raw)).replace(tzinfo=UTC)
    value = session.connection().execute(select(func.clock_timestamp())).scalar_one()
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Received:
    """A verified request to write down: its key (the event id, else the signed body's hash) and what replays it."""

    key: str
    kind: str
    mode: str
    body: str
    headers: str


_COLUMNS = "INSERT INTO inbox (key, kind, mode, body, headers, received_at, owner, lease_until, attempts) VALUES "
_CONFLICT = " ON CONFLICT (key) DO NOTHING RETURNING id, key"


@lru_cache(maxsize=64)
def _store_statement(rows: int, postgresql: bool) -> TextClause:
    """One INSERT of `rows` requests, written out once per size, the same text on SQLite (3.35+) and PostgreSQL.

    SQLAlchemy compiles its dialects' own `insert(...).on_conflict_do_nothing()` afresh on every use (those constructs
    are not cached): that was most of an acknowledgement's CPU. Text with typed parameters is compiled once.
    PostgreSQL reads its own clock in the statement (one round trip; `statement_timestamp()`, one instant for the whole
    statement, so a lease is exactly its length); SQLite, in-process, is given it."""
    if postgresql:
        stamp, lease, binds = (
            "statement_timestamp()",
            "statement_timestamp() + make_interval(secs => :lease_seconds)",
            [],
        )
    else:
        stamp, lease = ":received_at", ":lease_until"
        binds = [bindparam("received_at", type_=AwareDateTime()), bindparam("lease_until", type_=AwareDateTime())]
    values = (
        f"(:key_{n}, :kind_{n}, :mode_{n}, :body_{n}, :headers_{n}, {stamp}, :owner, {lease}, 1)" for n in range(rows)
    )
    return text(_COLUMNS + ", ".join(values) + _CONFLICT).bindparams(*binds)


def store_many(session: Session, received: Sequence[Received], *, owner: str, lease: timedelta) -> list[int | None]:
    """Write requests in one statement, leased to `owner`: each one's id, or None where its key was stored before
    (a replay, a retry; also a second request of the batch under a key already in it)."""
    if not received:
        return []
    postgresql = session.get_bind().dialect.name == "postgresql"
    first, unique = _first_of_each_key(received)
    params: dict[str, object] = {"owner": owner}
    if postgresql:
        params["lease_seconds"] = lease.total_seconds()
    else:
        now = db_now(session)
        params.update(received_at=now, lease_until=now + lease)
    for n, request in enumerate(unique):
        params.update(
            {
                f"key_{n}": request.key,
                f"kind_{n}": request.kind,
                f"mode_{n}": request.mode,
                f"body_{n}": request.body,
                f"headers_{n}": request.headers,
            }
        )
    stored = session.connection().execute(_store_statement(len(unique), postgresql), params)
    return _ids_of(received, first, stored)


# ---- the same writes through SQLite's driver (Database.driver_write), for what an acknowledgement waits on ----
# Their clock is this machine's, which is SQLite's: every process on a SQLite file runs where the file is.


def store_many_sqlite(db: Database, received: Sequence[Received], *, owner: str, lease: timedelta) -> list[int | None]:
    """`store_many`, on a SQLite file."""
    if not received:
        return []
    first, unique = _first_of_each_key(received)
    now = datetime.now(UTC)
    stamp, until = _SQLITE_STAMP(now), _SQLITE_STAMP(now + lease)
    params: list[object] = []
    for request in unique:
        params += [request.key, request.kind, request.mode, request.body, request.headers, stamp, owner, until]
    return _ids_of(received, first, db.driver_write(_sqlite_store_statement(len(unique)), params))


def finish_sqlite(db: Database, *, entry_id: int, owner: str, outcome: str) -> bool:
    """`finish`, on a SQLite file."""
    statement = "UPDATE inbox SET done_at = ?, outcome = ? WHERE id = ? AND owner = ? AND done_at IS NULL RETURNING id"
    return len(db.driver_write(statement, [_SQLITE_STAMP(datetime.now(UTC)), outcome, entry_id, owner])) == 1


# How AwareDateTime writes a datetime on SQLite (naive UTC text), for the statements above.
_SQLITE_STAMP: Callable[[datetime], str] = AwareDateTime().bind_processor(sqlite_dialect())  # type: ignore[assignment]


@lru_cache(maxsize=64)
def _sqlite_store_statement(rows: int) -> str:
    return _COLUMNS + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, 1)"] * rows) + _CONFLICT


def _first_of_each_key(received: Sequence[Received]) -> tuple[dict[str, int], list[Received]]:
    """Where each key first appears in the batch, and those requests in order: the ones to write."""
    first: dict[str, int] = {}
    for n, request in enumerate(received):
        first.setdefault(request.key, n)
    return first, [received[n] for n in sorted(first.values())]


def _ids_of(received: Sequence[Received], first: dict[str, int], stored: Iterable[Any]) -> list[int | None]:
    """Each request's new id, from the (id, key) rows the INSERT returned; None for a key stored before, or seen
    earlier in the batch."""
    ids = {str(key): int(new) for new, key in stored}
    return [ids.get(request.key) if first[request.key] == n else None for n, request in enumerate(received)]


def store(
    session: Session,
    *,
    key: str,
    kind: str,
    mode: str,
    body: str,
    headers: str,
    owner: str,
    lease: timedelta,
) -> int | None:
    """Write a request under its key, leased to `owner`; its id, or None when the key was stored before (a replay)."""
    return store_many(session, [Received(key, kind, mode, body, headers)], owner=owner, lease=lease)[0]


def unfinished(session: Session, *, key: str, owner: str) -> int | None:
    """The id of the row stored under `key` if `owner` holds it and it is not done yet."""
    statement = select(InboxEntry.id).where(  # type: ignore[call-overload]
        col(InboxEntry.key) == key, col(InboxEntry.owner) == owner, col(InboxEntry.done_at).is_(None)
    )
    found = session.connection().execute(statement).scalar_one_or_none()
    return None if found is None else int(found)


def finish(session: Session, *, entry_id: int, owner: str, outcome: str) -> bool:
    """Mark a row done, if it is still this owner's and not done yet; False otherwise (someone else has it)."""
    statement = (
        update(InboxEntry)
        .where(col(InboxEntry.id) == entry_id, col(InboxEntry.owner) == owner, col(InboxEntry.done_at).is_(None))
        .values(done_at=db_now(session), outcome=outcome)
    )
    return int(session.connection().execute(statement).rowcount) == 1


def renew(session: Session, *, owner: str, ids: Iterable[int], lease: timedelta) -> int:
    """Extend this owner's leases on rows still in hand; how many it still holds."""
    ids = list(ids)
    if not ids:
        return 0
    statement = (
        update(InboxEntry)
        .where(
            among(session, col(InboxEntry.id), ids), col(InboxEntry.owner) == owner, col(InboxEntry.done_at).is_(None)
        )
        .values(lease_until=db_now(session) + lease)
    )
    return int(session.connection().execute(statement).rowcount)


def hand_back(session: Session, *, owner: str, ids: Iterable[int]) -> int:
    """Give up rows this owner could not finish (a shutdown): their lease ends now, for the next process to claim."""
    ids = list(ids)
    if not ids:
        return 0
    statement = (
        update(InboxEntry)
        .where(
            among(session, col(InboxEntry.id), ids), col(InboxEntry.owner) == owner, col(InboxEntry.done_at).is_(None)
        )
        .values(lease_until=db_now(session) - timedelta(seconds=1))
    )
    return int(session.connection().execute(statement).rowcount)


def abandoned(session: Session, *, limit: int) -> Sequence[int]:
    """Rows not done whose lease has run out: their owner died (or handed them back)."""
    query = (
        select(InboxEntry.id)  # type: ignore[call-overload]
        .where(col(InboxEntry.done_at).is_(None), col(InboxEntry.lease_until) < db_now(session))
        .order_by(col(InboxEntry.id))
        .limit(limit)
    )
    return [int(i) for i in session.connection().execute(query).scalars()]


def claim(session: Session, *, entry_id: int, owner: str, lease: timedelta) -> InboxEntry | None:
    """Take an abandoned row over: only if its lease has still run out (another replica may have been quicker)."""
    now = db_now(session)
    statement = (
        update(InboxEntry)
        .where(col(InboxEntry.id) == entry_id, col(InboxEntry.done_at).is_(None), col(InboxEntry.lease_until) < now)
        .values(owner=owner, lease_until=now + lease, attempts=col(InboxEntry.attempts) + 1)
    )
    if session.connection().execute(statement).rowcount != 1:
        return None
    entry = session.get(InboxEntry, entry_id, populate_existing=True)
    return entry


def forget(session: Session, *, before: datetime) -> int:
    """Drop finished rows received before `before` (long past Slack's retry and signature windows)."""
    statement = delete(InboxEntry).where(col(InboxEntry.done_at).is_not(None), col(InboxEntry.received_at) < before)
    return int(session.connection().execute(statement).rowcount)
