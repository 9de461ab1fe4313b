"""Mentions: how the partner organisation (no slash commands in Slack Connect) talks to the bot."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.models import Commitment, ProcessedEvent
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import CHANNEL, GLOBEX, PAUL, PIA
from tests.slack.transcript import INTRO, Said, Whispered, date_epochs, said, said_besides_intro, whispered

BERLIN = ZoneInfo("Europe/Berlin")
END_OF_NOVEMBER = datetime(2026, 11, 30, 18, 0, tzinfo=BERLIN)


def test_partner_commits_asks_who_owns_and_lists_overdue_in_threads(bot: Bot) -> None:
    mention = payloads.app_mention("<@U0BOT0001> commit <@U0PIA0001> pricing sheet by end of month", user=PAUL)
    event = mention.decoded()["event"]
    assert (event["user_team"], event["source_team"]) == (GLOBEX, GLOBEX)
    first_ts = event["ts"]

    assert bot.post(mention) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    intro, confirmation = said(bot.fake)
    assert (intro.channel, intro.thread_ts) == (CHANNEL, None)
    assert intro.text.startswith(INTRO)
    assert (confirmation.channel, confirmation.thread_ts) == (CHANNEL, first_ts)
    assert confirmation.text.startswith(":white_check_mark: Commitment `#1` recorded: *pricing sheet*\n")
    assert "Owner: <@U0PIA0001> for *Globex* (recorded by <@U0PAUL001>)" in confirmation.text
    assert date_epochs(confirmation.text) == [int(END_OF_NOVEMBER.timestamp())]

    [commitment] = bot.rows(Commitment)
    assert (commitment.owner_id, commitment.party_team_id, commitment.created_by) == (PIA, GLOBEX, PAUL)

    bot.fake.clear()
    question = payloads.app_mention("<@U0BOT0001> who owns the pricing sheet?", user=PAUL, thread_ts=first_ts)
    assert bot.post(question) == (200, "")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    due = f"<!date^{int(END_OF_NOVEMBER.timestamp())}^{{date_short_pretty}} at {{time}}|Mon 30 Nov 2026, 18:00 CET>"
    assert said(bot.fake) == [
        Said(CHANNEL, first_ts, f"<@U0PIA0001> (Globex) owns `#1` *pricing sheet*, due {due} (open).")
    ]

    bot.fake.clear()
    bot.clock.advance(timedelta(days=7))  # Tuesday 1 December: the end of November has passed
    overdue = payloads.app_mention("list overdue", user=PAUL)
    overdue_ts = overdue.decoded()["event"]["ts"]
    assert bot.post(overdue) == (200, "")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    [listing] = said(bot.fake)
    assert (listing.channel, listing.thread_ts) == (CHANNEL, overdue_ts)
    assert listing.text == (
        "*Overdue commitments*\n*Globex* (1)\n"
        f"• `#1` *pricing sheet* · <@U0PIA0001> (Globex) · due {due} · :warning: *overdue*"
    )
    assert whispered(bot.fake) == []


def test_nothing_is_overdue_before_the_due_date(bot: Bot) -> None:
    bot.post(payloads.app_mention("commit <@U0PIA0001> pricing sheet by end of month", user=PAUL))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    bot.fake.clear()

    ask = payloads.app_mention("list overdue", user=PAUL)
    bot.post(ask)
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    assert said(bot.fake) == [Said(CHANNEL, ask.decoded()["event"]["ts"], "Nothing is overdue. :tada:")]


def test_a_redelivered_event_is_handled_once_even_across_a_restart(bot: Bot) -> None:
    text = "commit <@U0PIA0001> pricing sheet by end of month"
    ts = "1795600000.000100"
    event_id = "Ev0DEDUPE01"

    assert bot.post(payloads.app_mention(text, user=PAUL, event_id=event_id, ts=ts)) == (200, "")
    assert bot.post(payloads.app_mention(text, user=PAUL, event_id=event_id, ts=ts, retry_num=1)) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    confirmations = said_besides_intro(bot.fake)
    assert [(s.channel, s.thread_ts) for s in confirmations] == [(CHANNEL, ts)]
    assert len(bot.rows(Commitment)) == 1
    assert [e.event_id for e in bot.rows(ProcessedEvent)] == [event_id]

    bot.restart()
    third = payloads.app_mention(text, user=PAUL, event_id=event_id, ts=ts, retry_num=2, retry_reason="http_error")
    assert bot.post(third) == (200, "")
    bot.quiet()
    assert said(bot.fake) == []
    assert len(bot.rows(Commitment)) == 1

    # The restarted bot does answer events it has not seen.
    bot.post(payloads.app_mention("list", user=PAUL))
    bot.fake.wait_for("chat.postMessage")


def test_naming_the_bot_as_owner_by_mention_is_refused(bot: Bot) -> None:
    """Only the mention that addresses the bot is taken off; the bot named as owner is still read as the owner."""
    mention = payloads.app_mention("<@U0BOT0001> commit <@U0BOT0001> Do it by tomorrow", user=PAUL)
    assert bot.post(mention) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    assert whispered(bot.fake) == [
        Whispered(
            CHANNEL,
            PAUL,
            mention.decoded()["event"]["ts"],
            "<@U0BOT0001> is a bot; only a person can be accountable for a commitment.",
        )
    ]
    assert bot.rows(Commitment) == []
    assert said_besides_intro(bot.fake) == []


def test_the_bot_never_answers_a_bot(bot: Bot) -> None:
    mention = payloads.app_mention("list", user=PAUL)
    envelope = mention.decoded()
    envelope["event"]["bot_id"] = "B0OTHER01"
    body = json.dumps(envelope).encode()
    signed = payloads.SignedRequest(
        body=body,
        headers={
            **mention.headers,
            **payloads.sign(body, payloads.SIGNING_SECRET, int(mention.headers["X-Slack-Request-Timestamp"])),
        },
    )
    assert bot.post(signed) == (200, "")
    bot.quiet()
    assert [c.method for c in bot.fake.calls if c.method.startswith("chat.")] == []


def mention(bot: Bot, request: payloads.SignedRequest) -> None:
    """Deliver a mention and wait until the bot has answered it (in the channel, or privately)."""
    assert bot.post(request) == (200, "")
    bot.quiet()
    assert bot.listener_crashes() == []


def test_an_edited_mention_updates_the_commitment_it_created_instead_of_recording_a_second(bot: Bot) -> None:
    # Slack re-sends an edited mention: the same ts, a new event id, and "edited": {"user", "ts"}.
    typo = payloads.app_mention("commit <@U0PIA0001> reseller contrct by Dec 4", user=PAUL)
    ts = typo.decoded()["event"]["ts"]
    mention(bot, typo)
    bot.fake.clear()

    fixed = payloads.app_mention("commit <@U0PIA0001> reseller contract by Dec 4", user=PAUL, ts=ts, edited_by=PAUL)
    assert fixed.decoded()["event"]["edited"]["user"] == PAUL
    mention(bot, fixed)

    [commitment] = bot.rows(Commitment)
    assert (commitment.ref, commitment.title, commitment.owner_id) == (1, "reseller contract", PIA)
    [update] = said(bot.fake)
    assert (update.channel, update.thread_ts) == (CHANNEL, ts)
    assert update.text.startswith(
        ":pencil2: Updated `#1` *reseller contract* from its edited message: title *reseller contract* "
        "(was _reseller contrct_)."
    )

    # A second edit moves the date: still the one commitment, and the thread hears of the new date.
    bot.fake.clear()
    later = payloads.app_mention("commit <@U0PIA0001> reseller contract by Dec 11", user=PAUL, ts=ts, edited_by=PAUL)
    mention(bot, later)
    [commitment] = bot.rows(Commitment)
    assert commitment.due_at == datetime(2026, 12, 11, 18, 0, tzinfo=BERLIN)
    assert commitment.slips == 0  # correcting the message is no slip
    [update] = said(bot.fake)
    assert update.text.startswith(":pencil2: Updated `#1` *reseller contract* from its edited message: due ")
    assert "Fri 11 Dec 2026" in update.text and "Fri 04 Dec 2026" in update.text

    # An edit that changes nothing changes nothing, and says so to its author alone.
    bot.fake.clear()
    mention(bot, payloads.app_mention(later.decoded()["event"]["text"], user=PAUL, ts=ts, edited_by=PAUL))
    assert said(bot.fake) == []
    [note] = whispered(bot.fake)
    assert note.user == PAUL and "#1 already says what your edited message says; nothing changed." in note.text
    assert len(bot.rows(Commitment)) == 1


def test_an_edited_change_is_not_carried_out_twice_and_an_edited_refusal_is_carried_out(bot: Bot) -> None:
    mention(bot, payloads.app_mention("commit <@U0PIA0001> pricing sheet by Dec 4", user=PAUL))
    mention(bot, payloads.app_mention("commit <@U0PIA0001> security review by Dec 4", user=PAUL))
    done = payloads.app_mention("done #1", user=PIA)
    mention(bot, done)
    bot.fake.clear()

    # "done #1" edited into "done #2": the bot already acted on the message, and says so rather than close #2.
    edited = payloads.app_mention("done #2", user=PIA, ts=done.decoded()["event"]["ts"], edited_by=PIA)
    mention(bot, edited)
    assert said(bot.fake) == []
    [note] = whispered(bot.fake)
    assert note.user == PIA
    assert "I already acted on that message (marked done #1), so its edit is not carried out again." in note.text
    assert sorted((c.ref, c.status) for c in bot.rows(Commitment)) == [(1, "done"), (2, "open")]

    # A command refused for want of a date changed nothing: its edit, with the date, is carried out.
    bot.fake.clear()
    no_date = payloads.app_mention("commit <@U0PIA0001> partner deck", user=PAUL)
    mention(bot, no_date)
    assert len(bot.rows(Commitment)) == 2
    with_date = payloads.app_mention(
        "commit <@U0PIA0001> partner deck by Dec 9", user=PAUL, ts=no_date.decoded()["event"]["ts"], edited_by=PAUL
    )
    mention(bot, with_date)
    assert sorted(c.title for c in bot.rows(Commitment)) == ["partner deck", "pricing sheet", "security review"]
    assert said(bot.fake)[-1].text.startswith(":white_check_mark: Commitment `#3` recorded: *partner deck*")
