"""Nobody pings the channel through the bot: what a user typed comes back neutralised for mrkdwn.

Slack sends typed text with `should_escape: true`: a typed "@channel" arrives as `<!channel>`, a user group as
`<!subteam^S…|@handle>`, a link with a label as `<url|label>`, and `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`
(https://api.slack.com/reference/surfaces/formatting#escaping, #special-mentions). Whatever the bot repeats
(titles, reasons, decisions, disputes, metric names, notes, the echo of an unknown command, the sweep's
check-ins, reminders, escalations and digests) must reach Slack with none of those as a live token, and no link
whose label hides its target; the mentions the bot builds itself stay live.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from bot.core.schedule import Pacer, Scheduler
from bot.slack.app import web_client
from bot.slack.courier import SlackCourier
from storage.models import Commitment, Decision, Dispute, Metric
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, CHANNEL, PAUL, PIA, FakeSlack
from tests.slack.transcript import whispered

BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam^")
EVIL = "https://evil.example"


def run(bot: Bot, text: str, *, user: str = ALICE, mention: bool = False) -> None:
    signed = payloads.app_mention(f"<@U0BOT0001> {text}", user=user) if mention else payloads.slash_command(text)
    assert bot.post(signed) == (200, "")
    bot.quiet(for_seconds=0.3)
    assert bot.listener_crashes() == []


def live_tokens(fake: FakeSlack) -> list[str]:
    """Every broadcast token and disguised link in what the bot sent Slack (texts, blocks, comments), except the
    values a form is opened with (plain text, which Slack never turns into mentions)."""
    found: list[str] = []
    for call in fake.calls:
        args = dict(call.args)
        blob = json.dumps(args, ensure_ascii=False)
        blob = re.sub(r'"initial_value": "(?:[^"\\]|\\.)*"', "", blob)
        found += [token for token in BROADCASTS if token in blob]
        found += re.findall(r"<(?:https?|mailto|ftp)[^>|]*\|[^>]*>", blob)
    return found


def test_a_title_with_broadcasts_and_a_disguised_link_is_stored_as_meant_and_never_pings(bot: Bot) -> None:
    title = (
        "<!channel> <!here> ask <!subteam^S0TEAM001|@sales-team> or <mailto:sales@acme.example|sales@acme.example> "
        "about R&amp;D &lt;b&gt; "
        f"<{EVIL}/steal|login here>"
    )
    run(bot, f"commit <@{PAUL}> {title} by 2026-11-27")
    [item] = bot.rows(Commitment)
    # Stored as meant; typed angle brackets become look-alikes (‹›), so nothing stored forms a token again.
    # A user group keeps its handle behind a full-width ＠: read as a group, never taken for an unpicked person.
    assert (
        item.title == f"@channel @here ask ＠sales-team or sales@acme.example about R&D ‹b› login here ({EVIL}/steal)"
    )
    assert live_tokens(bot.fake) == []
    posted = bot.fake.calls_to("chat.postMessage")[-1]
    # The bot's mention of the owner stays live.
    shown = f"*@channel @here ask ＠sales-team or sales@acme.example about R&D ‹b› login here ({EVIL}/steal)*"
    assert shown in posted.args["text"]
    assert f"<@{PAUL}>" in posted.args["text"]

    # Every later repetition: changes, lists, details, the sweep's check-in, reminders and escalation.
    run(bot, "show #1")
    run(bot, "list", user=PAUL, mention=True)
    run(bot, "lead <@U0PIA0001>", user=PIA, mention=True)
    run(bot, "due #1 2026-11-26")
    scheduler = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))
    for day in (25, 26, 27, 30):
        scheduler.sweep(datetime(2026, 11, day, 8, 30, tzinfo=UTC))
    scheduler.sweep(datetime(2026, 12, 2, 8, 30, tzinfo=UTC))
    texts = [c.args.get("text", "") for c in bot.fake.calls_to("chat.postMessage")]
    assert any("Escalation" in t for t in texts)
    repeats = [c for c in bot.fake.calls if "@channel @here ask ＠sales-team" in json.dumps(c.args, ensure_ascii=False)]
    assert len(repeats) >= 6
    assert live_tokens(bot.fake) == []
    run(bot, "drop #1 <!everyone> see <https://evil.example/x|the minutes>", user=PAUL, mention=True)
    [item] = bot.rows(Commitment)
    assert item.drop_reason == f"@everyone see the minutes ({EVIL}/x)"
    assert live_tokens(bot.fake) == []


def test_a_raw_token_typed_in_a_form_is_shown_not_obeyed(bot: Bot) -> None:
    """A form's text input gives the characters as typed (no Slack markup): `<!channel>` there is literal text."""
    run(bot, "lead <@U0ALICE01>")
    bot.post(
        payloads.view_submission(
            "commitment_form",
            {
                "title": {"value": payloads.plain_text_input("<!channel> & <https://evil.example|docs>")},
                "owner": {"value": payloads.users_select(PAUL)},
                "due": {"value": payloads.datepicker("2026-11-27")},
            },
            private_metadata=json.dumps({"channel": CHANNEL}),
        )
    )
    bot.quiet(for_seconds=0.3)
    [item] = bot.rows(Commitment)
    assert item.title == "<!channel> & <https://evil.example|docs>"
    assert live_tokens(bot.fake) == []
    posted = bot.fake.calls_to("chat.postMessage")[-1]
    assert "*&lt;!channel&gt; & &lt;https://evil.example|docs&gt;*" in posted.args["text"]


