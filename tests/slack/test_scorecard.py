"""The scorecard in Slack: signed slash commands and mentions in, Block Kit, the chart (a PNG uploaded with
files_upload_v2), the CSV export by DM, the sponsor digest and the review buttons out, recorded by the fake
Slack. An internal metric of Acme never reaches a Globex reader."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.schedule import Pacer, Scheduler
from bot.core.scorecard import digest
from bot.core.scorecard.card import CharterTerms
from bot.core.scorecard.results import Goal as GoalProgress
from bot.core.scorecard.results import ScorecardView
from bot.slack import chart
from bot.slack.app import web_client
from bot.slack.courier import SlackCourier
from storage.models import Metric, MetricReading, ReviewAnswer
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, CHANNEL, ERIN, PAUL, PIA, Call
from tests.slack.transcript import INTRO, everything_said, said, said_besides_intro, whispered

PNG = b"\x89PNG\r\n\x1a\n"
SECRET = "acme secret margin"


def run(bot: Bot, text: str, *, user: str = ALICE, mention: bool = False, thread_ts: str | None = None) -> str | None:
    """Send a slash command (or a mention) and wait until the bot has said everything; the mention's ts."""
    if mention:
        signed = payloads.app_mention(f"<@U0BOT0001> {text}", user=user, thread_ts=thread_ts)
        ts: str | None = signed.decoded()["event"]["ts"]
    else:
        signed = payloads.slash_command(text, user=user)
        ts = None
    assert bot.post(signed) == (200, "")
    bot.quiet(for_seconds=0.4)
    assert bot.listener_crashes() == []
    return ts


def setup_alliance(bot: Bot) -> None:
    run(bot, "lead <@U0ALICE01>")
    run(bot, "sponsor <@U0ERIN001>")
    run(bot, "lead <@U0PAUL001>", user=PAUL, mention=True)
    run(bot, "sponsor <@U0PIA0001>", user=PAUL, mention=True)
    run(bot, 'metric add "pipeline influenced" for Globex target 2M baseline 0.4M by end of Q2')
    run(bot, 'metric record "pipeline influenced" 1.2M', user=PAUL, mention=True)
    run(bot, "metric add NPS for Acme target 40% baseline 20%")
    run(bot, "metric record NPS 25%")
    run(bot, f"metric add {SECRET} for Acme target 30% --internal")
    run(bot, f"metric record {SECRET} 12%")
    run(bot, "contribute Globex 2 engineers for Q1", user=PAUL, mention=True)
    bot.fake.clear()


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> list[ScorecardView]:
    """Every card a chart was drawn from (the drawing itself runs as usual)."""
    drawn: list[ScorecardView] = []
    real = chart.scorecard_png

    def spy(card: ScorecardView) -> bytes:
        drawn.append(card)
        return real(card)

    monkeypatch.setattr(chart, "scorecard_png", spy)
    return drawn


def metric_names(card: ScorecardView) -> list[str]:
    return [m.name for s in card.sides for m in s.metrics]


