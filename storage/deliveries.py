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
    Alliance,
    Commitment,
    Delivery,
    ProcessedEvent,
    SweepState,
)
from storage.sql import among, json_columns, locking, sqlite_datetime, sqlite_json
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
    return [LadderRow(*row) for row in session.connection().execute(query)]


PG_SET_LADDERS = text(
    "UPDATE commitment SET nudge_stage = v.stage, next_nudge_at = v.next_at"
    " FROM unnest(CAST(:id AS integer[]), CAST(:stage AS integer[]), CAST(:next_at AS timestamptz[]))"
    " AS v(id, stage, next_at) WHERE commitment.id = v.id"
)


SQLITE_SET_LADDERS = text(
    "UPDATE commitment SET nudge_stage = json_extract(v.value, '$[1]'), next_nudge_at = json_extract(v.value, '$[2]')"
    " FROM json_each(:rows) AS v WHERE commitment.id = json_extract(v.value, '$[0]')"
)


def set_ladders(*, session: Session, rows: Sequence[LadderRow]) -> None:
    """Write back where each commitment now stands on its ladder: one statement whatever the count."""
    if not rows:
        return
    if any(r.next_nudge_at is not None and r.next_nudge_at.tzinfo is None for r in rows):
        raise ValueError("naive datetime: every datetime must be timezone-aware")
    if session.get_bind().dialect.name == "postgresql":
        params = {
            "id": [r.id for r in rows],
            "stage": [r.nudge_stage for r in rows],
            "next_at": [r.next_nudge_at for r in rows],
        }
        session.connection().execute(PG_SET_LADDERS, params)
        return
    at = sqlite_datetime(session)
    values = sqlite_json([[r.id, r.nudge_stage, at(r.next_nudge_at)] for r in rows])
    session.connection().execute(SQLITE_SET_LADDERS, {"rows": values})


def plan_deliveries(*, session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert planned deliveries, skipping any whose key is already planned; returns how many are new."""
    if not rows:
        return 0
    full = [{"status": "pending", "attempts": 0, "data": "{}", **row} for row in rows]
    if any(row["not_before"].tzinfo is None for row in full):
        raise ValueError("naive datetime: every datetime must be timezone-aware")
    if session.get_bind().dialect.name == "postgresql":
        return _plan_deliveries_pg(session, full)
    at = sqlite_datetime(session)
    values = sqlite_json([[row.get(name) for name in PLANNED[:-1]] + [at(row["not_before"])] for row in full])
    # RETURNING rather than rowcount, which is not reported for an INSERT ... ON CONFLICT.
    return len(session.connection().execute(SQLITE_PLAN, {"rows": values}).all())


# The columns a planned delivery is written with, `not_before` last.
PLANNED = (
    "key",
    "alliance_id",
    "kind",
    "recipient_id",
    "checkin_id",
    "commitment_id",
    "data",
    "status",
    "attempts",
    "not_before",
)
# `WHERE true` tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join in the SELECT.
SQLITE_PLAN = text(
    f"INSERT INTO delivery ({', '.join(PLANNED)}) SELECT {json_columns(len(PLANNED))}"
    " FROM json_each(:rows) WHERE true ON CONFLICT (key) DO NOTHING RETURNING id"
)


PG_PLAN = text(
    "INSERT INTO delivery (key, alliance_id, kind, recipient_id, checkin_id, commitment_id, data, not_before,"
    " status, attempts)"
    " SELECT * FROM unnest(CAST(:key AS varchar[]), CAST(:alliance_id AS integer[]), CAST(:kind AS varchar[]),"
    " CAST(:recipient_id AS varchar[]), CAST(:checkin_id AS integer[]), CAST(:commitment_id AS integer[]),"
    " CAST(:data AS varchar[]), CAST(:not_before AS timestamptz[]), CAST(:status AS varchar[]),"
    " CAST(:attempts AS integer[]))"
    " ON CONFLICT (key) DO NOTHING RETURNING id"
)


def _plan_deliveries_pg(session: Session, rows: list[dict[str, Any]]) -> int:
    """One statement with one array per column: the same query text whatever the batch size, so psycopg and the
    server need not parse thousands of placeholders (which cost more than the insert itself)."""
    params: dict[str, list[Any]] = {name: [row.get(name) for row in rows] for name in PLANNED}
    return len(session.connection().execute(PG_PLAN, params).all())


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
    due = or_(
        and_(col(Delivery.status) == "pending", col(Delivery.not_before) <= now),
        and_(col(Delivery.status) == "claimed", col(Delivery.claimed_at) < database_clock(session, minus=lease)),
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
    rows = [DeliveryRow(*row) for row in claimed]
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
    rows = [
        {
            "b_id": o["id"],
            "b_status": o["status"],
            "b_error": o.get("error"),
            "b_sent_at": o.get("sent_at"),
            "b_ts": o.get("message_ts"),
            "b_not_before": o["not_before"],
            "b_claimed_by": None if o.get("release") else worker,
            "b_claimed_at": None if o.get("release") else o["claimed_at"],
        }
        for o in outcomes
    ]
    if session.get_bind().dialect.name == "postgresql":
        return _finish_deliveries_pg(session, worker, rows)
    at = sqlite_datetime(session)
    values = sqlite_json(
        [
            [
                row["b_id"],
                row["b_status"],
                row["b_error"],
                at(row["b_sent_at"]),
                row["b_ts"],
                at(row["b_not_before"]),
                row["b_claimed_by"],
                at(row["b_claimed_at"]),
            ]
            for row in rows
        ]
    )
    return int(session.connection().execute(SQLITE_FINISH, {"rows": values, "worker": worker}).rowcount)


SQLITE_FINISH = text(
    "UPDATE delivery SET (status, last_error, sent_at, message_ts, not_before, claimed_by, claimed_at) ="
    f" ({json_columns(7, 'v.value', start=1)})"
    " FROM json_each(:rows) AS v"
    " WHERE delivery.id = json_extract(v.value, '$[0]') AND delivery.status = 'claimed'"
    " AND delivery.claimed_by = :worker"
)


PG_FINISH = text(
    "UPDATE delivery SET status = v.status, last_error = v.error, sent_at = v.sent_at, message_ts = v.ts,"
    " not_before = v.not_before, claimed_by = v.claimed_by, claimed_at = v.claimed_at"
    " FROM unnest(CAST(:b_id AS integer[]), CAST(:b_status AS varchar[]), CAST(:b_error AS varchar[]),"
    " CAST(:b_sent_at AS timestamptz[]), CAST(:b_ts AS varchar[]), CAST(:b_not_before AS timestamptz[]),"
    " CAST(:b_claimed_by AS varchar[]), CAST(:b_claimed_at AS timestamptz[]))"
    " AS v(id, status, error, sent_at, ts, not_before, claimed_by, claimed_at)"
    " WHERE delivery.id = v.id AND delivery.status = 'claimed' AND delivery.claimed_by = :worker"
)


def _finish_deliveries_pg(session: Session, worker: str, rows: list[dict[str, Any]]) -> int:
    """One statement with one array per column (as `_plan_deliveries_pg`), not one UPDATE per outcome."""
    params: dict[str, Any] = {name: [row[name] for row in rows] for name in rows[0]}
    for name in ("b_sent_at", "b_not_before", "b_claimed_at"):
        if any(at is not None and at.tzinfo is None for at in params[name]):
            raise ValueError("naive datetime: every datetime must be timezone-aware")
    return int(session.connection().execute(PG_FINISH, {**params, "worker": worker}).rowcount)


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
