"""The schedule's rows: what falls due, planned deliveries, and the claims that send each exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, case, delete, literal_column, or_, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.models import (
    UNSENT,
    Alliance,
    Commitment,
    Delivery,
    ProcessedEvent,
    SweepState,
)
from storage.sql import JsonRows, among, json_datetime, locking
from storage.types import AwareDateTime


def forget_events(*, session: Session, before: datetime) -> int:
    """Drop event ids older than Slack's retry window; returns how many."""
    result = session.connection().execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < before))
    return int(result.rowcount)


def due_alliances(*, session: Session, now: datetime, limit: int) -> Sequence[Alliance]:
    query = (
        select(Alliance)
        .where(col(Alliance.next_checkin_at).is_not(None), col(Alliance.next_checkin_at) <= now)
        .order_by(col(Alliance.next_checkin_at))
        .limit(limit)
    )
    return session.exec(locking(session, query)).all()


@dataclass(slots=True)
class LadderRow:
    """What climbing one commitment's escalation ladder reads, as a plain row; `nudge_stage` and `next_nudge_at`
    are changed in place and written back by `set_ladders`."""

    id: int
    alliance_id: int
    owner_id: str
    party_team_id: str
    status: str
    due_at: datetime
    snoozed_until: datetime | None
    internal: bool
    nudge_stage: int
    next_nudge_at: datetime | None


LADDER_COLUMNS = [getattr(Commitment, f.name) for f in fields(LadderRow)]


