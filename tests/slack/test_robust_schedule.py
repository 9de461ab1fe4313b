"""No input stops the schedule, and what was acknowledged is said truthfully (issue 11, items 9, 10, 11, 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.models import Alliance, Commitment, Party
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ACME, BOB, CHANNEL, GLOBEX, PAUL
from tests.slack.transcript import said, whispered


def _start_alliance(bot: Bot) -> None:
    bot.post(payloads.slash_command("list"))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    bot.fake.clear()


def _answer(bot: Bot, text: str) -> str:
    bot.fake.clear()
    bot.post(payloads.slash_command(text))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [reply] = whispered(bot.fake)
    return reply.text


# ---- 11.9: a date beyond the horizon ----------------------------------------------------------------------


def test_a_date_beyond_the_horizon_is_refused_showing_the_command_typed(bot: Bot) -> None:
    _start_alliance(bot)
    text = _answer(bot, "commit Far item by 9999-12-31")
    assert "too far ahead" in text and "5 years" in text
    assert "Nothing was changed" in text
    assert "`commit Far item by 9999-12-31`" in text
    assert "Mon 24 Nov 2031" in text  # the latest date taken, five years from the bot's today
    assert bot.rows(Commitment) == []
    assert said(bot.fake) == []

    bot.post(payloads.slash_command("commit Near item by Dec 18"))
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    before = bot.rows(Commitment)[0].due_at
    text = _answer(bot, "due #1 9999-12-31")
    assert "too far ahead" in text and "`due #1 9999-12-31`" in text
    assert bot.rows(Commitment)[0].due_at == before
    # Just inside the horizon is taken.
    bot.post(payloads.slash_command("due #1 2031-11-20"))
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: "now due" in str(c.args.get("text")))


def test_one_bad_row_is_skipped_and_the_rest_of_the_schedule_is_delivered(bot: Bot) -> None:
    """A commitment whose date the calendar cannot step past (planted in the database, as an old version or a
    direct edit could leave it) is logged and skipped; the check-in and every other nudge still go out."""
    _start_alliance(bot)
    for n, text in enumerate((f"commit <@{BOB}> Bad row by Dec 18", f"commit <@{PAUL}> Good row by tomorrow")):
        bot.post(payloads.slash_command(text))
        bot.fake.wait_for("chat.postMessage", count=n + 1)
    bot.quiet()
    with bot.db.session() as session:
        bad = session.exec(select(Commitment).where(Commitment.ref == 1)).one()
        bad.due_at = datetime(9999, 12, 31, 12, tzinfo=UTC)
        session.add(bad)
    bot.fake.clear()

    report = bot.sweep(datetime(2026, 11, 25, 16, tzinfo=UTC))  # the first check-in and #2's due-soon nudge

    texts = [c.args.get("text", "") for c in bot.fake.calls_to("chat.postMessage")]
    assert any("Check-in #1" in str(t) for t in texts if t)
    assert report.nudges_planned >= 1
    paul = [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == PAUL]  # his user id
    assert any("Good row" in str(c.args) for c in paul)
    # ...and every later sweep keeps working.
    later = bot.sweep(datetime(2026, 11, 25, 16, tzinfo=UTC) + timedelta(days=2))
    assert later.at > report.at


# ---- 11.10: a saved change whose announcement Slack would not take ---------------------------------------


@pytest.mark.parametrize("status", [500, 429])
def test_a_commitment_whose_announcement_failed_is_said_to_be_saved_and_announced_later(bot: Bot, status: int) -> None:
    _start_alliance(bot)
    # The client tries three times (two retries) and Slack says no each time.
    bot.fake.fail_next("chat.postMessage", status=status, retry_after=0, error="internal_error", times=3)

    assert bot.post(payloads.slash_command("commit Kick-off deck by tomorrow")) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [reply] = whispered(bot.fake)
    assert reply.text.startswith(":white_check_mark: Commitment `#1` recorded: *Kick-off deck*")
    assert "I'll post it there as soon as Slack answers" in reply.text
    assert "nothing was changed" not in reply.text.lower()
    assert len(bot.rows(Commitment)) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == 3  # all refused

    bot.fake.clear()
    bot.sweep()
    posted = [s for s in said(bot.fake) if s.channel == CHANNEL and "Kick-off deck" in s.text]
    assert [s.text.startswith(":white_check_mark: Commitment `#1` recorded") for s in posted] == [True]
    bot.fake.clear()
    bot.sweep()
    assert [s for s in said(bot.fake) if "recorded" in s.text] == []  # exactly once


# ---- 11.16: a chart upload that fails on the network --------------------------------------------------------


@pytest.mark.parametrize("upload_url", ["http://127.0.0.1:1/upload/v1/F0NOPE", "refused-by-fake"])
def test_a_chart_upload_that_fails_after_the_scorecard_does_not_say_nothing_was_changed(
    bot: Bot, upload_url: str
) -> None:
    """files_upload_v2 posts the file to an upload URL with urllib: a network error there is an URLError (an
    OSError), not a SlackApiError. The scorecard already went out; the asker hears that only the chart is missing."""
    _start_alliance(bot)
    if upload_url == "refused-by-fake":
        bot.fake.fail_next("files.completeUploadExternal", status=200, error="internal_error")
    else:  # nothing listens on port 1: the connection is refused
        bot.fake.answer_next("files.getUploadURLExternal", {"ok": True, "upload_url": upload_url, "file_id": "F0NOPE"})
    bot.post(payloads.slash_command("scorecard"))
    bot.fake.wait_for("chat.postEphemeral", count=2)
    bot.quiet()
    answers = [w.text for w in whispered(bot.fake)]
    assert answers[0].startswith("📊") or "Scorecard" in answers[0]
    assert any("couldn't upload the scorecard chart" in a for a in answers[1:])
    assert not any("nothing was changed" in a.lower() or "went wrong" in a.lower() for a in answers)
    assert bot.listener_crashes() == []


# ---- 11.11: Slack does not answer at a channel's first use ------------------------------------------------


@pytest.mark.parametrize(("status", "error"), [(500, "internal_error"), (429, "ratelimited"), (200, "fatal_error")])
def test_a_first_use_slack_did_not_answer_is_refused_and_the_next_sets_the_alliance_up_properly(
    bot: Bot, status: int, error: str
) -> None:
    """conversations.info failing (after the client's retries) is not a DM: nothing is stored without its host and
    home zone; the asker is told to try again, and the next try sets the alliance up from Slack's real answer."""
    bot.fake.fail_next("conversations.info", status=status, retry_after=0, error=error, times=3)
    bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [reply] = whispered(bot.fake)
    assert reply.text.startswith("Slack did not answer when I looked this channel up")
    assert "try the same command again" in reply.text
    assert bot.rows(Alliance) == [] and bot.rows(Commitment) == []
    assert said(bot.fake) == []

    bot.fake.clear()
    bot.post(payloads.slash_command("commit Kick-off deck by tomorrow"))
    bot.fake.wait_for("chat.postMessage", count=2)  # the introduction, then the commitment
    bot.quiet()
    [alliance] = bot.rows(Alliance)
    assert alliance.host_team_id == ACME
    assert {p.team_id for p in bot.rows(Party)} == {ACME, GLOBEX}
    assert len(bot.rows(Commitment)) == 1
