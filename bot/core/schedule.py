"""The delivery engine: run the sweep, then send each planned message exactly once, paced as the platform allows.

Each feature plans its own messages as `Delivery` rows (check-ins and nudges, people notices, charter reminders,
disputes, scorecard digests) whose key names the message (kind, item, period) under a unique constraint, so a plan
made twice (a repeated sweep, two processes) is made once. Delivering claims a row before sending and marks it
after; a claim left behind by a crash expires and a later sweep takes the row over. What a message says is asked of
its feature when it is sent, from the state of then.
"""

from __future__ import annotations

import logging
import os
import socket
import time as systime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core import announcements, views
from bot.core.calendar import working_time_of
from bot.core.charter import disputes
from bot.core.charter import reminders as charter_reminders
from bot.core.checkins import nudges, planning
from bot.core.checkins.results import Nudge, NudgeGroup
from bot.core.errors import SendFailed
from bot.core.outcomes import Dispatch
from bot.core.pacing import Pacer as Pacer  # re-exported: the sweep is built with one
from bot.core.people import notices
from bot.core.ports import ByPlatform, Courier, Outgoing, concurrent, workspace_of
from bot.core.pulse import planning as pulse
from bot.core.scorecard import digest
from bot.core.trust import redact
from bot.core.views import CommitmentView
from bot.core.visibility import SHARED, private_to
from storage import checkins as checkin_store
from storage import deliveries, members
from storage import repository as repo
from storage.db import Database
from storage.deliveries import DeliveryRow
from storage.repository import CommitmentRow, RecipientRow

log = logging.getLogger(__name__)

BATCH = 500
CLAIM_TIMEOUT = timedelta(minutes=5)
# What is at stake after a crash (sent but not yet recorded) is bounded by FLUSH_AFTER, the time; the count only
# binds for a courier faster than FLUSH_EVERY / FLUSH_AFTER messages a second, far beyond what Slack takes, and
# each flush is a commit (a WAL sync on PostgreSQL).
FLUSH_EVERY = 250
FLUSH_AFTER = 0.1  # seconds
MAX_ATTEMPTS = 5
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1)]
# A private message sent this long after its planned (working) moment is checked against working hours again.
LATE = timedelta(minutes=15)
# Slack retries an event for about an hour; a day of event ids is ample to catch every retry. They are forgotten
# every FORGET_EVERY of sweep time, not on every sweep (a sweep runs every minute, and sooner when woken).
EVENT_MEMORY = timedelta(days=1)
FORGET_EVERY = timedelta(minutes=10)

# What each feature sends, as (its kinds of delivery, what one says now): asked when the message goes out.
SAID_BY: tuple[tuple[tuple[str, ...], Callable[[Session, DeliveryRow, datetime], Dispatch | None]], ...] = (
    (charter_reminders.KINDS, charter_reminders.content),
    (disputes.KINDS, disputes.content),
    (digest.KINDS, digest.content),
    (notices.KINDS, notices.content),
    (pulse.KINDS, pulse.content),
)


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
    pulse_planned: int = 0  # pulses asked, reminded, summed up, offered