def due_commitments(*, session: Session, now: datetime, limit: int) -> list[LadderRow]:
    """Commitments whose next nudge is due, as plain rows (the partial index on due rows finds them); on
    PostgreSQL locked, skipping rows another sweeper holds."""
    query = (
        sa_select(*LADDER_COLUMNS)
        .where(col(Commitment.next_nudge_at).is_not(None), col(Commitment.next_nudge_at) <= now)
        .order_by(col(Commitment.next_nudge_at))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [LadderRow(*row) for row in session.connection().execute(query).all()]


SET_LADDERS = JsonRows(
    "UPDATE commitment SET (nudge_stage, next_nudge_at) = ({c[1]}, {c[2]}) FROM {rows} WHERE commitment.id = {c[0]}",
    ["integer", "integer", "timestamptz"],
)


def set_ladders(*, session: Session, rows: Sequence[LadderRow]) -> None:
    """Write back where each commitment now stands on its ladder: one statement whatever the count."""
    if not rows:
        return
    at = json_datetime(session)
    SET_LADDERS.execute(session, [[r.id, r.nudge_stage, at(r.next_nudge_at)] for r in rows])


# The columns a planned delivery is written with, and their types.
PLANNED = {
    "key": "varchar",
    "alliance_id": "integer",
    "kind": "varchar",
    "recipient_id": "varchar",
    "checkin_id": "integer",
    "commitment_id": "integer",
    "data": "varchar",
    "status": "varchar",
    "attempts": "integer",
    "not_before": "timestamptz",
}
# RETURNING rather than rowcount, which is not reported for an INSERT ... ON CONFLICT; `WHERE true` tells SQLite's
# parser that ON CONFLICT belongs to the INSERT, not to a join in the SELECT.
PLAN = JsonRows(
    f"INSERT INTO delivery ({', '.join(PLANNED)}) SELECT {', '.join(f'{{c[{i}]}}' for i in range(len(PLANNED)))}"
    " FROM {rows} WHERE true ON CONFLICT (key) DO NOTHING RETURNING id",
    list(PLANNED.values()),
)


def plan_deliveries(*, session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert planned deliveries, skipping any whose key is already planned; returns how many are new. One
    statement whatever their number."""
    if not rows:
        return 0
    at = json_datetime(session)
    values = [
        [
            row["key"],
            row["alliance_id"],
            row["kind"],
            row["recipient_id"],
            row.get("checkin_id"),
            row.get("commitment_id"),
            row.get("data", "{}"),
            row.get("status", "pending"),
            row.get("attempts", 0),
            at(row["not_before"]),
        ]
        for row in rows
    ]
    return len(PLAN.execute(session, values).all())


def by_key(*, session: Session, key: str) -> Delivery | None:
    return session.exec(select(Delivery).where(col(Delivery.key) == key)).first()


def orphans_told(*, session: Session, alliance_id: int, user_id: str, since: str) -> bool:
    """Whether the channel was sent an orphan notice naming `user_id` since `since` (an ISO instant; "" for ever)."""
    query = select(Delivery).where(
        col(Delivery.alliance_id) == alliance_id,
        col(Delivery.kind) == "orphans",
        col(Delivery.recipient_id) == "",
        col(Delivery.status) == "sent",
    )
    if since:
        query = query.where(col(Delivery.sent_at) >= datetime.fromisoformat(since))
    return any(user_id in json.loads(d.data or "{}").get("user_ids", []) for d in session.exec(query))


class DeliveryRow(NamedTuple):
    """A claimed delivery as a plain row (a batch holds hundreds; ORM objects would cost more than the claim): the
    columns of `Delivery`, as they are once claimed."""

    id: int
    key: str
    alliance_id: int
    kind: str
    recipient_id: str
    checkin_id: int | None
    commitment_id: int | None
    data: str
    not_before: datetime
    status: str
    attempts: int
    claimed_by: str | None
    claimed_at: datetime | None
    sent_at: datetime | None
    message_ts: str | None
    last_error: str | None


DELIVERY_COLUMNS = [getattr(Delivery, name) for name in DeliveryRow._fields]


def database_clock(session: Session, *, minus: timedelta = timedelta(0)) -> Any:
    """The database's own "now" (less `minus`), as SQL: the one clock every sweeper shares.

    A claim's lease is stamped and judged by it, never by a sweep's `now` (a catch-up `sweep --now` runs ahead
    of real time; hosts' clocks differ), so a live claim never looks abandoned to another sweeper. On SQLite the
    text is written the way SQLAlchemy stores a datetime there (microseconds, six digits), so the two compare.
    """
    seconds = int(minus.total_seconds())
    if session.get_bind().dialect.name == "postgresql":
        return literal_column(f"(clock_timestamp() - interval '{seconds} seconds')")
    return literal_column(f"(strftime('%Y-%m-%d %H:%M:%f', 'now', '-{seconds} seconds') || '000')")


def claim_deliveries(
    *, session: Session, now: datetime, worker: str, limit: int, lease: timedelta
) -> list[DeliveryRow]:
    """Claim deliveries that are due at `now`, and those whose claimer vanished (its lease ran out), oldest first,
    as plain rows.

    A lease is `lease` long by the database's clock from when it was claimed or last renewed: the sweep's `now`
    says what is due, never whose claim has expired. One UPDATE whose WHERE re-checks each row's state (a
    compare-and-set over the batch). On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so two
    sweepers never pick the same row; on SQLite the write lock taken at BEGIN makes the statement the only writer.
    """
    due = and_(
        # Written as the partial index of the rows still to send says it (literally: SQLite does not see that
        # bound parameters imply it), so that the claim reads that index alone; with the OR by itself it scanned
        # the whole table, every delivery ever sent, on every sweep.
        text(f"delivery.{UNSENT}"),
        or_(
            and_(col(Delivery.status) == "pending", col(Delivery.not_before) <= now),
            and_(col(Delivery.status) == "claimed", col(Delivery.claimed_at) < database_clock(session, minus=lease)),
        ),
    )
    pick = select(col(Delivery.id)).where(due).order_by(col(Delivery.not_before), col(Delivery.id)).limit(limit)
    values = {
        "status": "claimed",
        "claimed_by": worker,
        "claimed_at": database_clock(session),
        "attempts": Delivery.attempts + 1,
    }
    if session.get_bind().dialect.name == "postgresql":
        # The pick as a CTE, evaluated once (FOR UPDATE keeps it from being folded in), joined by primary key:
        # as `id IN (subquery)` the planner may rescan the subquery for every row (quadratic), and a rescan may
        # pick past the limit. The rows it locks were re-checked against `due` as they were locked (READ
        # COMMITTED re-evaluates a locking read's WHERE on the newest row version), so no second check is needed,
        # and none that would make the planner scan the due rows again.
        picked = pick.with_for_update(skip_locked=True).cte("picked")
        statement = update(Delivery).where(col(Delivery.id) == picked.c.id)
    else:
        statement = update(Delivery).where(col(Delivery.id).in_(pick), due)
    # The claimed rows come back from the UPDATE itself, as they are after it (one statement, no ORM objects).
    claimed = session.connection().execute(statement.values(**values).returning(*DELIVERY_COLUMNS))
    rows = [DeliveryRow(*row) for row in claimed.all()]
    if rows:
        session.expire_all()  # Delivery objects this session may hold were changed behind its back
    rows.sort(key=lambda d: (d.not_before, d.id))
    return rows


def _held_by(worker: str) -> Any:
    return and_(col(Delivery.status) == "claimed", col(Delivery.claimed_by) == worker)


def renew_claims(*, session: Session, ids: Iterable[int], worker: str) -> set[int]:
    """Renew this worker's leases (by the database's clock) so they do not look abandoned; the ids it still holds."""
    wanted = list(ids)
    if not wanted:
        return set()
    result = session.connection().execute(
        update(Delivery)
        .where(
            among(session, col(Delivery.id), wanted),
            col(Delivery.status) == "claimed",
            col(Delivery.claimed_by) == worker,
        )
        .values(claimed_at=database_clock(session))
        .returning(col(Delivery.id))
    )
    return {i for i in result.scalars() if i is not None}


def defer_deliveries(*, session: Session, worker: str, until: Sequence[tuple[int, datetime]]) -> int:
    """Put claimed deliveries back for later without counting an attempt (the recipient is off work)."""
    if not until:
        return 0
    statement = (
        update(Delivery)
        .where(
            col(Delivery.id) == bindparam("b_id"), col(Delivery.status) == "claimed", col(Delivery.claimed_by) == worker
        )
        .values(
            status="pending",
            claimed_by=None,
            claimed_at=None,
            attempts=Delivery.attempts - 1,
            not_before=bindparam("b_not_before", type_=AwareDateTime()),
        )
    )
    result = session.connection().execute(statement, [{"b_id": i, "b_not_before": at} for i, at in until])
    return int(result.rowcount)


def release_deliveries(*, session: Session, ids: Sequence[int], worker: str) -> int:
    """Give back claims that were never tried: pending again, the attempt not counted."""
    if not ids:
        return 0
    result = session.connection().execute(
        update(Delivery)
        .where(
            among(session, col(Delivery.id), ids), col(Delivery.status) == "claimed", col(Delivery.claimed_by) == worker
        )
        .values(status="pending", claimed_by=None, claimed_at=None, attempts=Delivery.attempts - 1)
    )
    return int(result.rowcount)


def finish_deliveries(*, session: Session, worker: str, outcomes: Sequence[dict[str, Any]]) -> int:
    """Record how claimed deliveries ended, in one statement; returns how many this worker still held.

    Each outcome has: id, status, error, sent_at, message_ts, not_before, and whether the claim is released
    (a retry). A row another sweeper took over meanwhile is left alone.
    """
    if not outcomes:
        return 0
    at = json_datetime(session)
    rows = [
        [
            o["id"],
            o["status"],
            o.get("error"),
            at(o.get("sent_at")),
            o.get("message_ts"),
            at(o["not_before"]),
            None if o.get("release") else worker,
            None if o.get("release") else at(o["claimed_at"]),
        ]
        for o in outcomes
    ]
    return int(FINISH.execute(session, rows, worker=worker).rowcount)


FINISH = JsonRows(
    "UPDATE delivery SET (status, last_error, sent_at, message_ts, not_before, claimed_by, claimed_at)"
    " = ({c[1]}, {c[2]}, {c[3]}, {c[4]}, {c[5]}, {c[6]}, {c[7]}) FROM {rows}"
    " WHERE delivery.id = {c[0]} AND delivery.status = 'claimed' AND delivery.claimed_by = :worker",
    ["integer", "varchar", "varchar", "timestamptz", "varchar", "timestamptz", "varchar", "timestamptz"],
)


def sweep_instant(*, session: Session, now: datetime) -> datetime:
    """Time only moves forward: the later of `now` and the last sweep's instant, which becomes the last.

    One upsert that keeps the later instant and returns it, so two sweepers starting together neither collide
    nor go back, in one round trip.
    """
    dialect = session.get_bind().dialect.name
    table = SweepState.__table__  # type: ignore[attr-defined]
    insert = pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)
    later = case((table.c.last_at < insert.excluded.last_at, insert.excluded.last_at), else_=table.c.last_at)
    statement = (
        insert.values(id=1, last_at=now)
        .on_conflict_do_update(index_elements=[table.c.id], set_={"last_at": later})
        .returning(table.c.last_at)
    )
    last = session.connection().execute(statement).scalar_one()
    assert isinstance(last, datetime)
    return last


def last_sweep(*, session: Session) -> datetime | None:
    """The instant of the latest sweep, if there was one: the data's own clock (the console resumes from it)."""
    last = session.connection().execute(select(col(SweepState.last_at)).where(col(SweepState.id) == 1)).scalar()
    assert last is None or isinstance(last, datetime)
    return last
