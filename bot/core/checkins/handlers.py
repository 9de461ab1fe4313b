"""Carrying out the check-in commands: status answers, the cadence, calling a check-in now, snoozing, escalation."""

from __future__ import annotations

from datetime import timedelta

from bot.core.alliance import Caller, Work, utc
from bot.core.cadence import Cadence, first_checkin, interval, next_checkin
from bot.core.checkins.commands import Answer
from bot.core.checkins.results import CadenceView, CheckinCalled, EscalationView, Reported, Snoozed
from storage import repository as repo
from storage.models import Alliance, Checkin, CheckinAnswer, Commitment


def report(work: Work, alliance: Alliance, caller: Caller, ref: int, answer: str, note: str) -> Reported:
    commitment = work.open_commitment(alliance, ref, caller)
    commitment.reported, commitment.reported_note = answer, note or None
    checkin = note_answer(work, alliance, commitment, caller.user_id, answer, note)
    view = work.commitment_view(commitment)
    return Reported(
        commitment=view,
        answer=Answer(answer),
        note=note,
        actor_id=caller.user_id,
        checkin_seq=checkin.seq if checkin else None,
        thread_ts=checkin.thread_ts if checkin else None,
    )


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
    now = work.now()
    session = work.session
    row = session.get(Alliance, alliance.id)
    assert row is not None
    row.next_checkin_at = now
    return CheckinCalled(at=now)


def snooze(work: Work, alliance: Alliance, caller: Caller, ref: int, days: int) -> Snoozed:
    now = work.now()
    until = now + timedelta(days=days)
    commitment = work.open_commitment(alliance, ref, caller)
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
