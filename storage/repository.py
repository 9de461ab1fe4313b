"""Repository functions: keyword arguments in, models out. No chat platform in sight."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ARRAY, and_, any_, bindparam, delete, exc, func, or_, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import (
    Alliance,
    CharterSignature,
    Checkin,
    Commitment,
    CommitmentEvent,
    Delivery,
    Dispute,
    Member,
    Party,
    PartyChannel,
    Person,
    ProcessedEvent,
    Status,
    SweepState,
)
from storage.types import AwareDateTime

_T = TypeVar("_T")


def among(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values`, as `= ANY(array)` on PostgreSQL: one parameter instead of thousands, which psycopg
    and the server handle several times faster for the batches a sweep reads."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


class PartyRow(NamedTuple):
    alliance_id: int
    team_id: str
    name: str
    lead_id: str | None
    sponsor_id: str | None
    country: str | None


def get_alliance(*, session: Session, platform: str, channel_id: str) -> Alliance | None:
    return session.exec(
        select(Alliance).where(Alliance.platform == platform, Alliance.channel_id == channel_id)
    ).first()


def add_alliance(
    *,
    session: Session,
    platform: str,
    channel_id: str,
    name: str,
    host_team_id: str,
    started_at: datetime,
    parties: Iterable[tuple[str, str]],
) -> tuple[Alliance, bool]:
    """Create the alliance of a channel with its parties; returns (alliance, created).

    Two first uses of a new channel can race (a command and a mention in the same second); the unique
    constraint decides, and the loser gets the winner's row.
    """
    try:
        with session.begin_nested():
            alliance = Alliance(
                platform=platform,
                channel_id=channel_id,
                name=name,
                host_team_id=host_team_id,
                started_at=started_at,
            )
            session.add(alliance)
            session.flush()
            assert alliance.id is not None
            for team_id, party_name in parties:
                session.add(Party(alliance_id=alliance.id, team_id=team_id, name=party_name))
            session.flush()
        return alliance, True
    except exc.IntegrityError:
        existing = get_alliance(session=session, platform=platform, channel_id=channel_id)
        if existing is None:
            raise
        return existing, False


def list_parties(*, session: Session, alliance_id: int) -> Sequence[Party]:
    return session.exec(select(Party).where(Party.alliance_id == alliance_id).order_by(col(Party.id))).all()


def get_party(*, session: Session, alliance_id: int, team_id: str) -> Party | None:
    """One organisation of an alliance, if it is a party to it."""
    return session.exec(select(Party).where(Party.alliance_id == alliance_id, Party.team_id == team_id)).first()


def parties_of(*, session: Session, alliance_ids: Iterable[int]) -> Sequence[Party]:
    ids = sorted(set(alliance_ids))
    if not ids:
        return []
    return session.exec(select(Party).where(among(session, col(Party.alliance_id), ids)).order_by(col(Party.id))).all()


def party_rows(*, session: Session, alliance_ids: Iterable[int]) -> list[PartyRow]:
    """The parties of many alliances as plain tuples (no ORM objects: a sweep reads thousands)."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return []
    query = sa_select(
        col(Party.alliance_id),
        col(Party.team_id),
        col(Party.name),
        col(Party.lead_id),
        col(Party.sponsor_id),
        col(Party.country),
    ).where(among(session, col(Party.alliance_id), ids))
    return [PartyRow(*row) for row in session.connection().execute(query)]


