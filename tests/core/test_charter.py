"""The charter (bot.core.charter): written in the form's three steps, signed off by both leads, changed with a
field-by-field diff that asks for new signatures, and a reminder to the leads at each check-in while it is not
signed. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.

The console's cast: Acme (alice, erin, bob) and Globex (pia, gus, paul). Nobody holds a role at the start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.core.alliance import Caller
from bot.core.charter.commands import SignCharter
from bot.core.charter.document import parse_goals
from bot.core.charter.results import (
    DEFAULT_STEPS,
    CharterParty,
    CharterReminder,
    CharterSaved,
    CharterShown,
    CharterSigned,
    DisputeStep,
    FieldChange,
    Goal,
)
from bot.core.errors import CharterError, NotAllowed
from bot.core.scorecard.card import charter_terms, decisions, open_disputes
from bot.core.scorecard.results import ReviewPrompt
from bot.texts import answers as answers_texts
from storage.db import Database
from storage.models import Alliance, CharterVersion, Party
from tests.core.test_schedule import CHECKIN_DAY, DAY, World

ALICE = Caller(channel_id="C1", user_id="UALICE")
PIA = Caller(channel_id="C1", user_id="UPIA")
PAUL = Caller(channel_id="C1", user_id="UPAUL")
GOALS = "Joint API live | 2027-03-31 | Acme, Globex\nFirst co-sold deal | 2027-05-31 | Globex"
PARTIES = [CharterParty("TACME", "Acme"), CharterParty("TGLOBEX", "Globex")]
STEP1: dict[str, Any] = {"name": "Acme x Globex", "goals": GOALS, "start": date(2026, 12, 1), "end": date(2027, 6, 30)}
STEP2: dict[str, Any] = {
    "lead:TACME": "UALICE",
    "sponsor:TACME": "UERIN",
    "lead:TGLOBEX": "UPIA",
    "sponsor:TGLOBEX": "UGUS",
    "decision_makers": ["UALICE", "UPIA"],
}
STEP3: dict[str, Any] = {
    "cadence": "fortnightly",
    "formality": "A 30-minute call, minutes shared",
    "communication": "This channel; escalations by phone",
    "days:leads": "3",
    "days:sponsors": "",
    "days:mediator": "10",
    "mediator": "Jane Doe, ICC mediation",
    "mediator_id": None,
    "shared": "Pipeline and roadmap",
    "held_back": "Pricing and margins",
}


class CharterWorld(World):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.charters = self.service

    def write(self, caller: Caller = ALICE, **changes: Any) -> CharterSaved:
        """The whole form, step by step, with `changes` over the usual answers."""
        self.charters.charter_form(caller.channel_id, caller.user_id)
        steps = [dict(STEP1), dict(STEP2), dict(STEP3)]
        for key, value in changes.items():
            next(s for s in steps if key in s)[key] = value
        assert self.charters.charter_step(1, steps[0], caller) is None
        assert self.charters.charter_step(2, steps[1], caller) is None
        reply = self.charters.charter_step(3, steps[2], caller)
        assert reply is not None and isinstance(reply.outcome, CharterSaved)
        return reply.outcome

    def versions(self) -> list[tuple[int, bool]]:
        with self.db.session() as session:
            rows = session.exec(select(CharterVersion).order_by(col(CharterVersion.version))).all()
            return [(r.version, r.signed_at is not None) for r in rows]

    def roles(self) -> list[tuple[str, str | None, str | None]]:
        with self.db.session() as session:
            return sorted((p.name, p.lead_id, p.sponsor_id) for p in session.exec(select(Party)).all())


@pytest.fixture
def world(db: Database) -> CharterWorld:
    return CharterWorld(db)


def refusal(excinfo: pytest.ExceptionInfo[CharterError]) -> tuple[str, str, str]:
    return excinfo.value.reason, excinfo.value.field, excinfo.value.detail


# ---- writing it -------------------------------------------------------------------------------------------


def test_no_charter_at_first_then_written_in_three_steps(world: CharterWorld) -> None:
    shown = world.say("charter")
    assert isinstance(shown, CharterShown)
    assert (shown.charter.version, shown.charter.missing) == (
        0,
        ["goals", "timeframe", "leads", "sponsors", "decision_makers", "mediator"],
    )

    saved = world.write()

    assert (saved.first, saved.changes, saved.was_signed) == (True, [], False)
    view = saved.charter
    assert (view.version, view.name, view.start, view.end) == (1, "Acme x Globex", date(2026, 12, 1), date(2027, 6, 30))
    assert view.goals == [
        Goal("Joint API live", date(2027, 3, 31), ("Acme", "Globex")),
        Goal("First co-sold deal", date(2027, 5, 31), ("Globex",)),
    ]
    assert view.steps == [DisputeStep("leads", 3), DisputeStep("sponsors", 5), DisputeStep("mediator", 10)]
    assert (view.decision_makers, view.mediator, view.missing, view.signed_by) == (
        ["UALICE", "UPIA"],
        "Jane Doe, ICC mediation",
        [],
        [],
    )
    # The charter names the roles and sets the cadence: the alliance follows.
    assert world.roles() == [("Acme", "UALICE", "UERIN"), ("Globex", "UPIA", "UGUS")]
    with world.db.session() as session:
        [alliance] = session.exec(select(Alliance)).all()
        assert (alliance.cadence, alliance.home_tz) == ("fortnightly", "America/New_York")
    assert world.versions() == [(1, False)]


def test_a_goal_line_that_does_not_parse_is_refused_beside_the_goals_and_nothing_is_kept(world: CharterWorld) -> None:
    world.charters.charter_form("C1", "UALICE")
    with pytest.raises(CharterError) as bad_line:
        world.charters.charter_step(1, {**STEP1, "goals": "Joint API live | 2027-03-31\nFirst deal by summer"}, ALICE)
    assert refusal(bad_line) == ("bad_goal", "goals", "2:First deal by summer")
    assert answers_texts.field_error(bad_line.value) == (
        "Goal line 2 doesn't read as “text | YYYY-MM-DD | Acme, Globex”: “First deal by summer”."
    )
    with pytest.raises(CharterError) as bad_date:
        world.charters.charter_step(1, {**STEP1, "goals": "Joint API live | March"}, ALICE)
    assert refusal(bad_date) == ("bad_goal_date", "goals", "1:March")
    with pytest.raises(CharterError) as bad_party:
        world.charters.charter_step(1, {**STEP1, "goals": "Joint API live | 2027-03-31 | Initech"}, ALICE)
    assert refusal(bad_party) == ("bad_goal_party", "goals", "1:Initech")

    draft = world.charters.charter_draft("C1", "UALICE")
    assert (draft.goals, draft.name, draft.start) == ([], "Acme & Globex", None)
    assert world.versions() == []


def test_an_end_before_the_start_is_refused_beside_the_end(world: CharterWorld) -> None:
    world.charters.charter_form("C1", "UALICE")
    with pytest.raises(CharterError) as late_start:
        world.charters.charter_step(1, {**STEP1, "start": date(2027, 6, 30), "end": date(2026, 12, 1)}, ALICE)
    assert refusal(late_start) == ("end_before_start", "end", "2027-06-30")
    assert (
        answers_texts.field_error(late_start.value)
        == "The end comes before the start (2027-06-30); pick an end after it."
    )
    with pytest.raises(CharterError) as half:
        world.charters.charter_step(1, {**STEP1, "end": None}, ALICE)
    assert refusal(half)[:2] == ("half_timeframe", "end")
    assert world.charters.charter_draft("C1", "UALICE").start is None


def test_dispute_days_must_be_working_days_from_1_to_30(world: CharterWorld) -> None:
    world.charters.charter_form("C1", "UALICE")
    world.charters.charter_step(1, STEP1, ALICE)
    world.charters.charter_step(2, STEP2, ALICE)
    with pytest.raises(CharterError) as bad:
        world.charters.charter_step(3, {**STEP3, "days:sponsors": "forty"}, ALICE)
    assert refusal(bad) == ("bad_days", "days:sponsors", "forty")
    assert world.versions() == []


def test_naming_leads_in_the_charter_follows_the_rule_of_lead_at_x(world: CharterWorld) -> None:
    world.say("lead <@UPIA>", PIA)
    world.charters.charter_form("C1", "UALICE")
    world.charters.charter_step(1, STEP1, ALICE)
    # Globex has a lead now: only she (or its sponsor) may change it.
    with pytest.raises(CharterError) as not_hers:
        world.charters.charter_step(2, {**STEP2, "lead:TGLOBEX": "UPAUL"}, ALICE)
    assert refusal(not_hers)[:2] == ("person", "lead:TGLOBEX")
    assert isinstance(not_hers.value.cause, NotAllowed)
    assert answers_texts.field_error(not_hers.value) == (
        "Only that party's lead or sponsor can change its roles (ask <@UPIA>). Nothing changed."
    )
    # A party's lead is one of its own people.
    with pytest.raises(CharterError) as wrong_party:
        world.charters.charter_step(2, {**STEP2, "lead:TACME": "UPAUL"}, ALICE)
    assert refusal(wrong_party) == ("wrong_party", "lead:TACME", "Acme")
    assert world.roles() == [("Acme", None, None), ("Globex", "UPIA", None)]


def test_a_party_without_roles_gets_its_lead_and_sponsor_at_once(world: CharterWorld) -> None:
    world.write(PAUL)
    assert world.roles() == [("Acme", "UALICE", "UERIN"), ("Globex", "UPIA", "UGUS")]


# ---- signing, and changing it after ------------------------------------------------------------------------


def test_both_leads_sign_and_only_the_last_signature_completes_it(world: CharterWorld) -> None:
    world.write()
    with pytest.raises(CharterError) as not_lead:
        world.say("charter sign", PAUL)
    assert (not_lead.value.reason, not_lead.value.user_id) == ("not_a_lead", "UALICE")

    first = world.say("charter sign", ALICE)
    assert isinstance(first, CharterSigned)
    assert (first.complete, first.charter.signed_by, first.charter.signed_at) == (False, ["UALICE"], None)
    with pytest.raises(CharterError) as twice:
        world.say("charter sign", ALICE)
    assert twice.value.reason == "already_signed"

    world.clock.advance(DAY)
    last = world.say("charter sign", PIA)
    assert isinstance(last, CharterSigned)
    assert (last.complete, last.charter.signed_by, last.charter.signed_at) == (
        True,
        ["UALICE", "UPIA"],
        world.clock.now(),
    )
    assert world.versions() == [(1, True)]


def test_an_incomplete_charter_cannot_be_signed(world: CharterWorld) -> None:
    world.write(mediator="", goals="")
    with pytest.raises(CharterError) as incomplete:
        world.say("charter sign", ALICE)
    assert (incomplete.value.reason, incomplete.value.detail) == ("incomplete", "goals,mediator")
    assert answers_texts.error(incomplete.value) == (
        "The charter can't be signed yet: it still needs Goals, Mediator. `charter edit` fills them in."
    )


def test_a_change_after_sign_off_shows_what_changed_and_clears_the_signatures(world: CharterWorld) -> None:
    world.write()
    world.say("charter sign", ALICE)
    world.say("charter sign", PIA)

    changed = world.write(PIA, goals="Joint API live | 2027-04-30 | both", cadence="monthly")

    assert changed.was_signed and not changed.first
    assert changed.changes == [
        FieldChange(
            "goals",
            "Joint API live | 2027-03-31 | Acme, Globex\nFirst co-sold deal | 2027-05-31 | Globex",
            "Joint API live | 2027-04-30 | Acme, Globex",
        ),
        FieldChange("cadence", "fortnightly", "monthly"),
    ]
    assert (changed.charter.version, changed.charter.signed_by, changed.charter.signed_at) == (2, [], None)
    assert world.versions() == [(1, True), (2, False)]  # the signed version is kept
    text = answers_texts.outcome(changed)
    assert text.splitlines()[0] == ":pencil2: <@UPIA> changed the charter (now version 2):"
    assert "• *Check-ins:* ~fortnightly~ → monthly" in text
    assert text.splitlines()[-1] == (
        "The signatures are cleared: <@UALICE> and <@UPIA>, please read the changes and sign version 2 again."
    )
    # A button from before the change signs nothing.
    with pytest.raises(CharterError) as stale:
        world.service.handle(SignCharter(1), ALICE)
    assert (stale.value.reason, stale.value.detail) == ("stale", "2")
    assert isinstance(world.say("charter sign", ALICE), CharterSigned)


def test_saving_the_same_charter_again_changes_nothing(world: CharterWorld) -> None:
    world.write()
    again = world.write()
    assert (again.changes, again.first, again.announced) == ([], False, False)
    assert answers_texts.outcome(again) == "Nothing changed in the charter."
    assert world.versions() == [(1, False)]


# ---- reminders at each check-in ----------------------------------------------------------------------------


def reminders(world: World) -> list[tuple[str | None, int]]:
    return [(s.message.recipient_id, s.message.content.charter.version) for s in world.courier.of(CharterReminder)]


def test_leads_are_reminded_at_each_checkin_until_both_have_signed(world: CharterWorld) -> None:
    world.say("lead <@UALICE>", ALICE)
    world.say("lead <@UPIA>", PIA)
    world.say("sponsor <@UGUS>", PIA)  # Globex's own: Alice's charter may only repeat it
    world.sweep(CHECKIN_DAY)
    # Pia is in Berlin: 17:00 there, within her working day; Alice in New York, 11:00.
    assert sorted(reminders(world)) == [("UALICE", 0), ("UPIA", 0)]

    world.go_to(CHECKIN_DAY + DAY)
    world.write()
    world.say("charter sign", ALICE)
    world.courier.sent.clear()
    world.say("checkin now")
    world.sweep(world.clock.now())
    assert reminders(world) == [("UPIA", 1)]  # Alice has signed; Pia has not

    world.say("charter sign", PIA)
    world.courier.sent.clear()
    world.go_to(world.clock.now() + 4 * DAY)  # one check-in at a time: this one closes first
    world.say("checkin now")
    world.sweep(world.clock.now() + DAY)
    assert reminders(world) == []


def test_a_reminder_planned_before_the_signature_is_not_sent_after_it(world: CharterWorld) -> None:
    world.write()
    world.say("charter sign", PIA)
    # Alice is in New York: a check-in at 03:00 there plans her reminder for 09:00.
    early = CHECKIN_DAY.replace(hour=8)
    world.go_to(early)
    world.say("checkin now")
    world.sweep(early)
    assert reminders(world) == []
    world.say("charter sign", ALICE)
    world.sweep(early.replace(hour=15))
    assert reminders(world) == []


# ---- goal lines ------------------------------------------------------------------------------------------


def test_goal_lines_name_the_parties_they_benefit_or_both_by_default() -> None:
    text = "- Joint API live | 2027-03-31\n\n• Co-sold deal | 2027-05-31 | globex\nTraining | 2027-01-15 | both"
    assert parse_goals(text, PARTIES) == [
        Goal("Joint API live", date(2027, 3, 31), ("Acme", "Globex")),
        Goal("Co-sold deal", date(2027, 5, 31), ("Globex",)),
        Goal("Training", date(2027, 1, 15), ("Acme", "Globex")),
    ]
    assert parse_goals("", PARTIES) == []
    long_lines = "\n".join(f"{'g' * 150} | 2027-01-{day:02d}" for day in range(1, 18))
    with pytest.raises(CharterError) as too_long:
        parse_goals(long_lines, PARTIES)  # under 3,000 as typed, over it with both parties written out
    assert (too_long.value.reason, too_long.value.field) == ("goals_too_long", "goals")


def test_the_default_dispute_steps_are_the_leads_then_the_sponsors_then_the_mediator() -> None:
    assert [(s.who, s.days) for s in DEFAULT_STEPS] == [("leads", 5), ("sponsors", 5), ("mediator", 10)]


def test_the_scorecard_reads_the_charters_goals_timeframe_disputes_and_decisions(world: CharterWorld) -> None:
    world.write()
    world.say("decide we co-sell in DACH first consulted <@UPIA>", ALICE)
    world.say("dispute pricing of the joint SKU", PIA)
    alliance = world.alliance()
    assert alliance.id is not None
    with world.db.session() as session:
        terms = charter_terms(session, alliance.id)
        assert [(g.title, g.target_date.date(), sorted(g.team_ids)) for g in terms.goals] == [
            ("Joint API live", date(2027, 3, 31), ["TACME", "TGLOBEX"]),
            ("First co-sold deal", date(2027, 5, 31), ["TGLOBEX"]),
        ]
        assert terms.timeframe_end is not None and terms.timeframe_end.date() == date(2027, 6, 30)
        assert open_disputes(session, alliance.id) == ["#1 pricing of the joint SKU"]
        [decision] = decisions(session, alliance.id)
        assert (decision.text, decision.decided_by, decision.consulted) == (
            "we co-sell in DACH first",
            "UALICE",
            ["UPIA"],
        )
    # At the first goal's target date, both leads are asked to review the alliance.
    world.sweep()
    world.go_to(datetime(2027, 4, 1, 15, tzinfo=UTC))
    world.sweep()
    prompts = [s.message for s in world.courier.of(ReviewPrompt)]
    assert sorted(m.recipient_id or "" for m in prompts) == ["UALICE", "UPIA"]
    assert {m.content.about for m in prompts} == {"Joint API live"}
