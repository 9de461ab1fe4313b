"""Decisions on record, and disputes that climb the charter's steps (leads, sponsors, mediator) until resolved."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.core.alliance import Caller, Work, home_working_time
from bot.core.calendar import WorkingTime, working_time_of
from bot.core.charter.commands import Decide, ListDecisions, ListDisputes, OpenDispute, ResolveDispute
from bot.core.charter.document import charter_view
from bot.core.charter.results import (
    DecisionList,
    DecisionRecorded,
    DecisionView,
    DisputeList,
    DisputeMoved,
    DisputeNudge,
    DisputeOpened,
    DisputeResolved,
    DisputeStep,
    DisputeView,
)
from bot.core.dates import END_OF_WORKING_DAY
from bot.core.errors import CharterError
from bot.core.pulse import planning as pulse
from storage import charter as charter_store
from storage import deliveries, members
from storage import repository as repo
from storage.db import Database
from storage.deliveries import DeliveryRow
from storage.models import Alliance, Decision, Dispute, Party

NUDGE_KIND = "dispute_nudge"
MOVED_KIND = "dispute_moved"
KINDS = (NUDGE_KIND, MOVED_KIND)
BATCH = 500
DECISIONS_LISTED = 30


def handle(
    work: Work,
    command: Decide | ListDecisions | OpenDispute | ListDisputes | ResolveDispute,
    caller: Caller,
    alliance: Alliance,
) -> DecisionRecorded | DecisionList | DisputeOpened | DisputeList | DisputeResolved:
    match command:
        case Decide():
            return decide(work, alliance, caller, command)
        case ListDecisions():
            return decisions(work, alliance)
        case OpenDispute(topic=topic):
            return open_dispute(work, alliance, caller, topic)
        case ListDisputes():
            return disputes(work, alliance)
        case ResolveDispute(ref=ref, outcome=outcome):
            return resolve(work, alliance, caller, ref, outcome)
    raise AssertionError(f"not a decision or dispute command: {command!r}")


def decide(work: Work, alliance: Alliance, caller: Caller, command: Decide) -> DecisionRecorded:
    assert alliance.id is not None
    decided_by = work.owner(command.decided_by or caller.user_id, alliance).user_id
    consulted = [work.owner(u, alliance).user_id for u in command.consulted if u != decided_by]
    now = work.now()
    session = work.session
    row = Decision(
        alliance_id=alliance.id,
        ref=_next_ref(session, Decision, alliance.id),
        text=command.text,
        decided_by=decided_by,
        consulted=json.dumps(consulted),
        recorded_by=caller.user_id,
        at=now,
    )
    session.add(row)
    session.flush()
    return DecisionRecorded(decision=_decision_view(row))


def decisions(work: Work, alliance: Alliance) -> DecisionList:
    session = work.session
    assert alliance.id is not None
    rows = charter_store.decisions(session=session, alliance_id=alliance.id)
    shown = [_decision_view(r) for r in rows[-DECISIONS_LISTED:]]
    return DecisionList(decisions=shown, hidden=max(0, len(rows) - DECISIONS_LISTED))


def open_dispute(work: Work, alliance: Alliance, caller: Caller, topic: str) -> DisputeOpened:
    assert alliance.id is not None
    work.owner(caller.user_id, alliance)
    now = work.now()
    session = work.session
    charter = charter_view(session, alliance)
    dispute = Dispute(
        alliance_id=alliance.id,
        ref=_next_ref(session, Dispute, alliance.id),
        topic=topic,
        opened_by=caller.user_id,
        opened_at=now,
        steps=json.dumps([{"who": s.who, "days": s.days} for s in charter.steps]),
        mediator=charter.mediator,
        mediator_id=charter.mediator_id,
        step_started_at=now,
        next_at=now,
    )
    session.add(dispute)
    session.flush()
    advance(session, dispute, now)
    pulse.offer(session, alliance.id, "dispute", str(dispute.ref), now)  # where the two stand, before it hardens
    return DisputeOpened(dispute=dispute_view(session, dispute), channel_id=alliance.channel_id)


def disputes(work: Work, alliance: Alliance) -> DisputeList:
    session = work.session
    assert alliance.id is not None
    rows = charter_store.open_disputes(session=session, alliance_id=alliance.id)
    return DisputeList(disputes=[dispute_view(session, d) for d in rows])


def resolve(work: Work, alliance: Alliance, caller: Caller, ref: int, outcome: str) -> DisputeResolved:
    assert alliance.id is not None
    if not outcome.strip():
        raise CharterError("no_outcome", field="outcome", detail=str(ref))
    now = work.now()
    session = work.session
    dispute = charter_store.get_dispute(session=session, alliance_id=alliance.id, ref=ref)
    if dispute is None:
        raise CharterError("no_dispute", detail=str(ref))
    if dispute.resolved_at is not None:
        raise CharterError("already_resolved", detail=str(ref), user_id=dispute.resolved_by)
    parties = repo.list_parties(session=session, alliance_id=alliance.id)
    allowed = {dispute.opened_by, dispute.mediator_id} | {x for p in parties for x in (p.lead_id, p.sponsor_id) if x}
    if caller.user_id not in allowed:
        raise CharterError("not_party_to_dispute", detail=str(ref))
    dispute.resolved_at, dispute.resolved_by, dispute.outcome = now, caller.user_id, outcome
    dispute.next_at = None
    session.add(dispute)
    session.flush()
    return DisputeResolved(dispute=dispute_view(session, dispute))


def plan(db: Database, now: datetime) -> int:
    """Move every dispute whose step's deadline has passed to its next step, and plan who is told; how many moved
    or started."""
    moved = 0
    while True:
        with db.session() as session:
            due = charter_store.due_disputes(session=session, now=now, limit=BATCH)
            for dispute in due:
                advance(session, dispute, now)
            moved += len(due)
        if len(due) < BATCH:
            return moved


def advance(session: Session, dispute: Dispute, now: datetime) -> None:
    """Bring one dispute up to `now`: past every step whose deadline has gone by, then tell the people of the step
    it has reached (only the latest: a sweep that catches up does not send stale steps)."""
    alliance = session.get(Alliance, dispute.alliance_id)
    if alliance is None or dispute.resolved_at is not None:
        dispute.next_at = None
        return
    home = home_working_time(session, alliance)
    steps = _steps(dispute)
    while (deadline := _deadline(dispute, steps, home)) <= now:
        dispute.step += 1
        dispute.step_started_at = deadline
    if dispute.planned_step < dispute.step:
        _plan_step(session, alliance, dispute, now)
        dispute.planned_step = dispute.step
    dispute.next_at = _deadline(dispute, steps, home)
    session.add(dispute)


def _plan_step(session: Session, alliance: Alliance, dispute: Dispute, now: datetime) -> None:
    assert alliance.id is not None and dispute.id is not None
    parties = {p.team_id: p for p in repo.list_parties(session=session, alliance_id=alliance.id)}
    recipients = _people(session, alliance, dispute, list(parties.values()))
    people = repo.get_people(session=session, user_ids=recipients)
    data = json.dumps({"dispute_id": dispute.id, "step": dispute.step})
    prefix = f"dispute:{dispute.id}:{dispute.step}"
    rows: list[dict[str, Any]] = []
    for user_id in recipients:
        person = people.get(user_id)
        party = parties.get(person.team_id) if person else None
        working = working_time_of(person.tz if person else "UTC", party.country if party else None)
        rows.append(
            {
                "key": f"{prefix}:{user_id}",
                "alliance_id": alliance.id,
                "kind": NUDGE_KIND,
                "recipient_id": user_id,
                "data": data,
                "not_before": working.next_working_moment(now),
            }
        )
    if dispute.step > 0:
        rows.append(
            {
                "key": f"{prefix}:channel",
                "alliance_id": alliance.id,
                "kind": MOVED_KIND,
                "recipient_id": "",
                "data": data,
                "not_before": now,
            }
        )
    deliveries.plan_deliveries(session=session, rows=rows)


def content(session: Session, delivery: DeliveryRow, now: datetime) -> DisputeNudge | DisputeMoved | None:
    """What a planned dispute message says now; None once it is resolved or has moved past that step."""
    data = json.loads(delivery.data or "{}")
    dispute = session.get(Dispute, data.get("dispute_id"))
    if dispute is None or dispute.resolved_at is not None or dispute.step != data.get("step"):
        return None
    view = dispute_view(session, dispute)
    if delivery.kind == MOVED_KIND:
        return DisputeMoved(dispute=view)
    return DisputeNudge(dispute=view, recipient_id=delivery.recipient_id)


def dispute_view(session: Session, dispute: Dispute) -> DisputeView:
    alliance = session.get(Alliance, dispute.alliance_id)
    assert alliance is not None and alliance.id is not None
    steps = _steps(dispute)
    parties = list(repo.list_parties(session=session, alliance_id=alliance.id))
    last = dispute.step >= len(steps) - 1
    people, stand_in = _step_people(session, alliance, dispute, parties)
    return DisputeView(
        ref=dispute.ref,
        topic=dispute.topic,
        opened_by=dispute.opened_by,
        opened_at=dispute.opened_at,
        step=dispute.step,
        steps=steps,
        deadline=None
        if dispute.resolved_at or last
        else _deadline(dispute, steps, home_working_time(session, alliance)),
        home_tz=alliance.home_tz,
        people=people,
        stand_in=stand_in,
        mediator=dispute.mediator,
        resolved_at=dispute.resolved_at,
        resolved_by=dispute.resolved_by,
        outcome=dispute.outcome,
    )


def _people(session: Session, alliance: Alliance, dispute: Dispute, parties: list[Party]) -> list[str]:
    return _step_people(session, alliance, dispute, parties)[0]


def _step_people(
    session: Session, alliance: Alliance, dispute: Dispute, parties: list[Party]
) -> tuple[list[str], bool]:
    """Who settles it at its current step (still here): the leads, the sponsors, or the mediator. With nobody
    named for a step, the leads carry it (and are told whom the charter names)."""
    assert alliance.id is not None
    steps = _steps(dispute)
    who = steps[min(dispute.step, len(steps) - 1)].who
    gone = {u for _, u in members.departed(session=session, alliance_ids=[alliance.id])}
    leads = [p.lead_id for p in parties if p.lead_id]
    candidates = {
        "leads": leads,
        "sponsors": [p.sponsor_id for p in parties if p.sponsor_id],
        "mediator": [dispute.mediator_id] if dispute.mediator_id else [],
    }.get(who, [])
    people = repo.get_people(session=session, user_ids=[*candidates, *leads])
    present = [u for u in candidates if u not in gone and not (u in people and people[u].deleted)]
    if present or who == "leads":
        return list(dict.fromkeys(present)), False
    return list(dict.fromkeys(u for u in leads if u not in gone and not (u in people and people[u].deleted))), True


def _steps(dispute: Dispute) -> list[DisputeStep]:
    return [DisputeStep(str(s["who"]), int(s["days"])) for s in json.loads(dispute.steps)]


def _deadline(dispute: Dispute, steps: list[DisputeStep], home: WorkingTime) -> datetime:
    """When the current step runs out: its working days counted in the alliance's home calendar. The last step
    runs out too, and starts again (its people reminded) until the dispute is resolved."""
    step = steps[min(dispute.step, len(steps) - 1)]
    last_day = home.add_working_days(dispute.step_started_at, step.days)
    return home.at_local(last_day.date(), END_OF_WORKING_DAY)  # to the end of that working day


def _next_ref(session: Session, model: type[Decision] | type[Dispute], alliance_id: int) -> int:
    return charter_store.next_ref(session=session, model=model, alliance_id=alliance_id)


def _decision_view(row: Decision) -> DecisionView:
    return DecisionView(
        ref=row.ref,
        text=row.text,
        decided_by=row.decided_by,
        consulted=list(json.loads(row.consulted or "[]")),
        recorded_by=row.recorded_by,
        at=row.at,
    )