def owner_rows(*, session: Session, user_ids: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """user id -> (time zone, deleted) for many people, as plain tuples."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = select(col(Person.user_id), col(Person.tz), col(Person.deleted)).where(
        among(session, col(Person.user_id), ids)
    )
    return {user_id: (tz, bool(deleted)) for user_id, tz, deleted in session.connection().execute(query)}


class RecipientRow(NamedTuple):
    user_id: str
    tz: str
    deleted: bool
    team_id: str


def recipient_rows(*, session: Session, user_ids: Iterable[str]) -> dict[str, RecipientRow]:
    """What sending needs to know of many people (zone, organisation, gone or not), as plain tuples."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = select(col(Person.user_id), col(Person.tz), col(Person.deleted), col(Person.team_id))
    rows = session.connection().execute(query.where(among(session, col(Person.user_id), ids)))
    return {row[0]: RecipientRow(row[0], row[1], bool(row[2]), row[3]) for row in rows}


def alliance_settings(*, session: Session, alliance_ids: Iterable[int]) -> dict[int, tuple[str, int, int]]:
    """alliance id -> (channel id, lead after days, sponsor after days)."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return {}
    query = select(
        col(Alliance.id), col(Alliance.channel_id), col(Alliance.lead_after_days), col(Alliance.sponsor_after_days)
    ).where(among(session, col(Alliance.id), ids))
    return {
        int(i): (channel, int(lead), int(sponsor)) for i, channel, lead, sponsor in session.connection().execute(query)
    }


def alliance_platforms(*, session: Session, alliance_ids: Iterable[int]) -> dict[int, str]:
    """alliance id -> the chat platform its channel lives on (slack, teams)."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return {}
    query = select(col(Alliance.id), col(Alliance.platform)).where(among(session, col(Alliance.id), ids))
    return {int(i): str(platform) for i, platform in session.connection().execute(query)}


def add_party(*, session: Session, alliance_id: int, team_id: str, name: str) -> Party:
    """Add an organisation to an alliance; if a concurrent request just did, return that row."""
    try:
        with session.begin_nested():
            party = Party(alliance_id=alliance_id, team_id=team_id, name=name)
            session.add(party)
            session.flush()
        return party
    except exc.IntegrityError:
        existing = session.exec(select(Party).where(Party.alliance_id == alliance_id, Party.team_id == team_id)).first()
        if existing is None:
            raise
        return existing


def get_person(*, session: Session, user_id: str) -> Person | None:
    return session.get(Person, user_id)


def save_person(*, session: Session, person: Person) -> Person:
    """Insert or refresh what we know of a person (two requests may learn of the same person at once)."""
    existing = session.get(Person, person.user_id)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(person)
                session.flush()
            return person
        except exc.IntegrityError:
            existing = session.get(Person, person.user_id)
            if existing is None:
                raise
    for field in ("team_id", "name", "tz", "is_bot", "deleted", "refreshed_at"):
        setattr(existing, field, getattr(person, field))
    session.flush()
    return existing


def get_people(*, session: Session, user_ids: Iterable[str]) -> dict[str, Person]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return {p.user_id: p for p in session.exec(select(Person).where(among(session, col(Person.user_id), ids))).all()}


def next_ref(*, session: Session, alliance_id: int) -> int:
    """Hand out the alliance's next short reference (#1, #2, ...), atomically."""
    result = session.exec(
        update(Alliance)
        .where(col(Alliance.id) == alliance_id)
        .values(last_ref=Alliance.last_ref + 1)
        .returning(col(Alliance.last_ref))
    )
    return int(result.scalar_one())


def add_commitment(
    *,
    session: Session,
    alliance_id: int,
    title: str,
    owner_id: str,
    party_team_id: str,
    due_at: datetime,
    milestone: bool,
    created_by: str,
    now: datetime,
    internal: bool = False,
) -> Commitment:
    commitment = Commitment(
        alliance_id=alliance_id,
        ref=next_ref(session=session, alliance_id=alliance_id),
        title=title,
        owner_id=owner_id,
        party_team_id=party_team_id,
        due_at=due_at,
        milestone=milestone,
        created_by=created_by,
        created_at=now,
        internal=internal,
    )
    session.add(commitment)
    session.flush()
    add_event(
        session=session,
        commitment=commitment,
        at=now,
        actor_id=created_by,
        kind="created",
        detail="",
    )
    return commitment


def get_commitment(*, session: Session, alliance_id: int, ref: int) -> Commitment | None:
    return session.exec(select(Commitment).where(Commitment.alliance_id == alliance_id, Commitment.ref == ref)).first()


def find_commitments(
    *,
    session: Session,
    alliance_id: int,
    statuses: Sequence[Status] = (Status.OPEN,),
    owner_id: str | None = None,
    due_before: datetime | None = None,
) -> Sequence[Commitment]:
    query = select(Commitment).where(
        Commitment.alliance_id == alliance_id,
        col(Commitment.status).in_([s.value for s in statuses]),
    )
    if owner_id is not None:
        query = query.where(Commitment.owner_id == owner_id)
    if due_before is not None:
        query = query.where(col(Commitment.due_at) < due_before)
    return session.exec(query.order_by(col(Commitment.due_at), col(Commitment.ref))).all()


def open_titles(*, session: Session, alliance_id: int) -> Sequence[tuple[int, str]]:
    """(ref, title) of the open commitments: all the fuzzy look-up needs, without loading whole rows."""
    rows = session.exec(
        select(Commitment.ref, Commitment.title).where(
            Commitment.alliance_id == alliance_id,
            Commitment.status == Status.OPEN.value,
        )
    ).all()
    return [(ref, title) for ref, title in rows]


def open_fingerprint(*, session: Session, alliance_id: int) -> tuple[int, int]:
    """(number of open commitments, last reference handed out): changes whenever the open set does."""
    count = session.connection().execute(
        select(func.count()).where(
            col(Commitment.alliance_id) == alliance_id, col(Commitment.status) == Status.OPEN.value
        )
    )
    last = session.connection().execute(select(col(Alliance.last_ref)).where(col(Alliance.id) == alliance_id))
    return int(count.scalar_one()), int(last.scalar_one())


def get_commitments_by_ref(*, session: Session, alliance_id: int, refs: Iterable[int]) -> Sequence[Commitment]:
    wanted = list(refs)
    if not wanted:
        return []
    rows = session.exec(
        select(Commitment).where(Commitment.alliance_id == alliance_id, col(Commitment.ref).in_(wanted))
    ).all()
    order = {ref: i for i, ref in enumerate(wanted)}
    return sorted(rows, key=lambda c: order[c.ref])


def add_event(
    *,
    session: Session,
    commitment: Commitment,
    at: datetime,
    actor_id: str,
    kind: str,
    detail: str,
) -> CommitmentEvent:
    assert commitment.id is not None
    event = CommitmentEvent(commitment_id=commitment.id, at=at, actor_id=actor_id, kind=kind, detail=detail)
    session.add(event)
    session.flush()
    return event


def history(*, session: Session, commitment_id: int) -> Sequence[CommitmentEvent]:
    return session.exec(
        select(CommitmentEvent)
        .where(CommitmentEvent.commitment_id == commitment_id)
        .order_by(col(CommitmentEvent.at), col(CommitmentEvent.id))
    ).all()


def claim_event(*, session: Session, event_id: str, at: datetime) -> bool:
    """Remember an incoming event id; False when it was seen before (a retry)."""
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, received_at=at))
            session.flush()
        return True
    except exc.IntegrityError:
        return False


