"""Turning rows into the views the front ends render, loading related rows once per batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.core.outcomes import AllianceView, CommitmentView, PartyView
from storage import repository as repo
from storage.models import Alliance, Commitment, Party, Status


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


def commitments(session: Session, rows: Sequence[Commitment], *, now: datetime) -> list[CommitmentView]:
    """Views of many commitments (of one alliance or several), with parties and owners loaded once."""
    by_team = {
        (p.alliance_id, p.team_id): PartyView(
            team_id=p.team_id, name=p.name, lead_id=p.lead_id, sponsor_id=p.sponsor_id
        )
        for p in repo.party_rows(session=session, alliance_ids={c.alliance_id for c in rows})
    }
    owners = repo.owner_rows(session=session, user_ids=[c.owner_id for c in rows])
    gone = repo.departed(session=session, alliance_ids={c.alliance_id for c in rows})
    views = []
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
                overdue=c.status == Status.OPEN.value and c.due_at < now,
                closed_at=c.closed_at,
                drop_reason=c.drop_reason,
                owner_departed=deactivated or (c.alliance_id, c.owner_id) in gone,
                reported=c.reported,
                internal=c.internal,
            )
        )
    return views
