"""The scorecard in the core: metrics and readings, contributions, the two-sided view, the imbalance rule, the
sponsor digest and review prompts (planned by the sweep), and the CSV export. On SQLite, and on PostgreSQL
when TEST_DATABASE_URL is set; a ManualClock drives time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.console.world import ACME, GLOBEX
from bot.core.alliance import Caller
from bot.core.clock import ManualClock
from bot.core.errors import (
    GrammarError,
    InternalToOwnParty,
    MetricExists,
    NoSuchMetric,
    NotALead,
    NotAllowed,
    UnitMismatch,
    UnknownParty,
)
from bot.core.schedule import Scheduler
from bot.core.scorecard import digest
from bot.core.scorecard.card import CharterTerms, balance_of, charter_terms, decisions, open_disputes
from bot.core.scorecard.commands import Frequency, Kind, Verdict
from bot.core.scorecard.results import (
    BalanceSetting,
    ContributionAdded,
    ContributionList,
    DigestSetting,
    ExportReady,
    Goal,
    ImbalanceWarning,
    MetricAdded,
    MetricList,
    MetricView,
    Punctuality,
    Reading,
    ReadingRecorded,
    Responses,
    ReviewPrompt,
    ScorecardView,
    Side,
    SideCard,
    SponsorDigest,
)
from bot.core.service import AllianceService
from bot.core.visibility import SHARED, private_to
from bot.texts import answers as answers_texts
from bot.texts import scorecard as scorecard_texts
from storage.db import Database
from tests.core.roles import ALICE, NOW, PAUL, Courier, run, with_roles

DAY = timedelta(days=1)
NEW_YORK = ZoneInfo("America/New_York")
SECRET = "acme secret margin"


# ---- metrics and readings --------------------------------------------------------------------------------


def test_a_metric_is_added_for_a_party_named_loosely_with_baseline_and_date(service: AllianceService) -> None:
    run(service, "help", PAUL)  # Globex is a party once one of its people has spoken
    added = run(service, 'metric add "pipeline influenced" for globx target 2M baseline 0.4M by end of Q2')
    assert isinstance(added, MetricAdded)
    m = added.metric
    assert (m.name, m.party.name, m.target, m.baseline, m.unit, m.internal) == (
        "pipeline influenced",
        "Globex",
        2_000_000,
        400_000,
        "",
        False,
    )
    assert m.due_at == datetime(2026, 6, 30, 18, 0, tzinfo=NEW_YORK) + timedelta(days=365)  # Alice is in New York
    assert "target 2M from a baseline of 400K" in answers_texts.outcome(added)


def test_metric_refusals_change_nothing(service: AllianceService) -> None:
    run(service, "help", PAUL)
    run(service, "metric add NPS for Acme target 40%")
    with pytest.raises(UnknownParty) as unknown:
        run(service, "metric add NPS for Initech target 40%")
    assert unknown.value.known == ["Acme", "Globex"]
    with pytest.raises(MetricExists):
        run(service, "metric add nps for acme target 50%")
    with pytest.raises(InternalToOwnParty):
        run(service, "metric add margin for Globex target 5% --internal")  # Alice is of Acme
    with pytest.raises(UnitMismatch):
        run(service, "metric record NPS $30")
    with pytest.raises(GrammarError):
        run(service, "metric add NPS for Acme target lots")
    listed = run(service, "metrics")
    assert isinstance(listed, MetricList)
    assert [(m.name, m.readings) for m in listed.metrics] == [("NPS", [])]


def test_readings_accumulate_with_who_and_when_and_progress(service: AllianceService, clock: ManualClock) -> None:
    run(service, "help", PAUL)
    run(service, 'metric add "pipeline influenced" for Globex target 2M baseline 0.4M')
    first = run(service, 'metric record "pipeline influenced" 0.8M', PAUL)
    clock.advance(DAY)
    second = run(service, "metric record pipeline influenced 1.2M", ALICE)
    assert isinstance(first, ReadingRecorded) and isinstance(second, ReadingRecorded)
    assert first.previous is None and second.previous == 800_000
    assert [(r.value, r.by, r.at) for r in second.metric.readings] == [
        (800_000, "UPAUL", NOW),
        (1_200_000, "UALICE", NOW + DAY),
    ]
    assert second.metric.progress == pytest.approx(0.5)
    assert "50% of the way from 400K to 2M" in answers_texts.outcome(second)


def test_same_name_in_both_parties_needs_a_party_unless_it_is_yours(service: AllianceService) -> None:
    run(service, "help", PAUL)
    run(service, "metric add revenue for Acme target 1M")
    run(service, "metric add revenue for Globex target 3M")
    mine = run(service, "metric record revenue 0.5M", PAUL)
    assert isinstance(mine, ReadingRecorded) and mine.metric.party.name == "Globex"
    theirs = run(service, "metric record revenue for Acme 0.2M", PAUL)
    assert isinstance(theirs, ReadingRecorded) and theirs.metric.party.name == "Acme"
    bobs = run(service, "metric record revenue 0.3M", Caller("C1", "UBOB"))
    assert isinstance(bobs, ReadingRecorded) and bobs.metric.party.name == "Acme"  # Bob's own party's
    with pytest.raises(NotAllowed) as refused:  # of neither party: may read, changes nothing
        run(service, "metric record revenue 0.3M", Caller("C1", "USTRANGER"))
    assert refused.value.reason == "third_team"


def test_an_internal_metric_is_invisible_to_the_other_party(service: AllianceService) -> None:
    run(service, "help", PAUL)
    run(service, f"metric add {SECRET} for Acme target 30% --internal")
    run(service, f"metric record {SECRET} 12%")
    run(service, "metric add NPS for Acme target 40%")
    with pytest.raises(NoSuchMetric):
        run(service, f"metric record {SECRET} 50%", PAUL)
    listed = run(service, "metrics", PAUL)
    assert isinstance(listed, MetricList)
    assert SECRET not in answers_texts.outcome(listed)  # Paul's private answer: Globex's view
    assert SECRET in answers_texts.outcome(run(service, "metrics", ALICE))  # type: ignore[arg-type]
    assert [m.name for m in listed.seen_by(SHARED).metrics] == ["NPS"]
    assert [m.name for m in listed.seen_by(private_to(ACME)).metrics] == [SECRET, "NPS"]
    card = run(service, "scorecard", PAUL)
    assert isinstance(card, ScorecardView)
    assert SECRET not in answers_texts.outcome(card)
    assert SECRET not in scorecard_texts.scorecard(card.seen_by(SHARED))
    assert SECRET in scorecard_texts.scorecard(card.seen_by(private_to(ACME)))


# ---- contributions ---------------------------------------------------------------------------------------


def test_contributions_are_kept_per_party_with_their_kind(service: AllianceService) -> None:
    run(service, "help", PAUL)
    people = run(service, "contribute Globex 2 engineers for Q1", PAUL)
    money = run(service, "contribute Acme $50K marketing budget")
    time = run(service, "contribute acme 200 hours of solution engineering in Q2")
    other = run(service, "contribute Globex office space in Berlin")
    kinds = [o.contribution.kind for o in (people, money, time, other)]  # type: ignore[attr-defined]
    assert kinds == [Kind.PEOPLE, Kind.MONEY, Kind.TIME, Kind.OTHER]
    assert isinstance(people, ContributionAdded)
    assert (people.contribution.what, people.contribution.period) == ("engineers", "Q1")
    listed = run(service, "contributions")
    assert isinstance(listed, ContributionList)
    said = answers_texts.outcome(listed)
    assert said.index("*Acme*") < said.index("$50K marketing budget") < said.index("*Globex*")
    assert "2 engineers for Q1 (people)" in said


def test_an_internal_contribution_stays_with_its_party(service: AllianceService) -> None:
    run(service, "help", PAUL)
    run(service, "contribute Acme $1M acme secret fund --internal")
    with pytest.raises(InternalToOwnParty):
        run(service, "contribute Acme 1 spy --internal", PAUL)
    listed = run(service, "contributions", PAUL)
    assert isinstance(listed, ContributionList)
    assert "secret fund" not in answers_texts.outcome(listed)
    assert "secret fund" in answers_texts.outcome(run(service, "contributions", ALICE))  # type: ignore[arg-type]


# ---- the scorecard ---------------------------------------------------------------------------------------


def test_scorecard_counts_on_time_delivery_slips_and_check_in_answers(
    service: AllianceService, clock: ManualClock, scheduler: Scheduler
) -> None:
    run(service, "commit <@UPAUL> spec by Nov 30", ALICE)  # 1: done on time
    run(service, "commit <@UPAUL> pricing by Nov 27", ALICE)  # 2: slips once, then done late
    run(service, "commit <@UALICE> intro deck by Dec 15", ALICE)  # 3: open
    run(service, "done #1", PAUL)
    run(service, "due #2 Dec 2", PAUL)
    clock.advance(timedelta(days=1, hours=6))  # the first check-in: Wednesday morning in New York
    scheduler.sweep(clock.now())
    clock.advance(timedelta(hours=1))
    scheduler.sweep(clock.now())
    run(service, "status #3 on track", ALICE)  # Alice answers; Paul does not
    clock.advance(DAY)
    scheduler.sweep(clock.now())  # the check-in closes: Paul never answered it
    clock.advance(7 * DAY)
    run(service, "done #2", PAUL)
    card = run(service, "scorecard", ALICE)
    assert isinstance(card, ScorecardView)
    acme, globex = card.sides
    assert (acme.party.name, globex.party.name) == ("Acme", "Globex")
    assert globex.delivery == Punctuality(done_on_time=1, done_late=1, slips=1, open_overdue=0)
    assert globex.delivery.on_time_rate == 0.5
    assert acme.delivery == Punctuality()
    assert (acme.responses.asked, acme.responses.answered) == (1, 1)
    assert (globex.responses.asked, globex.responses.answered) == (1, 0)
    said = answers_texts.outcome(card)
    assert "1/2 on time (50%) · 1 slip · 0 overdue" in said
    assert "0/1 check-in questions answered (0%)" in said
    assert "none in the charter yet" in said


def metric(team: str, progress: float, *, internal: bool = False) -> MetricView:
    return MetricView(
        name=f"m{team}{progress}",
        party=Side(team, team),
        unit="",
        baseline=0.0,
        target=100.0,
        due_at=None,
        internal=internal,
        readings=[Reading(value=progress, at=NOW, by="U")],
    )


def side(team: str, *metrics: MetricView) -> SideCard:
    return SideCard(
        party=Side(team, team),
        metrics=list(metrics),
        contributions=[],
        delivery=Punctuality(),
        responses=Responses(),
    )


@pytest.mark.parametrize(
    ("acme", "globex", "threshold", "ahead"),
    [
        (50.0, 25.0, 25, ACME),  # exactly at the threshold: warned
        (50.0, 25.1, 25, None),  # just under it: balanced
        (50.0, 24.9, 25, ACME),
        (10.0, 35.0, 25, GLOBEX),  # either side can be the one gaining
        (50.0, 25.0, 26, None),
        (100.0, 0.0, 100, ACME),
        (150.0, 75.0, 25, ACME),  # past the target counts as the whole way: 100 vs 75
        (150.0, 76.0, 25, None),
    ],
)
def test_imbalance_rule_at_the_threshold(acme: float, globex: float, threshold: int, ahead: str | None) -> None:
    balance = balance_of([side(ACME, metric(ACME, acme)), side(GLOBEX, metric(GLOBEX, globex))], threshold)
    assert balance.ahead == ahead


def test_imbalance_rule_ignores_internal_metrics_and_needs_both_sides() -> None:
    hidden = side(ACME, metric(ACME, 90.0, internal=True), metric(ACME, 10.0))
    assert balance_of([hidden, side(GLOBEX, metric(GLOBEX, 10.0))], 25).ahead is None
    assert balance_of([side(ACME, metric(ACME, 90.0)), side(GLOBEX)], 25).ahead is None
    assert balance_of([side(ACME, metric(ACME, 90.0)), side(GLOBEX)], 25).gap is None


def test_both_leads_are_warned_once_per_imbalance_episode(
    service: AllianceService, clock: ManualClock, scheduler: Scheduler, courier: Courier
) -> None:
    with_roles(service)
    assert isinstance(run(service, "balance 30%", ALICE), BalanceSetting)
    run(service, "metric add revenue for Acme target 100")
    run(service, "metric add revenue for Globex target 100", PAUL)
    run(service, "metric record revenue for Acme 20")
    run(service, "metric record revenue for Globex 0", PAUL)
    clock.advance(timedelta(hours=5))  # 15:00 UTC: working hours in New York and Berlin
    scheduler.sweep(clock.now())
    assert courier.of(ImbalanceWarning) == []  # a gap of 20 points: under 30
    run(service, "metric record revenue for Acme 40")  # 40 vs 0
    scheduler.sweep(clock.now())
    warned = courier.of(ImbalanceWarning)
    assert sorted(m.recipient_id for m in warned) == ["UALICE", "UPAUL"]
    assert all(m.content.balance.ahead == ACME for m in warned)  # type: ignore[attr-defined]
    said = answers_texts.dispatch(warned[0].content)
    assert "*Acme*'s metrics are moving toward their targets and *Globex*'s are not" in said
    run(service, "metric record revenue for Acme 60")  # still unbalanced: the same episode
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        scheduler.sweep(clock.now())
    assert len(courier.of(ImbalanceWarning)) == 2
    run(service, "metric record revenue for Globex 50", PAUL)  # balanced again: 60 vs 50
    scheduler.sweep(clock.now())
    run(service, "metric record revenue for Globex 95", PAUL)  # a new episode, the other way round
    scheduler.sweep(clock.now())
    warned = courier.of(ImbalanceWarning)
    assert len(warned) == 4
    assert {m.content.balance.ahead for m in warned[2:]} == {GLOBEX}  # type: ignore[attr-defined]


# ---- the sponsor digest ----------------------------------------------------------------------------------


def test_digest_goes_to_sponsors_monthly_once_each_month(
    service: AllianceService, clock: ManualClock, scheduler: Scheduler, courier: Courier
) -> None:
    with_roles(service)
    setting = run(service, "digest")
    assert isinstance(setting, DigestSetting)
    # The first working morning of December in New York (the alliance's home: Alice, its host lead, is there).
    first = datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK)
    assert (setting.frequency, setting.next_at) == (Frequency.MONTHLY, first)
    run(service, f"metric add {SECRET} for Acme target 30% --internal")
    clock.advance(first - NOW - timedelta(minutes=1))
    scheduler.sweep(clock.now())
    assert courier.of(SponsorDigest) == []
    clock.advance(timedelta(minutes=1))
    scheduler.sweep(clock.now())
    clock.advance(timedelta(hours=1))
    scheduler.sweep(clock.now())
    digests = {m.recipient_id: m.content for m in courier.of(SponsorDigest)}
    assert sorted(digests) == ["UERIN", "UPIA"]
    erin, pia = digests["UERIN"], digests["UPIA"]
    assert isinstance(erin, SponsorDigest) and isinstance(pia, SponsorDigest)
    assert erin.period == "November 2026"
    assert SECRET in answers_texts.dispatch(erin)
    assert SECRET not in answers_texts.dispatch(pia)
    clock.advance(timedelta(days=20))
    scheduler.sweep(clock.now())
    assert len(courier.of(SponsorDigest)) == 2
    clock.advance(datetime(2027, 1, 4, 15, 0, tzinfo=UTC) - clock.now())  # the first working Monday of January
    scheduler.sweep(clock.now())
    assert len(courier.of(SponsorDigest)) == 4


def test_digest_weekly_and_off(
    service: AllianceService, clock: ManualClock, scheduler: Scheduler, courier: Courier
) -> None:
    with_roles(service)
    weekly = run(service, "digest weekly")
    assert isinstance(weekly, DigestSetting) and weekly.changed
    assert weekly.next_at == datetime(2026, 11, 30, 9, 0, tzinfo=NEW_YORK)  # next Monday morning
    clock.advance(timedelta(days=6, hours=5))  # Monday 30 Nov, 15:00 UTC
    scheduler.sweep(clock.now())
    assert len(courier.of(SponsorDigest)) == 2
    assert courier.of(SponsorDigest)[0].content.period == "the week of 23 Nov 2026"  # type: ignore[attr-defined]
    off = run(service, "digest off")
    assert isinstance(off, DigestSetting) and off.next_at is None
    clock.advance(timedelta(days=14))
    scheduler.sweep(clock.now())
    assert len(courier.of(SponsorDigest)) == 2


# ---- review prompts --------------------------------------------------------------------------------------


def test_review_prompts_at_the_end_of_the_timeframe_and_each_goal_date(
    service: AllianceService,
    clock: ManualClock,
    scheduler: Scheduler,
    courier: Courier,
    monkeypatch: pytest.MonkeyPatch,
    db: Database,
) -> None:
    with_roles(service)
    goal_date = NOW + 3 * DAY
    end = NOW + 10 * DAY
    terms = CharterTerms(
        timeframe_end=end, goals=[Goal(key="g1", title="Joint launch", target_date=goal_date, team_ids=[])]
    )
    monkeypatch.setattr(digest, "charter_terms", lambda session, alliance_id: terms)
    scheduler.sweep(clock.now())
    assert courier.of(ReviewPrompt) == []
    clock.advance(3 * DAY + timedelta(hours=5))
    scheduler.sweep(clock.now())
    prompts = courier.of(ReviewPrompt)
    assert sorted(m.recipient_id for m in prompts) == ["UALICE", "UPAUL"]
    assert {m.content.about for m in prompts} == {"Joint launch"}  # type: ignore[attr-defined]
    assert "Should the alliance *continue*, *adjust*, or *wind down*?" in answers_texts.dispatch(prompts[0].content)
    clock.advance(2 * timedelta(hours=1))
    scheduler.sweep(clock.now())
    assert len(courier.of(ReviewPrompt)) == 2  # each review is prompted once
    clock.advance(end + timedelta(hours=5) - clock.now())  # Friday afternoon in Berlin, morning in New York
    scheduler.sweep(clock.now())
    later = courier.of(ReviewPrompt)[2:]
    assert [m.content.about for m in later] == ["", ""]  # type: ignore[attr-defined]
    key = later[0].content.review_key  # type: ignore[attr-defined]
    answered = service.answer_review(
        channel_id="C1",
        review_key=key,
        about="",
        user_id="UPAUL",
        verdict=Verdict.WIND_DOWN,
    )
    assert scorecard_texts.review_answered(answered) == (
        "🧭 Review of the agreed timeframe: <@UPAUL> (Globex's lead) says *wind down*."
    )
    with pytest.raises(NotALead):
        service.answer_review(
            channel_id="C1",
            review_key=key,
            about="",
            user_id="UPIA",
            verdict=Verdict.CONTINUE,
        )


def test_without_a_charter_there_are_no_goals_disputes_or_decisions(service: AllianceService, db: Database) -> None:
    run(service, "help")
    with db.session() as session:
        assert charter_terms(session, 1) == CharterTerms()
        assert open_disputes(session, 1) == []
        assert decisions(session, 1) == []


# ---- export ----------------------------------------------------------------------------------------------


def rows_of(export: object) -> list[dict[str, str]]:
    assert isinstance(export, ExportReady)
    return list(csv.DictReader(io.StringIO(export.csv)))


def test_export_has_commitments_with_history_metrics_with_readings_and_respects_the_asker(
    service: AllianceService, clock: ManualClock
) -> None:
    run(service, "commit <@UPAUL> Draft joint API spec by next Friday")
    run(service, "due #1 Dec 4", PAUL)
    run(service, 'metric add "pipeline influenced" for Globex target 2M baseline 0.4M', PAUL)
    run(service, 'metric record "pipeline influenced" 1.2M', PAUL)
    run(service, f"metric add {SECRET} for Acme target 30% --internal")
    run(service, f"metric record {SECRET} 12%")
    run(service, "contribute Globex 2 engineers for Q1", PAUL)
    alices = rows_of(run(service, "export", ALICE))
    pauls = rows_of(run(service, "export", PAUL))
    sections = [r["section"] for r in alices]
    assert sections == [
        "commitment",
        "commitment_history",
        "commitment_history",
        "metric",
        "metric_reading",
        "metric",
        "metric_reading",
        "contribution",
    ]
    spec = alices[0]
    assert (spec["item"], spec["party"], spec["title"], spec["owner"], spec["status"]) == (
        "#1",
        "Globex",
        "Draft joint API spec",
        "paul",  # people by name, not by id
        "open",
    )
    assert [r["status"] for r in alices[1:3]] == ["created", "due_moved"]
    pipeline = alices[3]
    assert (pipeline["baseline"], pipeline["target"], pipeline["internal"]) == ("400000", "2000000", "no")
    assert (alices[4]["value"], alices[4]["by"]) == ("1200000", "paul")
    assert SECRET in {r["item"] for r in alices}
    assert SECRET not in {r["item"] for r in pauls}
    assert SECRET not in run(service, "export", PAUL).csv  # type: ignore[attr-defined]
    assert len(pauls) == len(alices) - 2
