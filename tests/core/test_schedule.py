"""The scheduled work (`Scheduler.sweep`): exactly-once delivery, crashes, concurrent sweepers, retries,
the check-in cadence and the nudge ladder. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

Every test drives a `ManualClock` and calls `sweep(now)` itself; a `RecordingCourier` stands in for Slack.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.console.world import PEOPLE, ConsoleDirectory
from bot.core import schedule
from bot.core.alliance import Caller
from bot.core.checkins.results import (
    CadenceView,
    CheckinAsk,
    CheckinClosed,
    CheckinOpened,
    EscalationLine,
    Nudge,
    NudgeKind,
)
from bot.core.clock import ManualClock
from bot.core.errors import SendFailed
from bot.core.ports import Outgoing
from bot.core.schedule import CLAIM_TIMEOUT, MAX_ATTEMPTS, Pacer, Scheduler, SweepReport
from bot.core.service import AllianceService
from storage.db import Database
from storage.models import Alliance, Checkin, Delivery, Person, ProcessedEvent

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
# The first check-in of an alliance started at NOW (home zone New York): Wednesday 10:00 there. An hour later
# everyone in the cast but Tokyo is within working hours.
CHECKIN_DAY = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
ALICE = Caller(channel_id="C1", user_id="UALICE")
PAUL = Caller(channel_id="C1", user_id="UPAUL")
PIA = Caller(channel_id="C1", user_id="UPIA")


class Crash(BaseException):
    """The process dies mid-sweep (a KeyboardInterrupt, a SIGTERM turned into an exception)."""


@dataclass
class Sent:
    at: datetime  # the instant of the sweep that sent it
    message: Outgoing


@dataclass
class RecordingCourier:
    """Records every message it is given. `fail_next` makes the next N sends raise SendFailed; `crash_after(k)`
    lets k sends through, then takes the next one (the platform got it) and dies before the sweep hears back.
    """

    sent: list[Sent] = field(default_factory=list)
    tried: list[Outgoing] = field(default_factory=list)  # every call, failed or not
    at: datetime = NOW
    delay: float = 0.0
    _failures: list[SendFailed] = field(default_factory=list)
    _crash_in: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, n: int, *, retry_after: float | None = None, permanent: bool = False) -> None:
        self._failures.extend(
            SendFailed("ratelimited" if retry_after else "boom", retry_after=retry_after, permanent=permanent)
            for _ in range(n)
        )

    def crash_after(self, k: int) -> None:
        self._crash_in = k

    def send(self, message: Outgoing) -> str | None:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.tried.append(message)
            if self._failures:
                raise self._failures.pop(0)
            self.sent.append(Sent(self.at, message))
            ts = f"{len(self.sent)}.000100"
            if self._crash_in is not None:
                if self._crash_in == 0:
                    self._crash_in = None
                    raise Crash
                self._crash_in -= 1
            return ts

    # ---- what was sent ------------------------------------------------------------------------------------

    def idents(self) -> list[tuple[Any, ...]]:
        return [ident(s.message) for s in self.sent]

    def nudges(self) -> list[tuple[datetime, NudgeKind, str, int]]:
        """(sent at, kind, recipient, ref) of every nudge, in order."""
        return [
            (s.at, s.message.content.kind, s.message.content.recipient_id, s.message.content.commitment.ref)
            for s in self.sent
            if isinstance(s.message.content, Nudge)
        ]

    def lines(self) -> list[tuple[datetime, int, str | None]]:
        return [
            (s.at, s.message.content.commitment.ref, s.message.content.sponsor_id)
            for s in self.sent
            if isinstance(s.message.content, EscalationLine)
        ]

    def of(self, kind: type) -> list[Sent]:
        return [s for s in self.sent if isinstance(s.message.content, kind)]


def ident(m: Outgoing) -> tuple[Any, ...]:
    """What names a message independently of when it went: the delivery key, seen from the outside."""
    c = m.content
    if isinstance(c, Nudge):
        return (m.channel_id, m.recipient_id, "nudge", c.kind.value, c.commitment.ref, c.commitment.due_at)
    if isinstance(c, EscalationLine):
        return (m.channel_id, "line", c.commitment.ref, c.commitment.due_at)
    if isinstance(c, CheckinOpened):
        return (m.channel_id, "open", c.seq)
    if isinstance(c, CheckinAsk):
        return (m.channel_id, m.recipient_id, "remind" if c.reminder else "ask", c.seq)
    if isinstance(c, CheckinClosed):
        return (m.channel_id, "close", c.seq)
    raise AssertionError(f"unexpected content {c!r}")


class World:
    """The console cast in channel C1 (or others), a manual clock, one scheduler and a recording courier."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock = ManualClock(NOW)
        self.service = AllianceService(db=db, directory=ConsoleDirectory(list(PEOPLE)), clock=self.clock)
        self.courier = RecordingCourier()
        self.scheduler = self.sweeper("w1")

    def sweeper(self, worker: str) -> Scheduler:
        return Scheduler(self.db, self.courier, pacer=Pacer(0), worker=worker)

    def say(self, text: str, caller: Caller = ALICE) -> Any:
        return self.service.handle_text(text, caller).outcome

    def sweep(self, at: datetime | None = None) -> SweepReport:
        at = at or self.clock.now()
        self.courier.at = at
        return self.scheduler.sweep(at)

    def go_to(self, at: datetime) -> None:
        self.clock.advance(at - self.clock.now())

    def run_until(self, end: datetime, step: timedelta = HOUR) -> None:
        """Sweep every `step` until `end` (inclusive), as the bot's timer would."""
        while self.clock.now() + step <= end:
            self.clock.advance(step)
            self.sweep()

    def deliveries(self) -> list[Delivery]:
        with self.db.session() as session:
            return list(session.exec(select(Delivery).order_by(col(Delivery.id))).all())

    def checkins(self, channel_id: str = "C1") -> list[Checkin]:
        with self.db.session() as session:
            alliance = session.exec(select(Alliance).where(Alliance.channel_id == channel_id)).one()
            return list(
                session.exec(select(Checkin).where(Checkin.alliance_id == alliance.id).order_by(col(Checkin.seq)))
            )

    def alliance(self, channel_id: str = "C1") -> Alliance:
        with self.db.session() as session:
            return session.exec(select(Alliance).where(Alliance.channel_id == channel_id)).one()

    def set_person(self, user_id: str, **values: Any) -> None:
        with self.db.session() as session:
            person = session.get(Person, user_id)
            assert person is not None
            for name, value in values.items():
                setattr(person, name, value)
            session.add(person)


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


