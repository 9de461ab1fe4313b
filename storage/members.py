"""Membership: who is in an alliance's channel, who has left it, and when it was last reconciled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Alliance,
    Commitment,
    Member,
    Party,
    Person,
    Status,
    WorkspaceListing,
)
from storage.sql import among, insert_ignoring, upsert


def add_members(*, session: Session, alliance_id: int, people: Iterable[tuple[str, str]], at: datetime) -> int:
    """Record (user id, team id) as present in the channel, unless already known; how many were new."""
    rows = [
        {"alliance_id": alliance_id, "user_id": user_id, "team_id": team_id, "joined_at": at}
        for user_id, team_id in dict(people).items()
    ]
    return insert_ignoring(session, Member, rows, conflict=["alliance_id", "user_id"])


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
    return {(int(a), str(u)) for a, u in session.connection().execute(query).all()}


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


def active_people_by_team(*, session: Session, platform: str, team_ids: Iterable[str]) -> dict[str, int]:
    """How many people of each workspace are in some alliance of the platform now (each counted once, however
    many alliances they are in): the look-ups a week of reconciliations makes there, at worst."""
    ids = sorted(set(team_ids))
    if not ids:
        return {}
    query = (
        select(col(Member.team_id), func.count(func.distinct(col(Member.user_id))))
        .join(Alliance, col(Alliance.id) == col(Member.alliance_id))
        .where(
            col(Alliance.platform) == platform, col(Member.left_at).is_(None), among(session, col(Member.team_id), ids)
        )
        .group_by(col(Member.team_id))
    )
    return {str(team_id): int(count) for team_id, count in session.connection().execute(query)}


def listings(*, session: Session, platform: str, team_ids: Iterable[str]) -> dict[str, WorkspaceListing]:
    ids = sorted(set(team_ids))
    if not ids:
        return {}
    query = select(WorkspaceListing).where(
        WorkspaceListing.platform == platform, among(session, col(WorkspaceListing.team_id), ids)
    )
    return {w.team_id: w for w in session.exec(query).all()}


def claim_listing(*, session: Session, platform: str, team_id: str, before: datetime, at: datetime) -> bool:
    """Compare-and-set on a workspace listed before: True for the one process that lists it now (not since
    `before`). A workspace never listed has no row, and whoever lists it first makes one (`record_listing`)."""
    result = session.connection().execute(
        update(WorkspaceListing)
        .where(
            col(WorkspaceListing.platform) == platform,
            col(WorkspaceListing.team_id) == team_id,
            col(WorkspaceListing.listed_at) < before,
        )
        .values(listed_at=at)
    )
    return result.rowcount == 1


def record_listing(*, session: Session, platform: str, team_id: str, pages: int, complete: bool, at: datetime) -> None:
    """What listing the workspace took this time (two processes listing it first at once: the later one's)."""
    row = {"platform": platform, "team_id": team_id, "pages": pages, "complete": complete, "listed_at": at}
    session.connection().execute(
        upsert(
            session,
            WorkspaceListing,
            [row],
            conflict=["platform", "team_id"],
            update=["pages", "complete", "listed_at"],
        )
    )
