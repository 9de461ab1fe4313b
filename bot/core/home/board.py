"""What one person sees on their own page: their open commitments in every alliance (overdue first), what the
parties they lead or sponsor let slip, the check-in questions still waiting for their answer, and each of their
alliances with its next check-in and a line of health.

The page is private to the person, so it may show their own organisation's internal items and never the other
organisation's (`may_see` with the person's team as the audience): a lead of one party sees what their party let
slip, not the partner's internal work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot.core import views
from bot.core.scorecard.card import punctuality
from bot.core.views import CommitmentView
from bot.core.visibility import Audience, may_see, private_to
from storage import repository as repo
from storage.models import Alliance, Checkin, CheckinAnswer, Commitment, Dispute, Member, Party, Status

# A page is read at a glance: past these, the rest is a count and a pointer to `list mine` in the channel.
MAX_ITEMS = 15


@dataclass(frozen=True)
class HomeItem:
    """One commitment on the page, with the alliance it belongs to (its channel, where buttons act)."""

    channel_id: str
    alliance: str
    item: CommitmentView


@dataclass(frozen=True)
class Waiting:
    """An open check-in of one alliance that still asks the person about these commitments."""

    channel_id: str
    alliance: str
    closes_at: datetime
    refs: list[int]


@dataclass(frozen=True)
class AllianceHealth:
    channel_id: str
    name: str
    next_checkin_at: datetime | None
    on_time: float | None  # share of finished commitments done by their date; None before any is finished
    overdue: int
    open_disputes: int


@dataclass(frozen=True)
class Home:
    user_id: str
    tz: str  # the person's own zone: every date on the page is shown in it
    mine: list[HomeItem]
    slipped: list[HomeItem]
    waiting: list[Waiting]
    alliances: list[AllianceHealth]
    more_mine: int = 0
    more_slipped: int = 0

    @property
    def empty(self) -> bool:
        return not (self.mine or self.slipped or self.waiting or self.alliances)


def home_of(session: Session, *, platform: str, user_id: str, team_id: str, tz: str, now: datetime) -> Home:
    """The person's page as it stands at `now`."""
    audience = private_to(team_id)
    alliances = {a.id: a for a in alliances_of(session, platform=platform, user_id=user_id) if a.id is not None}
    ids = set(alliances)
    rows = _open_rows(session, ids)
    mine_rows = [c for c in rows if c.owner_id == user_id]
    led = {
        (p.alliance_id, p.team_id)
        for p in repo.parties_of(session=session, alliance_ids=ids)
        if user_id in (p.lead_id, p.sponsor_id)
    }
    slipped_rows = [
        c
        for c in rows
        if (c.alliance_id, c.party_team_id) in led and c.owner_id != user_id and (c.due_at < now or c.slips > 0)
    ]
    mine = _items(session, alliances, mine_rows, audience, now)
    slipped = _items(session, alliances, slipped_rows, audience, now)
    return Home(
        user_id=user_id,
        tz=tz,
        mine=mine[:MAX_ITEMS],
        slipped=slipped[:MAX_ITEMS],
        waiting=_waiting(session, alliances, mine_rows, audience),
        alliances=_health(session, alliances, audience, now),
        more_mine=max(0, len(mine) - MAX_ITEMS),
        more_slipped=max(0, len(slipped) - MAX_ITEMS),
    )


def alliances_of(session: Session, *, platform: str, user_id: str) -> list[Alliance]:
    """The alliances a person is in: still a member of the channel, a lead or sponsor, or owing a commitment."""
    member = select(Member.alliance_id).where(Member.user_id == user_id, col(Member.left_at).is_(None))
    role = select(Party.alliance_id).where(or_(col(Party.lead_id) == user_id, col(Party.sponsor_id) == user_id))
    owes = select(Commitment.alliance_id).where(Commitment.owner_id == user_id, Commitment.status == Status.OPEN.value)
    query = (
        select(Alliance)
        .where(Alliance.platform == platform)
        .where(or_(col(Alliance.id).in_(member), col(Alliance.id).in_(role), col(Alliance.id).in_(owes)))
        .order_by(Alliance.name, col(Alliance.id))
    )
    return list(session.exec(query).all())


