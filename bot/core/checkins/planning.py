"""Check-ins as the sweep plans and says them: opened on the cadence, an ask to each owner, a reminder, a summary."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core import views
from bot.core.alliance import working_time
from bot.core.cadence import Cadence, interval, next_checkin
from bot.core.calendar import WorkingTime, working_time_of
from bot.core.charter import reminders as charter_reminders
from bot.core.checkins.results import CheckinAnswered, CheckinAsk, CheckinClosed, CheckinOpened
from bot.core.views import CommitmentView
from storage import checkins as checkin_store
from storage import deliveries, members
from storage import repository as repo
from storage.db import Database
from storage.deliveries import DeliveryRow
from storage.models import Alliance, Checkin
from storage.repository import PartyRow, RecipientRow

log = logging.getLogger(__name__)

KINDS = ("checkin_open", "checkin_ask", "checkin_remind", "checkin_close")
BATCH = 500
REMIND_BEFORE_CLOSE = timedelta(hours=4)
REMIND_GAP = timedelta(hours=1)  # after the ask, and before the close or the end of the reader's working day
DUE_SOON_HORIZON = timedelta(days=7)  # "due soon" in a check-in: within a week


def plan(db: Database, now: datetime) -> int:
    opened = 0
    while True:
        with db.session() as session:
            due = deliveries.due_alliances(session=session, now=now, limit=BATCH)
            opened += open_checkins(session, due, now)
        if len(due) < BATCH:
            return opened


# An alliance whose check-in cannot be opened is tried again this much later, not at every sweep.
RETRY_FAILED_CHECKIN = timedelta(days=1)


@dataclass(frozen=True)
class _Around:
    """What opening the check-ins of a batch of alliances reads, once for the batch rather than per alliance:
    their parties, the owners of their open items, those people, who has left, how many items are overdue."""

    parties: dict[tuple[int, str], PartyRow]
    owners: dict[int, set[str]]
    people: dict[str, RecipientRow]
    gone: set[tuple[int, str]]
    overdue: dict[int, int]

    @classmethod
    def read(cls, session: Session, alliance_ids: list[int], now: datetime) -> _Around:
        owners: dict[int, set[str]] = {}
        for alliance_id, owner_id in repo.open_owners(session=session, alliance_ids=alliance_ids):
            owners.setdefault(alliance_id, set()).add(owner_id)
        return cls(
            parties={
                (p.alliance_id, p.team_id): p for p in repo.party_rows(session=session, alliance_ids=alliance_ids)
            },
            owners=owners,
            people=repo.recipient_rows(session=session, user_ids={u for us in owners.values() for u in us}),
            gone=members.departed(session=session, alliance_ids=alliance_ids),
            overdue=repo.overdue_counts(session=session, alliance_ids=alliance_ids, now=now),
        )


def open_checkins(session: Session, due: Sequence[Alliance], now: datetime) -> int:
    """Open the check-ins of many alliances: what they need read in a few queries for all, each opened in its own
    savepoint (if one fails, it is logged and retried a day later, and every other one still opens), and their
    deliveries planned together in one statement."""
    if not due:
        return 0
    around = _Around.read(session, [a.id for a in due if a.id is not None], now)
    rows: list[dict[str, Any]] = []
    opened = 0
    for alliance in due:
        alliance_id = alliance.id
        try:
            with session.begin_nested():
                planned = open_checkin(session, alliance, now, around)
            rows += planned
            opened += 1
        except Exception:
            log.exception("the check-in of alliance %s could not be opened; trying again later", alliance_id)
            failed = session.get(Alliance, alliance_id)
            if failed is not None:
                failed.next_checkin_at = now + RETRY_FAILED_CHECKIN
                session.add(failed)
    deliveries.plan_deliveries(session=session, rows=rows)
    return opened


def open_checkin(session: Session, alliance: Alliance, now: datetime, around: _Around) -> list[dict[str, Any]]:
    """Open one alliance's check-in; the deliveries it plans (the open and close messages, an ask and a reminder
    to each owner of an open item who is here and not away), for the caller to plan with the batch's."""
    assert alliance.id is not None
    seq = alliance.checkins_held + 1
    host = around.parties.get((alliance.id, alliance.host_team_id))
    home = working_time_of(alliance.home_tz, host.country if host else None)
    # Open for one working day of the home organisation: a check-in called on a Saturday stays open until
    # people have had a working day to answer.
    closes_at = home.add_working_days(home.next_working_moment(now), 1)
    checkin = Checkin(alliance_id=alliance.id, seq=seq, opened_at=now, closes_at=closes_at)
    session.add(checkin)
    session.flush()
    assert checkin.id is not None
    prefix = f"checkin:{alliance.id}:{seq}"
    base = {"alliance_id": alliance.id, "checkin_id": checkin.id}
    rows: list[dict[str, Any]] = [
        {**base, "key": f"{prefix}:open", "kind": "checkin_open", "recipient_id": "", "not_before": now},
        {
            **base,
            "key": f"{prefix}:close",
            "kind": "checkin_close",
            "recipient_id": "",
            "not_before": checkin.closes_at,
        },
    ]
    for owner_id in sorted(around.owners.get(alliance.id, ())):
        person = around.people.get(owner_id)
        if (alliance.id, owner_id) in around.gone:
            continue
        if person is None or person.deleted or (person.away_until and person.away_until > now):
            continue  # departed items show as orphaned in the channel; the away are not asked
        working = working_time(person, around.parties.get((alliance.id, person.team_id)))
        ask_at = working.next_working_moment(now)
        rows.append(
            {
                **base,
                "key": f"{prefix}:ask:{owner_id}",
                "kind": "checkin_ask",
                "recipient_id": owner_id,
                "not_before": ask_at,
            }
        )
        remind_at = reminder_moment(working, ask_at, checkin.closes_at)
        if remind_at is not None:
            rows.append(
                {
                    **base,
                    "key": f"{prefix}:remind:{owner_id}",
                    "kind": "checkin_remind",
                    "recipient_id": owner_id,
                    "not_before": remind_at,
                }
            )
    charter_reminders.plan(session, alliance, seq, now)
    overdue = around.overdue.get(alliance.id, 0)
    every = interval(_cadence(alliance.cadence), started_at=alliance.started_at, now=now, overdue=overdue)
    alliance.checkins_held = seq
    alliance.next_checkin_at = next_checkin(after=now, every=every, working=home)
    session.add(alliance)
    session.flush()
    return rows


