"""The scheduled work: plan check-ins and nudges as they fall due, then deliver each message exactly once.

Planning writes `Delivery` rows whose key names the message (kind, item, period) under a unique constraint,
so a plan made twice (a repeated sweep, two processes) is made once. Delivering claims a row before sending
and marks it after; a claim left behind by a crash expires and a later sweep takes the row over.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import socket
import time as systime
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.core import charter, digest, disputes, views
from bot.core.cadence import Cadence, first_checkin, interval, next_checkin
from bot.core.calendar import WorkingTime, working_time_of
from bot.core.outcomes import (
    CheckinAnswered,
    CheckinAsk,
    CheckinClosed,
    CheckinOpened,
    CommitmentView,
    Dispatch,
    EscalationLine,
    LeadWanted,
    Nudge,
    NudgeKind,
    Orphaned,
    Welcome,
)
from bot.core.ports import Courier, Outgoing, SendFailed
from bot.core.trust import redact
from bot.core.visibility import SHARED, private_to
from storage import repository as repo
from storage.db import Database
from storage.models import (
    Alliance,
    Checkin,
    CheckinAnswer,
    Commitment,
    CommitmentEvent,
    Delivery,
    Party,
    Person,
    Status,
)

log = logging.getLogger(__name__)

BATCH = 500
CLAIM_TIMEOUT = timedelta(minutes=5)
FLUSH_EVERY = 50
FLUSH_AFTER = 0.1  # seconds
MAX_ATTEMPTS = 5
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)]
REMIND_BEFORE_CLOSE = timedelta(hours=4)
DUE_SOON_HORIZON = timedelta(days=7)  # "due soon" in a check-in: within a week
WEEK = timedelta(days=7)
# A private message sent this long after its planned (working) moment is checked against working hours again.
LATE = timedelta(minutes=15)
# Slack takes about one message per second per channel; other channels need not wait for a busy one.
PER_CHANNEL_INTERVAL = 1.0
# Slack retries an event for about an hour; a day of event ids is ample to catch every retry.
EVENT_MEMORY = timedelta(days=1)

# Notices about people coming and going (planned by bot.core.people, sent here like everything else).
PEOPLE_KINDS = ("orphans", "lead_wanted", "welcome")

# The escalation ladder: the stage a commitment is at, and what each stage sends.
DUE_SOON, OVERDUE, LEAD, SPONSOR, TOP = 0, 1, 2, 3, 4
STAGE_KIND = {
    DUE_SOON: NudgeKind.DUE_SOON,
    OVERDUE: NudgeKind.OVERDUE,
    LEAD: NudgeKind.LEAD,
    SPONSOR: NudgeKind.SPONSOR,
}


@dataclass
class SweepReport:
    at: datetime
    forgotten_events: int = 0
    checkins_opened: int = 0
    nudges_planned: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)
    scorecard_planned: int = 0  # imbalance warnings, sponsor digests, review prompts


def working_time(person: Person | None, party: Party | None) -> WorkingTime:
    """When a person may be disturbed: their own zone, their organisation's public holidays."""
    return working_time_of(person.tz if person else "UTC", party.country if party else None)


def ladder(due: datetime, working: WorkingTime, *, lead_after: int, sponsor_after: int) -> list[datetime]:
    """When each stage falls due: the working day before, the deadline, then N working days after it."""
    return [
        working.working_day_before(due),
        due,
        working.add_working_days(due, lead_after),
        working.add_working_days(due, sponsor_after),
    ]