def people_of(session: Session, *, alliance_id: int) -> set[str]:
    """Whose page shows something of this alliance: its members, leads, sponsors and owners of open items."""
    members = session.exec(
        select(Member.user_id).where(Member.alliance_id == alliance_id, col(Member.left_at).is_(None))
    ).all()
    roles = [
        who
        for p in repo.list_parties(session=session, alliance_id=alliance_id)
        for who in (p.lead_id, p.sponsor_id)
        if who
    ]
    owners = session.exec(
        select(Commitment.owner_id).where(Commitment.alliance_id == alliance_id, Commitment.status == Status.OPEN.value)
    ).all()
    return {*members, *roles, *owners}


def _open_rows(session: Session, alliance_ids: Iterable[int]) -> Sequence[Commitment]:
    ids = list(alliance_ids)
    if not ids:
        return []
    query = select(Commitment).where(col(Commitment.alliance_id).in_(ids), Commitment.status == Status.OPEN.value)
    return session.exec(query).all()


def _seen(rows: Iterable[Commitment], audience: Audience) -> list[Commitment]:
    return [c for c in rows if may_see(audience, internal=c.internal, party_team_id=c.party_team_id)]


def _items(
    session: Session,
    alliances: dict[int, Alliance],
    rows: Sequence[Commitment],
    audience: Audience,
    now: datetime,
) -> list[HomeItem]:
    """Views of the rows the audience may see, overdue first, then by due date, across alliances."""
    seen = _seen(rows, audience)
    items = [
        HomeItem(channel_id=alliances[c.alliance_id].channel_id, alliance=alliances[c.alliance_id].name, item=v)
        for c, v in zip(seen, views.commitments(session, seen, now=now), strict=True)
    ]
    return sorted(items, key=lambda h: (not h.item.overdue, h.item.due_at, h.alliance, h.item.ref))


def _waiting(
    session: Session, alliances: dict[int, Alliance], mine: Sequence[Commitment], audience: Audience
) -> list[Waiting]:
    """The open check-ins that ask about the person's commitments not yet answered in them."""
    ids = list(alliances)
    if not ids or not mine:
        return []
    checkins = session.exec(
        select(Checkin).where(col(Checkin.alliance_id).in_(ids), col(Checkin.closed_at).is_(None))
    ).all()
    if not checkins:
        return []
    answered = set(
        session.exec(
            select(CheckinAnswer.checkin_id, CheckinAnswer.commitment_id).where(
                col(CheckinAnswer.checkin_id).in_([c.id for c in checkins])
            )
        ).all()
    )
    asked = defaultdict(list)
    for c in _seen(mine, audience):
        asked[c.alliance_id].append(c)
    waiting = []
    for checkin in sorted(checkins, key=lambda c: c.closes_at):
        refs = sorted(
            c.ref
            for c in asked.get(checkin.alliance_id, [])
            if c.created_at <= checkin.opened_at and (checkin.id, c.id) not in answered
        )
        if refs:
            alliance = alliances[checkin.alliance_id]
            waiting.append(Waiting(alliance.channel_id, alliance.name, checkin.closes_at, refs))
    return waiting


def _health(
    session: Session, alliances: dict[int, Alliance], audience: Audience, now: datetime
) -> list[AllianceHealth]:
    """Each alliance's next check-in, on-time share and overdue count (of what the person may see), and disputes."""
    ids = list(alliances)
    if not ids:
        return []
    rows = session.exec(
        select(Commitment).where(
            col(Commitment.alliance_id).in_(ids),
            col(Commitment.status).in_([Status.OPEN.value, Status.DONE.value]),
        )
    ).all()
    by_alliance: dict[int, list[Commitment]] = defaultdict(list)
    for c in _seen(rows, audience):
        by_alliance[c.alliance_id].append(c)
    disputes = dict(
        session.exec(
            select(Dispute.alliance_id, func.count())
            .where(col(Dispute.alliance_id).in_(ids), col(Dispute.resolved_at).is_(None))
            .group_by(col(Dispute.alliance_id))
        ).all()
    )
    lines = []
    for alliance_id, alliance in alliances.items():
        assert alliance_id is not None
        kept = punctuality(by_alliance.get(alliance_id, []), now)
        lines.append(
            AllianceHealth(
                channel_id=alliance.channel_id,
                name=alliance.name,
                next_checkin_at=alliance.next_checkin_at,
                on_time=kept.on_time_rate,
                overdue=kept.open_overdue,
                open_disputes=int(disputes.get(alliance_id, 0)),
            )
        )
    return lines
