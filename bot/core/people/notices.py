"""Notices about people coming and going, as the schedule sends them: orphaned items, a lead wanted, a welcome."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from bot.core import views
from bot.core.people.results import LeadWanted, Orphaned, Returned, Welcome
from storage import deliveries, members
from storage import repository as repo
from storage.deliveries import DeliveryRow
from storage.models import Alliance, Person

# Planned by bot.core.people.departures, sent by the schedule like everything else.
KINDS = ("orphans", "lead_wanted", "welcome", "returned")


def content(session: Session, d: DeliveryRow, now: datetime) -> Orphaned | LeadWanted | Welcome | Returned | None:
    """Notices about people coming and going, said as things stand when sent: an item reassigned meanwhile
    is not listed, a lead already replaced is not asked for, a person gone again is not welcomed."""
    alliance = session.get(Alliance, d.alliance_id)
    if alliance is None or alliance.id is None:
        return None
    data = json.loads(d.data or "{}")
    gone = {user_id for a, user_id in members.departed(session=session, alliance_ids=[alliance.id])}
    parties = {p.team_id: p for p in views.parties(session, alliance)}
    match d.kind:
        case "orphans":
            team_id = str(data.get("team_id", ""))
            departed_ids = [u for u in data.get("user_ids", []) if u in gone]
            party = parties.get(team_id)
            if party is None or not departed_ids:
                return None  # they are back: nothing is orphaned
            rows = [
                c for c in repo.find_commitments(session=session, alliance_id=alliance.id) if c.owner_id in departed_ids
            ]
            lead_left = party.lead_id in departed_ids
            if not rows and (not lead_left or d.recipient_id):
                return None  # nothing orphaned; a lead's leaving is asked about privately by "lead_wanted"
            return Orphaned(
                departed_ids=departed_ids,
                party=party,
                reason=str(data.get("reason", "")),
                items=views.commitments(session, rows, now=now),
                recipient_id=d.recipient_id or None,
            )
        case "lead_wanted":
            party = parties.get(str(data.get("team_id", "")))
            departed_id = str(data.get("user_id", ""))
            if party is None or party.lead_id != departed_id or departed_id not in gone:
                return None  # a new lead is named, or the old one is back
            return LeadWanted(party=party, departed_id=departed_id, recipient_id=d.recipient_id)
        case "returned":
            user_id = str(data.get("user_id", ""))
            party = parties.get(str(data.get("team_id", "")))
            if party is None or user_id in gone:
                return None  # gone again meanwhile
            if not deliveries.orphans_told(
                session=session, alliance_id=alliance.id, user_id=user_id, since=str(data.get("left_at", ""))
            ):
                return None  # back before the channel heard of the departure: nothing to take back
            theirs = repo.find_commitments(session=session, alliance_id=alliance.id, owner_id=user_id)
            if not theirs and party.lead_id != user_id:
                return None  # nothing was said to be orphaned
            return Returned(
                user_id=user_id,
                party=party,
                items=views.commitments(session, theirs, now=now),
                was_lead=party.lead_id == user_id,
            )
        case "welcome":
            person = session.get(Person, d.recipient_id)
            if person is None:
                return None
            mine = repo.find_commitments(session=session, alliance_id=alliance.id, owner_id=d.recipient_id)
            return Welcome(
                alliance=views.alliance_view(session, alliance),
                recipient_id=d.recipient_id,
                recipient_team_id=person.team_id,
                returning=bool(data.get("returning")),
                open_items=views.commitments(session, mine, now=now),
                gone=sorted(gone),
            )
    return None