class Scheduler:
    def __init__(self, db: Database, courier: Courier | None, *, pacer: Pacer | None = None, worker: str = "") -> None:
        self.db = db
        self.courier = courier
        self.pacer = pacer or Pacer()
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._forgot_at: datetime | None = None  # the sweep instant event ids were last forgotten at

    def sweep(self, now: datetime) -> SweepReport:
        """One pass as of `now`: everything due before it is planned, and what can be sent is sent."""
        if now.tzinfo is None:
            raise ValueError("the sweep needs a timezone-aware instant")
        with self.db.pinned():  # one connection for the pass's units of work (each still its own transaction)
            with self.db.session() as session:
                now = deliveries.sweep_instant(session=session, now=now)
                report = SweepReport(at=now)
                if self._forgot_at is None or not timedelta(0) <= now - self._forgot_at < FORGET_EVERY:
                    report.forgotten_events = deliveries.forget_events(session=session, before=now - EVENT_MEMORY)
                    self._forgot_at = now
            report.checkins_opened = _isolated("check-ins", planning.plan, self.db, now)
            report.nudges_planned = _isolated("nudges", nudges.plan, self.db, now)
            _isolated("disputes", disputes.plan, self.db, now)
            report.scorecard_planned = _isolated("scorecard", digest.plan, self.db, now)
            report.pulse_planned = _isolated("pulse", pulse.plan, self.db, now)
            if self.courier is not None:
                self.deliver(now, report)
        return report

    # ---- delivering ---------------------------------------------------------------------------------------

    def deliver(self, now: datetime, report: SweepReport) -> None:
        """Send what is due, a batch at a time. Only real sends are paced: what has become moot (nothing to say
        now) and what waits for the recipient's working hours are settled at once, in one statement each, and
        cost no wait; the pacer then sends the messages that do go out, several at once, one a second per
        channel, and this thread records how each ended."""
        assert self.courier is not None
        while self._deliver_batch(now, report) == BATCH:
            pass

    def _deliver_batch(self, now: datetime, report: SweepReport) -> int:
        """One batch of deliveries claimed, said, settled and sent; how many were claimed."""
        started = systime.monotonic()
        with self.db.session() as session:
            claimed = deliveries.claim_deliveries(
                session=session, now=now, worker=self.worker, limit=BATCH, lease=CLAIM_TIMEOUT
            )
            messages = self._messages(session, claimed, now)
        untried = {d.id for d in claimed if d.id is not None}
        outcomes = _Outcomes(self, now)
        ready: list[tuple[DeliveryRow, Outgoing]] = []
        skipped: list[dict[str, Any]] = []
        deferred: list[tuple[int, datetime]] = []
        for d, (message, wait_until) in zip(claimed, messages, strict=True):
            assert d.id is not None
            if message is None:
                skipped.append(self._skipped(d, now, report))
            elif wait_until is not None and wait_until > now:
                deferred.append((d.id, wait_until))  # outside the recipient's working hours
            else:
                ready.append((d, message))
        held, renewed = set(untried), started

        def keep(send: _Send) -> bool:
            """Just before a message goes: still ours? (A long batch renews its claims first.)"""
            nonlocal held, renewed
            if systime.monotonic() - renewed > CLAIM_TIMEOUT.total_seconds() / 2:
                # A long batch (paced channels, slow answers) renews its claims before they could look
                # abandoned to another sweeper; rows another sweeper took over meanwhile are left to it.
                with self.db.session() as session:
                    held = deliveries.renew_claims(session=session, ids=untried, worker=self.worker)
                renewed = systime.monotonic()
            ids = [d.id for d in send[0]]
            untried.difference_update(ids)
            return all(i in held for i in ids)

        def settle(send: _Send, result: object) -> None:
            for delivery in send[0]:
                outcomes.add(self._ended(delivery, result, now, report))

        try:
            self._settle(skipped, deferred)
            untried.difference_update(o["id"] for o in skipped)
            untried.difference_update(i for i, _ in deferred)
            sends = one_dm_each(ready)
            budgets: dict[tuple[str, str, str | None], str] = {}

            def budget(m: Outgoing) -> str:
                """The workspace budget a message draws on: the installation that sends it (asked on this
                thread, once per channel or person in the batch; it may read the installations' table)."""
                key = (m.platform, m.channel_id, m.recipient_id)
                if key not in budgets:
                    budgets[key] = workspace_of(self.courier, m)
                return budgets[key]

            concurrent = {platform: self._concurrent(platform) for platform in {m.platform for _, m in sends}}
            for together in (True, False):  # a courier that touches the database sends on this thread
                self.pacer.run(
                    (
                        (m.recipient_id or m.channel_id, budget(m), (ds, m))
                        for ds, m in sends
                        if concurrent[m.platform] is together
                    ),
                    lambda send: self._send(send[1]),
                    settle,
                    keep=keep,
                    between=outcomes.flush_when_due,
                    serial=not together,
                )
        finally:
            outcomes.flush()
            if untried:
                # Interrupted (a crash, a shutdown): hand back what was claimed but never tried, so a sweep
                # after a restart need not wait for the claims to expire. A hard kill leaves them claimed
                # until CLAIM_TIMEOUT, when a later sweep takes them over.
                with self.db.session() as session:
                    deliveries.release_deliveries(session=session, ids=list(untried), worker=self.worker)
        return len(claimed)

    def _concurrent(self, platform: str) -> bool:
        courier = self.courier
        return courier.concurrent(platform) if isinstance(courier, ByPlatform) else concurrent(courier)

    def _settle(self, skipped: list[dict[str, Any]], deferred: list[tuple[int, datetime]]) -> None:
        """Deliveries that send nothing now, recorded together before any message goes out: the moot ones end
        as skipped, the ones waiting for working hours go back to pending until then."""
        if not skipped and not deferred:
            return
        with self.db.session() as session:
            held = deliveries.finish_deliveries(session=session, worker=self.worker, outcomes=skipped)
            held += deliveries.defer_deliveries(session=session, worker=self.worker, until=deferred)
        if held < len(skipped) + len(deferred):
            log.warning("%d deliveries were taken over by another sweeper", len(skipped) + len(deferred) - held)

    @staticmethod
    def _skipped(delivery: DeliveryRow, now: datetime, report: SweepReport) -> dict[str, Any]:
        """How a delivery with nothing to say now ends (its item is done, its reader left...)."""
        assert delivery.id is not None
        report.skipped += 1
        return {
            "id": delivery.id,
            "not_before": delivery.not_before,
            "claimed_at": now,
            "kind": delivery.kind,
            "checkin_id": delivery.checkin_id,
            "status": "skipped",
            "sent_at": now,
        }

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

    def _ended(self, delivery: DeliveryRow, result: object, now: datetime, report: SweepReport) -> dict[str, Any]:
        """How one claimed delivery ended, for the batch of outcomes: `result` is what the send returned (the
        message's ts) or the SendFailed it raised."""
        assert delivery.id is not None
        ended: dict[str, Any] = {
            "id": delivery.id,
            "not_before": delivery.not_before,
            "claimed_at": now,
            "kind": delivery.kind,
            "checkin_id": delivery.checkin_id,
        }
        if isinstance(result, Exception) and not isinstance(result, SendFailed):
            result = SendFailed(f"unexpected: {type(result).__name__}")  # _send converts these; never "sent"
        if isinstance(result, SendFailed):
            e = result
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
        return {**ended, "status": "sent", "sent_at": now, "message_ts": result}

    def _messages(
        self, session: Session, claimed: list[DeliveryRow], now: datetime
    ) -> list[tuple[Outgoing | None, datetime | None]]:
        """What each claimed delivery says, built from the state of now (a finished item needs no nudge), and for a
        private message the recipient's next working moment: a catch-up or a retry must not wake anyone at 3 a.m."""
        if not claimed:
            return []
        # Everything the batch needs, read once for the batch: a few statements whatever its size.
        routes = repo.alliance_routes(session=session, alliance_ids={d.alliance_id for d in claimed})
        commitment_ids = {d.commitment_id for d in claimed if d.commitment_id}
        states = repo.commitment_rows(session=session, ids=commitment_ids)
        alliance_ids = {d.alliance_id for d in claimed} | {c.alliance_id for c in states.values()}
        parties = repo.party_rows(session=session, alliance_ids=alliance_ids)
        gone = members.departed(session=session, alliance_ids=alliance_ids)
        people = repo.recipient_rows(
            session=session,
            user_ids={d.recipient_id for d in claimed if d.recipient_id} | {c.owner_id for c in states.values()},
        )
        items = views.commitments(session, list(states.values()), now=now, known=(parties, people, gone))
        rendered = dict(zip(states, items, strict=True))
        recipients = {d.recipient_id: people[d.recipient_id] for d in claimed if d.recipient_id in people}
        departed = {user_id for user_id, person in recipients.items() if person.deleted}
        countries = {(p.alliance_id, p.team_id): p.country for p in parties}
        messages: list[tuple[Outgoing | None, datetime | None]] = []
        for d in claimed:
            channel_id, platform = routes[d.alliance_id]
            if d.kind in announcements.KINDS:
                channel_id = announcements.channel_of(d) or channel_id
            left = d.recipient_id in departed or (d.alliance_id, d.recipient_id) in gone
            try:
                content = None if left else self._content(session, d, states, rendered, recipients, now)
            except Exception:
                # What one message says cannot be worked out (a bad row): it is logged and skipped, the rest go.
                log.exception("delivery %s (%s) cannot be said; skipped", d.id, d.key)
                content = None
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
                platform=platform,
            )
            messages.append((outgoing, wait))
        return messages

    def _content(
        self,
        session: Session,
        d: DeliveryRow,
        states: dict[int, CommitmentRow],
        rendered: dict[int, CommitmentView],
        recipients: dict[str, RecipientRow],
        now: datetime,
    ) -> tuple[Dispatch, str | None] | None:
        """What a delivery says now, and the thread it goes in, asked of the feature that planned it."""
        if d.kind in planning.KINDS:
            return planning.content(session, d, now)
        if d.kind in announcements.KINDS:
            return announcements.content(d)
        if d.kind in nudges.KINDS:
            state = states.get(d.commitment_id) if d.commitment_id is not None else None
            if nudges.owner_away(session, d, state, recipients.get(d.recipient_id), now):
                return None  # handed to the lead, or kept for the owner's return, as a new delivery
            view = rendered.get(d.commitment_id) if d.commitment_id is not None else None
            nudge = nudges.content(d, state, view, now, session)
            return (nudge, None) if nudge is not None else None
        for kinds, say in SAID_BY:
            if d.kind in kinds:
                said = say(session, d, now)
                return (said, None) if said is not None else None
        log.error("no feature says what a %r delivery is", d.kind)
        return None


