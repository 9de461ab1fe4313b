"""Decisions and disputes (bot.core.charter.disputes): who decided and who was consulted; a dispute that climbs the
charter's steps as their deadlines pass, its people told privately in their working hours, until someone records
how it was resolved. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

Times are UTC. The alliance's home is New York (Alice, Acme's lead; Erin its sponsor); Pia leads Globex from
Berlin and Gus, its sponsor, works in Tokyo. Without a charter the steps are the defaults: the leads for 5 working
days, then the sponsors for 5, then the mediator for 10 (each to the end of the home's working day).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.alliance import Caller
from bot.core.charter.results import (
    DecisionList,
    DecisionRecorded,
    DisputeList,
    DisputeMoved,
    DisputeNudge,
    DisputeOpened,
    DisputeResolved,
)
from bot.core.errors import CharterError, GrammarError, UnknownName, UnknownPerson
from bot.texts import answers as answers_texts
from storage.db import Database
from storage.models import Dispute
from tests.core.test_schedule import HOUR, NOW, World

ALICE = Caller(channel_id="C1", user_id="UALICE")
PIA = Caller(channel_id="C1", user_id="UPIA")
PAUL = Caller(channel_id="C1", user_id="UPAUL")
ERIN = Caller(channel_id="C1", user_id="UERIN")
BOB = Caller(channel_id="C1", user_id="UBOB")


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


class DisputeWorld(World):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.say("lead <@UALICE>", ALICE)
        self.say("sponsor <@UERIN>", ALICE)
        self.say("lead <@UPIA>", PIA)
        self.say("sponsor <@UGUS>", PIA)

    def told(self) -> list[tuple[datetime, str, str | None, int]]:
        """(sent at, kind, recipient, step) of every dispute message, in order of time then recipient."""
        lines = [
            (s.at, "nudge" if isinstance(s.message.content, DisputeNudge) else "moved", s.message.recipient_id,
             s.message.content.dispute.step)
            for s in self.courier.sent
            if isinstance(s.message.content, DisputeNudge | DisputeMoved)
        ]  # fmt: skip
        return sorted(lines, key=lambda x: (x[0], x[2] or ""))


@pytest.fixture
def world(db: Database) -> DisputeWorld:
    return DisputeWorld(db)


# ---- decisions --------------------------------------------------------------------------------------------


def test_a_decision_records_who_decided_and_who_was_consulted(world: DisputeWorld) -> None:
    mine = world.say("decide we co-sell in DACH first consulted <@UPIA> <@UPAUL>", ALICE)
    assert isinstance(mine, DecisionRecorded)
    d = mine.decision
    assert (d.ref, d.text, d.decided_by, d.consulted, d.recorded_by) == (
        1,
        "we co-sell in DACH first",
        "UALICE",
        ["UPIA", "UPAUL"],
        "UALICE",
    )
    theirs = world.say("decide <@UPIA> the joint SKU is priced in EUR", PAUL)
    assert isinstance(theirs, DecisionRecorded)
    assert (theirs.decision.ref, theirs.decision.decided_by, theirs.decision.recorded_by) == (2, "UPIA", "UPAUL")
    assert answers_texts.outcome(theirs) == (
        ":ballot_box_with_check: Decision recorded: `D2` *the joint SKU is priced in EUR* · decided by <@UPIA> "
        "(recorded by <@UPAUL>)"
    )

    listed = world.say("decisions", BOB)
    assert isinstance(listed, DecisionList)
    assert [(x.ref, x.text) for x in listed.decisions] == [
        (1, "we co-sell in DACH first"),
        (2, "the joint SKU is priced in EUR"),
    ]


def test_bad_decisions_are_refused_and_nothing_is_recorded(world: DisputeWorld) -> None:
    with pytest.raises(GrammarError):
        world.say("decide", ALICE)
    with pytest.raises(GrammarError):
        world.say("decide we go consulted nobody", ALICE)
    with pytest.raises(UnknownName):
        world.say("decide we go consulted @pia", ALICE)
    with pytest.raises(UnknownPerson):
        world.say("decide <@UNOBODY> we go", ALICE)
    listed = world.say("decisions", ALICE)
    assert listed.decisions == []


# ---- a dispute climbs the steps -----------------------------------------------------------------------------


def test_a_dispute_climbs_the_steps_as_deadlines_pass_until_it_is_resolved(world: DisputeWorld) -> None:
    opened = world.say("dispute pricing of the joint SKU", PAUL)
    assert isinstance(opened, DisputeOpened)
    assert (opened.dispute.ref, opened.dispute.who, opened.dispute.people) == (1, "leads", ["UALICE", "UPIA"])
    assert opened.dispute.deadline == utc(12, 1, 23)  # 5 working days: Tue 1 Dec, 18:00 in New York

    world.sweep(NOW)
    world.run_until(utc(12, 9, 15))

    assert world.told() == [
        (utc(11, 24, 10), "nudge", "UPIA", 0),  # 11:00 in Berlin: at once
        (utc(11, 24, 14), "nudge", "UALICE", 0),  # 09:00 in New York
        (utc(12, 1, 23), "moved", None, 1),  # the channel's line
        (utc(12, 2, 0), "nudge", "UGUS", 1),  # 09:00 in Tokyo
        (utc(12, 2, 14), "nudge", "UERIN", 1),
        (utc(12, 8, 23), "moved", None, 2),
        (utc(12, 9, 8), "nudge", "UPIA", 2),  # no mediator in Slack: the leads carry it to the one named
        (utc(12, 9, 14), "nudge", "UALICE", 2),
    ]
    [moved] = [s.message for s in world.courier.sent if isinstance(s.message.content, DisputeMoved)][:1]
    assert moved.recipient_id is None
    assert answers_texts.dispatch(moved.content) == (
        ":arrow_up: Dispute #1 (*pricing of the joint SKU*) was not settled in time and goes to the sponsors "
        "(<@UERIN>, <@UGUS>), until <!date^1796770800^{date_short_pretty} at {time}|Tue 08 Dec 2026, 18:00 EST>, "
        "as the charter says."
    )

    resolved = world.say("resolve dispute 1 EUR list price, 10% partner discount", ERIN)
    assert isinstance(resolved, DisputeResolved)
    assert (resolved.dispute.resolved_by, resolved.dispute.outcome) == ("UERIN", "EUR list price, 10% partner discount")
    before = len(world.told())
    world.run_until(utc(12, 28, 15), step=6 * HOUR)  # past the mediator's 10 days: nobody is reminded
    assert len(world.told()) == before
    with world.db.session() as session:
        [row] = session.exec(select(Dispute)).all()
        assert (row.step, row.next_at, row.resolved_at) == (2, None, utc(12, 9, 15))
    assert world.say("disputes").disputes == []


def test_a_late_sweep_tells_only_the_step_reached(world: DisputeWorld) -> None:
    world.say("dispute pricing of the joint SKU", PAUL)
    world.sweep(utc(12, 9, 12))  # the first sweep since: both earlier deadlines have passed
    assert world.told() == [
        (utc(12, 9, 12), "moved", None, 2),
        (utc(12, 9, 12), "nudge", "UPIA", 2),
    ]
    world.sweep(utc(12, 9, 14))
    assert world.told()[-1] == (utc(12, 9, 14), "nudge", "UALICE", 2)
    nudge = world.courier.of(DisputeNudge)[-1].message.content
    assert answers_texts.dispatch(nudge).splitlines()[0] == (
        ":scales: Dispute #1, *pricing of the joint SKU* (opened by <@UPAUL>), is now for the mediator, for whom the "
        "leads stand in, to settle: that includes you together with <@UPIA>."
    )


def test_a_nudge_planned_before_the_resolution_is_not_sent(world: DisputeWorld) -> None:
    world.say("dispute pricing of the joint SKU", PAUL)
    world.sweep(NOW)
    world.say("resolve dispute 1 settled over coffee", PIA)
    world.sweep(utc(11, 24, 14))  # Alice's working hour: her nudge has nothing left to say
    assert world.told() == [(NOW, "nudge", "UPIA", 0)]


def test_the_charter_sets_the_steps_and_the_mediator(world: DisputeWorld) -> None:
    charters = world.service
    charters.charter_form("C1", "UALICE")
    charters.charter_step(1, {"name": "Acme x Globex", "goals": "", "start": None, "end": None}, ALICE)
    charters.charter_step(2, {"decision_makers": ["UALICE"]}, ALICE)
    working = {"cadence": "default", "days:leads": "2", "days:sponsors": "1", "mediator": "Jane Doe"}
    charters.charter_step(3, {**working, "mediator_id": "UBOB"}, ALICE)
    opened = world.say("dispute data sharing", PAUL)
    assert opened.dispute.deadline == utc(11, 26, 23)  # 2 working days
    world.sweep(utc(11, 30, 15))  # past the leads' 2 days and the sponsors' 1: with the mediator
    assert world.told()[-2:] == [(utc(11, 30, 15), "moved", None, 2), (utc(11, 30, 15), "nudge", "UBOB", 2)]
    nudge = world.courier.of(DisputeNudge)[-1].message.content
    assert "The charter names the mediator: Jane Doe." in answers_texts.dispatch(nudge)


# ---- resolving ------------------------------------------------------------------------------------------


def test_only_the_people_of_the_dispute_resolve_it_once_with_an_outcome(world: DisputeWorld) -> None:
    world.say("dispute pricing of the joint SKU", PAUL)
    with pytest.raises(CharterError) as outsider:
        world.say("resolve dispute 1 we agreed", BOB)
    assert answers_texts.error(outsider.value) == (
        "Only the leads, the sponsors, the mediator or whoever opened dispute #1 can mark it resolved."
    )
    with pytest.raises(GrammarError):
        world.say("resolve dispute 1", PIA)
    with pytest.raises(CharterError) as unknown:
        world.say("resolve 7 done", PIA)
    assert unknown.value.reason == "no_dispute"
    listed = world.say("disputes")
    assert isinstance(listed, DisputeList) and [d.ref for d in listed.disputes] == [1]

    world.say("resolve 1 with a joint price list", PAUL)  # whoever opened it may
    with pytest.raises(CharterError) as again:
        world.say("resolve dispute 1 something else", PIA)
    assert (again.value.reason, again.value.user_id) == ("already_resolved", "UPAUL")
    with world.db.session() as session:
        [row] = session.exec(select(Dispute)).all()
        assert (row.outcome, row.resolved_by) == ("a joint price list", "UPAUL")


def test_a_dispute_needs_a_topic(world: DisputeWorld) -> None:
    with pytest.raises(GrammarError):
        world.say("dispute", PAUL)
    assert world.say("disputes").disputes == []