def forget_events(*, session: Session, before: datetime) -> int:
    """Drop event ids older than Slack's retry window; returns how many."""
    result = session.connection().execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < before))
    return int(result.rowcount)


# ---- the schedule: due rows, planned deliveries, claims ---------------------------------------------------


def _locking(session: Session, query: SelectOfScalar[_T]) -> SelectOfScalar[_T]:
    """On PostgreSQL, lock the rows read and skip those another sweeper holds; SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def due_alliances(*, session: Session, now: datetime, limit: int) -> Sequence[Alliance]:
    query = (
        select(Alliance)
        .where(col(Alliance.next_checkin_at).is_not(None), col(Alliance.next_checkin_at) <= now)
        .order_by(col(Alliance.next_checkin_at))
        .limit(limit)
    )
    return session.exec(_locking(session, query)).all()


def due_commitments(*, session: Session, now: datetime, limit: int) -> Sequence[Commitment]:
    query = (
        select(Commitment)
        .where(col(Commitment.next_nudge_at).is_not(None), col(Commitment.next_nudge_at) <= now)
        .order_by(col(Commitment.next_nudge_at))
        .limit(limit)
    )
    return session.exec(_locking(session, query)).all()


def count_overdue(*, session: Session, alliance_id: int, now: datetime) -> int:
    query = select(func.count()).where(
        col(Commitment.alliance_id) == alliance_id,
        col(Commitment.status) == Status.OPEN.value,
        col(Commitment.due_at) <= now,
    )
    return int(session.connection().execute(query).scalar_one())


def overdue_counts(*, session: Session, alliance_ids: Iterable[int], now: datetime) -> dict[int, int]:
    """alliance id -> number of open commitments past their deadline, for many alliances in one query."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return {}
    query = (
        select(col(Commitment.alliance_id), func.count())
        .where(
            among(session, col(Commitment.alliance_id), ids),
            col(Commitment.status) == Status.OPEN.value,
            col(Commitment.due_at) <= now,
        )
        .group_by(col(Commitment.alliance_id))
    )
    return {int(a): int(n) for a, n in session.connection().execute(query)}


