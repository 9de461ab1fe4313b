"""Repository functions: keyword arguments in, models out. No chat platform in sight."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import exc, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage.models import (
    Alliance,
    Checkin,
    CommandMessage,
    Commitment,
    CommitmentEvent,
    Party,
    PartyChannel,
    Person,
    ProcessedEvent,
    Status,
)
from storage.sql import among


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
    return [PartyRow(*row) for row in session.connection().execute(query).all()]


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
    away_until: datetime | None = None


def recipient_rows(*, session: Session, user_ids: Iterable[str]) -> dict[str, RecipientRow]:
    """What planning and sending need to know of many people (zone, organisation, gone or not, away until), as
    plain tuples: a sweep reads thousands, and ORM objects would cost more than the query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = sa_select(
        col(Person.user_id), col(Person.tz), col(Person.deleted), col(Person.team_id), col(Person.away_until)
    )
    rows = session.connection().execute(query.where(among(session, col(Person.user_id), ids))).all()
    return {row[0]: RecipientRow(row[0], row[1], bool(row[2]), row[3], row[4]) for row in rows}


def alliance_settings(*, session: Session, alliance_ids: Iterable[int]) -> dict[int, tuple[str, int, int]]:
    """alliance id -> (channel id, lead after days, sponsor after days)."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return {}
    query = select(
        col(Alliance.id), col(Alliance.channel_id), col(Alliance.lead_after_days), col(Alliance.sponsor_after_days)
    ).where(among(session, col(Alliance.id), ids))
    rows = session.connection().execute(query).all()
    return {int(i): (channel, int(lead), int(sponsor)) for i, channel, lead, sponsor in rows}


def alliance_routes(*, session: Session, alliance_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """alliance id -> (channel id, platform): where its messages go, for many alliances in one query."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return {}
    query = sa_select(col(Alliance.id), col(Alliance.channel_id), col(Alliance.platform))
    rows = session.connection().execute(query.where(among(session, col(Alliance.id), ids))).all()
    return {int(i): (str(channel), str(platform)) for i, channel, platform in rows}


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


def known_zones(*, session: Session, team_id: str) -> list[str]:
    """The zones the people of an organisation are known to be in (one per person; bots and stand-ins left out)."""
    query = select(col(Person.tz)).where(
        Person.team_id == team_id, col(Person.tz_known).is_(True), col(Person.is_bot).is_(False)
    )
    return [tz for tz in session.exec(query).all() if tz]


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
    for field in ("team_id", "name", "tz", "tz_known", "is_bot", "deleted", "refreshed_at"):
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


