"""What every feature shows of an alliance, its parties and commitments, and how rows become those views (related
rows loaded once per batch)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import members
from storage import repository as repo
from storage.models import Alliance, Commitment, Party, Status
from storage.repository import CommitmentRow, PartyRow, RecipientRow


@dataclass(frozen=True)
class PartyView:
    team_id: str
    name: str
    lead_id: str | None = None
    sponsor_id: str | None = None


@dataclass(frozen=True)
class AllianceView:
    """An alliance as the intro message and list headers need it."""

    channel_id: str
    name: str
    started_at: datetime
    parties: list[PartyView]


@dataclass(frozen=True)
class CommitmentView:
    ref: int
    title: str
    owner_id: str
    party: PartyView
    due_at: datetime
    owner_tz: str
    status: str
    milestone: bool
    slips: int
    overdue: bool
    closed_at: datetime | None = None
    drop_reason: str | None = None
    owner_departed: bool = False  # orphaned: the owner was deactivated or has left the channel
    reported: str | None = None  # the owner's last check-in answer: on_track, at_risk, need_help
    internal: bool = False  # internal to `party`: never shown to the other organisation


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor_id: str
    kind: str  # created, done, due_moved, reassigned, dropped
    data: dict[str, Any] = field(default_factory=dict)


def party_view(party: Party) -> PartyView:
    return PartyView(team_id=party.team_id, name=party.name, lead_id=party.lead_id, sponsor_id=party.sponsor_id)


def parties(session: Session, alliance: Alliance) -> list[PartyView]:
    """The alliance's parties, the host organisation first."""
    assert alliance.id is not None
    rows = repo.list_parties(session=session, alliance_id=alliance.id)
    return [party_view(p) for p in sorted(rows, key=lambda p: (p.team_id != alliance.host_team_id, p.id or 0))]


def alliance_view(session: Session, alliance: Alliance) -> AllianceView:
    return AllianceView(
        channel_id=alliance.channel_id,
        name=alliance.name,
        started_at=alliance.started_at,
        parties=parties(session, alliance),
    )


def commitments(
    session: Session,
    rows: Sequence[Commitment | CommitmentRow],
    *,
    now: datetime,
    known: tuple[Sequence[PartyRow], Mapping[str, RecipientRow], set[tuple[int, str]]] | None = None,
) -> list[CommitmentView]:
    """Views of many commitments (of one alliance or several), with parties and owners loaded once; or, `known`,
    from the parties, people (owners among them) and departures the caller has read already."""
    party_rows: Sequence[PartyRow]
    if known is None:
        party_rows = repo.party_rows(session=session, alliance_ids={c.alliance_id for c in rows})
        owners = repo.owner_rows(session=session, user_ids=[c.owner_id for c in rows])
        gone = members.departed(session=session, alliance_ids={c.alliance_id for c in rows})
    else:
        party_rows, people, gone = known
        owners = {c.owner_id: (people[c.owner_id].tz, people[c.owner_id].deleted) for c in rows if c.owner_id in people}
    by_team = {
        (p.alliance_id, p.team_id): PartyView(
            team_id=p.team_id, name=p.name, lead_id=p.lead_id, sponsor_id=p.sponsor_id
        )
        for p in party_rows
    }
    views = []
    open_ = Status.OPEN.value
    for c in rows:
        party = by_team.get((c.alliance_id, c.party_team_id))
        tz, deactivated = owners.get(c.owner_id, ("UTC", False))
        views.append(
            CommitmentView(
                ref=c.ref,
                title=c.title,
                owner_id=c.owner_id,
                party=party or PartyView(team_id=c.party_team_id, name=c.party_team_id),
                due_at=c.due_at,
                owner_tz=tz,
                status=c.status,
                milestone=c.milestone,
                slips=c.slips,
                overdue=c.status == open_ and c.due_at < now,
                closed_at=c.closed_at,
                drop_reason=c.drop_reason,
                owner_departed=deactivated or (c.alliance_id, c.owner_id) in gone,
                reported=c.reported,
                internal=c.internal,
            )
        )
    return views
