"""The pulse in the sweep: open what is due (asking every member of both parties privately, in their working
hours, with one reminder), close what has run its five working days (the summary to the channel, open answers to
each party's own lead), and offer a pulse to the leads after a dispute or an imbalance warning.

All of it is planned as deliveries under unique keys and sent by the sweep like everything else; what a message
says is built when it goes out (a reminder to someone who has answered since says nothing).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core.alliance import home_working_time, working_time
from bot.core.pulse import questions, rhythm
from bot.core.pulse.results import (
    PulseAsk,
    PulseDispatch,
    PulseOffer,
    PulseOpened,
    PulseRemarks,
    PulseResults,
)
from bot.core.pulse.summary import summarise
from bot.core.views import PartyView
from storage import deliveries, members
from storage import pulse as store
from storage import repository as repo
from storage.db import Database
from storage.deliveries import DeliveryRow
from storage.models import Alliance, Party, Person, PulseRound, PulseSettings

KINDS = ("pulse_ask", "pulse_remind", "pulse_opened", "pulse_results", "pulse_remarks", "pulse_offer")
BATCH = 200
# An offer is not made when a pulse ran this recently (its results are fresh) or one is open.
OFFER_QUIET = timedelta(days=30)


def plan(db: Database, now: datetime) -> int:
    """Everything about pulses that has fallen due by `now`, planned as deliveries; how many are new."""
    with db.session() as session:
        for alliance in store.unplanned_alliances(session=session, limit=BATCH):
            ensure_settings(session, alliance)
            alliance.pulse_planned = True
            session.add(alliance)
        rows: list[dict[str, Any]] = []
        for settings in store.due_settings(session=session, now=now, limit=BATCH):
            due = session.get(Alliance, settings.alliance_id)
            if due is not None:
                rows += open_pulse(session, due, settings, now, reason="rhythm")
        for pulse in store.due_closing(session=session, now=now, limit=BATCH):
            rows += close(session, pulse, now)
        return deliveries.plan_deliveries(session=session, rows=rows)


def ensure_settings(session: Session, alliance: Alliance) -> PulseSettings:
    """The alliance's pulse settings, made with the first pulse's date (day 100) when it has none yet."""
    assert alliance.id is not None
    settings = store.settings(session=session, alliance_id=alliance.id)
    if settings is None:
        first = rhythm.first_pulse(alliance.started_at, home_working_time(session, alliance))
        settings = PulseSettings(alliance_id=alliance.id, every_months=rhythm.EVERY_MONTHS, next_at=first)
        session.add(settings)
        session.flush()
    return settings


def open_pulse(
    session: Session, alliance: Alliance, settings: PulseSettings, now: datetime, *, reason: str
) -> list[dict[str, Any]]:
    """Open a pulse now (none when one is open already) and set the next; the deliveries that ask for answers."""
    assert alliance.id is not None
    working = home_working_time(session, alliance)
    settings.next_at = rhythm.next_pulse(now, alliance.started_at, settings.every_months, working)
    session.add(settings)
    if store.open_round(session=session, alliance_id=alliance.id) is not None:
        return []
    statements = questions.current(settings.questions)
    closes_at = rhythm.closes(now, working)
    pulse = store.add_round(
        session=session,
        alliance_id=alliance.id,
        reason=reason,
        questions=json.dumps(statements),
        opened_at=now,
        closes_at=closes_at,
    )
    assert pulse.id is not None
    reminder_at = rhythm.reminder(now, working)
    rows = []
    asked = recipients(session, alliance, now)
    for person, party in asked:
        own = working_time(person, party)
        start = person.away_until if person.away_until and person.away_until > now else now
        rows.append(_row(pulse, "pulse_ask", person.user_id, own.next_working_moment(start)))
        remind = own.next_working_moment(max(reminder_at, start))
        if remind < closes_at:
            rows.append(_row(pulse, "pulse_remind", person.user_id, remind))
    rows.append(_row(pulse, "pulse_opened", "", now, {"asked": len(asked)}))
    return rows


def recipients(session: Session, alliance: Alliance, now: datetime) -> list[tuple[Person, Party]]:
    """Everyone of both parties who is in the alliance now: the channel's members, leads and sponsors."""
    assert alliance.id is not None
    parties = {p.team_id: p for p in repo.list_parties(session=session, alliance_id=alliance.id)}
    present = members.members(session=session, alliance_id=alliance.id)
    wanted = {u for u, m in present.items() if m.left_at is None}
    wanted |= {u for p in parties.values() for u in (p.lead_id, p.sponsor_id) if u}
    gone = {u for _, u in members.departed(session=session, alliance_ids=[alliance.id])}
    people = repo.get_people(session=session, user_ids=wanted - gone)
    return [
        (person, parties[person.team_id])
        for _, person in sorted(people.items())
        if person.team_id in parties and not person.is_bot and not person.deleted
    ]