def utc(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def five_owners(world: World) -> None:
    """One commitment each for alice, bob, erin (Acme) and paul, pia (Globex), due well after the first check-in."""
    for who in ("UALICE", "UBOB", "UERIN", "UPAUL", "UPIA"):
        world.say(f"commit <@{who}> Item of {who} by Dec 18")


# ---- exactly once -----------------------------------------------------------------------------------------


def test_the_same_sweep_twice_sends_nothing_the_second_time(world: World) -> None:
    five_owners(world)
    first = world.sweep(CHECKIN_DAY)
    assert (first.checkins_opened, first.sent) == (1, 6)  # the check-in and five asks
    again = world.sweep(CHECKIN_DAY)
    assert (again.checkins_opened, again.nudges_planned, again.sent) == (0, 0, 0)
    assert len(world.courier.sent) == 6
    assert all(n == 1 for n in Counter(world.courier.idents()).values())


def test_time_only_moves_forward(world: World) -> None:
    five_owners(world)
    world.sweep(CHECKIN_DAY)
    sent = len(world.courier.sent)
    earlier = world.sweep(CHECKIN_DAY - 3 * DAY)
    assert earlier.at == CHECKIN_DAY  # the sweep runs as of the latest instant seen
    assert (earlier.checkins_opened, earlier.nudges_planned, earlier.sent) == (0, 0, 0)
    assert len(world.courier.sent) == sent
    # ...and a later sweep still works from there
    later = world.sweep(CHECKIN_DAY + 2 * DAY)
    assert later.sent > 0


# ---- crashes ----------------------------------------------------------------------------------------------


def crash_mid_sweep(world: World) -> tuple[Any, ...]:
    """Six deliveries due at CHECKIN_DAY; the courier crashes on the third, after Slack took it."""
    five_owners(world)
    world.courier.crash_after(2)
    with pytest.raises(Crash):
        world.sweep(CHECKIN_DAY)
    assert len(world.courier.sent) == 3
    return ident(world.courier.sent[2].message)


def lease_runs_out(world: World) -> None:
    """CLAIM_TIMEOUT passes on the database's clock: every live claim's lease is that much older."""
    with world.db.session() as session:
        for d in session.exec(select(Delivery).where(Delivery.status == "claimed")):
            assert d.claimed_at is not None
            d.claimed_at -= CLAIM_TIMEOUT + timedelta(seconds=1)
            session.add(d)


def test_after_a_crash_every_message_is_sent_once_except_the_one_in_flight(world: World) -> None:
    """The documented window: a message Slack accepted just before the process died is sent again once its claim
    expires (at-least-once for that single message); every other message is sent exactly once, none is lost."""
    in_flight = crash_mid_sweep(world)
    world.sweep(CHECKIN_DAY)  # a restart at the same instant
    assert Counter(world.courier.idents())[in_flight] <= 2  # sent again at most once, now or after the timeout
    lease_runs_out(world)
    world.sweep(CHECKIN_DAY + CLAIM_TIMEOUT + timedelta(minutes=1))
    counts = Counter(world.courier.idents())
    assert len(counts) == 6
    assert counts[in_flight] == 2
    assert all(n == 1 for key, n in counts.items() if key != in_flight)
    due = [d for d in world.deliveries() if d.not_before <= CHECKIN_DAY]
    assert {d.status for d in due} == {"sent"}
    world.sweep(CHECKIN_DAY + 2 * CLAIM_TIMEOUT)
    assert len(world.courier.sent) == 7  # and nothing more after that


def test_a_restart_at_the_same_instant_sends_the_rest_but_not_the_claimed_one(world: World) -> None:
    in_flight = crash_mid_sweep(world)
    world.sweep(CHECKIN_DAY)
    counts = Counter(world.courier.idents())
    assert len(counts) == 6  # the three not yet tried went out at once
    assert counts[in_flight] == 1  # the one in flight is still claimed: not sent again yet
    claimed = [d for d in world.deliveries() if d.status == "claimed"]
    assert len(claimed) == 1


def test_a_sweep_with_a_later_now_leaves_a_live_claim_alone(world: World) -> None:
    """Issue 11.13: whether a claim is abandoned is judged by the database's clock, not by the sweep's `now`. A
    `sweep --now` six minutes ahead of a sweep still running (or a host whose clock is ahead) must not take over
    the claim of the message in flight: each message goes out exactly once."""
    in_flight = crash_mid_sweep(world)  # its claim is seconds old by the database's clock
    world.sweep(CHECKIN_DAY + CLAIM_TIMEOUT + timedelta(minutes=1))
    counts = Counter(world.courier.idents())
    assert counts[in_flight] == 1
    assert len(counts) == 6 and all(n == 1 for n in counts.values())
    assert [d.status for d in world.deliveries()].count("claimed") == 1


def test_two_sweepers_with_different_nows_send_every_message_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11.13: a 15:00 sweep still sending (slowly) and a `sweep --now 15:06` started meanwhile: the second
    finds the first's claims live (their lease is young on the database's clock) and sends each message once."""
    monkeypatch.setattr(schedule, "BATCH", 5)
    world = World(db)
    for n in range(6):
        caller = Caller(channel_id=f"C{n:02d}", user_id="UALICE")
        world.say("commit Pricing sheet by tomorrow", caller)
        world.say("commit <@UPAUL> API spec by tomorrow", caller)
    world.courier.delay = 0.01
    first, second = world.sweeper("at-15:00"), world.sweeper("at-15:06")
    errors: list[BaseException] = []

    def run(sweeper: Scheduler, at: datetime) -> None:
        try:
            sweeper.sweep(at)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    running = threading.Thread(target=run, args=(first, CHECKIN_DAY))
    running.start()
    while not world.courier.sent:  # the first sweep is sending
        time.sleep(0.005)
    late = threading.Thread(target=run, args=(second, CHECKIN_DAY + timedelta(minutes=6)))
    late.start()
    for t in (running, late):
        t.join(timeout=120)
    assert not errors, errors
    counts = Counter(world.courier.idents())
    assert len(counts) == 6 * 5  # per alliance: the check-in, two asks, two due-soon nudges
    assert [k for k, n in counts.items() if n != 1] == []


# ---- concurrent sweepers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [500, 7])
def test_two_sweepers_at_once_send_every_message_exactly_once(
    db: Database, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """30 alliances with a due check-in and 60 due nudges, swept by two processes at the same instant.

    PostgreSQL: the FOR UPDATE SKIP LOCKED path; SQLite: BEGIN IMMEDIATE and the compare-and-set claim. A small
    batch makes the two sweepers interleave batch by batch instead of one taking everything.
    """
    monkeypatch.setattr(schedule, "BATCH", batch)
    world = World(db)
    for n in range(30):
        caller = Caller(channel_id=f"C{n:02d}", user_id="UALICE")
        world.say("commit Pricing sheet by tomorrow", caller)
        world.say("commit <@UPAUL> API spec by tomorrow", caller)
    world.courier.delay = 0.0005
    sweepers = [world.sweeper("a"), world.sweeper("b")]
    barrier = threading.Barrier(len(sweepers))
    reports: list[SweepReport] = []
    errors: list[BaseException] = []

    def run(sweeper: Scheduler) -> None:
        try:
            barrier.wait()
            reports.append(sweeper.sweep(CHECKIN_DAY))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(s,)) for s in sweepers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(r.checkins_opened for r in reports) == 30
    assert Counter(d.kind for d in world.deliveries())["due_soon"] == 60
    counts = Counter(world.courier.idents())
    # per alliance: the check-in, two asks, two due-soon nudges
    assert len(counts) == 30 * 5
    assert [k for k, n in counts.items() if n != 1] == []
    assert sum(r.sent for r in reports) == 150
    assert Counter(d.status for d in world.deliveries() if d.not_before <= CHECKIN_DAY) == {"sent": 150}
    assert len(world.checkins("C00")) == 1


def test_the_report_counts_planned_nudges(world: World) -> None:
    for n in range(3):
        world.say("commit Pricing sheet by tomorrow", Caller(channel_id=f"C{n}", user_id="UALICE"))
    report = world.sweep(CHECKIN_DAY)
    assert report.nudges_planned == 3
    assert Counter(d.kind for d in world.deliveries())["due_soon"] == 3


# ---- failures and retries ---------------------------------------------------------------------------------


def test_a_rate_limited_message_waits_and_goes_out_later(world: World) -> None:
    world.say("commit Pricing sheet by Dec 18")
    world.courier.fail_next(1, retry_after=600)
    report = world.sweep(CHECKIN_DAY)
    assert (report.sent, report.retried) == (1, 1)
    (waiting,) = [d for d in world.deliveries() if d.status == "pending" and d.not_before <= CHECKIN_DAY + HOUR]
    assert waiting.attempts == 1
    assert waiting.not_before >= CHECKIN_DAY + timedelta(seconds=600)
    assert (waiting.claimed_by, waiting.last_error) == (None, "ratelimited")
    assert world.sweep(CHECKIN_DAY + timedelta(seconds=599)).sent == 0
    assert world.sweep(waiting.not_before).sent == 1
    assert Counter(world.courier.idents()) == {("C1", "open", 1): 1, ("C1", "UALICE", "ask", 1): 1}


def test_a_permanent_failure_is_not_retried(world: World) -> None:
    world.say("commit Pricing sheet by Dec 18")
    world.courier.fail_next(1, permanent=True)
    report = world.sweep(CHECKIN_DAY)
    assert (report.sent, report.failed) == (1, 1)
    (failed,) = [d for d in world.deliveries() if d.status == "failed"]
    assert (failed.attempts, failed.last_error) == (1, "boom")
    for hours in range(1, 5):
        world.sweep(CHECKIN_DAY + hours * HOUR)
    assert len(world.courier.sent) == 1


def retry_until_given_up(world: World) -> tuple[int, Delivery]:
    """The check-in's channel message fails every time; sweep at each retry until the schedule gives up. (A short
    Retry-After is waited for within the sweep, bot.core.pacing; a long one is left to a later sweep, as here.)"""
    world.say("commit Pricing sheet by Dec 18")
    world.courier.fail_next(1000, retry_after=60)
    at = CHECKIN_DAY
    for _ in range(20):
        world.sweep(at)
        (row,) = [d for d in world.deliveries() if d.kind == "checkin_open"]
        if row.status == "failed":
            tries = sum(1 for m in world.courier.tried if isinstance(m.content, CheckinOpened))
            return tries, row
        at = max(at, row.not_before)
    raise AssertionError("never gave up")


def test_repeated_failures_end_as_failed_with_growing_waits(world: World) -> None:
    tries, row = retry_until_given_up(world)
    assert (row.status, row.last_error, row.attempts) == ("failed", "ratelimited", tries)
    assert world.courier.sent == []


def test_a_message_is_tried_max_attempts_times(world: World) -> None:
    tries, row = retry_until_given_up(world)
    assert (tries, row.attempts) == (MAX_ATTEMPTS, MAX_ATTEMPTS)


# ---- check-in cadence -------------------------------------------------------------------------------------


def ny_date(at: datetime) -> date:
    return at.astimezone(NEW_YORK).date()


def test_checkin_cadence_through_a_year(world: World) -> None:
    """Weekly for 8 weeks, fortnightly to week 26, then monthly; weekly again while two or more are overdue."""
    world.say("help")  # the alliance starts at NOW; home zone New York (alice, the host's first member)
    slots: set[datetime] = set()
    slipping_from, slipping_until = utc(2027, 8, 2, 16), utc(2027, 9, 27, 16)
    start = NOW.replace(hour=16)
    world.go_to(start)
    world.sweep()
    while world.clock.now() < NOW + timedelta(days=366):
        now = world.clock.advance(DAY)
        if now == slipping_from:
            world.say("commit Pricing sheet by Aug 4")  # overdue from Aug 4 to Sep 27
            world.say("commit <@UPAUL> API spec by Aug 4")
        if now == slipping_until:
            world.say("done #1")
            world.say("done #2", PAUL)  # closed by its owner (only the owner or a lead may)
        world.sweep()
        slot = world.alliance().next_checkin_at
        assert slot is not None
        slots.add(slot)
    for slot in slots:  # every planned check-in is at 10:00 on a working day in the home zone
        local = slot.astimezone(NEW_YORK)
        assert (local.hour, local.minute) == (10, 0)
        assert local.weekday() < 5

    opened = [c.opened_at for c in world.checkins()]
    assert [c.seq for c in world.checkins()] == list(range(1, len(opened) + 1))
    assert ny_date(opened[0]) == date(2026, 11, 25)

    def expected_gap(at: datetime) -> int:
        if utc(2027, 8, 5) < at < slipping_until:  # both items overdue when it opened
            return 7
        age = (at.date() - NOW.date()).days
        return 7 if age < 8 * 7 else 14 if age < 26 * 7 else 28

    gaps = [(ny_date(b) - ny_date(a)).days for a, b in pairwise(opened)]
    for a, b in pairwise(opened):
        if a < utc(2027, 8, 5) <= b:
            # The second item went overdue at the 5 Aug sweep: the monthly check-in is brought forward to the
            # next working morning instead of waiting for its date.
            assert ny_date(b) == date(2027, 8, 6)
        else:
            assert (ny_date(b) - ny_date(a)).days == expected_gap(a)
    assert gaps[:8] == [7] * 8 and 14 in gaps and 28 in gaps
    assert gaps.count(7) > 8  # the slipping stretch went back to weekly
    # each check-in closed a working day later with a summary in its thread
    assert len(world.courier.of(CheckinClosed)) == len(opened)


def test_cadence_command_moves_the_next_checkin_and_checkin_now_opens_one(world: World) -> None:
    world.say("help")
    world.go_to(NOW.replace(hour=16))
    world.run_until(utc(2026, 12, 10, 16), step=DAY)
    assert [ny_date(c.opened_at) for c in world.checkins()] == [
        date(2026, 11, 25),
        date(2026, 12, 2),
        date(2026, 12, 9),
    ]
    view = world.say("cadence monthly")
    assert isinstance(view, CadenceView)
    expected = datetime(2027, 1, 6, 10, 0, tzinfo=NEW_YORK)  # 28 days after the last one, 10:00 at home
    assert view.next_checkin_at == expected
    assert world.alliance().next_checkin_at == expected
    world.run_until(utc(2027, 1, 7, 16), step=DAY)
    assert [ny_date(c.opened_at) for c in world.checkins()][3:] == [date(2027, 1, 6)]

    world.go_to(utc(2027, 1, 8, 14))
    world.say("checkin now")
    assert world.sweep().checkins_opened == 1
    assert world.checkins()[-1].opened_at == utc(2027, 1, 8, 14)
    assert world.courier.of(CheckinOpened)[-1].message.content.seq == 5
    assert world.alliance().next_checkin_at == datetime(2027, 2, 5, 10, 0, tzinfo=NEW_YORK)


# ---- the nudge ladder -------------------------------------------------------------------------------------


def globex_with_lead_and_sponsor(world: World) -> None:
    """Paul (Berlin) owns #1, due Friday 27 November 18:00 Berlin; pia (Berlin) leads Globex, gus (Tokyo) sponsors."""
    world.say("lead <@UPIA>", PAUL)
    world.say("sponsor <@UGUS>", PIA)
    world.say("commit <@UPAUL> API spec by Nov 27")


