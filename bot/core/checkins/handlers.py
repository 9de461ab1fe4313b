"""Carrying out the check-in commands: status answers, the cadence, calling a check-in now, snoozing, escalation."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.alliance import Caller, Work, utc
from bot.core.cadence import Cadence, first_checkin, interval, next_checkin
from bot.core.checkins.commands import Answer
from bot.core.checkins.nudges import when_reachable
from bot.core.checkins.results import CadenceView, CheckinCalled, EscalationView, NudgeKind, Reported, Snoozed
from bot.core.errors import NotAllowed
from storage import deliveries, members
from storage import repository as repo
from storage.models import Alliance, Checkin, CheckinAnswer, Commitment


def report(work: Work, alliance: Alliance, caller: Caller, ref: int, answer: str, note: str) -> Reported:
    commitment = work.open_commitment(alliance, ref, caller)
    # Only who may change it may say where it stands: a status is the owner's (or their lead's) word.
    work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    commitment.reported, commitment.reported_note = answer, note or None
    checkin = note_answer(work, alliance, commitment, caller.user_id, answer, note)
    helper = ask_for_help(work, alliance, commitment, caller, note) if answer == Answer.NEED_HELP.value else None
    view = work.commitment_view(commitment)
    return Reported(
        commitment=view,
        answer=Answer(answer),
        note=note,
        actor_id=caller.user_id,
        checkin_seq=checkin.seq if checkin else None,
        thread_ts=checkin.thread_ts if checkin else None,
        helper_id=helper,
    )


def ask_for_help(work: Work, alliance: Alliance, commitment: Commitment, caller: Caller, note: str) -> str | None:
    """ "Need help" reaches someone: the lead of the owner's own party (its sponsor when the lead is the one asking
    or is gone), privately, in their working hours. Who is told, or None when the party has nobody to tell."""
    assert alliance.id is not None and commitment.id is not None
    session, now = work.session, work.now()
    party = repo.get_party(session=session, alliance_id=alliance.id, team_id=commitment.party_team_id)
    candidates = [u for u in ((party.lead_id, party.sponsor_id) if party else ()) if u and u != caller.user_id]
    people = repo.get_people(session=session, user_ids=candidates)
    helper = next(
        (
            u
            for u in candidates
            if u in people
            and not people[u].deleted
            and not members.has_left(session=session, alliance_id=alliance.id, user_id=u)
        ),
        None,
    )
    if helper is None:
        return None
    row = {
        "key": f"help:{commitment.id}:{helper}:{int(now.timestamp())}",
        "alliance_id": alliance.id,
        "kind": NudgeKind.HELP.value,
        "recipient_id": helper,
        "commitment_id": commitment.id,
        "data": json.dumps({"due": commitment.due_at.isoformat(), "asked_by": caller.user_id, "note": note}),
        "not_before": when_reachable(people[helper], party, now),
    }
    deliveries.plan_deliveries(session=session, rows=[row])
    return helper


def note_answer(
    work: Work, alliance: Alliance, commitment: Commitment, user_id: str, answer: str, note: str
) -> Checkin | None:
    """Count what an owner says as their answer to the check-in that is open, if one is."""
    assert alliance.id is not None and commitment.id is not None
    session = work.session
    checkin = repo.open_checkin(session=session, alliance_id=alliance.id)
    if checkin is not None and checkin.id is not None:
        session.add(
            CheckinAnswer(
                checkin_id=checkin.id,
                commitment_id=commitment.id,
                user_id=user_id,
                answer=answer,
                note=note,
                at=work.now(),
            )
        )
    return checkin


def cadence(work: Work, alliance: Alliance, setting: str | None) -> CadenceView:
    assert alliance.id is not None
    now = work.now()
    session = work.session
    row = session.get(Alliance, alliance.id)
    assert row is not None
    overdue = repo.count_overdue(session=session, alliance_id=alliance.id, now=now)
    if setting is not None:
        row.cadence = setting
        working = work.home(row)
        last = repo.last_checkin(session=session, alliance_id=alliance.id)
        every = interval(Cadence(setting), started_at=row.started_at, now=now, overdue=overdue)
        after = last.opened_at if last else row.started_at
        candidate = next_checkin(after=after, every=every, working=working)
        # A cadence shortened past its due date checks in on the next working morning, not in the past.
        row.next_checkin_at = candidate if candidate > now else first_checkin(started_at=now, working=working)
    every = interval(Cadence(row.cadence), started_at=row.started_at, now=now, overdue=overdue)
    return CadenceView(
        cadence=row.cadence,
        every_days=every.days,
        tightened=every < interval(Cadence(row.cadence), started_at=row.started_at, now=now, overdue=0),
        next_checkin_at=row.next_checkin_at,
        home_tz=row.home_tz,
        changed=setting is not None,
    )


def checkin_now(work: Work, alliance: Alliance) -> CheckinCalled:
    """Call the next check-in now. One check-in at a time: while one is open (before its closing time), or one
    called is not out yet, a second call is refused with a word on which (typed five times, it opens one). An
    open check-in past its closing time is closed by the sweep that opens the new one."""
    assert alliance.id is not None
    now = work.now()
    session = work.session
    row = session.get(Alliance, alliance.id)
    assert row is not None
    current = repo.open_checkin(session=session, alliance_id=alliance.id)
    if current is not None and current.closes_at > now:
        raise NotAllowed("checkin_open", ref=current.seq)
    if row.next_checkin_at is not None and row.next_checkin_at <= now:
        raise NotAllowed("checkin_open")
    row.next_checkin_at = now
    return CheckinCalled(at=now)


def snooze(work: Work, alliance: Alliance, caller: Caller, ref: int, days: int) -> Snoozed:
    now = work.now()
    until = now + timedelta(days=days)
    commitment = work.open_commitment(alliance, ref, caller)
    work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    commitment.snoozed_until = until
    commitment.next_nudge_at = until
    work.history(commitment, actor_id=caller.user_id, kind="snoozed", data={"until": utc(until)})
    return Snoozed(commitment=work.commitment_view(commitment), until=until, actor_id=caller.user_id)


def escalation(work: Work, alliance: Alliance, lead_after: int | None, sponsor_after: int | None) -> EscalationView:
    session = work.session
    row = session.get(Alliance, alliance.id)
    assert row is not None
    if lead_after is not None and sponsor_after is not None:
        row.lead_after_days, row.sponsor_after_days = lead_after, sponsor_after
    return EscalationView(
        lead_after=row.lead_after_days, sponsor_after=row.sponsor_after_days, changed=lead_after is not None
    )


def open_thread(work: Work, channel_id: str) -> str | None:
    """The thread of the channel's open check-in, where answers are summed up; None when none is open."""
    alliance = work.alliance(channel_id)
    if alliance is None or alliance.id is None:
        return None
    checkin = repo.open_checkin(session=work.session, alliance_id=alliance.id)
    return checkin.thread_ts if checkin else None