def close(session: Session, pulse: PulseRound, now: datetime) -> list[dict[str, Any]]:
    """Close a pulse: its summary to the channel, each party's open answers to that party's own lead (its sponsor
    while it has no lead, so that they are not lost)."""
    assert pulse.id is not None
    pulse.closed_at = now
    session.add(pulse)
    rows = [_row(pulse, "pulse_results", "", now)]
    for party in repo.list_parties(session=session, alliance_id=pulse.alliance_id):
        found = [session.get(Person, u) for u in (party.lead_id, party.sponsor_id) if u]
        reader = next((p for p in found if p is not None and not p.deleted), None)
        if reader is None or not store.remarks(session=session, round_id=pulse.id, team_id=party.team_id):
            continue
        at = working_time(reader, party).next_working_moment(now)
        rows.append(_row(pulse, "pulse_remarks", reader.user_id, at, {"team_id": party.team_id}))
    return rows


def offer(session: Session, alliance_id: int, reason: str, occasion: str, now: datetime) -> int:
    """Offer the leads a pulse now, after a dispute was opened or the imbalance warning fired (`occasion` names
    which one, so each is offered once). Nothing when a pulse is open or ran within OFFER_QUIET."""
    alliance = session.get(Alliance, alliance_id)
    if alliance is None or _quiet(session, alliance_id, now):
        return 0
    rows = []
    for party in repo.list_parties(session=session, alliance_id=alliance_id):
        lead = session.get(Person, party.lead_id) if party.lead_id else None
        if lead is None or lead.deleted:
            continue
        rows.append(
            {
                "key": f"pulse_offer:{alliance_id}:{reason}:{occasion}:{lead.user_id}",
                "alliance_id": alliance_id,
                "kind": "pulse_offer",
                "recipient_id": lead.user_id,
                "data": json.dumps({"reason": reason}),
                "not_before": working_time(lead, party).next_working_moment(now),
            }
        )
    return deliveries.plan_deliveries(session=session, rows=rows)


def _quiet(session: Session, alliance_id: int, now: datetime) -> bool:
    if store.open_round(session=session, alliance_id=alliance_id) is not None:
        return True
    held = store.rounds(session=session, alliance_id=alliance_id)
    return bool(held) and held[-1].opened_at > now - OFFER_QUIET


def _row(
    pulse: PulseRound, kind: str, recipient_id: str, at: datetime, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "key": f"{kind}:{pulse.id}:{recipient_id}",
        "alliance_id": pulse.alliance_id,
        "kind": kind,
        "recipient_id": recipient_id,
        "data": json.dumps({"round_id": pulse.id, **(data or {})}),
        "not_before": at,
    }


# ---- what is said when it is sent (Scheduler._content asks `content`) ---------------------------------------


def content(session: Session, d: DeliveryRow, now: datetime) -> PulseDispatch | None:
    """The message of a planned delivery as things stand now; None when there is nothing to say any more."""
    alliance = session.get(Alliance, d.alliance_id)
    if alliance is None:
        return None
    data = json.loads(d.data or "{}")
    if d.kind == "pulse_offer":
        if _quiet(session, d.alliance_id, now):
            return None
        return PulseOffer(alliance.name, alliance.channel_id, str(data.get("reason", "")), d.recipient_id)
    pulse = session.get(PulseRound, data.get("round_id"))
    if pulse is None or pulse.id is None:
        return None
    match d.kind:
        case "pulse_ask" | "pulse_remind":
            if pulse.closed_at is not None or pulse.closes_at <= now:
                return None
            if store.has_answered(session=session, round_id=pulse.id, user_id=d.recipient_id):
                return None
            return PulseAsk(
                round_id=pulse.id,
                seq=pulse.seq,
                alliance=alliance.name,
                channel_id=alliance.channel_id,
                statements=tuple(json.loads(pulse.questions)),
                open_question=questions.OPEN_QUESTION,
                closes_at=pulse.closes_at,
                recipient_id=d.recipient_id,
                reminder=d.kind == "pulse_remind",
            )
        case "pulse_opened":
            return PulseOpened(pulse.seq, int(data.get("asked", 0)), pulse.closes_at)
        case "pulse_results":
            return PulseResults(summarise(session, [pulse])[0], alliance.channel_id, alliance.name, pulse.id)
        case "pulse_remarks":
            team_id = str(data.get("team_id", ""))
            reader = session.get(Person, d.recipient_id)
            party = repo.get_party(session=session, alliance_id=alliance.id or 0, team_id=team_id)
            if reader is None or party is None or reader.team_id != team_id:
                return None  # open answers reach their own party only
            remarks = store.remarks(session=session, round_id=pulse.id, team_id=team_id)
            return PulseRemarks(pulse.seq, PartyView(party.team_id, party.name), tuple(remarks), d.recipient_id)
    return None