def test_the_ladder_due_soon_overdue_lead_sponsor(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.run_until(utc(2026, 12, 14))
    assert world.courier.nudges() == [
        (utc(2026, 11, 26, 8), NudgeKind.DUE_SOON, "UPAUL", 1),  # a working day before, 09:00 Berlin
        (utc(2026, 11, 30, 8), NudgeKind.OVERDUE, "UPAUL", 1),  # due Fri 18:00: his next working hour, Mon 09:00
        (utc(2026, 12, 2, 8), NudgeKind.LEAD, "UPIA", 1),  # two working days later (Tue 18:00), Wed 09:00
        (utc(2026, 12, 7, 0), NudgeKind.SPONSOR, "UGUS", 1),  # five working days later, Mon 09:00 Tokyo
    ]
    assert world.courier.lines() == [(utc(2026, 12, 4, 17), 1, "UGUS")]  # one channel line, at once


def test_no_nudge_to_a_departed_owner(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.run_until(NOW + HOUR)
    world.set_person("UPAUL", deleted=True)
    world.run_until(utc(2026, 12, 14))
    assert world.courier.nudges() == []
    assert [s for s in world.courier.of(CheckinAsk) if s.message.recipient_id == "UPAUL"] == []


def test_no_escalation_line_for_a_departed_owners_item(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.run_until(NOW + HOUR)
    world.set_person("UPAUL", deleted=True)
    world.run_until(utc(2026, 12, 14))
    assert world.courier.lines() == []


def test_an_away_owners_overdue_goes_to_their_lead(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    back = datetime(2026, 12, 10, tzinfo=BERLIN)
    world.say("away until Dec 10", PAUL)
    world.run_until(utc(2026, 12, 9))
    nudges = world.courier.nudges()
    assert [n for n in nudges if n[2] == "UPAUL"] == []  # nothing reaches him while he is away
    assert nudges[0] == (utc(2026, 11, 30, 8), NudgeKind.OVERDUE, "UPIA", 1)
    (overdue,) = [s.message.content for s in world.courier.of(Nudge) if s.message.content.kind is NudgeKind.OVERDUE]
    assert overdue.owner_away_until == back
    assert [n[1:] for n in nudges[1:]] == [(NudgeKind.LEAD, "UPIA", 1), (NudgeKind.SPONSOR, "UGUS", 1)]


def test_a_due_soon_nudge_held_for_an_away_owner_is_not_sent_after_the_deadline(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.say("away until Dec 10", PAUL)
    world.run_until(utc(2026, 12, 14))
    assert [n for n in world.courier.nudges() if n[2] == "UPAUL"] == []


def test_snooze_delays_the_ladder(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.run_until(utc(2026, 11, 26, 7))
    world.say("snooze #1 5d", PAUL)  # until Tuesday 1 December 07:00 UTC
    world.run_until(utc(2026, 12, 3))
    assert world.courier.nudges() == [
        (utc(2026, 12, 1, 8), NudgeKind.OVERDUE, "UPAUL", 1),  # only the latest stage reached, no stale due-soon
        (utc(2026, 12, 2, 8), NudgeKind.LEAD, "UPIA", 1),
    ]


def test_a_moved_deadline_restarts_the_ladder(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.run_until(utc(2026, 11, 30, 12))
    world.say("due #1 Dec 11", PAUL)
    world.run_until(utc(2026, 12, 15))
    assert world.courier.nudges() == [
        (utc(2026, 11, 26, 8), NudgeKind.DUE_SOON, "UPAUL", 1),
        (utc(2026, 11, 30, 8), NudgeKind.OVERDUE, "UPAUL", 1),
        (utc(2026, 12, 10, 8), NudgeKind.DUE_SOON, "UPAUL", 1),  # the new deadline's ladder
        (utc(2026, 12, 14, 8), NudgeKind.OVERDUE, "UPAUL", 1),
    ]
    assert world.courier.lines() == []


def test_done_stops_the_ladder(world: World) -> None:
    globex_with_lead_and_sponsor(world)
    world.run_until(utc(2026, 11, 30, 12))
    world.say("done #1", PAUL)
    world.run_until(utc(2026, 12, 14))
    assert [n[1] for n in world.courier.nudges()] == [NudgeKind.DUE_SOON, NudgeKind.OVERDUE]
    assert world.courier.lines() == []


@pytest.mark.parametrize(
    ("country", "overdue_at"),
    [
        (None, utc(2026, 12, 25, 8)),  # no holidays observed: Friday 25 December, 09:00 Berlin
        ("DE", utc(2026, 12, 28, 8)),  # Christmas Day is a German holiday, then the weekend: Monday 09:00
    ],
)
def test_public_holidays_delay_a_private_message(world: World, country: str | None, overdue_at: datetime) -> None:
    if country:
        world.say(f"holidays {country}", PAUL)
    world.say("commit API spec by Dec 24", PAUL)
    world.go_to(utc(2026, 12, 24, 12))
    world.sweep()
    world.run_until(utc(2026, 12, 29))
    overdue = [n for n in world.courier.nudges() if n[1] is NudgeKind.OVERDUE]
    assert overdue == [(overdue_at, NudgeKind.OVERDUE, "UPAUL", 1)]


def test_a_catch_up_after_downtime_waits_for_the_recipients_working_hours(world: World) -> None:
    """The bot was down overnight: Gus's check-in question, due at 09:00 Tokyo, is not sent at 19:00 Tokyo."""
    world.say("commit <@UGUS> Localise the API docs by 2026-12-11")
    world.go_to(CHECKIN_DAY)
    world.sweep()  # Wed 16:00 UTC: check-in opens (10:00 New York); Gus's question waits for his morning
    asks = [s for s in world.courier.of(CheckinAsk) if s.message.recipient_id == "UGUS"]
    assert asks == []
    late = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # Thu 19:00 in Tokyo: the first sweep after the outage
    world.go_to(late)
    world.sweep()
    assert [s for s in world.courier.of(CheckinAsk) if s.message.recipient_id == "UGUS"] == []
    [held] = [d for d in world.deliveries() if d.kind == "checkin_ask" and d.recipient_id == "UGUS"]
    assert (held.status, held.attempts, held.not_before) == ("pending", 0, datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    world.go_to(datetime(2026, 11, 27, 0, 5, tzinfo=UTC))  # Fri 09:05 Tokyo: the check-in closed meanwhile
    world.sweep()
    assert [s for s in world.courier.of(CheckinAsk) if s.message.recipient_id == "UGUS"] == []
    [held] = [d for d in world.deliveries() if d.kind == "checkin_ask" and d.recipient_id == "UGUS"]
    assert held.status == "skipped"


def test_an_unexpected_courier_error_counts_as_a_failed_attempt(world: World) -> None:
    world.say("commit <@UPAUL> Draft joint API spec by next Friday")

    class Broken(RecordingCourier):
        def send(self, message: Outgoing) -> str | None:
            raise RuntimeError("connection reset in an odd way")

    world.scheduler = Scheduler(world.db, Broken(), pacer=Pacer(0), worker="w1")
    report = world.sweep(CHECKIN_DAY)
    tried = [d for d in world.deliveries() if d.attempts]
    assert (report.sent, report.retried) == (0, len(tried))
    assert tried
    assert {(d.status, d.attempts, d.last_error, d.claimed_by) for d in tried} == {
        ("pending", 1, "unexpected: RuntimeError", None)
    }


def test_two_slipping_commitments_bring_a_monthly_checkin_forward(world: World) -> None:
    world.say("cadence monthly")
    world.say("commit <@UPAUL> Draft joint API spec by Dec 1")
    world.say("commit <@UPIA> Pricing sheet by Dec 1")
    assert world.alliance().next_checkin_at == datetime(2026, 12, 22, 15, 0, tzinfo=UTC)  # 10:00 New York
    world.run_until(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    # Both went overdue at 18:00 Berlin on 1 Dec. A week after the start (Tue 1 Dec 10:00 New York) has passed
    # by then, so the check-in comes the next working morning: Wed 2 Dec 10:00 New York, not 22 Dec.
    assert [c.opened_at for c in world.checkins()] == [datetime(2026, 12, 2, 15, 0, tzinfo=UTC)]


# ---- forgetting event ids ---------------------------------------------------------------------------------


def test_event_ids_older_than_a_day_are_forgotten_every_ten_minutes_of_sweeps_not_on_every_one(world: World) -> None:
    def remembered(event_id: str, at: datetime) -> None:
        with world.db.session() as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=at))

    def kept() -> list[str]:
        with world.db.session() as session:
            return sorted(e.event_id for e in session.exec(select(ProcessedEvent)))

    start = utc(2026, 12, 3, 12)
    remembered("EvOLD1", start - schedule.EVENT_MEMORY - HOUR)
    remembered("EvNEW", start - HOUR)
    assert world.sweep(start).forgotten_events == 1
    remembered("EvOLD2", start - schedule.EVENT_MEMORY - HOUR)
    assert world.sweep(start + timedelta(minutes=1)).forgotten_events == 0  # within ten minutes: not looked for
    assert kept() == ["EvNEW", "EvOLD2"]
    assert world.sweep(start + schedule.FORGET_EVERY).forgotten_events == 1
    assert kept() == ["EvNEW"]