class Pacer:
    """Orders messages so that no channel gets more than one every `interval` seconds, and none waits for another."""

    def __init__(
        self,
        interval: float = PER_CHANNEL_INTERVAL,
        *,
        clock: Callable[[], float] = systime.monotonic,
        sleep: Callable[[float], None] = systime.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: dict[str, float] = {}

    def paced(self, items: Iterable[tuple[str, Any]]) -> Iterator[Any]:
        queues: dict[str, list[Any]] = {}
        for target, item in items:
            queues.setdefault(target, []).append(item)
        for queue in queues.values():
            queue.reverse()
        heap = [(self._last.get(t, float("-inf")) + self.interval, i, t) for i, t in enumerate(queues)]
        heapq.heapify(heap)
        while heap:
            ready, order, target = heapq.heappop(heap)
            wait = ready - self.clock()
            if wait > 0:
                self.sleep(wait)
            self._last[target] = self.clock()
            yield queues[target].pop()
            if queues[target]:
                heapq.heappush(heap, (self._last[target] + self.interval, order, target))


class Scheduler:
    def __init__(self, db: Database, courier: Courier | None, *, pacer: Pacer | None = None, worker: str = "") -> None:
        self.db = db
        self.courier = courier
        self.pacer = pacer or Pacer()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def sweep(self, now: datetime) -> SweepReport:
        """One pass as of `now`: everything due before it is planned, and what can be sent is sent."""
        if now.tzinfo is None:
            raise ValueError("the sweep needs a timezone-aware instant")
        with self.db.session() as session:
            now = repo.sweep_instant(session=session, now=now)
            report = SweepReport(at=now)
            report.forgotten_events = repo.forget_events(session=session, before=now - EVENT_MEMORY)
        report.checkins_opened = self.plan_checkins(now)
        report.nudges_planned = self.plan_nudges(now)
        disputes.plan(self.db, now)
        report.scorecard_planned = digest.plan(self.db, now)
        if self.courier is not None:
            self.deliver(now, report)
        return report

    # ---- planning -----------------------------------------------------------------------------------------

    def plan_checkins(self, now: datetime) -> int:
        opened = 0
        while True:
            with self.db.session() as session:
                due = repo.due_alliances(session=session, now=now, limit=BATCH)
                for alliance in due:
                    self._open_checkin(session, alliance, now)
                opened += len(due)
            if len(due) < BATCH:
                return opened

    def _open_checkin(self, session: Session, alliance: Alliance, now: datetime) -> None:
        assert alliance.id is not None
        seq = alliance.checkins_held + 1
        parties = {p.team_id: p for p in repo.list_parties(session=session, alliance_id=alliance.id)}
        home = WorkingTime.of(alliance.home_tz, _country(parties.get(alliance.host_team_id)))
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
        open_items = repo.find_commitments(session=session, alliance_id=alliance.id)
        people = repo.get_people(session=session, user_ids=[c.owner_id for c in open_items])
        gone = repo.departed(session=session, alliance_ids=[alliance.id])
        for owner_id in sorted({c.owner_id for c in open_items}):
            person = people.get(owner_id)
            if (alliance.id, owner_id) in gone:
                continue
            if person is None or person.deleted or (person.away_until and person.away_until > now):
                continue  # departed items show as orphaned in the channel; the away are not asked
            working = working_time(person, parties.get(person.team_id))
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
            remind_at = working.next_working_moment(
                max(ask_at + timedelta(hours=1), checkin.closes_at - REMIND_BEFORE_CLOSE)
            )
            if remind_at < checkin.closes_at:
                rows.append(
                    {
                        **base,
                        "key": f"{prefix}:remind:{owner_id}",
                        "kind": "checkin_remind",
                        "recipient_id": owner_id,
                        "not_before": remind_at,
                    }
                )
        repo.plan_deliveries(session=session, rows=rows)
        charter.plan_reminders(session, alliance, seq, now)
        overdue = repo.count_overdue(session=session, alliance_id=alliance.id, now=now)
        every = interval(_cadence(alliance.cadence), started_at=alliance.started_at, now=now, overdue=overdue)
        alliance.checkins_held = seq
        alliance.next_checkin_at = next_checkin(after=now, every=every, working=home)
        session.add(alliance)
        session.flush()

    def plan_nudges(self, now: datetime) -> int:
        planned = 0
        while True:
            with self.db.session() as session:
                due = repo.due_commitments(session=session, now=now, limit=BATCH)
                planned += self._advance(session, due, now)
            if len(due) < BATCH:
                return planned

    def _advance(self, session: Session, due: Iterable[Commitment], now: datetime) -> int:
        due = list(due)
        if not due:
            return 0
        settings = repo.alliance_settings(session=session, alliance_ids={c.alliance_id for c in due})
        parties = {
            (p.alliance_id, p.team_id): p
            for p in repo.parties_of(session=session, alliance_ids={c.alliance_id for c in due})
        }
        # Only the owners and the lead and sponsor of each owner's own party can be told.
        ladders = [parties.get((c.alliance_id, c.party_team_id)) for c in due]
        wanted = {c.owner_id for c in due} | {x for p in ladders if p for x in (p.lead_id, p.sponsor_id) if x}
        people = repo.get_people(session=session, user_ids=wanted)
        gone = repo.departed(session=session, alliance_ids={c.alliance_id for c in due})
        rows: list[dict[str, Any]] = []
        # Who has left an alliance's channel counts as gone there, as if their account were deactivated: each
        # alliance with departures gets its own view of the people (built once), the others share everyone.
        left: dict[int, set[str]] = {}
        for alliance_id, user_id in gone:
            left.setdefault(alliance_id, set()).add(user_id)
        here_in: dict[int, dict[str, Person]] = {}
        for commitment in due:
            _, lead_after, sponsor_after = settings[commitment.alliance_id]
            away = left.get(commitment.alliance_id)
            here = people
            if away:
                if commitment.alliance_id not in here_in:
                    here_in[commitment.alliance_id] = {u: p for u, p in people.items() if u not in away}
                here = here_in[commitment.alliance_id]
            rows.extend(self._nudges_for(commitment, (lead_after, sponsor_after), parties, here, now))
            session.add(commitment)
        session.flush()
        slipped = {r["alliance_id"] for r in rows if r["kind"] == NudgeKind.OVERDUE.value}
        counts = repo.overdue_counts(session=session, alliance_ids=slipped, now=now)
        for alliance_id in sorted(a for a, n in counts.items() if n >= 2):
            self._tighten(session, alliance_id, now)
        return repo.plan_deliveries(session=session, rows=rows)

    def _tighten(self, session: Session, alliance_id: int, now: datetime) -> None:
        """With two or more overdue, the next check-in comes within a week of the last, whatever the cadence."""
        alliance = session.get(Alliance, alliance_id)
        if alliance is None or alliance.next_checkin_at is None:
            return
        host = next(
            (
                p
                for p in repo.list_parties(session=session, alliance_id=alliance_id)
                if p.team_id == alliance.host_team_id
            ),
            None,
        )
        home = working_time_of(alliance.home_tz, _country(host))
        last = repo.last_checkin(session=session, alliance_id=alliance_id)
        weekly = next_checkin(after=last.opened_at if last else alliance.started_at, every=WEEK, working=home)
        sooner = weekly if weekly > now else first_checkin(started_at=now, working=home)
        if sooner < alliance.next_checkin_at:
            alliance.next_checkin_at = sooner

    def _nudges_for(
        self,
        c: Commitment,
        ladder_days: tuple[int, int],
        parties: dict[tuple[int, str], Party],
        people: dict[str, Person],
        now: datetime,
    ) -> list[dict[str, Any]]:
        """Move one commitment up its ladder to `now`; the deliveries of the stage reached (only the latest)."""
        if c.status != Status.OPEN.value:
            c.next_nudge_at = None
            return []
        if c.snoozed_until is not None and c.snoozed_until > now:
            c.next_nudge_at = c.snoozed_until
            return []
        owner = people.get(c.owner_id)
        party = parties.get((c.alliance_id, c.party_team_id))
        times = ladder(
            c.due_at,
            working_time(owner, party),
            lead_after=ladder_days[0],
            sponsor_after=ladder_days[1],
        )
        stage, emit = c.nudge_stage, None
        while stage < TOP and times[stage] <= now:
            emit, stage = stage, stage + 1
        c.nudge_stage = stage
        c.next_nudge_at = times[stage] if stage < TOP else None
        if emit is None or (emit == DUE_SOON and c.due_at <= now):
            return []
        recipients = self._recipients(emit, c, owner, party, people, now)
        key = f"nudge:{c.id}:{emit}:{int(c.due_at.timestamp())}"
        rows = []
        for recipient, away_until in recipients:
            who = people.get(recipient)
            rows.append(
                {
                    "key": f"{key}:{recipient}",
                    "alliance_id": c.alliance_id,
                    "kind": STAGE_KIND[emit].value,
                    "recipient_id": recipient,
                    "commitment_id": c.id,
                    "data": json.dumps({"due": c.due_at.isoformat(), "away_until": away_until}),
                    "not_before": self._when_reachable(
                        who, parties.get((c.alliance_id, who.team_id)) if who else None, now
                    ),
                }
            )
        # The channel hears of it only while its owner is still here, and never of an internal item.
        if emit == SPONSOR and _present(owner) and not c.internal:
            rows.append(
                {
                    "key": f"{key}:channel",
                    "alliance_id": c.alliance_id,
                    "kind": "escalation_line",
                    "recipient_id": "",
                    "commitment_id": c.id,
                    "data": json.dumps({"due": c.due_at.isoformat()}),
                    "not_before": now,
                }
            )
        return rows

    def _recipients(
        self,
        stage: int,
        c: Commitment,
        owner: Person | None,
        party: Party | None,
        people: dict[str, Person],
        now: datetime,
    ) -> list[tuple[str, str | None]]:
        lead = party.lead_id if party else None
        sponsor = party.sponsor_id if party else None
        if owner is None or owner.deleted:
            # Orphaned (deactivated, or gone from this channel): the ladder climbs, nobody is nudged; the orphan
            # notice and every check-in ask for a new owner instead. Never a nudge to someone who left.
            return []
        away = owner.away_until if owner.away_until and owner.away_until > now else None
        match stage:
            case 0:
                return [(owner.user_id, None)]
            case 1:
                if away is not None and lead and lead != owner.user_id:
                    return [(lead, away.isoformat())]  # the owner is out: their lead sees it instead
                return [(owner.user_id, None)]
            case 2:
                return [(lead, None)] if lead and lead != owner.user_id and _present(people.get(lead)) else []
            case 3:
                return (
                    [(sponsor, None)] if sponsor and sponsor != owner.user_id and _present(people.get(sponsor)) else []
                )
        return []

    def _when_reachable(self, person: Person | None, party: Party | None, now: datetime) -> datetime:
        working = working_time(person, party)
        start = now
        if person is not None and person.away_until is not None and person.away_until > now:
            start = person.away_until
        return working.next_working_moment(start)

    # ---- delivering ---------------------------------------------------------------------------------------

    def deliver(self, now: datetime, report: SweepReport) -> None:
        assert self.courier is not None
        while True:
            started = systime.monotonic()
            with self.db.session() as session:
                claimed = repo.claim_deliveries(
                    session=session, now=now, worker=self.worker, limit=BATCH, stale_before=now - CLAIM_TIMEOUT
                )
                messages = self._messages(session, claimed, now)
            targets = [
                ((m.recipient_id or m.channel_id) if m else "", (d, m, wait))
                for d, (m, wait) in zip(claimed, messages, strict=True)
            ]
            untried = {d.id for d in claimed if d.id is not None}
            held, renewed = set(untried), started
            outcomes = _Outcomes(self, now)
            deferred: list[tuple[int, datetime]] = []
            try:
                for delivery, message, wait_until in self.pacer.paced(targets):
                    assert delivery.id is not None
                    if systime.monotonic() - renewed > CLAIM_TIMEOUT.total_seconds() / 2:
                        # A long batch (paced channels, slow answers) renews its claims before they could look
                        # abandoned to another sweeper; rows another sweeper took over meanwhile are left to it.
                        at = now + timedelta(seconds=systime.monotonic() - started)
                        with self.db.session() as session:
                            held = repo.renew_claims(session=session, ids=untried, worker=self.worker, at=at)
                        renewed = systime.monotonic()
                    untried.discard(delivery.id)
                    if delivery.id not in held:
                        continue
                    if wait_until is not None and wait_until > now:
                        deferred.append((delivery.id, wait_until))  # outside the recipient's working hours
                        continue
                    outcomes.add(self._send_one(delivery, message, now, report))
            finally:
                outcomes.flush()
                with self.db.session() as session:
                    repo.defer_deliveries(session=session, worker=self.worker, until=deferred)
                    if untried:
                        # Interrupted (a crash, a shutdown): hand back what was claimed but never tried, so a
                        # sweep after a restart need not wait for the claims to expire. A hard kill leaves them
                        # claimed until CLAIM_TIMEOUT, when a later sweep takes them over.
                        repo.release_deliveries(session=session, ids=list(untried), worker=self.worker)
            if len(claimed) < BATCH:
                return

    def _send(self, message: Outgoing) -> str | None:
        """The courier's send, with any unexpected failure counted as a failed attempt rather than a lost claim."""
        assert self.courier is not None
        try:
            return self.courier.send(message)
        except SendFailed:
            raise
        except Exception as e:
            log.exception("unexpected error while sending")
            raise SendFailed(f"unexpected: {type(e).__name__}") from e

    def _send_one(
        self, delivery: Delivery, message: Outgoing | None, now: datetime, report: SweepReport
    ) -> dict[str, Any]:
        """Send one claimed delivery; how it ended, for the batch of outcomes."""
        assert delivery.id is not None and self.courier is not None
        ended: dict[str, Any] = {
            "id": delivery.id,
            "not_before": delivery.not_before,
            "claimed_at": now,
            "kind": delivery.kind,
            "checkin_id": delivery.checkin_id,
        }
        if message is None:
            report.skipped += 1
            return {**ended, "status": "skipped", "sent_at": now}
        try:
            ts = self._send(message)
        except SendFailed as e:
            # `attempts` already counts this one: the claim adds it before the send.
            if e.permanent or delivery.attempts >= MAX_ATTEMPTS:
                log.error("giving up on %s after %d attempts: %s", delivery.key, delivery.attempts, e.reason)
                report.failed += 1
                return {**ended, "status": "failed", "error": e.reason[:500]}
            backoff = BACKOFF[min(delivery.attempts - 1, len(BACKOFF) - 1)]
            wait = max(timedelta(seconds=e.retry_after or 0), backoff)
            report.retried += 1
            return {**ended, "status": "pending", "error": e.reason[:500], "not_before": now + wait, "release": True}
        report.sent += 1
        return {**ended, "status": "sent", "sent_at": now, "message_ts": ts}

    def _messages(
        self, session: Session, claimed: list[Delivery], now: datetime
    ) -> list[tuple[Outgoing | None, datetime | None]]:
        """What each claimed delivery says, built from the state of now (a finished item needs no nudge), and for a
        private message the recipient's next working moment: a catch-up or a retry must not wake anyone at 3 a.m."""
        if not claimed:
            return []
        settings = repo.alliance_settings(session=session, alliance_ids={d.alliance_id for d in claimed})
        platforms = repo.alliance_platforms(session=session, alliance_ids={d.alliance_id for d in claimed})
        commitment_ids = {d.commitment_id for d in claimed if d.commitment_id}
        rows = (
            session.exec(select(Commitment).where(repo.among(session, col(Commitment.id), commitment_ids))).all()
            if commitment_ids
            else []
        )
        rendered = dict(zip([c.id for c in rows], views.commitments(session, rows, now=now), strict=True))
        states = {c.id: c for c in rows}
        recipients = repo.recipient_rows(session=session, user_ids=[d.recipient_id for d in claimed if d.recipient_id])
        departed = {user_id for user_id, person in recipients.items() if person.deleted}
        gone = repo.departed(session=session, alliance_ids={d.alliance_id for d in claimed})
        countries = {
            (p.alliance_id, p.team_id): p.country
            for p in repo.party_rows(session=session, alliance_ids={d.alliance_id for d in claimed})
        }
        messages: list[tuple[Outgoing | None, datetime | None]] = []
        for d in claimed:
            channel_id = settings[d.alliance_id][0]
            left = d.recipient_id in departed or (d.alliance_id, d.recipient_id) in gone
            content = None if left else self._content(session, d, states, rendered, now)
            if content is None:
                messages.append((None, None))
                continue
            dispatch, thread_ts = content
            # The trust boundary, per recipient: the channel is both organisations', a DM its reader's.
            reader = recipients.get(d.recipient_id) if d.recipient_id else None
            audience = SHARED if not d.recipient_id else private_to(reader.team_id if reader is not None else "")
            shown = redact(dispatch, audience)
            if shown is None:
                messages.append((None, None))
                continue
            dispatch = shown
            wait = None
            late = now - d.not_before > LATE or d.attempts > 1  # a catch-up or a retry, not the planned moment
            if late and (person := recipients.get(d.recipient_id)) is not None:
                working = working_time_of(person.tz, countries.get((d.alliance_id, person.team_id)))
                wait = working.next_working_moment(now)
            outgoing = Outgoing(
                channel_id=channel_id,
                recipient_id=d.recipient_id or None,
                thread_ts=thread_ts,
                content=dispatch,
                platform=platforms[d.alliance_id],
            )
            messages.append((outgoing, wait))
        return messages

    def _content(
        self,
        session: Session,
        d: Delivery,
        states: dict[int | None, Commitment],
        rendered: dict[int | None, CommitmentView],
        now: datetime,
    ) -> tuple[Dispatch, str | None] | None:
        if d.kind in charter.KINDS + disputes.KINDS + digest.KINDS:
            said: Dispatch | None
            if d.kind in charter.KINDS:
                said = charter.content(session, d, now)
            elif d.kind in disputes.KINDS:
                said = disputes.content(session, d, now)
            else:
                said = digest.content(session, d, now)
            return (said, None) if said is not None else None
        if d.kind in PEOPLE_KINDS:
            alliance = session.get(Alliance, d.alliance_id)
            notice = self._people_content(session, d, alliance, now) if alliance is not None else None
            return (notice, None) if notice is not None else None
        if d.kind in ("checkin_open", "checkin_ask", "checkin_remind", "checkin_close"):
            checkin = session.get(Checkin, d.checkin_id)
            alliance = session.get(Alliance, d.alliance_id)
            if checkin is None or alliance is None:
                return None
            return self._checkin_content(session, d, alliance, checkin, now)
        state = states.get(d.commitment_id)
        view = rendered.get(d.commitment_id)
        data = json.loads(d.data or "{}")
        if (
            state is None
            or view is None
            or state.status != Status.OPEN.value
            or data.get("due") != state.due_at.isoformat()
        ):
            return None  # done, dropped or moved since it was planned: this reminder has nothing to say
        if d.kind == NudgeKind.DUE_SOON.value and state.due_at <= now:
            return None  # held back (the owner was away) until past the deadline: the overdue nudge speaks now
        if state.snoozed_until is not None and state.snoozed_until > now:
            return None
        if d.kind == "escalation_line":
            party = view.party
            return EscalationLine(commitment=view, sponsor_id=party.sponsor_id), None
        away = data.get("away_until")
        return Nudge(
            kind=NudgeKind(d.kind),
            commitment=view,
            recipient_id=d.recipient_id,
            owner_away_until=datetime.fromisoformat(away) if away else None,
        ), None

    def _checkin_content(
        self, session: Session, d: Delivery, alliance: Alliance, checkin: Checkin, now: datetime
    ) -> tuple[Dispatch, str | None] | None:
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
                return self._summary(session, alliance, checkin, items), checkin.thread_ts
        return None

    def _people_content(self, session: Session, d: Delivery, alliance: Alliance, now: datetime) -> Dispatch | None:
        """Notices about people coming and going, said as things stand when sent: an item reassigned meanwhile
        is not listed, a lead already replaced is not asked for, a person gone again is not welcomed."""
        assert alliance.id is not None
        data = json.loads(d.data or "{}")
        gone = {user_id for a, user_id in repo.departed(session=session, alliance_ids=[alliance.id])}
        parties = {p.team_id: p for p in views.parties(session, alliance)}
        match d.kind:
            case "orphans":
                team_id = str(data.get("team_id", ""))
                departed_ids = [u for u in data.get("user_ids", []) if u in gone]
                party = parties.get(team_id)
                if party is None or not departed_ids:
                    return None  # they are back: nothing is orphaned
                rows = [
                    c
                    for c in repo.find_commitments(session=session, alliance_id=alliance.id)
                    if c.owner_id in departed_ids
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

    def _summary(
        self, session: Session, alliance: Alliance, checkin: Checkin, items: list[CommitmentView]
    ) -> CheckinClosed:
        assert checkin.id is not None and alliance.id is not None
        answers = session.exec(
            select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin.id).order_by(col(CheckinAnswer.id))
        ).all()
        asked = {
            d.recipient_id
            for d in session.exec(
                select(Delivery).where(
                    Delivery.checkin_id == checkin.id, Delivery.kind == "checkin_ask", Delivery.status == "sent"
                )
            ).all()
        }
        answered = sorted({a.user_id for a in answers})
        previous = session.exec(
            select(Checkin).where(Checkin.alliance_id == alliance.id, Checkin.seq == checkin.seq - 1)
        ).first()
        since = previous.opened_at if previous else alliance.started_at
        commitments = {
            c.id: c for c in session.exec(select(Commitment).where(Commitment.alliance_id == alliance.id)).all()
        }
        events = session.exec(
            select(CommitmentEvent)
            .where(col(CommitmentEvent.commitment_id).in_(list(commitments)), col(CommitmentEvent.at) >= since)
            .order_by(col(CommitmentEvent.at), col(CommitmentEvent.id))
        ).all()
        changes = [
            (commitments[e.commitment_id].ref, commitments[e.commitment_id].title, e.kind, e.actor_id) for e in events
        ]
        refs = {c.id: (c.ref, c.title) for c in commitments.values()}
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
        )