def reminder_moment(working: WorkingTime, ask_at: datetime, closes_at: datetime) -> datetime | None:
    """When a non-responder is reminded: REMIND_BEFORE_CLOSE before the close, or their next working moment after
    that; but for someone whose working day starts at or after the close (west of the home zone: a close at
    15:00 UTC is 09:00 in Chicago) that is too late, so it is the last working hour they have before the close,
    at least an hour after they were asked. None when the check-in leaves them no such hour."""
    soonest = ask_at + REMIND_GAP
    remind_at = working.next_working_moment(max(soonest, closes_at - REMIND_BEFORE_CLOSE))
    if remind_at < closes_at:
        return remind_at
    day = closes_at.astimezone(working.tz).date()
    while day >= soonest.astimezone(working.tz).date():
        if working.is_working_day(day):
            start, end = working.at_local(day, working.start), working.at_local(day, working.end)
            latest = min(end, closes_at) - REMIND_GAP  # an hour to answer before the day (or the check-in) ends
            if latest >= max(start, soonest):
                return latest
        day -= timedelta(days=1)
    return None


def content(
    session: Session, d: DeliveryRow, now: datetime
) -> tuple[CheckinOpened | CheckinAsk | CheckinClosed, str | None] | None:
    """What a check-in delivery says as things stand when it is sent, and the thread it goes in (the summary goes
    in the check-in's own thread); None when there is nothing left to say."""
    checkin = session.get(Checkin, d.checkin_id)
    alliance = session.get(Alliance, d.alliance_id)
    if checkin is None or alliance is None:
        return None
    assert alliance.id is not None and checkin.id is not None
    open_rows = repo.find_commitments(session=session, alliance_id=alliance.id)
    items = views.commitments(session, open_rows, now=now)
    match d.kind:
        case "checkin_open":
            live = [v for v in items if not v.owner_departed]
            groups = [
                (p, _pressing_first([v for v in live if v.party.team_id == p.team_id], now))
                for p in views.parties(session, alliance)
            ]
            orphaned = [v for v in items if v.owner_departed]
            return CheckinOpened(
                seq=checkin.seq,
                groups=[(p, g) for p, g in groups if g],
                orphaned=orphaned,
                closes_at=checkin.closes_at,
            ), None
        case "checkin_ask" | "checkin_remind":
            mine = _pressing_first([v for v in items if v.owner_id == d.recipient_id], now)
            if not mine or checkin.closed_at is not None or now >= checkin.closes_at:
                return None
            if d.kind == "checkin_remind" and _answered(session, checkin.id, d.recipient_id):
                return None
            return CheckinAsk(
                seq=checkin.seq,
                checkin_id=checkin.id,
                items=mine,
                closes_at=checkin.closes_at,
                reminder=d.kind == "checkin_remind",
            ), None
        case "checkin_close":
            checkin.closed_at = now
            session.add(checkin)
            return summary(session, alliance, checkin, items), checkin.thread_ts
    return None