def test_the_echo_of_an_unknown_command_does_not_ping(bot: Bot) -> None:
    run(bot, "<!subteam^S0TEAM001|@sales> frobnicate now")
    [answer] = whispered(bot.fake)
    assert answer.text.startswith("I don't know “＠sales”")
    bot.fake.clear()
    run(bot, "<!channel> please", user=PAUL, mention=True)
    assert live_tokens(bot.fake) == []
    assert "I don't know “@channel”" in bot.fake.calls_to("chat.postMessage")[-1].args["text"]


def test_decisions_disputes_metrics_and_notes_never_ping(bot: Bot) -> None:
    run(bot, "lead <@U0ALICE01>")
    run(bot, "sponsor <@U0ERIN001>")
    run(bot, "lead <@U0PAUL001>", user=PAUL, mention=True)
    run(bot, "sponsor <@U0PIA0001>", user=PAUL, mention=True)
    run(bot, f"decide <!channel> we co-sell via <{EVIL}|the portal> consulted <@{PAUL}>")
    run(bot, "decisions")
    run(bot, "dispute <!here> pricing of the <!subteam^S0TEAM001|@sales> SKU", user=PAUL, mention=True)
    run(bot, "disputes")
    run(bot, "metric add <!everyone> NPS for Acme target 40% baseline 20%")
    run(bot, "metric record <!everyone> NPS 25%")
    run(bot, "metrics", user=PAUL, mention=True)
    run(bot, f"commit <@{PAUL}> Pricing sheet by 2026-11-27")
    run(bot, f"status #1 at risk: <!channel> vendor <{EVIL}|is late>", user=PAUL, mention=True)
    [decision] = bot.rows(Decision)
    assert "@channel we co-sell via the portal (https://evil.example)" in decision.text
    [dispute] = bot.rows(Dispute)
    assert dispute.topic == "@here pricing of the ＠sales SKU"
    assert [m.name for m in bot.rows(Metric)] == ["@everyone NPS"]
    scheduler = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))
    for at in (datetime(2026, 11, 24, 15, tzinfo=UTC), datetime(2026, 11, 26, 9, tzinfo=UTC)):
        scheduler.sweep(at)
    scheduler.sweep(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))  # the sponsors' monthly digest
    assert any("your digest" in c.args.get("text", "") for c in bot.fake.calls_to("chat.postMessage"))
    everything = json.dumps([c.args for c in bot.fake.calls], ensure_ascii=False)
    assert "@everyone NPS" in everything and "@here pricing" in everything and "@channel vendor" in everything
    assert live_tokens(bot.fake) == []


def test_a_listener_using_bolts_own_client_is_guarded_too(bot: Bot) -> None:
    """Bolt gives listeners a client of its own making; the app swaps in the guarded one."""
    app = bot._server.app

    @app.command("/echo")
    def echo(ack: Any, command: dict[str, Any], say: Any, client: Any) -> None:
        ack()
        say(text=command["text"])
        client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    assert bot.post(payloads.slash_command("<!channel> <https://evil.example|hi>", command="/echo")) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    assert [c.args["text"] for c in bot.fake.calls_to("chat.postMessage")] == [
        "&lt;!channel&gt; &lt;https://evil.example|hi&gt;"
    ] * 2
    assert live_tokens(bot.fake) == []