def test_slash_scorecard_answers_privately_side_by_side_and_uploads_a_png_chart(
    bot: Bot, charts: list[ScorecardView]
) -> None:
    setup_alliance(bot)
    run(bot, "scorecard")
    [answer] = bot.fake.calls_to("chat.postEphemeral")
    assert (answer.args["channel"], answer.args["user"]) == (CHANNEL, ALICE)
    blocks: list[dict[str, Any]] = answer.args["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "📊 Scorecard: Acme & Globex"}}
    titles = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert titles[:5] == ["*Goals*", "*Metrics*", "*On-time delivery*", "*Check-in responses*", "*Contributions*"]
    side_by_side = [b["fields"] for b in blocks if "fields" in b]
    assert len(side_by_side) == 5
    metrics = side_by_side[1]
    assert [f["text"].split("\n")[0] for f in metrics] == ["*Acme*", "*Globex*"]
    assert "*NPS*: 20% → 25% → target 40% (25% of the way)" in metrics[0]["text"]
    assert SECRET in metrics[0]["text"]  # Alice is of Acme: her private answer shows Acme's internal metric
    assert "*pipeline influenced*: 400K → 1.2M → target 2M (50% of the way)" in metrics[1]["text"]
    assert "2 engineers" not in side_by_side[4][1]["text"] and "2 people" in side_by_side[4][1]["text"]

    # The chart: uploaded with files_upload_v2 into the channel, where both organisations read it.
    methods = [c.method for c in bot.fake.calls if c.method.startswith("files.") or c.method == "upload"]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    [shared] = bot.fake.shared_files()
    assert shared["content"].startswith(PNG)
    assert (shared["channel_id"], shared["thread_ts"], shared["filename"]) == (CHANNEL, None, "scorecard.png")
    assert shared["title"] == "Scorecard: Acme & Globex"
    [drawn] = charts
    assert sorted(metric_names(drawn)) == ["NPS", "pipeline influenced"]  # shared metrics only


def test_mentioned_scorecard_answers_in_the_thread_with_shared_items_only(
    bot: Bot, charts: list[ScorecardView]
) -> None:
    setup_alliance(bot)
    ts = run(bot, "scorecard", user=PAUL, mention=True)
    [answer] = said(bot.fake)
    assert (answer.channel, answer.thread_ts) == (CHANNEL, ts)
    [post] = bot.fake.calls_to("chat.postMessage")
    assert post.args["blocks"][0]["type"] == "header"
    [shared] = bot.fake.shared_files()
    assert shared["content"].startswith(PNG)
    assert (shared["channel_id"], shared["thread_ts"]) == (CHANNEL, ts)
    assert SECRET not in everything_said(bot.fake)
    assert SECRET not in json.dumps(shared, default=str)
    assert [sorted(metric_names(c)) for c in charts] == [["NPS", "pipeline influenced"]]


def test_metrics_list_shows_an_internal_metric_to_its_party_only(bot: Bot) -> None:
    setup_alliance(bot)
    run(bot, "metrics")
    [mine] = whispered(bot.fake)
    assert SECRET in mine.text
    bot.fake.clear()
    ts = run(bot, "metrics", user=PAUL, mention=True)
    [theirs] = said(bot.fake)
    assert theirs.thread_ts == ts
    assert "*pipeline influenced*" in theirs.text and "*NPS*" in theirs.text
    assert SECRET not in everything_said(bot.fake)
    bot.fake.clear()
    run(bot, "metrics", mention=True)  # Alice in the channel's thread: Globex reads there too
    assert SECRET not in everything_said(bot.fake)


def test_metric_commands_announce_shared_items_and_keep_internal_ones_private(bot: Bot) -> None:
    run(bot, "help", user=PAUL, mention=True)
    bot.fake.clear()
    run(bot, "metric add revenue for Globex target 3M", user=PAUL, mention=True)
    [added] = said_besides_intro(bot.fake)
    assert added.text.startswith("📈 Metric added for *Globex*: *revenue*, target 3M")
    bot.fake.clear()
    ts = run(bot, f"metric add {SECRET} for Acme target 30% --internal", mention=True)
    assert said(bot.fake) == []
    [private] = whispered(bot.fake)
    assert (private.user, private.thread_ts) == (ALICE, ts)
    assert "_internal to Acme_" in private.text
    bot.fake.clear()
    run(bot, f"metric record {SECRET} 50%", user=PAUL, mention=True)
    [refused] = whispered(bot.fake)
    assert refused.user == PAUL
    assert refused.text == f"I can't find a metric called “{SECRET}”. `metrics` lists them."
    assert [r.value for r in bot.rows(MetricReading)] == []
    assert [m.name for m in bot.rows(Metric)] == ["revenue", SECRET]
    bot.fake.clear()
    run(bot, "balance 30%")
    [setting] = said(bot.fake)
    assert setting.text.startswith("⚖️ Both leads will be warned when one party's shared metrics are 30 percentage")


def export_of(bot: Bot, user: str) -> tuple[Call, dict[str, Any], list[dict[str, str]]]:
    [opened] = [c for c in bot.fake.calls_to("conversations.open") if c.args.get("users") == user]
    [shared] = bot.fake.shared_files()
    rows = list(csv.DictReader(io.StringIO(shared["content"].decode("utf-8"))))
    return opened, shared, rows


def test_export_is_sent_by_dm_as_csv_within_the_askers_trust_boundary(bot: Bot) -> None:
    setup_alliance(bot)
    run(bot, "commit <@U0PAUL001> Draft joint API spec by next Friday")
    bot.fake.clear()
    run(bot, "export")
    _, shared, rows = export_of(bot, ALICE)
    assert shared["channel_id"] == "D" + ALICE[1:]  # Alice's DM with the bot
    assert shared["filename"] == "acme-globex-2026-11-24.csv"
    assert [r["section"] for r in rows] == [
        "commitment",
        "commitment_history",
        "metric",
        "metric_reading",
        "metric",
        "metric_reading",
        "metric",
        "metric_reading",
        "contribution",
    ]
    assert (rows[0]["item"], rows[0]["title"], rows[0]["owner"], rows[0]["party"]) == (
        "#1",
        "Draft joint API spec",
        "paul",  # the name people know, not Slack's id
        "Globex",
    )
    assert {r["item"] for r in rows if r["section"] == "metric"} == {"pipeline influenced", "NPS", SECRET}
    [ack] = whispered(bot.fake)
    assert ack.text.startswith("📎 I've sent you the export by direct message: `acme-globex-2026-11-24.csv`, 9 rows")

    bot.fake.clear()
    run(bot, "export", user=PAUL, mention=True)
    _, shared, rows = export_of(bot, PAUL)
    assert shared["channel_id"] == "D" + PAUL[1:]
    assert {r["item"] for r in rows if r["section"] == "metric"} == {"pipeline influenced", "NPS"}
    assert SECRET not in shared["content"].decode("utf-8")
    assert said(bot.fake) == []  # nothing of it in the channel or the thread


def test_sponsor_digest_and_imbalance_warning_reach_each_party_within_its_boundary(bot: Bot) -> None:
    setup_alliance(bot)
    scheduler = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))
    scheduler.sweep(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # pipeline 50% vs NPS 25%: a 25-point gap
    warned = [c for c in bot.fake.calls_to("chat.postMessage") if "is benefiting only one side" in c.args["text"]]
    assert sorted(c.args["channel"] for c in warned) == [ALICE, PAUL]  # each by one call to the user id
    bot.fake.clear()
    scheduler.sweep(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # the first working morning of December
    digests = {
        c.args["channel"]: c.args["text"]
        for c in bot.fake.calls_to("chat.postMessage")
        if "your digest" in c.args["text"]
    }
    erin, pia = ERIN, PIA
    assert sorted(digests) == [erin, pia]
    assert digests[pia].startswith("📬 *Acme & Globex*: your digest for November 2026")
    assert SECRET in digests[erin]
    elsewhere = [c for c in bot.fake.calls if c.args.get("channel") != erin]
    assert elsewhere and all(SECRET not in json.dumps(c.args, default=str) for c in elsewhere)


def test_review_prompt_buttons_record_the_answer_and_announce_it(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_alliance(bot)
    goal = GoalProgress(key="launch", title="Joint launch", target_date=datetime(2026, 11, 24, 9, tzinfo=UTC))
    monkeypatch.setattr(digest, "charter_terms", lambda session, alliance_id: CharterTerms(goals=[goal]))
    Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0)).sweep(
        datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    )
    [prompt] = [
        c
        for c in bot.fake.calls_to("chat.postMessage")
        if c.args["channel"] == PAUL and "Time for a review" in c.args["text"]
    ]
    buttons = prompt.args["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["review_continue", "review_adjust", "review_wind_down"]
    assert SECRET not in json.dumps(prompt.args)
    bot.fake.clear()
    click = payloads.block_action("review_adjust", buttons[1]["value"], user=PAUL, channel="D" + PAUL[1:])
    assert bot.post(click) == (200, "")
    # The answer comes after the ack: wait for it rather than for a quiet moment, which a loaded machine outruns.
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL, timeout=15)
    bot.quiet()
    announced = [s for s in said(bot.fake) if s.channel == CHANNEL]
    assert [s.text for s in announced] == [
        "🧭 Review of the goal *Joint launch*: <@U0PAUL001> (Globex's lead) says *adjust*."
    ]
    [answer] = bot.rows(ReviewAnswer)
    assert (answer.user_id, answer.verdict, answer.review_key) == (PAUL, "adjust", "goal:launch:2026-11-24")


@pytest.mark.parametrize(
    "text", ['metric add "pipeline influenced" for Globex target 2M', "contribute Globex 2 engineers for Q1", "metrics"]
)
def test_a_scorecard_command_as_the_channels_first_use_introduces_the_alliance_once(bot: Bot, text: str) -> None:
    run(bot, text, user=PAUL, mention=True)

    intros = [s for s in said(bot.fake) if s.text.startswith(INTRO)]
    assert [(s.channel, s.thread_ts) for s in intros] == [(CHANNEL, None)]


# ---- answered once, in words people read (issue 12.12) ----------------------------------------------------


@pytest.mark.parametrize("user", [ALICE, PAUL])
@pytest.mark.parametrize("command", ["metrics", "contributions", "scorecard"])
def test_a_mentioned_look_up_is_answered_once_in_its_thread(bot: Bot, command: str, user: str) -> None:
    """Alice's organisation keeps an internal metric: still one answer, the thread's (shared items only)."""
    setup_alliance(bot)
    run(bot, "contribute Acme 3 engineers for Q2 --internal")
    bot.fake.clear()
    ts = run(bot, command, user=user, mention=True)
    answers = [c for c in bot.fake.calls if c.method in ("chat.postMessage", "chat.postEphemeral")]
    assert [(c.method, c.args.get("thread_ts")) for c in answers] == [("chat.postMessage", ts)]
    assert SECRET not in everything_said(bot.fake)


def test_contribution_totals_say_one_person_and_forty_times(bot: Bot) -> None:
    setup_alliance(bot)
    run(bot, "contribute Acme 40 hours of solution engineering")
    run(bot, "contribute Acme 1 engineer for Q1")
    run(bot, "scorecard")
    [answer] = bot.fake.calls_to("chat.postEphemeral")
    fields = [f["text"] for b in answer.args["blocks"] if "fields" in b for f in b["fields"]]
    acme = next(f for f in fields if f.startswith("*Acme*") and "engineer" not in f and ("time" in f or "person" in f))
    assert "40 times" in acme and "1 person" in acme
    assert "40 time " not in acme + " " and "1 people" not in acme
    globex = next(f for f in fields if f.startswith("*Globex*") and "people" in f)
    assert "2 people" in globex


def test_the_export_names_people_instead_of_their_ids(bot: Bot) -> None:
    setup_alliance(bot)
    run(bot, "commit <@U0PAUL001> Draft joint API spec with <@U0PIA0001> by next Friday")
    run(bot, "reassign #1 <@U0PIA0001>", user=PAUL, mention=True)
    run(bot, f"decide we co-sell in DACH first consulted <@{PIA}> <@{PAUL}>")
    bot.fake.clear()
    run(bot, "export")
    _, shared, rows = export_of(bot, ALICE)
    content = shared["content"].decode("utf-8")
    assert re.findall(r"U0[A-Z0-9]{7}", content) == []
    [item] = [r for r in rows if r["section"] == "commitment"]
    assert (item["owner"], item["by"]) == ("pia", "alice")
    assert item["title"] == "Draft joint API spec with @pia"
    moved = [r for r in rows if r["section"] == "commitment_history" and r["status"] == "reassigned"]
    assert [(r["by"], r["detail"]) for r in moved] == [("paul", "from: paul; to: pia")]
    [decision] = [r for r in rows if r["section"] == "decision"]
    assert (decision["by"], decision["detail"]) == ("alice", "consulted: pia, paul")
