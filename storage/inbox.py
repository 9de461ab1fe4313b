"""The inbox's rows: verified requests stored before the acknowledgement, claimed with leases, marked done once.

Every lease is judged by the database's clock (`db_now`), never by a process's own: two replicas whose clocks
differ still agree on whose row is whose. A row is marked done only by its current owner (`finish`), so a
process that lost its lease (it stalled, another replica took the row over) cannot also complete it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, text, update
from sqlmodel import Session, col

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


# Written out once, the same on SQLite (3.35+) and PostgreSQL: every acknowledgement runs it, and SQLAlchemy compiles
# its dialects' own `insert(...).on_conflict_do_nothing()` afresh each time (those constructs are not cached), which
# was most of an acknowledgement's CPU. Typed parameters keep the timestamps in the columns' own form.
_COLUMNS = "INSERT INTO inbox (key, kind, mode, body, headers, received_at, owner, lease_until, attempts)"
_STORE = text(
    f"{_COLUMNS} VALUES (:key, :kind, :mode, :body, :headers, :received_at, :owner, :lease_until, 1)"
    " ON CONFLICT (key) DO NOTHING RETURNING id"
).bindparams(bindparam("received_at", type_=AwareDateTime()), bindparam("lease_until", type_=AwareDateTime()))
# PostgreSQL reads its own clock in the statement: one round trip instead of two (or four, with BEGIN and COMMIT,
# on the intake's autocommit engine).
_STORE_PG = text(
    f"{_COLUMNS} VALUES (:key, :kind, :mode, :body, :headers, clock_timestamp(), :owner,"
    " clock_timestamp() + make_interval(secs => :lease_seconds), 1)"
    " ON CONFLICT (key) DO NOTHING RETURNING id"
)


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
    row: dict[str, object] = {"key": key, "kind": kind, "mode": mode, "body": body, "headers": headers, "owner": owner}
    if session.get_bind().dialect.name == "postgresql":
        statement = _STORE_PG
        row["lease_seconds"] = lease.total_seconds()
    else:
        statement = _STORE
        now = db_now(session)
        row.update(received_at=now, lease_until=now + lease)
    new = session.connection().execute(statement, row).scalar_one_or_none()
    return None if new is None else int(new)


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
