"""The health pulse in the core: its rhythm (day 100, then quarterly; offered after a dispute), the questions and
their wording, answering once and anonymously, the three-answer threshold, the four groups on their edges, open
answers reaching their own party's lead only, and the headline on the scorecard and in the sponsor digest.

On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set; a ManualClock drives time and the sweep sends through
a recording courier."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import col, select

from bot.console.world import ACME, GLOBEX, PEOPLE
from bot.core.alliance import Caller
from bot.core.calendar import working_time_of
from bot.core.clock import ManualClock
from bot.core.errors import GrammarError, PulseError
from bot.core.pulse import questions, rhythm
from bot.core.pulse.classification import Group, classify
from bot.core.pulse.results import (
    Headline,
    PulseAsk,
    PulseOffer,
    PulseOpened,
    PulseQuestionsView,
    PulseRemarks,
    PulseResults,
    PulseSetting,
    PulseShown,
)
from bot.core.pulse.summary import headline
from bot.core.schedule import Scheduler
from bot.core.scorecard.results import ExportReady, ScorecardView, SponsorDigest
from bot.core.service import AllianceService
from bot.core.trust import redact
from bot.core.visibility import SHARED, private_to
from bot.texts import answers as answers_texts
from bot.texts import pulse as pulse_texts
from storage.db import Database
from storage.models import Delivery, PulseRound, PulseSettings
from tests.core.roles import ALICE, ERIN, NOW, PAUL, PIA, Courier, run, with_roles

DAY = timedelta(days=1)
BOB = Caller(channel_id="C1", user_id="UBOB")
GUS = Caller(channel_id="C1", user_id="UGUS")
EVERYONE = ["UALICE", "UBOB", "UERIN", "UGUS", "UPAUL", "UPIA"]
ACME_WORDS = "acme only: our exec team is distracted"
GLOBEX_WORDS = "globex only: the pricing talks hurt"


def sweep_for(scheduler: Scheduler, clock: ManualClock, span: timedelta, step: timedelta = timedelta(hours=1)) -> None:
    """Sweep every `step` for `span`, as the running bot does (every minute; an hour is enough here)."""
    end = clock.now() + span
    while clock.now() < end:
        clock.advance(step)
        scheduler.sweep(clock.now())


def settings(db: Database) -> PulseSettings:
    with db.session() as session:
        found = session.exec(select(PulseSettings)).one()
        session.expunge(found)
        return found


def open_round_id(db: Database) -> int:
    with db.session() as session:
        pulse = session.exec(select(PulseRound).where(PulseRound.closed_at == None)).one()  # noqa: E711
        assert pulse.id is not None
        return pulse.id


def answer(service: AllianceService, round_id: int, user_id: str, ratings: list[int], remark: str = "") -> None:
    service.answer_pulse(round_id=round_id, user_id=user_id, ratings=dict(enumerate(ratings, start=1)), remark=remark)


def asked_now(service: AllianceService, scheduler: Scheduler, clock: ManualClock) -> int:
    """A lead runs a pulse now and a working day of sweeps sends its questions; the round's id."""
    assert isinstance(run(service, "pulse now"), PulseSetting)
    sweep_for(scheduler, clock, DAY)
    return open_round_id(scheduler.db)


# ---- the rhythm ---------------------------------------------------------------------------------------------