def plan_deliveries(*, session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert planned deliveries, skipping any whose key is already planned; returns how many are new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    table = Delivery.__table__  # type: ignore[attr-defined]
    statement = (pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)).on_conflict_do_nothing(
        index_elements=["key"]
    )
    full = [{"status": "pending", "attempts": 0, "data": "{}", **row} for row in rows]
    if dialect == "postgresql":
        return _plan_deliveries_pg(session, full)
    # RETURNING rather than rowcount, which is not reported for a multi-row INSERT ... ON CONFLICT.
    result = session.connection().execute(statement.returning(table.c.id), full)
    return len(result.all())


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
    columns = [
        "key",
        "alliance_id",
        "kind",
        "recipient_id",
        "checkin_id",
        "commitment_id",
        "data",
        "status",
        "attempts",
    ]
    params: dict[str, list[Any]] = {name: [row.get(name) for row in rows] for name in columns}
    params["not_before"] = [row["not_before"] for row in rows]
    if any(at.tzinfo is None for at in params["not_before"]):
        raise ValueError("naive datetime: every datetime must be timezone-aware")
    return len(session.connection().execute(PG_PLAN, params).all())


def claim_deliveries(
    *, session: Session, now: datetime, worker: str, limit: int, stale_before: datetime
) -> list[Delivery]:
    """Claim deliveries that are due, and those whose claimer vanished (claimed before `stale_before`).

    One UPDATE whose WHERE re-checks each row's state (a compare-and-set over the batch). On PostgreSQL the
    rows are picked with FOR UPDATE SKIP LOCKED, so two sweepers never pick the same row; on SQLite the
    write lock taken at BEGIN makes the statement the only writer.
    """
    due = or_(
        and_(col(Delivery.status) == "pending", col(Delivery.not_before) <= now),
        and_(col(Delivery.status) == "claimed", col(Delivery.claimed_at) < stale_before),
    )
    pick = select(col(Delivery.id)).where(due).order_by(col(Delivery.not_before), col(Delivery.id)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claimed = session.connection().execute(
        update(Delivery)
        .where(col(Delivery.id).in_(pick), due)
        .values(status="claimed", claimed_by=worker, claimed_at=now, attempts=Delivery.attempts + 1)
        .returning(col(Delivery.id))
    )
    ids = [i for i in claimed.scalars() if i is not None]
    if not ids:
        return []
    session.expire_all()
    query = (
        select(Delivery)
        .where(among(session, col(Delivery.id), ids))
        .order_by(col(Delivery.not_before), col(Delivery.id))
    )
    return list(session.exec(query).all())


def _held_by(worker: str) -> Any:
    return and_(col(Delivery.status) == "claimed", col(Delivery.claimed_by) == worker)


def renew_claims(*, session: Session, ids: Iterable[int], worker: str, at: datetime) -> set[int]:
    """Refresh this worker's claims so they do not look abandoned; the ids it still holds."""
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
        .values(claimed_at=at)
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
    statement = (
        update(Delivery)
        .where(
            col(Delivery.id) == bindparam("b_id"),
            col(Delivery.status) == "claimed",
            col(Delivery.claimed_by) == worker,
        )
        .values(
            status=bindparam("b_status"),
            last_error=bindparam("b_error"),
            sent_at=bindparam("b_sent_at", type_=AwareDateTime()),
            message_ts=bindparam("b_ts"),
            not_before=bindparam("b_not_before", type_=AwareDateTime()),
            claimed_by=bindparam("b_claimed_by"),
            claimed_at=bindparam("b_claimed_at", type_=AwareDateTime()),
        )
    )
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
    result = session.connection().execute(statement, rows)
    return int(result.rowcount)


def sweep_instant(*, session: Session, now: datetime) -> datetime:
    """Time only moves forward: the later of `now` and the last sweep's instant, which becomes the last.

    An upsert and one conditional UPDATE, so two sweepers starting together neither collide nor go back.
    """
    dialect = session.get_bind().dialect.name
    table = SweepState.__table__  # type: ignore[attr-defined]
    insert = (pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)).on_conflict_do_nothing()
    session.connection().execute(insert, [{"id": 1, "last_at": now}])
    session.connection().execute(
        update(SweepState).where(col(SweepState.id) == 1, col(SweepState.last_at) < now).values(last_at=now)
    )
    last = session.connection().execute(select(col(SweepState.last_at)).where(col(SweepState.id) == 1)).scalar_one()
    assert isinstance(last, datetime)
    return last