def summary(session: Session, alliance: Alliance, checkin: Checkin, items: list[CommitmentView]) -> CheckinClosed:
    assert checkin.id is not None and alliance.id is not None
    answers = checkin_store.answers(session=session, checkin_id=checkin.id)
    asked = checkin_store.asked(session=session, checkin_id=checkin.id)
    answered = sorted({a.user_id for a in answers})
    previous = checkin_store.get_checkin(session=session, alliance_id=alliance.id, seq=checkin.seq - 1)
    since = previous.opened_at if previous else alliance.started_at
    commitments = {c.id: c for c in repo.commitments_of(session=session, alliance_id=alliance.id)}
    events = repo.events_of(session=session, commitment_ids=commitments, since=since)
    changes = [
        (commitments[e.commitment_id].ref, commitments[e.commitment_id].title, e.kind, e.actor_id) for e in events
    ]
    refs = {c.id: (c.ref, c.title) for c in commitments.values()}
    asked_about: dict[str, list[int]] = {}
    for c in commitments.values():
        if c.created_at <= checkin.opened_at and (c.closed_at is None or c.closed_at >= checkin.opened_at):
            asked_about.setdefault(c.owner_id, []).append(c.ref)
    return CheckinClosed(
        seq=checkin.seq,
        answered=answered,
        silent=sorted(asked - set(answered)),
        answers=[
            CheckinAnswered(
                user_id=a.user_id,
                ref=refs[a.commitment_id][0],
                title=refs[a.commitment_id][1],
                answer=a.answer,
                note=a.note,
            )
            for a in answers
        ],
        changes=changes,
        still_open=items,
        internal={c.ref: c.party_team_id for c in commitments.values() if c.internal},
        asked_about={u: sorted(r) for u, r in asked_about.items() if u in asked or u in answered},
    )


def _answered(session: Session, checkin_id: int, user_id: str) -> bool:
    return checkin_store.has_answered(session=session, checkin_id=checkin_id, user_id=user_id)


def _pressing_first(items: list[CommitmentView], now: datetime) -> list[CommitmentView]:
    """Overdue first, then due within a week, then the rest; by due date within each."""

    def rank(v: CommitmentView) -> tuple[int, datetime, int]:
        return (0 if v.overdue else 1 if v.due_at - now <= DUE_SOON_HORIZON else 2, v.due_at, v.ref)

    return sorted(items, key=rank)


def _cadence(value: str) -> Cadence:
    try:
        return Cadence(value)
    except ValueError:
        return Cadence.DEFAULT