class _Outcomes:
    """Outcomes of sends, written in small batches: one commit per message would cost more than the sending.

    A batch is written after FLUSH_EVERY messages or FLUSH_AFTER seconds, whichever comes first, and always
    before the sweep returns or is interrupted; with a real network each message takes longer than that, so
    in practice every send is recorded right after it.
    """

    def __init__(self, scheduler: Scheduler, now: datetime) -> None:
        self.scheduler = scheduler
        self.now = now
        self.pending: list[dict[str, Any]] = []
        self.since = systime.monotonic()

    def add(self, outcome: dict[str, Any]) -> None:
        if not self.pending:
            self.since = systime.monotonic()
        self.pending.append(outcome)
        if len(self.pending) >= FLUSH_EVERY or systime.monotonic() - self.since >= FLUSH_AFTER:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        with self.scheduler.db.session() as session:
            held = repo.finish_deliveries(session=session, worker=self.scheduler.worker, outcomes=batch)
            if held < len(batch):
                log.warning("%d deliveries were taken over by another sweeper", len(batch) - held)
            for o in batch:
                if o["kind"] == "checkin_open" and o.get("message_ts") and o["checkin_id"]:
                    checkin = session.get(Checkin, o["checkin_id"])
                    if checkin is not None:
                        checkin.thread_ts = o["message_ts"]


def _answered(session: Session, checkin_id: int, user_id: str) -> bool:
    return (
        session.exec(
            select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin_id, CheckinAnswer.user_id == user_id)
        ).first()
        is not None
    )


def _pressing_first(items: list[CommitmentView], now: datetime) -> list[CommitmentView]:
    """Overdue first, then due within a week, then the rest; by due date within each."""

    def rank(v: CommitmentView) -> tuple[int, datetime, int]:
        return (0 if v.overdue else 1 if v.due_at - now <= DUE_SOON_HORIZON else 2, v.due_at, v.ref)

    return sorted(items, key=rank)


def _country(party: Party | None) -> str | None:
    return party.country if party is not None else None


def _present(person: Person | None) -> bool:
    return person is not None and not person.deleted


def _cadence(value: str) -> Cadence:
    try:
        return Cadence(value)
    except ValueError:
        return Cadence.DEFAULT