def open_owners(*, session: Session, alliance_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(alliance id, owner id) of every owner of an open item in those alliances, in one query."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return []
    query = (
        sa_select(col(Commitment.alliance_id), col(Commitment.owner_id))
        .where(among(session, col(Commitment.alliance_id), ids), col(Commitment.status) == Status.OPEN.value)
        .distinct()
    )
    return [(int(a), str(u)) for a, u in session.connection().execute(query)]


def open_titles(*, session: Session, alliance_id: int) -> Sequence[tuple[int, str]]:
    """(ref, title) of the open commitments: all the fuzzy look-up needs, without loading whole rows."""
    rows = session.exec(
        select(Commitment.ref, Commitment.title).where(
            Commitment.alliance_id == alliance_id,
            Commitment.status == Status.OPEN.value,
        )
    ).all()
    return [(ref, title) for ref, title in rows]


def open_fingerprint(*, session: Session, alliance_id: int) -> tuple[int, int, int]:
    """(number of open commitments, last reference handed out, title edits): changes whenever the open set or an
    open title does, in whichever process the change was made."""
    count = session.connection().execute(
        select(func.count()).where(
            col(Commitment.alliance_id) == alliance_id, col(Commitment.status) == Status.OPEN.value
        )
    )
    last, edits = (
        session.connection()
        .execute(select(col(Alliance.last_ref), col(Alliance.title_edits)).where(col(Alliance.id) == alliance_id))
        .one()
    )
    return int(count.scalar_one()), int(last), int(edits)


def count_title_edit(*, session: Session, alliance_id: int) -> None:
    """One more title edit in this alliance, as an atomic increment (two processes editing at once both count)."""
    session.connection().execute(
        update(Alliance).where(col(Alliance.id) == alliance_id).values(title_edits=col(Alliance.title_edits) + 1)
    )


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
    return {int(a): int(n) for a, n in session.connection().execute(query).all()}


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


def unlink_party_channel(*, session: Session, link: PartyChannel) -> None:
    """Forget a party's private channel (it is private to the party no more)."""
    session.delete(link)
    session.flush()


def alliances_led_by(*, session: Session, platform: str, user_id: str) -> list[tuple[Alliance, Party]]:
    """The alliances in which this person is a party's lead or sponsor, with that party."""
    rows = session.exec(
        select(Alliance, Party)
        .join(Party, col(Party.alliance_id) == col(Alliance.id))
        .where(Alliance.platform == platform, or_(col(Party.lead_id) == user_id, col(Party.sponsor_id) == user_id))
        .order_by(col(Alliance.id))
    ).all()
    return [(a, p) for a, p in rows]


def commitments_of(*, session: Session, alliance_id: int) -> Sequence[Commitment]:
    """Every commitment of an alliance, whatever its status."""
    return session.exec(select(Commitment).where(Commitment.alliance_id == alliance_id)).all()


class CommitmentRow(NamedTuple):
    """A commitment as a plain row, with the fields of `Commitment` that sending reads (a commitment's view, and
    whether its reminder still has something to say) of thousands of them."""

    id: int
    alliance_id: int
    ref: int
    title: str
    owner_id: str
    party_team_id: str
    due_at: datetime
    milestone: bool
    status: str
    slips: int
    closed_at: datetime | None
    drop_reason: str | None
    snoozed_until: datetime | None
    reported: str | None
    internal: bool


COMMITMENT_COLUMNS = [getattr(Commitment, name) for name in CommitmentRow._fields]


def commitment_rows(*, session: Session, ids: Iterable[int]) -> dict[int, CommitmentRow]:
    """Many commitments by id, as plain rows: no ORM objects on the sweep's path."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = sa_select(*COMMITMENT_COLUMNS).where(among(session, col(Commitment.id), wanted))
    return {row[0]: CommitmentRow(*row) for row in session.connection().execute(query).all()}


def commitments_by_id(*, session: Session, ids: Iterable[int]) -> Sequence[Commitment]:
    wanted = set(ids)
    if not wanted:
        return []
    return session.exec(select(Commitment).where(among(session, col(Commitment.id), wanted))).all()


def events_of(
    *, session: Session, commitment_ids: Iterable[int | None], since: datetime | None = None
) -> Sequence[CommitmentEvent]:
    """The history lines of many commitments (since a moment, if given), oldest first."""
    query = select(CommitmentEvent).where(col(CommitmentEvent.commitment_id).in_(list(commitment_ids)))
    if since is not None:
        query = query.where(col(CommitmentEvent.at) >= since)
    return session.exec(query.order_by(col(CommitmentEvent.at), col(CommitmentEvent.id))).all()


def command_message(*, session: Session, platform: str, channel_id: str, message_ts: str) -> CommandMessage | None:
    """What a message carried out as a change did, if it did anything."""
    return session.exec(
        select(CommandMessage).where(
            CommandMessage.platform == platform,
            CommandMessage.channel_id == channel_id,
            CommandMessage.message_ts == message_ts,
        )
    ).first()


def add_command_message(
    *,
    session: Session,
    platform: str,
    channel_id: str,
    message_ts: str,
    alliance_id: int,
    kind: str,
    commitment_id: int | None,
    at: datetime,
) -> CommandMessage:
    row = CommandMessage(
        platform=platform,
        channel_id=channel_id,
        message_ts=message_ts,
        alliance_id=alliance_id,
        commitment_id=commitment_id,
        kind=kind,
        at=at,
    )
    session.add(row)
    session.flush()
    return row