def test_the_first_pulse_opens_on_day_100_then_every_quarter(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    scheduler.sweep(clock.now())
    first = settings(scheduler.db).next_at
    assert first is not None and first >= NOW + timedelta(days=100)
    assert first - (NOW + timedelta(days=100)) < timedelta(days=4)  # the first working morning from day 100
    assert first.astimezone(UTC).date() == date(2027, 3, 4)
    clock.advance(first - clock.now() - timedelta(hours=1))
    scheduler.sweep(clock.now())
    assert not courier.of(PulseOpened)  # day 100 is not there yet
    sweep_for(scheduler, clock, DAY)
    [opened] = courier.of(PulseOpened)
    assert opened.content.seq == 1 and opened.content.asked == 6 and opened.recipient_id is None
    assert sorted(m.recipient_id or "" for m in courier.of(PulseAsk)) == EVERYONE
    following = settings(scheduler.db).next_at
    assert following is not None and following.astimezone(UTC).date() == date(2027, 6, 4)
    # five working days later it closes, and the channel gets the results
    sweep_for(scheduler, clock, timedelta(days=7))
    [results] = courier.of(PulseResults)
    assert results.recipient_id is None and results.content.summary.seq == 1


def test_asks_arrive_in_each_persons_working_hours_with_one_reminder_to_those_who_have_not_answered(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    round_id = asked_now(service, scheduler, clock)
    answer(service, round_id, "UBOB", [4] * 8)
    sweep_for(scheduler, clock, timedelta(days=5))
    reminders = [m for m in courier.of(PulseAsk) if m.content.reminder]
    assert sorted(m.recipient_id or "" for m in reminders) == [u for u in EVERYONE if u != "UBOB"]
    assert len(courier.of(PulseAsk)) == 6 + 5  # one ask each, one reminder each but Bob's
    zones = {p.user_id: p.tz for p in PEOPLE}
    with scheduler.db.session() as session:
        sent = session.exec(select(Delivery).where(col(Delivery.kind).in_(("pulse_ask", "pulse_remind")))).all()
        sent_at = {(d.kind, d.recipient_id): d.sent_at for d in sent if d.status == "sent"}
    assert len(sent_at) == 11
    for (_, user_id), at in sent_at.items():
        assert at is not None and working_time_of(zones[user_id], None).is_working_time(at), (user_id, at)


def test_pulse_now_every_and_off_are_for_leads_and_sponsors(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock
) -> None:
    with_roles(service)
    with pytest.raises(PulseError) as refused:
        run(service, "pulse now", BOB)
    assert refused.value.reason == "not_steering"
    assert "lead or sponsor" in answers_texts.error(refused.value)
    every = run(service, "pulse every 2 months", PIA)
    assert isinstance(every, PulseSetting) and every.every_months == 2 and not every.off
    off = run(service, "pulse off", ERIN)
    assert isinstance(off, PulseSetting) and off.off and off.next_at is None
    sweep_for(scheduler, clock, timedelta(days=200), step=timedelta(days=20))
    with scheduler.db.session() as session:
        assert session.exec(select(PulseRound)).all() == []  # off: no pulse ever opens
    on = run(service, "pulse every 3 months", PAUL)
    assert isinstance(on, PulseSetting) and on.next_at is not None and on.next_at >= clock.now()
    called = run(service, "pulse now", PAUL)
    assert isinstance(called, PulseSetting) and called.called
    with pytest.raises(PulseError) as twice:
        run(service, "pulse now", ALICE)
    assert twice.value.reason == "open" and twice.value.seq == 1


def test_a_dispute_offers_the_leads_a_pulse_and_not_while_one_is_open(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    run(service, "dispute pricing of the joint SKU", PAUL)
    sweep_for(scheduler, clock, DAY)
    offers = courier.of(PulseOffer)
    assert sorted(m.recipient_id or "" for m in offers) == ["UALICE", "UPAUL"]
    assert "a dispute was opened" in answers_texts.dispatch(offers[0].content)
    run(service, "pulse now", ALICE)
    run(service, "dispute the launch date", PAUL)
    sweep_for(scheduler, clock, DAY)
    assert len(courier.of(PulseOffer)) == 2  # a pulse is open: no second offer


def test_grammar_of_the_pulse(service: AllianceService) -> None:
    with_roles(service)
    assert isinstance(run(service, "pulse", BOB), PulseShown)
    shown = run(service, "pulse questions", BOB)
    assert isinstance(shown, PulseQuestionsView) and shown.statements == questions.DEFAULTS
    set_ = run(service, "pulse questions set 3 Decisions reach both companies in a week.")
    assert isinstance(set_, PulseQuestionsView) and set_.changed and set_.edited == (3,)
    assert set_.statements[2] == "Decisions reach both companies in a week."
    reset = run(service, "pulse questions reset", PAUL)
    assert isinstance(reset, PulseQuestionsView) and reset.statements == questions.DEFAULTS
    for bad in ("pulse every 20 months", "pulse questions set 9 x", "pulse questions set 2", "pulse sometimes"):
        with pytest.raises(GrammarError):
            run(service, bad)
    with pytest.raises(PulseError):
        run(service, "pulse questions set 1 Our shared goals still matter.", GUS)


# ---- answering, anonymously ---------------------------------------------------------------------------------


def test_no_table_links_a_rating_or_a_remark_to_a_person(db: Database) -> None:
    """The schema itself: counts and remarks have no column for a person or a time, and the table of who answered
    has no column for what they answered. No key is shared between them but the round."""
    tables = {t: {c["name"] for c in inspect(db.engine).get_columns(t)} for t in inspect(db.engine).get_table_names()}
    assert tables["pulse_tally"] == {"id", "round_id", "team_id", "question", "rating", "count"}
    assert tables["pulse_remark"] == {"key", "round_id", "team_id", "text"}
    assert tables["pulse_answered"] == {"round_id", "user_id", "team_id"}
    for name in ("pulse_tally", "pulse_remark"):
        assert not {"user_id", "person_id", "at", "created_at", "answered_at"} & tables[name]
    assert not {"rating", "question", "text", "count", "at"} & tables["pulse_answered"]


def test_answers_are_counted_once_and_nothing_says_whose_they_were(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock
) -> None:
    with_roles(service)
    round_id = asked_now(service, scheduler, clock)
    answer(service, round_id, "UBOB", [5, 4, 3, 2, 1, 5, 4, 3], remark=ACME_WORDS)
    with pytest.raises(PulseError) as again:
        answer(service, round_id, "UBOB", [1] * 8)
    assert again.value.reason == "answered"
    with pytest.raises(PulseError) as stranger:
        service.answer_pulse(round_id=round_id, user_id="USTRANGER", ratings={1: 5}, remark="")
    assert stranger.value.reason == "not_party"
    with scheduler.db.session() as session:
        from storage.models import PulseAnswered, PulseRemark, PulseTally

        tallies = session.exec(select(PulseTally)).all()
        assert {(t.team_id, t.question, t.rating, t.count) for t in tallies} == {
            (ACME, q, r, 1) for q, r in enumerate([5, 4, 3, 2, 1, 5, 4, 3], start=1)
        }
        [remark] = session.exec(select(PulseRemark)).all()
        assert remark.text == ACME_WORDS and len(remark.key) == 32
        [who] = session.exec(select(PulseAnswered)).all()
        assert (who.user_id, who.team_id) == ("UBOB", ACME)


def test_a_closed_pulse_takes_no_answer(service: AllianceService, scheduler: Scheduler, clock: ManualClock) -> None:
    with_roles(service)
    round_id = asked_now(service, scheduler, clock)
    sweep_for(scheduler, clock, timedelta(days=8), step=timedelta(hours=6))
    with pytest.raises(PulseError) as late:
        answer(service, round_id, "UGUS", [3] * 8)
    assert late.value.reason == "closed"


def test_a_party_with_fewer_than_three_answers_is_only_in_the_combined_figures(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    round_id = asked_now(service, scheduler, clock)
    for user in ("UALICE", "UBOB", "UERIN"):
        answer(service, round_id, user, [5] * 8)
    for user in ("UPAUL", "UPIA"):
        answer(service, round_id, user, [1] * 8)
    sweep_for(scheduler, clock, timedelta(days=8), step=timedelta(hours=6))
    [results] = courier.of(PulseResults)
    summary = results.content.summary
    assert summary.answers == (3, 2) and not summary.split
    assert all(f.by_party == () and f.group is Group.REST for f in summary.figures)
    assert summary.figures[0].combined == 3.4  # (3×5 + 2×1) / 5
    text = answers_texts.dispatch(results.content)
    assert "only in the combined figures" in text and "5.0" not in text and "1.0" not in text


def test_results_group_the_statements_and_open_answers_reach_only_their_own_lead(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    round_id = asked_now(service, scheduler, clock)
    acme = [5, 2, 4, 3, 4, 3, 4, 5]
    globex = [4, 3, 2, 5, 4, 3, 3, 4]
    for user in ("UALICE", "UBOB", "UERIN"):
        answer(service, round_id, user, acme, remark=ACME_WORDS if user == "UBOB" else "")
    for user in ("UPAUL", "UPIA", "UGUS"):
        answer(service, round_id, user, globex, remark=GLOBEX_WORDS if user == "UGUS" else "")
    sweep_for(scheduler, clock, timedelta(days=8), step=timedelta(hours=6))
    [results] = courier.of(PulseResults)
    summary = results.content.summary
    assert summary.split and summary.answers == (3, 3)
    groups = {f.number: f.group for f in summary.figures}
    assert groups == {
        1: Group.STRENGTH,  # 5 and 4
        2: Group.WEAKNESS,  # 2 and 3: exactly 3.0 is low
        3: Group.BLIND_SPOT,  # 4 and 2
        4: Group.BLIND_SPOT,  # 3 and 5
        5: Group.STRENGTH,  # exactly 4.0 is high
        6: Group.WEAKNESS,
        7: Group.BLIND_SPOT,  # 4.0 and 3.0, both on the edge
        8: Group.STRENGTH,
    }
    assert summary.figures[2].gap == 2.0
    shared = answers_texts.dispatch(results.content)
    assert ACME_WORDS not in shared and GLOBEX_WORDS not in shared
    remarks = courier.of(PulseRemarks)
    assert {(m.recipient_id, m.content.remarks) for m in remarks} == {
        ("UALICE", (ACME_WORDS,)),
        ("UPAUL", (GLOBEX_WORDS,)),
    }
    acme_remarks = next(m.content for m in remarks if m.recipient_id == "UALICE")
    assert redact(acme_remarks, private_to(GLOBEX)) is None
    assert redact(acme_remarks, SHARED) is None
    assert redact(acme_remarks, private_to(ACME)) == acme_remarks


@pytest.mark.parametrize(
    ("ours", "theirs", "group"),
    [
        (4.0, 4.0, Group.STRENGTH),
        (3.0, 3.0, Group.WEAKNESS),
        (4.0, 3.0, Group.BLIND_SPOT),
        (3.0, 4.0, Group.BLIND_SPOT),
        (3.01, 4.0, Group.REST),
        (3.99, 4.5, Group.REST),
        (3.999, 4.5, Group.STRENGTH),  # shown as 4.00, classified as shown
        (None, 5.0, Group.REST),
        (1.0, None, Group.REST),
        (None, None, Group.REST),
        (3.5, 3.5, Group.REST),
    ],
)
def test_four_way_classification_on_its_edges(ours: float | None, theirs: float | None, group: Group) -> None:
    assert classify(ours, theirs) is group


# ---- over time ----------------------------------------------------------------------------------------------


def test_trend_headline_scorecard_and_digest(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    for acme, globex in ((5, 2), (5, 4)):
        round_id = asked_now(service, scheduler, clock)
        for user in ("UALICE", "UBOB", "UERIN"):
            answer(service, round_id, user, [acme] + [4] * 7)
        for user in ("UPAUL", "UPIA", "UGUS"):
            answer(service, round_id, user, [globex] + [4] * 7)
        sweep_for(scheduler, clock, timedelta(days=8), step=timedelta(hours=6))
    shown = run(service, "pulse", BOB)
    assert isinstance(shown, PulseShown) and shown.last is not None and shown.last.seq == 2
    assert shown.trends[0].combined == (3.5, 4.5) and shown.trends[1].combined == (4.0, 4.0)
    assert "3.5 → 4.5" in answers_texts.outcome(shown)
    card = run(service, "scorecard", PAUL)
    assert isinstance(card, ScorecardView)
    assert card.pulse == Headline(2, questions.DEFAULTS[0], gap=1.0, higher="Acme", previous_gap=3.0)
    line = "widest gap on “The goals we share with our partner still matter to us.”: 1.0 points, Acme rates it " + (
        "higher (narrowed from 3.0)"
    )
    assert line in answers_texts.outcome(card)
    # the sponsor digest of the month carries the same line
    sweep_for(scheduler, clock, timedelta(days=32), step=timedelta(hours=12))
    digests = courier.of(SponsorDigest)
    assert digests and line in answers_texts.dispatch(digests[-1].content)


def test_headline_without_per_party_figures_names_the_lowest_statement() -> None:
    from bot.core.pulse.results import Figures, PulseSummary
    from bot.core.views import PartyView

    sides = (PartyView(ACME, "Acme"), PartyView(GLOBEX, "Globex"))
    before = PulseSummary(1, NOW, sides, (2, 2), False, (Figures(1, "a", 3.0), Figures(2, "b", 2.5)))
    after = PulseSummary(2, NOW, sides, (2, 2), False, (Figures(1, "a", 3.5), Figures(2, "b", 3.0)))
    found = headline([before, after])
    assert found == Headline(2, "b", combined=3.0, previous_combined=2.5)
    assert pulse_texts.headline(found) == "Pulse 2: lowest rated “b”: 3.0 (up from 2.5)."


def test_rhythm_arithmetic() -> None:
    assert rhythm.add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)
    assert rhythm.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert json.loads(questions.edit("{}", 2, "x")) == {"2": "x"}
    assert questions.edit('{"2": "x"}', 2, None) == "{}"


def test_export_carries_pulse_averages_never_a_single_answer(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock
) -> None:
    with_roles(service)
    round_id = asked_now(service, scheduler, clock)
    for user, rating in (("UALICE", 5), ("UBOB", 4), ("UERIN", 4), ("UPAUL", 2), ("UPIA", 3)):
        answer(service, round_id, user, [rating] * 8, remark=f"{user} secret words")
    sweep_for(scheduler, clock, timedelta(days=8), step=timedelta(hours=6))
    export = run(service, "export", PAUL)
    assert isinstance(export, ExportReady)
    rows = [r for r in csv.DictReader(io.StringIO(export.csv)) if r["section"] == "pulse"]
    # Globex had two answers: only the combined figure, for each of the eight statements
    assert [(r["item"], r["party"], r["value"], r["detail"]) for r in rows[:2]] == [
        ("pulse 1 #1", "both", "3.6", "5 answers"),
        ("pulse 1 #2", "both", "3.6", "5 answers"),
    ]
    assert len(rows) == 8
    assert "secret words" not in export.csv and "UALICE" not in export.csv and "alice" not in export.csv.lower()


def test_the_imbalance_warning_offers_the_leads_a_pulse(
    service: AllianceService, scheduler: Scheduler, clock: ManualClock, courier: Courier
) -> None:
    with_roles(service)
    run(service, "metric add NPS for Acme target 100 baseline 0")
    run(service, "metric add leads for Globex target 100 baseline 0", PAUL)
    run(service, "metric record NPS 90")
    run(service, "metric record leads 5", PAUL)
    sweep_for(scheduler, clock, DAY)
    offers = courier.of(PulseOffer)
    assert sorted(m.recipient_id or "" for m in offers) == ["UALICE", "UPAUL"]
    assert {m.content.reason for m in offers} == {"imbalance"}
    assert "imbalance warning fired" in answers_texts.dispatch(offers[0].content)
