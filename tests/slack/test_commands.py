"""`/alliance` from the host organisation, through the real HTTP front door to FakeSlack and back."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import inspect

from storage.models import Alliance, Commitment, Party
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ACME, ALICE, CHANNEL, GLOBEX, PAUL
from tests.slack.transcript import INTRO, Said, date_epochs, said, said_besides_intro, whispered

BERLIN = ZoneInfo("Europe/Berlin")


def test_slash_commit_creates_the_alliance_introduces_it_and_confirms_in_the_channel(bot: Bot) -> None:
    started = time.monotonic()
    status, body = bot.post(payloads.slash_command("commit <@U0PAUL001|paul> Draft joint API spec by next Friday"))
    elapsed = time.monotonic() - started

    assert (status, body) == (200, "")
    assert elapsed < 2.5, f"Slack gives up after 3 s; the ack took {elapsed:.2f} s"

    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    looked_up = [(c.method, c.args.get("channel") or c.args.get("user") or c.args.get("team")) for c in bot.fake.calls]
    assert ("conversations.info", CHANNEL) in looked_up
    assert ("users.info", ALICE) in looked_up
    assert ("users.info", PAUL) in looked_up
    assert {("team.info", ACME), ("team.info", GLOBEX)} <= set(looked_up)
    # The directory is asked before anything is said.
    first_post = next(i for i, (method, _) in enumerate(looked_up) if method == "chat.postMessage")
    assert {m for m, _ in looked_up[:first_post]} >= {"conversations.info", "users.info", "team.info"}

    intro, confirmation = said(bot.fake)
    assert intro.channel == CHANNEL and intro.thread_ts is None
    assert intro.text.startswith(INTRO)
    assert "*Acme*" in intro.text and "*Globex*" in intro.text

    assert confirmation.channel == CHANNEL
    assert confirmation.thread_ts is None
    for fragment in ("#1", "Draft joint API spec", "<@U0PAUL001>", "Globex"):
        assert fragment in confirmation.text
    due = datetime(2026, 11, 27, 18, 0, tzinfo=BERLIN)  # next Friday, end of Paul's working day
    assert date_epochs(confirmation.text) == [int(due.timestamp())]
    assert whispered(bot.fake) == []

    post = bot.fake.calls_to("chat.postMessage")[1]
    buttons = [
        (element["action_id"], element["value"])
        for block in post.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons == [("commitment_done", "1"), ("commitment_show", "1")]

    [commitment] = bot.rows(Commitment)
    assert (commitment.ref, commitment.title, commitment.owner_id) == (1, "Draft joint API spec", PAUL)
    assert commitment.party_team_id == GLOBEX
    assert commitment.created_by == ALICE
    assert commitment.due_at == due
    assert sorted(p.team_id for p in bot.rows(Party)) == [ACME, GLOBEX]


def _whisper_to_alice(bot: Bot, text: str) -> str:
    """Send `/alliance <text>` as Alice; answer the one private reply she got."""
    status, body = bot.post(payloads.slash_command(text))
    assert (status, body) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [reply] = whispered(bot.fake)
    assert (reply.channel, reply.user, reply.thread_ts) == (CHANNEL, ALICE, None)
    assert "Traceback" not in reply.text
    # Nothing but (at most) the alliance's introduction went to the channel, and no trace went anywhere.
    assert said_besides_intro(bot.fake) == []
    assert all("Traceback" not in str(c.args) for c in bot.fake.calls)
    return reply.text


def test_commit_without_a_date_says_what_was_understood(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "commit Draft spec")
    assert "I understood *Draft spec* for <@U0ALICE01>, but no due date" in text
    assert bot.rows(Commitment) == []


def test_a_bot_cannot_own_a_commitment(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "commit <@U0BOT0001> Do it by tomorrow")
    assert text == "<@U0BOT0001> is a bot; only a person can be accountable for a commitment."
    assert bot.rows(Commitment) == []


def test_a_deactivated_person_cannot_own_a_commitment(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "commit <@U0GONE001> Do it by tomorrow")
    assert text == "<@U0GONE001> has left (their account is deactivated); pick someone who is still here."
    assert bot.rows(Commitment) == []


def test_a_raw_at_name_is_not_taken_for_a_person(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "commit @nobody do it by tomorrow")
    assert "“@nobody”" in text
    assert "Pick the person from the list" in text
    assert bot.rows(Commitment) == []


def test_five_thousand_characters_are_refused_politely(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "commit " + "x" * 4993)
    assert text == "That is 5,000 characters; a command is at most 4,000."
    assert bot.rows(Commitment) == []
    assert bot.rows(Alliance) == []


def test_done_on_a_commitment_that_does_not_exist(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "done #999")
    assert text == "There is no commitment #999 in this alliance. `list` shows the open ones."


def test_an_unknown_subcommand_gets_the_usage(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "frobnicate")
    assert text.startswith("I don't know “frobnicate”. Here is what I do:")
    assert "`commit @paul Draft joint API spec by next Friday`" in text


def test_emoji_only_text_gets_the_usage(bot: Bot) -> None:
    text = _whisper_to_alice(bot, "🎉🎉🎉 :tada:")
    assert text.startswith("I don't know “🎉🎉🎉”. Here is what I do:")
    assert "commit" in text


def test_sql_in_a_title_is_recorded_as_words(bot: Bot) -> None:
    status, _ = bot.post(payloads.slash_command("commit '; DROP TABLE commitment;-- by tomorrow"))
    assert status == 200
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()

    [commitment] = bot.rows(Commitment)
    assert commitment.title == "'; DROP TABLE commitment"  # trailing punctuation is tidied, nothing else
    assert commitment.owner_id == ALICE
    assert "commitment" in inspect(bot.db.engine).get_table_names()
    [confirmation] = said_besides_intro(bot.fake)
    assert confirmation.channel == CHANNEL
    assert "*'; DROP TABLE commitment*" in confirmation.text
    assert whispered(bot.fake) == []


def test_the_confirmation_is_the_whole_conversation_for_a_second_commit(bot: Bot) -> None:
    """Once the alliance exists, a commit is answered with one channel message and nothing else."""
    bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    bot.fake.clear()

    bot.post(payloads.slash_command("commit <@U0PIA0001> Pricing sheet by Dec 4"))
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()

    # Pia's profile was read when the alliance began (she is in the channel): no look-up is needed now.
    assert [c.method for c in bot.fake.calls] == ["chat.postMessage"]
    due = datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)
    assert said(bot.fake) == [
        Said(
            CHANNEL,
            None,
            ":white_check_mark: Commitment `#2` recorded: *Pricing sheet*\n"
            "Owner: <@U0PIA0001> for *Globex* (recorded by <@U0ALICE01>) · "
            f"Due <!date^{int(due.timestamp())}^{{date_short_pretty}} at {{time}}|Fri 04 Dec 2026, 18:00 CET>",
        )
    ]
