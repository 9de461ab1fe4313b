"""Reminders to the leads at each check-in while the charter is unwritten, incomplete or unsigned."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.calendar import working_time_of
from bot.core.charter.document import charter_view, party_rows
from bot.core.charter.results import CharterReminder
from storage import deliveries, members
from storage import repository as repo
from storage.deliveries import DeliveryRow
from storage.models import Alliance

REMINDER_KIND = "charter_reminder"
KINDS = (REMINDER_KIND,)


def plan(session: Session, alliance: Alliance, seq: int, now: datetime) -> None:
    """At a check-in: a reminder to each lead who has not signed, while the charter is unwritten, incomplete or
    unsigned. What it says is read when it is sent (a charter signed meanwhile needs no reminder)."""
    assert alliance.id is not None
    view = charter_view(session, alliance)
    if view.signed_at is not None and not view.missing:
        return
    parties = {p.team_id: p for p in party_rows(session, alliance)}
    leads = [p.lead_id for p in parties.values() if p.lead_id and p.lead_id not in view.signed_by]
    people = repo.get_people(session=session, user_ids=leads)
    rows = []
    for lead in leads:
        person = people.get(lead)
        if person is None or members.gone(session=session, alliance_id=alliance.id, user_id=lead):
            continue
        party = parties.get(person.team_id)
        working = working_time_of(person.tz, party.country if party else None)
        rows.append(
            {
                "key": f"{REMINDER_KIND}:{alliance.id}:{seq}:{lead}",
                "alliance_id": alliance.id,
                "kind": REMINDER_KIND,
                "recipient_id": lead,
                "not_before": working.next_working_moment(now),
            }
        )
    deliveries.plan_deliveries(session=session, rows=rows)


def content(session: Session, delivery: DeliveryRow, now: datetime) -> CharterReminder | None:
    """What a planned charter reminder says now; None when there is nothing left to ask of its recipient."""
    alliance = session.get(Alliance, delivery.alliance_id)
    if alliance is None:
        return None
    view = charter_view(session, alliance)
    if (view.signed_at is not None and not view.missing) or delivery.recipient_id in view.signed_by:
        return None
    if all(p.lead_id != delivery.recipient_id for p in view.parties):
        return None  # no longer a lead
    return CharterReminder(charter=view, recipient_id=delivery.recipient_id)
