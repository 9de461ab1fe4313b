"""The scorecard's command language, its amounts and kinds, and its renderers (text, Block Kit, chart)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.errors import GrammarError
from bot.core.grammar import parse
from bot.core.scorecard.commands import (
    AddMetric,
    Amount,
    Contribute,
    Export,
    Frequency,
    Kind,
    ListContributions,
    ListMetrics,
    RecordReading,
    SetBalance,
    SetDigest,
    ShowScorecard,
)
from bot.core.scorecard.grammar import amount, kind_of
from bot.core.scorecard.results import (
    Balance,
    MetricView,
    Punctuality,
    Reading,
    Responses,
    ReviewPrompt,
    ScorecardView,
    Side,
    SideCard,
)
from bot.core.visibility import SHARED, private_to
from bot.slack import chart
from bot.slack.blocks import scorecard as scorecard_blocks
from bot.texts import scorecard as scorecard_texts

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2M", Amount(2_000_000)),
        ("0.4M", Amount(400_000)),
        ("150k", Amount(150_000)),
        ("1.5B", Amount(1_500_000_000)),
        ("$2M", Amount(2_000_000, "$")),
        ("€300K", Amount(300_000, "€")),
        ("50KEUR", Amount(50_000, "€")),
        ("25%", Amount(25, "%")),
        ("1,200", Amount(1200)),
        ("1,5", Amount(1.5)),
        ("12", Amount(12)),
        ("lots", None),
        ("2X", None),
        ("", None),
    ],
)
def test_amounts_as_people_write_them(text: str, expected: Amount | None) -> None:
    assert amount(text) == expected


@pytest.mark.parametrize(
    ("what", "unit", "kind"),
    [
        ("engineers", "", Kind.PEOPLE),
        ("FTE", "", Kind.PEOPLE),
        ("solution architects", "", Kind.PEOPLE),
        ("marketing budget", "", Kind.MONEY),
        ("EUR for events", "", Kind.MONEY),
        ("anything", "$", Kind.MONEY),
        ("hours of support", "", Kind.TIME),
        ("days of consulting", "", Kind.TIME),
        ("office space", "", Kind.OTHER),
    ],
)
def test_contribution_kinds_are_read_from_the_words(what: str, unit: str, kind: Kind) -> None:
    assert kind_of(what, unit) == kind


def test_scorecard_commands_parse() -> None:
    assert parse('metric add "pipeline influenced" for Globex target 2M by end of Q2') == AddMetric(
        name="pipeline influenced", party="Globex", target=Amount(2_000_000), due_phrase="end of Q2"
    )
    assert parse("metric add NPS for Acme Corp target 40% baseline 20% --internal") == AddMetric(
        name="NPS", party="Acme Corp", target=Amount(40, "%"), baseline=Amount(20, "%"), internal=True
    )
    assert parse('metric record "pipeline influenced" 1.2M') == RecordReading("pipeline influenced", Amount(1_200_000))
    assert parse("metric record revenue for Acme 0.2M") == RecordReading("revenue", Amount(200_000), "Acme")
    assert parse("metrics") == parse("metric") == parse("kpis") == ListMetrics()
    assert parse("contribute Globex 2 engineers for Q1") == Contribute(
        party="Globex", what="engineers", amount=Amount(2), kind=Kind.PEOPLE, period="Q1"
    )
    assert parse("contribute Acme 50K EUR for Q2 --internal") == Contribute(
        party="Acme", what="funding", amount=Amount(50_000, "€"), kind=Kind.MONEY, period="Q2", internal=True
    )
    assert parse("contribute Acme $10K for the integration work") == Contribute(
        party="Acme", what="for the integration work", amount=Amount(10_000, "$"), kind=Kind.MONEY
    )
    assert parse("contribute Acme 1 FTE —internal") == Contribute(
        party="Acme", what="FTE", amount=Amount(1), kind=Kind.PEOPLE, internal=True
    )
    assert parse("contributions") == ListContributions()
    assert parse("scorecard") == ShowScorecard()
    assert parse("balance") == SetBalance()
    assert parse("balance 30%") == parse("balance 30") == SetBalance(30)
    assert parse("digest weekly") == SetDigest(Frequency.WEEKLY)
    assert parse("digest none") == SetDigest(Frequency.OFF)
    assert parse("export") == parse("csv") == Export()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("metric add pipeline", "Name the metric and the party it is for."),
        ('metric add "pipeline" for Globex', "Say whose metric it is and its target"),
        ('metric add "pipeline" for Globex target big', "I can't read “big” as a target"),
        ('metric add "x" for Globex target 5% baseline 2M', "The baseline and the target need the same unit."),
        ("metric record pipeline", "Give the new value"),
        ("metric delete pipeline", "I can add or record a metric, not “delete”."),
        ("contribute Globex", "Say which party brings what."),
        ("balance 0%", "Give the threshold as a percentage from 1 to 100"),
        ("balance lots", "Give the threshold as a percentage from 1 to 100"),
        ("digest daily", "The digest can be weekly, monthly or off"),
    ],
)
def test_bad_scorecard_commands_say_why(text: str, problem: str) -> None:
    with pytest.raises(GrammarError) as error:
        parse(text)
    assert error.value.problem.startswith(problem)


def metric(team: str, name: str, *, internal: bool = False, readings: tuple[float, ...] = ()) -> MetricView:
    return MetricView(
        name=name,
        party=Side(team, team.title()),
        unit="",
        baseline=0,
        target=100,
        due_at=NOW,
        internal=internal,
        readings=[Reading(value=v, at=NOW, by="U") for v in readings],
    )


def card() -> ScorecardView:
    acme = SideCard(
        party=Side("acme", "Acme"),
        metrics=[metric("acme", "revenue", readings=(30,)), metric("acme", "secret", internal=True, readings=(90,))],
        contributions=[],
        delivery=Punctuality(done_on_time=3, done_late=1, slips=2),
        delivery_shared=Punctuality(done_on_time=1),
        responses=Responses(asked=5, answered=3),  # one more question, about an internal item: Acme's alone
        responses_shared=Responses(asked=4, answered=3),
    )
    globex = SideCard(
        party=Side("globex", "Globex"),
        metrics=[metric("globex", "pipeline", readings=(10, 80))],
        contributions=[],
        delivery=Punctuality(),
        responses=Responses(),
    )
    return ScorecardView(
        alliance="Acme & Globex",
        sides=[acme, globex],
        balance=Balance(threshold=25, progress={"acme": 0.3, "globex": 0.8}, ahead="globex"),
        at=NOW,
    )


def test_seen_by_keeps_internal_items_and_their_figures_to_their_party() -> None:
    shared = card().seen_by(SHARED)
    assert [m.name for m in shared.sides[0].metrics] == ["revenue"]
    assert shared.sides[0].delivery == Punctuality(done_on_time=1)
    own = card().seen_by(private_to("acme"))
    assert [m.name for m in own.sides[0].metrics] == ["revenue", "secret"]
    assert own.sides[0].delivery.done_late == 1
    assert (shared.sides[0].responses, own.sides[0].responses) == (Responses(4, 3), Responses(5, 3))
    assert [m.name for m in card().seen_by(private_to("globex")).sides[0].metrics] == ["revenue"]


def test_scorecard_blocks_put_both_parties_side_by_side_within_slacks_limits() -> None:
    blocks = scorecard_blocks.scorecard(card().seen_by(SHARED))
    assert len(blocks) <= 50
    fields = [b["fields"] for b in blocks if "fields" in b]
    assert [[f["text"].split("\n")[0] for f in row] for row in fields] == [["*Acme*", "*Globex*"]] * 5
    assert all(len(f["text"]) <= 2000 for row in fields for f in row)
    assert "secret" not in str(blocks)
    assert "3/4 check-in questions answered (75%)" in fields[3][0]["text"]
    assert blocks[-1]["text"]["text"] == (
        "⚠️ Unbalanced: Acme 30% vs Globex 80%. Only *Globex* is moving toward its targets "
        "(gap of 50 points, threshold 25)."
    )


def test_review_prompt_has_three_buttons_naming_the_review() -> None:
    prompt = ReviewPrompt(
        channel_id="C1", review_key="timeframe:2027-06-30", about="", card=card().seen_by(SHARED), recipient_id="U"
    )
    actions = scorecard_blocks.review_prompt(prompt)[-1]
    assert [e["text"]["text"] for e in actions["elements"]] == ["Continue", "Adjust", "Wind down"]
    assert actions["elements"][0]["value"] == '{"ch": "C1", "k": "timeframe:2027-06-30", "a": ""}'
    assert scorecard_texts.review_prompt(prompt).startswith("🧭 Time for a review: the agreed timeframe has ended.")


def test_the_chart_is_a_png_with_or_without_metrics() -> None:
    full = chart.scorecard_png(card().seen_by(SHARED))
    empty = chart.scorecard_png(
        ScorecardView(alliance="A", sides=[], balance=Balance(threshold=25, progress={}), at=NOW)
    )
    for png in (full, empty):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(png) > 1000


def test_numbers_read_like_people_write_them() -> None:
    assert [scorecard_texts.number(v) for v in (2_000_000, 1500, 400_000, 12, 0.25, 1_250_000_000)] == [
        "2M",
        "1.5K",
        "400K",
        "12",
        "0.25",
        "1.25B",
    ]
    assert scorecard_texts.amount(25, "%") == "25%" and scorecard_texts.amount(50_000, "€") == "€50K"