# One send: the deliveries it settles (several when one DM lists several reminders) and the message.
_Send = tuple[list[DeliveryRow], Outgoing]


def one_dm_each(ready: list[tuple[DeliveryRow, Outgoing]]) -> list[_Send]:
    """One DM per person per moment: a person's several reminders from one alliance in one sweep become one
    message listing them, in the place of the first. Each was already shown to its reader by the trust rules."""
    sends: list[_Send] = []
    grouped: dict[tuple[str, str, str], int] = {}  # (platform, alliance channel, person) -> its place in sends
    for d, message in ready:
        # A reminder to one person, on Slack: Teams' cards show one reminder each (bot/teams/cards.py).
        if not (
            message.recipient_id
            and message.thread_ts is None
            and message.platform == "slack"
            and isinstance(message.content, Nudge)
        ):
            sends.append(([d], message))
            continue
        key = (message.platform, message.channel_id, message.recipient_id)
        place = grouped.get(key)
        if place is None:
            grouped[key] = len(sends)
            sends.append(([d], message))
            continue
        together, first = sends[place]
        content = first.content
        listed = content.nudges if isinstance(content, NudgeGroup) else (content,)
        group = NudgeGroup(recipient_id=message.recipient_id, nudges=(*listed, message.content))
        sends[place] = ([*together, d], replace(first, content=group))
    return sends


def _isolated(what: str, plan: Callable[[Database, datetime], int], db: Database, now: datetime) -> int:
    """One feature's planning; if it fails (its own rows are isolated inside it too), the rest of the sweep, and
    delivering what is already planned, still happens."""
    try:
        return plan(db, now)
    except Exception:
        log.exception("planning %s failed in the sweep at %s; the rest of the sweep goes on", what, now.isoformat())
        return 0


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

    def flush_when_due(self) -> None:
        """Between answers: what waited FLUSH_AFTER is written even when no further answer has come."""
        if self.pending and systime.monotonic() - self.since >= FLUSH_AFTER:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        with self.scheduler.db.session() as session:
            held = deliveries.finish_deliveries(session=session, worker=self.scheduler.worker, outcomes=batch)
            if held < len(batch):
                log.warning("%d deliveries were taken over by another sweeper", len(batch) - held)
            threads = [
                (o["checkin_id"], o["message_ts"])
                for o in batch
                if o["kind"] == "checkin_open" and o.get("message_ts") and o["checkin_id"]
            ]
            checkin_store.set_threads(session=session, threads=threads)
