"""Only real sends are paced: a delivery that has become moot, or waits for working hours, costs no wait.

Measured before (issue 13): a night sweep where 100 due-soon nudges had become moot took 152 s even with a 1 ms
round trip, because each skipped delivery was paced as one message to a channel "" (one second each).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.checkins.results import NudgeGroup, NudgeKind
from bot.core.schedule import Pacer, Scheduler
from storage.db import Database
from storage.models import Delivery
from tests.core.test_schedule import PAUL, World
from tests.fake_time import FakeTime

MOOT = 50
DUE_SOON = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # a working day before Fri 27 Nov 18:00 Berlin, 09:00 there


@pytest.fixture
def world(db: Database) -> World:
    return World(db)


def moot_nudges(world: World, *, also_open: tuple[str, ...] = ()) -> None:
    """MOOT items of Paul's, due Friday, whose due-soon nudges are planned and then done before they go out."""
    world.run_until(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # the week's check-in and its questions are out
    for i in range(MOOT):
        world.say(f"commit <@UPAUL> Item {i} by Nov 27")
    for who in also_open:
        world.say(f"commit <@{who}> Open item of {who} by Nov 27")
    Scheduler(world.db, None, worker="planner").sweep(DUE_SOON)  # plans the nudges, sends nothing
    for i in range(1, MOOT + 1):
        world.say(f"done #{i}", PAUL)
    world.courier.sent.clear()


def paced_sweep(world: World, fake: FakeTime) -> int:
    world.scheduler = Scheduler(world.db, world.courier, pacer=Pacer(1.0, clock=fake.clock, sleep=fake.sleep))
    return world.sweep(DUE_SOON).skipped


def test_moot_deliveries_are_settled_without_any_pacing_wait(world: World) -> None:
    moot_nudges(world, also_open=("UPIA",))
    fake = FakeTime()
    skipped = paced_sweep(world, fake)
    assert fake.slept == []  # not one second per moot nudge
    assert skipped == MOOT
    assert world.courier.nudges() == [(DUE_SOON, NudgeKind.DUE_SOON, "UPIA", MOOT + 1)]  # the one real send goes
    with world.db.session() as session:
        statuses = [d.status for d in session.exec(select(Delivery).where(Delivery.kind == NudgeKind.DUE_SOON.value))]
    assert sorted(statuses) == ["sent"] + ["skipped"] * MOOT


def test_a_sweep_of_moot_deliveries_with_a_real_pacer_takes_well_under_a_second(world: World) -> None:
    moot_nudges(world)
    world.scheduler = Scheduler(world.db, world.courier, pacer=Pacer(1.0))  # real clock, real sleep
    started = time.monotonic()
    report = world.sweep(DUE_SOON)
    elapsed = time.monotonic() - started
    assert report.skipped == MOOT and report.sent == 0
    assert elapsed < 0.9 * 1.0, f"{MOOT} moot deliveries took {elapsed:.2f} s"


def test_a_persons_reminders_go_as_one_dm_among_moot_ones(world: World) -> None:
    """Two real reminders to Pia in one sweep: one DM listing both (nothing to pace), the moot ones add nothing."""
    moot_nudges(world, also_open=("UPIA", "UPIA"))
    fake = FakeTime()
    report = paced_sweep(world, fake)
    assert report == MOOT
    (dm,) = [s.message for s in world.courier.sent if s.message.recipient_id == "UPIA"]
    assert isinstance(dm.content, NudgeGroup)
    assert [(n.kind, n.commitment.ref) for n in dm.content.nudges] == [
        (NudgeKind.DUE_SOON, MOOT + 1),
        (NudgeKind.DUE_SOON, MOOT + 2),
    ]
    assert fake.slept == []
    with world.db.session() as session:
        rows = session.exec(select(Delivery).where(Delivery.recipient_id == "UPIA", Delivery.kind == "due_soon"))
        assert sorted((d.status, d.message_ts) for d in rows) == [("sent", "1.000100")] * 2


def test_a_delivery_waiting_for_working_hours_costs_no_wait(world: World) -> None:
    """Catch-ups at night for people far away are deferred to their morning, in bulk, without pacing."""
    world.say("commit <@UGUS> Item for Tokyo by Nov 27")
    for i in range(5):
        world.say(f"commit <@UPAUL> Paul item {i} by Nov 27")
    Scheduler(world.db, None, worker="planner").sweep(DUE_SOON)  # planned at 17:00 Tokyo: waits for Gus's morning
    late = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # 20:00 Berlin, 04:00 Tokyo: a catch-up after an outage
    world.courier.sent.clear()
    fake = FakeTime()
    world.scheduler = Scheduler(world.db, world.courier, pacer=Pacer(1.0, clock=fake.clock, sleep=fake.sleep))
    world.courier.at = late
    world.scheduler.sweep(late)
    assert world.courier.nudges() == []
    assert fake.slept == []
    with world.db.session() as session:
        held = list(session.exec(select(Delivery).where(Delivery.kind == NudgeKind.DUE_SOON.value)))
    assert held and {(d.status, d.attempts) for d in held} == {("pending", 0)}
    assert all(d.not_before > late for d in held)