def open_checkin(*, session: Session, alliance_id: int) -> Checkin | None:
    """The alliance's latest check-in while it is still open for answers."""
    return session.exec(
        select(Checkin)
        .where(Checkin.alliance_id == alliance_id, col(Checkin.closed_at).is_(None))
        .order_by(col(Checkin.seq).desc())
    ).first()


def last_checkin(*, session: Session, alliance_id: int) -> Checkin | None:
    return session.exec(
        select(Checkin).where(Checkin.alliance_id == alliance_id).order_by(col(Checkin.seq).desc())
    ).first()


# ---- membership: who is in an alliance's channel, and who has left it ------------------------------------------


def _insert_ignoring(session: Session, model: Any, rows: list[dict[str, Any]], *, conflict: list[str]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; how many rows were new."""
    if not rows:
        return 0
    table = model.__table__
    dialect = session.get_bind().dialect.name
    statement = (pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)).on_conflict_do_nothing(
        index_elements=conflict
    )
    return len(session.connection().execute(statement.returning(table.c.id), rows).all())


def add_members(*, session: Session, alliance_id: int, people: Iterable[tuple[str, str]], at: datetime) -> int:
    """Record (user id, team id) as present in the channel, unless already known; how many were new."""
    rows = [
        {"alliance_id": alliance_id, "user_id": user_id, "team_id": team_id, "joined_at": at}
        for user_id, team_id in dict(people).items()
    ]
    return _insert_ignoring(session, Member, rows, conflict=["alliance_id", "user_id"])


def members(*, session: Session, alliance_id: int) -> dict[str, Member]:
    return {m.user_id: m for m in session.exec(select(Member).where(Member.alliance_id == alliance_id)).all()}


def get_member(*, session: Session, alliance_id: int, user_id: str) -> Member | None:
    return session.exec(select(Member).where(Member.alliance_id == alliance_id, Member.user_id == user_id)).first()


def mark_left(*, session: Session, alliance_id: int, user_id: str, team_id: str, at: datetime, reason: str) -> bool:
    """Record that a person left the alliance. True only for the call that made them leave: a second signal of
    the same departure (a retried event, the reconciliation after an event) finds them gone already."""
    add_members(session=session, alliance_id=alliance_id, people=[(user_id, team_id)], at=at)
    result = session.connection().execute(
        update(Member)
        .where(col(Member.alliance_id) == alliance_id, col(Member.user_id) == user_id, col(Member.left_at).is_(None))
        .values(left_at=at, left_reason=reason)
    )
    return result.rowcount == 1


def mark_returned(*, session: Session, alliance_id: int, user_id: str, team_id: str, at: datetime) -> str:
    """Record that a person is in the channel: "new" (first seen), "returned" (had left) or "present"."""
    if add_members(session=session, alliance_id=alliance_id, people=[(user_id, team_id)], at=at):
        return "new"
    result = session.connection().execute(
        update(Member)
        .where(
            col(Member.alliance_id) == alliance_id,
            col(Member.user_id) == user_id,
            col(Member.left_at).is_not(None),
        )
        .values(left_at=None, left_reason=None, joined_at=at)
    )
    return "returned" if result.rowcount == 1 else "present"


def has_left(*, session: Session, alliance_id: int, user_id: str) -> bool:
    """Whether this person has left the alliance's channel (their account may still be active)."""
    member = get_member(session=session, alliance_id=alliance_id, user_id=user_id)
    return member is not None and member.left_at is not None


def gone(*, session: Session, alliance_id: int, user_id: str) -> bool:
    """Deactivated, or no longer in this alliance's channel."""
    person = session.get(Person, user_id)
    return (person is not None and person.deleted) or has_left(
        session=session, alliance_id=alliance_id, user_id=user_id
    )


def departed(*, session: Session, alliance_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(alliance id, user id) of everyone who has left those alliances' channels."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return set()
    query = select(col(Member.alliance_id), col(Member.user_id)).where(
        among(session, col(Member.alliance_id), ids), col(Member.left_at).is_not(None)
    )
    return {(int(a), str(u)) for a, u in session.connection().execute(query)}


def alliances_touching(*, session: Session, user_id: str) -> list[Alliance]:
    """The alliances a person is part of: a member of the channel, owner of an open item, or lead or sponsor."""
    ids = set(session.exec(select(Member.alliance_id).where(Member.user_id == user_id)).all())
    ids |= set(
        session.exec(
            select(Commitment.alliance_id).where(Commitment.owner_id == user_id, Commitment.status == Status.OPEN.value)
        ).all()
    )
    ids |= set(
        session.exec(
            select(Party.alliance_id).where(or_(col(Party.lead_id) == user_id, col(Party.sponsor_id) == user_id))
        ).all()
    )
    if not ids:
        return []
    return list(session.exec(select(Alliance).where(col(Alliance.id).in_(sorted(ids))).order_by(col(Alliance.id))))


def open_owners(*, session: Session, alliance_id: int, team_id: str) -> list[str]:
    """Who owns open items for one party of an alliance."""
    rows = session.exec(
        select(Commitment.owner_id)
        .where(
            Commitment.alliance_id == alliance_id,
            Commitment.party_team_id == team_id,
            Commitment.status == Status.OPEN.value,
        )
        .distinct()
    ).all()
    return sorted(rows)


def due_reconciliations(*, session: Session, platform: str, before: datetime, limit: int) -> list[int]:
    """Alliances of one platform whose members were last compared before `before` (or never)."""
    query = (
        select(col(Alliance.id))
        .where(
            col(Alliance.platform) == platform,
            or_(col(Alliance.reconciled_at).is_(None), col(Alliance.reconciled_at) < before),
        )
        .order_by(col(Alliance.reconciled_at).nulls_first(), col(Alliance.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(query).all() if i is not None]


def claim_reconciliation(*, session: Session, alliance_id: int, before: datetime, at: datetime) -> bool:
    """Compare-and-set: True for the one process that gets to reconcile this alliance now."""
    result = session.connection().execute(
        update(Alliance)
        .where(
            col(Alliance.id) == alliance_id,
            or_(col(Alliance.reconciled_at).is_(None), col(Alliance.reconciled_at) < before),
        )
        .values(reconciled_at=at)
    )
    return result.rowcount == 1


# ---- the charter, decisions and disputes ----------------------------------------------------------------------


def add_charter_signature(
    *, session: Session, alliance_id: int, version: int, team_id: str, user_id: str, at: datetime
) -> bool:
    """One party's signature under one version; False when that party has already signed it."""
    row = {"alliance_id": alliance_id, "version": version, "team_id": team_id, "user_id": user_id, "signed_at": at}
    return _insert_ignoring(session, CharterSignature, [row], conflict=["alliance_id", "version", "team_id"]) == 1


def due_disputes(*, session: Session, now: datetime, limit: int) -> Sequence[Dispute]:
    """Unresolved disputes whose step has run out (or just started), locked for this sweeper on PostgreSQL."""
    query = (
        select(Dispute)
        .where(col(Dispute.next_at) <= now, col(Dispute.resolved_at).is_(None))
        .order_by(col(Dispute.next_at))
        .limit(limit)
    )
    return session.exec(_locking(session, query)).all()


# ---- trust boundaries: internal items and each party's linked private channel ------------------------------


def visible_open_titles(*, session: Session, alliance_id: int, team_id: str | None) -> Sequence[tuple[int, str]]:
    """(ref, title) of the open commitments a reader of `team_id` may see (None: both organisations read)."""
    seen: Any = col(Commitment.internal).is_(False)
    if team_id is not None:
        seen = or_(seen, col(Commitment.party_team_id) == team_id)
    rows = session.exec(
        select(Commitment.ref, Commitment.title).where(
            Commitment.alliance_id == alliance_id, Commitment.status == Status.OPEN.value, seen
        )
    ).all()
    return [(ref, title) for ref, title in rows]


def get_party_channel(*, session: Session, platform: str, channel_id: str) -> PartyChannel | None:
    return session.exec(
        select(PartyChannel).where(PartyChannel.platform == platform, PartyChannel.channel_id == channel_id)
    ).first()


def party_channel_of(*, session: Session, alliance_id: int, team_id: str) -> PartyChannel | None:
    return session.exec(
        select(PartyChannel).where(PartyChannel.alliance_id == alliance_id, PartyChannel.team_id == team_id)
    ).first()


def link_party_channel(
    *, session: Session, platform: str, channel_id: str, alliance_id: int, team_id: str, user_id: str, at: datetime
) -> tuple[PartyChannel, str | None]:
    """Make `channel_id` the party's private channel (one per party; a new link replaces the old one). Returns the
    link and the channel it replaced, if any."""
    existing = party_channel_of(session=session, alliance_id=alliance_id, team_id=team_id)
    previous = existing.channel_id if existing is not None else None
    if existing is None:
        existing = PartyChannel(
            platform=platform,
            channel_id=channel_id,
            alliance_id=alliance_id,
            team_id=team_id,
            linked_by=user_id,
            linked_at=at,
        )
    else:
        existing.channel_id, existing.linked_by, existing.linked_at = channel_id, user_id, at
    session.add(existing)
    session.flush()
    return existing, previous if previous != channel_id else None


def alliances_led_by(*, session: Session, platform: str, user_id: str) -> list[tuple[Alliance, Party]]:
    """The alliances in which this person is a party's lead or sponsor, with that party."""
    rows = session.exec(
        select(Alliance, Party)
        .join(Party, col(Party.alliance_id) == col(Alliance.id))
        .where(Alliance.platform == platform, or_(col(Party.lead_id) == user_id, col(Party.sponsor_id) == user_id))
        .order_by(col(Alliance.id))
    ).all()
    return [(a, p) for a, p in rows]
